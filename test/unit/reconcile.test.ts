import { describe, expect, it } from 'vitest';
import {
  applyDecision,
  decide,
  onEcho,
  onEchoDeadline,
  onPuback,
  reasonCodeText,
  recoverAfterCrash,
} from '../../src/model/reconcile.js';
import type { Decision } from '../../src/model/reconcile.js';
import type { OutboxEntry, OutboxState } from '../../src/model/types.js';

const retained = { momentary: false };
const TOPIC = 'homie/5/vp4/genlock/phase-h/set';

function entry(over: Partial<OutboxEntry> = {}): OutboxEntry {
  return {
    seq: 1,
    cmdId: 'c1',
    deviceId: 'homie5:vp4',
    propertyId: 'genlock/phase-h',
    desired: 30,
    base: { value: 22, receivedAt: 1000 },
    state: 'queued',
    createdAt: 2000,
    updatedAt: 2000,
    attempts: 0,
    ...over,
  };
}

const ALL_STATES: OutboxState[] = [
  'queued',
  'reconciling',
  'sending',
  'sent',
  'confirmed',
  'discarded',
  'unverified',
  'rejected',
  'unconfirmed',
  'cancelled',
];

describe('decide', () => {
  it('waits while the device has not settled', () => {
    expect(decide(entry(), { status: 'pending' }, retained)).toEqual({ next: 'wait' });
  });

  it('holds the edit when the device settled without reporting the property', () => {
    expect(decide(entry(), { status: 'unknown' }, retained)).toEqual({
      next: 'unverified',
      reason: 'the device did not report this setting after reconnecting; held, not sent',
    });
  });

  it('confirms without sending when the device already shows the desired value', () => {
    expect(decide(entry(), { status: 'fresh', value: 30 }, retained)).toEqual({
      next: 'confirmed',
      fresh: 30,
      reason: 'the device already shows this value',
    });
  });

  it('sends when the device still shows what the operator saw', () => {
    expect(decide(entry(), { status: 'fresh', value: 22 }, retained)).toEqual({ next: 'send', fresh: 22 });
    expect(decide(entry({ base: { value: 0.3, receivedAt: 1 } }), { status: 'fresh', value: 0.1 + 0.2 }, retained).next).toBe('send');
  });

  it('discards when the device moved on, saying both values', () => {
    expect(decide(entry(), { status: 'fresh', value: -25 }, retained)).toEqual({
      next: 'discarded',
      fresh: -25,
      reason: 'the device changed to -25 while you were offline (you saw 22)',
    });
    const noBase = decide(entry({ base: { value: null, receivedAt: null } }), { status: 'fresh', value: 5 }, retained);
    expect(noBase).toEqual({ next: 'discarded', fresh: 5, reason: 'the device changed to 5 while you were offline (you saw no value)' });
  });

  it('sends momentary commands regardless of status', () => {
    for (const fresh of [{ status: 'pending' }, { status: 'unknown' }, { status: 'fresh', value: 99 }] as const) {
      expect(decide(entry(), fresh, { momentary: true })).toEqual({ next: 'send', fresh: null });
    }
  });

  it('re-judges unverified and reconciling entries', () => {
    expect(decide(entry({ state: 'unverified' }), { status: 'fresh', value: 22 }, retained).next).toBe('send');
    expect(decide(entry({ state: 'reconciling' }), { status: 'fresh', value: 30 }, retained).next).toBe('confirmed');
  });

  it('never acts on entries that are not pending', () => {
    for (const state of ALL_STATES.filter((s) => !['queued', 'reconciling', 'unverified'].includes(s))) {
      expect(decide(entry({ state }), { status: 'fresh', value: 22 }, retained), state).toEqual({ next: 'wait' });
      expect(decide(entry({ state }), { status: 'fresh', value: 22 }, { momentary: true }), state).toEqual({ next: 'wait' });
    }
  });
});

describe('applyDecision', () => {
  it('moves a send to the durable sending state and counts the attempt', () => {
    const before = entry({ reason: 'interrupted while sending' });
    const after = applyDecision(before, { next: 'send', fresh: 22 }, 3000);
    expect(after).toEqual({ ...entry(), state: 'sending', fresh: 22, attempts: 1, updatedAt: 3000 });
    expect('reason' in after).toBe(false);
    expect(before.state).toBe('queued');
  });

  it('records fresh value and reason for confirmed, discarded and unverified', () => {
    expect(applyDecision(entry(), { next: 'confirmed', fresh: 30, reason: 'r' }, 9)).toMatchObject({
      state: 'confirmed',
      fresh: 30,
      reason: 'r',
      updatedAt: 9,
      attempts: 0,
    });
    expect(applyDecision(entry(), { next: 'discarded', fresh: -25, reason: 'x' }, 9)).toMatchObject({
      state: 'discarded',
      fresh: -25,
      reason: 'x',
    });
    expect(applyDecision(entry(), { next: 'unverified', reason: 'held' }, 9)).toMatchObject({
      state: 'unverified',
      fresh: null,
      reason: 'held',
    });
  });

  it('returns the same entry for wait, and for a decision that raced with a state change', () => {
    const e = entry();
    expect(applyDecision(e, { next: 'wait' }, 9)).toBe(e);
    const sending = entry({ state: 'sending', attempts: 1 });
    const send: Decision = { next: 'send', fresh: 22 };
    expect(applyDecision(sending, send, 9)).toBe(sending);
  });
});

describe('onPuback', () => {
  const sending = entry({ state: 'sending', attempts: 1, fresh: 22 });

  it('marks the entry sent on success', () => {
    expect(onPuback(sending, undefined, TOPIC, 50)).toEqual({ ...sending, state: 'sent', updatedAt: 50 });
    expect(onPuback(sending, 0, TOPIC, 50).state).toBe('sent');
  });

  it('notes when no device is listening but still waits for the echo', () => {
    expect(onPuback(sending, 0x10, TOPIC, 50)).toMatchObject({
      state: 'sent',
      reason: `no device is listening on ${TOPIC}`,
    });
  });

  it('rejects with the reason in words for codes >= 0x80', () => {
    const cases: [number, string][] = [
      [0x80, 'unspecified error'],
      [0x83, 'implementation specific error'],
      [0x87, `not authorized to publish to ${TOPIC}`],
      [0x90, 'topic name invalid'],
      [0x91, 'packet identifier in use'],
      [0x97, 'quota exceeded'],
      [0x99, 'payload format invalid'],
    ];
    for (const [code, reason] of cases) {
      expect(onPuback(sending, code, TOPIC, 50)).toMatchObject({ state: 'rejected', reason, updatedAt: 50 });
    }
    expect(onPuback(sending, 0x9f, TOPIC, 50).reason).toBe('refused by the broker (reason code 0x9f)');
  });

  it('ignores a PUBACK for an entry that is not sending', () => {
    const confirmed = entry({ state: 'confirmed' });
    expect(onPuback(confirmed, 0x87, TOPIC, 50)).toBe(confirmed);
  });
});

describe('reasonCodeText', () => {
  it('names known codes and shows unknown ones in hex', () => {
    expect(reasonCodeText(0x97)).toBe('quota exceeded');
    expect(reasonCodeText(0x87)).toBe('not authorized');
    expect(reasonCodeText(0x05)).toBe('reason code 0x05');
  });
});

describe('onEcho', () => {
  it('confirms a sent or sending entry when the device echoes the desired value', () => {
    for (const state of ['sending', 'sent'] as const) {
      expect(onEcho(entry({ state }), 30, 60)).toMatchObject({
        state: 'confirmed',
        reason: 'confirmed by the device',
        updatedAt: 60,
      });
    }
    expect(onEcho(entry({ state: 'sent', desired: 0.3 }), 0.1 + 0.2, 60).state).toBe('confirmed');
  });

  it('ignores other values, duplicates and entries not in flight', () => {
    const sent = entry({ state: 'sent' });
    expect(onEcho(sent, 22, 60)).toBe(sent);
    const confirmed = onEcho(sent, 30, 60);
    expect(onEcho(confirmed, 30, 70)).toBe(confirmed);
    const queued = entry();
    expect(onEcho(queued, 30, 60)).toBe(queued);
  });
});

describe('onEchoDeadline', () => {
  it('marks in-flight entries unconfirmed and says what the device reports', () => {
    expect(onEchoDeadline(entry({ state: 'sent' }), 22, 90)).toMatchObject({
      state: 'unconfirmed',
      reason: 'no confirmation from the device within the deadline; device reports 22',
      updatedAt: 90,
    });
    expect(onEchoDeadline(entry({ state: 'sending' }), undefined, 90).reason).toBe(
      'no confirmation from the device within the deadline',
    );
  });

  it('leaves settled entries alone', () => {
    const confirmed = entry({ state: 'confirmed' });
    expect(onEchoDeadline(confirmed, 22, 90)).toBe(confirmed);
  });
});

describe('recoverAfterCrash', () => {
  it('puts in-flight entries back through the fresh check instead of resending', () => {
    for (const state of ['sending', 'sent'] as const) {
      const recovered = recoverAfterCrash(entry({ state, attempts: 1, fresh: 22 }), 100);
      expect(recovered).toMatchObject({
        state: 'queued',
        attempts: 1,
        updatedAt: 100,
        reason: 'interrupted while sending; will be checked against the device before anything is sent',
      });
      expect('fresh' in recovered).toBe(false);
      // Back through decide: a device that already applied it confirms, one that moved on discards.
      expect(decide(recovered, { status: 'fresh', value: 30 }, retained).next).toBe('confirmed');
      expect(decide(recovered, { status: 'fresh', value: 5 }, retained).next).toBe('discarded');
      expect(decide(recovered, { status: 'pending' }, retained).next).toBe('wait');
    }
  });

  it('leaves other entries unchanged', () => {
    for (const state of ALL_STATES.filter((s) => s !== 'sending' && s !== 'sent')) {
      const e = entry({ state });
      expect(recoverAfterCrash(e, 100)).toBe(e);
    }
  });
});

describe('decide while the device is away', () => {
  it('holds the edit, even when the last report equals the base: an absent device may have moved unheard', () => {
    const d = decide(entry(), { status: 'fresh', value: 22 }, { momentary: false, away: true });
    expect(d).toEqual({ next: 'unverified', reason: expect.stringMatching(/not available.*checked when it returns/) });
  });
  it('still says "did not report" first when the device reported nothing on this connection', () => {
    const d = decide(entry(), { status: 'unknown' }, { momentary: false, away: true });
    expect(d).toMatchObject({ next: 'unverified', reason: expect.stringMatching(/did not report/) });
  });
  it('sends once the device is back and still shows the base', () => {
    expect(decide(entry({ state: 'unverified' }), { status: 'fresh', value: 22 }, { momentary: false, away: false })).toEqual({ next: 'send', fresh: 22 });
  });
});
