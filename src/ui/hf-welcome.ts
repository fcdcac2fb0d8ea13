import { localized, msg } from '@lit/localize';
import { LitElement, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { panelStyles } from './panel-styles.js';
import { sharedStyles } from './shared-styles.js';
import { WelcomeEvent } from './workspace-events.js';

/** The first visit's welcome: the name other operators see (changed later in Settings). Asked once. */
@customElement('hf-welcome')
@localized()
export class HfWelcome extends LitElement {
  static override styles = [sharedStyles, panelStyles];
  @state() private name = '';

  private submit(e: SubmitEvent): void {
    e.preventDefault();
    this.dispatchEvent(new WelcomeEvent(this.name.trim()));
  }

  override render() {
    return html`<section aria-labelledby="welcome-title">
      <h2 id="welcome-title">${msg('Welcome to Holdfast')}</h2>
      <p>${msg('Other operators on this broker see who is connected and who is editing what. Which name should they see?')}</p>
      <form @submit=${this.submit}>
        <label>${msg('Your name')} <input name="name" autocomplete="name" maxlength="60" .value=${this.name} @input=${(e: InputEvent) => (this.name = (e.target as HTMLInputElement).value)} /></label>
        <div class="actions">
          <button class="primary" type="submit">${msg('Save name')}</button>
          <button type="button" @click=${() => this.dispatchEvent(new WelcomeEvent(null))}>${msg('Not now')}</button>
        </div>
      </form>
      <p class="muted">${msg('You can change it any time in Settings.')}</p>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-welcome': HfWelcome;
  }
}
