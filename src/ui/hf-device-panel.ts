import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';
import { formatAge } from '../model/age.js';
import type { OutboxEntry, PropertySchema } from '../model/types.js';
import type { DeviceView } from '../store/status.js';
import { AVAILABILITY_TEXT } from './availability.js';
import { ClockController } from './controllers/clock-controller.js';
import { HubController } from './controllers/hub-controller.js';
import { VIRTUALIZE_AFTER, loadVirtualizer } from './hf-device-list.js';
import { sharedStyles } from './shared-styles.js';
import './hf-property-control.js';

/** The grid's column rule (see .grid): minmax(22rem, 1fr) with a 0.75rem gap. */
const COLUMN_REM = 22;
const GAP_REM = 0.75;

/** What every property control of one device shares in a render. */
interface PanelContext {
  readonly device: DeviceView;
  readonly entries: ReadonlyMap<string, OutboxEntry>;
  readonly editors: ReadonlyMap<string, string[]>;
  readonly connected: boolean;
  readonly live: boolean;
}

/** One device: its availability in words and a control per property of its schema. */
@customElement('hf-device-panel')
export class HfDevicePanel extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      header {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: baseline;
        margin-bottom: 0.75rem;
      }
      h2 {
        margin: 0;
        font-size: 1.2rem;
      }
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 22rem), 1fr));
        gap: 0.75rem;
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
      .alert {
        border-color: var(--hf-warn);
        background: var(--hf-warn-bg);
      }
    `,
  ];

  @property({ attribute: false }) deviceId = '';
  private readonly hub = new HubController(this);
  private readonly clock = new ClockController(this);
  /** Columns of the virtualized grid, from this element's width. */
  @state() private columns = 1;
  private resizeObserver: ResizeObserver | null = null;
  /** The virtualizer's items, kept as the same array while the schema and columns are unchanged (see stableRows). */
  private rows: { properties: readonly PropertySchema[] | null; columns: number; rows: PropertySchema[][] } = { properties: null, columns: 0, rows: [] };

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
  private stableRows(properties: readonly PropertySchema[]): PropertySchema[][] {
    const r = this.rows;
    if (r.properties !== properties || r.columns !== this.columns) {
      const rows: PropertySchema[][] = [];
      for (let i = 0; i < properties.length; i += this.columns) rows.push(properties.slice(i, i + this.columns));
      this.rows = { properties, columns: this.columns, rows };
    }
    return this.rows.rows;
  }

  private renderControl(c: PanelContext, p: PropertySchema, position?: { index: number; size: number }): TemplateResult {
    const { device, connected, live } = c;
    return html`<hf-property-control
      role=${position ? 'listitem' : nothing}
      aria-posinset=${position ? position.index + 1 : nothing}
      aria-setsize=${position ? position.size : nothing}
      .deviceId=${device.id}
      .schema=${p}
      .reported=${device.values.get(p.id)}
      .entry=${c.entries.get(p.id)}
      .valueError=${device.valueErrors.get(p.id)}
      .now=${this.clock.now}
      .editors=${c.editors.get(p.id) ?? []}
      ?deviceAway=${connected && device.availability !== 'ready'}
      ?live=${live}
      ?stale=${!live}
    ></hf-property-control>`;
  }

  private renderProperties(c: PanelContext, name: string, properties: readonly PropertySchema[]): TemplateResult {
    const v = properties.length > VIRTUALIZE_AFTER ? loadVirtualizer(this) : 'failed';
    if (v === 'failed') return html`<div class="grid">${properties.map((p) => this.renderControl(c, p))}</div>`;
    // Only the controls in view are in the DOM (the page scrolls them), so each says where it sits in the whole list.
    const size = properties.length;
    if (!v) {
      return html`<div class="grid" role="list" aria-label="${name} settings">
        ${properties.slice(0, VIRTUALIZE_AFTER).map((p, index) => this.renderControl(c, p, { index, size }))}
      </div>`;
    }
    const columns = this.columns;
    const rowStyle = styleMap({ gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))` });
    return html`<div class="rows" role="list" aria-label="${name} settings">
      ${v.virtualize({
        items: this.stableRows(properties),
        keyFunction: (row: PropertySchema[]) => row[0]?.id ?? '',
        renderItem: (row: PropertySchema[], rowIndex: number) =>
          html`<div class="row" role="none" style=${rowStyle}>${row.map((p, i) => this.renderControl(c, p, { index: rowIndex * columns + i, size }))}</div>`,
        layout: v.layout,
      })}
    </div>`;
  }

  override render() {
    const s = this.hub.state;
    const device = s?.devices.get(this.deviceId);
    if (!s || !device) return nothing;
    const connected = s.connection?.status === 'open';
    const live = connected && device.availability === 'ready';
    const name = device.schema?.name ?? device.id;
    // Newest visible entry per property (the outbox list is in seq order).
    const entries = new Map<string, OutboxEntry>();
    for (const e of s.outbox) if (e.deviceId === device.id) entries.set(e.propertyId, e);
    const editors = new Map<string, string[]>();
    for (const o of s.presence) {
      if (o.editing?.deviceId === device.id) editors.set(o.editing.propertyId, [...(editors.get(o.editing.propertyId) ?? []), o.name]);
    }
    const availability = connected ? AVAILABILITY_TEXT[device.availability] : `${AVAILABILITY_TEXT[device.availability]} when last seen ${formatAge(this.clock.now - device.lastSeenAt)}; the console is not connected`;
    return html`
      <section aria-labelledby="title">
        <header>
          <h2 id="title">${name}</h2>
          <span role="status" aria-label="${name} availability">${availability}</span>
        </header>
        ${device.error ? html`<p class="error" role="alert">This device's description could not be read: ${device.error}</p>` : nothing}
        ${Object.entries(device.alerts).map(([id, msg]) => html`<p class="alert">Device alert (${id}): ${msg}</p>`)}
        ${device.schema
          ? this.renderProperties({ device, entries, editors, connected, live }, name, device.schema.properties)
          : html`<p class="muted">Waiting for this device's description…</p>`}
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-device-panel': HfDevicePanel;
  }
}
