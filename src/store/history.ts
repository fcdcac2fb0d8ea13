import type { HistoryRow, HoldfastDb } from './db.js';

/** Points kept per property: enough for a shift's sparkline, bounded so storage can't grow without end. */
export const HISTORY_LIMIT = 300;
const FLUSH_MS = 2000;
/** One point per property per half second: a flood of status must not become a flood of writes. */
const MIN_SPACING_MS = 500;
const TRIM_EVERY_MS = 30_000;
/** IndexedDB clones every row on the main thread: write in slices so no single task runs long. */
const WRITE_SLICE = 250;

export type Series = readonly { readonly at: number; readonly value: number }[];
const key = (d: string, p: string) => `${d}\u0000${p}`;

/**
 * Per-property numeric history for sparklines and charts. Every tab builds it
 * from the same status events; only the leader writes it to Dexie, so it
 * survives a reload.
 */
export class HistoryStore {
  private readonly series = new Map<string, { at: number; value: number }[]>();
  private unsaved = new Map<string, HistoryRow>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private persist = false;
  private trimmedAt = 0;
  private version = 0;
  private readonly listeners = new Map<string, Set<(s: Series) => void>>();

  constructor(private readonly db: HoldfastDb) {}

  /** Not awaited before first paint: the last-known values matter first, their trends a moment later. */
  async load(): Promise<void> {
    const rows = await this.db.history.orderBy('at').toArray();
    const loaded = new Map<string, { at: number; value: number }[]>();
    for (const r of rows) {
      const k = key(r.deviceId, r.propertyId);
      const s = loaded.get(k) ?? [];
      s.push({ at: r.at, value: r.value });
      loaded.set(k, s);
    }
    // Points that arrived live while loading are newer: stored ones go before them.
    for (const [k, old] of loaded) {
      const live = this.series.get(k) ?? [];
      const first = live[0]?.at ?? Infinity;
      this.series.set(k, [...old.filter((p) => p.at < first), ...live].slice(-HISTORY_LIMIT));
      this.notify(k);
    }
    this.version++;
  }

  enablePersistence(): void {
    this.persist = true;
  }

  add(deviceId: string, propertyId: string, at: number, value: number): void {
    if (!this.push(deviceId, propertyId, at, value) || !this.persist) return;
    // What reaches disk is thinner still: the newest point per property per flush (every FLUSH_MS).
    this.unsaved.set(key(deviceId, propertyId), { deviceId, propertyId, at, value });
    if (this.timer === undefined) this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
  }

  private push(deviceId: string, propertyId: string, at: number, value: number): boolean {
    const k = key(deviceId, propertyId);
    const s = this.series.get(k) ?? [];
    const last = s[s.length - 1];
    if (last && at - last.at < MIN_SPACING_MS) {
      // Too close to the previous point: keep the newest value, in place of the previous one.
      s[s.length - 1] = { at: last.at, value };
      this.version++;
      this.notify(k);
      return false;
    }
    s.push({ at, value });
    if (s.length > HISTORY_LIMIT) s.splice(0, s.length - HISTORY_LIMIT);
    this.series.set(k, s);
    this.version++;
    this.notify(k);
    return true;
  }

  private notify(k: string): void {
    const ls = this.listeners.get(k);
    if (!ls) return;
    const s = this.series.get(k) ?? [];
    for (const l of ls) l(s);
  }

  /** One property's series, now and whenever it gets a point (the same array, mutated: compare revisions, not identity). */
  subscribe(deviceId: string, propertyId: string, fn: (s: Series) => void): () => void {
    const k = key(deviceId, propertyId);
    let ls = this.listeners.get(k);
    if (!ls) {
      ls = new Set();
      this.listeners.set(k, ls);
    }
    ls.add(fn);
    fn(this.series.get(k) ?? []);
    return () => {
      ls.delete(fn);
      if (ls.size === 0) this.listeners.delete(k);
    };
  }

  /** A copy-free read-only view; callers must not mutate it. */
  get(deviceId: string, propertyId: string): Series {
    return this.series.get(key(deviceId, propertyId)) ?? [];
  }

  /** Changes whenever any series changes (cheap change detection for renders). */
  get revision(): number {
    return this.version;
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const rows = [...this.unsaved.values()];
    this.unsaved = new Map();
    if (rows.length === 0) return;
    try {
      for (let i = 0; i < rows.length; i += WRITE_SLICE) {
        await this.db.history.bulkPut(rows.slice(i, i + WRITE_SLICE));
        // Let input and rendering run between slices.
        await new Promise((r) => setTimeout(r, 0));
      }
      if (Date.now() - this.trimmedAt < TRIM_EVERY_MS) return;
      // One global bound, trimmed oldest-first by one indexed query: a per-series trim would cost a query per property.
      this.trimmedAt = Date.now();
      const limit = HISTORY_LIMIT * Math.max(1, this.series.size);
      const count = await this.db.history.count();
      if (count > limit) await this.db.history.bulkDelete(await this.db.history.orderBy('at').limit(count - limit).primaryKeys());
    } catch (err) {
      console.warn('Holdfast: could not save value history', err);
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
