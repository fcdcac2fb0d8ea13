import { LitElement, css, html, nothing } from 'lit';
import { customElement } from 'lit/decorators.js';
import { formatAge } from '../model/age.js';
import { ATTENTION_STATES } from '../model/types.js';
import { ClockController } from './controllers/clock-controller.js';
import { HubController } from './controllers/hub-controller.js';
import { describeEntry } from './entry-text.js';
import { EntryActionEvent } from './events.js';
import { sharedStyles } from './shared-styles.js';

/** Every edit that is pending or needs the operator, with state, age and reason in words. */
@customElement('hf-outbox-panel')
export class HfOutboxPanel extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        margin: 0.5rem 1rem 0;
        padding: 1rem;
        background: var(--hf-surface);
        border: 1px solid var(--hf-border);
        border-radius: 8px;
      }
      h2 {
        margin: 0 0 0.5rem;
        font-size: 1rem;
      }
      table {
        width: 100%;
        border-collapse: collapse;
      }
      th,
      td {
        text-align: left;
        padding: 0.4rem;
        border-bottom: 1px solid var(--hf-border);
        vertical-align: top;
      }
      .actions {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
      }
      .note {
        font-size: 0.9rem;
      }
    `,
  ];

  private readonly hub = new HubController(this);
  private readonly clock = new ClockController(this);

  override render() {
    const s = this.hub.state;
    if (!s) return nothing;
    const live = s.connection?.status === 'open';
    return html`
      <section aria-labelledby="outbox-title">
        <h2 id="outbox-title">Outbox: ${s.outbox.length === 0 ? 'nothing pending' : `${s.outbox.length} ${s.outbox.length === 1 ? 'edit' : 'edits'}`}</h2>
        ${s.storage === 'refused'
          ? html`<p class="note muted">The browser did not grant persistent storage, so it may clear queued edits under storage pressure. Installing Holdfast as an app usually grants it.</p>`
          : nothing}
        ${s.outbox.length === 0
          ? nothing
          : html`<table>
              <thead>
                <tr>
                  <th scope="col">Device</th>
                  <th scope="col">Setting</th>
                  <th scope="col">State</th>
                  <th scope="col">Age</th>
                  <th scope="col"><span class="visually-hidden">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                ${s.outbox.map((e) => {
                  const device = s.devices.get(e.deviceId);
                  const schema = device?.schema?.properties.find((p) => p.id === e.propertyId);
                  return html`<tr>
                    <td>${device?.schema?.name ?? e.deviceId}</td>
                    <td>${schema?.name ?? e.propertyId}</td>
                    <td>${describeEntry(e, schema, live)}</td>
                    <td>${formatAge(this.clock.now - e.createdAt)}</td>
                    <td>
                      ${ATTENTION_STATES.includes(e.state) && e.seq !== undefined
                        ? html`<div class="actions">
                            <button aria-label="Re-apply ${schema?.name ?? e.propertyId} on current value" @click=${() => this.dispatchEvent(new EntryActionEvent('reapply', e.seq!))}>Re-apply</button>
                            <button aria-label="Dismiss ${schema?.name ?? e.propertyId}" @click=${() => this.dispatchEvent(new EntryActionEvent('dismiss', e.seq!))}>Dismiss</button>
                          </div>`
                        : nothing}
                    </td>
                  </tr>`;
                })}
              </tbody>
            </table>`}
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-outbox-panel': HfOutboxPanel;
  }
}
