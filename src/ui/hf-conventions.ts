import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { ConventionsState } from '../app/conventions-config.js';
import { formatNumber } from '../i18n/format.js';
import { SliceController } from './controllers/slice-controller.js';
import { ConventionsEvent } from './events.js';
import { panelStyles } from './panel-styles.js';
import { sharedStyles } from './shared-styles.js';

/** How devices are found: the custom-topic mapping (paste or file) and the Home Assistant discovery prefix. */
@localized()
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

  private readonly conventions = new SliceController<ConventionsState>(this, (c) => (fn) => c.conventions.state.subscribe(fn));
  @state() private errors: readonly string[] = [];
  @state() private message: string | null = null;
  @state() private prefixError: string | null = null;
  @state() private homieError: string | null = null;
  @state() private z2mError: string | null = null;

  private importText(text: string): void {
    this.dispatchEvent(
      new ConventionsEvent({
        kind: 'import-mapping',
        text,
        reply: (result) => {
          this.errors = result.ok ? [] : result.errors;
          this.message = result.ok ? (result.devices === 1 ? msg('Mapping imported: 1 device.') : msg(str`Mapping imported: ${formatNumber(result.devices)} devices.`)) : null;
        },
      }),
    );
  }

  private async onFile(e: Event): Promise<void> {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) this.importText(await file.text());
  }

  private onPaste(e: SubmitEvent): void {
    e.preventDefault();
    this.importText(String(new FormData(e.target as HTMLFormElement).get('mapping') ?? ''));
  }

  private field(e: SubmitEvent, name: string): string {
    e.preventDefault();
    return String(new FormData(e.target as HTMLFormElement).get(name) ?? '');
  }

  override render() {
    const s = this.conventions.value;
    if (!s) return nothing;
    return html`
      <section aria-labelledby="conv-title">
        <h2 id="conv-title">${msg('Device conventions')}</h2>
        <p class="muted">${msg('Homie 5, Homie 3/4, Zigbee2MQTT and Home Assistant discovery are found automatically. Devices with their own plain-text topics need a mapping.')}</p>
        <p>
          ${s.mapping
            ? html`${msg(str`Mapping in use: ${s.mapping.devices.map((d) => d.name).join(', ')}.`)}
                <button @click=${() => this.dispatchEvent(new ConventionsEvent({ kind: 'remove-mapping' }))}>${msg('Remove mapping')}</button>`
            : msg('No custom-topic mapping.')}
        </p>
        <form @submit=${this.onPaste}>
          <label>${msg('Mapping JSON')} <textarea name="mapping" spellcheck="false"></textarea></label>
          <div class="actions">
            <button type="submit">${msg('Import pasted mapping')}</button>
            <label>${msg('Mapping file')} <input type="file" accept="application/json,.json" @change=${this.onFile} /></label>
          </div>
        </form>
        ${this.errors.length > 0
          ? html`<div role="alert">
              <p>${msg('The mapping was not imported:')}</p>
              <ul class="errors">
                ${this.errors.map((e) => html`<li>${e}</li>`)}
              </ul>
            </div>`
          : nothing}
        ${this.message ? html`<p class="ok" role="status">${this.message}</p>` : nothing}
        <form @submit=${(e: SubmitEvent) => this.dispatchEvent(new ConventionsEvent({ kind: 'ha-prefix', prefix: this.field(e, 'prefix'), reply: (r) => (this.prefixError = r.ok ? null : r.error) }))}>
          <label>${msg('Home Assistant discovery prefix')} <input name="prefix" .value=${s.haPrefix} spellcheck="false" aria-describedby="prefix-error" /></label>
          <span id="prefix-error" class="field-error">${this.prefixError ?? nothing}</span>
          <div class="actions"><button type="submit">${msg('Save prefix')}</button></div>
        </form>
        <form
          @submit=${(e: SubmitEvent) => {
            const form = e.target as HTMLFormElement;
            const scan = (form.elements.namedItem('scan') as HTMLInputElement | null)?.checked ?? true;
            this.dispatchEvent(new ConventionsEvent({ kind: 'homie', roots: this.field(e, 'roots'), scan, reply: (r) => (this.homieError = r.ok ? null : r.error) }));
          }}
        >
          <label>${msg('Homie base topics')} <input name="roots" .value=${s.homieRoots.join(', ')} spellcheck="false" aria-describedby="homie-error" /></label>
          <label
            ><input type="checkbox" name="scan" .checked=${s.homieScan} /> ${msg('Find Homie devices under any other base topic (a cheap scan of +/+/$homie and +/5/+/$state)')}</label
          >
          <span id="homie-error" class="field-error">${this.homieError ?? nothing}</span>
          <div class="actions"><button type="submit">${msg('Save Homie settings')}</button></div>
        </form>
        <form @submit=${(e: SubmitEvent) => this.dispatchEvent(new ConventionsEvent({ kind: 'z2m-base', base: this.field(e, 'z2m'), reply: (r) => (this.z2mError = r.ok ? null : r.error) }))}>
          <label>${msg('Zigbee2MQTT base topic')} <input name="z2m" .value=${s.z2mBase} spellcheck="false" aria-describedby="z2m-error" /></label>
          <span id="z2m-error" class="field-error">${this.z2mError ?? nothing}</span>
          <div class="actions"><button type="submit">${msg('Save base topic')}</button></div>
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
