import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { formatAge } from '../model/age.js';
import { controlKind } from '../model/control-kind.js';
import { ATTENTION_STATES, type OutboxEntry, type PropertySchema, type PropertyValue, type ReportedValue } from '../model/types.js';
import { formatValue, validateValue } from '../model/values.js';
import { describeEntry } from './entry-text.js';
import { EditEvent, EditingEvent, EntryActionEvent } from './events.js';
import { sharedStyles } from './shared-styles.js';
import './hf-conflict-card.js';
import './hf-sparkline.js';

/** Slider and arrow-key changes settle for this long before they become one edit (no publish storm). */
const SLIDER_SETTLE_MS = 400;

const ACTIVE_STATES = ['queued', 'reconciling', 'sending', 'sent'];

/**
 * One property: its control generated from the schema, its value's age, and
 * any pending or ended edit in words. Pure rendering: edits leave as events.
 */
@customElement('hf-property-control')
export class HfPropertyControl extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        padding: 0.75rem;
        border: 1px solid var(--hf-border);
        border-radius: 8px;
        background: var(--hf-surface);
      }
      :host([stale]) .value,
      :host([stale]) input,
      :host([stale]) select {
        opacity: 0.6;
      }
      .head {
        display: flex;
        justify-content: space-between;
        gap: 0.5rem;
        flex-wrap: wrap;
        margin-bottom: 0.5rem;
      }
      .name {
        font-weight: 600;
      }
      .row {
        display: flex;
        gap: 0.75rem;
        align-items: center;
        flex-wrap: wrap;
      }
      input[type='number'],
      input[type='text'],
      select {
        background: var(--hf-surface-2);
        border: 1px solid var(--hf-border);
        border-radius: 8px;
        padding: 0 0.5rem;
        min-width: 7rem;
      }
      input[type='range'] {
        flex: 1 1 12rem;
        accent-color: var(--hf-accent);
      }
      button[role='switch'] {
        min-width: 5rem;
      }
      button[role='switch'][aria-checked='true'] {
        background: var(--hf-accent);
        color: var(--hf-on-accent);
      }
      input.readonly {
        background: transparent;
        border: none;
        padding: 0;
        min-width: 0;
        width: 100%;
      }
      .value {
        font-size: 1.25rem;
        font-variant-numeric: tabular-nums;
      }
      .meta {
        font-size: 0.85rem;
      }
      button.link {
        background: none;
        border: none;
        padding: 0;
        color: var(--hf-accent);
        text-decoration: underline;
        min-height: 44px;
      }
      .presence {
        margin: 0.5rem 0 0;
        color: var(--hf-info-fg);
      }
      .entry {
        margin: 0.5rem 0 0;
        font-size: 0.9rem;
      }
      .entry.attention {
        color: var(--hf-warn-fg);
      }
      .error {
        margin: 0.5rem 0 0;
        color: var(--hf-bad-fg);
        font-size: 0.9rem;
      }
      .actions {
        display: flex;
        gap: 0.5rem;
        margin-top: 0.5rem;
      }
      hf-conflict-card {
        margin-top: 0.5rem;
      }
    `,
  ];

  @property({ attribute: false }) deviceId = '';
  @property({ attribute: false }) schema!: PropertySchema;
  @property({ attribute: false }) reported: ReportedValue | undefined;
  /** The newest visible outbox entry for this property, if any. */
  @property({ attribute: false }) entry: OutboxEntry | undefined;
  @property({ attribute: false }) valueError: string | undefined;
  /** Connected and the device is online: values are live, commands can go out now. */
  @property({ type: Boolean }) live = false;
  /** Shown greyed with text when not live. */
  @property({ type: Boolean, reflect: true }) stale = false;
  @property({ attribute: false }) now = Date.now();
  /** The console is connected but the device is not available: edits wait for it. */
  @property({ type: Boolean }) deviceAway = false;
  /** Other operators (presence) editing this property right now. Advisory only. */
  @property({ attribute: false }) editors: readonly string[] = [];
  @state() private draft: string | null = null;
  @state() private inputError: string | null = null;
  @state() private confirming = false;
  @state() private chartOpen = false;
  private sliderTimer: ReturnType<typeof setTimeout> | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('focusin', this.onFocusIn);
    this.addEventListener('focusout', this.onFocusOut);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.sliderTimer);
    this.removeEventListener('focusin', this.onFocusIn);
    this.removeEventListener('focusout', this.onFocusOut);
  }

  /** Tell other consoles what we are editing (presence); focus is the honest signal for it. */
  private readonly onFocusIn = (): void => {
    this.dispatchEvent(new EditingEvent({ deviceId: this.deviceId, propertyId: this.schema.id }));
  };

  private readonly onFocusOut = (e: FocusEvent): void => {
    if (!this.shadowRoot?.contains(e.relatedTarget as Node | null) && !this.contains(e.relatedTarget as Node | null)) this.dispatchEvent(new EditingEvent(null));
  };

  private commit(raw: unknown): void {
    const result = validateValue(this.schema, raw);
    if (!result.ok) {
      this.inputError = result.error;
      return;
    }
    this.inputError = null;
    this.draft = null;
    this.dispatchEvent(new EditEvent(this.deviceId, this.schema.id, result.value, this.shown() ?? null));
  }

  private commitSlider(raw: string): void {
    clearTimeout(this.sliderTimer);
    this.sliderTimer = setTimeout(() => this.commit(raw), SLIDER_SETTLE_MS);
  }

  private async toggleChart(): Promise<void> {
    if (!this.chartOpen) await import('./hf-history-chart.js');
    this.chartOpen = !this.chartOpen;
  }

  /** What the control shows: the pending intent while one is in progress, else the device's value. */
  private shown(): PropertyValue | undefined {
    if (this.entry && ACTIVE_STATES.includes(this.entry.state)) return this.entry.desired;
    return this.reported?.value;
  }

  private renderControl(): TemplateResult {
    const p = this.schema;
    const shown = this.shown();
    const name = p.name;
    const control = controlKind(p);
    switch (control.kind) {
      case 'readonly':
        // A read-only textbox: named and announced as read-only, unlike a bare span.
        return html`<input class="value readonly" type="text" readonly aria-label=${name} .value=${formatValue(p, shown)} />`;
      case 'momentary':
        return this.renderMomentary();
      case 'number': {
        const value = this.draft ?? (shown === undefined ? '' : String(shown));
        return html`
          <input
            type="number"
            aria-label=${name}
            aria-describedby="msg"
            aria-invalid=${this.inputError ? 'true' : 'false'}
            .value=${value}
            min=${control.min ?? nothing}
            max=${control.max ?? nothing}
            step=${control.step}
            @input=${(e: InputEvent) => (this.draft = (e.target as HTMLInputElement).value)}
            @change=${(e: Event) => this.commit((e.target as HTMLInputElement).value)}
          />
          ${p.unit ? html`<span class="muted">${p.unit}</span>` : nothing}
          ${control.slider
            ? html`<input
                type="range"
                aria-label=${name}
                .value=${value}
                min=${control.min ?? nothing}
                max=${control.max ?? nothing}
                step=${control.step}
                @input=${(e: InputEvent) => (this.draft = (e.target as HTMLInputElement).value)}
                @change=${(e: Event) => this.commitSlider((e.target as HTMLInputElement).value)}
              />`
            : nothing}
          <hf-sparkline .deviceId=${this.deviceId} .propertyId=${p.id} label="${name} trend"></hf-sparkline>
        `;
      }
      case 'select':
        return html`<select aria-label=${name} @change=${(e: Event) => this.commit((e.target as HTMLSelectElement).value)}>
          ${shown === undefined ? html`<option value="" selected disabled>—</option>` : nothing}
          ${control.options.map((o) => html`<option value=${o} ?selected=${o === shown}>${o}</option>`)}
        </select>`;
      case 'switch': {
        const on = shown === true;
        return html`<button role="switch" aria-label=${name} aria-checked=${on ? 'true' : 'false'} @click=${() => this.commit(!on)}>${on ? 'On' : 'Off'}</button>`;
      }
      case 'text': {
        const value = this.draft ?? (shown === undefined ? '' : String(shown));
        return html`<input
          type="text"
          aria-label=${name}
          aria-describedby="msg"
          .value=${value}
          @input=${(e: InputEvent) => (this.draft = (e.target as HTMLInputElement).value)}
          @change=${(e: Event) => this.commit((e.target as HTMLInputElement).value)}
        />`;
      }
    }
  }

  /** Momentary commands (non-retained): confirm first, and never offline. */
  private renderMomentary(): TemplateResult {
    const p = this.schema;
    const why = this.live ? '' : 'Not available offline: a momentary command is only sent while connected.';
    if (this.confirming && this.live) {
      return html`<button class="primary" @click=${() => {
        this.confirming = false;
        this.commit(p.datatype === 'boolean' ? true : (p.options?.[0] ?? 'true'));
      }}>Confirm ${p.name}</button>
        <button @click=${() => (this.confirming = false)}>Cancel</button>`;
    }
    return html`<button aria-label=${p.name} ?disabled=${!this.live} title=${why || nothing} aria-describedby="msg" @click=${() => (this.confirming = true)}>${p.name}…</button>
      ${why ? html`<span class="meta muted">${why}</span>` : nothing}`;
  }

  private renderEntry(): TemplateResult | typeof nothing {
    const e = this.entry;
    if (!e) return nothing;
    if (e.state === 'discarded') return html`<hf-conflict-card .entry=${e} .schema=${this.schema}></hf-conflict-card>`;
    const attention = ATTENTION_STATES.includes(e.state);
    return html`
      <p class="entry ${attention ? 'attention' : ''}">${describeEntry(e, this.schema, this.live)}</p>
      ${attention && e.seq !== undefined
        ? html`<div class="actions">
            <button @click=${() => this.dispatchEvent(new EntryActionEvent('reapply', e.seq!))}>Re-apply on current value</button>
            <button @click=${() => this.dispatchEvent(new EntryActionEvent('dismiss', e.seq!))}>Dismiss</button>
          </div>`
        : nothing}
    `;
  }

  override render() {
    const p = this.schema;
    const r = this.reported;
    const age = r ? formatAge(this.now - r.receivedAt) : null;
    const ageText = p.momentary ? 'momentary command' : r ? (this.stale ? `last seen ${age}` : `updated ${age}`) : 'no value reported yet';
    return html`
      <div class="head">
        <span class="name">${p.name}</span>
        <span class="meta muted">${this.stale ? 'Stale: ' : ''}${ageText}</span>
      </div>
      <div class="row">${this.renderControl()}</div>
      ${p.datatype === 'integer' || p.datatype === 'float'
        ? html`<button class="link" aria-expanded=${this.chartOpen ? 'true' : 'false'} @click=${() => void this.toggleChart()}>${this.chartOpen ? 'Hide' : 'Show'} ${p.name} history</button>
            ${this.chartOpen ? html`<hf-history-chart .deviceId=${this.deviceId} .propertyId=${p.id} label=${p.name} unit=${p.unit ?? ''}></hf-history-chart>` : nothing}`
        : nothing}
      ${this.editors.length > 0 ? html`<p class="meta presence">${this.editors.join(' and ')} ${this.editors.length === 1 ? 'is' : 'are'} editing ${p.name}</p>` : nothing}
      ${this.deviceAway && p.settable && !p.momentary ? html`<p class="meta muted">The device is not available: edits will be checked when the device returns.</p>` : nothing}
      <div id="msg">
        ${this.inputError ? html`<p class="error" role="alert">${this.inputError}</p>` : nothing}
        ${this.valueError ? html`<p class="error">Bad value from the device: ${this.valueError}</p>` : nothing}
        ${p.readOnlyReason ? html`<p class="meta muted">${p.readOnlyReason}</p>` : nothing}
      </div>
      ${this.renderEntry()}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-property-control': HfPropertyControl;
  }
}
