import { localized, msg } from '@lit/localize';
import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { ALARM_SEVERITIES, ruleKindsFor, type AlarmRule, type AlarmRuleKind, type AlarmSeverity, type RuleFieldError } from '../model/alarms.js';
import type { PropertySchema, PropertyValue } from '../model/types.js';
import { formatValue } from '../model/values.js';
import type { DeviceDetail, DeviceSummary } from '../status/device-states.js';
import { ruleErrorText, ruleKindText, severityText } from './alarm-text.js';
import { SliceController } from './controllers/slice-controller.js';
import { AlarmActionEvent } from './events.js';
import { sortDevices } from './hf-device-list.js';
import { panelStyles } from './panel-styles.js';
import { sharedStyles } from './shared-styles.js';

interface Draft {
  deviceId: string;
  propertyId: string;
  kind: AlarmRuleKind;
  severity: AlarmSeverity;
  name: string;
  threshold: string;
  hysteresis: string;
  minDurationS: string;
  value: string;
  maxAgeS: string;
}

function draftOf(rule: AlarmRule | null, deviceId: string, propertyId: string | null): Draft {
  const d: Draft = { deviceId, propertyId: propertyId ?? '', kind: propertyId ? 'above' : 'unavailable', severity: 'warning', name: '', threshold: '', hysteresis: '0', minDurationS: '0', value: '', maxAgeS: '60' };
  if (!rule) return d;
  const base = { ...d, deviceId: rule.deviceId, kind: rule.kind, severity: rule.severity, name: rule.name ?? '' };
  switch (rule.kind) {
    case 'above':
    case 'below':
      return { ...base, propertyId: rule.propertyId, threshold: String(rule.threshold), hysteresis: String(rule.hysteresis), minDurationS: String(rule.minDurationMs / 1000) };
    case 'equals':
    case 'not-equals':
      return { ...base, propertyId: rule.propertyId, value: String(rule.value), minDurationS: String(rule.minDurationMs / 1000) };
    case 'unavailable':
      return { ...base, propertyId: '', minDurationS: String(rule.minDurationMs / 1000) };
    case 'older-than':
      return { ...base, propertyId: rule.propertyId, maxAgeS: String(rule.maxAgeMs / 1000) };
  }
}

const secondsToMs = (s: string): number | string => (s.trim() === '' ? s : Number(s) * 1000);

/**
 * The alarm rule editor: device, setting, the kind of condition (offered by
 * the setting's datatype), its numbers, severity and an optional name.
 * Opened from a property's "Add alarm…" or from the alarm panel; the rule is
 * checked by the model and stored by the console.
 */
@localized()
@customElement('hf-alarm-rule-form')
export class HfAlarmRuleForm extends LitElement {
  static override styles = [
    sharedStyles,
    panelStyles,
    css`
      :host {
        margin: 0.75rem 0 0;
        background: var(--hf-surface-2);
      }
      form {
        display: grid;
        gap: 0.75rem;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 14rem), 1fr));
        align-items: end;
      }
      label {
        display: grid;
        gap: 0.25rem;
      }
      .wide {
        grid-column: 1 / -1;
      }
      input,
      select {
        background: var(--hf-surface);
      }
    `,
  ];

  /** The rule being edited; null: a new one. */
  @property({ attribute: false }) rule: AlarmRule | null = null;
  /** For a new rule: the device and setting it starts from. */
  @property({ attribute: false }) deviceId = '';
  @property({ attribute: false }) propertyId: string | null = null;
  /** Called when the rule was saved or the operator cancelled. */
  @property({ attribute: false }) closed: () => void = () => undefined;
  @state() private draft: Draft = draftOf(null, '', null);
  @state() private errors: Readonly<Record<string, RuleFieldError>> = {};
  @state() private saving = false;

  private readonly devices = new SliceController<ReadonlyMap<string, DeviceSummary>>(this, (c) => (fn) => c.client.subscribeDevices(fn));
  private readonly detail = new SliceController<DeviceDetail | undefined>(this, (c) => (this.draft.deviceId ? (fn) => c.client.subscribeDevice(this.draft.deviceId, fn) : null));

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('rule') || changed.has('deviceId') || changed.has('propertyId')) {
      this.draft = draftOf(this.rule, this.rule?.deviceId ?? this.deviceId, this.rule ? null : this.propertyId);
      this.detail.rebind();
    }
    // The device's schema may arrive after the form opened: the kinds follow the setting's datatype.
    this.fitKind();
  }

  private set(patch: Partial<Draft>): void {
    const deviceChanged = patch.deviceId !== undefined && patch.deviceId !== this.draft.deviceId;
    this.draft = { ...this.draft, ...patch, ...(deviceChanged ? { propertyId: '' } : {}) };
    if (deviceChanged) this.detail.rebind();
    this.fitKind();
  }

  private properties(): readonly PropertySchema[] {
    return (this.detail.value?.schema?.properties ?? []).filter((p) => ruleKindsFor(p).length > 0);
  }

  private selected(): PropertySchema | undefined {
    return this.properties().find((p) => p.id === this.draft.propertyId);
  }

  /** Kinds this setting allows; a device-level rule needs no setting. */
  private kinds(): readonly AlarmRuleKind[] {
    const p = this.selected();
    return [...(p ? ruleKindsFor(p) : []), 'unavailable'];
  }

  private fitKind(): void {
    const p = this.selected();
    if (!p && this.draft.propertyId) return; // the schema is still on its way
    const kinds = this.kinds();
    if (!kinds.includes(this.draft.kind)) this.draft = { ...this.draft, kind: kinds[0] ?? 'unavailable' };
    if ((this.draft.kind === 'equals' || this.draft.kind === 'not-equals') && p && this.draft.value === '') this.draft = { ...this.draft, value: p.datatype === 'boolean' ? 'true' : (p.options?.[0] ?? '') };
  }

  private matchValue(p: PropertySchema | undefined): PropertyValue {
    if (p?.datatype === 'boolean') return this.draft.value === 'true';
    return this.draft.value;
  }

  private submit(e: SubmitEvent): void {
    e.preventDefault();
    const d = this.draft;
    const p = this.selected();
    const common = { id: this.rule?.id ?? crypto.randomUUID(), deviceId: d.deviceId, severity: d.severity, ...(d.name.trim() ? { name: d.name.trim() } : {}) };
    const rule =
      d.kind === 'above' || d.kind === 'below'
        ? { ...common, kind: d.kind, propertyId: d.propertyId, threshold: d.threshold, hysteresis: d.hysteresis, minDurationMs: secondsToMs(d.minDurationS) }
        : d.kind === 'equals' || d.kind === 'not-equals'
          ? { ...common, kind: d.kind, propertyId: d.propertyId, value: this.matchValue(p), minDurationMs: secondsToMs(d.minDurationS) }
          : d.kind === 'unavailable'
            ? { ...common, kind: d.kind, minDurationMs: secondsToMs(d.minDurationS) }
            : { ...common, kind: d.kind, propertyId: d.propertyId, maxAgeMs: secondsToMs(d.maxAgeS) };
    this.saving = true;
    this.dispatchEvent(
      new AlarmActionEvent({
        kind: 'save-rule',
        rule,
        reply: (r) => {
          this.saving = false;
          if (r.ok) {
            this.errors = {};
            this.closed();
          } else this.errors = r.errors;
        },
      }),
    );
  }

  private error(field: string): TemplateResult | typeof nothing {
    const e = this.errors[field];
    return e ? html`<span class="field-error" id="err-${field}">${ruleErrorText(e)}</span>` : nothing;
  }

  /** `label` is a message; `unit` the setting's own unit, as the device names it. */
  private numberField(label: string, field: 'threshold' | 'hysteresis' | 'minDurationS' | 'maxAgeS', errorKey: string, unit?: string): TemplateResult {
    const invalid = this.errors[errorKey] !== undefined;
    return html`<label
      >${label}${unit ? ` (${unit})` : ''}
      <input
        type="number"
        step="any"
        .value=${this.draft[field]}
        aria-invalid=${invalid ? 'true' : 'false'}
        aria-describedby=${invalid ? `err-${errorKey}` : nothing}
        @input=${(e: InputEvent) => this.set({ [field]: (e.target as HTMLInputElement).value })}
      />${this.error(errorKey)}</label
    >`;
  }

  override render() {
    const d = this.draft;
    const devices = sortDevices(this.devices.value?.values() ?? []);
    const props = this.properties();
    const p = this.selected();
    const kinds = this.kinds();
    const unit = p?.unit;
    return html`
      <section aria-labelledby="rule-title">
        <h2 id="rule-title">${this.rule ? msg('Edit alarm rule') : msg('New alarm rule')}</h2>
        <form @submit=${this.submit}>
          <label
            >${msg('Device')}
            <select @change=${(e: Event) => this.set({ deviceId: (e.target as HTMLSelectElement).value })}>
              ${d.deviceId === '' ? html`<option value="" selected disabled>${msg('Choose a device')}</option>` : nothing}
              ${devices.map((x) => html`<option value=${x.id} ?selected=${x.id === d.deviceId}>${x.name}</option>`)}
            </select>
            ${this.error('deviceId')}
          </label>
          <label
            >${msg('Setting')}
            <select @change=${(e: Event) => this.set({ propertyId: (e.target as HTMLSelectElement).value })}>
              <option value="" ?selected=${d.propertyId === ''}>${msg('None (the device itself)')}</option>
              ${props.map((x) => html`<option value=${x.id} ?selected=${x.id === d.propertyId}>${x.name}</option>`)}
            </select>
            ${this.error('propertyId')}
          </label>
          <label
            >${msg('Alarm when')}
            <select @change=${(e: Event) => this.set({ kind: (e.target as HTMLSelectElement).value as AlarmRuleKind })}>
              ${kinds.map((k) => html`<option value=${k} ?selected=${k === d.kind}>${ruleKindText(k)}</option>`)}
            </select>
            ${this.error('kind')}
          </label>
          ${d.kind === 'above' || d.kind === 'below'
            ? html`${this.numberField(msg('Threshold'), 'threshold', 'threshold', unit)} ${this.numberField(msg('Hysteresis'), 'hysteresis', 'hysteresis', unit)}
              ${this.numberField(msg('Minimum duration (s)'), 'minDurationS', 'minDurationMs')}`
            : nothing}
          ${d.kind === 'equals' || d.kind === 'not-equals'
            ? html`<label
                  >${msg('Value')}
                  <select @change=${(e: Event) => this.set({ value: (e.target as HTMLSelectElement).value })}>
                    ${p?.datatype === 'boolean'
                      ? [true, false].map((b) => html`<option value=${String(b)} ?selected=${d.value === String(b)}>${formatValue(p, b)}</option>`)
                      : (p?.options ?? []).map((o) => html`<option value=${o} ?selected=${d.value === o}>${o}</option>`)}
                  </select>
                  ${this.error('value')}
                </label>
                ${this.numberField(msg('Minimum duration (s)'), 'minDurationS', 'minDurationMs')}`
            : nothing}
          ${d.kind === 'unavailable' ? this.numberField(msg('Minimum duration (s)'), 'minDurationS', 'minDurationMs') : nothing}
          ${d.kind === 'older-than' ? this.numberField(msg('No report for (s)'), 'maxAgeS', 'maxAgeMs') : nothing}
          <label
            >${msg('Severity')}
            <select @change=${(e: Event) => this.set({ severity: (e.target as HTMLSelectElement).value as AlarmSeverity })}>
              ${ALARM_SEVERITIES.map((s) => html`<option value=${s} ?selected=${s === d.severity}>${severityText(s)}</option>`)}
            </select>
          </label>
          <label
            >${msg('Name (optional)')}
            <input type="text" .value=${d.name} placeholder=${msg('described from the condition')} @input=${(e: InputEvent) => this.set({ name: (e.target as HTMLInputElement).value })} />
            ${this.error('name')}
          </label>
          <div class="actions wide">
            <button type="submit" class="primary" ?disabled=${this.saving}>${msg('Save alarm rule')}</button>
            <button type="button" @click=${() => this.closed()}>${msg('Cancel')}</button>
          </div>
        </form>
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-alarm-rule-form': HfAlarmRuleForm;
  }
}
