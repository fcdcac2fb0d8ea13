import { localized, msg, str } from '@lit/localize';
import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { formatAge } from '../i18n/format.js';
import { currentLocale } from '../i18n/localization.js';
import { ruleKindsFor } from '../model/alarms.js';
import { baseFromShown, type ShownValue } from '../model/coalesce.js';
import { controlKind } from '../model/control-kind.js';
import type { PresenceInfo } from '../model/presence.js';
import { ATTENTION_STATES, IN_FLIGHT_STATES, UNSENT_STATES, type BaseValue, type OutboxEntry, type PropertySchema, type PropertyValue, type ReportedValue } from '../model/types.js';
import { formatValue, validateValue } from '../model/values.js';
import { SliceController, sameItems } from './controllers/slice-controller.js';
import { describeEntry } from './entry-text.js';
import { operatorName } from './hf-presence.js';
import { AlarmDraftEvent, EditEvent, EditingEvent, EntryActionEvent } from './events.js';
import { propertyControlStyles } from './property-control-styles.js';
import { sharedStyles } from './shared-styles.js';
import './hf-add-to-view.js';
import './hf-conflict-card.js';
import './hf-momentary-control.js';
import './hf-sparkline.js';

/** Slider and arrow-key changes settle for this long before they become one edit (no publish storm). */
const SLIDER_SETTLE_MS = 400;

/** The newest entry of one property the operator should see (the outbox list is in seq order). */
function entryOf(entries: readonly OutboxEntry[], deviceId: string, propertyId: string): OutboxEntry | undefined {
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (e.deviceId === deviceId && e.propertyId === propertyId) return e;
  }
  return undefined;
}

/** Who else is editing this property (other operators' names, as they chose them). */
function editingText(editors: readonly string[], property: string): string {
  const names = editors.map(operatorName);
  if (names.length === 1) return msg(str`${names[0]} is editing ${property}`);
  const list = new Intl.ListFormat(currentLocale(), { type: 'conjunction' }).format(names);
  return msg(str`${list} are editing ${property}`);
}

/**
 * One property: its control generated from the schema, its value's age, and
 * any pending or ended edit in words. It binds to its own value, outbox
 * entry and editors, so a change elsewhere does not re-render it. Edits
 * leave as events carrying exactly what this control rendered as their base.
 */
@customElement('hf-property-control')
@localized()
export class HfPropertyControl extends LitElement {
  static override styles = [sharedStyles, propertyControlStyles];

  @property({ attribute: false }) deviceId = '';
  @property({ attribute: false }) deviceName = '';
  /** Where this control comes from, shown above its name (a view's item: "Processor 2 · Genlock"). */
  @property({ attribute: false }) context = '';
  @property({ attribute: false }) schema!: PropertySchema;
  @property({ attribute: false }) valueError: string | undefined;
  /** The live session while the device is available: what this control shows is current. null: it may not be. */
  @property({ attribute: false }) liveSession: string | null = null;
  /** Connected to the broker (a momentary command can go out now). */
  @property({ type: Boolean }) connected = false;
  /** The device is not available (lost, asleep, starting). */
  @property({ type: Boolean }) deviceAway = false;
  /** Values may be out of date (greyed, "Stale: last seen …"). */
  @property({ type: Boolean, reflect: true }) stale = false;
  @property({ attribute: false }) now = Date.now();
  /** One row: name, value, control, age (views, and devices with many properties). */
  @property({ type: Boolean, reflect: true }) compact = false;
  /** Locked observer mode: shown, never edited (no enabled input). */
  @property({ type: Boolean, reflect: true }) locked = false;
  /** Offer "Add to view" (not inside a view, nor when locked). */
  @property({ type: Boolean }) pinnable = true;
  @state() private draft: string | null = null;
  @state() private pinning = false;
  /** Compact rows keep their tools (history, add to view, alarm) behind "More". */
  @state() private moreOpen = false;
  @state() private inputError: string | null = null;
  @state() private chartOpen = false;
  private sliderTimer: ReturnType<typeof setTimeout> | undefined;
  /** What the last render showed, as an edit's base: never re-read later. */
  private renderedBase: BaseValue = { value: null, receivedAt: null, session: null, renderedIn: null };

  private readonly reported = new SliceController<ReportedValue | null | undefined>(this, (c) => (this.deviceId && this.schema ? (fn) => c.client.subscribeValue(this.deviceId, this.schema.id, fn) : null));
  private readonly entry = new SliceController(
    this,
    (c) => (fn: (s: { readonly entries: readonly OutboxEntry[] }) => void) => c.outbox.subscribe(fn),
    (s) => (this.schema ? entryOf(s.entries, this.deviceId, this.schema.id) : undefined),
  );
  private readonly editors = new SliceController(
    this,
    (c) => (fn: (p: readonly PresenceInfo[]) => void) => c.client.subscribePresence(fn),
    (others) => others.filter((o) => o.editing?.deviceId === this.deviceId && o.editing.propertyId === this.schema?.id).map((o) => o.name),
    sameItems,
  );

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('deviceId') || changed.has('schema')) {
      const old = changed.get('schema') as PropertySchema | undefined;
      if (changed.has('deviceId') || old?.id !== this.schema?.id) {
        this.reported.rebind();
        this.entry.rebind();
        this.editors.rebind();
      }
    }
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('focusin', this.onFocusIn);
    this.addEventListener('focusout', this.onFocusOut);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.sliderTimer);
    this.removeEventListener('focusin', this.onFocusIn);
    this.removeEventListener('focusout', this.onFocusOut);
  }

  /** Tell other consoles what we are editing (presence); focus is the honest signal for it. */
  private readonly onFocusIn = (): void => {
    this.dispatchEvent(new EditingEvent({ deviceId: this.deviceId, propertyId: this.schema.id }));
  };

  private readonly onFocusOut = (e: FocusEvent): void => {
    if (!this.shadowRoot?.contains(e.relatedTarget as Node | null) && !this.contains(e.relatedTarget as Node | null)) this.dispatchEvent(new EditingEvent(null));
  };

  private commit(raw: unknown): void {
    const result = validateValue(this.schema, raw);
    if (!result.ok) {
      this.inputError = result.error;
      return;
    }
    this.inputError = null;
    this.draft = null;
    this.dispatchEvent(new EditEvent(this.deviceId, this.schema.id, result.value, this.renderedBase));
  }

  private commitSlider(raw: string): void {
    clearTimeout(this.sliderTimer);
    this.sliderTimer = setTimeout(() => this.commit(raw), SLIDER_SETTLE_MS);
  }

  private async toggleChart(): Promise<void> {
    if (!this.chartOpen) await import('./hf-history-chart.js');
    this.chartOpen = !this.chartOpen;
  }

  /** What the control shows: an edit in progress shows its intent, else the device's report, else unknown. */
  private shown(): ShownValue {
    const e = this.entry.value;
    if (e && (IN_FLIGHT_STATES.includes(e.state) || (UNSENT_STATES.includes(e.state) && e.state !== 'unverified'))) return { kind: 'intent', value: e.desired };
    const r = this.reported.value;
    return r ? { kind: 'reported', reported: r } : { kind: 'unknown' };
  }

  private renderControl(shownValue: PropertyValue | undefined): TemplateResult {
    const p = this.schema;
    const name = p.name;
    const control = controlKind(p);
    const unknown = shownValue === undefined;
    if (this.locked) {
      // View only: the value as text in a disabled field, so nothing here can be edited or focused to edit.
      return html`<input class="value readonly" type="text" disabled aria-label=${name} .value=${unknown ? msg('Unknown') : formatValue(p, shownValue)} />`;
    }
    switch (control.kind) {
      case 'readonly':
        // A read-only textbox: named and announced as read-only, unlike a bare span.
        return html`<input class="value readonly" type="text" readonly aria-label=${name} .value=${unknown ? msg('Unknown') : formatValue(p, shownValue)} />`;
      case 'momentary':
        return html`<hf-momentary-control .deviceId=${this.deviceId} .schema=${p} .liveSession=${this.connected ? this.liveSession : null} ?connected=${this.connected}></hf-momentary-control>`;
      case 'number': {
        const value = this.draft ?? (unknown ? '' : String(shownValue));
        return html`
          <input
            type="number"
            aria-label=${name}
            aria-describedby="msg"
            aria-invalid=${this.inputError ? 'true' : 'false'}
            placeholder=${unknown ? msg('Unknown') : nothing}
            .value=${value}
            min=${control.min ?? nothing}
            max=${control.max ?? nothing}
            step=${control.step}
            @input=${(e: InputEvent) => (this.draft = (e.target as HTMLInputElement).value)}
            @change=${(e: Event) => this.commit((e.target as HTMLInputElement).value)}
          />
          ${p.unit ? html`<span class="muted">${p.unit}</span>` : nothing}
          ${control.slider
            ? html`<input
                type="range"
                class=${unknown && this.draft === null ? 'unknown' : ''}
                aria-label=${name}
                aria-valuetext=${unknown && this.draft === null ? msg('Unknown') : nothing}
                .value=${value === '' ? String(control.min ?? 0) : value}
                min=${control.min ?? nothing}
                max=${control.max ?? nothing}
                step=${control.step}
                @input=${(e: InputEvent) => (this.draft = (e.target as HTMLInputElement).value)}
                @change=${(e: Event) => this.commitSlider((e.target as HTMLInputElement).value)}
              />`
            : nothing}
          <hf-sparkline class="trend" .deviceId=${this.deviceId} .propertyId=${p.id} label=${msg(str`${name} trend`)}></hf-sparkline>
        `;
      }
      case 'select':
        return html`<select aria-label=${name} @change=${(e: Event) => this.commit((e.target as HTMLSelectElement).value)}>
          ${unknown ? html`<option value="" selected disabled>${msg('Unknown')}</option>` : nothing}
          ${control.options.map((o) => html`<option value=${o} ?selected=${o === shownValue}>${o}</option>`)}
        </select>`;
      case 'switch': {
        // Unknown is not Off: the switch says so (mixed), and a tap sets it on.
        const on = shownValue === true;
        return html`<button role="switch" aria-label=${name} aria-checked=${unknown ? 'mixed' : on ? 'true' : 'false'} @click=${() => this.commit(!on)}>
          ${unknown ? msg('Unknown') : on ? msg('On') : msg('Off')}
        </button>`;
      }
      case 'text': {
        const value = this.draft ?? (unknown ? '' : String(shownValue));
        return html`<input
          type="text"
          aria-label=${name}
          aria-describedby="msg"
          placeholder=${unknown ? msg('Unknown') : nothing}
          .value=${value}
          @input=${(e: InputEvent) => (this.draft = (e.target as HTMLInputElement).value)}
          @change=${(e: Event) => this.commit((e.target as HTMLInputElement).value)}
        />`;
      }
    }
  }

  private renderEntry(): TemplateResult | typeof nothing {
    const e = this.entry.value;
    if (!e) return nothing;
    const ctx = { schema: this.schema, deviceName: this.deviceName, live: this.connected };
    // View only: what became of an edit is shown, but acting on it is for an unlocked console.
    if (this.locked) return html`<p class="entry">${describeEntry(e, ctx)}</p>`;
    if (e.state === 'discarded' && e.reason?.code === 'device-changed') {
      return html`<hf-conflict-card .entry=${e} .schema=${this.schema} .liveSession=${this.deviceAway ? null : this.liveSession}></hf-conflict-card>`;
    }
    const attention = ATTENTION_STATES.includes(e.state);
    const seq = e.seq;
    return html`
      <p class="entry ${attention ? 'attention' : ''}">${describeEntry(e, ctx)}</p>
      ${attention && seq !== undefined
        ? html`<div class="actions">
            ${e.state === 'unverified'
              ? html`<button class="primary" @click=${() => this.dispatchEvent(new EntryActionEvent({ kind: 'send-anyway', seq }))}>${msg('Send anyway')}</button>`
              : html`<button @click=${() => this.dispatchEvent(new EntryActionEvent({ kind: 'reapply', seq, base: this.renderedBase }))}>${msg('Re-apply on current value')}</button>`}
            <button @click=${() => this.dispatchEvent(new EntryActionEvent({ kind: 'dismiss', seq }))}>${msg('Dismiss')}</button>
          </div>`
        : nothing}
    `;
  }

  override render() {
    const p = this.schema;
    if (!p) return nothing;
    const shown = this.shown();
    // The base of the next edit is exactly this render, including whether it could be current.
    this.renderedBase = baseFromShown(shown, this.deviceAway ? null : this.liveSession);
    const r = this.reported.value ?? undefined;
    const shownValue = shown.kind === 'unknown' ? undefined : shown.kind === 'intent' ? shown.value : shown.reported.value;
    const age = r ? formatAge(this.now - r.receivedAt) : '';
    const ageText = p.momentary
      ? msg('momentary command')
      : r
        ? this.stale
          ? msg(str`Stale: last seen ${age}`)
          : msg(str`updated ${age}`)
        : p.reports === false
          ? msg('the device does not report this setting')
          : msg('no value reported yet');
    const editors = this.editors.value ?? [];
    const numeric = p.datatype === 'integer' || p.datatype === 'float';
    // Numbers, enums and booleans can have alarms (the editor opens in the alarm panel).
    const alarmable = !this.locked && ruleKindsFor(p).length > 0;
    const hasTools = numeric || (this.pinnable && !this.locked) || alarmable;
    const more = this.compact && hasTools
      ? html`<button class="link more" aria-label=${msg(str`More for ${p.name}`)} aria-expanded=${this.moreOpen ? 'true' : 'false'} @click=${() => (this.moreOpen = !this.moreOpen)}>${msg('More')}</button>`
      : nothing;
    const historyLabel = this.chartOpen ? msg(str`Hide ${p.name} history`) : msg(str`Show ${p.name} history`);
    const tools =
      hasTools && (!this.compact || this.moreOpen)
        ? html`<div class="tools">
            ${numeric
              ? html`<button class="link" aria-label=${historyLabel} aria-expanded=${this.chartOpen ? 'true' : 'false'} @click=${() => void this.toggleChart()}>
                  ${this.compact ? (this.chartOpen ? msg('Hide history') : msg('Show history')) : historyLabel}
                </button>`
              : nothing}
            ${this.pinnable && !this.locked
              ? html`<button class="link" aria-label=${msg(str`Add ${p.name} to a view`)} aria-expanded=${this.pinning ? 'true' : 'false'} @click=${() => (this.pinning = !this.pinning)}>${msg('Add to view')}</button>`
              : nothing}
            ${alarmable ? html`<button class="link" aria-label=${msg(str`Add alarm on ${p.name}`)} @click=${() => this.dispatchEvent(new AlarmDraftEvent(this.deviceId, p.id))}>${msg('Add alarm…')}</button>` : nothing}
          </div>`
        : nothing;
    return html`
      <div class="head">
        ${this.context ? html`<span class="context muted" aria-hidden="true">${this.context}</span>` : nothing}
        <span class="name">${p.name}</span>
        <span class="meta muted age">${ageText}</span>
      </div>
      <div class="row">${this.renderControl(shownValue)}</div>
      ${more}
      ${tools}
      ${this.pinning ? html`<hf-add-to-view .deviceId=${this.deviceId} .propertyId=${p.id} .propertyName=${p.name} @hf-add-to-view-done=${() => (this.pinning = false)}></hf-add-to-view>` : nothing}
      ${this.chartOpen ? html`<hf-history-chart .deviceId=${this.deviceId} .propertyId=${p.id} label=${p.name} unit=${p.unit ?? ''}></hf-history-chart>` : nothing}
      ${editors.length > 0 ? html`<p class="meta presence">${editingText(editors, p.name)}</p>` : nothing}
      <!-- No whitespace inside #msg: with nothing to say it is :empty and takes no room in a compact row. -->
      <div id="msg">${this.deviceAway && p.settable && !p.momentary && !this.locked ? html`<p class="meta muted">${msg('The device is not available: edits will be checked when the device returns.')}</p>` : nothing}${this.inputError ? html`<p class="error" role="alert">${this.inputError}</p>` : nothing}${this.valueError ? html`<p class="error">${msg(html`Bad value from the device: <span lang="en" translate="no">${this.valueError}</span>`)}</p>` : nothing}${p.readOnlyReason ? html`<p class="meta muted" lang="en" translate="no">${p.readOnlyReason}</p>` : nothing}</div>
      ${this.renderEntry()}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-property-control': HfPropertyControl;
  }
}
