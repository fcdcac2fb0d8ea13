import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { ConsoleState } from '../app/console.js';
import { formatNumber } from '../i18n/format.js';
import { LANGUAGE_NAMES, type LanguageChoice } from '../i18n/locales.js';
import type { LockState } from '../app/lock.js';
import { MIN_PIN_LENGTH, type LockResult } from '../app/lock.js';
import { SliceController } from './controllers/slice-controller.js';
import { OperatorNameEvent } from './events.js';
import { panelStyles } from './panel-styles.js';
import { sharedStyles } from './shared-styles.js';
import { setThemePreference, themePreference, type ThemePreference } from './theme.js';
import { LanguageEvent } from './language-events.js';
import { LockEvent } from './workspace-events.js';
import './hf-browser-support.js';
import './hf-config-transfer.js';

const lockError = (error: Exclude<LockResult, { ok: true }>['error']): string =>
  ({
    'no-pin': msg('Set a PIN first: it is needed to unlock.'),
    'wrong-pin': msg('That PIN is not right.'),
    'pin-too-short': msg(str`Use at least ${formatNumber(MIN_PIN_LENGTH)} digits or characters.`),
  })[error];

/** The console's own settings: the operator's name, language, theme, locked observer mode and the configuration file. */
@localized()
@customElement('hf-settings')
export class HfSettings extends LitElement {
  static override styles = [
    sharedStyles,
    panelStyles,
    css`
      section + section {
        margin-top: 1.25rem;
      }
      form {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
        align-items: end;
      }
      select {
        background: var(--hf-surface-2);
        border: 1px solid var(--hf-border);
        border-radius: 8px;
      }
    `,
  ];

  @state() private theme: ThemePreference = themePreference();
  @state() private lockMessage: string | null = null;
  @state() private nameSaved = false;
  private readonly consoleState = new SliceController<ConsoleState>(this, (c) => (fn) => c.state.subscribe(fn));
  private readonly lock = new SliceController<LockState>(this, (c) => (fn) => c.lock.state.subscribe(fn));

  private lockReply = (done: string) => (r: LockResult) => {
    this.lockMessage = r.ok ? done : lockError(r.error);
  };

  private field(e: SubmitEvent, name: string): string {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const v = String(new FormData(form).get(name) ?? '');
    form.reset();
    return v;
  }

  override render() {
    const s = this.consoleState.value;
    const lock = this.lock.value;
    if (!s || !lock) return nothing;
    return html`<section aria-labelledby="settings-title">
        <h2 id="settings-title">${msg('Settings')}</h2>
        <form
          @submit=${(e: SubmitEvent) => {
            e.preventDefault();
            const name = String(new FormData(e.target as HTMLFormElement).get('operator') ?? '');
            this.dispatchEvent(new OperatorNameEvent(name));
            this.nameSaved = true;
          }}
        >
          <label>${msg('Name shown to other operators')} <input name="operator" autocomplete="name" maxlength="60" .value=${s.operatorName} @input=${() => (this.nameSaved = false)} /></label>
          <button type="submit">${msg('Save')}</button>
          ${this.nameSaved ? html`<span role="status">${msg('Saved.')}</span>` : nothing}
        </form>
        <label
          >${msg('Language')}
          <select @change=${(e: Event) => this.dispatchEvent(new LanguageEvent((e.target as HTMLSelectElement).value as LanguageChoice))}>
            <option value="auto" ?selected=${s.language === 'auto'}>${msg('Automatic (browser)')}</option>
            ${Object.entries(LANGUAGE_NAMES).map(([code, name]) => html`<option value=${code} lang=${code} ?selected=${s.language === code}>${name}</option>`)}
          </select>
        </label>
        <label
          >${msg('Theme')}
          <select
            @change=${(e: Event) => {
              this.theme = (e.target as HTMLSelectElement).value as ThemePreference;
              setThemePreference(this.theme);
            }}
          >
            <option value="system" ?selected=${this.theme === 'system'}>${msg('System')}</option>
            <option value="dark" ?selected=${this.theme === 'dark'}>${msg('Dark')}</option>
            <option value="light" ?selected=${this.theme === 'light'}>${msg('Light')}</option>
          </select>
        </label>
      </section>
      <section aria-labelledby="lock-title">
        <h3 id="lock-title">${msg('Locked observer mode')}</h3>
        <p class="muted">
          ${msg(
            "Locked, every control is view only and this console publishes nothing (no changes, no presence). For a wall display or a trainee. The PIN keeps a passer-by from unlocking it on this screen; it is no substitute for the broker's access control.",
          )}
        </p>
        ${lock.locked
          ? html`<p>${msg('Locked: unlock from the status at the top.')}</p>`
          : html`<form @submit=${(e: SubmitEvent) => this.dispatchEvent(new LockEvent({ kind: 'set-pin', pin: this.field(e, 'pin'), reply: this.lockReply(msg('PIN saved.')) }))}>
                <label>${lock.hasPin ? msg('New PIN') : msg('PIN')} <input name="pin" type="password" inputmode="numeric" autocomplete="new-password" minlength=${MIN_PIN_LENGTH} required /></label>
                <button type="submit">${lock.hasPin ? msg('Change PIN') : msg('Set PIN')}</button>
              </form>
              <button class="primary" ?disabled=${!lock.hasPin} @click=${() => this.dispatchEvent(new LockEvent({ kind: 'lock', reply: this.lockReply(msg('Locked.')) }))}>${msg('Lock this console')}</button>`}
        ${this.lockMessage ? html`<p role="status">${this.lockMessage}</p>` : nothing}
      </section>
      <section aria-labelledby="config-title">
        <h3 id="config-title">${msg('Configuration file')}</h3>
        <hf-config-transfer .theme=${this.theme} ?locked=${lock.locked}></hf-config-transfer>
      </section>
      <hf-browser-support></hf-browser-support>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-settings': HfSettings;
  }
}
