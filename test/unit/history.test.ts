import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HoldfastDb } from '../../src/store/db.js';
import { EMPTY_SERIES, HISTORY_LIMIT, HistoryStore, SPARKLINE_LIMIT, type Series } from '../../src/store/history.js';
import { HistoryWriter } from '../../src/store/history-writer.js';

let n = 0;
const dbs: HoldfastDb[] = [];
function freshDb(): HoldfastDb {
  const db = new HoldfastDb(`history-unit-${++n}`);
  dbs.push(db);
  return db;
}
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.delete();
});

describe('HistoryWriter (the engine host)', () => {
  it('writes the newest point per property per flush, and keeps the table within its bound, oldest first out', async () => {
    const db = freshDb();
    const w = new HistoryWriter(db, 50);
    for (let i = 0; i < 10; i++) w.add('d', 'p', 1000 + i, i);
    await w.flush();
    expect(await db.history.toArray()).toEqual([{ deviceId: 'd', propertyId: 'p', at: 1009, value: 9 }]);
    for (let i = 0; i < 80; i++) w.add('d', `q${i}`, 2000 + i, i);
    await w.flush();
    await w.trim();
    const rows = await db.history.orderBy('at').toArray();
    // Past the bound of 50, down to 80 % of it: headroom for the writes until the next trim.
    expect(rows).toHaveLength(40);
    // The oldest (the first flush's point, then q0..q39) went first.
    expect(rows[0]).toMatchObject({ propertyId: 'q40', at: 2040 });
    w.dispose();
  });

  it('ignores values that are not finite numbers and writes nothing after dispose', async () => {
    const db = freshDb();
    const w = new HistoryWriter(db);
    w.add('d', 'p', 1, Number.NaN);
    w.dispose();
    w.add('d', 'p', 2, 5);
    await w.flush();
    expect(await db.history.count()).toBe(0);
  });
});

describe('HistoryStore (a tab)', () => {
  it('holds a series only while something subscribes to it, and reads its stored points first', async () => {
    const db = freshDb();
    await db.history.bulkPut(Array.from({ length: HISTORY_LIMIT + 20 }, (_, i) => ({ deviceId: 'd', propertyId: 'p', at: 1000 * i, value: i })));
    const h = new HistoryStore(db);
    // Values for properties nobody shows a trend of are not kept.
    h.add('d', 'other', 5, 1);
    expect(h.heldSeries).toBe(0);
    const seen: Series[] = [];
    const stop = h.subscribe('d', 'p', (s) => seen.push(s));
    expect(h.heldSeries).toBe(1);
    const live = 1000 * (HISTORY_LIMIT + 30);
    h.add('d', 'p', live, 999);
    await vi.waitFor(() => expect(seen.at(-1)!.at.length).toBe(HISTORY_LIMIT));
    const last = seen.at(-1)!;
    // Stored points before the live one, the newest HISTORY_LIMIT in all.
    expect([last.at.at(-1), last.value.at(-1)]).toEqual([live, 999]);
    expect([last.at.at(-2), last.value.at(-2)]).toEqual([1000 * (HISTORY_LIMIT + 19), HISTORY_LIMIT + 19]);
    expect(last.value[0]).toBe(21);
    expect(last.value).toHaveLength(HISTORY_LIMIT);
    // Each change is a new series: one a holder kept is never changed under it.
    h.add('d', 'p', live + 1000, 1000);
    expect(seen.at(-1)!.value.at(-1)).toBe(1000);
    expect([last.at.at(-1), last.value.at(-1), last.value[0]]).toEqual([live, 999, 21]);
    stop();
    expect(h.heldSeries).toBe(0);
    h.dispose();
  });

  it('holds as many points as its largest subscriber shows: a sparkline alone holds its few, a chart beside it the full series', async () => {
    const db = freshDb();
    await db.history.bulkPut(Array.from({ length: HISTORY_LIMIT + 20 }, (_, i) => ({ deviceId: 'd', propertyId: 'p', at: 1000 * i, value: i })));
    const h = new HistoryStore(db);
    let spark: Series = EMPTY_SERIES;
    let chart: Series = EMPTY_SERIES;
    const stopSpark = h.subscribe('d', 'p', (s) => (spark = s), SPARKLINE_LIMIT);
    await vi.waitFor(() => expect(spark.at.length).toBe(SPARKLINE_LIMIT));
    expect(spark.value.at(-1)).toBe(HISTORY_LIMIT + 19);
    const stopChart = h.subscribe('d', 'p', (s) => (chart = s));
    // The chart reads the older points it needs; the newest ones are the same for both.
    await vi.waitFor(() => expect(chart.at.length).toBe(HISTORY_LIMIT));
    expect(chart.value[0]).toBe(20);
    h.add('d', 'p', 1000 * (HISTORY_LIMIT + 40), -1);
    expect(chart.at.length).toBe(HISTORY_LIMIT);
    stopChart();
    h.add('d', 'p', 1000 * (HISTORY_LIMIT + 41), -2);
    // The chart left: the series is trimmed back to what the sparkline shows.
    expect(spark.at.length).toBe(SPARKLINE_LIMIT);
    expect(spark.value).toHaveLength(SPARKLINE_LIMIT);
    expect(spark.value.slice(-2)).toEqual([-1, -2]);
    stopSpark();
    h.dispose();
  });

  it('merges points closer than half a second into the newest value', () => {
    const h = new HistoryStore(freshDb());
    let s: Series = EMPTY_SERIES;
    const stop = h.subscribe('d', 'p', (x) => (s = x));
    h.add('d', 'p', 10_000, 1);
    h.add('d', 'p', 10_100, 2);
    h.add('d', 'p', 10_700, 3);
    expect(s).toEqual({ at: [10_000, 10_700], value: [2, 3] });
    stop();
  });
});
