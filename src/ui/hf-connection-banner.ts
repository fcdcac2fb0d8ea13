import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement } from 'lit/decorators.js';
import { formatNumber } from '../i18n/format.js';
import { bannerFor } from '../model/banner.js';
import { ClockController } from './controllers/clock-controller.js';
import type { ConnectionState } from '../mqtt/connection.js';
import { SliceController } from './controllers/slice-controller.js';
import { RetryEvent, ShowPanelEvent } from './events.js';
import { sharedStyles } from './shared-styles.js';
import { diagnosisWords } from '../i18n/diagnosis-text.js';

/** Non-blocking connection notices: nothing for a blip, "Reconnecting…" after 2 s, the offline notice after 30 s. */
@customElement('hf-connection-banner')
@localized()
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
    const diagnostics = html`<button @click=${() => this.dispatchEvent(new ShowPanelEvent('diagnostics'))}>${msg('Show diagnostics')}</button>`;
    // The engine's diagnosis, worded here in the operator's language.
    const words = c.lastError ? diagnosisWords(c.lastError.reason) : null;
    const error = words?.message;
    switch (banner.kind) {
      case 'reconnecting': {
        const seconds = countdown !== null ? formatNumber(countdown) : null;
        // Nothing answers at the broker's host: a probe checks about every second, the countdown is only the fallback.
        const text = c.watching
          ? error !== undefined
            ? msg(str`Reconnecting… checking for the broker about every second (${error})`)
            : msg('Reconnecting… checking for the broker about every second')
          : seconds !== null
            ? error !== undefined
              ? msg(str`Reconnecting… next attempt in ${seconds} s (${error})`)
              : msg(str`Reconnecting… next attempt in ${seconds} s`)
            : error !== undefined
              ? msg(str`Reconnecting… (${error})`)
              : msg('Reconnecting…');
        return html`<div class="banner reconnecting">
          <p>${text}</p>
          <button @click=${() => this.dispatchEvent(new RetryEvent())}>${msg('Retry now')}</button>
        </div>`;
      }
      case 'offline':
        return html`<div class="banner offline" role="region" aria-label=${msg('Offline notice')}>
          <p>
            ${msg(html`<strong>Offline:</strong> your changes are kept and will be checked against the devices when the connection returns.`)}
            ${words ? html`<br />${words.message} ${words.fix}` : nothing}
          </p>
          <button @click=${() => this.dispatchEvent(new RetryEvent())}>${msg('Retry now')}</button>
          ${diagnostics}
        </div>`;
      case 'failed':
        return html`<div class="banner failed" role="region" aria-label=${msg('Connection failed')}>
          <p>
            ${words
              ? msg(html`<strong>Not connected:</strong> ${words.message} ${words.fix}`)
              : msg(html`<strong>Not connected:</strong> the broker refused the connection.`)}
          </p>
          <button @click=${() => this.dispatchEvent(new ShowPanelEvent('connection'))}>${msg('Edit connection')}</button>
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
