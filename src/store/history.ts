import type { HoldfastDb } from './db.js';

/** Points a chart or sparkline holds per property: enough for a shift's trend. */
export const HISTORY_LIMIT = 300;
/** One point per property per half second: a flood of status must not become a flood of points. */
const MIN_SPACING_MS = 500;

export type Series = readonly { readonly at: number; readonly value: number }[];
const key = (d: string, p: string) => `${d}\u0000${p}`;

interface Held {
  readonly points: { at: number; value: number }[];
  readonly listeners: Set<(s: Series) => void>;
}

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
    if (push(h.points, at, value)) this.notify(h);
  }

  /** One property's series, now and whenever it gets a point (the same array, mutated: copy it to compare). */
  subscribe(deviceId: string, propertyId: string, fn: (s: Series) => void): () => void {
    const k = key(deviceId, propertyId);
    let h = this.held.get(k);
    if (!h) {
      const fresh: Held = { points: [], listeners: new Set() };
      h = fresh;
      this.held.set(k, fresh);
      void this.load(deviceId, propertyId, fresh);
    }
    const held = h;
    held.listeners.add(fn);
    fn(held.points);
    return () => {
      held.listeners.delete(fn);
      if (held.listeners.size === 0 && this.held.get(k) === held) this.held.delete(k);
    };
  }

  /** Points stored before this tab subscribed go before the live ones it has received since. */
  private async load(deviceId: string, propertyId: string, h: Held): Promise<void> {
    try {
      const rows = await this.db.history.where('[deviceId+propertyId]').equals([deviceId, propertyId]).reverse().limit(HISTORY_LIMIT).toArray();
      if (this.disposed || h.listeners.size === 0) return;
      const first = h.points[0]?.at ?? Infinity;
      const older = rows
        .filter((r) => r.at < first)
        .reverse()
        .map((r) => ({ at: r.at, value: r.value }));
      if (older.length === 0) return;
      h.points.unshift(...older);
      if (h.points.length > HISTORY_LIMIT) h.points.splice(0, h.points.length - HISTORY_LIMIT);
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
    for (const l of h.listeners) l(h.points);
  }

  dispose(): void {
    this.disposed = true;
    this.held.clear();
  }
}

function push(points: { at: number; value: number }[], at: number, value: number): boolean {
  const last = points[points.length - 1];
  if (last && at < last.at) return false;
  if (last && at - last.at < MIN_SPACING_MS) {
    // Too close to the previous point: keep the newest value in its place.
    if (last.value === value) return false;
    points[points.length - 1] = { at: last.at, value };
    return true;
  }
  points.push({ at, value });
  if (points.length > HISTORY_LIMIT) points.splice(0, points.length - HISTORY_LIMIT);
  return true;
}
