import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { profileLink, type ConnectionProfile } from '../model/profile.js';
import type { ProfilesState } from '../app/profiles.js';
import { SliceController } from './controllers/slice-controller.js';
import { ProfileEvent } from './events.js';
import { panelStyles } from './panel-styles.js';
import { sharedStyles } from './shared-styles.js';
import './hf-profile-form.js';

/** The connection panel: saved brokers, which one is active, sharing a profile as a link or QR code. */
@localized()
@customElement('hf-profiles')
export class HfProfiles extends LitElement {
  static override styles = [
    sharedStyles,
    panelStyles,
    css`
      ul {
        list-style: none;
        padding: 0;
        margin: 0 0 1rem;
        display: grid;
        gap: 0.5rem;
      }
      li {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
        padding: 0.5rem;
        border: 1px solid var(--hf-border);
        border-radius: 8px;
      }
      .name {
        font-weight: 600;
        margin-right: auto;
      }
      .share {
        display: grid;
        gap: 0.5rem;
        margin: 0 0 1rem;
      }
      .share img {
        width: 12rem;
        height: 12rem;
        image-rendering: pixelated;
        background: #fff;
      }
      .share input {
        width: 100%;
      }
      hf-profile-form {
        margin: 0;
        padding: 0;
        border: none;
      }
    `,
  ];

  private readonly profiles = new SliceController<ProfilesState>(this, (c) => (fn) => c.profiles.state.subscribe(fn));
  @state() private editing: ConnectionProfile | 'new' | null = null;
  @state() private sharing: { profile: ConnectionProfile; link: string; qr: string | null } | null = null;

  private async share(profile: ConnectionProfile): Promise<void> {
    const link = profileLink(profile, location.href);
    this.sharing = { profile, link, qr: null };
    // The QR encoder is only needed here, so it is loaded on demand.
    const { default: qrcode } = await import('qrcode-generator');
    const qr = qrcode(0, 'M');
    qr.addData(link);
    qr.make();
    if (this.sharing?.link === link) this.sharing = { profile, link, qr: qr.createDataURL(4, 2) };
  }

  override render() {
    const s = this.profiles.value;
    if (!s) return nothing;
    const needsForm = s.profiles.length === 0 || this.editing !== null;
    return html`
      <section aria-labelledby="profiles-title">
        <h2 id="profiles-title">${msg('Connections')}</h2>
        ${s.profiles.length > 0
          ? html`<ul>
              ${s.profiles.map(
                (p) => html`<li>
                  <span class="name">${p.id === s.activeProfileId ? msg(str`${p.name} (active)`) : p.name}</span>
                  <span class="muted">${p.url}</span>
                  ${p.id !== s.activeProfileId
                    ? html`<button aria-label=${msg(str`Use ${p.name}`)} @click=${() => this.dispatchEvent(new ProfileEvent({ kind: 'activate', id: p.id }))}>${msg('Use')}</button>`
                    : nothing}
                  <button aria-label=${msg(str`Edit ${p.name}`)} @click=${() => (this.editing = p)}>${msg('Edit')}</button>
                  <button aria-label=${msg(str`Share ${p.name}`)} @click=${() => void this.share(p)}>${msg('Share')}</button>
                  <button aria-label=${msg(str`Delete ${p.name}`)} @click=${() => this.dispatchEvent(new ProfileEvent({ kind: 'delete', id: p.id }))}>${msg('Delete')}</button>
                </li>`,
              )}
            </ul>`
          : nothing}
        ${this.sharing
          ? html`<div class="share" role="group" aria-label=${msg(str`Share ${this.sharing.profile.name}`)}>
              <label>${msg(str`Link for ${this.sharing.profile.name} (no password included)`)}
                <input readonly .value=${this.sharing.link} @focus=${(e: FocusEvent) => (e.target as HTMLInputElement).select()} />
              </label>
              ${this.sharing.qr ? html`<img src=${this.sharing.qr} alt=${msg(str`QR code of the link for ${this.sharing.profile.name}`)} />` : html`<span class="muted">${msg('Making the QR code…')}</span>`}
              <div class="actions"><button @click=${() => (this.sharing = null)}>${msg('Close')}</button></div>
            </div>`
          : nothing}
        ${needsForm
          ? html`<hf-profile-form .profile=${this.editing === 'new' || this.editing === null ? undefined : this.editing}></hf-profile-form>`
          : html`<button @click=${() => (this.editing = 'new')}>${msg('Add a connection')}</button>`}
      </section>
    `;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener(ProfileEvent.eventName, this.onSaved);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener(ProfileEvent.eventName, this.onSaved);
  }

  /** Close the form once a save leaves here (the console reports errors through the form itself). */
  private readonly onSaved = (e: ProfileEvent): void => {
    if (e.action.kind === 'save') queueMicrotask(() => (this.editing = null));
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-profiles': HfProfiles;
  }
}
