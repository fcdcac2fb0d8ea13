import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { undoOffer } from '../model/undo.js';
import type { OutboxEntry, PropertySchema } from '../model/types.js';
import { formatValue, valuesEqual } from '../model/values.js';
import type { DeviceDetail } from '../status/device-states.js';
import { SliceController } from './controllers/slice-controller.js';
import { reasonText } from './entry-text.js';
import { EntryActionEvent } from './events.js';
import { sharedStyles } from './shared-styles.js';

/** How long the toast stays after its edit last changed state (not while it is being sent). */
export const TOAST_MS = 5000;

/** The toast's words: the truth about what became of the edit, never "set" before the device said so. */
export function toastText(e: OutboxEntry, schema: PropertySchema | undefined, deviceName: string): string {
  const name = schema?.name ?? e.propertyId;
  const v = schema ? formatValue(schema, e.desired) : String(e.desired);
  switch (e.state) {
    case 'queued':
    case 'checking':
    case 'held':
      return msg(str`Queued: ${name} → ${v}`);
    case 'sending':
    case 'sent':
      return msg(str`Sending ${name} → ${v}…`);
    case 'confirmed':
      return msg(str`${name} is ${v} (confirmed)`);
    case 'sent-unconfirmable':
      return msg(str`${name}: sent ${v}; ${deviceName} does not report it`);
    default: {
      const why = e.reason ? reasonText(e.reason, { schema, deviceName, live: true }) : '';
      if (e.state === 'cancelled') return why ? msg(str`${name} → ${v}: cancelled (${why})`) : msg(str`${name} → ${v}: cancelled`);
      return why ? msg(str`${name} → ${v}: not set (${why})`) : msg(str`${name} → ${v}: not set`);
    }
  }
}

/**
 * The offer after an edit, tied to that edit's outcome (model/undo.ts):
 * Undo withdraws it while pending, reverts it once confirmed, and is gone
 * after any other end. It hides TOAST_MS after the edit's last change.
 */
@customElement('hf-undo-toast')
@localized()
export class HfUndoToast extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        position: fixed;
        left: 50%;
        bottom: 1rem;
        transform: translateX(-50%);
        z-index: 10;
      }
      div {
        display: flex;
        gap: 1rem;
        align-items: center;
        padding: 0.5rem 0.5rem 0.5rem 1rem;
        background: var(--hf-surface-2);
        border: 1px solid var(--hf-accent);
        border-radius: 8px;
        box-shadow: 0 4px 16px rgb(0 0 0 / 40%);
      }
    `,
  ];

  @property({ attribute: false }) seq: number | null = null;
  private readonly entry = new SliceController<OutboxEntry | undefined>(this, (c) => (this.seq !== null ? (fn) => c.watchEntry(this.seq!, fn) : null));
  private readonly device = new SliceController<DeviceDetail | undefined>(this, (c) => {
    const e = this.current;
    return e ? (fn) => c.client.subscribeDevice(e.deviceId, fn) : null;
  });
  private hideTimer: ReturnType<typeof setTimeout> | undefined;
  private dismissed = false;
  private lastState: string | null = null;
  /** The desired value last seen: a pending entry's changes only when the operator edits it again (a merged edit keeps its seq). */
  private lastDesired: { readonly value: OutboxEntry['desired'] } | null = null;

  /**
   * The entry this toast is about. Right after `seq` changes the slice still
   * holds the previous edit's entry until the new one is read: that one must
   * not stand in for it (its state, its device, its words).
   */
  private get current(): OutboxEntry | undefined {
    const e = this.entry.value;
    return e !== undefined && e.seq === this.seq ? e : undefined;
  }

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('seq')) {
      this.dismissed = false;
      this.lastState = null;
      this.lastDesired = null;
      this.entry.rebind();
    }
    const e = this.current;
    // Another edit merged into this pending one is a new edit: offer its Undo again, for the full time.
    const editedAgain = e !== undefined && this.lastDesired !== null && !valuesEqual(e.desired, this.lastDesired.value) && undoOffer(e).kind === 'cancel';
    if (e) this.lastDesired = { value: e.desired };
    if (editedAgain) this.dismissed = false;
    if (e && (e.state !== this.lastState || editedAgain)) {
      if (this.lastState === null || e.deviceId !== this.device.value?.id) this.device.rebind();
      this.lastState = e.state;
      clearTimeout(this.hideTimer);
      // While it is being sent the toast stays: the echo deadline bounds that.
      if (e.state !== 'sending' && e.state !== 'sent') {
        this.hideTimer = setTimeout(() => {
          this.dismissed = true;
          this.requestUpdate();
        }, TOAST_MS);
      }
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.hideTimer);
  }

  override render() {
    const e = this.current;
    if (!e || this.dismissed || e.seq === undefined) return nothing;
    const detail = this.device.value?.id === e.deviceId ? this.device.value : undefined;
    const schema = detail?.schema?.properties.find((p) => p.id === e.propertyId);
    const offer = undoOffer(e);
    const seq = e.seq;
    return html`<div role="status">
      ${toastText(e, schema, detail?.schema?.name ?? e.deviceId)}
      ${offer.kind === 'cancel' || offer.kind === 'revert'
        ? html`<button
            @click=${() => {
              this.dismissed = true;
              this.dispatchEvent(new EntryActionEvent({ kind: 'undo', seq }));
            }}
          >
            ${msg('Undo')}
          </button>`
        : nothing}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-undo-toast': HfUndoToast;
  }
}
