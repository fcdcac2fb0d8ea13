import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { formatNumber, formatTime } from '../i18n/format.js';
import type { TrafficRow } from '../store/db.js';
import type { TrafficFilter } from '../store/traffic.js';
import type { DeviceSummary } from '../status/device-states.js';
import { SliceController } from './controllers/slice-controller.js';
import { sortDevices } from './hf-device-list.js';
import { filterStyles, panelStyles } from './panel-styles.js';
import { sharedStyles } from './shared-styles.js';

const SHOWN = 300;

/**
 * Every MQTT message in and out (a bounded ring), filterable and exportable, in the incident logs' style.
 * The lines themselves are a log of the wire (IN/OUT, topic, payload, [retained], the engine's note): they stay as written.
 */
@localized()
@customElement('hf-traffic-log')
export class HfTrafficLog extends LitElement {
  static override styles = [
    sharedStyles,
    panelStyles,
    filterStyles,
    css`
      ol {
        list-style: none;
        margin: 0.75rem 0 0;
        padding: 0;
        max-height: 24rem;
        overflow: auto;
        font-family: ui-monospace, monospace;
        font-size: 0.8rem;
      }
      li {
        padding: 0.15rem 0;
        border-bottom: 1px solid var(--hf-border);
        overflow-wrap: anywhere;
      }
      .dir {
        font-weight: 700;
      }
    `,
  ];

  @state() private deviceId = '';
  @state() private topic = '';
  private readonly rows = new SliceController<readonly TrafficRow[]>(this, (c) => (fn) => c.traffic.subscribe(this.filter(), SHOWN, fn));
  private readonly devices = new SliceController<ReadonlyMap<string, DeviceSummary>>(this, (c) => (fn) => c.client.subscribeDevices(fn));

  private filter(): TrafficFilter {
    return { ...(this.deviceId ? { deviceId: this.deviceId } : {}), ...(this.topic ? { topic: this.topic } : {}) };
  }

  private watch(): void {
    this.rows.rebind();
  }

  private async download(kind: 'text' | 'json'): Promise<void> {
    const body = await this.rows.console?.traffic.export(this.filter(), kind);
    if (body === undefined) return;
    const url = URL.createObjectURL(new Blob([body], { type: kind === 'json' ? 'application/json' : 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `holdfast-traffic-${new Date().toISOString().replace(/[:.]/g, '-')}.${kind === 'json' ? 'json' : 'txt'}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  override render() {
    const devices = sortDevices(this.devices.value?.values() ?? []);
    return html`
      <section aria-labelledby="traffic-title">
        <h2 id="traffic-title">${msg('Traffic log')}</h2>
        <div class="filters">
          <label
            >${msg('Device')}
            <select
              @change=${(e: Event) => {
                this.deviceId = (e.target as HTMLSelectElement).value;
                this.watch();
              }}
            >
              <option value="" ?selected=${this.deviceId === ''}>${msg('All devices')}</option>
              ${devices.map((d) => html`<option value=${d.id} ?selected=${this.deviceId === d.id}>${d.name}</option>`)}
            </select>
          </label>
          <label
            >${msg('Topic contains')}
            <input
              type="search"
              .value=${this.topic}
              @input=${(e: InputEvent) => {
                this.topic = (e.target as HTMLInputElement).value;
                this.watch();
              }}
          /></label>
          <button @click=${() => void this.download('text')}>${msg('Export as text')}</button>
          <button @click=${() => void this.download('json')}>${msg('Export as JSON')}</button>
        </div>
        <p class="muted">${msg(str`Newest first; the last ${formatNumber(SHOWN)} matching of up to 2,000 kept on this device.`)}</p>
        <ol aria-label=${msg('Messages')} tabindex="0" translate="no">
          ${(this.rows.value ?? []).map(
            (r) =>
              html`<li>
                <time datetime=${new Date(r.at).toISOString()}>${formatTime(r.at)}</time>
                <span class="dir">${r.direction === 'in' ? 'IN' : 'OUT'}</span> ${r.topic} ${r.payload}${r.retained ? ' [retained]' : ''}${r.note ? html` <span class="muted">(${r.note})</span>` : nothing}
              </li>`,
          )}
        </ol>
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-traffic-log': HfTrafficLog;
  }
}
