/**
 * The alarm model (src/model/alarms.ts), driven by fast-check: random rules
 * and random schedules of readings, some fresh and some stale (console
 * disconnected, device away, not reported on this connection), fed through
 * the real `evaluate` and `acknowledge`. An independent oracle says when an
 * alarm must be raised and cleared; the model must agree exactly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FRESH,
  LISTED_STATUSES,
  acknowledge,
  availabilityFreshness,
  checkRule,
  checkRules,
  evaluate,
  initialAlarmState,
  stale,
  staleFact,
  valueFreshness,
  type AlarmInput,
  type AlarmRule,
  type AlarmState,
  type Freshness,
  type MatchRule,
  type ThresholdRule,
} from '../../src/model/alarms.js';
import type { Availability, PropertyValue } from '../../src/model/types.js';

const RUNS = { numRuns: 600 };
const SESSION = 's1';

const staleReason = fc.constantFrom('disconnected' as const, 'device-away' as const, 'not-reported' as const);
const freshness: fc.Arbitrary<Freshness> = fc.oneof({ weight: 3, arbitrary: fc.constant(FRESH) }, { weight: 2, arbitrary: staleReason.map(stale) });

const thresholdRule: fc.Arbitrary<ThresholdRule> = fc.record({
  id: fc.constant('r'),
  deviceId: fc.constant('d'),
  severity: fc.constantFrom('critical' as const, 'warning' as const, 'info' as const),
  kind: fc.constantFrom('above' as const, 'below' as const),
  propertyId: fc.constant('p'),
  threshold: fc.integer({ min: -20, max: 20 }),
  hysteresis: fc.integer({ min: 0, max: 8 }),
  minDurationMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3000 })),
});

const ENUM = ['idle', 'run', 'fault'] as const;
const matchRule: fc.Arbitrary<MatchRule> = fc.record({
  id: fc.constant('r'),
  deviceId: fc.constant('d'),
  severity: fc.constant('warning' as const),
  kind: fc.constantFrom('equals' as const, 'not-equals' as const),
  propertyId: fc.constant('p'),
  value: fc.constantFrom(...ENUM),
  minDurationMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3000 })),
});

interface Step {
  readonly dt: number;
  readonly freshness: Freshness;
  readonly value: PropertyValue;
  /** Acknowledge the current raise after this step. */
  readonly ack: boolean;
}

const numericSteps = fc.array(
  fc.record({ dt: fc.integer({ min: 0, max: 1500 }), freshness, value: fc.integer({ min: -30, max: 30 }) as fc.Arbitrary<PropertyValue>, ack: fc.boolean() }),
  { minLength: 1, maxLength: 60 },
);
const enumSteps = fc.array(fc.record({ dt: fc.integer({ min: 0, max: 1500 }), freshness, value: fc.constantFrom(...ENUM) as fc.Arbitrary<PropertyValue>, ack: fc.boolean() }), { minLength: 1, maxLength: 60 });

function input(now: number, s: Step): AlarmInput {
  return { now, freshness: s.freshness, value: { value: s.value, receivedAt: now, retained: false, session: SESSION }, availability: 'ready', silentSince: null };
}

/** The oracle's own reading of the rule (not the model's `verdict`). */
function expected(rule: AlarmRule, v: PropertyValue): { raise: boolean; clear: boolean } {
  switch (rule.kind) {
    case 'above':
      return { raise: (v as number) > rule.threshold, clear: (v as number) <= rule.threshold - rule.hysteresis };
    case 'below':
      return { raise: (v as number) < rule.threshold, clear: (v as number) >= rule.threshold + rule.hysteresis };
    case 'equals':
      return { raise: v === rule.value, clear: v !== rule.value };
    case 'not-equals':
      return { raise: v !== rule.value, clear: v === rule.value };
    default:
      throw new Error(`the oracle does not model ${rule.kind}`);
  }
}

interface Trace {
  readonly at: number;
  readonly step: Step;
  readonly prev: AlarmState;
  readonly next: AlarmState;
  readonly kinds: readonly string[];
}

/** Run the real model over the schedule; acknowledgements go through the real `acknowledge`. */
function run(rule: AlarmRule, steps: readonly Step[]): Trace[] {
  let state = initialAlarmState(rule.id);
  let now = 1_000_000;
  const out: Trace[] = [];
  for (const step of steps) {
    now += step.dt;
    const prev = state;
    const r = evaluate(rule, prev, input(now, step));
    state = r.state;
    const kinds = r.events.map((e) => e.kind);
    if (step.ack && state.alarmId !== null) {
      const a = acknowledge(state, state.alarmId, { by: 'Dana', at: now });
      state = a.state;
      kinds.push(...a.events.map((e) => e.kind));
    }
    out.push({ at: now, step, prev, next: state, kinds });
  }
  return out;
}

const raised = (s: AlarmState): boolean => s.status === 'active' || s.status === 'acknowledged';

describe('alarm evaluation (fast-check)', () => {
  it('a stale input never raises, never clears and never changes the alarm: it only says it is stale', () => {
    fc.assert(
      fc.property(fc.oneof(fc.tuple(thresholdRule as fc.Arbitrary<AlarmRule>, numericSteps), fc.tuple(matchRule as fc.Arbitrary<AlarmRule>, enumSteps)), ([rule, steps]) => {
        for (const t of run(rule, steps)) {
          if (t.step.freshness.fresh) continue;
          // Evaluation alone (before any acknowledgement of this step).
          const r = evaluate(rule, t.prev, input(t.at, t.step));
          expect(r.state.status).toBe(t.prev.status);
          expect(r.state.alarmId).toBe(t.prev.alarmId);
          expect(r.state.raisedAt).toBe(t.prev.raisedAt);
          expect(r.state.pendingSince).toBe(t.prev.pendingSince);
          expect(r.state.reading).toEqual(t.prev.reading);
          expect(r.events.every((e) => e.kind === 'stale')).toBe(true);
          expect(r.wakeAt).toBeNull();
          // "stale: last known state was …", as data.
          const fact = staleFact(r.state);
          expect(fact).toMatchObject({ reason: t.step.freshness.reason, lastKnownStatus: t.prev.status });
        }
      }),
      RUNS,
    );
  });

  it('raises exactly when fresh readings held the condition for the minimum duration, without a stale gap', () => {
    fc.assert(
      fc.property(thresholdRule, numericSteps, (rule, steps) => {
        let runStart: number | null = null;
        for (const t of run(rule, steps)) {
          const fresh = t.step.freshness.fresh;
          const e = expected(rule, t.step.value);
          const wasRaised = raised(t.prev);
          if (wasRaised || !fresh || !e.raise) runStart = null;
          else runStart ??= t.at;
          const mustRaise = !wasRaised && fresh && e.raise && runStart !== null && t.at - runStart >= rule.minDurationMs;
          expect(t.kinds.includes('raised')).toBe(mustRaise);
          if (mustRaise) runStart = null;
        }
      }),
      RUNS,
    );
  });

  it('clears exactly on a fresh reading past the hysteresis band, and holds inside it', () => {
    fc.assert(
      fc.property(thresholdRule, numericSteps, (rule, steps) => {
        for (const t of run(rule, steps)) {
          const mustClear = raised(t.prev) && t.step.freshness.fresh && expected(rule, t.step.value).clear;
          expect(t.kinds.includes('cleared')).toBe(mustClear);
          if (raised(t.prev) && !mustClear) expect(raised(t.next)).toBe(true);
          if (mustClear) expect(t.next.status).toBe('normal');
        }
      }),
      RUNS,
    );
  });

  it('enum and boolean matches raise and clear like the oracle, duration included', () => {
    fc.assert(
      fc.property(matchRule, enumSteps, (rule, steps) => {
        let runStart: number | null = null;
        for (const t of run(rule, steps)) {
          const fresh = t.step.freshness.fresh;
          const e = expected(rule, t.step.value);
          const wasRaised = raised(t.prev);
          if (wasRaised || !fresh || !e.raise) runStart = null;
          else runStart ??= t.at;
          const mustRaise = !wasRaised && fresh && e.raise && runStart !== null && t.at - runStart >= rule.minDurationMs;
          expect(t.kinds.includes('raised')).toBe(mustRaise);
          if (mustRaise) runStart = null;
          expect(t.kinds.includes('cleared')).toBe(wasRaised && fresh && e.clear);
        }
      }),
      RUNS,
    );
  });

  it('an acknowledged alarm stays listed until it clears, and an acknowledgement only ever concerns its own raise', () => {
    fc.assert(
      fc.property(thresholdRule, numericSteps, (rule, steps) => {
        for (const t of run(rule, steps)) {
          if (t.prev.status === 'acknowledged' && !t.kinds.includes('cleared')) {
            expect(LISTED_STATUSES).toContain(t.next.status);
            expect(t.next.status).toBe('acknowledged');
            expect(t.next.ack).toEqual(t.prev.ack);
          }
          // An old raise's acknowledgement does nothing to the current one.
          if (t.next.status === 'active') {
            const other = acknowledge(t.next, `${t.next.alarmId}-older`, { by: 'X', at: t.at });
            expect(other.state).toBe(t.next);
            expect(other.events).toEqual([]);
          }
        }
      }),
      RUNS,
    );
  });

  it('fresh again: the stale fact goes, and a pending alarm starts its minimum duration again', () => {
    fc.assert(
      fc.property(thresholdRule, numericSteps, (rule, steps) => {
        for (const t of run(rule, steps)) {
          if (t.step.freshness.fresh) expect(t.next.stale).toBeNull();
          else expect(t.next.stale).not.toBeNull();
          if (t.next.status === 'pending' && t.step.freshness.fresh && t.prev.stale !== null) expect(t.next.pendingSince).toBe(t.at);
        }
      }),
      RUNS,
    );
  });

  it('only a value received on the live session, from a device that is there, is fresh', () => {
    const availability = fc.constantFrom<Availability>('init', 'ready', 'disconnected', 'sleeping', 'lost', 'alert', 'unknown');
    fc.assert(
      fc.property(fc.option(fc.constantFrom('s1', 's2'), { nil: null }), availability, fc.option(fc.constantFrom('s1', 's2', ''), { nil: null }), (session, avail, valueSession) => {
        const value = valueSession === null ? null : { value: 1, receivedAt: 0, retained: true, session: valueSession };
        const f = valueFreshness(session, avail, value);
        const present = avail === 'ready' || avail === 'alert' || avail === 'unknown';
        expect(f.fresh).toBe(session !== null && present && value !== null && value.session === session);
        if (session === null) expect(f).toEqual(stale('disconnected'));
      }),
      RUNS,
    );
    expect(availabilityFreshness(null, true, true)).toEqual(stale('disconnected'));
    expect(availabilityFreshness('s1', false, false)).toEqual(stale('not-reported'));
    expect(availabilityFreshness('s1', true, false)).toEqual(FRESH);
  });
});

describe('alarm evaluation (examples)', () => {
  const above: ThresholdRule = { id: 'hot', deviceId: 'd', severity: 'critical', kind: 'above', propertyId: 'p', threshold: 90, hysteresis: 5, minDurationMs: 0 };
  const at = (now: number, value: number, f: Freshness = FRESH): AlarmInput => ({ now, freshness: f, value: { value, receivedAt: now, retained: false, session: SESSION }, availability: 'ready', silentSince: null });

  it('hysteresis: above 90 raises at 91, holds at 86, clears at 85', () => {
    let s = initialAlarmState('hot');
    s = evaluate(above, s, at(1, 90)).state;
    expect(s.status).toBe('normal');
    const r = evaluate(above, s, at(2, 91));
    expect(r.events.map((e) => e.kind)).toEqual(['raised']);
    s = r.state;
    expect(s).toMatchObject({ status: 'active', alarmId: 'hot@2', raisedAt: 2, reading: { kind: 'value', value: 91 } });
    s = evaluate(above, s, at(3, 86)).state;
    expect(s.status).toBe('active');
    const c = evaluate(above, s, at(4, 85));
    expect(c.events.map((e) => e.kind)).toEqual(['cleared']);
    expect(c.state.status).toBe('normal');
  });

  it('minimum duration: pending first, raised by the timer once it held, reset when it stops holding', () => {
    const rule: ThresholdRule = { ...above, minDurationMs: 10_000 };
    let r = evaluate(rule, initialAlarmState('hot'), at(1000, 95));
    expect(r.state).toMatchObject({ status: 'pending', pendingSince: 1000 });
    expect(r.wakeAt).toBe(11_000);
    r = evaluate(rule, r.state, at(5000, 92));
    expect(r.state.status).toBe('pending');
    // The timer's evaluation: same reading, later.
    r = evaluate(rule, r.state, { ...at(11_000, 92), value: { value: 92, receivedAt: 5000, retained: false, session: SESSION } });
    expect(r.state.status).toBe('active');
    expect(r.events.map((e) => e.kind)).toEqual(['raised']);
    const back = evaluate(rule, evaluate(rule, initialAlarmState('hot'), at(0, 95)).state, at(100, 80));
    expect(back.state.status).toBe('normal');
  });

  it('the broker is cut while the value crosses: nothing changes until fresh data, then the right one', () => {
    let s = evaluate(above, initialAlarmState('hot'), at(1, 20)).state;
    const cut = evaluate(above, s, { ...at(2, 20), freshness: stale('disconnected') });
    expect(cut.state.stale).toEqual({ reason: 'disconnected', since: 2 });
    expect(staleFact(cut.state)).toEqual({ reason: 'disconnected', since: 2, lastKnownStatus: 'normal', lastKnownReading: { kind: 'value', value: 20, at: 1 } });
    s = cut.state;
    // The cached (stale) value would say 95 now: still nothing.
    const stillStale = evaluate(above, s, { ...at(3, 95), freshness: stale('not-reported') });
    expect(stillStale.state.status).toBe('normal');
    expect(stillStale.events).toEqual([]);
    const fresh = evaluate(above, stillStale.state, at(4, 95));
    expect(fresh.state.status).toBe('active');
    expect(fresh.state.stale).toBeNull();
  });

  it('a pending alarm that goes stale starts its duration again from the next fresh reading', () => {
    const rule: ThresholdRule = { ...above, minDurationMs: 1000 };
    let s = evaluate(rule, initialAlarmState('hot'), at(0, 95)).state;
    s = evaluate(rule, s, { ...at(500, 95), freshness: stale('disconnected') }).state;
    const r = evaluate(rule, s, at(1500, 95));
    expect(r.state).toMatchObject({ status: 'pending', pendingSince: 1500 });
    expect(r.events.map((e) => e.kind)).toEqual(['fresh']);
  });

  it('device lost or unavailable: raised on lost, held while starting up, cleared when ready', () => {
    const rule: AlarmRule = { id: 'gone', deviceId: 'd', severity: 'warning', kind: 'unavailable', minDurationMs: 0 };
    const av = (now: number, availability: Availability, f: Freshness = FRESH): AlarmInput => ({ now, freshness: f, value: null, availability, silentSince: null });
    let r = evaluate(rule, initialAlarmState('gone'), av(1, 'lost'));
    expect(r.state.status).toBe('active');
    expect(r.state.reading).toEqual({ kind: 'availability', availability: 'lost', at: 1 });
    r = evaluate(rule, r.state, av(2, 'init'));
    expect(r.state.status).toBe('active');
    r = evaluate(rule, r.state, av(3, 'ready', stale('disconnected')));
    expect(r.state.status).toBe('active');
    r = evaluate(rule, r.state, av(4, 'ready'));
    expect(r.state.status).toBe('normal');
  });

  it('no report for longer than N s: raised by the silence, cleared by a live report, never while disconnected', () => {
    const rule: AlarmRule = { id: 'quiet', deviceId: 'd', severity: 'info', kind: 'older-than', propertyId: 'p', maxAgeMs: 5000 };
    const q = (now: number, silentSince: number | null, f: Freshness = FRESH): AlarmInput => ({ now, freshness: f, value: null, availability: 'ready', silentSince });
    let r = evaluate(rule, initialAlarmState('quiet'), q(1000, 1000));
    expect(r.state.status).toBe('normal');
    expect(r.wakeAt).toBe(6001);
    expect(evaluate(rule, r.state, q(9000, null, stale('disconnected'))).state.status).toBe('normal');
    r = evaluate(rule, r.state, q(6001, 1000));
    expect(r.state.status).toBe('active');
    r = evaluate(rule, r.state, q(7000, 6900));
    expect(r.state.status).toBe('normal');
  });

  it('acknowledging records the name and keeps the alarm listed', () => {
    const s = evaluate(above, initialAlarmState('hot'), at(1, 99)).state;
    const a = acknowledge(s, s.alarmId!, { by: 'Dana', at: 5 });
    expect(a.state).toMatchObject({ status: 'acknowledged', ack: { by: 'Dana', at: 5 }, alarmId: 'hot@1' });
    expect(a.events).toEqual([{ kind: 'acknowledged', ruleId: 'hot', alarmId: 'hot@1', at: 5, reading: s.reading, by: 'Dana' }]);
    // A stale acknowledged alarm is still listed, with its last known state.
    const st = evaluate(above, a.state, { ...at(6, 50), freshness: stale('device-away') });
    expect(st.state.status).toBe('acknowledged');
    expect(staleFact(st.state)?.lastKnownStatus).toBe('acknowledged');
  });
});

describe('alarm rules from a form or a file', () => {
  it('checks every field and reports codes, not prose', () => {
    expect(checkRule({ id: 'a', deviceId: 'd', kind: 'above', propertyId: 'p', threshold: '90', hysteresis: 2, minDurationMs: 0, severity: 'critical' })).toEqual({
      ok: true,
      rule: { id: 'a', deviceId: 'd', severity: 'critical', kind: 'above', propertyId: 'p', threshold: 90, hysteresis: 2, minDurationMs: 0 },
    });
    expect(checkRule({ id: 'a', deviceId: 'd', kind: 'above', propertyId: 'p', threshold: 'x', hysteresis: -1 })).toEqual({ ok: false, errors: { threshold: 'not-a-number', hysteresis: 'negative' } });
    expect(checkRule({ id: 'a', deviceId: 'd', kind: 'equals', propertyId: 'p', value: {} })).toEqual({ ok: false, errors: { value: 'not-a-value' } });
    expect(checkRule({ id: 'a', deviceId: 'd', kind: 'explode' })).toEqual({ ok: false, errors: { kind: 'unknown-kind' } });
    expect(checkRule({ id: 'a', deviceId: 'd', kind: 'unavailable', severity: 'loud' })).toEqual({ ok: false, errors: { severity: 'unknown-severity' } });
  });

  it('reads the configuration file shape, all or nothing', () => {
    const good = { id: 'g', deviceId: 'homie5:vp4', kind: 'unavailable', minDurationMs: 30_000 };
    expect(checkRules({ alarms: [good] })).toEqual({ ok: true, rules: [{ id: 'g', deviceId: 'homie5:vp4', severity: 'warning', kind: 'unavailable', minDurationMs: 30_000 }] });
    expect(checkRules([good, good])).toEqual({ ok: false, errors: [{ index: 1, field: 'id', error: 'duplicate-id' }] });
    expect(checkRules({ rules: [] })).toMatchObject({ ok: false });
  });
});
