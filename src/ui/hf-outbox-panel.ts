import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement } from 'lit/decorators.js';
import type { ConsoleState } from '../app/console.js';
import { formatNumber } from '../i18n/format.js';
import type { OutboxEntry } from '../model/types.js';
import { PersistStorageEvent } from './events.js';
import { SliceController } from './controllers/slice-controller.js';
import './hf-outbox-entry.js';
import { sharedStyles } from './shared-styles.js';

/** Every edit that is pending or needs the operator, with state, age and reason in words. */
@customElement('hf-outbox-panel')
@localized()
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
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      li {
        border-bottom: 1px solid var(--hf-border);
        padding: 0.4rem 0;
      }
      .note {
        font-size: 0.9rem;
      }
    `,
  ];

  private readonly entries = new SliceController<{ readonly entries: readonly OutboxEntry[] }, readonly OutboxEntry[]>(this, (c) => (fn) => c.outbox.subscribe(fn), (s) => s.entries);
  private readonly storage = new SliceController<ConsoleState, ConsoleState['storage']>(this, (c) => (fn) => c.state.subscribe(fn), (s) => s.storage);

  override render() {
    const entries = this.entries.value;
    if (!entries) return nothing;
    const n = formatNumber(entries.length);
    const title = entries.length === 0 ? msg('Outbox: nothing pending') : entries.length === 1 ? msg(str`Outbox: ${n} edit`) : msg(str`Outbox: ${n} edits`);
    return html`
      <section aria-labelledby="outbox-title">
        <h2 id="outbox-title">${title}</h2>
        ${this.storage.value === 'refused'
          ? html`<p class="note muted">${msg('The browser did not grant persistent storage, so it may clear queued edits under storage pressure. Installing Holdfast as an app usually grants it.')}</p>`
          : this.storage.value === 'ask'
            ? html`<p class="note muted">
                ${msg('This browser may clear queued edits under storage pressure unless you let Holdfast keep its storage.')}
                <button @click=${() => this.dispatchEvent(new PersistStorageEvent())}>${msg('Keep queued edits safe')}</button>
              </p>`
            : nothing}
        ${entries.length === 0
          ? nothing
          : html`<ul aria-label=${msg('Outbox entries')}>
              ${entries.map((e) => html`<li><hf-outbox-entry .entry=${e}></hf-outbox-entry></li>`)}
            </ul>`}
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-outbox-panel': HfOutboxPanel;
  }
}
