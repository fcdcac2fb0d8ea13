import type { HistoryRow, HoldfastDb } from './db.js';

/**
 * Points on disk, all properties together. Oldest first out: a site's history
 * covers the last HISTORY_MAX_ROWS points, whatever its size (about 20 MB).
 */
export const HISTORY_MAX_ROWS = 100_000;
/** A trim leaves this share of the bound. */
const TRIM_TO = 0.8;
const FLUSH_MS = 2000;
const TRIM_EVERY_MS = 30_000;
/** IndexedDB clones every row on the writing thread: write in slices so no single task runs long. */
const WRITE_SLICE = 250;

const key = (d: string, p: string): string => `${d}\u0000${p}`;

/**
 * Writes the value history the engine host hears, for every tab to read
 * (store/history.ts). It keeps nothing per point in memory: the newest point
 * per property waits for the next flush, so memory is bounded by the number of
 * properties, and the table by HISTORY_MAX_ROWS.
 */
export class HistoryWriter {
  private unsaved = new Map<string, HistoryRow>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private trimmedAt = 0;
  private writing: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(
    private readonly db: HoldfastDb,
    private readonly maxRows = HISTORY_MAX_ROWS,
  ) {}

  add(deviceId: string, propertyId: string, at: number, value: number): void {
    if (this.disposed || !Number.isFinite(value)) return;
    // What reaches disk is the newest point per property per flush (every FLUSH_MS): a flood of status is not a flood of writes.
    this.unsaved.set(key(deviceId, propertyId), { deviceId, propertyId, at, value });
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Write what is waiting now (also used by tests and on dispose). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const rows = [...this.unsaved.values()];
    this.unsaved = new Map();
    this.writing = this.writing.then(() => this.write(rows));
    return this.writing;
  }

  private async write(rows: readonly HistoryRow[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      for (let i = 0; i < rows.length; i += WRITE_SLICE) {
        await this.db.history.bulkPut(rows.slice(i, i + WRITE_SLICE));
        // Let other work run between slices.
        await new Promise((r) => setTimeout(r, 0));
      }
      if (Date.now() - this.trimmedAt < TRIM_EVERY_MS) return;
      this.trimmedAt = Date.now();
      await this.trim();
    } catch (err) {
      console.warn('Holdfast: could not save value history', err);
    }
  }

  /**
   * Past the bound, drop the oldest points down to 80 % of it, by one indexed
   * query: the headroom takes the writes until the next trim, so the table
   * never stands above its bound (at 200 values/s, 30 s is 6,000 rows).
   */
  async trim(): Promise<void> {
    const count = await this.db.history.count();
    if (count > TRIM_TO * this.maxRows) await this.db.history.bulkDelete(await this.db.history.orderBy('at').limit(count - Math.floor(TRIM_TO * this.maxRows)).primaryKeys());
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
