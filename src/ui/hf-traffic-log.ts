import { liveQuery, type Subscription } from 'dexie';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { TrafficRow } from '../store/db.js';
import { trafficLine } from '../store/traffic.js';
import { HubController } from './controllers/hub-controller.js';
import { panelStyles } from './panel-styles.js';
import { sharedStyles } from './shared-styles.js';

const SHOWN = 300;

/** Every MQTT message in and out (a bounded ring), filterable and exportable, in the incident logs' style. */
@customElement('hf-traffic-log')
export class HfTrafficLog extends LitElement {
  static override styles = [
    sharedStyles,
    panelStyles,
    css`
      .filters {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: end;
      }
      label {
        display: grid;
        gap: 0.25rem;
      }
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

  private readonly hub = new HubController(this);
  @state() private rows: readonly TrafficRow[] = [];
  @state() private deviceId = '';
  @state() private topic = '';
  private sub: Subscription | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.watch();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.sub?.unsubscribe();
    this.sub = null;
  }

  private watch(): void {
    this.sub?.unsubscribe();
    const store = this.hub.hub?.traffic;
    if (!store) {
      // The hub arrives through context just after connection.
      queueMicrotask(() => {
        if (this.isConnected && this.hub.hub) this.watch();
      });
      return;
    }
    const filter = { ...(this.deviceId ? { deviceId: this.deviceId } : {}), ...(this.topic ? { topic: this.topic } : {}) };
    this.sub = liveQuery(() => store.query(filter, SHOWN)).subscribe({ next: (rows) => (this.rows = rows) });
  }

  private async download(kind: 'text' | 'json'): Promise<void> {
    const store = this.hub.hub?.traffic;
    if (!store) return;
    await store.flush();
    const rows = (await store.query({ ...(this.deviceId ? { deviceId: this.deviceId } : {}), ...(this.topic ? { topic: this.topic } : {}) }, Infinity)).reverse();
    const body = kind === 'json' ? JSON.stringify(rows, null, 2) : rows.map(trafficLine).join('\n') + '\n';
    const url = URL.createObjectURL(new Blob([body], { type: kind === 'json' ? 'application/json' : 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `holdfast-traffic-${new Date().toISOString().replace(/[:.]/g, '-')}.${kind === 'json' ? 'json' : 'txt'}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  override render() {
    const s = this.hub.state;
    if (!s) return nothing;
    const devices = [...s.devices.values()];
    return html`
      <section aria-labelledby="traffic-title">
        <h2 id="traffic-title">Traffic log</h2>
        <div class="filters">
          <label
            >Device
            <select
              @change=${(e: Event) => {
                this.deviceId = (e.target as HTMLSelectElement).value;
                this.watch();
              }}
            >
              <option value="" ?selected=${this.deviceId === ''}>All devices</option>
              ${devices.map((d) => html`<option value=${d.id} ?selected=${this.deviceId === d.id}>${d.schema?.name ?? d.id}</option>`)}
            </select>
          </label>
          <label
            >Topic contains
            <input
              type="search"
              .value=${this.topic}
              @input=${(e: InputEvent) => {
                this.topic = (e.target as HTMLInputElement).value;
                this.watch();
              }}
          /></label>
          <button @click=${() => void this.download('text')}>Export as text</button>
          <button @click=${() => void this.download('json')}>Export as JSON</button>
        </div>
        <p class="muted">Newest first; the last ${SHOWN} matching of up to 2,000 kept on this device.</p>
        <ol aria-label="Messages" tabindex="0">
          ${this.rows.map(
            (r) =>
              html`<li>
                <time datetime=${new Date(r.at).toISOString()}>${new Date(r.at).toLocaleTimeString(undefined, { hour12: false })}</time>
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
