import { liveQuery, type Observable } from 'dexie';
import { coalesce, inFlightOf, mergeable, type CoalesceResult } from '../model/coalesce.js';
import { updateEntry } from '../model/outbox-entry.js';
import { FINISHED_STATES, IN_FLIGHT_STATES, PENDING_STATES, UNSENT_STATES, type BaseValue, type OutboxEntry, type OutboxState, type PropertyValue } from '../model/types.js';
import { StorageFullError, isQuotaError, type HoldfastDb } from './db.js';

/** Finished entries kept for the outbox panel's history; older ones are pruned (the audit keeps the record). */
export const KEEP_FINISHED = 200;
/**
 * What a prune keeps: 80 % of the bound, so the entries finishing until the
 * next prune (a minute later) stay within it (the 60-minute soak found 206).
 */
export const PRUNE_TO = Math.floor(KEEP_FINISHED * 0.8);
const HIDDEN_STATES: readonly OutboxState[] = FINISHED_STATES;

export interface EditRequest {
  readonly deviceId: string;
  readonly propertyId: string;
  readonly desired: PropertyValue;
  /** Exactly what the operator's control rendered (model/coalesce.ts baseFromShown). */
  readonly base: BaseValue;
}

export function newCmdId(): string {
  return crypto.randomUUID();
}

/** What an operator's action on an entry did; 'stale' when it changed meanwhile (another tab, the engine). */
export type EntryActionResult = 'done' | 'stale';

/**
 * The durable outbox. Every write is a Dexie transaction with strict
 * durability, so when a promise here resolves the entry is on disk.
 * Any tab may write; only the leader's engine publishes.
 */
export class OutboxStore {
  constructor(private readonly db: HoldfastDb) {}

  private async write<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction('rw', this.db.outbox, fn);
    } catch (err) {
      if (isQuotaError(err)) throw new StorageFullError(err);
      throw err;
    }
  }

  /**
   * Record an operator's edit, coalescing with an unsent edit of the same
   * property. Resolves only after the transaction committed; throws
   * StorageFullError when the disk is full (the edit is then not queued).
   */
  enqueue(req: EditRequest, now = Date.now()): Promise<CoalesceResult> {
    return this.write(async () => {
      const same = await this.db.outbox.where('[deviceId+propertyId]').equals([req.deviceId, req.propertyId]).toArray();
      const result = coalesce(mergeable(same), { cmdId: newCmdId(), deviceId: req.deviceId, propertyId: req.propertyId, desired: req.desired, base: req.base, now });
      if (result.action === 'noop') return result;
      // The result carries the stored entry's seq, so the caller can follow it (the Undo toast does).
      if (result.action === 'supersede') {
        await this.db.outbox.put(result.superseded);
        return { ...result, entry: { ...result.entry, seq: await this.db.outbox.put(result.entry) } };
      }
      return { ...result, entry: { ...result.entry, seq: await this.db.outbox.put(result.entry) } } as CoalesceResult;
    });
  }

  /** The entry of this property currently in flight, if any (the control shows its desired value). */
  async inFlightFor(deviceId: string, propertyId: string): Promise<OutboxEntry | undefined> {
    return inFlightOf(await this.db.outbox.where('[deviceId+propertyId]').equals([deviceId, propertyId]).toArray());
  }

  /** Apply an operator's change to one entry if it is still in one of `from`; nothing otherwise. */
  private act(seq: number, from: readonly OutboxState[], fn: (e: OutboxEntry) => OutboxEntry): Promise<EntryActionResult> {
    return this.write(async () => {
      const e = await this.db.outbox.get(seq);
      if (!e || !from.includes(e.state)) return 'stale';
      await this.db.outbox.put(fn(e));
      return 'done';
    });
  }

  /**
   * The operator's explicit Send anyway on an unverified entry: recorded with
   * their name, then judged again; sent unless fresh evidence contradicts it.
   */
  sendAnyway(seq: number, operator: string, now = Date.now()): Promise<EntryActionResult> {
    return this.act(seq, ['unverified'], (e) => updateEntry(e, { state: 'queued', sentAnywayBy: operator, updatedAt: now }, ['reason']));
  }

  /** Undo of a pending edit: withdrawn before anything is published. */
  undo(seq: number, now = Date.now()): Promise<EntryActionResult> {
    return this.act(seq, UNSENT_STATES, (e) => updateEntry(e, { state: 'cancelled', reason: { code: 'undone' }, updatedAt: now }));
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

  /**
   * What one planner pass reads, in one query: entries that may still be
   * published or decided by evidence (pending and unverified), and those in
   * flight (which keep their setting busy), in the order the operator made them.
   */
  async open(): Promise<OutboxEntry[]> {
    const rows = await this.db.outbox.where('state').anyOf([...PENDING_STATES, 'unverified', ...IN_FLIGHT_STATES]).toArray();
    return rows.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  }

  /** Operator acknowledged an ended entry: keep it for the record but stop showing it. */
  async dismiss(seq: number, now = Date.now()): Promise<void> {
    await this.write(async () => {
      const e = await this.db.outbox.get(seq);
      if (!e) return;
      // Dismissing an unsent (e.g. unverified or held) edit withdraws it: it must never be sent later.
      const withdrawn = UNSENT_STATES.includes(e.state);
      await this.db.outbox.put(withdrawn ? updateEntry(e, { state: 'cancelled', reason: { code: 'withdrawn' }, dismissed: true, updatedAt: now }) : updateEntry(e, { dismissed: true, updatedAt: now }));
    });
  }

  /** One entry, now and whenever it changes (undefined once it is gone). */
  watch(seq: number, fn: (e: OutboxEntry | undefined) => void): () => void {
    const sub = liveQuery(() => this.db.outbox.get(seq)).subscribe({ next: fn, error: (err: unknown) => console.warn('Holdfast: outbox query failed', err) });
    return () => sub.unsubscribe();
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

  /** Bound the table: keep the newest PRUNE_TO finished entries, dropping the oldest (within KEEP_FINISHED until the next prune). */
  async prune(): Promise<void> {
    const finished = await this.db.outbox.where('state').anyOf([...FINISHED_STATES]).primaryKeys();
    if (finished.length <= PRUNE_TO) return;
    const drop = finished.sort((a, b) => a - b).slice(0, finished.length - PRUNE_TO);
    await this.db.outbox.bulkDelete(drop);
  }

  /** Entries left in flight or asking by a host that stopped: they go back to be judged again. */
  interrupted(): Promise<OutboxEntry[]> {
    return this.db.outbox.where('state').anyOf([...IN_FLIGHT_STATES]).toArray();
  }
}
