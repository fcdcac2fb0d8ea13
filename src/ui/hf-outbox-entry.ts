import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { formatAge } from '../i18n/format.js';
import { baseFromShown } from '../model/coalesce.js';
import { ATTENTION_STATES, type OutboxEntry, type ReportedValue } from '../model/types.js';
import { formatValue } from '../model/values.js';
import type { LockState } from '../app/lock.js';
import type { HostStatus } from '../host/protocol.js';
import type { DeviceDetail } from '../status/device-states.js';
import { ClockController } from './controllers/clock-controller.js';
import { SliceController } from './controllers/slice-controller.js';
import { describeEntry } from './entry-text.js';
import { EntryActionEvent } from './events.js';
import { sharedStyles } from './shared-styles.js';

/**
 * One outbox entry in the Outbox panel: device, setting, state in words, age,
 * what the device shows now, and the actions it needs. It binds to its own
 * device and value, so Re-apply is based on what this row shows.
 */
@customElement('hf-outbox-entry')
@localized()
export class HfOutboxEntry extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: grid;
        grid-template-columns: minmax(8rem, 1fr) minmax(8rem, 1fr) 3fr auto;
        gap: 0.25rem 0.75rem;
        align-items: start;
      }
      .actions {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
      }
      @media (max-width: 720px) {
        :host {
          grid-template-columns: 1fr;
        }
      }
    `,
  ];

  @property({ attribute: false }) entry!: OutboxEntry;
  private readonly clock = new ClockController(this);
  private readonly device = new SliceController<DeviceDetail | undefined>(this, (c) => (this.entry ? (fn) => c.client.subscribeDevice(this.entry.deviceId, fn) : null));
  private readonly reported = new SliceController<ReportedValue | null | undefined>(this, (c) => (this.entry ? (fn) => c.client.subscribeValue(this.entry.deviceId, this.entry.propertyId, fn) : null));
  private readonly status = new SliceController<HostStatus | null>(this, (c) => (fn) => c.client.subscribeStatus(fn));
  private readonly locked = new SliceController<LockState, boolean>(this, (c) => (fn) => c.lock.state.subscribe(fn), (s) => s.locked);

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    const old = changed.get('entry') as OutboxEntry | undefined;
    if (changed.has('entry') && (old?.deviceId !== this.entry.deviceId || old?.propertyId !== this.entry.propertyId)) {
      this.device.rebind();
      this.reported.rebind();
    }
  }

  override render() {
    const e = this.entry;
    if (!e) return nothing;
    const schema = this.device.value?.schema;
    const property = schema?.properties.find((p) => p.id === e.propertyId);
    const deviceName = schema?.name ?? e.deviceId;
    const setting = property?.name ?? e.propertyId;
    const live = this.status.value?.live ?? false;
    const r = this.reported.value ?? undefined;
    const now = r ? (property ? formatValue(property, r.value) : String(r.value)) : msg('unknown');
    const seq = e.seq;
    const base = baseFromShown(r ? { kind: 'reported', reported: r } : { kind: 'unknown' }, live ? (this.status.value?.session ?? null) : null);
    return html`
      <span>${deviceName}</span>
      <span>${setting}</span>
      <span>${describeEntry(e, { schema: property, deviceName, live })} <span class="muted">${msg(str`Device shows ${now}.`)}</span></span>
      <span>
        ${formatAge(this.clock.now - e.createdAt)}
        ${ATTENTION_STATES.includes(e.state) && seq !== undefined && !this.locked.value
          ? html`<span class="actions">
              ${e.state === 'unverified'
                ? html`<button aria-label=${msg(str`Send ${setting} anyway`)} @click=${() => this.dispatchEvent(new EntryActionEvent({ kind: 'send-anyway', seq }))}>${msg('Send anyway')}</button>`
                : html`<button aria-label=${msg(str`Re-apply ${setting} on current value`)} @click=${() => this.dispatchEvent(new EntryActionEvent({ kind: 'reapply', seq, base }))}>${msg('Re-apply')}</button>`}
              <button aria-label=${msg(str`Dismiss ${setting}`)} @click=${() => this.dispatchEvent(new EntryActionEvent({ kind: 'dismiss', seq }))}>${msg('Dismiss')}</button>
            </span>`
          : nothing}
      </span>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-outbox-entry': HfOutboxEntry;
  }
}
