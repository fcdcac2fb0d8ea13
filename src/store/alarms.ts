/**
 * Alarm storage. The page writes rules and acknowledgements (then tells the
 * host `alarms-changed`); the engine host writes each rule's state and the
 * history. Every tab and the host share these tables.
 */
import { liveQuery } from 'dexie';
import { ALARM_HISTORY_LIMIT, alarmHistoryCsv, alarmHistoryJson, type AlarmHistoryRecord } from '../model/alarm-history.js';
import type { AlarmRule, AlarmState } from '../model/alarms.js';
import { StorageFullError, isQuotaError, type HoldfastDb } from './db.js';

/** An operator's acknowledgement of one raise, written by the page before the host is told. */
export interface AlarmAckRow {
  readonly alarmId: string;
  readonly ruleId: string;
  readonly by: string;
  readonly at: number;
  /** The profile's client-ID prefix and the tab's id, as the audit records them. */
  readonly console: string;
  readonly tab: string;
}

export class AlarmStore {
  constructor(
    private readonly db: HoldfastDb,
    private readonly historyLimit = ALARM_HISTORY_LIMIT,
  ) {}

  // ---- rules (page writes, host reads) ----

  async rules(): Promise<AlarmRule[]> {
    return this.db.alarmRules.toArray();
  }

  /** The rules, now and whenever any tab changes them. */
  watchRules(fn: (rules: readonly AlarmRule[]) => void): () => void {
    const sub = liveQuery(() => this.db.alarmRules.toArray()).subscribe({ next: fn, error: (err: unknown) => console.warn('Holdfast: alarm rules query failed', err) });
    return () => sub.unsubscribe();
  }

  private async write<T>(fn: () => Promise<T>, ...tables: Parameters<HoldfastDb['table']>[0][]): Promise<T> {
    try {
      return await this.db.transaction('rw', tables, fn);
    } catch (err) {
      if (isQuotaError(err)) throw new StorageFullError(err);
      throw err;
    }
  }

  putRule(rule: AlarmRule): Promise<void> {
    return this.write(async () => void (await this.db.alarmRules.put(rule)), 'alarmRules');
  }

  deleteRule(id: string): Promise<void> {
    return this.write(() => this.db.alarmRules.delete(id), 'alarmRules');
  }

  /** Replace every rule (a configuration file's import). */
  replaceRules(rules: readonly AlarmRule[]): Promise<void> {
    return this.write(async () => {
      await this.db.alarmRules.clear();
      await this.db.alarmRules.bulkPut([...rules]);
    }, 'alarmRules');
  }

  // ---- acknowledgements (page writes, host applies) ----

  addAck(ack: AlarmAckRow): Promise<void> {
    return this.write(async () => void (await this.db.alarmAcks.put(ack)), 'alarmAcks');
  }

  acks(): Promise<AlarmAckRow[]> {
    return this.db.alarmAcks.toArray();
  }

  async deleteAcks(alarmIds: readonly string[]): Promise<void> {
    if (alarmIds.length > 0) await this.db.alarmAcks.bulkDelete([...alarmIds]);
  }

  // ---- states (host writes and reads back after a restart) ----

  states(): Promise<AlarmState[]> {
    return this.db.alarmStates.toArray();
  }

  async saveStates(put: readonly AlarmState[], remove: readonly string[]): Promise<void> {
    if (put.length === 0 && remove.length === 0) return;
    await this.db.transaction('rw', this.db.alarmStates, async () => {
      if (remove.length > 0) await this.db.alarmStates.bulkDelete([...remove]);
      if (put.length > 0) await this.db.alarmStates.bulkPut([...put]);
    });
  }

  // ---- history (host writes, pages read and export) ----

  /** Append, then trim to the limit (oldest first out). */
  async addHistory(rows: readonly AlarmHistoryRecord[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction('rw', this.db.alarmHistory, async () => {
      await this.db.alarmHistory.bulkAdd(rows.map(({ id: _id, ...r }) => r));
      const count = await this.db.alarmHistory.count();
      if (count > this.historyLimit) {
        const old = await this.db.alarmHistory.orderBy('id').limit(count - this.historyLimit).primaryKeys();
        await this.db.alarmHistory.bulkDelete(old);
      }
    });
  }

  /** Newest first. */
  async history(limit = 500): Promise<AlarmHistoryRecord[]> {
    return this.db.alarmHistory.orderBy('id').reverse().limit(limit).toArray();
  }

  watchHistory(limit: number, fn: (rows: readonly AlarmHistoryRecord[]) => void): () => void {
    const sub = liveQuery(() => this.history(limit)).subscribe({ next: fn, error: (err: unknown) => console.warn('Holdfast: alarm history query failed', err) });
    return () => sub.unsubscribe();
  }

  /** Every kept record, oldest first, as the export file's text. */
  async exportHistory(kind: 'csv' | 'json'): Promise<string> {
    const rows = await this.db.alarmHistory.orderBy('id').toArray();
    return kind === 'csv' ? alarmHistoryCsv(rows) : alarmHistoryJson(rows);
  }
}
