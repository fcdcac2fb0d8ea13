import type { HoldfastDb } from './db.js';

/** Points a chart holds per property: enough for a shift's trend. */
export const HISTORY_LIMIT = 300;
/** Points an inline sparkline holds: about one per pixel of its 6rem width. */
export const SPARKLINE_LIMIT = 60;
/** One point per property per half second: a flood of status must not become a flood of points. */
const MIN_SPACING_MS = 500;

/**
 * A property's latest points, oldest first, as two columns. Columns, not one
 * object per point: numbers in an array are stored unboxed (about 16 bytes a
 * point instead of about 48), and a screen of trends is held through a shift. Each
 * change makes a new Series, so a holder can keep one without copying it.
 */
export interface Series {
  readonly at: readonly number[];
  readonly value: readonly number[];
}
export const EMPTY_SERIES: Series = { at: [], value: [] };
const key = (d: string, p: string) => `${d}\u0000${p}`;

interface Held {
  series: Series;
  /** Each subscriber and how many of the latest points it shows; the series holds the most any of them asks. */
  readonly listeners: Map<(s: Series) => void, number>;
  /** How many points it has read from disk so far (a larger subscriber later reads more). */
  loaded: number;
}

const limitOf = (h: Held): number => Math.max(0, ...h.listeners.values());

/**
 * A tab's value history for what it shows: a property's series is held in
 * memory only while a sparkline or chart subscribes to it, read from disk
 * (written by the engine host, store/history-writer.ts) when the first one
 * does, then extended by the live values this tab receives. Memory is bounded
 * by what is on screen, not by the size of the site or the length of a shift.
 */
export class HistoryStore {
  private readonly held = new Map<string, Held>();
  private disposed = false;

  constructor(private readonly db: HoldfastDb) {}

  add(deviceId: string, propertyId: string, at: number, value: number): void {
    const h = this.held.get(key(deviceId, propertyId));
    if (!h) return;
    const next = appended(h.series, at, value, limitOf(h));
    if (next === h.series) return;
    h.series = next;
    this.notify(h);
  }

  /**
   * One property's latest `limit` points, now and whenever it gets a point
   * (a new Series each time). A series holds what its largest subscriber
   * shows, so a row of sparklines costs a fifth of charts.
   */
  subscribe(deviceId: string, propertyId: string, fn: (s: Series) => void, limit = HISTORY_LIMIT): () => void {
    const k = key(deviceId, propertyId);
    let h = this.held.get(k);
    if (!h) {
      const fresh: Held = { series: EMPTY_SERIES, listeners: new Map(), loaded: 0 };
      h = fresh;
      this.held.set(k, fresh);
    }
    const held = h;
    held.listeners.set(fn, Math.min(limit, HISTORY_LIMIT));
    if (limitOf(held) > held.loaded) {
      held.loaded = limitOf(held);
      void this.load(deviceId, propertyId, held);
    }
    fn(held.series);
    return () => {
      held.listeners.delete(fn);
      if (held.listeners.size === 0 && this.held.get(k) === held) this.held.delete(k);
      // The largest subscriber left: hold only what the others show.
      else held.series = trimmed(held.series, limitOf(held));
    };
  }

  /** Points stored before this tab subscribed go before the live ones it has received since. */
  private async load(deviceId: string, propertyId: string, h: Held): Promise<void> {
    try {
      const rows = await this.db.history.where('[deviceId+propertyId]').equals([deviceId, propertyId]).reverse().limit(h.loaded).toArray();
      if (this.disposed || h.listeners.size === 0) return;
      const first = h.series.at[0] ?? Infinity;
      const older = rows.filter((r) => r.at < first).reverse();
      if (older.length === 0) return;
      const at = older.map((r) => r.at);
      const value = older.map((r) => r.value);
      for (let i = 0; i < h.series.at.length; i++) {
        at.push(h.series.at[i]!);
        value.push(h.series.value[i]!);
      }
      h.series = trimmed({ at, value }, limitOf(h));
      this.notify(h);
    } catch (err) {
      console.warn('Holdfast: could not read value history', err);
    }
  }

  /** How many series are held (what is on screen), for diagnostics and the soak. */
  get heldSeries(): number {
    return this.held.size;
  }

  private notify(h: Held): void {
    for (const l of h.listeners.keys()) l(h.series);
  }

  dispose(): void {
    this.disposed = true;
    this.held.clear();
  }
}

function trimmed(s: Series, limit: number): Series {
  const from = s.at.length - limit;
  return from > 0 ? { at: s.at.slice(from), value: s.value.slice(from) } : s;
}

/** The series with a point added (or the same series if nothing changed). */
function appended(s: Series, at: number, value: number, limit: number): Series {
  const n = s.at.length;
  const lastAt = s.at[n - 1];
  if (lastAt !== undefined && at < lastAt) return s;
  if (lastAt !== undefined && at - lastAt < MIN_SPACING_MS) {
    // Too close to the previous point: keep the newest value in its place.
    if (s.value[n - 1] === value) return s;
    const values = s.value.slice();
    values[n - 1] = value;
    return { at: s.at, value: values };
  }
  // slice() keeps an array's element kind (unboxed doubles stay unboxed).
  const from = Math.max(0, n + 1 - limit);
  const ats = s.at.slice(from);
  const values = s.value.slice(from);
  ats.push(at);
  values.push(value);
  return { at: ats, value: values };
}
