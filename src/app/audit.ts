/**
 * The audit, on the page: what only the page knows about an edit (who made
 * it, from which console, and the operator's taps: Send anyway, Re-apply,
 * Undo, Dismiss) merged into the entry's audit record next to what the
 * engine host records; and the Audit panel's queries and exports.
 */
import type { CoalesceResult } from '../model/coalesce.js';
import type { AuditFilter, AuditRecord, AuditStamp, AuditTapKind, AuditUpdate } from '../model/audit.js';
import type { OutboxEntry } from '../model/types.js';
import { AuditStore } from '../store/audit.js';
import type { HoldfastDb } from '../store/db.js';

export interface AuditNames {
  readonly device?: string;
  readonly property?: string;
}

export class AuditService {
  readonly store: AuditStore;

  constructor(
    db: HoldfastDb,
    /** Who is at this console now. */
    private readonly stamp: () => AuditStamp,
    /** Names of a device and setting as this page shows them. */
    private readonly names: (deviceId: string, propertyId: string) => AuditNames,
  ) {
    this.store = new AuditStore(db);
  }

  private update(entry: OutboxEntry, extra: Partial<Omit<AuditUpdate, 'entry'>> = {}): AuditUpdate {
    return { entry, stamp: this.stamp(), names: this.names(entry.deviceId, entry.propertyId), ...extra };
  }

  /** The audit is a record, not control: a failed write is reported, never thrown at the edit. */
  private async write(updates: readonly AuditUpdate[]): Promise<void> {
    try {
      await this.store.apply(updates);
    } catch (err) {
      console.warn('Holdfast: could not write the audit', err);
    }
  }

  /** An edit was written to the outbox (`follows`: it was made by Re-apply or Undo of another entry). */
  edited(result: CoalesceResult, follows?: AuditRecord['follows']): Promise<void> {
    if (result.action === 'noop') return Promise.resolve();
    const updates = [this.update(result.entry, follows ? { follows } : {})];
    if (result.action === 'supersede') updates.push(this.update(result.superseded));
    return this.write(updates);
  }

  /** The operator tapped an action on an entry (`after`: the entry as the action left it). */
  tapped(after: OutboxEntry, kind: AuditTapKind, newCmdId?: string, now = Date.now()): Promise<void> {
    const s = this.stamp();
    return this.write([this.update(after, { tap: { ...s, kind, at: now, ...(newCmdId ? { newCmdId } : {}) } })]);
  }

  subscribe(filter: AuditFilter, limit: number, fn: (rows: readonly AuditRecord[]) => void): () => void {
    return this.store.subscribe(filter, limit, fn);
  }

  operators(): Promise<string[]> {
    return this.store.operators();
  }

  export(filter: AuditFilter, kind: 'csv' | 'json'): Promise<string> {
    return this.store.export(filter, kind);
  }
}
