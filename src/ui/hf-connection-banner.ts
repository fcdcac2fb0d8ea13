import { LitElement, css, html, nothing } from 'lit';
import { customElement } from 'lit/decorators.js';
import { bannerFor } from '../model/banner.js';
import { ClockController } from './controllers/clock-controller.js';
import type { ConnectionState } from '../mqtt/connection.js';
import { SliceController } from './controllers/slice-controller.js';
import { RetryEvent, ShowPanelEvent } from './events.js';
import { sharedStyles } from './shared-styles.js';

/** Non-blocking connection notices: nothing for a blip, "Reconnecting…" after 2 s, the offline notice after 30 s. */
@customElement('hf-connection-banner')
export class HfConnectionBanner extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .banner {
        margin: 0.5rem 1rem 0;
        padding: 0.5rem 1rem;
        border-radius: 8px;
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: center;
      }
      .reconnecting {
        background: var(--hf-warn-bg);
        border: 1px solid var(--hf-warn);
      }
      .offline,
      .failed {
        background: var(--hf-bad-bg);
        border: 1px solid var(--hf-bad);
      }
      p {
        margin: 0;
        flex: 1 1 20rem;
      }
    `,
  ];

  private readonly connection = new SliceController<ConnectionState | null>(this, (c) => (fn) => c.client.subscribeConnection(fn));
  private readonly clock = new ClockController(this);

  override render() {
    const c = this.connection.value ?? null;
    const banner = bannerFor(c?.status ?? null, c?.downSince ?? null, this.clock.now);
    if (!c || banner.kind === 'none') return nothing;
    const countdown = c.nextAttemptAt ? Math.max(0, Math.ceil((c.nextAttemptAt - this.clock.now) / 1000)) : null;
    const diagnostics = html`<button @click=${() => this.dispatchEvent(new ShowPanelEvent('diagnostics'))}>Show diagnostics</button>`;
    switch (banner.kind) {
      case 'reconnecting':
        return html`<div class="banner reconnecting">
          <p>Reconnecting…${countdown !== null ? ` next attempt in ${countdown} s` : ''}${c.lastError ? ` (${c.lastError.message})` : ''}</p>
          <button @click=${() => this.dispatchEvent(new RetryEvent())}>Retry now</button>
        </div>`;
      case 'offline':
        return html`<div class="banner offline" role="region" aria-label="Offline notice">
          <p>
            <strong>Offline:</strong> your changes are kept and will be checked against the devices when the connection returns.
            ${c.lastError ? html`<br />${c.lastError.message} ${c.lastError.fix}` : nothing}
          </p>
          <button @click=${() => this.dispatchEvent(new RetryEvent())}>Retry now</button>
          ${diagnostics}
        </div>`;
      case 'failed':
        return html`<div class="banner failed" role="region" aria-label="Connection failed">
          <p><strong>Not connected:</strong> ${c.lastError?.message ?? 'the broker refused the connection.'} ${c.lastError?.fix ?? ''}</p>
          <button @click=${() => this.dispatchEvent(new ShowPanelEvent('connection'))}>Edit connection</button>
          ${diagnostics}
        </div>`;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-connection-banner': HfConnectionBanner;
  }
}
