import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { HoldfastDb } from '../../src/store/db.js';
import { TrafficStore } from '../../src/store/traffic.js';

let n = 0;
const dbs: HoldfastDb[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

async function logOf(rows: readonly { deviceId: string; topic: string }[]): Promise<TrafficStore> {
  const db = new HoldfastDb(`traffic-unit-${++n}`);
  dbs.push(db);
  const log = new TrafficStore(db);
  rows.forEach((r, i) => log.record({ at: 1000 + i, direction: 'in', topic: r.topic, payload: String(i), retained: false, deviceId: r.deviceId }));
  await log.flush();
  return log;
}

describe('TrafficStore.query', () => {
  it('returns the newest rows first, by device and topic text, up to the limit', async () => {
    const log = await logOf([
      { deviceId: 'vp4', topic: 'homie/5/vp4/genlock/phase-h' },
      { deviceId: 'fan', topic: 'homeassistant/fan/state' },
      { deviceId: 'vp4', topic: 'homie/5/vp4/genlock/phase-v' },
      { deviceId: 'vp4', topic: 'homie/5/vp4/genlock/phase-h' },
    ]);
    expect((await log.query({})).map((r) => r.payload)).toEqual(['3', '2', '1', '0']);
    expect((await log.query({}, 2)).map((r) => r.payload)).toEqual(['3', '2']);
    expect((await log.query({ deviceId: 'vp4' }, 2)).map((r) => r.payload)).toEqual(['3', '2']);
    expect((await log.query({ deviceId: 'vp4', topic: ' PHASE-H ' })).map((r) => r.payload)).toEqual(['3', '0']);
    expect((await log.query({ topic: 'fan' }, 5)).map((r) => r.payload)).toEqual(['1']);
  });
});
