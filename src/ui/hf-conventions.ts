import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { HubController } from './controllers/hub-controller.js';
import { panelStyles } from './panel-styles.js';
import { sharedStyles } from './shared-styles.js';

/** How devices are found: the custom-topic mapping (paste or file) and the Home Assistant discovery prefix. */
@customElement('hf-conventions')
export class HfConventions extends LitElement {
  static override styles = [
    sharedStyles,
    panelStyles,
    css`
      textarea {
        width: 100%;
        min-height: 8rem;
        font-family: ui-monospace, monospace;
        background: var(--hf-surface-2);
        color: inherit;
        border: 1px solid var(--hf-border);
        border-radius: 8px;
        padding: 0.5rem;
      }
      label {
        display: grid;
        gap: 0.25rem;
        margin-top: 0.75rem;
      }
      ul.errors {
        color: var(--hf-bad-fg);
      }
      .ok {
        color: var(--hf-ok-fg);
      }
    `,
  ];

  private readonly hub = new HubController(this);
  @state() private errors: readonly string[] = [];
  @state() private message: string | null = null;
  @state() private prefixError: string | null = null;

  private async importText(text: string): Promise<void> {
    const hub = this.hub.hub;
    if (!hub) return;
    const result = await hub.importMapping(text);
    this.errors = result.ok ? [] : result.errors;
    this.message = result.ok ? `Mapping imported: ${result.devices} ${result.devices === 1 ? 'device' : 'devices'}.` : null;
  }

  private async onFile(e: Event): Promise<void> {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) await this.importText(await file.text());
  }

  private async onPaste(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    await this.importText(String(new FormData(e.target as HTMLFormElement).get('mapping') ?? ''));
  }

  private async onPrefix(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const result = await this.hub.hub?.setHaPrefix(String(new FormData(e.target as HTMLFormElement).get('prefix') ?? ''));
    this.prefixError = result && !result.ok ? result.error : null;
  }

  override render() {
    const s = this.hub.state;
    if (!s) return nothing;
    return html`
      <section aria-labelledby="conv-title">
        <h2 id="conv-title">Device conventions</h2>
        <p class="muted">Homie 5, Homie 3/4 and Home Assistant discovery are found automatically. Devices with their own plain-text topics need a mapping.</p>
        <p>
          ${s.mapping
            ? html`Mapping in use: ${s.mapping.devices.map((d) => d.name).join(', ')}. <button @click=${() => void this.hub.hub?.removeMapping()}>Remove mapping</button>`
            : 'No custom-topic mapping.'}
        </p>
        <form @submit=${this.onPaste}>
          <label>Mapping JSON <textarea name="mapping" spellcheck="false"></textarea></label>
          <div class="actions">
            <button type="submit">Import pasted mapping</button>
            <label>Mapping file <input type="file" accept="application/json,.json" @change=${this.onFile} /></label>
          </div>
        </form>
        ${this.errors.length > 0
          ? html`<div role="alert">
              <p>The mapping was not imported:</p>
              <ul class="errors">
                ${this.errors.map((e) => html`<li>${e}</li>`)}
              </ul>
            </div>`
          : nothing}
        ${this.message ? html`<p class="ok" role="status">${this.message}</p>` : nothing}
        <form @submit=${this.onPrefix}>
          <label>Home Assistant discovery prefix <input name="prefix" .value=${s.haPrefix} spellcheck="false" aria-describedby="prefix-error" /></label>
          <span id="prefix-error" class="field-error">${this.prefixError ?? nothing}</span>
          <div class="actions"><button type="submit">Save prefix</button></div>
        </form>
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-conventions': HfConventions;
  }
}
