import { describe, expect, it } from 'vitest';
import { judge, planPass, propertyKey, recheckBeforePublish, resendAllowedAt, type LiveSession, type PassInput } from '../../src/model/plan.js';
import { onEcho, onEchoDeadline, onEncodeFailure, onPuback, reasonCodeText, recoverAfterCrash } from '../../src/model/reconcile.js';
import { DEVICE_ID, PROPERTY_ID, base, entry, evidence, property, reported } from '../support/model-fixtures.js';

const S1: LiveSession = { id: 's1', startedAt: 1000 };
const TIMING = { echoDeadlineMs: 5000, askDeadlineMs: 3000 };
const NOW = 10_000;

const j = (e = entry(), ev = evidence(), now = NOW) => judge(e, ev, S1, now, TIMING);

describe('judge: the evidence rules', () => {
  it('on a report of this session: confirmed when it shows desired, sent when it shows the base, else discarded', () => {
    expect(j(entry(), evidence({ reported: reported(30) }))).toEqual({ next: 'confirmed', fresh: 30, reason: { code: 'already-shown' } });
    expect(j(entry(), evidence({ reported: reported(22) }))).toEqual({ next: 'send', fresh: 22 });
    expect(j(entry(), evidence({ reported: reported(-25) }))).toEqual({ next: 'discarded', fresh: -25, reason: { code: 'device-changed', now: -25 } });
  });

  it('the blind window: a report newer than what the control rendered decides, even on the same session', () => {
    const seen = entry({ base: base(22, 's1'), desired: 25 });
    expect(j(seen, evidence({ reported: reported(-25, 's1', 1500) }))).toMatchObject({ next: 'discarded', fresh: -25 });
    // Unknown rendered, then a report arrived before the edit was judged: it contradicts "unknown".
    expect(j(entry({ base: base(null, 's1') }), evidence({ reported: reported(4) }))).toMatchObject({ next: 'discarded' });
  });

  it('waits while the device may still be replaying its retained status', () => {
    expect(j(entry({ base: base(22, 's1') }), evidence({ replay: 'waiting' }))).toEqual({ next: 'wait' });
  });

  it('sends an edit made on this session that nothing contradicts, an unknown base included', () => {
    expect(j(entry({ base: base(22, 's1') }), evidence({ replay: 'settled' }))).toEqual({ next: 'send', fresh: null });
    expect(j(entry({ base: base(null, 's1') }), evidence({ replay: 'settled' }))).toEqual({ next: 'send', fresh: null });
    // Shown on this session, but the value itself came from an earlier one (a device that does not replay its state).
    expect(j(entry({ base: base(22, 's1', 's0') }), evidence({ replay: 'settled', property: property({ retained: false }) }))).toEqual({ next: 'send', fresh: null });
  });

  it('does not trust a value from an earlier session of a retained setting that did not come back (chaos seed 92854)', () => {
    // The broker restarted without persistence while the device was away and its panel moved: what the tab still
    // shows is no evidence, and nothing on this session contradicts or confirms it.
    expect(j(entry({ base: base(0, 's1', 's0') }), evidence({ replay: 'settled' }))).toEqual({ next: 'unverified', reason: { code: 'cannot-check', retained: true } });
  });

  it('asks first when the value the operator saw is from an earlier session and the device can be asked', () => {
    expect(j(entry({ base: base(22, 's1', 's0') }), evidence({ replay: 'settled', canAsk: true }))).toEqual({ next: 'ask' });
    expect(j(entry({ base: base(22, 's1', 's1') }), evidence({ replay: 'settled', canAsk: true }))).toEqual({ next: 'send', fresh: null });
    expect(j(entry({ base: base(null, 's1') }), evidence({ replay: 'settled', canAsk: true }))).toEqual({ next: 'send', fresh: null });
  });

  it('asks a device that can be asked about a base from an earlier session, waits for the answer, then gives up visibly', () => {
    const ev = evidence({ replay: 'settled', canAsk: true });
    expect(j(entry(), ev)).toEqual({ next: 'ask' });
    const asking = entry({ state: 'checking', askedAt: NOW });
    expect(j(asking, ev, NOW + 1000)).toEqual({ next: 'wait', until: NOW + 3000 });
    expect(j(asking, ev, NOW + 3000)).toEqual({ next: 'unverified', reason: { code: 'no-answer', waitedMs: 3000 } });
    // Asked on an earlier session: ask again on this one.
    expect(j(entry({ state: 'checking', askedAt: 500 }), ev)).toEqual({ next: 'ask' });
    // The answer is a report: judged like any.
    expect(j(asking, evidence({ canAsk: true, reported: reported(22) }))).toEqual({ next: 'send', fresh: 22 });
  });

  it('ends unverified, saying why, when an earlier-session base cannot be checked', () => {
    expect(j(entry(), evidence({ replay: 'settled', property: property({ retained: false }) }))).toEqual({ next: 'unverified', reason: { code: 'cannot-check', retained: false } });
    expect(j(entry(), evidence({ replay: 'settled' }))).toEqual({ next: 'unverified', reason: { code: 'cannot-check', retained: true } });
  });

  it('sends on Send anyway unless a report of this session contradicts it', () => {
    const approved = entry({ sentAnywayBy: 'Dana' });
    expect(j(approved, evidence({ replay: 'settled' }))).toEqual({ next: 'send', fresh: null });
    expect(j(approved, evidence({ reported: reported(7) }))).toMatchObject({ next: 'discarded' });
  });

  it('holds while the device is away, and does not count a held edit as seen live once it returns', () => {
    expect(j(entry({ base: base(22, 's1') }), evidence({ availability: 'lost', reported: reported(22) }))).toEqual({ next: 'held', reason: { code: 'device-away', availability: 'lost' } });
    expect(j(entry({ base: base(22, 's1'), state: 'held' }), evidence({ replay: 'settled' }))).toMatchObject({ next: 'unverified' });
    expect(j(entry({ base: base(22, 's1'), state: 'held' }), evidence({ reported: reported(22) }))).toMatchObject({ next: 'send' });
  });

  it('sends a momentary command only on the session it was pressed in', () => {
    const m = property({ momentary: true, retained: false, datatype: 'boolean' });
    expect(j(entry({ desired: true, base: base(null, 's1') }), evidence({ property: m }))).toEqual({ next: 'send', fresh: null });
    expect(j(entry({ desired: true, base: base(null, 's0') }), evidence({ property: m }))).toMatchObject({ next: 'discarded', reason: { code: 'momentary-not-replayed' } });
  });

  it('rejects edits of settings that are gone or read-only', () => {
    expect(j(entry(), evidence({ property: undefined }))).toEqual({ next: 'rejected', reason: { code: 'setting-gone' } });
    expect(j(entry(), evidence({ property: property({ readOnlyReason: 'template not supported' }) }))).toEqual({ next: 'rejected', reason: { code: 'read-only', detail: 'template not supported' } });
  });
});

describe('planPass', () => {
  const input = (over: Partial<PassInput> = {}): PassInput => ({
    entries: [entry()],
    evidence: () => evidence({ reported: reported(22) }),
    session: S1,
    busy: new Set(),
    now: NOW,
    timing: TIMING,
    ...over,
  });

  it('decides nothing while not live', () => {
    expect(planPass(input({ session: null })).transitions).toEqual([]);
  });

  it('writes a send as the durable sending state and lists it for publishing', () => {
    const plan = planPass(input());
    expect(plan.transitions).toHaveLength(1);
    expect(plan.transitions[0]!.to).toMatchObject({ state: 'sending', attempts: 1, lastAttemptAt: NOW, fresh: 22 });
    expect(plan.publish).toEqual([plan.transitions[0]!.to]);
  });

  it('one write per property at a time: a second entry waits for the first, and a busy property is skipped', () => {
    const two = planPass(input({ entries: [entry(), entry({ seq: 2, cmdId: 'c2', desired: 40 })] }));
    expect(two.publish.map((e) => e.cmdId)).toEqual(['c1']);
    expect(planPass(input({ busy: new Set([propertyKey(DEVICE_ID, PROPERTY_ID)]) })).transitions).toEqual([]);
  });

  it('an attempt cut off with the device showing the base again is the operator\'s call: never arrived, or applied and changed back', () => {
    const cut = entry({ attempts: 1, lastAttemptAt: NOW - 1000, reason: { code: 'interrupted' } });
    expect(j(cut, evidence({ reported: reported(22) }))).toEqual({ next: 'unverified', reason: { code: 'outcome-unknown', shown: 22 } });
    // The echo of the attempt, or a newer change, still decides as for any entry.
    expect(j(cut, evidence({ reported: reported(30) }))).toMatchObject({ next: 'confirmed' });
    expect(j(cut, evidence({ reported: reported(-25) }))).toMatchObject({ next: 'discarded' });
    // Send anyway is the operator's answer.
    expect(j({ ...cut, sentAnywayBy: 'Dana' }, evidence({ reported: reported(22) }))).toEqual({ next: 'send', fresh: 22 });
  });

  it('an attempted entry the operator sent anyway waits until an earlier copy can no longer arrive, then is sent', () => {
    const tried = entry({ attempts: 1, lastAttemptAt: NOW - 1000, sentAnywayBy: 'Dana' });
    const wait = planPass(input({ entries: [tried] }));
    expect(wait.publish).toEqual([]);
    expect(wait.transitions[0]!.to).toMatchObject({ state: 'queued', reason: { code: 'earlier-attempt' } });
    expect(wait.wakeAt).toBe(resendAllowedAt(tried, TIMING));
    expect(planPass(input({ entries: [tried], now: resendAllowedAt(tried, TIMING) })).publish).toHaveLength(1);
  });

  it('asks, marking the entry checking, and wakes at the deadline', () => {
    const plan = planPass(input({ evidence: () => evidence({ replay: 'settled', canAsk: true }) }));
    expect(plan.ask).toEqual([{ deviceId: DEVICE_ID, propertyId: PROPERTY_ID }]);
    expect(plan.transitions[0]!.to).toMatchObject({ state: 'checking', askedAt: NOW, reason: { code: 'asking' } });
    expect(plan.wakeAt).toBe(NOW + 3000);
  });

  it('reports devices it waits on, and writes nothing for an unchanged judgement', () => {
    expect(planPass(input({ evidence: () => evidence({ replay: 'waiting' }) }))).toMatchObject({ transitions: [], waitingFor: [DEVICE_ID] });
    const held = entry({ state: 'held', reason: { code: 'device-away', availability: 'lost' } });
    expect(planPass(input({ entries: [held], evidence: () => evidence({ availability: 'lost' }) })).transitions).toEqual([]);
  });

  it('ignores entries that are not pending, and an unverified one until the device reports', () => {
    const unverified = entry({ state: 'unverified', reason: { code: 'cannot-check', retained: false } });
    const silent = () => evidence({ replay: 'settled', reported: undefined, property: property({ retained: false }) });
    expect(planPass(input({ entries: [unverified, entry({ state: 'sent' })], evidence: silent })).transitions).toEqual([]);
    // The device reports after all (it does not retain its state): what the operator saw → sent; their value → confirmed; else discarded.
    expect(planPass(input({ entries: [unverified], evidence: () => evidence({ reported: reported(22) }) })).publish).toMatchObject([{ cmdId: 'c1', state: 'sending', fresh: 22 }]);
    expect(planPass(input({ entries: [unverified], evidence: () => evidence({ reported: reported(unverified.desired as number) }) })).transitions[0]!.to).toMatchObject({ state: 'confirmed' });
    expect(planPass(input({ entries: [unverified], evidence: () => evidence({ reported: reported(-7) }) })).transitions[0]!.to).toMatchObject({ state: 'discarded', reason: { code: 'device-changed', now: -7 } });
  });
});

describe('recheckBeforePublish', () => {
  it('sends back an entry whose property reported a contradicting value during the write', () => {
    const sending = entry({ state: 'sending' });
    expect(recheckBeforePublish(sending, reported(22), false, NOW)).toBeNull();
    expect(recheckBeforePublish(sending, undefined, false, NOW)).toBeNull();
    expect(recheckBeforePublish(sending, reported(9), false, NOW)).toMatchObject({ state: 'queued', reason: { code: 'reported-before-send' } });
    expect(recheckBeforePublish(sending, reported(9), true, NOW)).toBeNull();
  });
});

describe('after the send: PUBACK, echo, deadline, recovery', () => {
  const topic = 'homie/5/vp4/genlock/phase-h/set';
  it('PUBACK: sent, or sent-unconfirmable where the device never reports; refusals are typed', () => {
    const sending = entry({ state: 'sending' });
    expect(onPuback(sending, 0, topic, true, NOW)).toMatchObject({ state: 'sent' });
    expect(onPuback(sending, 0x10, topic, true, NOW)).toMatchObject({ state: 'sent', noSubscribersOn: topic });
    expect(onPuback(sending, 0, topic, false, NOW)).toMatchObject({ state: 'sent-unconfirmable', reason: { code: 'does-not-report' } });
    expect(onPuback(sending, 0x87, topic, true, NOW)).toMatchObject({ state: 'rejected', reason: { code: 'not-authorized', topic } });
    expect(onPuback(sending, 0x97, topic, true, NOW)).toMatchObject({ state: 'rejected', reason: { code: 'broker-refused', reasonCode: 0x97 } });
    const sent = entry({ state: 'sent' });
    expect(onPuback(sent, 0x87, topic, true, NOW)).toBe(sent);
    expect(reasonCodeText(0x87)).toBe('not authorized');
    expect(reasonCodeText(0x42)).toBe('reason code 0x42');
  });

  it('echo confirms only the desired value of an entry in flight', () => {
    expect(onEcho(entry({ state: 'sent' }), 30, NOW)).toMatchObject({ state: 'confirmed', reason: { code: 'confirmed-by-echo' } });
    const sent = entry({ state: 'sent' });
    expect(onEcho(sent, 29, NOW)).toBe(sent);
    const queued = entry();
    expect(onEcho(queued, 30, NOW)).toBe(queued);
  });

  it('a missed echo ends unconfirmed with what the device reports', () => {
    expect(onEchoDeadline(entry({ state: 'sent' }), 22, NOW)).toMatchObject({ state: 'unconfirmed', reason: { code: 'no-confirmation', reported: 22 } });
  });

  it('recovery puts in-flight entries back to be judged, never resent blindly', () => {
    expect(recoverAfterCrash(entry({ state: 'sending', fresh: 22 }), NOW)).toMatchObject({ state: 'queued', reason: { code: 'interrupted' } });
    expect(recoverAfterCrash(entry({ state: 'sending', fresh: 22 }), NOW).fresh).toBeUndefined();
    const done = entry({ state: 'confirmed' });
    expect(recoverAfterCrash(done, NOW)).toBe(done);
    expect(onEncodeFailure(entry({ state: 'sending' }), 'bad', NOW)).toMatchObject({ state: 'rejected', reason: { code: 'cannot-encode', detail: 'bad' } });
  });
});
