import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { HoldfastDb, StorageFullError } from '../../src/store/db.js';
import { OutboxStore } from '../../src/store/outbox.js';

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

const reported = { value: 22, receivedAt: 1000, retained: true };

describe('OutboxStore', () => {
  it('commits an edit with its base before resolving', async () => {
    const { db, outbox } = store();
    const r = await outbox.enqueue({ deviceId: 'd', propertyId: 'p', desired: 25, reported }, 5000);
    expect(r.action).toBe('insert');
    const rows = await db.outbox.toArray();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ desired: 25, base: { value: 22, receivedAt: 1000 }, state: 'queued', attempts: 0 });
  });

  it('coalesces an unsent edit, keeping the first base; back to base cancels it', async () => {
    const { db, outbox } = store();
    await outbox.enqueue({ deviceId: 'd', propertyId: 'p', desired: 25, reported });
    // The operator saw their own pending 25, but the base stays what the device showed.
    await outbox.enqueue({ deviceId: 'd', propertyId: 'p', desired: 30, reported });
    let rows = await db.outbox.toArray();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ desired: 30, base: { value: 22 } });
    await outbox.enqueue({ deviceId: 'd', propertyId: 'p', desired: 22, reported });
    rows = await db.outbox.toArray();
    expect(rows[0]?.state).toBe('cancelled');
  });

  it('never merges a new edit into one that was already attempted (recovered after a crash)', async () => {
    const { db, outbox } = store();
    await db.outbox.add({ cmdId: 'x', deviceId: 'd', propertyId: 'p', desired: 11, base: { value: 22, receivedAt: 1 }, state: 'queued', createdAt: 1, updatedAt: 1, attempts: 1 });
    await outbox.enqueue({ deviceId: 'd', propertyId: 'p', desired: -3, reported: { value: 11, receivedAt: 2, retained: true } });
    const rows = await db.outbox.orderBy('seq').toArray();
    expect(rows.map((r) => [r.desired, r.base.value])).toEqual([
      [11, 22],
      [-3, 11],
    ]);
  });

  it('a full disk is a clear StorageFullError and nothing is queued', async () => {
    const { db, outbox } = store();
    const put = db.outbox.put.bind(db.outbox);
    db.outbox.put = (() => Promise.reject(new DOMException("The quota has been exceeded.", "QuotaExceededError"))) as unknown as typeof put;
    const err = await outbox.enqueue({ deviceId: 'd', propertyId: 'p', desired: 25, reported }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageFullError);
    expect((err as Error).message).toMatch(/out of storage space, so the change was not queued/);
    db.outbox.put = put;
    expect(await db.outbox.count()).toBe(0);
  });

  it('transition is a compare-and-set: a stale judgement never overwrites a newer intent', async () => {
    const { db, outbox } = store();
    await outbox.enqueue({ deviceId: 'd', propertyId: 'p', desired: 25, reported });
    const judged = (await db.outbox.toArray())[0]!;
    await outbox.enqueue({ deviceId: 'd', propertyId: 'p', desired: 40, reported });
    const ok = await outbox.transition(judged, { ...judged, state: 'sending', attempts: 1 });
    expect(ok).toBe(false);
    expect((await db.outbox.toArray())[0]).toMatchObject({ desired: 40, state: 'queued' });
  });
});
