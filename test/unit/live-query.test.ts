/**
 * Dexie's liveQuery, as patched in patches/dexie+4.4.7.patch. Unpatched, a
 * live query kept every mutation of the whole database that did not concern
 * it until it next re-ran: a query that seldom re-runs (an outbox entry that
 * ended, the saved views) grew with every write of a shift (the soak found it
 * in the page's heap: Dexie range-set nodes and their keys).
 */
import 'fake-indexeddb/auto';
import Dexie, { liveQuery, RangeSet } from 'dexie';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

class TwoTables extends Dexie {
  declare readonly a: Dexie.Table<{ id: number; v: number }, number>;
  declare readonly b: Dexie.Table<{ id: number; v: number }, number>;
  constructor(name: string) {
    super(name);
    this.version(1).stores({ a: 'id', b: 'id' });
  }
}

let n = 0;
const open: { db: Dexie; unsubscribe: () => void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) {
    o.unsubscribe();
    o.db.close();
  }
});

/** A live query of row a/1, counting how often its querier ran. */
async function watchRow(): Promise<{ db: TwoTables; seen: number[]; runs: () => number }> {
  const db = new TwoTables(`live-query-${++n}`);
  await db.a.put({ id: 1, v: 1 });
  const seen: number[] = [];
  let runs = 0;
  const sub = liveQuery(() => {
    runs++;
    return db.a.get(1);
  }).subscribe((row) => seen.push(row?.v ?? NaN));
  open.push({ db, unsubscribe: () => sub.unsubscribe() });
  await waitFor('the first result', () => seen.length === 1);
  return { db, seen, runs: () => runs };
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('liveQuery (patched)', () => {
  it('keeps nothing of a write it did not read', async () => {
    const { db } = await watchRow();
    // A write elsewhere in the database, as another tab or the worker announces it. Its key is an object, which
    // Dexie's range sets hold by reference: if the query kept the mutation, the key would stay reachable.
    let key: number[] | null = [7, 7];
    const ref = new WeakRef(key);
    Dexie.on.storagemutated.fire({ [`idb://${db.name}/b/`]: new RangeSet(key, key) });
    key = null;
    await tick();
    gc();
    expect(ref.deref()).toBeUndefined();
  });

  it('still re-runs on a write it read, after many it did not, and only then', async () => {
    const { db, seen, runs } = await watchRow();
    for (let i = 0; i < 200; i++) await db.b.put({ id: i, v: i });
    await db.a.put({ id: 2, v: 2 });
    await tick();
    expect(runs()).toBe(1);
    await db.a.put({ id: 1, v: 5 });
    await waitFor('the new value', () => seen.at(-1) === 5);
    expect(runs()).toBe(2);
  });
});
