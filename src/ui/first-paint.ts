/**
 * The offline first paint, before the app's code (Lit, Dexie, the elements)
 * has loaded: the device list and the last device's last-known values, read
 * from the status cache with plain IndexedDB (one transaction, three gets)
 * and written as plain DOM into <hf-app>'s light DOM. When <hf-app> is
 * defined, its shadow root (it has no slot) takes over the display and this
 * is removed. Nothing here is interactive: it is what the console is about
 * to show, marked busy, for the moment the app takes to load.
 *
 * Broker data is only ever set as textContent.
 */
import { formatValue } from '../model/values.js';
import type { CachedDevice, DeviceSummary } from '../status/device-states.js';
import { DEVICE_LIST_KEY } from '../store/status-cache.js';

/** The console's database (HoldfastDb's default name, src/store/db.ts; importing it would load Dexie). */
const DB_NAME = 'holdfast';

interface LastKnown {
  readonly list: readonly DeviceSummary[];
  readonly device: CachedDevice | undefined;
}

/** The last-known state, or null (no database yet, another version's layout, a view shown instead of a device). */
function readLastKnown(): Promise<LastKnown | null> {
  return new Promise((resolve) => {
    let req: IDBOpenDBRequest;
    try {
      req = indexedDB.open(DB_NAME);
    } catch {
      resolve(null);
      return;
    }
    // No database yet: create none (the app's Dexie creates it with its schema).
    req.onupgradeneeded = () => req.transaction?.abort();
    req.onerror = (e) => {
      e.preventDefault();
      resolve(null);
    };
    req.onsuccess = () => {
      const db = req.result;
      // The app may open a newer version meanwhile: never stand in its way.
      db.onversionchange = () => db.close();
      const done = (v: LastKnown | null): void => {
        db.close();
        resolve(v);
      };
      if (!db.objectStoreNames.contains('settings') || !db.objectStoreNames.contains('snapshots')) {
        done(null);
        return;
      }
      try {
        const tx = db.transaction(['settings', 'snapshots'], 'readonly');
        const settings = tx.objectStore('settings');
        const value = (r: IDBRequest): unknown => (r.result as { value?: unknown } | undefined)?.value;
        const list = settings.get(DEVICE_LIST_KEY);
        const lastView = settings.get('lastView');
        const lastDevice = settings.get('lastDevice');
        let device: IDBRequest | null = null;
        lastDevice.onsuccess = () => {
          const id = value(lastDevice);
          if (typeof id === 'string') device = tx.objectStore('snapshots').get(id);
        };
        tx.oncomplete = () => {
          const devices = value(list);
          if (!Array.isArray(devices) || typeof value(lastView) === 'string') done(null);
          else done({ list: devices as DeviceSummary[], device: (device?.result as CachedDevice | undefined) ?? undefined });
        };
        tx.onerror = () => done(null);
        tx.onabort = () => done(null);
      } catch {
        done(null);
      }
    };
  });
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

function render(state: LastKnown): HTMLElement {
  const root = el('div', undefined, 'first-paint');
  root.setAttribute('aria-busy', 'true');
  const header = el('header');
  const status = el('p', 'Starting: last-known values', 'muted');
  status.setAttribute('role', 'status');
  header.append(el('h1', 'Holdfast'), status);
  const layout = el('div', undefined, 'fp-layout');
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
  const devices = state.list.filter((d) => d.shownAs === undefined).sort((a, b) => collator.compare(a.name, b.name) || (a.id < b.id ? -1 : 1));
  const nav = el('nav');
  nav.setAttribute('aria-label', 'Devices');
  const ul = el('ul');
  for (const d of devices) ul.append(el('li', d.name, d.id === state.device?.id ? 'selected' : undefined));
  nav.append(ul);
  layout.append(nav);
  const shown = state.device;
  if (shown?.schema) {
    const section = el('section');
    const name = devices.find((d) => d.id === shown.id)?.name ?? shown.schema.name;
    section.setAttribute('aria-label', name);
    section.append(el('h2', name));
    const values = new Map(shown.values);
    const dl = el('dl');
    for (const p of shown.schema.properties) {
      const row = el('div');
      const v = values.get(p.id);
      row.append(el('dt', p.name), el('dd', p.momentary ? '' : formatValue(p, v?.value)));
      dl.append(row);
    }
    section.append(dl);
    layout.append(section);
  }
  root.append(header, layout);
  return root;
}

/** Paint the last-known state into <hf-app> unless the app got there first; resolves once done (or given up). */
export async function paintLastKnown(): Promise<void> {
  const app = document.querySelector('hf-app');
  if (!app) return;
  const state = await readLastKnown().catch(() => null);
  if (!state || state.list.length === 0 || customElements.get('hf-app')) return;
  const painted = render(state);
  app.replaceChildren(painted);
  // Once <hf-app> is defined its shadow root hides this; remove it then, so nothing reads it twice.
  void customElements.whenDefined('hf-app').then(() => painted.remove());
}
