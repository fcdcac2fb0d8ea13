import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { formatDateTime, formatDuration, formatNumber, formatTime } from '../i18n/format.js';
import type { AuditFilter, AuditRecord, AuditTapKind } from '../model/audit.js';
import type { OutboxState, PropertyValue } from '../model/types.js';
import type { DeviceSummary } from '../status/device-states.js';
import { SliceController } from './controllers/slice-controller.js';
import { download } from './download.js';
import { reasonCodeText } from './entry-text.js';
import { sortDevices } from './hf-device-list.js';
import { filterStyles, panelStyles } from './panel-styles.js';
import { sharedStyles } from './shared-styles.js';

const SHOWN = 200;

function stateText(s: OutboxState): string {
  switch (s) {
    case 'queued':
      return msg('queued');
    case 'checking':
      return msg('checking');
    case 'held':
      return msg('held');
    case 'sending':
      return msg('sending');
    case 'sent':
      return msg('sent');
    case 'confirmed':
      return msg('confirmed');
    case 'sent-unconfirmable':
      return msg('sent, not confirmable');
    case 'discarded':
      return msg('discarded');
    case 'unverified':
      return msg('unverified');
    case 'rejected':
      return msg('rejected');
    case 'unconfirmed':
      return msg('unconfirmed');
    case 'cancelled':
      return msg('cancelled');
  }
}

function tapText(k: AuditTapKind): string {
  switch (k) {
    case 'send-anyway':
      return msg('Send anyway');
    case 're-apply':
      return msg('Re-apply');
    case 'undo':
      return msg('Undo');
    case 'dismiss':
      return msg('Dismiss');
  }
}

/** An operator's name as they entered it ('' when they gave none; null when the page's record never arrived). */
const operatorText = (o: string | null): string => (o === null ? msg('unknown') : o || msg('(no name)'));
/** A value as the device sent it (never translated). */
const shown = (v: PropertyValue | null | undefined): string => (v === null || v === undefined ? msg('unknown') : String(v));

/** A datetime-local field's value as epoch ms (local time), or undefined when empty. */
function localTime(value: string): number | undefined {
  if (!value) return undefined;
  const t = new Date(value).getTime();
  return Number.isFinite(t) ? t : undefined;
}

/**
 * The audit of edits: every outbox entry's life (who, from which console,
 * base and its age, desired, each state with its time, the device's value
 * and echo, the PUBACK and the operator's taps), filtered by time range,
 * device and operator, and exported as CSV or JSON.
 */
@localized()
@customElement('hf-audit-panel')
export class HfAuditPanel extends LitElement {
  static override styles = [
    sharedStyles,
    panelStyles,
    filterStyles,
    css`
      :host {
        /* A grid item of the shell: the wide table scrolls inside its region instead of widening the page. */
        min-width: 0;
      }
      .table {
        max-height: 28rem;
        overflow: auto;
        margin-top: 0.75rem;
      }
      table {
        border-collapse: collapse;
        width: 100%;
        min-width: 64rem;
        font-size: 0.85rem;
      }
      caption {
        text-align: left;
        padding-bottom: 0.25rem;
      }
      th,
      td {
        border-bottom: 1px solid var(--hf-border);
        padding: 0.3rem 0.5rem;
        text-align: left;
        vertical-align: top;
        overflow-wrap: anywhere;
      }
      th {
        white-space: nowrap;
        overflow-wrap: normal;
        position: sticky;
        top: 0;
        background: var(--hf-surface);
      }
      ol {
        margin: 0;
        padding-left: 1.1rem;
      }
    `,
  ];

  @state() private from = '';
  @state() private to = '';
  @state() private deviceId = '';
  @state() private operator: string | null = null;
  @state() private operators: readonly string[] = [];
  private readonly rows = new SliceController<readonly AuditRecord[]>(this, (c) => (fn) =>
    c.audit.subscribe(this.filter(), SHOWN, (rows) => {
      fn(rows);
      void c.audit.operators().then((o) => (this.operators = o));
    }),
  );
  private readonly devices = new SliceController<ReadonlyMap<string, DeviceSummary>>(this, (c) => (fn) => c.client.subscribeDevices(fn));

  private filter(): AuditFilter {
    const from = localTime(this.from);
    const to = localTime(this.to);
    return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), ...(this.deviceId ? { deviceId: this.deviceId } : {}), ...(this.operator !== null ? { operator: this.operator } : {}) };
  }

  private refilter(patch: () => void): void {
    patch();
    this.rows.rebind();
  }

  private async save(kind: 'csv' | 'json'): Promise<void> {
    const body = await this.rows.console?.audit.export(this.filter(), kind);
    if (body !== undefined) download(body, 'holdfast-audit', kind);
  }

  override render() {
    const devices = sortDevices(this.devices.value?.values() ?? []);
    const rows = this.rows.value ?? [];
    return html`
      <section aria-labelledby="audit-title">
        <h2 id="audit-title">${msg('Audit of edits')}</h2>
        <div class="filters">
          <label
            >${msg('From')}
            <input type="datetime-local" step="1" .value=${this.from} @change=${(e: Event) => this.refilter(() => (this.from = (e.target as HTMLInputElement).value))} />
          </label>
          <label
            >${msg('To')}
            <input type="datetime-local" step="1" .value=${this.to} @change=${(e: Event) => this.refilter(() => (this.to = (e.target as HTMLInputElement).value))} />
          </label>
          <label
            >${msg('Device')}
            <select @change=${(e: Event) => this.refilter(() => (this.deviceId = (e.target as HTMLSelectElement).value))}>
              <option value="" ?selected=${this.deviceId === ''}>${msg('All devices')}</option>
              ${devices.map((d) => html`<option value=${d.id} ?selected=${this.deviceId === d.id}>${d.name}</option>`)}
            </select>
          </label>
          <label
            >${msg('Operator')}
            <select
              @change=${(e: Event) =>
                this.refilter(() => {
                  const v = (e.target as HTMLSelectElement).value;
                  this.operator = v === '\u0000all' ? null : v;
                })}
            >
              <option value="\u0000all" ?selected=${this.operator === null}>${msg('All operators')}</option>
              ${this.operators.map((o) => html`<option value=${o} ?selected=${this.operator === o}>${operatorText(o)}</option>`)}
            </select>
          </label>
          <button @click=${() => void this.save('csv')}>${msg('Export audit as CSV')}</button>
          <button @click=${() => void this.save('json')}>${msg('Export audit as JSON')}</button>
        </div>
        <p class="muted">${msg(str`Newest first; the last ${formatNumber(SHOWN)} matching. Kept on this device for 30 days, at most 50,000 edits.`)}</p>
        <div class="table" tabindex="0" role="region" aria-label=${msg('Audit records')}>
          <table>
            <caption class="visually-hidden">
              ${msg('Edits')}
            </caption>
            <thead>
              <tr>
                <th scope="col">${msg('Time')}</th>
                <th scope="col">${msg('Operator')}</th>
                <th scope="col">${msg('Device')}</th>
                <th scope="col">${msg('Setting')}</th>
                <th scope="col">${msg('Base')}</th>
                <th scope="col">${msg('Desired')}</th>
                <th scope="col">${msg('Device value')}</th>
                <th scope="col">${msg('Outcome')}</th>
                <th scope="col">${msg('States')}</th>
                <th scope="col">${msg('PUBACK')}</th>
                <th scope="col">${msg('Taps')}</th>
              </tr>
            </thead>
            <tbody>
              ${rows.length === 0
                ? html`<tr>
                    <td colspan="11" class="muted">${Object.keys(this.filter()).length > 0 ? msg('No edits recorded that match.') : msg('No edits recorded.')}</td>
                  </tr>`
                : nothing}
              ${rows.map(
                (r) => html`<tr>
                  <td><time datetime=${new Date(r.createdAt).toISOString()}>${formatDateTime(r.createdAt)}</time></td>
                  <td>${operatorText(r.operator)}${r.console ? html`<br /><span class="muted">${r.console}/${r.tab}</span>` : nothing}</td>
                  <td>${r.deviceName}</td>
                  <td>${r.propertyName}</td>
                  <td>${shown(r.base.value)}${r.baseAgeMs !== null ? html`<br /><span class="muted">${msg(str`${formatDuration(r.baseAgeMs)} old`)}</span>` : nothing}</td>
                  <td>${shown(r.desired)}</td>
                  <td>${r.deviceValue ? shown(r.deviceValue.value) : '—'}${r.echo ? html`<br /><span class="muted">${msg(str`echo ${shown(r.echo.value)} at ${formatTime(r.echo.at)}`)}</span>` : nothing}</td>
                  <td>${stateText(r.state)}${r.reason ? html`<br /><span class="muted">${reasonCodeText(r.reason)}</span>` : nothing}</td>
                  <td>
                    <ol>
                      ${r.steps.map((s) => html`<li>${stateText(s.state)} ${formatTime(s.at)}</li>`)}
                    </ol>
                  </td>
                  <td>${r.puback ? `0x${r.puback.code.toString(16).padStart(2, '0')}` : '—'}</td>
                  <td>${r.taps.length === 0 ? '—' : r.taps.map((t) => msg(str`${tapText(t.kind)} by ${operatorText(t.operator)} at ${formatTime(t.at)}`)).join('; ')}</td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-audit-panel': HfAuditPanel;
  }
}
