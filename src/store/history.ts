import type { HistoryRow, HoldfastDb } from './db.js';

/** Points kept per property: enough for a shift's sparkline, bounded so storage can't grow without end. */
export const HISTORY_LIMIT = 300;
const FLUSH_MS = 1000;
/** One point per property per half second: a flood of status must not become a flood of writes. */
const MIN_SPACING_MS = 500;
const TRIM_EVERY_MS = 30_000;

export type Series = readonly { readonly at: number; readonly value: number }[];
const key = (d: string, p: string) => `${d}\u0000${p}`;

/**
 * Per-property numeric history for sparklines and charts. Every tab builds it
 * from the same status events; only the leader writes it to Dexie, so it
 * survives a reload.
 */
export class HistoryStore {
  private readonly series = new Map<string, { at: number; value: number }[]>();
  private unsaved: HistoryRow[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private persist = false;
  private readonly untrimmed = new Set<string>();
  private trimmedAt = 0;
  private version = 0;

  constructor(private readonly db: HoldfastDb) {}

  async load(): Promise<void> {
    const rows = await this.db.history.toArray();
    for (const r of rows.sort((a, b) => a.at - b.at)) this.push(r.deviceId, r.propertyId, r.at, r.value);
  }

  enablePersistence(): void {
    this.persist = true;
  }

  add(deviceId: string, propertyId: string, at: number, value: number): void {
    if (!this.push(deviceId, propertyId, at, value) || !this.persist) return;
    this.unsaved.push({ deviceId, propertyId, at, value });
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
      return false;
    }
    s.push({ at, value });
    if (s.length > HISTORY_LIMIT) s.splice(0, s.length - HISTORY_LIMIT);
    this.series.set(k, s);
    this.version++;
    return true;
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
    const rows = this.unsaved;
    this.unsaved = [];
    if (rows.length === 0) return;
    try {
      await this.db.history.bulkPut(rows);
      for (const r of rows) this.untrimmed.add(key(r.deviceId, r.propertyId));
      if (Date.now() - this.trimmedAt < TRIM_EVERY_MS) return;
      // Trimming costs a query per series: do it rarely, for the series that grew.
      this.trimmedAt = Date.now();
      const touched = [...this.untrimmed];
      this.untrimmed.clear();
      for (const k of touched) {
        const [deviceId, propertyId] = k.split('\u0000') as [string, string];
        const keys = await this.db.history.where('[deviceId+propertyId]').equals([deviceId, propertyId]).primaryKeys();
        if (keys.length > HISTORY_LIMIT) {
          const sorted = keys.sort((a, b) => a[2] - b[2]);
          await this.db.history.bulkDelete(sorted.slice(0, keys.length - HISTORY_LIMIT));
        }
      }
    } catch (err) {
      console.warn('Holdfast: could not save value history', err);
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
