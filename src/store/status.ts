import type { AdapterEvent } from '../conventions/adapter.js';
import type { Availability, DeviceSchema, ReportedValue } from '../model/types.js';
import type { DeviceRow, HoldfastDb, StatusRow } from './db.js';

/** One device as the UI sees it. Immutable: a change produces a new object. */
export interface DeviceView {
  readonly id: string;
  readonly schema?: DeviceSchema;
  readonly availability: Availability;
  /** A device-level problem (e.g. a $description that is not JSON). */
  readonly error?: string;
  readonly alerts: Readonly<Record<string, string>>;
  readonly values: ReadonlyMap<string, ReportedValue>;
  readonly valueErrors: ReadonlyMap<string, string>;
  /** Latest target the device announced ($target), per property. */
  readonly targets: ReadonlyMap<string, ReportedValue>;
  readonly lastSeenAt: number;
}

/** An adapter event stamped with the time it was received. */
export interface TimedEvent {
  readonly at: number;
  readonly event: AdapterEvent;
}

interface MutableDevice {
  id: string;
  schema?: DeviceSchema;
  availability: Availability;
  error?: string;
  alerts: Record<string, string>;
  values: Map<string, ReportedValue>;
  valueErrors: Map<string, string>;
  targets: Map<string, ReportedValue>;
  lastSeenAt: number;
}

export type DevicesSnapshot = ReadonlyMap<string, DeviceView>;
type Listener = (devices: DevicesSnapshot) => void;

/** Paint-aligned batching where there is a page; a short timer elsewhere (workers, Node). */
function scheduleFrame(fn: () => void): void {
  if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && document.visibilityState === 'visible') {
    requestAnimationFrame(() => fn());
  } else {
    setTimeout(fn, 16);
  }
}

const PERSIST_DELAY_MS = 1000;
const PERSIST_QUIET_MS = 150;
/**
 * Rows per cache transaction. IndexedDB clones every row on the main thread
 * (about 30 µs each in Chromium), so one bulkPut of a flood's 10,000 rows is
 * a 300 ms task; slices of this size stay under ~10 ms each.
 */
const PERSIST_SLICE = 200;

/**
 * The status cache. Reads by the engine see every message at once (the
 * working copy); the UI gets a new immutable snapshot at most once per frame,
 * so a burst of thousands of messages costs one render.
 */
export class StatusStore {
  private readonly working = new Map<string, MutableDevice>();
  private snapshotValue: DevicesSnapshot = new Map();
  private readonly dirty = new Set<string>();
  private frameScheduled = false;
  private readonly listeners = new Set<Listener>();
  private readonly unsavedValues = new Map<string, StatusRow>();
  private readonly unsavedDevices = new Set<string>();
  private persistTimer: ReturnType<typeof setTimeout> | undefined;
  private persistFirstAt = 0;
  /** Cache writes run one at a time, in order: a write in slices must never be overtaken by a later one. */
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: HoldfastDb | undefined,
    private options: { readonly persist: boolean } = { persist: true },
  ) {}

  /** This tab became the leader: from now on it writes the cache to Dexie. */
  enablePersistence(): void {
    this.options = { persist: true };
  }

  /** The whole working state as events, with their original receive times (for a tab that just joined). */
  replay(): TimedEvent[] {
    const out: TimedEvent[] = [];
    for (const d of this.working.values()) {
      const at = d.lastSeenAt;
      if (d.schema) out.push({ at, event: { kind: 'device', device: d.schema } });
      if (d.error) out.push({ at, event: { kind: 'device-error', deviceId: d.id, error: d.error } });
      out.push({ at, event: { kind: 'availability', deviceId: d.id, availability: d.availability } });
      for (const [alertId, message] of Object.entries(d.alerts)) out.push({ at, event: { kind: 'alert', deviceId: d.id, alertId, message } });
      for (const [propertyId, v] of d.values) {
        out.push({ at: v.receivedAt, event: { kind: 'value', deviceId: d.id, propertyId, value: v.value, retained: v.retained } });
      }
      for (const [propertyId, error] of d.valueErrors) out.push({ at, event: { kind: 'value-error', deviceId: d.id, propertyId, error, raw: '' } });
    }
    return out;
  }

  /** Fill the cache from the last session, for an instant offline first paint. */
  async load(): Promise<void> {
    if (!this.db) return;
    const [devices, rows] = await Promise.all([this.db.devices.toArray(), this.db.status.toArray()]);
    for (const row of devices) {
      this.working.set(row.id, {
        id: row.id,
        schema: row.schema,
        availability: row.availability,
        error: row.error,
        alerts: {},
        values: new Map(),
        valueErrors: new Map(),
        targets: new Map(),
        lastSeenAt: row.lastSeenAt,
      });
      this.dirty.add(row.id);
    }
    for (const row of rows) {
      const d = this.device(row.deviceId, row.receivedAt);
      d.values.set(row.propertyId, { value: row.value, receivedAt: row.receivedAt, retained: row.retained });
      this.dirty.add(row.deviceId);
    }
    this.flush();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    listener(this.snapshotValue);
    return () => this.listeners.delete(listener);
  }

  snapshot(): DevicesSnapshot {
    return this.snapshotValue;
  }

  /** The latest reported value, including messages not yet rendered. */
  current(deviceId: string, propertyId: string): ReportedValue | undefined {
    return this.working.get(deviceId)?.values.get(propertyId);
  }

  schema(deviceId: string): DeviceSchema | undefined {
    return this.working.get(deviceId)?.schema;
  }

  availability(deviceId: string): Availability {
    return this.working.get(deviceId)?.availability ?? 'unknown';
  }

  apply(batch: readonly TimedEvent[]): void {
    for (const { at, event } of batch) this.applyOne(at, event);
    if (this.dirty.size > 0 && !this.frameScheduled) {
      this.frameScheduled = true;
      scheduleFrame(() => this.flush());
    }
  }

  private applyOne(at: number, event: AdapterEvent): void {
    if (event.kind === 'device-removed') {
      if (this.working.delete(event.deviceId)) this.dirty.add(event.deviceId);
      if (this.options.persist && this.db) {
        // Unsaved rows of the device must not be written back after it is deleted.
        this.unsavedDevices.delete(event.deviceId);
        for (const [k, row] of this.unsavedValues) if (row.deviceId === event.deviceId) this.unsavedValues.delete(k);
        void this.serially(() =>
          this.db!.transaction('rw', this.db!.devices, this.db!.status, async () => {
            await this.db!.devices.delete(event.deviceId);
            await this.db!.status.where('deviceId').equals(event.deviceId).delete();
          }),
        );
      }
      return;
    }
    const d = this.device(event.kind === 'device' ? event.device.id : event.deviceId, at);
    d.lastSeenAt = at;
    this.dirty.add(d.id);
    switch (event.kind) {
      case 'device':
        d.schema = event.device;
        d.error = undefined;
        this.unsavedDevices.add(d.id);
        break;
      case 'device-error':
        d.error = event.error;
        this.unsavedDevices.add(d.id);
        break;
      case 'availability':
        d.availability = event.availability;
        this.unsavedDevices.add(d.id);
        break;
      case 'alert': {
        const alerts = { ...d.alerts };
        if (event.message) alerts[event.alertId] = event.message;
        else delete alerts[event.alertId];
        d.alerts = alerts;
        break;
      }
      case 'value': {
        const reported: ReportedValue = { value: event.value, receivedAt: at, retained: event.retained };
        d.values.set(event.propertyId, reported);
        d.valueErrors.delete(event.propertyId);
        this.unsavedValues.set(`${d.id}\u0000${event.propertyId}`, { deviceId: d.id, propertyId: event.propertyId, ...reported });
        break;
      }
      case 'target':
        d.targets.set(event.propertyId, { value: event.value, receivedAt: at, retained: true });
        break;
      case 'value-error':
        d.valueErrors.set(event.propertyId, event.error);
        break;
    }
    this.schedulePersist();
  }

  private device(id: string, at: number): MutableDevice {
    let d = this.working.get(id);
    if (!d) {
      d = { id, availability: 'unknown', alerts: {}, values: new Map(), valueErrors: new Map(), targets: new Map(), lastSeenAt: at };
      this.working.set(id, d);
    }
    return d;
  }

  /** Publish a new immutable snapshot containing every change so far. */
  flush(): void {
    this.frameScheduled = false;
    if (this.dirty.size === 0) return;
    const next = new Map(this.snapshotValue);
    for (const id of this.dirty) {
      const d = this.working.get(id);
      if (!d) {
        next.delete(id);
        continue;
      }
      next.set(id, {
        id: d.id,
        schema: d.schema,
        availability: d.availability,
        error: d.error,
        alerts: d.alerts,
        values: new Map(d.values),
        valueErrors: new Map(d.valueErrors),
        targets: new Map(d.targets),
        lastSeenAt: d.lastSeenAt,
      });
    }
    this.dirty.clear();
    this.snapshotValue = next;
    for (const l of this.listeners) l(next);
  }

  /**
   * Write at once; then, while changes keep coming, write when they pause
   * for PERSIST_QUIET_MS, and at least every PERSIST_DELAY_MS. A reload a
   * moment after a burst of status still finds it for the offline start, and
   * a flood never becomes a write per message.
   */
  private schedulePersist(): void {
    if (!this.options.persist || !this.db) return;
    const now = Date.now();
    if (this.persistTimer === undefined) {
      this.persistFirstAt = now;
      queueMicrotask(() => void this.persistNow());
    } else {
      clearTimeout(this.persistTimer);
    }
    const wait = Math.max(0, Math.min(PERSIST_QUIET_MS, this.persistFirstAt + PERSIST_DELAY_MS - now));
    this.persistTimer = setTimeout(() => {
      this.persistTimer = undefined;
      void this.persistNow();
    }, wait);
  }

  /** Write pending cache changes to Dexie (also called on pagehide). */
  persistNow(): Promise<void> {
    if (!this.db || (this.unsavedValues.size === 0 && this.unsavedDevices.size === 0)) return this.writes;
    return this.serially(() => this.writeUnsaved());
  }

  private serially(write: () => Promise<unknown>): Promise<void> {
    const next = this.writes.then(write).then(
      () => undefined,
      // The cache is a convenience for offline start; a full disk must not stop live status.
      (err: unknown) => console.warn('Holdfast: could not save the status cache', err),
    );
    this.writes = next;
    return next;
  }

  /** Takes what is unsaved when it runs (so changes made while earlier writes ran are merged), in slices. */
  private async writeUnsaved(): Promise<void> {
    const db = this.db;
    if (!db || (this.unsavedValues.size === 0 && this.unsavedDevices.size === 0)) return;
    const values = [...this.unsavedValues.values()];
    const devices: DeviceRow[] = [];
    for (const id of this.unsavedDevices) {
      const d = this.working.get(id);
      if (d) devices.push({ id, schema: d.schema, availability: d.availability, error: d.error, lastSeenAt: d.lastSeenAt });
    }
    this.unsavedValues.clear();
    this.unsavedDevices.clear();
    // Each row is a complete last-known value, so a crash between slices leaves a consistent cache.
    for (let i = 0; i === 0 || i < values.length; i += PERSIST_SLICE) {
      await db.transaction('rw', db.status, db.devices, async () => {
        await db.status.bulkPut(values.slice(i, i + PERSIST_SLICE));
        if (i === 0) await db.devices.bulkPut(devices);
      });
    }
  }

  dispose(): void {
    if (this.persistTimer !== undefined) clearTimeout(this.persistTimer);
    this.listeners.clear();
  }
}
