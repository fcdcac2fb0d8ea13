import { Dexie, type Table } from 'dexie';
import type { Availability, DeviceSchema, OutboxEntry, PropertyValue } from '../model/types.js';

/** Last-known status of one property, persisted for offline start. */
export interface StatusRow {
  readonly deviceId: string;
  readonly propertyId: string;
  readonly value: PropertyValue;
  readonly receivedAt: number;
  readonly retained: boolean;
}

/** Last-known device description and availability, persisted for offline start. */
export interface DeviceRow {
  readonly id: string;
  readonly schema?: DeviceSchema;
  readonly availability: Availability;
  readonly error?: string;
  readonly lastSeenAt: number;
}

/** One MQTT message in or out, for the traffic log (a bounded ring). */
export interface TrafficRow {
  readonly id?: number;
  readonly at: number;
  readonly direction: 'in' | 'out';
  readonly topic: string;
  /** Text, truncated for storage; binary shown as a byte count. */
  readonly payload: string;
  readonly retained: boolean;
  /** The device it concerns, when an adapter recognised it. */
  readonly deviceId?: string;
  /** Why it was sent, or what became of it (e.g. "PUBACK: not authorized"). */
  readonly note?: string;
}

/** One point of a numeric property's history. */
export interface HistoryRow {
  readonly deviceId: string;
  readonly propertyId: string;
  readonly at: number;
  readonly value: number;
}

export interface SettingRow {
  readonly key: string;
  readonly value: unknown;
}

export class HoldfastDb extends Dexie {
  outbox!: Table<OutboxEntry, number>;
  status!: Table<StatusRow, [string, string]>;
  devices!: Table<DeviceRow, string>;
  settings!: Table<SettingRow, string>;
  traffic!: Table<TrafficRow, number>;
  history!: Table<HistoryRow, [string, string, number]>;

  constructor(name = 'holdfast') {
    // 'strict' makes Chromium flush to disk before a write transaction
    // resolves: an edit the UI calls "queued" must survive a power cut.
    super(name, { chromeTransactionDurability: 'strict' });
    this.version(1).stores({
      outbox: '++seq, &cmdId, [deviceId+propertyId], state',
      status: '[deviceId+propertyId], deviceId',
      devices: 'id',
      settings: 'key',
    });
    this.version(2).stores({
      traffic: '++id, at, deviceId',
      history: '[deviceId+propertyId+at], [deviceId+propertyId], at',
    });
  }
}

/** The error the UI shows when IndexedDB refuses a write for lack of space. */
export class StorageFullError extends Error {
  constructor(cause: unknown) {
    super('This device is out of storage space, so the change was not queued. Free some space and try again.', { cause });
    this.name = 'StorageFullError';
  }
}

export function isQuotaError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const name = (e as { name?: unknown }).name;
    if (name === 'QuotaExceededError') return true;
    e = (e as { inner?: unknown; cause?: unknown }).inner ?? (e as { cause?: unknown }).cause;
  }
  return false;
}
