import type { virtualize as virtualizeDirective } from '@lit-labs/virtualizer/virtualize.js';
import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing, type ReactiveElement, type TemplateResult } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { DeviceSummary } from '../status/device-states.js';
import { availabilityText } from './availability.js';
import { SliceController } from './controllers/slice-controller.js';
import { SelectDeviceEvent } from './events.js';
import { sharedStyles } from './shared-styles.js';

/** Longer lists only render the rows in view; short ones render plainly (and behave exactly as before). */
export const VIRTUALIZE_AFTER = 30;
const collator = new Intl.Collator();

export interface Virtualizer {
  readonly virtualize: typeof virtualizeDirective;
  /** The flow layout, passed explicitly so the virtualizer never fetches its default one itself. */
  readonly layout: ReturnType<typeof import('@lit-labs/virtualizer/layouts/flow.js').flow>;
}

let virtualizerModule: Virtualizer | 'failed' | null = null;
let virtualizerLoading: Promise<void> | null = null;

/**
 * The virtualizer (~10 KB gzip) is fetched only once some list is long, so
 * small installations never load it. Until it is here (null) callers render
 * the first VIRTUALIZE_AFTER items plainly, which fills the screen: the first
 * paint of a large installation doesn't wait for the chunk either. If it
 * cannot load at all ('failed'), they render everything plainly.
 */
export function loadVirtualizer(host: ReactiveElement): Virtualizer | 'failed' | null {
  if (virtualizerModule) return virtualizerModule;
  virtualizerLoading ??= Promise.all([import('@lit-labs/virtualizer/virtualize.js'), import('@lit-labs/virtualizer/layouts/flow.js')]).then(
    ([v, f]) => {
      virtualizerModule = { virtualize: v.virtualize, layout: f.flow() };
    },
    (err: unknown) => {
      console.warn('Holdfast: could not load the list virtualizer; rendering long lists in full', err);
      virtualizerModule = 'failed';
    },
  );
  void virtualizerLoading.then(() => host.requestUpdate());
  return null;
}

/** The devices the operator sees (one per physical device), sorted by name. */
export function sortDevices(devices: Iterable<DeviceSummary>): DeviceSummary[] {
  return [...devices].filter((d) => d.shownAs === undefined).sort((a, b) => collator.compare(a.name, b.name) || (a.id < b.id ? -1 : 1));
}

@customElement('hf-device-list')
@localized()
export class HfDeviceList extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.5rem;
      }
      /* Virtualized: its own scroller (rows are positioned absolutely, so margins replace the grid gap). */
      ul.long {
        height: min(70vh, 48rem);
      }
      ul.long > li {
        width: 100%;
        margin: 0 0 0.5rem;
      }
      button {
        width: 100%;
        text-align: left;
        padding: 0.5rem 0.75rem;
        display: grid;
        gap: 0.15rem;
      }
      button[aria-current='true'] {
        border-color: var(--hf-accent);
        background: var(--hf-selected-bg);
      }
      .name {
        font-weight: 600;
      }
      .state {
        font-size: 0.85rem;
      }
      .error {
        font-size: 0.85rem;
        color: var(--hf-bad-fg);
      }
      h2 {
        font-size: 1rem;
        margin: 0 0 0.5rem;
      }
    `,
  ];

  @property({ attribute: false }) selectedId: string | null = null;
  private readonly devices = new SliceController<ReadonlyMap<string, DeviceSummary>>(this, (c) => (fn) => c.client.subscribeDevices(fn));
  /**
   * The virtualizer's items. Kept as the same array while the order is
   * unchanged: a new array makes it re-lay out asynchronously, while the same
   * one lets a status change re-render the visible rows in this update.
   */
  private ids: string[] = [];

  private stableIds(devices: readonly DeviceSummary[]): string[] {
    const same = devices.length === this.ids.length && devices.every((d, i) => d.id === this.ids[i]);
    if (!same) this.ids = devices.map((d) => d.id);
    return this.ids;
  }

  private renderItem(d: DeviceSummary, position?: { index: number; size: number }): TemplateResult {
    return html`<li aria-posinset=${position ? position.index + 1 : nothing} aria-setsize=${position ? position.size : nothing}>
      <button aria-current=${d.id === this.selectedId ? 'true' : 'false'} @click=${() => this.dispatchEvent(new SelectDeviceEvent(d.id))}>
        <span class="name">${d.name}</span>
        <span class="state muted">${availabilityText(d.availability)}</span>
        ${d.error ? html`<span class="error">${msg(str`Error: ${d.error}`)}</span>` : nothing}
      </button>
    </li>`;
  }

  override render() {
    const all = this.devices.value;
    if (!all) return nothing;
    const devices = sortDevices(all.values());
    const v = devices.length > VIRTUALIZE_AFTER ? loadVirtualizer(this) : 'failed';
    let list: TemplateResult;
    if (v !== 'failed') {
      // Only rows in view are in the DOM, so each says where it sits in the whole list.
      const size = devices.length;
      list = v
        ? html`<ul class="long">
            ${v.virtualize({
              items: this.stableIds(devices),
              keyFunction: (id: string) => id,
              renderItem: (id: string, index: number) => {
                const d = all.get(id);
                return d ? this.renderItem(d, { index, size }) : html`<li></li>`;
              },
              layout: v.layout,
              scroller: true,
            })}
          </ul>`
        : html`<ul>
            ${devices.slice(0, VIRTUALIZE_AFTER).map((d, index) => this.renderItem(d, { index, size }))}
          </ul>`;
    } else {
      list = html`<ul>
        ${devices.map((d) => this.renderItem(d))}
      </ul>`;
    }
    return html`
      <nav aria-label=${msg('Devices')}>
        <h2>${msg('Devices')}</h2>
        ${list}
      </nav>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-device-list': HfDeviceList;
  }
}
