import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { formatNumber } from '../i18n/format.js';
import type { ConfigChange, ConfigFile } from '../model/config-file.js';
import type { FieldError } from '../model/workspace.js';
import { panelStyles } from './panel-styles.js';
import { sharedStyles } from './shared-styles.js';
import type { ThemePreference } from './theme.js';
import { setThemePreference } from './theme.js';
import { ConfigEvent } from './workspace-events.js';

/** One line of the preview, a whole message per area and kind of change (the name is the file's: a profile's, a view's, a key). */
function changeText({ area, what, name }: ConfigChange): string {
  switch (area) {
    case 'profiles':
      return what === 'added' ? msg(str`Connection ${name}: added`) : what === 'changed' ? msg(str`Connection ${name}: changed`) : msg(str`Connection ${name}: removed`);
    case 'conventions':
      return what === 'added' ? msg(str`Conventions ${name}: added`) : what === 'changed' ? msg(str`Conventions ${name}: changed`) : msg(str`Conventions ${name}: removed`);
    case 'views':
      return what === 'added' ? msg(str`View ${name}: added`) : what === 'changed' ? msg(str`View ${name}: changed`) : msg(str`View ${name}: removed`);
    case 'scenes':
      return what === 'added' ? msg(str`Scene ${name}: added`) : what === 'changed' ? msg(str`Scene ${name}: changed`) : msg(str`Scene ${name}: removed`);
    case 'settings':
      return what === 'added' ? msg(str`Setting ${name}: added`) : what === 'changed' ? msg(str`Setting ${name}: changed`) : msg(str`Setting ${name}: removed`);
    case 'alarms':
      return what === 'added' ? msg(str`Alarms ${name}: added`) : what === 'changed' ? msg(str`Alarms ${name}: changed`) : msg(str`Alarms ${name}: removed`);
  }
}

/**
 * Export everything this installation is made of as one versioned JSON file,
 * or import one: checked field by field, then a preview of what changes,
 * and nothing is overwritten until the operator confirms.
 */
@localized()
@customElement('hf-config-transfer')
export class HfConfigTransfer extends LitElement {
  static override styles = [
    sharedStyles,
    panelStyles,
    css`
      ul {
        margin: 0.25rem 0;
      }
    `,
  ];

  @property({ attribute: false }) theme: ThemePreference = 'system';
  @property({ type: Boolean }) locked = false;
  @state() private errors: readonly FieldError[] = [];
  @state() private pending: { config: ConfigFile; changes: readonly ConfigChange[] } | null = null;
  @state() private message: string | null = null;

  private export(): void {
    this.dispatchEvent(
      new ConfigEvent({
        kind: 'export',
        reply: (file) => {
          const url = URL.createObjectURL(new Blob([JSON.stringify(file, null, 2)], { type: 'application/json' }));
          const a = document.createElement('a');
          a.href = url;
          a.download = `holdfast-config-${new Date().toISOString().slice(0, 10)}.json`;
          a.click();
          setTimeout(() => URL.revokeObjectURL(url), 10_000);
          this.message = msg('Exported: no passwords are in the file.');
        },
      }),
    );
  }

  private async choose(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    this.message = null;
    this.dispatchEvent(
      new ConfigEvent({
        kind: 'preview',
        text: await file.text(),
        reply: (p) => {
          if (p.ok) {
            this.errors = [];
            this.pending = { config: p.config, changes: p.changes };
          } else {
            this.errors = p.errors;
            this.pending = null;
          }
        },
      }),
    );
  }

  private apply(): void {
    const pending = this.pending;
    if (!pending) return;
    this.dispatchEvent(
      new ConfigEvent({
        kind: 'apply',
        config: pending.config,
        reply: (error) => {
          this.pending = null;
          if (error === null) setThemePreference(pending.config.settings.theme);
          this.message = error === null ? msg('Imported.') : msg(str`Not imported: ${error}`);
        },
      }),
    );
  }

  override render() {
    return html`
      <p class="muted">${msg('One file with the connections (never their passwords), conventions, mapping, views, scenes, alarm rules and settings.')}</p>
      <div class="actions">
        <button @click=${() => this.export()}>${msg('Export configuration')}</button>
        ${this.locked ? nothing : html`<label>${msg('Import configuration')} <input type="file" accept="application/json,.json" @change=${(e: Event) => void this.choose(e)} /></label>`}
      </div>
      ${this.errors.length > 0
        ? html`<div role="alert">
            <p>${msg('The file was not imported; nothing changed:')}</p>
            <ul>
              ${this.errors.slice(0, 50).map((e) => html`<li>${e.path || msg('the file')} ${e.message}</li>`)}
            </ul>
            ${this.errors.length > 50 ? html`<p>${msg(str`… and ${formatNumber(this.errors.length - 50)} more.`)}</p>` : nothing}
          </div>`
        : nothing}
      ${this.pending
        ? html`<div role="group" aria-label=${msg('Import preview')}>
            <p>${this.pending.changes.length === 0 ? msg('The file matches this console: nothing would change.') : msg('Importing replaces this console’s configuration:')}</p>
            <ul>
              ${this.pending.changes.map((c) => html`<li>${changeText(c)}</li>`)}
            </ul>
            <div class="actions">
              <button class="primary" ?disabled=${this.pending.changes.length === 0} @click=${() => this.apply()}>${msg('Import and replace')}</button>
              <button @click=${() => (this.pending = null)}>${msg('Cancel')}</button>
            </div>
          </div>`
        : nothing}
      ${this.message ? html`<p role="status">${this.message}</p>` : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-config-transfer': HfConfigTransfer;
  }
}
