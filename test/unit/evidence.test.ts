import { describe, expect, it } from 'vitest';
import { SessionEvidence } from '../../src/model/evidence.js';
import type { DeviceSchema } from '../../src/model/types.js';
import { DEVICE_ID, property } from '../support/model-fixtures.js';

const schema: DeviceSchema = {
  id: DEVICE_ID,
  name: 'VP4',
  convention: 'homie5',
  properties: [property({ id: 'a', retained: true }), property({ id: 'b', retained: true }), property({ id: 'live', retained: false }), property({ id: 'go', momentary: true, retained: false }), property({ id: 'opt', reports: false })],
};

describe('SessionEvidence', () => {
  it('waits until subscribed, is complete once every retained property reported, else settles after the quiet period', () => {
    const e = new SessionEvidence('s1', 1000, 500);
    expect(e.replay(DEVICE_ID, schema, false, 1000)).toBe('waiting');
    e.markAllSubscribed(1100);
    e.noteMessage(DEVICE_ID, 'a', 1150);
    expect(e.replay(DEVICE_ID, schema, false, 1200)).toBe('waiting');
    expect(e.replay(DEVICE_ID, schema, false, 1649)).toBe('waiting');
    expect(e.replay(DEVICE_ID, schema, false, 1650)).toBe('settled');
    e.noteMessage(DEVICE_ID, 'b', 1700);
    expect(e.replay(DEVICE_ID, schema, false, 1700)).toBe('complete');
  });

  it("judges a device with its own subscriptions from that device's SUBACK", () => {
    const e = new SessionEvidence('s1', 0, 500);
    e.markAllSubscribed(10);
    expect(e.replay(DEVICE_ID, schema, true, 5000)).toBe('waiting');
    e.markDeviceSubscribed(DEVICE_ID, 6000);
    expect(e.replay(DEVICE_ID, schema, true, 6400)).toBe('waiting');
    expect(e.nextSettleAt([{ id: DEVICE_ID, deviceSubscriptions: true }], 6400)).toBe(6500);
    expect(e.replay(DEVICE_ID, schema, true, 6500)).toBe('settled');
    e.forgetDeviceSubscription(DEVICE_ID);
    expect(e.replay(DEVICE_ID, schema, true, 9000)).toBe('waiting');
  });

  it('does not settle while the broker is still replaying retained messages of other topics (a backlog)', () => {
    const e = new SessionEvidence('s1', 0, 500);
    e.markDeviceSubscribed(DEVICE_ID, 1000);
    // The console is draining a backlog: retained messages of other devices keep coming, none of this one yet.
    for (let t = 1000; t <= 4000; t += 200) e.noteReplay(t);
    expect(e.replay(DEVICE_ID, schema, true, 4400)).toBe('waiting');
    expect(e.nextSettleAt([{ id: DEVICE_ID, deviceSubscriptions: true }], 4400)).toBe(4500);
    // Its own retained values arrive at last, behind the others: complete, not wrongly "settled" before them.
    e.noteReplay(4450);
    e.noteMessage(DEVICE_ID, 'a', 4450);
    e.noteMessage(DEVICE_ID, 'b', 4450);
    expect(e.replay(DEVICE_ID, schema, true, 4460)).toBe('complete');
  });

  it('counts what reported on this session, and how many retained ones are missing', () => {
    const e = new SessionEvidence('s1', 0, 500);
    e.noteMessage(DEVICE_ID, 'a', 1);
    e.noteMessage(DEVICE_ID, 'live', 2);
    e.noteMessage(DEVICE_ID, null, 3);
    expect(e.completeness(DEVICE_ID, schema)).toEqual({ reported: 2, expected: 3, missingRetained: 1 });
    expect(e.hasReported(DEVICE_ID, 'a')).toBe(true);
    expect(e.hasReported(DEVICE_ID, 'b')).toBe(false);
  });
});
