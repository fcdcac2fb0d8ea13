import { liveQuery, type Observable } from 'dexie';
import { baseForEdit, coalesce, type CoalesceResult } from '../model/coalesce.js';
import {
  IN_FLIGHT_STATES,
  PENDING_STATES,
  type OutboxEntry,
  type OutboxState,
  type PropertyValue,
  type ReportedValue,
} from '../model/types.js';
import { StorageFullError, isQuotaError, type HoldfastDb } from './db.js';

/** Terminal entries kept for the outbox panel's history; older ones are pruned. */
const KEEP_TERMINAL = 200;
const HIDDEN_STATES: readonly OutboxState[] = ['confirmed', 'cancelled'];

export interface EditRequest {
  readonly deviceId: string;
  readonly propertyId: string;
  readonly desired: PropertyValue;
  /** The value the control showed, as last reported by the device. */
  readonly reported: ReportedValue | undefined;
}

export function newCmdId(): string {
  return crypto.randomUUID();
}

/**
 * The durable outbox. Every write is a Dexie transaction with strict
 * durability, so when a promise here resolves the entry is on disk.
 * Any tab may write; only the leader's engine publishes.
 */
export class OutboxStore {
  constructor(private readonly db: HoldfastDb) {}

  /**
   * Record an operator's edit, coalescing with an unsent edit of the same
   * property. Resolves only after the transaction committed; throws
   * StorageFullError when the disk is full (the edit is then not queued).
   */
  async enqueue(req: EditRequest, now = Date.now()): Promise<CoalesceResult> {
    try {
      return await this.db.transaction('rw', this.db.outbox, async () => {
        const same = await this.db.outbox.where('[deviceId+propertyId]').equals([req.deviceId, req.propertyId]).toArray();
        // An entry that was already attempted (recovered after a crash) may have reached the device:
        // a new edit must not rewrite its intent, so it becomes an entry of its own.
        const unsent = same.find((e) => PENDING_STATES.includes(e.state) && e.attempts === 0);
        const inFlight = same.find((e) => IN_FLIGHT_STATES.includes(e.state));
        const result = coalesce(unsent, {
          cmdId: newCmdId(),
          deviceId: req.deviceId,
          propertyId: req.propertyId,
          desired: req.desired,
          base: baseForEdit(req.reported, inFlight),
          now,
        });
        if (result.action !== 'noop') await this.db.outbox.put(result.entry);
        return result;
      });
    } catch (err) {
      if (isQuotaError(err)) throw new StorageFullError(err);
      throw err;
    }
  }

  /**
   * Replace an entry only if it is still the version the caller judged
   * (same state and desired): another tab may have coalesced a new edit
   * into it meanwhile, and that newer intent must win.
   */
  async transition(expected: OutboxEntry, next: OutboxEntry): Promise<boolean> {
    if (expected.seq === undefined) throw new Error('transition needs a stored entry');
    return (await this.transitionMany([[expected, next]]))[0] ?? false;
  }

  /**
   * Many compare-and-set transitions in one transaction (a reconnect judges
   * hundreds of entries at once; one transaction each would take seconds).
   * Returns, per pair, whether it was applied.
   */
  async transitionMany(pairs: readonly (readonly [OutboxEntry, OutboxEntry])[]): Promise<boolean[]> {
    if (pairs.length === 0) return [];
    return this.db.transaction('rw', this.db.outbox, async () => {
      const current = await this.db.outbox.bulkGet(pairs.map(([e]) => e.seq!));
      const ok = pairs.map(([expected], i) => {
        const c = current[i];
        return !!c && c.state === expected.state && c.desired === expected.desired && c.cmdId === expected.cmdId;
      });
      const writes = pairs.filter((_, i) => ok[i]).map(([, next]) => next);
      if (writes.length > 0) await this.db.outbox.bulkPut(writes);
      return ok;
    });
  }

  /**
   * Apply functions to the latest stored versions of entries, in order, in one
   * transaction. A function returning its input changes nothing. Returns the
   * new versions (null where nothing changed or the entry is gone).
   */
  async applyMany(ops: readonly { readonly seq: number; readonly cmdId: string; readonly fn: (latest: OutboxEntry) => OutboxEntry }[]): Promise<(OutboxEntry | null)[]> {
    if (ops.length === 0) return [];
    return this.db.transaction('rw', this.db.outbox, async () => {
      const latest = new Map<number, OutboxEntry | undefined>();
      const seqs = [...new Set(ops.map((o) => o.seq))];
      const rows = await this.db.outbox.bulkGet(seqs);
      seqs.forEach((seq, i) => latest.set(seq, rows[i]));
      const results = ops.map((op) => {
        const cur = latest.get(op.seq);
        if (!cur || cur.cmdId !== op.cmdId) return null;
        const next = op.fn(cur);
        if (next === cur) return null;
        latest.set(op.seq, next);
        return next;
      });
      const changed = new Map<number, OutboxEntry>();
      for (const r of results) if (r?.seq !== undefined) changed.set(r.seq, r);
      if (changed.size > 0) await this.db.outbox.bulkPut([...changed.values()]);
      return results;
    });
  }

  get(seq: number): Promise<OutboxEntry | undefined> {
    return this.db.outbox.get(seq);
  }

  /** Entries that may still be published, in the order the operator made them. */
  async pending(): Promise<OutboxEntry[]> {
    const rows = await this.db.outbox.where('state').anyOf([...PENDING_STATES]).toArray();
    return rows.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  }

  inFlight(): Promise<OutboxEntry[]> {
    return this.db.outbox.where('state').anyOf([...IN_FLIGHT_STATES]).toArray();
  }

  /** Operator acknowledged an ended entry: keep it for the record but stop showing it. */
  async dismiss(seq: number, now = Date.now()): Promise<void> {
    await this.db.transaction('rw', this.db.outbox, async () => {
      const e = await this.db.outbox.get(seq);
      if (!e) return;
      // Dismissing a held (unverified) edit withdraws it: it must never be sent later.
      const state: OutboxState = PENDING_STATES.includes(e.state) ? 'cancelled' : e.state;
      await this.db.outbox.put({ ...e, state, dismissed: true, updatedAt: now, reason: state === 'cancelled' ? 'withdrawn by the operator' : e.reason });
    });
  }

  /** Everything the operator should see: not dismissed and not quietly finished. */
  visible(): Observable<OutboxEntry[]> {
    return liveQuery(async () => {
      const rows = await this.db.outbox.where('state').noneOf([...HIDDEN_STATES]).toArray();
      return rows.filter((e) => !e.dismissed).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    });
  }

  /** Fires whenever the set of publishable entries changes, in any tab. */
  pendingSignal(): Observable<OutboxEntry[]> {
    return liveQuery(() => this.db.outbox.where('state').anyOf([...PENDING_STATES]).toArray());
  }

  /** Bound the table: drop the oldest terminal entries beyond KEEP_TERMINAL. */
  async prune(): Promise<void> {
    const terminal = await this.db.outbox.where('state').anyOf(['confirmed', 'cancelled']).primaryKeys();
    if (terminal.length <= KEEP_TERMINAL) return;
    const drop = terminal.sort((a, b) => a - b).slice(0, terminal.length - KEEP_TERMINAL);
    await this.db.outbox.bulkDelete(drop);
  }
}
