/**
 * Property-based tests of the outbox model working together: coalesce, decide,
 * PUBACK/echo handling, deadlines, crash recovery and freshness tracking,
 * driven by a small pure simulation of one console, a broker and one device.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { baseForEdit, coalesce } from '../../src/model/coalesce.js';
import { FreshnessTracker, lookupFresh } from '../../src/model/freshness.js';
import {
  applyDecision,
  decide,
  onEcho,
  onEchoDeadline,
  onPuback,
  recoverAfterCrash,
} from '../../src/model/reconcile.js';
import type { FreshLookup } from '../../src/model/reconcile.js';
import { ATTENTION_STATES, IN_FLIGHT_STATES, PENDING_STATES } from '../../src/model/types.js';
import type { DeviceSchema, OutboxEntry, OutboxState } from '../../src/model/types.js';
import { valuesEqual } from '../../src/model/values.js';

const DEV = 'homie5:sim';
/** Retained, settable; the device always has a value. */
const P = 'n/p';
/** Retained, settable; the device may never have reported it. */
const Q = 'n/q';
/** Momentary (non-retained) command. */
const M = 'n/m';
type RetainedProp = typeof P | typeof Q;

const SCHEMA: DeviceSchema = {
  id: DEV,
  name: 'Sim',
  convention: 'homie5',
  properties: [
    { id: P, name: 'P', datatype: 'integer', settable: true, retained: true, momentary: false, min: 0, max: 4 },
    { id: Q, name: 'Q', datatype: 'integer', settable: true, retained: true, momentary: false, min: 0, max: 4 },
    { id: M, name: 'M', datatype: 'integer', settable: true, retained: false, momentary: true, min: 0, max: 4 },
  ],
};
const QUIET_MS = 1500;
const ECHO_DEADLINE_MS = 5000;
const SETTLED_STATES: readonly OutboxState[] = ['confirmed', 'cancelled', 'discarded', 'rejected', 'unverified', 'unconfirmed'];

type Cmd =
  /** `fromDisplay`: the UI passes the value its control shows (a pending edit's desired) as the base. */
  | { readonly t: 'edit'; readonly prop: RetainedProp; readonly value: number; readonly fromDisplay: boolean }
  | { readonly t: 'press'; readonly value: number }
  | { readonly t: 'deviceChange'; readonly prop: RetainedProp; readonly value: number }
  | { readonly t: 'disconnect' }
  | { readonly t: 'reconnect'; readonly retainedBeforeSuback: boolean; readonly retainedLate: boolean }
  | { readonly t: 'deliverOne'; readonly duplicate: boolean; readonly echoBeforePuback: boolean }
  | { readonly t: 'deliverLate' }
  | { readonly t: 'tick'; readonly ms: number }
  | { readonly t: 'crash' };

type ToConsole =
  | { readonly kind: 'suback' }
  | { readonly kind: 'status'; readonly prop: string; readonly value: number; readonly retained: boolean }
  | { readonly kind: 'puback'; readonly cmdId: string; readonly code: number };

interface Publish {
  readonly cmdId: string;
  readonly prop: string;
  readonly desired: OutboxEntry['desired'];
  readonly base: OutboxEntry['base'];
  readonly fresh: FreshLookup;
  readonly momentary: boolean;
  /** What the device really had when the console decided to publish. */
  readonly truth: number | undefined;
  readonly connected: boolean;
}

interface SimOptions {
  /** Property whose publishes the broker refuses (PUBACK 0x87). */
  readonly deniedProp: string | null;
  /** Whether the broker delivers status messages twice (QoS 1 redelivery). */
  readonly duplicateStatus: boolean;
}

interface Coverage {
  publishes: number;
  republishedAfterCrash: number;
  duplicates: number;
  retainedBeforeSuback: number;
  final: Partial<Record<OutboxState, number>>;
}

class Simulation {
  now = 0;
  connected = false;
  /** The device's real values; it publishes every change retained, so this is also the broker's retained store. */
  readonly device = new Map<string, number>([[P, 2]]);
  /** Console's durable status cache (survives disconnects and crashes). */
  readonly reported = new Map<string, { value: number; receivedAt: number }>();
  readonly outbox = new Map<string, OutboxEntry>();
  readonly publishes: Publish[] = [];
  /** The value the operator saw when first editing, per cmdId. */
  readonly firstBase = new Map<string, OutboxEntry['base']['value']>();
  /** Every transition to 'confirmed', with what the console had just heard from the device. */
  readonly confirmations: { cmdId: string; desired: OutboxEntry['desired']; heard: number | undefined }[] = [];
  readonly recoveries = new Map<string, number>();
  private tracker = new FreshnessTracker(QUIET_MS);
  private toBroker: { cmdId: string; prop: string; value: number }[] = [];
  private toConsole: ToConsole[] = [];
  private heldRetained: ToConsole[] = [];
  private nextCmd = 0;
  private nextSeq = 1;
  private readonly deniedProp: string | null;
  private readonly duplicateStatus: boolean;
  readonly coverage: Coverage;

  constructor(options: SimOptions, coverage: Coverage) {
    this.deniedProp = options.deniedProp;
    this.duplicateStatus = options.duplicateStatus;
    this.coverage = coverage;
    this.reconnect(true, false);
    this.deliverAll();
    this.tick(QUIET_MS);
  }

  run(cmd: Cmd): void {
    switch (cmd.t) {
      case 'edit':
        return this.edit(cmd.prop, cmd.value, cmd.fromDisplay);
      case 'press':
        return this.press(cmd.value);
      case 'deviceChange':
        // Modelled only while the console is offline: online changes race with decisions in ways no model can see.
        if (!this.connected) this.device.set(cmd.prop, cmd.value);
        return;
      case 'disconnect':
        return this.disconnect();
      case 'reconnect':
        return this.reconnect(cmd.retainedBeforeSuback, cmd.retainedLate);
      case 'deliverOne':
        return this.deliverOne(cmd.duplicate, cmd.echoBeforePuback);
      case 'deliverLate':
        if (this.connected) this.toConsole.push(...this.heldRetained);
        this.heldRetained = [];
        return this.engineStep();
      case 'tick':
        return this.tick(cmd.ms);
      case 'crash':
        return this.crash();
    }
  }

  /** Bring everything to rest: connected, all retained delivered, quiet period and deadlines passed. */
  settle(): void {
    if (!this.connected) this.reconnect(true, false);
    this.run({ t: 'deliverLate' });
    for (let i = 0; i < 10; i++) {
      this.tick(QUIET_MS + 1);
      this.tick(ECHO_DEADLINE_MS + 1);
    }
  }

  private entriesFor(prop: string): OutboxEntry[] {
    return [...this.outbox.values()].filter((e) => e.propertyId === prop);
  }

  private put(entry: OutboxEntry): void {
    const previous = this.outbox.get(entry.cmdId);
    if (entry.state === 'confirmed' && previous?.state !== 'confirmed') {
      this.confirmations.push({ cmdId: entry.cmdId, desired: entry.desired, heard: this.reported.get(entry.propertyId)?.value });
    }
    this.outbox.set(entry.cmdId, entry);
  }

  private edit(prop: RetainedProp, value: number, fromDisplay: boolean): void {
    const entries = this.entriesFor(prop);
    const inFlight = entries.find((e) => IN_FLIGHT_STATES.includes(e.state));
    const unsent = entries.find((e) => PENDING_STATES.includes(e.state));
    const cached = this.reported.get(prop);
    const base =
      fromDisplay && unsent !== undefined
        ? { value: unsent.desired, receivedAt: null }
        : baseForEdit(cached && { ...cached, retained: true }, inFlight);
    const result = coalesce(unsent, {
      cmdId: `c${this.nextCmd++}`,
      deviceId: DEV,
      propertyId: prop,
      desired: value,
      base,
      now: this.now,
    });
    if (result.action === 'insert') {
      this.firstBase.set(result.entry.cmdId, base.value);
      this.put({ ...result.entry, seq: this.nextSeq++ });
    } else if (result.action !== 'noop') this.put(result.entry);
    this.engineStep();
  }

  private press(value: number): void {
    // The UI offers momentary commands only while connected; they are never queued offline.
    if (!this.connected) return;
    const result = coalesce(undefined, {
      cmdId: `c${this.nextCmd++}`,
      deviceId: DEV,
      propertyId: M,
      desired: value,
      base: { value: null, receivedAt: null },
      now: this.now,
    });
    if (result.action === 'insert') this.put({ ...result.entry, seq: this.nextSeq++ });
    this.engineStep();
  }

  private dropNetwork(): void {
    this.toBroker = [];
    this.toConsole = [];
    this.heldRetained = [];
  }

  private disconnect(): void {
    this.connected = false;
    this.dropNetwork();
  }

  private reconnect(retainedBeforeSuback: boolean, retainedLate: boolean): void {
    this.disconnect();
    this.connected = true;
    this.tracker.startSession(this.now);
    const retained: ToConsole[] = [...this.device.entries()].map(([prop, value]) => ({
      kind: 'status',
      prop,
      value,
      retained: true,
    }));
    if (retainedLate) {
      this.heldRetained = retained;
      this.toConsole = [{ kind: 'suback' }];
    } else if (retainedBeforeSuback) {
      this.coverage.retainedBeforeSuback += 1;
      this.toConsole = [...retained, { kind: 'suback' }];
    } else {
      this.toConsole = [{ kind: 'suback' }, ...retained];
    }
    this.engineStep();
  }

  private crash(): void {
    this.disconnect();
    // A fresh process starts with a fresh tracker; the outbox and status cache are durable.
    this.tracker = new FreshnessTracker(QUIET_MS);
    for (const entry of this.outbox.values()) {
      const recovered = recoverAfterCrash(entry, this.now);
      if (recovered !== entry) this.recoveries.set(entry.cmdId, (this.recoveries.get(entry.cmdId) ?? 0) + 1);
      this.put(recovered);
    }
  }

  private tick(ms: number): void {
    // Network latency is far below the deadlines: whatever is in transit lands before time moves on.
    this.deliverAll();
    this.now += ms;
    this.engineStep();
  }

  private deliverAll(): void {
    for (let guard = 0; guard < 10_000 && (this.toBroker.length > 0 || this.toConsole.length > 0); guard++) {
      this.deliverOne(this.duplicateStatus, false);
    }
  }

  private deliverOne(duplicate: boolean, echoBeforePuback: boolean): void {
    const publish = this.toBroker.shift();
    if (publish !== undefined) {
      const code = publish.prop === this.deniedProp ? 0x87 : 0x00;
      const replies: ToConsole[] = [{ kind: 'puback', cmdId: publish.cmdId, code }];
      if (code < 0x80) {
        if (publish.prop !== M) this.device.set(publish.prop, publish.value);
        const echo: ToConsole = { kind: 'status', prop: publish.prop, value: publish.value, retained: false };
        if (echoBeforePuback) replies.unshift(echo);
        else replies.push(echo);
      }
      this.toConsole.push(...replies);
    } else {
      const message = this.toConsole.shift();
      if (message === undefined) return;
      this.receive(message);
      // QoS 1 may deliver a status message twice.
      if (duplicate && message.kind === 'status') {
        this.coverage.duplicates += 1;
        this.receive(message);
      }
    }
    this.engineStep();
  }

  private receive(message: ToConsole): void {
    switch (message.kind) {
      case 'suback':
        this.tracker.markSubscribed(this.now);
        return;
      case 'puback': {
        const entry = this.outbox.get(message.cmdId);
        if (entry !== undefined) this.put(onPuback(entry, message.code, `homie/5/sim/${entry.propertyId}/set`, this.now));
        return;
      }
      case 'status':
        this.reported.set(message.prop, { value: message.value, receivedAt: this.now });
        this.tracker.noteMessage(DEV, message.prop, this.now);
        for (const entry of this.entriesFor(message.prop)) this.put(onEcho(entry, message.value, this.now));
        return;
    }
  }

  /** The engine: deadlines always; decisions and publishes only while connected. */
  private engineStep(): void {
    for (const entry of this.outbox.values()) {
      if (IN_FLIGHT_STATES.includes(entry.state) && this.now - entry.updatedAt >= ECHO_DEADLINE_MS) {
        this.put(onEchoDeadline(entry, this.reported.get(entry.propertyId)?.value, this.now));
      }
    }
    if (!this.connected) return;
    const bySeq = [...this.outbox.values()].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    for (const entry of bySeq) {
      if (!PENDING_STATES.includes(entry.state)) continue;
      const momentary = entry.propertyId === M;
      // One command per retained property in flight: a follow-up edit is judged after its predecessor's echo.
      const blocked =
        !momentary &&
        this.entriesFor(entry.propertyId).some((e) => e.cmdId !== entry.cmdId && IN_FLIGHT_STATES.includes(e.state));
      if (blocked) continue;
      const fresh = lookupFresh(this.tracker, DEV, entry.propertyId, SCHEMA, this.reported.get(entry.propertyId)?.value, this.now);
      const decision = decide(entry, fresh, { momentary });
      const next = applyDecision(entry, decision, this.now);
      this.put(next);
      if (decision.next === 'send' && next.state === 'sending') {
        this.publishes.push({
          cmdId: next.cmdId,
          prop: next.propertyId,
          desired: next.desired,
          base: next.base,
          fresh,
          momentary,
          truth: this.device.get(next.propertyId),
          connected: this.connected,
        });
        this.coverage.publishes += 1;
        this.toBroker.push({ cmdId: next.cmdId, prop: next.propertyId, value: next.desired as number });
      }
    }
  }
}

const value = fc.integer({ min: 0, max: 4 });
const retainedProp = fc.constantFrom<RetainedProp>(P, P, Q);
const command: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ t: fc.constant('edit' as const), prop: retainedProp, value, fromDisplay: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('press' as const), value }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('deviceChange' as const), prop: retainedProp, value }) },
  { weight: 2, arbitrary: fc.constant({ t: 'disconnect' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('reconnect' as const),
      retainedBeforeSuback: fc.boolean(),
      retainedLate: fc.boolean(),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({ t: fc.constant('deliverOne' as const), duplicate: fc.boolean(), echoBeforePuback: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.constant({ t: 'deliverLate' as const }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('tick' as const), ms: fc.constantFrom(10, 400, QUIET_MS, ECHO_DEADLINE_MS) }) },
  { weight: 1, arbitrary: fc.constant({ t: 'crash' as const }) },
);
const scenario = fc.record({
  deniedProp: fc.constantFrom<string | null>(null, null, Q, P),
  duplicateStatus: fc.boolean(),
  commands: fc.array(command, { minLength: 1, maxLength: 80 }),
});

function newCoverage(): Coverage {
  return { publishes: 0, republishedAfterCrash: 0, duplicates: 0, retainedBeforeSuback: 0, final: {} };
}

function runScenario(s: SimOptions & { readonly commands: readonly Cmd[] }, coverage: Coverage): Simulation {
  const sim = new Simulation(s, coverage);
  for (const cmd of s.commands) sim.run(cmd);
  sim.settle();
  return sim;
}

function checkInvariants(sim: Simulation): void {
  const publishCount = new Map<string, number>();
  for (const p of sim.publishes) {
    // Nothing is published without a connection.
    expect(p.connected).toBe(true);
    // (1) A publish happens only when the fresh value equals the entry's base (or the property is momentary).
    if (!p.momentary) {
      expect(p.fresh.status).toBe('fresh');
      if (p.fresh.status === 'fresh') expect(valuesEqual(p.fresh.value, p.base.value)).toBe(true);
    }
    // (4) The device really still had the value the operator first edited from.
    if (!p.momentary) {
      expect(sim.firstBase.has(p.cmdId)).toBe(true);
      expect(valuesEqual(p.truth, sim.firstBase.get(p.cmdId))).toBe(true);
    }
    publishCount.set(p.cmdId, (publishCount.get(p.cmdId) ?? 0) + 1);
  }
  // (2) At most one publish per cmdId; a second only after a crash interrupted it and the device was re-checked.
  for (const [cmdId, count] of publishCount) {
    expect(count).toBeLessThanOrEqual(1 + (sim.recoveries.get(cmdId) ?? 0));
  }
  // (3) Once settled, every entry has ended or is visibly held for the operator, with a reason.
  for (const entry of sim.outbox.values()) {
    expect(SETTLED_STATES).toContain(entry.state);
    if (ATTENTION_STATES.includes(entry.state)) expect(entry.reason ?? '').not.toBe('');
  }
  // Confirmed means the device was heard showing the desired value.
  for (const c of sim.confirmations) expect(valuesEqual(c.heard, c.desired)).toBe(true);
  // A discarded entry never overwrote anything: the device shows neither its base nor its desired value.
  for (const entry of sim.outbox.values()) {
    if (entry.state === 'discarded') {
      expect(valuesEqual(entry.fresh, entry.base.value)).toBe(false);
      expect(valuesEqual(entry.fresh, entry.desired)).toBe(false);
    }
  }
}

describe('outbox model under a simulated console, broker and device', () => {
  it('never publishes stale intent and leaves every edit settled or visible', () => {
    const coverage = newCoverage();
    fc.assert(
      fc.property(scenario, (s) => {
        const sim = runScenario(s, coverage);
        checkInvariants(sim);
        for (const [cmdId, n] of sim.recoveries) {
          if (sim.publishes.filter((p) => p.cmdId === cmdId).length > 1 && n > 0) coverage.republishedAfterCrash += 1;
        }
        for (const entry of sim.outbox.values()) coverage.final[entry.state] = (coverage.final[entry.state] ?? 0) + 1;
      }),
      { numRuns: 1000 },
    );
    // The generator must actually reach the interesting paths, or the invariants above prove little.
    expect(coverage.publishes).toBeGreaterThan(100);
    expect(coverage.duplicates).toBeGreaterThan(10);
    expect(coverage.retainedBeforeSuback).toBeGreaterThan(10);
    for (const state of SETTLED_STATES) expect(coverage.final[state] ?? 0, state).toBeGreaterThan(0);
  });

  it('confirms, without a second publish, an edit whose publish reached the device before a crash', () => {
    const coverage = newCoverage();
    const sim = runScenario(
      {
        deniedProp: null,
        duplicateStatus: true,
        commands: [
          { t: 'edit', prop: P, value: 4, fromDisplay: false },
          { t: 'deliverOne', duplicate: false, echoBeforePuback: false },
          { t: 'crash' },
          { t: 'reconnect', retainedBeforeSuback: false, retainedLate: false },
        ],
      },
      coverage,
    );
    checkInvariants(sim);
    expect(sim.publishes).toHaveLength(1);
    expect([...sim.outbox.values()].map((e) => [e.state, e.desired])).toEqual([['confirmed', 4]]);
  });

  it('discards an offline edit when the device changed meanwhile, and keeps the device value', () => {
    const coverage = newCoverage();
    const sim = runScenario(
      {
        deniedProp: null,
        duplicateStatus: true,
        commands: [
          { t: 'disconnect' },
          { t: 'edit', prop: P, value: 3, fromDisplay: false },
          { t: 'deviceChange', prop: P, value: 0 },
          { t: 'reconnect', retainedBeforeSuback: true, retainedLate: false },
        ],
      },
      coverage,
    );
    checkInvariants(sim);
    expect(sim.publishes).toHaveLength(0);
    const [entry] = [...sim.outbox.values()];
    expect(entry).toMatchObject({ state: 'discarded', fresh: 0, reason: 'the device changed to 0 while you were offline (you saw 2)' });
    expect(sim.device.get(P)).toBe(0);
  });

  it('judges a re-edited entry against the first base, even when the UI passes the displayed value', () => {
    const sim = runScenario(
      {
        deniedProp: null,
        duplicateStatus: false,
        commands: [
          { t: 'disconnect' },
          { t: 'edit', prop: P, value: 3, fromDisplay: false },
          { t: 'edit', prop: P, value: 4, fromDisplay: true },
          // Someone else set the device to the value the operator's control was showing.
          { t: 'deviceChange', prop: P, value: 3 },
          { t: 'reconnect', retainedBeforeSuback: false, retainedLate: false },
        ],
      },
      newCoverage(),
    );
    checkInvariants(sim);
    expect(sim.publishes).toHaveLength(0);
    expect([...sim.outbox.values()]).toMatchObject([{ state: 'discarded', desired: 4, base: { value: 2 }, fresh: 3 }]);
  });

  it('holds an edit for a property the device never reports, and releases it when a late retained value matches', () => {
    const coverage = newCoverage();
    const sim = new Simulation({ deniedProp: null, duplicateStatus: false }, coverage);
    sim.run({ t: 'disconnect' });
    sim.run({ t: 'edit', prop: P, value: 1, fromDisplay: false });
    sim.run({ t: 'reconnect', retainedBeforeSuback: false, retainedLate: true });
    sim.run({ t: 'tick', ms: QUIET_MS });
    expect([...sim.outbox.values()][0]?.state).toBe('unverified');
    expect(sim.publishes).toHaveLength(0);
    sim.run({ t: 'deliverLate' });
    sim.settle();
    checkInvariants(sim);
    expect(sim.publishes).toHaveLength(1);
    expect([...sim.outbox.values()][0]?.state).toBe('confirmed');
    expect(sim.device.get(P)).toBe(1);
  });
});
