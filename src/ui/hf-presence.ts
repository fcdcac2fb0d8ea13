import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html } from 'lit';
import { customElement } from 'lit/decorators.js';
import { UNNAMED_OPERATOR, type PresenceInfo } from '../model/presence.js';
import { SliceController } from './controllers/slice-controller.js';
import { sharedStyles } from './shared-styles.js';

/** Another operator's name as they chose it; a console without one is "Unnamed operator" in this console's language. */
export function operatorName(name: string): string {
  return name === UNNAMED_OPERATOR ? msg('Unnamed operator') : name;
}

/** Who else is connected (advisory). The operator's own name is asked by the welcome and changed in Settings. */
@customElement('hf-presence')
@localized()
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
    const names = others.map((o) => operatorName(o.name)).join(', ');
    return html`<span aria-live="polite" title=${names}>${others.length === 0 ? msg('No other consoles') : msg(str`Also connected: ${names}`)}</span>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-presence': HfPresence;
  }
}
