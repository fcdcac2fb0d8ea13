import { LitElement, css, html } from 'lit';
import { customElement } from 'lit/decorators.js';
import type { PresenceInfo } from '../model/presence.js';
import { SliceController } from './controllers/slice-controller.js';
import { sharedStyles } from './shared-styles.js';

/** Who else is connected (advisory). The operator's own name is asked by the welcome and changed in Settings. */
@customElement('hf-presence')
export class HfPresence extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: flex;
        align-items: center;
        font-size: 0.9rem;
        min-width: 0;
      }
      span {
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
        max-width: 16rem;
      }
    `,
  ];

  private readonly others = new SliceController<readonly PresenceInfo[]>(this, (c) => (fn) => c.client.subscribePresence(fn));

  override render() {
    const others = this.others.value ?? [];
    return html`<span aria-live="polite" title=${others.map((o) => o.name).join(', ')}>${others.length === 0 ? 'No other consoles' : `Also connected: ${others.map((o) => o.name).join(', ')}`}</span>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-presence': HfPresence;
  }
}
