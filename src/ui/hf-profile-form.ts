import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { validateProfile, type ConnectionProfile, type ProfileErrors, type ProfileInput } from '../model/profile.js';
import { ProfileEvent } from './events.js';
import { panelStyles } from './panel-styles.js';
import { sharedStyles } from './shared-styles.js';

type Field = keyof ProfileErrors;

/** Create or edit a connection profile, with an inline error per field before anything connects. */
@localized()
@customElement('hf-profile-form')
export class HfProfileForm extends LitElement {
  static override styles = [
    sharedStyles,
    panelStyles,
    css`
      form {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 16rem), 1fr));
        gap: 0.75rem;
      }
      label {
        display: grid;
        gap: 0.25rem;
      }
      label.check {
        display: flex;
        align-items: center;
        gap: 0.5rem;
      }
      label.check input {
        width: 1.5rem;
        height: 1.5rem;
        min-height: 0;
      }
      .note {
        font-size: 0.85rem;
      }
    `,
  ];

  /** The profile being edited; undefined for a new one. */
  @property({ attribute: false }) profile: ConnectionProfile | undefined;
  /** Errors reported back by the console (the form also validates first). */
  @property({ attribute: false }) errors: ProfileErrors = {};
  @state() private localErrors: ProfileErrors = {};

  private read(form: HTMLFormElement): { input: ProfileInput; password: string | undefined } {
    const data = new FormData(form);
    const text = (k: string) => String(data.get(k) ?? '');
    const password = text('password');
    return {
      input: {
        name: text('name'),
        url: text('url'),
        username: text('username'),
        rememberPassword: data.get('rememberPassword') === 'on',
        clientIdPrefix: text('clientIdPrefix'),
        protocol: text('protocol'),
        keepaliveSeconds: text('keepaliveSeconds'),
      },
      password: password === '' ? undefined : password,
    };
  }

  private submit(e: SubmitEvent): void {
    e.preventDefault();
    const { input, password } = this.read(e.target as HTMLFormElement);
    const result = validateProfile(input);
    if (!result.ok) {
      this.localErrors = result.errors;
      return;
    }
    this.localErrors = {};
    this.dispatchEvent(new ProfileEvent({ kind: 'save', input, password, ...(this.profile ? { id: this.profile.id } : {}) }));
  }

  private error(field: Field) {
    const message = this.localErrors[field] ?? this.errors[field];
    return html`<span id="err-${field}" class="field-error" role=${message ? 'alert' : nothing}>${message ?? nothing}</span>`;
  }

  private invalid(field: Field): 'true' | 'false' {
    return this.localErrors[field] ?? this.errors[field] ? 'true' : 'false';
  }

  override render() {
    const p = this.profile;
    return html`
      <h2>${p ? msg(str`Edit ${p.name}`) : msg('New connection')}</h2>
      <form @submit=${this.submit} novalidate>
        <label>
          ${msg('Name')}
          <input name="name" autocomplete="off" .value=${p?.name ?? ''} placeholder=${msg('Studio A broker')} />
        </label>
        <label>
          ${msg('Broker URL')}
          <input
            name="url"
            type="url"
            inputmode="url"
            spellcheck="false"
            autocomplete="url"
            placeholder="ws://192.168.1.10:9001"
            .value=${p?.url ?? ''}
            aria-invalid=${this.invalid('url')}
            aria-describedby="err-url"
          />
          ${this.error('url')}
        </label>
        <label>
          ${msg('User name')}
          <input name="username" autocomplete="username" .value=${p?.username ?? ''} aria-invalid=${this.invalid('username')} aria-describedby="err-username" />
          ${this.error('username')}
        </label>
        <label>
          ${msg('Password')}
          <input name="password" type="password" autocomplete="current-password" placeholder=${p?.username ? msg('unchanged if left empty') : ''} />
        </label>
        <label class="check">
          <input name="rememberPassword" type="checkbox" ?checked=${p?.rememberPassword ?? false} />
          ${msg('Remember password on this device')}
        </label>
        <label>
          ${msg('Client-ID prefix')}
          <input name="clientIdPrefix" spellcheck="false" .value=${p?.clientIdPrefix ?? 'holdfast'} aria-invalid=${this.invalid('clientIdPrefix')} aria-describedby="err-clientIdPrefix" />
          ${this.error('clientIdPrefix')}
        </label>
        <label>
          ${msg('Protocol')}
          <select name="protocol" aria-invalid=${this.invalid('protocol')}>
            <option value="auto" ?selected=${!p || p.protocol === 'auto'}>${msg('Automatic (MQTT 5, else 3.1.1)')}</option>
            <option value="5" ?selected=${p?.protocol === 5}>${msg('MQTT 5 only')}</option>
            <option value="4" ?selected=${p?.protocol === 4}>${msg('MQTT 3.1.1 only')}</option>
          </select>
        </label>
        <label>
          ${msg('Keepalive (seconds)')}
          <input name="keepaliveSeconds" type="number" min="5" max="600" step="1" .value=${String(p?.keepaliveSeconds ?? 30)} aria-invalid=${this.invalid('keepaliveSeconds')} aria-describedby="err-keepaliveSeconds" />
          ${this.error('keepaliveSeconds')}
        </label>
        <div class="actions">
          <button class="primary" type="submit">${p ? msg('Save and connect') : msg('Connect')}</button>
        </div>
      </form>
      <p class="note muted">${msg('Passwords are kept only for this session unless "Remember password" is ticked; then they are stored encrypted on this device. They are never logged or shown.')}</p>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-profile-form': HfProfileForm;
  }
}
