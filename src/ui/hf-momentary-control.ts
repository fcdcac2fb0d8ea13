import { localized, msg, str } from '@lit/localize';
import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { PropertySchema, PropertyValue } from '../model/types.js';
import { formatValue, validateValue } from '../model/values.js';
import { EditEvent } from './events.js';
import { propertyControlStyles } from './property-control-styles.js';
import { sharedStyles } from './shared-styles.js';

/**
 * A momentary command (a Homie non-retained property, an HA button): a
 * control per datatype, each asking for confirmation, only while connected.
 * A boolean is one button; an enum one button per value; a number or text a
 * field and a Send button. It is never queued offline or replayed.
 */
@customElement('hf-momentary-control')
@localized()
export class HfMomentaryControl extends LitElement {
  static override styles = [sharedStyles, propertyControlStyles];

  @property({ attribute: false }) deviceId = '';
  @property({ attribute: false }) schema!: PropertySchema;
  /** The live session (null while not connected): a command is sent only in the session it was pressed in. */
  @property({ attribute: false }) liveSession: string | null = null;
  @property({ type: Boolean }) connected = false;
  /** The value waiting for the operator's confirmation. */
  @state() private confirming: PropertyValue | null = null;
  @state() private draft = '';
  @state() private inputError: string | null = null;

  private ask(raw: unknown): void {
    const result = validateValue(this.schema, raw);
    if (!result.ok) {
      this.inputError = result.error;
      return;
    }
    this.inputError = null;
    this.confirming = result.value;
  }

  private send(value: PropertyValue): void {
    this.confirming = null;
    this.draft = '';
    this.dispatchEvent(new EditEvent(this.deviceId, this.schema.id, value, { value: null, receivedAt: null, session: null, renderedIn: this.liveSession }));
  }

  /** The confirmation button: the command's name, and the value unless it is a plain button. */
  private confirmText(value: PropertyValue): string {
    const p = this.schema;
    return p.datatype === 'boolean' ? msg(str`Confirm ${p.name}`) : msg(str`Confirm ${p.name}: ${formatValue(p, value)}`);
  }

  private renderChoice(): TemplateResult {
    const p = this.schema;
    const disabled = !this.connected;
    const why = disabled ? msg('Not available offline: a momentary command is only sent while connected.') : '';
    let choices: TemplateResult;
    if (p.datatype === 'boolean') {
      choices = html`<button aria-label=${p.name} ?disabled=${disabled} title=${why || nothing} @click=${() => this.ask(true)}>${p.name}…</button>`;
    } else if (p.datatype === 'enum') {
      choices = html`<span role="group" aria-label=${p.name} class="row">
        ${(p.options ?? []).map((o) => html`<button ?disabled=${disabled} title=${why || nothing} @click=${() => this.ask(o)}>${o}…</button>`)}
      </span>`;
    } else {
      const numeric = p.datatype === 'integer' || p.datatype === 'float';
      choices = html`<form
        class="row"
        @submit=${(e: SubmitEvent) => {
          e.preventDefault();
          this.ask(this.draft);
        }}
      >
        <input
          type=${numeric ? 'number' : 'text'}
          aria-label=${p.name}
          aria-invalid=${this.inputError ? 'true' : 'false'}
          min=${p.min ?? nothing}
          max=${p.max ?? nothing}
          step=${p.step ?? (p.datatype === 'integer' ? 1 : 'any')}
          .value=${this.draft}
          @input=${(e: InputEvent) => (this.draft = (e.target as HTMLInputElement).value)}
        />
        ${p.unit ? html`<span class="muted">${p.unit}</span>` : nothing}
        <button type="submit" aria-label=${msg(str`Send ${p.name}`)} ?disabled=${disabled} title=${why || nothing}>${msg('Send…')}</button>
      </form>`;
    }
    return html`${choices}${why ? html`<span class="meta muted">${why}</span>` : nothing}${this.inputError ? html`<p class="error" role="alert">${this.inputError}</p>` : nothing}`;
  }

  override render() {
    if (!this.schema) return nothing;
    const value = this.confirming;
    if (value !== null && this.connected) {
      return html`<button class="primary" @click=${() => this.send(value)}>${this.confirmText(value)}</button>
        <button @click=${() => (this.confirming = null)}>${msg('Cancel')}</button>`;
    }
    return this.renderChoice();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-momentary-control': HfMomentaryControl;
  }
}
