/**
 * The offline first paint's content, shared by the page (src/ui/first-paint.ts,
 * as DOM) and the service worker (sw/first-paint-shell.ts, as the shell's
 * HTML): the device list and the last device's last-known values, read from
 * the status cache with plain IndexedDB (one transaction, four gets), turned
 * into a small tree. No DOM and no Dexie here: it runs in both.
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

export interface LastKnown {
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
export function readLastKnown(indexedDB: IDBFactory): Promise<LastKnown | null> {
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


/** One element of the first paint: broker data only ever in `text` and attribute values, never markup. */
export interface PaintNode {
  readonly tag: 'div' | 'header' | 'h1' | 'h2' | 'p' | 'nav' | 'ul' | 'li' | 'section' | 'dl' | 'dt' | 'dd';
  readonly attrs?: Readonly<Record<string, string>>;
  readonly text?: string;
  readonly children?: readonly PaintNode[];
}

const node = (tag: PaintNode['tag'], text?: string, attrs?: Record<string, string>, children?: PaintNode[]): PaintNode => ({
  tag,
  ...(text !== undefined ? { text } : {}),
  ...(attrs ? { attrs } : {}),
  ...(children ? { children } : {}),
});

/** The first paint of a last-known state, in the operator's language (their choice, else the browser's). */
export function firstPaintView(state: LastKnown, languages: readonly string[]): PaintNode {
  const locale = chooseLocale(state.language, languages);
  const words = PHRASES[locale];
  const collator = new Intl.Collator(locale, { numeric: true, sensitivity: 'base' });
  const devices = state.list.filter((d) => d.shownAs === undefined).sort((a, b) => collator.compare(a.name, b.name) || (a.id < b.id ? -1 : 1));
  const layout: PaintNode[] = [
    node('nav', undefined, { 'aria-label': words.devices }, [
      node('ul', undefined, undefined, devices.map((d) => node('li', d.name, d.id === state.device?.id ? { class: 'selected' } : undefined))),
    ]),
  ];
  const shown = state.device;
  if (shown?.schema) {
    const name = devices.find((d) => d.id === shown.id)?.name ?? shown.schema.name;
    const values = new Map(shown.values);
    const rows = shown.schema.properties.map((p) =>
      node('div', undefined, undefined, [node('dt', p.name), node('dd', p.momentary ? '' : firstPaintValue(p, values.get(p.id)?.value, locale))]),
    );
    layout.push(node('section', undefined, { 'aria-label': name }, [node('h2', name), node('dl', undefined, undefined, rows)]));
  }
  return node('div', undefined, { class: 'first-paint', 'aria-busy': 'true', lang: locale }, [
    node('header', undefined, undefined, [node('h1', words.title), node('p', words.starting, { class: 'muted', role: 'status' })]),
    node('div', undefined, { class: 'fp-layout' }, layout),
  ]);
}

/** Whether a state has anything to paint. */
export const paintable = (state: LastKnown | null): state is LastKnown => state !== null && state.list.length > 0;
