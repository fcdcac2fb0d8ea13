import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ConfigChange, ConfigFile } from '../model/config-file.js';
import type { FieldError } from '../model/workspace.js';
import { panelStyles } from './panel-styles.js';
import { sharedStyles } from './shared-styles.js';
import type { ThemePreference } from './theme.js';
import { setThemePreference } from './theme.js';
import { ConfigEvent } from './workspace-events.js';

const AREA: Record<ConfigChange['area'], string> = { profiles: 'Connection', conventions: 'Conventions', views: 'View', scenes: 'Scene', settings: 'Setting', alarms: 'Alarms' };

/**
 * Export everything this installation is made of as one versioned JSON file,
 * or import one: checked field by field, then a preview of what changes,
 * and nothing is overwritten until the operator confirms.
 */
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
          this.message = 'Exported: no passwords are in the file.';
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
          this.message = error === null ? 'Imported.' : `Not imported: ${error}`;
        },
      }),
    );
  }

  override render() {
    return html`
      <p class="muted">One file with the connections (never their passwords), conventions, mapping, views, scenes, alarm rules and settings.</p>
      <div class="actions">
        <button @click=${() => this.export()}>Export configuration</button>
        ${this.locked ? nothing : html`<label>Import configuration <input type="file" accept="application/json,.json" @change=${(e: Event) => void this.choose(e)} /></label>`}
      </div>
      ${this.errors.length > 0
        ? html`<div role="alert">
            <p>The file was not imported; nothing changed:</p>
            <ul>
              ${this.errors.slice(0, 50).map((e) => html`<li>${e.path || 'the file'} ${e.message}</li>`)}
            </ul>
            ${this.errors.length > 50 ? html`<p>… and ${this.errors.length - 50} more.</p>` : nothing}
          </div>`
        : nothing}
      ${this.pending
        ? html`<div role="group" aria-label="Import preview">
            <p>${this.pending.changes.length === 0 ? 'The file matches this console: nothing would change.' : 'Importing replaces this console’s configuration:'}</p>
            <ul>
              ${this.pending.changes.map((c) => html`<li>${AREA[c.area]} ${c.name}: ${c.what}</li>`)}
            </ul>
            <div class="actions">
              <button class="primary" ?disabled=${this.pending.changes.length === 0} @click=${() => this.apply()}>Import and replace</button>
              <button @click=${() => (this.pending = null)}>Cancel</button>
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
