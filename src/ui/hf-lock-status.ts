import { localized, msg } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { LockState } from '../app/lock.js';
import { SliceController } from './controllers/slice-controller.js';
import { sharedStyles } from './shared-styles.js';
import { LockEvent } from './workspace-events.js';

/** "Locked: view only" in the status region while locked, and the PIN to unlock. */
@customElement('hf-lock-status')
@localized()
export class HfLockStatus extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        flex-wrap: wrap;
      }
      .locked {
        font-weight: 700;
        color: var(--hf-warn-fg);
      }
      input {
        width: 7rem;
        background: var(--hf-surface-2);
        border: 1px solid var(--hf-border);
        border-radius: 8px;
        padding: 0 0.5rem;
      }
    `,
  ];

  @state() private asking = false;
  /** The last PIN tried was wrong (worded when rendering, so it follows a language change). */
  @state() private wrongPin = false;
  private readonly lock = new SliceController<LockState>(this, (c) => (fn) => c.lock.state.subscribe(fn));

  private unlock(e: SubmitEvent): void {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const pin = String(new FormData(form).get('pin') ?? '');
    form.reset();
    this.dispatchEvent(
      new LockEvent({
        kind: 'unlock',
        pin,
        reply: (r) => {
          this.wrongPin = !r.ok;
          if (r.ok) this.asking = false;
        },
      }),
    );
  }

  override render() {
    if (!this.lock.value?.locked) return nothing;
    return html`<span role="status" aria-label=${msg('Lock')} class="locked">${msg('Locked: view only')}</span>
      ${this.asking
        ? html`<form @submit=${this.unlock}>
            <label>${msg('PIN')} <input name="pin" type="password" inputmode="numeric" autocomplete="current-password" required /></label>
            <button type="submit">${msg('Unlock')}</button>
            <button type="button" @click=${() => (this.asking = false)}>${msg('Cancel')}</button>
          </form>`
        : html`<button @click=${() => (this.asking = true)}>${msg('Unlock…')}</button>`}
      ${this.wrongPin ? html`<span role="alert">${msg('That PIN is not right.')}</span>` : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-lock-status': HfLockStatus;
  }
}
