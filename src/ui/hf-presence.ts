import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { ConsoleState } from '../app/console.js';
import type { PresenceInfo } from '../model/presence.js';
import { SliceController } from './controllers/slice-controller.js';
import { OperatorNameEvent } from './events.js';
import { sharedStyles } from './shared-styles.js';

/** Who else is connected (advisory), and the one-time question of this operator's display name. */
@customElement('hf-presence')
export class HfPresence extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
        font-size: 0.9rem;
      }
      form {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        flex-wrap: wrap;
      }
      input {
        background: var(--hf-surface-2);
        border: 1px solid var(--hf-border);
        border-radius: 8px;
        padding: 0 0.5rem;
        width: 10rem;
      }
    `,
  ];

  private readonly consoleState = new SliceController<ConsoleState>(this, (c) => (fn) => c.state.subscribe(fn));
  private readonly others = new SliceController<readonly PresenceInfo[]>(this, (c) => (fn) => c.client.subscribePresence(fn));
  @state() private renaming = false;

  private submit(e: SubmitEvent): void {
    e.preventDefault();
    const name = String(new FormData(e.target as HTMLFormElement).get('name') ?? '').trim();
    this.renaming = false;
    this.dispatchEvent(new OperatorNameEvent(name));
  }

  override render() {
    const s = this.consoleState.value;
    if (!s) return nothing;
    const others = this.others.value ?? [];
    const ask = !s.operatorNameAsked || this.renaming;
    return html`
      <span aria-live="polite">${others.length === 0 ? 'No other consoles' : `Also connected: ${others.map((o) => o.name).join(', ')}`}</span>
      ${ask
        ? html`<form @submit=${this.submit}>
            <label>Your name <input name="name" autocomplete="name" .value=${s.operatorName} placeholder="shown to other operators" /></label>
            <button type="submit">Save name</button>
            ${!s.operatorNameAsked ? html`<button type="button" @click=${() => this.dispatchEvent(new OperatorNameEvent(null))}>Not now</button>` : nothing}
          </form>`
        : html`<button aria-label="Change your name (${s.operatorName || 'not set'})" @click=${() => (this.renaming = true)}>${s.operatorName || 'Set your name'}</button>`}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-presence': HfPresence;
  }
}
