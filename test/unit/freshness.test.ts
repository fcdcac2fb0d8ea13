import { describe, expect, it } from 'vitest';
import { FreshnessTracker, lookupFresh } from '../../src/model/freshness.js';
import type { DeviceSchema, PropertySchema } from '../../src/model/types.js';

const DEV = 'homie5:vp4';
const prop = (id: string, retained = true): PropertySchema => ({
  id,
  name: id,
  datatype: 'integer',
  settable: true,
  retained,
  momentary: !retained,
});
const schema: DeviceSchema = {
  id: DEV,
  name: 'VP4',
  convention: 'homie5',
  properties: [prop('g/h'), prop('g/v'), prop('g/trigger', false)],
};

describe('FreshnessTracker', () => {
  it('waits before SUBACK even if the device is quiet', () => {
    const t = new FreshnessTracker(1500);
    t.startSession(0);
    expect(t.deviceState(DEV, schema, 100_000)).toBe('waiting');
    expect(t.nextCheckAt([DEV], 100_000)).toBeNull();
  });

  it('is fresh once every retained property reported, ignoring momentary ones', () => {
    const t = new FreshnessTracker(1500);
    t.startSession(0);
    t.noteMessage(DEV, 'g/h', 10);
    expect(t.deviceState(DEV, schema, 10)).toBe('waiting');
    t.noteMessage(DEV, 'g/v', 20);
    // Retained messages may arrive before SUBACK: they still count for this session.
    expect(t.deviceState(DEV, schema, 20)).toBe('fresh');
  });

  it('settles after the quiet period measured from SUBACK or the last message, whichever is later', () => {
    const t = new FreshnessTracker(1500);
    t.startSession(0);
    t.markSubscribed(100);
    t.noteMessage(DEV, 'g/h', 50);
    expect(t.deviceState(DEV, schema, 1599)).toBe('waiting');
    expect(t.nextCheckAt([DEV], 1599)).toBe(1600);
    expect(t.deviceState(DEV, schema, 1600)).toBe('settled');
    t.noteMessage(DEV, null, 1700);
    expect(t.deviceState(DEV, schema, 1800)).toBe('waiting');
    expect(t.nextCheckAt([DEV], 1800)).toBe(3200);
    expect(t.deviceState(DEV, schema, 3200)).toBe('settled');
    expect(t.nextCheckAt([DEV], 3200)).toBeNull();
  });

  it('without a schema waits until quiet, then settles', () => {
    const t = new FreshnessTracker(1000);
    t.startSession(0);
    t.markSubscribed(0);
    t.noteMessage('homie5:other', 'a/b', 300);
    expect(t.deviceState('homie5:other', undefined, 1299)).toBe('waiting');
    expect(t.deviceState('homie5:other', undefined, 1300)).toBe('settled');
    expect(t.deviceState('homie5:silent', undefined, 1000)).toBe('settled');
  });

  it('forgets everything when a new session starts', () => {
    const t = new FreshnessTracker();
    t.startSession(0);
    t.markSubscribed(0);
    t.noteMessage(DEV, 'g/h', 1);
    t.noteMessage(DEV, 'g/v', 1);
    expect(t.hasReported(DEV, 'g/h')).toBe(true);
    t.startSession(5000);
    expect(t.hasReported(DEV, 'g/h')).toBe(false);
    expect(t.deviceState(DEV, schema, 100_000)).toBe('waiting');
  });

  it('reports the earliest settle time across devices', () => {
    const t = new FreshnessTracker(1500);
    t.startSession(0);
    t.markSubscribed(0);
    t.noteMessage('a', null, 400);
    t.noteMessage('b', null, 200);
    expect(t.nextCheckAt(['a', 'b', 'c'], 100)).toBe(1500);
    expect(t.nextCheckAt(['a', 'b'], 1500)).toBe(1700);
    expect(t.nextCheckAt([], 0)).toBeNull();
  });
});

describe('lookupFresh', () => {
  it('gives the current value only if it was reported on this connection', () => {
    const t = new FreshnessTracker(1500);
    t.startSession(0);
    // A cached value from a previous connection is not fresh.
    expect(lookupFresh(t, DEV, 'g/h', schema, 22, 10)).toEqual({ status: 'pending' });
    t.noteMessage(DEV, 'g/h', 20);
    expect(lookupFresh(t, DEV, 'g/h', schema, 22, 20)).toEqual({ status: 'fresh', value: 22 });
  });

  it('is unknown for properties the settled device did not report', () => {
    const t = new FreshnessTracker(1500);
    t.startSession(0);
    t.markSubscribed(0);
    t.noteMessage(DEV, 'g/h', 20);
    expect(lookupFresh(t, DEV, 'g/v', schema, 5, 1000)).toEqual({ status: 'pending' });
    expect(lookupFresh(t, DEV, 'g/v', schema, 5, 1520)).toEqual({ status: 'unknown' });
  });

  it('is unknown when the message was heard but held no usable value', () => {
    const t = new FreshnessTracker(1500);
    t.startSession(0);
    t.noteMessage(DEV, 'g/h', 1);
    t.noteMessage(DEV, 'g/v', 1);
    expect(lookupFresh(t, DEV, 'g/h', schema, undefined, 2)).toEqual({ status: 'unknown' });
  });
});
