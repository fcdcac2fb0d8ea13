import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement } from 'lit/decorators.js';
import { formatDateTime, formatNumber } from '../i18n/format.js';
import type { AlarmHistoryRecord } from '../model/alarm-history.js';
import { initialAlarmState, type AlarmView } from '../model/alarms.js';
import { alarmTitle, eventText, readingAt, severityText, staleReasonText } from './alarm-text.js';
import { SliceController } from './controllers/slice-controller.js';
import { download } from './download.js';
import { sharedStyles } from './shared-styles.js';

const SHOWN = 100;

/** "Warning: Pump 3 above 90 °", with who acknowledged it when that is the event. */
function whatText(r: AlarmHistoryRecord, title: string): string {
  const severity = severityText(r.rule.severity);
  if (r.event !== 'acknowledged') return msg(str`${severity}: ${title}`);
  return r.by ? msg(str`${severity}: ${title} by ${r.by}`) : msg(str`${severity}: ${title} by an unnamed operator`);
}

/** The alarm history (kept on this device, bounded), newest first, with its exports. */
@localized()
@customElement('hf-alarm-history')
export class HfAlarmHistory extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      h3 {
        margin: 1rem 0 0.5rem;
        font-size: 0.95rem;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      ol {
        list-style: none;
        margin: 0.5rem 0 0;
        padding: 0;
        max-height: 18rem;
        overflow: auto;
        font-size: 0.9rem;
      }
      li {
        padding: 0.25rem 0;
        border-bottom: 1px solid var(--hf-border);
        overflow-wrap: anywhere;
      }
      .event {
        font-weight: 700;
      }
    `,
  ];

  private readonly rows = new SliceController<readonly AlarmHistoryRecord[]>(this, (c) => (fn) => c.alarms.watchHistory(SHOWN, fn));

  private async save(kind: 'csv' | 'json'): Promise<void> {
    const body = await this.rows.console?.alarms.exportHistory(kind);
    if (body !== undefined) download(body, 'holdfast-alarm-history', kind);
  }

  override render() {
    const rows = this.rows.value ?? [];
    return html`
      <h3 id="history-title">${msg('Alarm history')}</h3>
      <div class="actions">
        <button @click=${() => void this.save('csv')}>${msg('Export alarm history as CSV')}</button>
        <button @click=${() => void this.save('json')}>${msg('Export alarm history as JSON')}</button>
      </div>
      <p class="muted">${msg(str`Newest first; the last ${formatNumber(SHOWN)} of up to 10,000 kept on this device.`)}</p>
      ${rows.length === 0
        ? html`<p class="muted">${msg('Nothing has happened yet.')}</p>`
        : html`<ol aria-labelledby="history-title" tabindex="0">
            ${rows.map((r) => {
              const view: AlarmView = { rule: r.rule, state: initialAlarmState(r.ruleId), deviceName: r.deviceName, property: r.property };
              return html`<li>
                <time datetime=${new Date(r.at).toISOString()}>${formatDateTime(r.at)}</time>
                <span class="event">${eventText(r.event)}</span>
                ${whatText(r, alarmTitle(view))}
                ${r.reading && r.event !== 'acknowledged' ? html`<span class="muted">(${readingAt(r.reading, r.property)})</span>` : nothing}
                ${r.staleReason ? html`<span class="muted">${staleReasonText(r.staleReason)}</span>` : nothing}
              </li>`;
            })}
          </ol>`}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-alarm-history': HfAlarmHistory;
  }
}
