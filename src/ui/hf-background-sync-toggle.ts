import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { HubController } from './controllers/hub-controller.js';
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

  private readonly hub = new HubController(this);
  @state() private error: string | null = null;

  private async onChange(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    try {
      this.error = null;
      await this.hub.hub?.setBackgroundSync(input.checked);
    } catch (err) {
      // The box must not claim a setting that was not stored.
      input.checked = !input.checked;
      this.error = `The setting was not saved: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  override render() {
    const s = this.hub.state;
    if (!s) return nothing;
    const profile = s.profiles.find((p) => p.id === s.activeProfileId);
    // With a login, the worker can only use a remembered password: a session-only one dies with the page.
    const needsRememberedPassword = s.backgroundSync && !!profile?.username && !profile.rememberPassword;
    return html`
      <section aria-labelledby="bg-title">
        <h2 id="bg-title">Background sending</h2>
        <label>
          <input type="checkbox" .checked=${s.backgroundSync} ?disabled=${!supported && !s.backgroundSync} @change=${this.onChange} />
          <span>Send queued changes in the background when the connection returns (Chromium)</span>
        </label>
        <p class="muted">Each change is still checked against what the device shows first; changes made stale by someone else are not sent.</p>
        ${supported ? nothing : html`<p class="muted">This browser cannot do this: queued changes are sent when the console is next open.</p>`}
        ${needsRememberedPassword
          ? html`<p class="muted">${profile.name} needs a password: tick Remember password for it, or background sending cannot log in.</p>`
          : nothing}
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-background-sync-toggle': HfBackgroundSyncToggle;
  }
}
