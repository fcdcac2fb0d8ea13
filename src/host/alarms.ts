/**
 * The engine host's alarm monitor: runs every rule's state machine
 * (model/alarms.ts) on what the host knows, so every tab shows the same
 * alarms. It is fed by the status pipeline (values and availability as they
 * arrive), by session changes (a connection that opens or drops changes what
 * is fresh), by a timer (minimum durations, "no report for N s") and by the
 * page's writes (rules, acknowledgements: `alarms-changed`). It keeps the
 * rules' devices subscribed (subscription source "alarms"), persists each
 * rule's state (a new leader's host starts from it) and writes the history.
 */
import type { AdapterEvent } from '../conventions/adapter.js';
import type { AlarmHistoryRecord } from '../model/alarm-history.js';
import {
  acknowledge,
  availabilityFreshness,
  evaluate,
  initialAlarmState,
  rulePropertyId,
  sameTarget,
  silenceFreshness,
  valueFreshness,
  type AlarmEvent,
  type AlarmInput,
  type AlarmRule,
  type AlarmState,
  type AlarmView,
} from '../model/alarms.js';
import type { AlarmStore } from '../store/alarms.js';
import type { DeviceStates } from '../status/device-states.js';
import type { StatusPipeline } from '../status/pipeline.js';
import type { SubscriptionManager } from '../status/subscriptions.js';
import { valueKey } from './protocol.js';

export interface AlarmMonitorDeps {
  readonly store: AlarmStore;
  readonly devices: DeviceStates;
  /** What every client shows of the alarms changed. */
  readonly changed: () => void;
  readonly now?: () => number;
}

/** State and history writes are batched this long (a burst of readings is one transaction). */
const WRITE_DELAY_MS = 200;

export class AlarmMonitor {
  private rules = new Map<string, AlarmRule>();
  private byDevice = new Map<string, AlarmRule[]>();
  private readonly states = new Map<string, AlarmState>();
  private readonly wakes = new Map<string, number>();
  private pipeline: StatusPipeline | null = null;
  private subscriptions: SubscriptionManager | null = null;
  private unlisten: (() => void) | null = null;
  /** The pipeline session the per-session facts below belong to. */
  private trackedSession: string | null = null;
  /** When the tracked session went live (its always-on subscriptions acknowledged). */
  private liveAt: number | null = null;
  /** Devices whose availability was heard on the tracked session. */
  private readonly heard = new Set<string>();
  /** Last live (not retained) report per watched property on the tracked session. */
  private readonly lastLive = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private readonly dirty = new Set<string>();
  private readonly removed = new Set<string>();
  private history: AlarmHistoryRecord[] = [];
  private writeTimer: ReturnType<typeof setTimeout> | undefined;
  private writing: Promise<void> = Promise.resolve();
  private reading: Promise<void> = Promise.resolve();
  private disposed = false;
  private readonly now: () => number;

  constructor(private readonly deps: AlarmMonitorDeps) {
    this.now = deps.now ?? Date.now;
  }

  // ---- wiring ----

  /** A (new) session stack: listen to its pipeline, and keep the rules' devices subscribed on it. */
  attach(pipeline: StatusPipeline, subscriptions: SubscriptionManager): void {
    this.unlisten?.();
    this.pipeline = pipeline;
    this.subscriptions = subscriptions;
    this.unlisten = pipeline.listen({ onEvents: (events, at) => this.onEvents(events, at) });
    this.trackedSession = null;
    this.updateSubscriptions();
    this.evaluateAll();
  }

  /** The connection opened, went live or dropped: what is fresh changed for every rule. */
  sessionChanged(): void {
    this.evaluateAll();
  }

  /** Read rules, states and acknowledgements from storage (a host starting). */
  load(): Promise<void> {
    return this.reload(true);
  }

  /** Rules or acknowledgements changed in storage (a page said `alarms-changed`). */
  reload(initial = false): Promise<void> {
    this.reading = this.reading
      .then(() => this.read(initial))
      .catch((err: unknown) => {
        if (!this.disposed) console.warn('Holdfast: could not read the alarm rules', err);
      });
    return this.reading;
  }

  private async read(initial: boolean): Promise<void> {
    const store = this.deps.store;
    const [rules, stored, acks] = await Promise.all([store.rules(), initial ? store.states() : Promise.resolve(null), store.acks()]);
    if (this.disposed) return;
    const now = this.now();
    const next = new Map(rules.map((r) => [r.id, r]));
    if (stored) for (const s of stored) if (next.has(s.ruleId)) this.states.set(s.ruleId, s);
    // Rules gone, or now watching something else: their alarm ends with the rule.
    const known = new Set([...this.rules.keys(), ...(stored ?? []).map((s) => s.ruleId)]);
    for (const id of known) {
      const before = this.rules.get(id);
      const after = next.get(id);
      if (after && (!before || sameTarget(before, after))) continue;
      const state = this.states.get(id);
      if (state && state.status !== 'normal' && before) this.history.push(this.historyRow(before, { kind: 'rule-removed', ruleId: id, alarmId: state.alarmId, at: now, reading: state.reading }));
      this.states.delete(id);
      this.wakes.delete(id);
      if (!after) this.removed.add(id);
      this.dirty.delete(id);
    }
    this.rules = next;
    this.byDevice = new Map();
    for (const r of rules) {
      const list = this.byDevice.get(r.deviceId) ?? [];
      list.push(r);
      this.byDevice.set(r.deviceId, list);
    }
    this.updateSubscriptions();
    this.evaluateAll();
    // Acknowledgements the pages wrote: each names the raise it is for.
    const done: string[] = [];
    for (const ack of acks) {
      done.push(ack.alarmId);
      const prev = this.states.get(ack.ruleId);
      const rule = this.rules.get(ack.ruleId);
      if (!prev || !rule) continue;
      const r = acknowledge(prev, ack.alarmId, { by: ack.by, at: ack.at });
      this.record(rule, prev, r.state, r.events);
    }
    if (done.length > 0) await store.deleteAcks(done);
    this.scheduleWrite();
    this.deps.changed();
  }

  private updateSubscriptions(): void {
    this.subscriptions?.setSource('alarms', this.byDevice.keys());
  }

  // ---- evaluation ----

  private onEvents(events: readonly AdapterEvent[], at: number): void {
    if (this.rules.size === 0) return;
    this.trackSession(at);
    const touched = new Set<AlarmRule>();
    for (const e of events) {
      const deviceId = e.kind === 'device' ? e.device.id : e.deviceId;
      const rules = this.byDevice.get(deviceId);
      if (!rules) continue;
      if (e.kind === 'value') {
        for (const r of rules) {
          if (rulePropertyId(r) !== e.propertyId) continue;
          if (!e.retained) this.lastLive.set(valueKey(deviceId, e.propertyId), at);
          touched.add(r);
        }
      } else {
        if (e.kind === 'availability') this.heard.add(deviceId);
        for (const r of rules) touched.add(r);
      }
    }
    for (const r of touched) this.evaluateRule(r, at);
    if (touched.size > 0) this.afterEvaluation();
  }

  /** Per-session facts start again with each new session. */
  private trackSession(now: number): void {
    const sid = this.pipeline?.sessionId ?? null;
    if (sid !== this.trackedSession) {
      this.trackedSession = sid;
      this.liveAt = null;
      this.heard.clear();
      this.lastLive.clear();
    }
    if (this.liveAt === null && sid !== null && this.pipeline?.liveSession()?.id === sid) this.liveAt = now;
  }

  private input(rule: AlarmRule, now: number): AlarmInput {
    const pipeline = this.pipeline;
    const session = pipeline?.liveSession()?.id ?? null;
    const availability = this.deps.devices.availability(rule.deviceId);
    const propertyId = rulePropertyId(rule);
    const value = propertyId === null ? null : (this.deps.devices.current(rule.deviceId, propertyId) ?? null);
    switch (rule.kind) {
      case 'unavailable': {
        const replay = pipeline && session !== null ? pipeline.evidenceFor(rule.deviceId, '', now).replay : 'waiting';
        return { now, freshness: availabilityFreshness(session, this.heard.has(rule.deviceId), replay !== 'waiting'), value, availability, silentSince: null };
      }
      case 'older-than': {
        const live = session !== null ? this.liveAt : null;
        const last = this.lastLive.get(valueKey(rule.deviceId, rule.propertyId));
        return { now, freshness: silenceFreshness(live === null ? null : session), value, availability, silentSince: live === null ? null : Math.max(live, last ?? live) };
      }
      default:
        return { now, freshness: valueFreshness(session, availability, value), value, availability, silentSince: null };
    }
  }

  private evaluateAll(): void {
    const now = this.now();
    this.trackSession(now);
    for (const r of this.rules.values()) this.evaluateRule(r, now);
    this.afterEvaluation();
  }

  private evaluateRule(rule: AlarmRule, now: number): void {
    const prev = this.states.get(rule.id) ?? initialAlarmState(rule.id);
    const r = evaluate(rule, prev, this.input(rule, now));
    if (r.wakeAt !== null) this.wakes.set(rule.id, r.wakeAt);
    else this.wakes.delete(rule.id);
    // A device-level rule waiting for the device's replay to end looks again when it settles.
    if (rule.kind === 'unavailable' && r.state.stale?.reason === 'not-reported') {
      const at = this.pipeline?.nextSettleAt([rule.deviceId], now);
      if (at !== null && at !== undefined) this.wakes.set(rule.id, at);
    }
    if (!this.states.has(rule.id)) this.states.set(rule.id, prev);
    this.record(rule, prev, r.state, r.events);
  }

  private record(rule: AlarmRule, prev: AlarmState, next: AlarmState, events: readonly AlarmEvent[]): void {
    for (const e of events) this.history.push(this.historyRow(rule, e));
    if (next === prev) return;
    this.states.set(rule.id, next);
    this.dirty.add(rule.id);
    this.scheduleWrite();
    this.deps.changed();
  }

  private afterEvaluation(): void {
    if (this.history.length > 0) this.scheduleWrite();
    let at = Infinity;
    for (const t of this.wakes.values()) at = Math.min(at, t);
    if (at === this.timerAt && this.timer !== undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === Infinity || this.disposed) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.evaluateAll();
      },
      Math.max(0, at - this.now()),
    );
  }

  // ---- views and history ----

  private names(rule: AlarmRule): { deviceName: string; property: AlarmView['property'] } {
    const devices = this.deps.devices;
    const schema = devices.schema(rule.deviceId);
    const propertyId = rulePropertyId(rule);
    return {
      deviceName: devices.summary(rule.deviceId)?.name ?? schema?.name ?? rule.deviceId,
      property: propertyId === null ? null : (schema?.properties.find((p) => p.id === propertyId) ?? null),
    };
  }

  private historyRow(rule: AlarmRule, e: Omit<AlarmEvent, 'kind'> & { readonly kind: AlarmHistoryRecord['event'] }): AlarmHistoryRecord {
    const { deviceName, property } = this.names(rule);
    return {
      at: e.at,
      event: e.kind,
      alarmId: e.alarmId,
      ruleId: rule.id,
      rule,
      deviceName,
      property,
      reading: e.reading,
      ...(e.by !== undefined ? { by: e.by } : {}),
      ...(e.staleReason !== undefined ? { staleReason: e.staleReason } : {}),
    };
  }

  /** Every rule with its state, as clients show them. */
  list(): AlarmView[] {
    return [...this.rules.values()].map((rule) => ({ rule, state: this.states.get(rule.id) ?? initialAlarmState(rule.id), ...this.names(rule) }));
  }

  // ---- storage ----

  private scheduleWrite(): void {
    if (this.writeTimer !== undefined || this.disposed) return;
    this.writeTimer = setTimeout(() => void this.flush(), WRITE_DELAY_MS);
  }

  /** Write what changed (states, removed rules' states, history). */
  flush(): Promise<void> {
    clearTimeout(this.writeTimer);
    this.writeTimer = undefined;
    const put = [...this.dirty].flatMap((id) => {
      const s = this.states.get(id);
      return s ? [s] : [];
    });
    const remove = [...this.removed];
    const history = this.history;
    this.dirty.clear();
    this.removed.clear();
    this.history = [];
    if (put.length === 0 && remove.length === 0 && history.length === 0) return this.writing;
    const store = this.deps.store;
    this.writing = this.writing
      .then(() => Promise.all([store.saveStates(put, remove), store.addHistory(history)]))
      .then(() => undefined)
      .catch((err: unknown) => console.warn('Holdfast: could not write the alarm states', err));
    return this.writing;
  }

  dispose(): void {
    this.disposed = true;
    this.unlisten?.();
    this.unlisten = null;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.subscriptions?.setSource('alarms', []);
  }
}
