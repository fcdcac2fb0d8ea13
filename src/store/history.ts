import type { HoldfastDb } from './db.js';

/** Points a chart holds per property: enough for a shift's trend. */
export const HISTORY_LIMIT = 300;
/** Points an inline sparkline holds: about one per pixel of its 6rem width. */
export const SPARKLINE_LIMIT = 60;
/** One point per property per half second: a flood of status must not become a flood of points. */
const MIN_SPACING_MS = 500;

export type Series = readonly { readonly at: number; readonly value: number }[];
const key = (d: string, p: string) => `${d}\u0000${p}`;

interface Held {
  readonly points: { at: number; value: number }[];
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
    if (push(h.points, at, value, limitOf(h))) this.notify(h);
  }

  /**
   * One property's latest `limit` points, now and whenever it gets a point
   * (the same array, mutated: copy it to compare). A series holds what its
   * largest subscriber shows, so a row of sparklines costs a fifth of charts.
   */
  subscribe(deviceId: string, propertyId: string, fn: (s: Series) => void, limit = HISTORY_LIMIT): () => void {
    const k = key(deviceId, propertyId);
    let h = this.held.get(k);
    if (!h) {
      const fresh: Held = { points: [], listeners: new Map(), loaded: 0 };
      h = fresh;
      this.held.set(k, fresh);
    }
    const held = h;
    held.listeners.set(fn, Math.min(limit, HISTORY_LIMIT));
    if (limitOf(held) > held.loaded) {
      held.loaded = limitOf(held);
      void this.load(deviceId, propertyId, held);
    }
    fn(held.points);
    return () => {
      held.listeners.delete(fn);
      if (held.listeners.size === 0 && this.held.get(k) === held) this.held.delete(k);
      // The largest subscriber left: hold only what the others show.
      else trim(held.points, limitOf(held));
    };
  }

  /** Points stored before this tab subscribed go before the live ones it has received since. */
  private async load(deviceId: string, propertyId: string, h: Held): Promise<void> {
    try {
      const rows = await this.db.history.where('[deviceId+propertyId]').equals([deviceId, propertyId]).reverse().limit(h.loaded).toArray();
      if (this.disposed || h.listeners.size === 0) return;
      const first = h.points[0]?.at ?? Infinity;
      const older = rows
        .filter((r) => r.at < first)
        .reverse()
        .map((r) => ({ at: r.at, value: r.value }));
      if (older.length === 0) return;
      h.points.unshift(...older);
      trim(h.points, limitOf(h));
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
    for (const l of h.listeners.keys()) l(h.points);
  }

  dispose(): void {
    this.disposed = true;
    this.held.clear();
  }
}

function trim(points: { at: number; value: number }[], limit: number): void {
  if (points.length > limit) points.splice(0, points.length - limit);
}

function push(points: { at: number; value: number }[], at: number, value: number, limit: number): boolean {
  const last = points[points.length - 1];
  if (last && at < last.at) return false;
  if (last && at - last.at < MIN_SPACING_MS) {
    // Too close to the previous point: keep the newest value in its place.
    if (last.value === value) return false;
    points[points.length - 1] = { at: last.at, value };
    return true;
  }
  points.push({ at, value });
  trim(points, limit);
  return true;
}
