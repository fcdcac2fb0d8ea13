import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { AVAILABILITY_TEXT } from './availability.js';
import { HubController } from './controllers/hub-controller.js';
import { SelectDeviceEvent } from './events.js';
import { sharedStyles } from './shared-styles.js';

@customElement('hf-device-list')
export class HfDeviceList extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.5rem;
      }
      button {
        width: 100%;
        text-align: left;
        padding: 0.5rem 0.75rem;
        display: grid;
        gap: 0.15rem;
      }
      button[aria-current='true'] {
        border-color: var(--hf-accent);
        background: #1b2f47;
      }
      .name {
        font-weight: 600;
      }
      .state {
        font-size: 0.85rem;
      }
      .error {
        font-size: 0.85rem;
        color: #ffb3ad;
      }
      h2 {
        font-size: 1rem;
        margin: 0 0 0.5rem;
      }
    `,
  ];

  @property({ attribute: false }) selectedId: string | null = null;
  private readonly hub = new HubController(this);

  override render() {
    const s = this.hub.state;
    if (!s) return nothing;
    const devices = [...s.devices.values()].sort((a, b) => (a.schema?.name ?? a.id).localeCompare(b.schema?.name ?? b.id));
    return html`
      <nav aria-label="Devices">
        <h2>Devices</h2>
        <ul>
          ${devices.map(
            (d) => html`<li>
              <button aria-current=${d.id === this.selectedId ? 'true' : 'false'} @click=${() => this.dispatchEvent(new SelectDeviceEvent(d.id))}>
                <span class="name">${d.schema?.name ?? d.id}</span>
                <span class="state muted">${AVAILABILITY_TEXT[d.availability]}</span>
                ${d.error ? html`<span class="error">Error: ${d.error}</span>` : nothing}
              </button>
            </li>`,
          )}
        </ul>
      </nav>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-device-list': HfDeviceList;
  }
}
