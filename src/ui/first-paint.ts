/**
 * The offline first paint, before the app's code (Lit, Dexie, the elements)
 * has loaded: the device list and the last device's last-known values, read
 * from the status cache with plain IndexedDB (one transaction, four gets)
 * and written as plain DOM into <hf-app>'s light DOM. When <hf-app> is
 * defined, its shadow root (it has no slot) takes over the display and this
 * is removed. Nothing here is interactive: it is what the console is about
 * to show, marked busy, for the moment the app takes to load.
 *
 * Broker data is only ever set as textContent.
 *
 * It is painted before any language chunk can load, so its few words are a
 * table of their own here (not msg()), and its numbers are formatted with
 * Intl in the chosen language. It imports neither @lit/localize nor
 * model/values.ts (whose words are messages), only the pure locale choice.
 */
import { chooseLocale, type Locale } from '../i18n/locales.js';
import type { PropertySchema, PropertyValue } from '../model/types.js';
import type { CachedDevice, DeviceSummary } from '../status/device-states.js';
import { DEVICE_LIST_KEY } from '../store/status-cache.js';

/** The console's database (HoldfastDb's default name, src/store/db.ts; importing it would load Dexie). */
const DB_NAME = 'holdfast';

interface LastKnown {
  readonly list: readonly DeviceSummary[];
  readonly device: CachedDevice | undefined;
  /** The operator's language choice (Settings → Language), as stored. */
  readonly language: unknown;
}

interface Phrases {
  readonly title: string;
  readonly starting: string;
  readonly devices: string;
  /** A boolean without labels of its own. */
  readonly off: string;
  readonly on: string;
  /** An empty text value. */
  readonly empty: string;
}

/**
 * The first paint's words in each language (the app's own messages say the
 * same: hf-app, hf-device-list, model/values.ts). en-XA is the pseudo-locale,
 * written as scripts/i18n.ts's pseudo() writes it. Adding a language adds a line.
 */
const PHRASES: Readonly<Record<Locale, Phrases>> = {
  en: { title: 'Holdfast', starting: 'Starting: last-known values', devices: 'Devices', off: 'Off', on: 'On', empty: '(empty)' },
  de: { title: 'Holdfast', starting: 'Wird gestartet: zuletzt bekannte Werte', devices: 'Geräte', off: 'Aus', on: 'Ein', empty: '(leer)' },
  'en-XA': { title: '⟦Ĥöļðƒášţ⟧', starting: '⟦Šţáŕţíñĝ: ļášţ-ķñöŵñ ṽáļüéš⟧', devices: '⟦Ðéṽíçéš⟧', off: '⟦Öƒƒ⟧', on: '⟦Öñ⟧', empty: '⟦(éɱþţý)⟧' },
};

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
        const language = settings.get('language');
        let device: IDBRequest | null = null;
        lastDevice.onsuccess = () => {
          const id = value(lastDevice);
          if (typeof id === 'string') device = tx.objectStore('snapshots').get(id);
        };
        tx.oncomplete = () => {
          const devices = value(list);
          if (!Array.isArray(devices) || typeof value(lastView) === 'string') done(null);
          else done({ list: devices as DeviceSummary[], device: (device?.result as CachedDevice | undefined) ?? undefined, language: value(language) });
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

/** Decimals a number is written with (1e-7 has 7), as model/values.ts counts them. */
function decimalsOf(n: number): number {
  const text = String(n);
  const exp = /e-(\d+)$/.exec(text);
  if (exp !== null) return Number(exp[1]) + (text.split('e')[0]?.split('.')[1]?.length ?? 0);
  return text.split('.')[1]?.length ?? 0;
}

/**
 * A value as the app will show it (model/values.ts's formatValue: the same
 * rounding), its number in the locale's digits and decimal sign. Device text
 * (enum values, strings, units, boolean labels) is shown as the device sends it.
 */
export function firstPaintValue(p: PropertySchema, v: PropertyValue | null | undefined, locale: Locale): string {
  const words = PHRASES[locale];
  if (v === null || v === undefined) return '—';
  const unit = p.unit !== undefined && p.unit !== '' ? ` ${p.unit}` : '';
  if (typeof v === 'boolean') {
    const labels = p.format?.split(',').map((l) => l.trim());
    const own = labels?.length === 2 && labels[0] !== '' && labels[1] !== '' ? labels : null;
    return v ? (own?.[1] ?? words.on) : (own?.[0] ?? words.off);
  }
  if (typeof v === 'number') {
    // 12 significant digits hide binary float noise; a step rounds to its own precision.
    const n = p.datatype === 'integer' ? v : p.step !== undefined && p.step > 0 ? Number(v.toFixed(Math.min(15, decimalsOf(p.step)))) : Number(v.toPrecision(12));
    const text = new Intl.NumberFormat(locale, { useGrouping: false, maximumFractionDigits: Math.min(20, decimalsOf(n)) }).format(Object.is(n, -0) ? 0 : n);
    return `${text}${unit}`;
  }
  if (v === '') return words.empty;
  if (p.datatype === 'integer' || p.datatype === 'float') return `${v}${unit}`;
  return v;
}

function render(state: LastKnown): HTMLElement {
  // The operator's choice, else the browser's languages: the language the app is about to show.
  const locale = chooseLocale(state.language, navigator.languages);
  const words = PHRASES[locale];
  const root = el('div', undefined, 'first-paint');
  root.setAttribute('aria-busy', 'true');
  root.lang = locale;
  const header = el('header');
  const status = el('p', words.starting, 'muted');
  status.setAttribute('role', 'status');
  header.append(el('h1', words.title), status);
  const layout = el('div', undefined, 'fp-layout');
  const collator = new Intl.Collator(locale, { numeric: true, sensitivity: 'base' });
  const devices = state.list.filter((d) => d.shownAs === undefined).sort((a, b) => collator.compare(a.name, b.name) || (a.id < b.id ? -1 : 1));
  const nav = el('nav');
  nav.setAttribute('aria-label', words.devices);
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
      row.append(el('dt', p.name), el('dd', p.momentary ? '' : firstPaintValue(p, v?.value, locale)));
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
