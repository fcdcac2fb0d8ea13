import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { HoldfastDb } from '../../src/store/db.js';
import { StatusStore, type TimedEvent } from '../../src/store/status.js';

let n = 0;
const dbs: HoldfastDb[] = [];
function open(): HoldfastDb {
  const db = new HoldfastDb(`status-unit-${++n}`);
  dbs.push(db);
  return db;
}
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

const value = (deviceId: string, propertyId: string, v: number, at = 1000): TimedEvent => ({
  at,
  event: { kind: 'value', deviceId, propertyId, value: v, retained: true },
});

describe('StatusStore cache persistence', () => {
  it('writes a flood larger than one slice completely, and a later write wins over an earlier one', async () => {
    const db = open();
    const status = new StatusStore(db);
    const flood: TimedEvent[] = [];
    for (let i = 0; i < 1000; i++) flood.push(value(`d${i % 10}`, `p${i}`, 1));
    status.apply(flood);
    const first = status.persistNow();
    // Changed while the first write is still going: must end up on disk, not be overwritten by it.
    status.apply([value('d0', 'p0', 2, 2000)]);
    const second = status.persistNow();
    await Promise.all([first, second]);
    expect(await db.status.count()).toBe(1000);
    expect((await db.status.get(['d0', 'p0']))?.value).toBe(2);

    const reloaded = new StatusStore(db);
    await reloaded.load();
    expect(reloaded.current('d0', 'p0')?.value).toBe(2);
    expect(reloaded.current('d9', 'p999')?.value).toBe(1);
  });

  it('does not write back a removed device', async () => {
    const db = open();
    const status = new StatusStore(db);
    status.apply([value('gone', 'p', 1)]);
    await status.persistNow();
    status.apply([value('gone', 'p', 2), { at: 3000, event: { kind: 'device-removed', deviceId: 'gone' } }]);
    await status.persistNow();
    expect(await db.status.where('deviceId').equals('gone').count()).toBe(0);
  });
});
