import { LitElement, css, html, nothing } from 'lit';
import { customElement } from 'lit/decorators.js';
import type { AlarmHistoryRecord } from '../model/alarm-history.js';
import { initialAlarmState, type AlarmView } from '../model/alarms.js';
import { EVENT_TEXT, SEVERITY_TEXT, STALE_REASON_TEXT, alarmTitle, readingAt } from './alarm-text.js';
import { SliceController } from './controllers/slice-controller.js';
import { download } from './download.js';
import { sharedStyles } from './shared-styles.js';

const SHOWN = 100;

/** The alarm history (kept on this device, bounded), newest first, with its exports. */
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
      <h3 id="history-title">Alarm history</h3>
      <div class="actions">
        <button @click=${() => void this.save('csv')}>Export alarm history as CSV</button>
        <button @click=${() => void this.save('json')}>Export alarm history as JSON</button>
      </div>
      <p class="muted">Newest first; the last ${SHOWN} of up to 10,000 kept on this device.</p>
      ${rows.length === 0
        ? html`<p class="muted">Nothing has happened yet.</p>`
        : html`<ol aria-labelledby="history-title" tabindex="0">
            ${rows.map((r) => {
              const view: AlarmView = { rule: r.rule, state: initialAlarmState(r.ruleId), deviceName: r.deviceName, property: r.property };
              return html`<li>
                <time datetime=${new Date(r.at).toISOString()}>${new Date(r.at).toLocaleString(undefined, { hour12: false })}</time>
                <span class="event">${EVENT_TEXT[r.event]}</span>
                ${SEVERITY_TEXT[r.rule.severity]}: ${alarmTitle(view)}${r.event === 'acknowledged' ? ` by ${r.by || 'an unnamed operator'}` : ''}
                ${r.reading && r.event !== 'acknowledged' ? html`<span class="muted">(${readingAt(r.reading, r.property)})</span>` : nothing}
                ${r.staleReason ? html`<span class="muted">${STALE_REASON_TEXT[r.staleReason]}</span>` : nothing}
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
