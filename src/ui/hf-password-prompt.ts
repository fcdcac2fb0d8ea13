import { localized, msg, str } from '@lit/localize';
import { LitElement, html, nothing } from 'lit';
import { customElement } from 'lit/decorators.js';
import type { ProfilesState } from '../app/profiles.js';
import type { HostStatus } from '../host/protocol.js';
import { SliceController } from './controllers/slice-controller.js';
import { ProfileEvent } from './events.js';
import { panelStyles } from './panel-styles.js';
import { sharedStyles } from './shared-styles.js';

/** The active profile has a user name and no password this session: ask for it instead of failing at the broker. */
@customElement('hf-password-prompt')
@localized()
export class HfPasswordPrompt extends LitElement {
  static override styles = [sharedStyles, panelStyles];
  private readonly profiles = new SliceController<ProfilesState>(this, (c) => (fn) => c.profiles.state.subscribe(fn));
  private readonly needsPassword = new SliceController<HostStatus | null, boolean>(this, (c) => (fn) => c.client.subscribeStatus(fn), (s) => s?.idleReason === 'needs-password');

  private submit(e: SubmitEvent): void {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const password = String(new FormData(form).get('password') ?? '');
    form.reset();
    this.dispatchEvent(new ProfileEvent({ kind: 'password', password }));
  }

  override render() {
    const s = this.profiles.value;
    const profile = s?.profiles.find((p) => p.id === s.activeProfileId);
    if (!this.needsPassword.value || !profile) return nothing;
    return html`
      <form @submit=${this.submit}>
        <h2>${msg(str`Password for ${profile.username} at ${profile.name}`)}</h2>
        <label>${msg('Password')} <input name="password" type="password" autocomplete="current-password" required /></label>
        <div class="actions"><button class="primary" type="submit">${msg('Connect')}</button></div>
      </form>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-password-prompt': HfPasswordPrompt;
  }
}
