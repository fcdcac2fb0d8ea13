/**
 * The last-known status, persisted for an offline start: one compact record
 * per device (schema, availability and every value with its provenance) and
 * one record with the device list. A cold start reads the list and the
 * device on screen in two gets, not every value of the site.
 *
 * Only the engine host writes it, at most once a second per burst (and when
 * a burst pauses), off the page's main thread.
 */
import type { CachedDevice, DeviceSummary } from '../status/device-states.js';
import type { HoldfastDb } from './db.js';

const WRITE_DELAY_MS = 1000;
const WRITE_QUIET_MS = 150;
/** Devices per transaction: each record is cloned by IndexedDB; slices keep each task short. */
const WRITE_SLICE = 20;
export const DEVICE_LIST_KEY = 'deviceList';

export interface StatusSource {
  cached(deviceId: string): CachedDevice | undefined;
  summaries(): DeviceSummary[];
}

export interface BootState {
  readonly list: readonly DeviceSummary[];
  readonly device?: CachedDevice;
}

/** The page's first paint: the device list and the device it last showed. */
export async function readBootState(db: HoldfastDb, deviceId: string | null): Promise<BootState> {
  return db.transaction('r', db.snapshots, db.settings, async () => {
    const [list, device] = await Promise.all([db.settings.get(DEVICE_LIST_KEY), deviceId ? db.snapshots.get(deviceId) : undefined]);
    return { list: (list?.value as DeviceSummary[] | undefined) ?? [], ...(device ? { device } : {}) };
  });
}

export class StatusCache {
  private readonly dirty = new Set<string>();
  private readonly removed = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private firstDirtyAt = 0;
  private writes: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(
    private readonly db: HoldfastDb,
    private readonly source: StatusSource,
  ) {}

  loadAll(): Promise<CachedDevice[]> {
    return this.db.snapshots.toArray();
  }

  changed(deviceId: string): void {
    this.dirty.add(deviceId);
    this.schedule();
  }

  remove(deviceId: string): void {
    this.dirty.delete(deviceId);
    this.removed.add(deviceId);
    this.schedule();
  }

  /**
   * Write when a burst pauses for WRITE_QUIET_MS, and at least every
   * WRITE_DELAY_MS while it goes on: a reload a moment after a burst still
   * finds it, and a flood never becomes a write per message.
   */
  private schedule(): void {
    if (this.disposed) return;
    const now = Date.now();
    if (this.timer === undefined) this.firstDirtyAt = now;
    else clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(WRITE_QUIET_MS, this.firstDirtyAt + WRITE_DELAY_MS - now));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, wait);
  }

  /** Write what changed now (also called when the host stops). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dirty.size === 0 && this.removed.size === 0) return this.writes;
    const ids = [...this.dirty];
    const removed = [...this.removed];
    this.dirty.clear();
    this.removed.clear();
    const next = this.writes.then(() => this.write(ids, removed)).catch((err: unknown) => {
      // The cache is a convenience for offline start; a full disk must not stop live status.
      if (!this.disposed) console.warn('Holdfast: could not save the status cache', err);
    });
    this.writes = next;
    return next;
  }

  private async write(ids: readonly string[], removed: readonly string[]): Promise<void> {
    const db = this.db;
    const rows = ids.flatMap((id) => {
      const c = this.source.cached(id);
      return c ? [c] : [];
    });
    const list = this.source.summaries();
    for (let i = 0; i === 0 || i < rows.length; i += WRITE_SLICE) {
      await db.transaction('rw', db.snapshots, db.settings, async () => {
        if (rows.length > 0) await db.snapshots.bulkPut(rows.slice(i, i + WRITE_SLICE));
        if (i === 0) {
          if (removed.length > 0) await db.snapshots.bulkDelete([...removed]);
          await db.settings.put({ key: DEVICE_LIST_KEY, value: list });
        }
      });
    }
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
  }
}
