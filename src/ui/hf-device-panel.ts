import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { formatAge } from '../model/age.js';
import type { OutboxEntry } from '../model/types.js';
import { AVAILABILITY_TEXT } from './availability.js';
import { ClockController } from './controllers/clock-controller.js';
import { HubController } from './controllers/hub-controller.js';
import { sharedStyles } from './shared-styles.js';
import './hf-property-control.js';

/** One device: its availability in words and a control per property of its schema. */
@customElement('hf-device-panel')
export class HfDevicePanel extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      header {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: baseline;
        margin-bottom: 0.75rem;
      }
      h2 {
        margin: 0;
        font-size: 1.2rem;
      }
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 22rem), 1fr));
        gap: 0.75rem;
      }
      .error,
      .alert {
        padding: 0.75rem;
        border-radius: 8px;
        border: 1px solid var(--hf-bad);
        background: #3d1d1d;
        margin: 0 0 0.75rem;
      }
      .alert {
        border-color: var(--hf-warn);
        background: #2b2410;
      }
    `,
  ];

  @property({ attribute: false }) deviceId = '';
  private readonly hub = new HubController(this);
  private readonly clock = new ClockController(this);

  override render() {
    const s = this.hub.state;
    const device = s?.devices.get(this.deviceId);
    if (!s || !device) return nothing;
    const connected = s.connection?.status === 'open';
    const live = connected && device.availability === 'ready';
    const name = device.schema?.name ?? device.id;
    // Newest visible entry per property (the outbox list is in seq order).
    const entries = new Map<string, OutboxEntry>();
    for (const e of s.outbox) if (e.deviceId === device.id) entries.set(e.propertyId, e);
    const editors = new Map<string, string[]>();
    for (const o of s.presence) {
      if (o.editing?.deviceId === device.id) editors.set(o.editing.propertyId, [...(editors.get(o.editing.propertyId) ?? []), o.name]);
    }
    const availability = connected ? AVAILABILITY_TEXT[device.availability] : `${AVAILABILITY_TEXT[device.availability]} when last seen ${formatAge(this.clock.now - device.lastSeenAt)}; the console is not connected`;
    return html`
      <section aria-labelledby="title">
        <header>
          <h2 id="title">${name}</h2>
          <span role="status" aria-label="${name} availability">${availability}</span>
        </header>
        ${device.error ? html`<p class="error" role="alert">This device's description could not be read: ${device.error}</p>` : nothing}
        ${Object.entries(device.alerts).map(([id, msg]) => html`<p class="alert">Device alert (${id}): ${msg}</p>`)}
        ${device.schema
          ? html`<div class="grid">
              ${device.schema.properties.map(
                (p) => html`<hf-property-control
                  .deviceId=${device.id}
                  .schema=${p}
                  .reported=${device.values.get(p.id)}
                  .entry=${entries.get(p.id)}
                  .valueError=${device.valueErrors.get(p.id)}
                  .now=${this.clock.now}
                  .editors=${editors.get(p.id) ?? []}
                  ?deviceAway=${connected && device.availability !== 'ready'}
                  ?live=${live}
                  ?stale=${!live}
                ></hf-property-control>`,
              )}
            </div>`
          : html`<p class="muted">Waiting for this device's description…</p>`}
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-device-panel': HfDevicePanel;
  }
}
