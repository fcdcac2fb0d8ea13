import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { HostStatus } from '../host/protocol.js';
import type { ConnectionState } from '../mqtt/connection.js';
import type { DeviceDetail, DeviceSummary } from '../status/device-states.js';
import { ClockController } from './controllers/clock-controller.js';
import { SliceController } from './controllers/slice-controller.js';
import { sharedStyles } from './shared-styles.js';
import { WorkspaceEvent } from './workspace-events.js';
import './hf-property-control.js';

/**
 * One control pinned to a view, from any device: labelled with its device
 * (the group's name, so "Genlock phase H" of processor 2 is found within
 * "Processor 2"), with its age, staleness and pending or conflict state
 * exactly as on the device page.
 */
@localized()
@customElement('hf-view-item')
export class HfViewItem extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .device {
        font-size: 0.8rem;
        margin: 0 0 0.15rem 0.25rem;
      }
      .edit {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
        margin: 0.15rem 0 0.5rem;
      }
      .missing {
        padding: 0.5rem 0.75rem;
        border: 1px dashed var(--hf-border);
        border-radius: 8px;
      }
    `,
  ];

  @property({ attribute: false }) deviceId = '';
  @property({ attribute: false }) propertyId = '';
  @property({ type: Boolean }) compact = true;
  @property({ type: Boolean }) locked = false;
  /** Layout mode: Move up / Move down / Remove (the keyboard alternative to dragging). */
  @property({ attribute: false }) viewId = '';
  @property({ attribute: false }) itemId = '';
  @property({ type: Boolean }) editing = false;
  @property({ type: Boolean }) first = false;
  @property({ type: Boolean }) last = false;
  private readonly clock = new ClockController(this);
  private readonly detail = new SliceController<DeviceDetail | undefined>(this, (c) => (this.deviceId ? (fn) => c.client.subscribeDevice(this.deviceId, fn) : null));
  private readonly summary = new SliceController(
    this,
    (c) => (fn: (m: ReadonlyMap<string, DeviceSummary>) => void) => c.client.subscribeDevices(fn),
    (m) => m.get(this.deviceId),
  );
  private readonly status = new SliceController<HostStatus | null>(this, (c) => (fn) => c.client.subscribeStatus(fn));
  private readonly connection = new SliceController<ConnectionState | null, ConnectionState['status'] | null>(this, (c) => (fn) => c.client.subscribeConnection(fn), (s) => s?.status ?? null);

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('deviceId')) {
      this.detail.rebind();
      this.summary.rebind();
    }
  }

  private renderEdit(name: string) {
    if (!this.editing) return nothing;
    const move = (by: -1 | 1): void => void this.dispatchEvent(new WorkspaceEvent({ kind: 'move', viewId: this.viewId, itemId: this.itemId, by }));
    return html`<div class="edit">
      <button aria-label=${msg(str`Move ${name} up`)} ?disabled=${this.first} @click=${() => move(-1)}>${msg('Move up')}</button>
      <button aria-label=${msg(str`Move ${name} down`)} ?disabled=${this.last} @click=${() => move(1)}>${msg('Move down')}</button>
      <button aria-label=${msg(str`Remove ${name} from the view`)} @click=${() => this.dispatchEvent(new WorkspaceEvent({ kind: 'unpin', viewId: this.viewId, itemId: this.itemId }))}>${msg('Remove')}</button>
    </div>`;
  }

  override render() {
    const device = this.summary.value;
    const schema = this.detail.value?.schema?.properties.find((p) => p.id === this.propertyId);
    const deviceName = device?.name ?? this.deviceId;
    const label = schema?.group ? `${deviceName} · ${schema.group.name}` : deviceName;
    if (!schema) {
      return html`<div role="group" aria-label=${label} class="missing muted">
        ${device ? msg(str`${deviceName} has no setting "${this.propertyId}" (yet)`) : msg(str`Waiting for ${this.deviceId} to announce itself…`)}
        ${this.renderEdit(this.propertyId)}
      </div>`;
    }
    const connected = this.connection.value === 'open';
    const status = this.status.value;
    const away = connected && !!device && device.availability !== 'ready' && device.availability !== 'alert' && device.availability !== 'unknown';
    return html`<div role="group" aria-label=${label}>
      ${this.compact ? nothing : html`<p class="device muted" aria-hidden="true">${label}</p>`}
      <hf-property-control
        .deviceId=${this.deviceId}
        .deviceName=${deviceName}
        .context=${this.compact ? label : ''}
        .schema=${schema}
        .valueError=${this.detail.value?.valueErrors[schema.id]}
        .now=${this.clock.now}
        .liveSession=${connected && status?.live ? status.session : null}
        ?connected=${connected}
        ?deviceAway=${away}
        ?stale=${!connected || away}
        ?compact=${this.compact}
        ?locked=${this.locked}
        .pinnable=${false}
      ></hf-property-control>
      ${device?.error ? html`<p class="muted">${deviceName}: ${device.error}</p>` : nothing}
      ${this.renderEdit(schema.name)}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-view-item': HfViewItem;
  }
}
