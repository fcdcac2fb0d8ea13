import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';
import { formatAge, formatNumber } from '../i18n/format.js';
import type { ConsoleState } from '../app/console.js';
import type { LockState } from '../app/lock.js';
import type { PropertyGroup, PropertySchema } from '../model/types.js';
import { COMPACT_AFTER, type Density } from '../model/workspace.js';
import type { DeviceCompleteness, HostStatus } from '../host/protocol.js';
import type { ConnectionState } from '../mqtt/connection.js';
import type { DeviceDetail, DeviceSummary } from '../status/device-states.js';
import { availabilityText } from './availability.js';
import { ClockController } from './controllers/clock-controller.js';
import { SliceController } from './controllers/slice-controller.js';
import { VIRTUALIZE_AFTER, loadVirtualizer } from './hf-device-list.js';
import { pageHeaderStyles } from './page-header-styles.js';
import { sharedStyles } from './shared-styles.js';
import { DisplayEvent, WorkspaceEvent } from './workspace-events.js';
import './hf-property-control.js';

/** The grid's column rule (see .grid): minmax(22rem, 1fr) with a 0.75rem gap. */
const COLUMN_REM = 22;
const GAP_REM = 0.75;

/** What every property control of one device shares in a render. */
interface PanelContext {
  readonly device: DeviceSummary;
  readonly detail: DeviceDetail;
  readonly connected: boolean;
  readonly liveSession: string | null;
  readonly away: boolean;
  readonly compact: boolean;
  readonly locked: boolean;
}

interface Section {
  readonly group: PropertyGroup | null;
  readonly properties: readonly PropertySchema[];
}

/** Properties by group (Homie node, Zigbee2MQTT endpoint), in the order the device lists them; ungrouped first. */
export function groupProperties(properties: readonly PropertySchema[]): Section[] {
  const loose: PropertySchema[] = [];
  const groups = new Map<string, { group: PropertyGroup; properties: PropertySchema[] }>();
  for (const p of properties) {
    if (!p.group) {
      loose.push(p);
      continue;
    }
    let g = groups.get(p.group.id);
    if (!g) {
      g = { group: p.group, properties: [] };
      groups.set(p.group.id, g);
    }
    g.properties.push(p);
  }
  return [...(loose.length > 0 ? [{ group: null, properties: loose }] : []), ...[...groups.values()].map((g) => ({ group: g.group, properties: g.properties }))];
}

/** "37 of 40 settings reported on this connection", with what it means when it stays incomplete. */
export function completenessText(c: DeviceCompleteness | null | undefined): string | null {
  if (!c || c.expected === 0 || c.reported >= c.expected) return null;
  const reported = formatNumber(c.reported);
  const expected = formatNumber(c.expected);
  if (c.replay === 'waiting') return msg(str`${reported} of ${expected} settings reported on this connection; receiving…`);
  if (c.missingRetained > 0) {
    const missing = formatNumber(c.missingRetained);
    return msg(
      str`${reported} of ${expected} settings reported on this connection. ${missing} that the broker should keep did not arrive: the broker may have dropped retained messages (a per-client queue limit such as Mosquitto's max_queued_messages is a known cause), or the device never published them. Edits to them are checked before anything is sent.`,
    );
  }
  return msg(str`${reported} of ${expected} settings reported on this connection; the others report only when they change.`);
}

/** One device: its availability in words and a control per property, grouped by node. */
@customElement('hf-device-panel')
@localized()
export class HfDevicePanel extends LitElement {
  static override styles = [
    sharedStyles,
    pageHeaderStyles,
    css`
      h3 {
        margin: 1rem 0 0.5rem;
        font-size: 1rem;
      }
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 22rem), 1fr));
        gap: 0.75rem;
      }
      .grid.compact {
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 26rem), 1fr));
        gap: 0.25rem 0.75rem;
      }
      /* Virtualized: rows of as many columns as .grid would have; rows are positioned absolutely, so margins replace the gap. */
      .rows > .row {
        width: 100%;
        display: grid;
        gap: 0.75rem;
        margin: 0 0 0.75rem;
      }
      .error,
      .alert {
        padding: 0.75rem;
        border-radius: 8px;
        border: 1px solid var(--hf-bad);
        background: var(--hf-bad-bg);
        margin: 0 0 0.75rem;
      }
      .alert,
      .incomplete {
        border-color: var(--hf-warn);
        background: var(--hf-warn-bg);
      }
      .incomplete {
        padding: 0.5rem 0.75rem;
        border-radius: 8px;
        border: 1px solid var(--hf-warn);
        margin: 0 0 0.75rem;
        font-size: 0.9rem;
      }
      .note {
        font-size: 0.9rem;
        margin: 0 0 0.75rem;
      }
      .groups > .group-item {
        width: 100%;
      }
    `,
  ];

  @property({ attribute: false }) deviceId = '';
  private readonly clock = new ClockController(this);
  private readonly detail = new SliceController<DeviceDetail | undefined>(this, (c) => (this.deviceId ? (fn) => c.client.subscribeDevice(this.deviceId, fn) : null));
  private readonly summary = new SliceController(
    this,
    (c) => (fn: (m: ReadonlyMap<string, DeviceSummary>) => void) => c.client.subscribeDevices(fn),
    (m) => m.get(this.deviceId),
  );
  private readonly status = new SliceController<HostStatus | null>(this, (c) => (fn) => c.client.subscribeStatus(fn));
  private readonly connection = new SliceController<ConnectionState | null, ConnectionState['status'] | null>(this, (c) => (fn) => c.client.subscribeConnection(fn), (s) => s?.status ?? null);
  private readonly completeness = new SliceController<DeviceCompleteness | null | undefined>(this, (c) => (this.deviceId ? (fn) => c.client.subscribeCompleteness(this.deviceId, fn) : null));
  private readonly chosenDensity = new SliceController<ConsoleState, Density | undefined>(this, (c) => (fn) => c.state.subscribe(fn), (s) => s.deviceDensity[this.deviceId]);
  private readonly locked = new SliceController<LockState, boolean>(this, (c) => (fn) => c.lock.state.subscribe(fn), (s) => s.locked);
  /** On a wall display (full screen, large type). */
  @property({ type: Boolean }) wall = false;
  /** Columns of the virtualized grid, from this element's width. */
  @state() private columns = 1;
  private resizeObserver: ResizeObserver | null = null;
  /** The virtualizer's items, kept as the same array while the schema and columns are unchanged (see stableRows). */
  private rows = new Map<string, { properties: readonly PropertySchema[]; columns: number; rows: PropertySchema[][] }>();

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('deviceId')) {
      this.detail.rebind();
      this.summary.rebind();
      this.completeness.rebind();
      this.chosenDensity.rebind();
    }
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.resizeObserver ??= new ResizeObserver((entries) => {
      const width = entries[0]?.contentRect.width ?? 0;
      const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
      this.columns = Math.max(1, Math.floor((width + GAP_REM * rem) / ((COLUMN_REM + GAP_REM) * rem)));
    });
    this.resizeObserver.observe(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
  }

  /**
   * A new items array makes the virtualizer re-lay out asynchronously; the
   * same one lets a status change re-render the visible controls in this
   * update. So rows change only with the schema or the column count.
   */
  private stableRows(key: string, properties: readonly PropertySchema[]): PropertySchema[][] {
    const r = this.rows.get(key);
    if (r && r.properties === properties && r.columns === this.columns) return r.rows;
    const rows: PropertySchema[][] = [];
    for (let i = 0; i < properties.length; i += this.columns) rows.push(properties.slice(i, i + this.columns));
    this.rows.set(key, { properties, columns: this.columns, rows });
    return rows;
  }

  private renderControl(c: PanelContext, p: PropertySchema, position?: { index: number; size: number }): TemplateResult {
    return html`<hf-property-control
      role=${position ? 'listitem' : nothing}
      aria-posinset=${position ? position.index + 1 : nothing}
      aria-setsize=${position ? position.size : nothing}
      .deviceId=${c.device.id}
      .deviceName=${c.device.name}
      .schema=${p}
      .valueError=${c.detail.valueErrors[p.id]}
      .now=${this.clock.now}
      .liveSession=${c.liveSession}
      ?connected=${c.connected}
      ?deviceAway=${c.away}
      ?stale=${!c.connected || c.away}
      ?compact=${c.compact}
      ?locked=${c.locked}
    ></hf-property-control>`;
  }

  private renderProperties(c: PanelContext, label: string, key: string, properties: readonly PropertySchema[]): TemplateResult {
    const v = properties.length > VIRTUALIZE_AFTER ? loadVirtualizer(this) : 'failed';
    if (v === 'failed') return html`<div class="grid ${c.compact ? 'compact' : ''}">${properties.map((p) => this.renderControl(c, p))}</div>`;
    // Only the controls in view are in the DOM (the page scrolls them), so each says where it sits in the whole list.
    const size = properties.length;
    if (!v) {
      return html`<div class="grid ${c.compact ? 'compact' : ''}" role="list" aria-label=${msg(str`${label} settings`)}>
        ${properties.slice(0, VIRTUALIZE_AFTER).map((p, index) => this.renderControl(c, p, { index, size }))}
      </div>`;
    }
    const columns = this.columns;
    const rowStyle = styleMap({ gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))` });
    return html`<div class="rows" role="list" aria-label=${msg(str`${label} settings`)}>
      ${v.virtualize({
        items: this.stableRows(key, properties),
        keyFunction: (row: PropertySchema[]) => row[0]?.id ?? '',
        renderItem: (row: PropertySchema[], rowIndex: number) =>
          html`<div class="row" role="none" style=${rowStyle}>${row.map((p, i) => this.renderControl(c, p, { index: rowIndex * columns + i, size }))}</div>`,
        layout: v.layout,
      })}
    </div>`;
  }

  private renderSection(c: PanelContext, name: string, s: Section): TemplateResult {
    return s.group
      ? html`<section role="group" aria-label=${s.group.name}>
          <h3>${s.group.name}</h3>
          ${this.renderProperties(c, s.group.name, s.group.id, s.properties)}
        </section>`
      : this.renderProperties(c, name, '', s.properties);
  }

  private renderSections(c: PanelContext, name: string, properties: readonly PropertySchema[]): TemplateResult {
    const sections = this.stableSections(properties);
    // One node only: its name would just repeat the device's.
    if (sections.length === 1) return this.renderProperties(c, name, '', properties);
    // Each node is a group named like the node, so "Level" in Channel 2 is found by role and name within it.
    // A long device renders only the groups in view; each says where it sits among them.
    const v = properties.length > VIRTUALIZE_AFTER ? loadVirtualizer(this) : 'failed';
    if (v === 'failed') return html`${sections.map((s) => this.renderSection(c, name, s))}`;
    const size = sections.length;
    const item = (s: Section, index: number): TemplateResult => html`<div role="listitem" aria-posinset=${index + 1} aria-setsize=${size} class="group-item">${this.renderSection(c, name, s)}</div>`;
    if (!v) return html`<div role="list" aria-label=${msg(str`${name} settings`)}>${sections.slice(0, 2).map(item)}</div>`;
    return html`<div role="list" aria-label=${msg(str`${name} settings`)} class="groups">
      ${v.virtualize({ items: sections, keyFunction: (s: Section) => s.group?.id ?? '', renderItem: item, layout: v.layout })}
    </div>`;
  }

  /** The same sections array while the schema is unchanged (the virtualizer re-lays out on a new one). */
  private sections: { properties: readonly PropertySchema[] | null; sections: Section[] } = { properties: null, sections: [] };
  private stableSections(properties: readonly PropertySchema[]): Section[] {
    if (this.sections.properties !== properties) this.sections = { properties, sections: groupProperties(properties) };
    return this.sections.sections;
  }

  override render() {
    const device = this.summary.value;
    const detail = this.detail.value;
    if (!device) return nothing;
    const connected = this.connection.value === 'open';
    const status = this.status.value;
    const away = connected && device.availability !== 'ready' && device.availability !== 'alert' && device.availability !== 'unknown';
    const liveSession = connected && status?.live ? status.session : null;
    const name = device.name;
    const availability = connected
      ? availabilityText(device.availability)
      : msg(str`${availabilityText(device.availability)} when last seen ${formatAge(this.clock.now - device.lastSeenAt)}; the console is not connected`);
    const incomplete = connected ? completenessText(this.completeness.value) : null;
    const count = detail?.schema?.properties.length ?? 0;
    const density: Density = this.chosenDensity.value ?? (count > COMPACT_AFTER ? 'compact' : 'comfortable');
    const compact = density === 'compact';
    const locked = this.locked.value ?? false;
    return html`
      <section aria-labelledby="title">
        <header>
          <h2 id="title">${name}</h2>
          <span role="status" aria-label=${msg(str`${name} availability`)}>${availability}</span>
          <span class="actions">
            <button aria-pressed=${compact ? 'true' : 'false'} @click=${() => this.dispatchEvent(new WorkspaceEvent({ kind: 'device-density', deviceId: device.id, density: compact ? 'comfortable' : 'compact' }))}>${msg('Compact rows')}</button>
            <button @click=${() => this.dispatchEvent(new DisplayEvent(!this.wall))}>${this.wall ? msg('Leave full screen') : msg('Full screen')}</button>
          </span>
        </header>
        ${device.note ? html`<p class="note muted" lang="en" translate="no">${device.note}</p>` : nothing}
        ${device.error ? html`<p class="error" role="alert">${msg(html`This device's description could not be read: <span lang="en" translate="no">${device.error}</span>`)}</p>` : nothing}
        ${incomplete ? html`<p class="incomplete" role="status" aria-label=${msg(str`${name} status received`)}>${incomplete}</p>` : nothing}
        ${Object.entries(detail?.alerts ?? {}).map(([id, alert]) => html`<p class="alert">${msg(str`Device alert (${id}): ${alert}`)}</p>`)}
        ${detail?.schema
          ? this.renderSections({ device, detail, connected, liveSession, away, compact, locked }, name, detail.schema.properties)
          : device.error
            ? nothing
            : html`<p class="muted">${msg("Waiting for this device's description…")}</p>`}
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-device-panel': HfDevicePanel;
  }
}
