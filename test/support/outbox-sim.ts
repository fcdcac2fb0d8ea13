// A pure simulation of one console, a broker and one device, in which every
// outbox decision is made by the real model: coalesce (edits), planPass
// (judging), reconcile's PUBACK/echo/deadline/crash transitions and
// SessionEvidence (what the session heard). The simulation only plays the
// world: time, the network, the device and the operator. Property tests
// (test/unit/outbox-properties.test.ts) run random schedules through it.

import { baseFromShown, coalesce, mergeable, type ShownValue } from '../../src/model/coalesce.js';
import { SessionEvidence } from '../../src/model/evidence.js';
import { planPass, propertyKey, recheckBeforePublish, type PlanTiming } from '../../src/model/plan.js';
import { onEcho, onEchoDeadline, onPuback, recoverAfterCrash } from '../../src/model/reconcile.js';
import { IN_FLIGHT_STATES, type DeviceSchema, type OutboxEntry, type PropertySchema, type ReportedValue } from '../../src/model/types.js';
import { updateEntry } from '../../src/model/outbox-entry.js';

export const DEV = 'homie5:sim';
/** How the device reports a property. */
export type Mode = 'retained' | 'live' | 'silent';
export type Prop = 'r' | 'l' | 's';
export const PROPS: Readonly<Record<Prop, Mode>> = { r: 'retained', l: 'live', s: 'silent' };
export const PROP_IDS = Object.keys(PROPS) as Prop[];

function schemaOf(id: Prop): PropertySchema {
  const mode = PROPS[id];
  return {
    id,
    name: id.toUpperCase(),
    datatype: 'integer',
    settable: true,
    momentary: false,
    retained: mode === 'retained',
    ...(mode === 'silent' ? { reports: false } : {}),
    min: 0,
    max: 9,
  };
}

export const SCHEMA: DeviceSchema = { id: DEV, name: 'Sim', convention: 'homie5', properties: PROP_IDS.map(schemaOf) };
export const TIMING: PlanTiming = { echoDeadlineMs: 1000, askDeadlineMs: 500 };
const QUIET_MS = 100;

export type Step =
  | { readonly kind: 'edit'; readonly prop: Prop; readonly value: number }
  | { readonly kind: 'hardware'; readonly prop: Prop; readonly value: number }
  | { readonly kind: 'connect' }
  | { readonly kind: 'disconnect'; readonly deliverInFlight: boolean }
  | { readonly kind: 'crash'; readonly deliverInFlight: boolean }
  | { readonly kind: 'tick'; readonly ms: number }
  | { readonly kind: 'deliver' }
  | { readonly kind: 'send-anyway' };

/** One publish the console made, with what it knew at that moment. */
export interface PublishRecord {
  readonly entry: OutboxEntry;
  readonly session: string;
  readonly at: number;
  /** The property's latest report on the publishing session, if any. */
  readonly reportedOnSession: ReportedValue | undefined;
  readonly deviceValue: number;
}

interface Message {
  readonly entry: OutboxEntry;
  readonly session: string;
  readonly at: number;
}

/** Sets carry a message expiry of the echo deadline in whole seconds (MQTT 5): the broker drops one older than that. */
const EXPIRY_MS = Math.ceil(TIMING.echoDeadlineMs / 1000) * 1000;

export class OutboxSim {
  now = 10_000;
  device: Record<Prop, number> = { r: 0, l: 0, s: 0 };
  /** What the broker retains (retained properties only). */
  private brokerRetained: Partial<Record<Prop, number>> = { r: 0 };
  /** The console's last-known values (its status cache, which survives a crash). */
  cache = new Map<Prop, ReportedValue>();
  entries: OutboxEntry[] = [];
  private nextSeq = 1;
  private sessionCount = 0;
  session: string | null = null;
  private evidence: SessionEvidence | null = null;
  private inFlight = new Map<string, OutboxEntry>();
  private deadlines = new Map<string, number>();
  private enRoute: Message[] = [];
  /** Publishes the broker has accepted and not yet acknowledged to the console. */
  private pubacks: Message[] = [];
  readonly publishes: PublishRecord[] = [];
  /** Every set the device applied, one per application: whether that copy went out on the operator's Send anyway. */
  readonly applied: { readonly cmdId: string; readonly sentAnyway: boolean }[] = [];
  /** Every edit the operator made, with the entry it went into (after coalescing). */
  readonly edits: { readonly cmdId: string | null; readonly renderedIn: string | null }[] = [];

  // ---- the operator ----

  private shown(prop: Prop): ShownValue {
    const mine = this.entries.filter((e) => e.propertyId === prop && !e.dismissed);
    const active = mine.filter((e) => IN_FLIGHT_STATES.includes(e.state) || ['queued', 'checking', 'held'].includes(e.state)).at(-1);
    if (active) return { kind: 'intent', value: active.desired };
    const r = this.cache.get(prop);
    return r ? { kind: 'reported', reported: r } : { kind: 'unknown' };
  }

  edit(prop: Prop, value: number): void {
    const base = baseFromShown(this.shown(prop), this.session);
    const same = this.entries.filter((e) => e.propertyId === prop);
    const result = coalesce(mergeable(same), { cmdId: `c${this.nextSeq}`, deviceId: DEV, propertyId: prop, desired: value, base, now: this.now });
    if (result.action === 'noop') {
      this.edits.push({ cmdId: null, renderedIn: base.renderedIn });
      return;
    }
    if (result.action === 'supersede') this.put(result.superseded);
    const stored = this.put(result.entry);
    this.edits.push({ cmdId: stored.cmdId, renderedIn: base.renderedIn });
  }

  sendAnyway(): void {
    const e = this.entries.find((x) => x.state === 'unverified');
    if (e) this.put(updateEntry(e, { state: 'queued', sentAnywayBy: 'Dana', updatedAt: this.now }, ['reason']));
  }

  private put(e: OutboxEntry): OutboxEntry {
    const stored = e.seq === undefined ? { ...e, seq: this.nextSeq++ } : e;
    const i = this.entries.findIndex((x) => x.seq === stored.seq);
    if (i === -1) this.entries.push(stored);
    else this.entries[i] = stored;
    return stored;
  }

  // ---- the device and the network ----

  hardware(prop: Prop, value: number): void {
    this.device[prop] = value;
    this.report(prop, false);
  }

  /** The device publishes its state; the console hears it if connected (a silent property never reports). */
  private report(prop: Prop, retainedReplay: boolean): void {
    const mode = PROPS[prop];
    if (mode === 'silent') return;
    if (mode === 'retained') this.brokerRetained[prop] = this.device[prop];
    if (!this.session || !this.evidence) return;
    const reported: ReportedValue = { value: this.device[prop], receivedAt: this.now, retained: retainedReplay, session: this.session };
    this.cache.set(prop, reported);
    this.evidence.noteMessage(DEV, prop, this.now);
    // Echo: an in-flight entry of this property is confirmed by the device showing its desired value.
    const f = this.inFlight.get(propertyKey(DEV, prop));
    if (f) this.apply(f, (latest) => onEcho(latest, reported.value, this.now));
  }

  connect(): void {
    if (this.session) return;
    this.session = `s${++this.sessionCount}`;
    this.evidence = new SessionEvidence(this.session, this.now, QUIET_MS);
    // The broker replays what it retains, before SUBACK here (some brokers do).
    for (const prop of PROP_IDS) if (this.brokerRetained[prop] !== undefined && PROPS[prop] === 'retained') this.report(prop, true);
    this.evidence.markAllSubscribed(this.now);
  }

  /** The connection drops: in-flight entries go back to be judged; sets already on the wire may still arrive. */
  disconnect(deliverInFlight: boolean): void {
    if (!this.session) return;
    if (!deliverInFlight) this.enRoute = [];
    this.pubacks = [];
    this.session = null;
    this.evidence = null;
    for (const e of this.inFlight.values()) this.apply(e, (latest) => recoverAfterCrash(latest, this.now));
    this.inFlight.clear();
    this.deadlines.clear();
  }

  /** The console process dies: like a drop, and whatever it held in memory is gone (the outbox is on disk). */
  crash(deliverInFlight: boolean): void {
    this.disconnect(deliverInFlight);
    this.entries = this.entries.map((e) => recoverAfterCrash(e, this.now));
  }

  /** The device receives the oldest set on its way and applies it once. */
  deliver(): void {
    const m = this.enRoute.shift();
    if (!m || this.now - m.at >= EXPIRY_MS) return;
    this.applied.push({ cmdId: m.entry.cmdId, sentAnyway: m.entry.sentAnywayBy !== undefined });
    this.device[m.entry.propertyId as Prop] = m.entry.desired as number;
    this.report(m.entry.propertyId as Prop, false);
  }

  /** The broker's PUBACKs reach the console on the session that published, if it is still up. */
  private acknowledge(): void {
    const acks = this.pubacks;
    this.pubacks = [];
    for (const m of acks) {
      if (this.session !== m.session) continue;
      const confirmable = PROPS[m.entry.propertyId as Prop] !== 'silent';
      this.apply(m.entry, (latest) => onPuback(latest, 0, 'topic', confirmable, this.now));
    }
  }

  tick(ms: number): void {
    this.now += ms;
    this.acknowledge();
    for (const [cmdId, at] of [...this.deadlines]) {
      if (at > this.now) continue;
      this.deadlines.delete(cmdId);
      const e = this.entries.find((x) => x.cmdId === cmdId);
      if (e) this.apply(e, (latest) => onEchoDeadline(latest, this.reportedOnSession(latest.propertyId as Prop)?.value, this.now));
    }
    this.pass();
  }

  private reportedOnSession(prop: Prop): ReportedValue | undefined {
    return this.evidence?.hasReported(DEV, prop) ? this.cache.get(prop) : undefined;
  }

  /** Apply a transition to the latest version of an entry (the engine's update()). */
  private apply(entry: OutboxEntry, fn: (latest: OutboxEntry) => OutboxEntry): void {
    const latest = this.entries.find((x) => x.seq === entry.seq);
    if (!latest || latest.cmdId !== entry.cmdId) return;
    const next = fn(latest);
    if (next === latest) return;
    this.put(next);
    if (!IN_FLIGHT_STATES.includes(next.state)) {
      const k = propertyKey(DEV, next.propertyId);
      if (this.inFlight.get(k)?.cmdId === next.cmdId) this.inFlight.delete(k);
      this.deadlines.delete(next.cmdId);
    } else if (next.state === 'sent' && this.inFlight.has(propertyKey(DEV, next.propertyId))) this.inFlight.set(propertyKey(DEV, next.propertyId), next);
  }

  /** One planner pass, carried out the way the engine does. */
  pass(): void {
    const session = this.session;
    const evidence = this.evidence;
    if (!session || !evidence) return;
    const plan = planPass({
      entries: this.entries.filter((e) => ['queued', 'checking', 'held'].includes(e.state)),
      evidence: (_d, p) => ({
        device: SCHEMA,
        property: SCHEMA.properties.find((x) => x.id === p),
        reported: this.reportedOnSession(p as Prop),
        replay: evidence.replay(DEV, SCHEMA, false, this.now),
        availability: 'ready',
        canAsk: false,
      }),
      session: { id: session, startedAt: evidence.startedAt },
      busy: new Set(this.inFlight.keys()),
      now: this.now,
      timing: TIMING,
    });
    for (const t of plan.transitions) this.put(t.to);
    for (const sending of plan.publish) {
      const prop = sending.propertyId as Prop;
      const back = recheckBeforePublish(sending, this.reportedOnSession(prop), false, this.now);
      if (back) {
        this.put(back);
        continue;
      }
      this.publishes.push({ entry: sending, session, at: this.now, reportedOnSession: this.reportedOnSession(prop), deviceValue: this.device[prop] });
      this.inFlight.set(propertyKey(DEV, prop), sending);
      if (PROPS[prop] !== 'silent') this.deadlines.set(sending.cmdId, this.now + TIMING.echoDeadlineMs);
      this.enRoute.push({ entry: sending, session, at: this.now });
      this.pubacks.push({ entry: sending, session, at: this.now });
    }
  }

  run(step: Step): void {
    switch (step.kind) {
      case 'edit':
        this.edit(step.prop, step.value);
        break;
      case 'hardware':
        this.hardware(step.prop, step.value);
        break;
      case 'connect':
        this.connect();
        break;
      case 'disconnect':
        this.disconnect(step.deliverInFlight);
        break;
      case 'crash':
        this.crash(step.deliverInFlight);
        break;
      case 'tick':
        this.tick(step.ms);
        break;
      case 'deliver':
        this.deliver();
        break;
      case 'send-anyway':
        this.sendAnyway();
        break;
    }
    this.pass();
  }

  /** Heal: connect, let everything arrive, wait out every deadline. */
  settle(): void {
    this.connect();
    for (let i = 0; i < 40; i++) {
      this.tick(200);
      while (this.enRoute.length > 0) this.deliver();
    }
  }
}

