import { Dexie, type Table } from 'dexie';
import type { AlarmHistoryRecord } from '../model/alarm-history.js';
import type { AlarmRule, AlarmState } from '../model/alarms.js';
import type { AuditRecord } from '../model/audit.js';
import type { OutboxEntry } from '../model/types.js';
import type { Scene, View } from '../model/workspace.js';
import type { CachedDevice } from '../status/device-states.js';
import type { AlarmAckRow } from './alarms.js';

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
  settings!: Table<SettingRow, string>;
  traffic!: Table<TrafficRow, number>;
  history!: Table<HistoryRow, [string, string, number]>;
  /** Last-known state, one compact record per device (store/status-cache.ts). */
  snapshots!: Table<CachedDevice, string>;
  /** The operator's views and scenes (src/store/workspace.ts). */
  views!: Table<View, string>;
  scenes!: Table<Scene, string>;

  /** Alarm rules (the page writes them), each rule's state (the host), acknowledgements (the page) and history (the host). */
  alarmRules!: Table<AlarmRule, string>;
  alarmStates!: Table<AlarmState, string>;
  alarmAcks!: Table<AlarmAckRow, string>;
  alarmHistory!: Table<AlarmHistoryRecord, number>;
  /** One record per outbox entry's life (store/audit.ts). */
  audit!: Table<AuditRecord, string>;

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
    // Entries gained typed reasons and a rendered base with sessions. Old entries were never judged on a
    // session of ours, so their base counts as seen on an earlier one (renderedIn null): never sent unchecked.
    this.version(3)
      .stores({})
      .upgrade((tx) =>
        tx
          .table('outbox')
          .toCollection()
          .modify((e: Record<string, unknown>) => {
            const base = (e['base'] ?? {}) as Record<string, unknown>;
            e['base'] = { value: base['value'] ?? null, receivedAt: base['receivedAt'] ?? null, session: null, renderedIn: null };
            if (e['state'] === 'reconciling') e['state'] = 'queued';
            if (typeof e['reason'] === 'string') delete e['reason'];
          }),
      );
    // The status cache became one record per device, so a cold start reads two records instead of every value.
    this.version(4).stores({ snapshots: 'id', status: null, devices: null });
    this.version(5).stores({ views: 'id', scenes: 'id, viewId' });
    // Alarms and the audit of edits.
    this.version(6).stores({
      alarmRules: 'id, deviceId',
      alarmStates: 'ruleId',
      alarmAcks: 'alarmId, ruleId',
      alarmHistory: '++id, at, ruleId',
      audit: 'cmdId, createdAt, updatedAt, deviceId, operator',
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
