import { LitElement, html, nothing } from 'lit';
import { customElement } from 'lit/decorators.js';
import type { ProfilesState } from '../app/profiles.js';
import { SliceController } from './controllers/slice-controller.js';
import { ProfileEvent } from './events.js';
import { panelStyles } from './panel-styles.js';
import { sharedStyles } from './shared-styles.js';

/** A provisioning link names a broker this console has never used: ask before connecting to it. */
@customElement('hf-link-prompt')
export class HfLinkPrompt extends LitElement {
  static override styles = [sharedStyles, panelStyles];
  private readonly profiles = new SliceController<ProfilesState>(this, (c) => (fn) => c.profiles.state.subscribe(fn));

  override render() {
    const pending = this.profiles.value?.pendingProfile;
    if (!pending) return nothing;
    return html`
      <section role="group" aria-labelledby="link-title">
        <h2 id="link-title">Connect to a new broker?</h2>
        <p>This link points Holdfast at <strong>${pending.url}</strong>${pending.username ? html` as <strong>${pending.username}</strong>` : nothing}, which this console has not used before.</p>
        <div class="actions">
          <button class="primary" @click=${() => this.dispatchEvent(new ProfileEvent({ kind: 'accept-link' }))}>Add and connect</button>
          <button @click=${() => this.dispatchEvent(new ProfileEvent({ kind: 'reject-link' }))}>Not now</button>
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
