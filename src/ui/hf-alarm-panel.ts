import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { AlarmsState, ImportRulesResult } from '../app/alarms.js';
import type { ConsoleState } from '../app/console.js';
import type { HostStatus } from '../host/protocol.js';
import { formatAge, formatNumber, formatTime } from '../i18n/format.js';
import { ALARM_SEVERITIES, LISTED_STATUSES, staleFact, unacknowledgedCount, type AlarmRule, type AlarmView } from '../model/alarms.js';
import { alarmTitle, importErrorText, readingText, severityText, staleText, statusText } from './alarm-text.js';
import { unlockAlarmAudio } from './alarm-sound.js';
import { ClockController } from './controllers/clock-controller.js';
import { SliceController } from './controllers/slice-controller.js';
import { download } from './download.js';
import { AlarmActionEvent, type AlarmAction } from './events.js';
import { panelStyles } from './panel-styles.js';
import { sharedStyles } from './shared-styles.js';
import './hf-alarm-history.js';
import './hf-alarm-rule-form.js';

const rank = (v: AlarmView): number => ALARM_SEVERITIES.indexOf(v.rule.severity);

/** What an import of pasted rules did, in words (rendered, so it follows a change of language). */
function importResultText(r: ImportRulesResult): string {
  if (r.ok) return r.count === 1 ? msg(str`Imported ${formatNumber(r.count)} alarm rule.`) : msg(str`Imported ${formatNumber(r.count)} alarm rules.`);
  if (r.errors === 'not-json') return msg('That is not valid JSON.');
  const problems = r.errors.map((e) => (e.index < 0 ? msg('expected {"alarms": [ … ]}') : importErrorText(e.index + 1, e.field, e.error))).join('; ');
  return msg(str`Not imported: ${problems}`);
}

/** The alarms: the active ones (severity, raised at, value and age, stale facts, Acknowledge), the rules, tone and vibration, the history. */
@localized()
@customElement('hf-alarm-panel')
export class HfAlarmPanel extends LitElement {
  static override styles = [
    sharedStyles,
    panelStyles,
    css`
      h3 {
        margin: 1rem 0 0.5rem;
        font-size: 0.95rem;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      li {
        border-bottom: 1px solid var(--hf-border);
        padding: 0.5rem 0;
      }
      .alarm {
        display: grid;
        grid-template-columns: auto 1fr auto;
        gap: 0.25rem 0.75rem;
        align-items: start;
      }
      .alarm p {
        margin: 0;
        font-size: 0.9rem;
      }
      .severity {
        display: inline-block;
        min-width: 5.5rem;
        padding: 0.1rem 0.5rem;
        border-radius: 6px;
        border: 1px solid var(--hf-border);
        font-weight: 700;
        text-align: center;
      }
      .severity.critical {
        background: var(--hf-bad-bg);
        border-color: var(--hf-bad);
        color: var(--hf-bad-fg);
      }
      .severity.warning {
        background: var(--hf-warn-bg);
        border-color: var(--hf-warn);
        color: var(--hf-warn-fg);
      }
      .severity.info {
        background: var(--hf-info-bg);
        color: var(--hf-info-fg);
      }
      .title {
        font-weight: 600;
      }
      .stale {
        color: var(--hf-warn-fg);
      }
      .toggles label,
      .rules-file label {
        display: flex;
        gap: 0.5rem;
        align-items: center;
      }
      textarea {
        font: inherit;
        color: inherit;
        background: var(--hf-surface-2);
        border: 1px solid var(--hf-border);
        border-radius: 8px;
        width: 100%;
        min-height: 5rem;
      }
      .rules-file label {
        display: grid;
        gap: 0.25rem;
      }
      @media (max-width: 720px) {
        .alarm {
          grid-template-columns: 1fr;
        }
      }
    `,
  ];

  /** Open the editor for a new rule on this device and setting ("Add alarm…" on a control). */
  @property({ attribute: false }) draft: { readonly deviceId: string; readonly propertyId: string | null } | null = null;
  @state() private editing: AlarmRule | 'new' | null = null;
  @state() private importText = '';
  @state() private importResult: ImportRulesResult | null = null;
  private readonly clock = new ClockController(this);
  private readonly views = new SliceController<readonly AlarmView[] | null>(this, (c) => (fn) => c.client.subscribeAlarms(fn));
  private readonly settings = new SliceController<AlarmsState>(this, (c) => (fn) => c.alarms.state.subscribe(fn));
  private readonly operator = new SliceController<ConsoleState, string>(this, (c) => (fn) => c.state.subscribe(fn), (s) => s.operatorName);
  private readonly status = new SliceController<HostStatus | null, boolean>(this, (c) => (fn) => c.client.subscribeStatus(fn), (s) => s?.locked ?? false);

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('draft') && this.draft) this.editing = 'new';
  }

  private act(action: AlarmAction): void {
    this.dispatchEvent(new AlarmActionEvent(action));
  }

  private toggle(kind: 'sound' | 'vibrate', e: Event): void {
    const on = (e.target as HTMLInputElement).checked;
    // This tap is the user gesture Web Audio waits for: the tone can only ever start after it.
    if (kind === 'sound' && on) unlockAlarmAudio();
    this.act({ kind, on });
  }

  private async exportRules(): Promise<void> {
    const body = await this.views.console?.alarms.exportRules();
    if (body !== undefined) download(body, 'holdfast-alarm-rules', 'json');
  }

  private importRules(): void {
    this.act({
      kind: 'import-rules',
      text: this.importText,
      reply: (r) => {
        this.importResult = r;
        if (r.ok) this.importText = '';
      },
    });
  }

  private renderAlarm(v: AlarmView, locked: boolean): TemplateResult {
    const now = this.clock.now;
    const title = alarmTitle(v);
    const s = v.state;
    const fact = staleFact(s);
    const alarmId = s.alarmId;
    return html`<li>
      <div class="alarm" role="group" aria-label=${title}>
        <span class="severity ${v.rule.severity}">${severityText(v.rule.severity)}</span>
        <div>
          <p class="title">${title}</p>
          <p>${statusText(v, now)}</p>
          ${s.raisedAt !== null
            ? html`<p>${msg(html`Raised at ${html`<time datetime=${new Date(s.raisedAt).toISOString()}>${formatTime(s.raisedAt)}</time>`} (${formatAge(now - s.raisedAt)})`)}</p>`
            : nothing}
          ${fact ? html`<p class="stale">${staleText(fact, v.property, now)}</p>` : html`<p>${msg(str`Value: ${readingText(s.reading, v.property, now)}`)}</p>`}
        </div>
        ${s.status === 'active' && alarmId !== null
          ? html`<button class="primary" aria-label=${msg(str`Acknowledge ${title}`)} ?disabled=${locked} @click=${() => this.act({ kind: 'acknowledge', alarmId, ruleId: v.rule.id })}>
              ${msg('Acknowledge')}
            </button>`
          : html`<span></span>`}
      </div>
    </li>`;
  }

  private renderRule(v: AlarmView, locked: boolean): TemplateResult {
    const now = this.clock.now;
    const title = alarmTitle(v);
    const fact = staleFact(v.state);
    return html`<li>
      <div class="alarm" role="group" aria-label=${msg(str`Rule: ${title}`)}>
        <span class="severity ${v.rule.severity}">${severityText(v.rule.severity)}</span>
        <div>
          <p class="title">${title}</p>
          <p>${fact ? html`<span class="stale">${staleText(fact, v.property, now)}</span>` : html`${statusText(v, now)}; ${readingText(v.state.reading, v.property, now)}`}</p>
        </div>
        <div class="actions">
          <button aria-label=${msg(str`Edit alarm rule ${title}`)} ?disabled=${locked} @click=${() => (this.editing = v.rule)}>${msg('Edit')}</button>
          <button aria-label=${msg(str`Remove alarm rule ${title}`)} ?disabled=${locked} @click=${() => this.act({ kind: 'remove-rule', ruleId: v.rule.id })}>${msg('Remove')}</button>
        </div>
      </div>
    </li>`;
  }

  override render() {
    const views = this.views.value ?? [];
    const settings = this.settings.value;
    const locked = this.status.value ?? false;
    const listed = views
      .filter((v) => LISTED_STATUSES.includes(v.state.status))
      .sort((a, b) => (a.state.status === b.state.status ? 0 : a.state.status === 'active' ? -1 : 1) || rank(a) - rank(b) || (b.state.raisedAt ?? 0) - (a.state.raisedAt ?? 0));
    const open = unacknowledgedCount(views);
    const editing = this.editing;
    return html`
      <section aria-labelledby="alarms-title">
        <h2 id="alarms-title">${listed.length === 0 ? msg('Alarms: none active') : msg(str`Alarms: ${formatNumber(listed.length)} listed, ${formatNumber(open)} not acknowledged`)}</h2>
        ${locked ? html`<p class="muted">${msg('This console is locked: it shows alarms but cannot acknowledge them or change rules.')}</p>` : nothing}
        ${!this.operator.value ? html`<p class="muted">${msg('Set your name in the header: an acknowledgement records who made it.')}</p>` : nothing}
        ${listed.length === 0 ? html`<p class="muted">${msg('No active alarms.')}</p>` : html`<ul aria-label=${msg('Active alarms')}>${listed.map((v) => this.renderAlarm(v, locked))}</ul>`}

        <h3>${msg('Rules')}</h3>
        ${views.length === 0
          ? html`<p class="muted">${msg('No alarm rules yet. Add one here, or with "Add alarm…" on a setting.')}</p>`
          : html`<ul aria-label=${msg('Alarm rules')}>${views.map((v) => this.renderRule(v, locked))}</ul>`}
        <div class="actions">
          <button ?disabled=${locked} aria-expanded=${editing === 'new' ? 'true' : 'false'} @click=${() => (this.editing = editing === 'new' ? null : 'new')}>${msg('Add alarm rule…')}</button>
        </div>
        ${editing !== null
          ? html`<hf-alarm-rule-form
              .rule=${editing === 'new' ? null : editing}
              .deviceId=${editing === 'new' ? (this.draft?.deviceId ?? '') : editing.deviceId}
              .propertyId=${editing === 'new' ? (this.draft?.propertyId ?? null) : null}
              .closed=${() => (this.editing = null)}
            ></hf-alarm-rule-form>`
          : nothing}

        <h3>${msg('Sound and vibration')}</h3>
        <div class="toggles">
          <label><input type="checkbox" .checked=${settings?.sound ?? false} @change=${(e: Event) => this.toggle('sound', e)} /> ${msg('Play a tone when an alarm is raised')}</label>
          <label
            ><input type="checkbox" .checked=${settings?.vibrate ?? false} @change=${(e: Event) => this.toggle('vibrate', e)} /> ${msg('Vibrate when an alarm is raised (where the device can)')}</label
          >
          <p class="muted">${msg('Off unless you turn them on here, and silent until you have touched this page: alarms that are already active when the page opens never sound.')}</p>
        </div>

        <h3>${msg('Rules file')}</h3>
        <div class="rules-file">
          <div class="actions"><button @click=${() => void this.exportRules()}>${msg('Export alarm rules')}</button></div>
          <label
            >${msg('Alarm rules JSON')}
            <textarea .value=${this.importText} ?disabled=${locked} @input=${(e: InputEvent) => (this.importText = (e.target as HTMLTextAreaElement).value)}></textarea>
          </label>
          <div class="actions"><button ?disabled=${locked || this.importText.trim() === ''} @click=${() => this.importRules()}>${msg('Import pasted alarm rules')}</button></div>
          ${this.importResult ? html`<p role="status">${importResultText(this.importResult)}</p>` : nothing}
          <p class="muted">${msg('The same list as "alarms" in the configuration file; importing replaces every rule.')}</p>
        </div>

        <hf-alarm-history></hf-alarm-history>
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-alarm-panel': HfAlarmPanel;
  }
}
