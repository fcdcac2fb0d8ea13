import { localized, msg } from '@lit/localize';
import { LitElement, html, nothing } from 'lit';
import { customElement } from 'lit/decorators.js';
import type { ProfilesState } from '../app/profiles.js';
import { SliceController } from './controllers/slice-controller.js';
import { ProfileEvent } from './events.js';
import { panelStyles } from './panel-styles.js';
import { sharedStyles } from './shared-styles.js';

/** A provisioning link names a broker this console has never used: ask before connecting to it. */
@customElement('hf-link-prompt')
@localized()
export class HfLinkPrompt extends LitElement {
  static override styles = [sharedStyles, panelStyles];
  private readonly profiles = new SliceController<ProfilesState>(this, (c) => (fn) => c.profiles.state.subscribe(fn));

  override render() {
    const pending = this.profiles.value?.pendingProfile;
    if (!pending) return nothing;
    return html`
      <section role="group" aria-labelledby="link-title">
        <h2 id="link-title">${msg('Connect to a new broker?')}</h2>
        <p>
          ${pending.username
            ? msg(html`This link points Holdfast at <strong>${pending.url}</strong> as <strong>${pending.username}</strong>, which this console has not used before.`)
            : msg(html`This link points Holdfast at <strong>${pending.url}</strong>, which this console has not used before.`)}
        </p>
        <div class="actions">
          <button class="primary" @click=${() => this.dispatchEvent(new ProfileEvent({ kind: 'accept-link' }))}>${msg('Add and connect')}</button>
          <button @click=${() => this.dispatchEvent(new ProfileEvent({ kind: 'reject-link' }))}>${msg('Not now')}</button>
        </div>
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-link-prompt': HfLinkPrompt;
  }
}
