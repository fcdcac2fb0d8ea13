import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { HoldfastDb, StorageFullError } from '../../src/store/db.js';
import { KEEP_FINISHED, OutboxStore, PRUNE_TO } from '../../src/store/outbox.js';
import { base, entry } from '../support/model-fixtures.js';

let n = 0;
const dbs: HoldfastDb[] = [];
function store(): { db: HoldfastDb; outbox: OutboxStore } {
  const db = new HoldfastDb(`outbox-unit-${++n}`);
  dbs.push(db);
  return { db, outbox: new OutboxStore(db) };
}
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

const seen = base(22, 's1');

describe('OutboxStore', () => {
  it('commits an edit with exactly the base the control rendered before resolving', async () => {
    const { db, outbox } = store();
    const r = await outbox.enqueue({ deviceId: 'd', propertyId: 'p', desired: 25, base: seen }, 5000);
    expect(r.action).toBe('insert');
    expect(r.action !== 'noop' && r.entry.seq).toBeGreaterThan(0);
    const rows = await db.outbox.toArray();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ desired: 25, base: seen, state: 'queued', attempts: 0 });
  });

  it('coalesces an unsent edit, keeping the first base; back to base cancels it', async () => {
    const { db, outbox } = store();
    await outbox.enqueue({ deviceId: 'd', propertyId: 'p', desired: 25, base: seen });
    // The operator saw their own pending 25, but the base stays what the device showed.
    await outbox.enqueue({ deviceId: 'd', propertyId: 'p', desired: 30, base: base(25, 's1') });
    let rows = await db.outbox.toArray();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ desired: 30, base: seen });
    await outbox.enqueue({ deviceId: 'd', propertyId: 'p', desired: 22, base: base(30, 's1') });
    rows = await db.outbox.toArray();
    expect(rows[0]).toMatchObject({ state: 'cancelled', reason: { code: 'changed-back' } });
  });

  it('a new edit supersedes an unverified one: the operator looked again', async () => {
    const { db, outbox } = store();
    await db.outbox.add(entry({ seq: undefined, cmdId: 'old', deviceId: 'd', propertyId: 'p', desired: 5, state: 'unverified', base: base(0, null) }));
    await outbox.enqueue({ deviceId: 'd', propertyId: 'p', desired: 6, base: base(1, 's2') });
    const rows = await db.outbox.orderBy('seq').toArray();
    expect(rows.map((r) => [r.cmdId === 'old', r.state, r.desired, r.base.value])).toEqual([
      [true, 'cancelled', 5, 0],
      [false, 'queued', 6, 1],
    ]);
  });

  it('never merges a new edit into one that was already attempted (recovered after a crash)', async () => {
    const { db, outbox } = store();
    await db.outbox.add(entry({ seq: undefined, cmdId: 'x', deviceId: 'd', propertyId: 'p', desired: 11, attempts: 1 }));
    await outbox.enqueue({ deviceId: 'd', propertyId: 'p', desired: -3, base: base(11, 's1') });
    const rows = await db.outbox.orderBy('seq').toArray();
    expect(rows.map((r) => [r.desired, r.base.value])).toEqual([
      [11, 22],
      [-3, 11],
    ]);
  });

  it('Send anyway is recorded with the operator and only taken from an unverified entry', async () => {
    const { db, outbox } = store();
    const seq = await db.outbox.add(entry({ seq: undefined, state: 'unverified', reason: { code: 'cannot-check', retained: false } }));
    expect(await outbox.sendAnyway(seq, 'Dana')).toBe('done');
    expect(await db.outbox.get(seq)).toMatchObject({ state: 'queued', sentAnywayBy: 'Dana' });
    expect((await db.outbox.get(seq))!.reason).toBeUndefined();
    expect(await outbox.sendAnyway(seq, 'Dana')).toBe('stale');
  });

  it('Undo withdraws a pending edit, and does nothing to one in flight', async () => {
    const { db, outbox } = store();
    const pending = await db.outbox.add(entry({ seq: undefined, cmdId: 'a' }));
    const flying = await db.outbox.add(entry({ seq: undefined, cmdId: 'b', state: 'sending', attempts: 1 }));
    expect(await outbox.undo(pending)).toBe('done');
    expect(await outbox.undo(flying)).toBe('stale');
    expect((await db.outbox.get(pending))!).toMatchObject({ state: 'cancelled', reason: { code: 'undone' } });
    expect((await db.outbox.get(flying))!.state).toBe('sending');
  });

  it('dismissing an unsent edit withdraws it for good', async () => {
    const { db, outbox } = store();
    const seq = await db.outbox.add(entry({ seq: undefined, state: 'held', reason: { code: 'device-away', availability: 'lost' } }));
    await outbox.dismiss(seq);
    expect(await db.outbox.get(seq)).toMatchObject({ state: 'cancelled', dismissed: true, reason: { code: 'withdrawn' } });
    expect(await outbox.pending()).toHaveLength(0);
  });

  it('a full disk is a clear StorageFullError and nothing is queued', async () => {
    const { db, outbox } = store();
    const put = db.outbox.put.bind(db.outbox);
    db.outbox.put = (() => Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError'))) as unknown as typeof put;
    const err = await outbox.enqueue({ deviceId: 'd', propertyId: 'p', desired: 25, base: seen }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageFullError);
    expect((err as Error).message).toMatch(/out of storage space, so the change was not queued/);
    db.outbox.put = put;
    expect(await db.outbox.count()).toBe(0);
  });

  it('transition is a compare-and-set: a stale judgement never overwrites a newer intent', async () => {
    const { db, outbox } = store();
    await outbox.enqueue({ deviceId: 'd', propertyId: 'p', desired: 25, base: seen });
    const judged = (await db.outbox.toArray())[0]!;
    await outbox.enqueue({ deviceId: 'd', propertyId: 'p', desired: 40, base: base(25, 's1') });
    const ok = await outbox.transition(judged, { ...judged, state: 'sending', attempts: 1 });
    expect(ok).toBe(false);
    expect((await db.outbox.toArray())[0]).toMatchObject({ desired: 40, state: 'queued' });
  });

  it('upgrades entries written before typed reasons and sessions: their base counts as from an earlier session', async () => {
    const name = `outbox-upgrade-${++n}`;
    const { Dexie } = await import('dexie');
    const old = new Dexie(name);
    old.version(2).stores({ outbox: '++seq, &cmdId, [deviceId+propertyId], state', status: '[deviceId+propertyId], deviceId', devices: 'id', settings: 'key', traffic: '++id, at, deviceId', history: '[deviceId+propertyId+at], [deviceId+propertyId], at' });
    await old.table('outbox').add({ cmdId: 'u', deviceId: 'd', propertyId: 'p', desired: 1, base: { value: 0, receivedAt: 5 }, state: 'reconciling', reason: 'words', createdAt: 1, updatedAt: 1, attempts: 0 });
    old.close();
    const db = new HoldfastDb(name);
    dbs.push(db);
    const [e] = await db.outbox.toArray();
    expect(e).toMatchObject({ state: 'queued', base: { value: 0, receivedAt: 5, session: null, renderedIn: null } });
    expect(e!.reason).toBeUndefined();
  });

  it('prunes the oldest finished entries down to 80 % of the bound, and never one that is pending or needs the operator', async () => {
    const { db, outbox } = store();
    const over = 25;
    const rows = [
      ...Array.from({ length: KEEP_FINISHED + over }, (_, i) => entry({ seq: i + 1, cmdId: `f${i}`, state: i % 2 === 0 ? 'confirmed' : 'cancelled' })),
      entry({ seq: 10_001, cmdId: 'q', state: 'queued' }),
      entry({ seq: 10_002, cmdId: 'x', state: 'discarded' }),
    ];
    await db.outbox.bulkPut(rows);
    await outbox.prune();
    const left = await db.outbox.toArray();
    // Headroom for the entries that finish before the next prune, a minute later.
    const dropped = KEEP_FINISHED + over - PRUNE_TO;
    expect(left).toHaveLength(PRUNE_TO + 2);
    expect(left.map((e) => e.cmdId)).toEqual(expect.arrayContaining(['q', 'x', `f${dropped}`, `f${KEEP_FINISHED + over - 1}`]));
    expect(left.some((e) => e.cmdId === `f${dropped - 1}`)).toBe(false);
  });
});
