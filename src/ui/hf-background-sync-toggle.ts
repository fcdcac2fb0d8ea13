import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { ConsoleState } from '../app/console.js';
import type { ProfilesState } from '../app/profiles.js';
import { SliceController } from './controllers/slice-controller.js';
import { BackgroundSyncEvent } from './events.js';
import { panelStyles } from './panel-styles.js';
import { sharedStyles } from './shared-styles.js';

/** Background Sync exists only in Chromium-based browsers. */
const supported = typeof window !== 'undefined' && 'SyncManager' in window;

/**
 * The operator's choice (stored, off by default): may the service worker send
 * queued changes when the connection returns while no console is open? The
 * same rules apply as in the console: each change is checked against the
 * device's fresh value first, and stale ones are not sent.
 */
@localized()
@customElement('hf-background-sync-toggle')
export class HfBackgroundSyncToggle extends LitElement {
  static override styles = [
    sharedStyles,
    panelStyles,
    css`
      label {
        display: flex;
        gap: 0.5rem;
        align-items: flex-start;
      }
      input {
        margin-top: 0.2rem;
      }
      p {
        margin: 0.25rem 0 0;
        font-size: 0.9rem;
      }
      .error {
        color: var(--hf-bad-fg);
      }
    `,
  ];

  private readonly on = new SliceController<ConsoleState, boolean>(this, (c) => (fn) => c.state.subscribe(fn), (s) => s.backgroundSync);
  private readonly profiles = new SliceController<ProfilesState>(this, (c) => (fn) => c.profiles.state.subscribe(fn));
  /** Why the setting was not stored (as the console reported it); null: no problem. */
  @state() private error: string | null = null;

  private onChange(e: Event): void {
    const input = e.target as HTMLInputElement;
    this.error = null;
    this.dispatchEvent(
      new BackgroundSyncEvent(input.checked, (error) => {
        if (error === null) return;
        // The box must not claim a setting that was not stored.
        input.checked = !input.checked;
        this.error = error;
      }),
    );
  }

  override render() {
    const p = this.profiles.value;
    if (!p) return nothing;
    const on = this.on.value ?? false;
    const profile = p.profiles.find((x) => x.id === p.activeProfileId);
    // With a login, the worker can only use a remembered password: a session-only one dies with the page.
    const needsRememberedPassword = on && !!profile?.username && !profile.rememberPassword;
    return html`
      <section aria-labelledby="bg-title">
        <h2 id="bg-title">${msg('Background sending')}</h2>
        <label>
          <input type="checkbox" .checked=${on} ?disabled=${!supported && !on} @change=${this.onChange} />
          <span>${msg('Send queued changes in the background when the connection returns (Chromium)')}</span>
        </label>
        <p class="muted">${msg('Each change is still checked against what the device shows first; changes made stale by someone else are not sent.')}</p>
        ${supported ? nothing : html`<p class="muted">${msg('This browser cannot do this: queued changes are sent when the console is next open.')}</p>`}
        ${needsRememberedPassword && profile
          ? html`<p class="muted">${msg(str`${profile.name} needs a password: tick Remember password for it, or background sending cannot log in.`)}</p>`
          : nothing}
        ${this.error !== null ? html`<p class="error" role="alert">${msg(str`The setting was not saved: ${this.error}`)}</p>` : nothing}
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-background-sync-toggle': HfBackgroundSyncToggle;
  }
}
