/**
 * The audit table: one record per outbox entry, merged from what the page
 * and the engine host each know (model/audit.ts). Bounded: records older
 * than 30 days go, and at most 50,000 stay, whichever is smaller (pruned when
 * a host starts and every hour while it runs).
 */
import { liveQuery } from 'dexie';
import { AUDIT_MAX_AGE_MS, AUDIT_MAX_ENTRIES, auditCsv, auditCutoff, auditJson, matchesAudit, mergeAudit, type AuditFilter, type AuditRecord, type AuditUpdate } from '../model/audit.js';
import type { HoldfastDb } from './db.js';

export interface AuditLimits {
  readonly maxAgeMs: number;
  readonly maxEntries: number;
}

export const DEFAULT_AUDIT_LIMITS: AuditLimits = { maxAgeMs: AUDIT_MAX_AGE_MS, maxEntries: AUDIT_MAX_ENTRIES };

export class AuditStore {
  constructor(
    private readonly db: HoldfastDb,
    readonly limits: AuditLimits = DEFAULT_AUDIT_LIMITS,
  ) {}

  /** Merge updates into their records in one transaction (read, merge, write: safe against the other writer). */
  async apply(updates: readonly AuditUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    await this.db.transaction('rw', this.db.audit, async () => {
      const ids = [...new Set(updates.map((u) => u.entry.cmdId))];
      const rows = await this.db.audit.bulkGet(ids);
      const merged = new Map<string, AuditRecord>();
      ids.forEach((id, i) => {
        const r = rows[i];
        if (r) merged.set(id, r);
      });
      for (const u of updates) merged.set(u.entry.cmdId, mergeAudit(merged.get(u.entry.cmdId), u));
      await this.db.audit.bulkPut([...merged.values()]);
    });
  }

  get(cmdId: string): Promise<AuditRecord | undefined> {
    return this.db.audit.get(cmdId);
  }

  /** Drop records past the age limit, then the oldest beyond the count limit. Returns how many went. */
  async prune(now = Date.now()): Promise<number> {
    return this.db.transaction('rw', this.db.audit, async () => {
      const old = await this.db.audit.where('updatedAt').below(auditCutoff(now, this.limits.maxAgeMs)).primaryKeys();
      await this.db.audit.bulkDelete(old);
      const count = await this.db.audit.count();
      let extra: string[] = [];
      if (count > this.limits.maxEntries) {
        extra = await this.db.audit.orderBy('updatedAt').limit(count - this.limits.maxEntries).primaryKeys();
        await this.db.audit.bulkDelete(extra);
      }
      return old.length + extra.length;
    });
  }

  /** Newest first (by creation), filtered. */
  async query(filter: AuditFilter, limit = 500): Promise<AuditRecord[]> {
    const match = (r: AuditRecord): boolean => matchesAudit(r, filter);
    if (filter.deviceId !== undefined) {
      const rows = await this.db.audit.where('deviceId').equals(filter.deviceId).filter(match).toArray();
      return rows.sort((a, b) => b.createdAt - a.createdAt).slice(0, limit);
    }
    // Walk the creation index newest first and stop at the limit: the panel, open through a shift, reads (and its
    // live query watches) the rows it shows, not the whole table each time an edit moves on.
    const newest = this.db.audit.where('createdAt').between(filter.from ?? -Infinity, filter.to ?? Infinity, true, true).reverse().filter(match);
    return (Number.isFinite(limit) ? newest.limit(limit) : newest).toArray();
  }

  subscribe(filter: AuditFilter, limit: number, fn: (rows: readonly AuditRecord[]) => void): () => void {
    const sub = liveQuery(() => this.query(filter, limit)).subscribe({ next: fn, error: (err: unknown) => console.warn('Holdfast: audit query failed', err) });
    return () => sub.unsubscribe();
  }

  /** Operators named in the audit (for the filter). */
  async operators(): Promise<string[]> {
    const keys = await this.db.audit.orderBy('operator').uniqueKeys();
    return keys.filter((k): k is string => typeof k === 'string');
  }

  /** Every record matching, oldest first, as the export file's text. */
  async export(filter: AuditFilter, kind: 'csv' | 'json'): Promise<string> {
    const rows = (await this.query(filter, Infinity)).reverse();
    return kind === 'csv' ? auditCsv(rows) : auditJson(rows);
  }
}
