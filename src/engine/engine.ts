import type { AdapterEvent } from '../conventions/adapter.js';
import { FreshnessTracker, lookupFresh } from '../model/freshness.js';
import { updateEntry } from '../model/outbox-entry.js';
import { applyDecision, decide, onEcho, onEchoDeadline, onPuback, REASONS, reasonCodeText, recoverAfterCrash, type Decision } from '../model/reconcile.js';
import type { Availability, OutboxEntry, PropertyValue } from '../model/types.js';
import { valuesEqual } from '../model/values.js';
import { NotConnectedError, PublishRejectedError, type BrokerConnection } from '../mqtt/connection.js';
import type { OutboxStore } from '../store/outbox.js';
import type { StatusStore, TimedEvent } from '../store/status.js';
import { eventDeviceId, type ConventionRouter } from '../status/router.js';

export interface EngineOptions {
  /** A device quiet this long after SUBACK is settled: fresh for what it reported, unknown for the rest. */
  readonly quietMs: number;
  /** How long a sent edit waits for the device's echo before it is shown as unconfirmed. */
  readonly echoDeadlineMs: number;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = { quietMs: 1500, echoDeadlineMs: 5000 };

/** Raw traffic, for the traffic log. */
export interface TrafficRecord {
  readonly at: number;
  readonly direction: 'in' | 'out';
  readonly topic: string;
  readonly payload: Uint8Array | string;
  readonly retained: boolean;
  readonly deviceId?: string;
  readonly note?: string;
}

const key = (deviceId: string, propertyId: string): string => `${deviceId}\u0000${propertyId}`;

/**
 * Availabilities in which the retained status may be older than the device
 * (it may change at its panel unheard): edits are held until it is back.
 */
const DEVICE_AWAY: readonly Availability[] = ['lost', 'disconnected', 'sleeping', 'init'];

/**
 * The outbox flusher. Runs only in the leader tab. It alone decides what is
 * published, and only after the device has reported fresh status on the
 * current connection: the stale-replay incident cannot happen by construction.
 */
export class OutboxEngine {
  private connection: BrokerConnection | null = null;
  private readonly tracker: FreshnessTracker;
  private session: number | null = null;
  private subscribed = false;
  private sessionStartedAt = 0;
  private running = false;
  private rerun = false;
  private kickQueued = false;
  private settleTimer: ReturnType<typeof setTimeout> | undefined;
  /** When an interrupted entry may be sent again (see reconcileOnce). */
  private resendTimer: ReturnType<typeof setTimeout> | undefined;
  private resendAt = 0;
  /** Entries this leader is publishing or waiting on, by device+property. */
  private readonly inFlight = new Map<string, OutboxEntry>();
  private readonly deadlines = new Map<string, ReturnType<typeof setTimeout>>();
  private disposed = false;
  /** Topics that delivered a live (non-retained) message in this session. */
  private readonly liveTopics = new Set<string>();
  /**
   * Whether the last complete reconcile pass found entries to judge. Only
   * then can a status message change a decision; with an empty outbox a
   * message need not cost an outbox read. Edits, timers and PUBACKs kick regardless.
   */
  private pendingSeen = true;

  constructor(
    private readonly outbox: OutboxStore,
    private readonly status: StatusStore,
    private readonly router: ConventionRouter,
    private readonly options: EngineOptions = DEFAULT_ENGINE_OPTIONS,
    private readonly onEvents?: (batch: readonly TimedEvent[]) => void,
    private readonly onTraffic?: (record: TrafficRecord) => void,
  ) {
    this.tracker = new FreshnessTracker(options.quietMs);
  }

  attach(connection: BrokerConnection): void {
    this.connection = connection;
  }

  /**
   * Crash and reload safety: whatever a previous leader left in flight goes
   * back through reconciliation. It is never resent blindly.
   */
  async recover(): Promise<number> {
    const stuck = await this.outbox.inFlight();
    const now = Date.now();
    const applied = await this.outbox.transitionMany(stuck.map((e) => [e, recoverAfterCrash(e, now)] as const));
    return applied.filter(Boolean).length;
  }

  /** Connection handler: runs for every message of the open session. */
  handleMessage(topic: string, payload: Uint8Array, retained: boolean): void {
    const at = Date.now();
    // A retained copy is a replay of what the broker stored when we subscribed. Some brokers (aedes) can deliver
    // it after a live update of the same topic: it is then older than what we already have, so it must not win.
    if (retained && this.liveTopics.has(topic)) return;
    if (!retained) this.liveTopics.add(topic);
    const events = this.router.route(topic, payload, retained);
    if (this.onTraffic) {
      const first = events[0];
      this.onTraffic({ at, direction: 'in', topic, payload, retained, ...(first ? { deviceId: eventDeviceId(first) } : {}) });
    }
    // Discovery (e.g. a Home Assistant config) can name new state topics: subscribe to them in this session.
    const extra = this.router.takeNewSubscriptions();
    if (extra.length > 0 && this.connection && this.session !== null) {
      void this.subscribe(extra, this.session);
    }
    if (events.length === 0) return;
    const batch: TimedEvent[] = [];
    for (const event of events) {
      this.tracker.noteMessage(eventDeviceId(event), event.kind === 'value' ? event.propertyId : null, at);
      batch.push({ at, event });
    }
    this.status.apply(batch);
    this.onEvents?.(batch);
    for (const event of events) this.checkEcho(event);
    if (this.pendingSeen || this.running) this.kick();
  }

  onOpen(session: number): void {
    this.session = session;
    this.liveTopics.clear();
    this.subscribed = false;
    this.sessionStartedAt = Date.now();
    this.tracker.startSession(this.sessionStartedAt);
    const connection = this.connection;
    if (!connection) return;
    void this.subscribe(this.router.subscriptions(), session).then((ok) => {
      if (!ok || this.session !== session) return;
      this.subscribed = true;
      this.tracker.markSubscribed(Date.now());
      this.kick();
    });
  }

  /** Subscribe within a session; a session that ends meanwhile takes its subscriptions with it (no alarm). */
  private async subscribe(filters: readonly string[], session: number): Promise<boolean> {
    try {
      await this.connection?.subscribe(filters);
      return true;
    } catch (err) {
      if (this.session === session && this.connection?.state.status === 'open' && !/closed/i.test(String(err))) console.warn('Holdfast: subscribe failed', err);
      return false;
    }
  }

  onClose(session: number): void {
    if (this.session !== session || this.disposed) return;
    this.session = null;
    this.subscribed = false;
    clearTimeout(this.settleTimer);
    // We cannot know whether an in-flight publish arrived: re-judge each one on the next connection.
    const stuck = [...this.inFlight.values()];
    this.inFlight.clear();
    for (const t of this.deadlines.values()) clearTimeout(t);
    this.deadlines.clear();
    void (async () => {
      const now = Date.now();
      // Through update(): a PUBACK handled meanwhile may have moved the entry on (sending → sent), and a lost
      // compare-and-set must be retried on that version, or the entry would stay "sent" with nothing waiting on it.
      for (const e of stuck) await this.update(e, (latest) => (latest.state === 'sending' || latest.state === 'sent' ? recoverAfterCrash(latest, now) : latest));
    })().catch((err: unknown) => {
      // A tab closing mid-write: the next leader's recover() re-judges these entries anyway.
      if (!this.disposed) console.warn('Holdfast: could not re-queue in-flight edits', err);
    });
  }

  /** Something changed (a message, an edit, a timer): reconcile soon, once. */
  kick(): void {
    if (this.kickQueued || this.disposed) return;
    this.kickQueued = true;
    queueMicrotask(() => {
      this.kickQueued = false;
      void this.reconcile();
    });
  }

  private isLive(): boolean {
    return this.session !== null && this.subscribed && this.connection?.state.status === 'open';
  }

  async reconcile(): Promise<void> {
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.rerun = false;
        if (!this.isLive()) return;
        await this.reconcileOnce();
      } while (this.rerun && !this.disposed);
    } catch (err) {
      console.error('Holdfast: reconcile failed', err);
    } finally {
      this.running = false;
    }
  }

  /**
   * Judge every pending entry against fresh status, then write all the
   * decisions in one transaction (including the durable "sending" states)
   * and only then publish: a reconnect with hundreds of queued edits costs
   * one write, not hundreds.
   */
  private async reconcileOnce(): Promise<void> {
    const pending = await this.outbox.pending();
    const waitingDevices = new Set<string>();
    const busy = new Set(this.inFlight.keys());
    const plans: { entry: OutboxEntry; next: OutboxEntry; momentary: boolean }[] = [];
    const now = Date.now();
    for (const entry of pending) {
      const k = key(entry.deviceId, entry.propertyId);
      // One write per property at a time: a later edit is judged after the earlier one ends.
      if (busy.has(k)) continue;
      const schema = this.status.schema(entry.deviceId);
      const property = schema?.properties.find((p) => p.id === entry.propertyId);
      const momentary = property?.momentary === true;
      let next: OutboxEntry;
      if (schema && !property) {
        next = { ...entry, state: 'rejected', reason: `${schema.name} no longer has a setting "${entry.propertyId}"`, updatedAt: now };
      } else if (property && (!property.settable || property.readOnlyReason)) {
        next = { ...entry, state: 'rejected', reason: property.readOnlyReason ?? `${property.name} is read-only`, updatedAt: now };
      } else if (momentary && entry.createdAt < this.sessionStartedAt) {
        // A momentary command (e.g. reboot) is only meaningful when it was pressed; never replay it later.
        next = { ...entry, state: 'discarded', reason: 'a momentary command is not replayed after the connection dropped', updatedAt: now };
      } else {
        const current = this.status.current(entry.deviceId, entry.propertyId)?.value;
        const fresh = lookupFresh(this.tracker, entry.deviceId, entry.propertyId, schema, current, now);
        const away = DEVICE_AWAY.includes(this.status.availability(entry.deviceId));
        const decision: Decision = decide(entry, fresh, { momentary, away });
        if (decision.next === 'wait') {
          waitingDevices.add(entry.deviceId);
          continue;
        }
        // An earlier attempt may still be on its way to the device (routed, not yet applied): sending again now
        // could make it apply the edit twice. Judge again once that copy would have been echoed or expired at the
        // broker (the echo deadline, rounded up to the sets' message expiry in whole seconds).
        const resendAt = (entry.lastAttemptAt ?? entry.updatedAt) + Math.ceil(this.options.echoDeadlineMs / 1000) * 1000;
        if (decision.next === 'send' && !momentary && entry.attempts > 0 && now < resendAt) {
          busy.add(k);
          this.scheduleResendCheck(resendAt);
          next = updateEntry(entry, { state: 'queued', reason: REASONS.earlierAttempt, updatedAt: now }, ['fresh']);
        } else {
          next = applyDecision(entry, decision, now);
          if (decision.next === 'send') {
            busy.add(k);
            next = { ...next, lastAttemptAt: now };
          }
        }
      }
      if (next.state !== entry.state || next.reason !== entry.reason || !valuesEqual(next.fresh ?? null, entry.fresh ?? null)) {
        plans.push({ entry, next, momentary });
      }
    }
    this.pendingSeen = pending.length > 0;
    this.scheduleSettleCheck([...waitingDevices]);
    if (plans.length === 0 || !this.isLive()) return;
    // Durable before anything is published: after a crash a "sending" entry is re-judged, never blindly resent.
    const applied = await this.outbox.transitionMany(plans.map((p) => [p.entry, p.next] as const));
    plans.forEach((plan, i) => {
      if (!applied[i]) this.rerun = true;
      else if (plan.next.state === 'sending') this.publish(plan.entry, plan.next, plan.momentary);
    });
  }

  private scheduleResendCheck(at: number): void {
    if (this.resendTimer !== undefined && this.resendAt <= at) return;
    clearTimeout(this.resendTimer);
    this.resendAt = at;
    this.resendTimer = setTimeout(() => {
      this.resendTimer = undefined;
      this.kick();
    }, Math.max(0, at - Date.now()) + 5);
  }

  private scheduleSettleCheck(deviceIds: string[]): void {
    clearTimeout(this.settleTimer);
    if (deviceIds.length === 0) return;
    const at = this.tracker.nextCheckAt(deviceIds, Date.now());
    if (at === null) return;
    this.settleTimer = setTimeout(() => this.kick(), Math.max(0, at - Date.now()) + 5);
  }

  /** Publish an entry already durable as "sending"; its PUBACK, echo or deadline moves it on. */
  private publish(entry: OutboxEntry, sending: OutboxEntry, momentary: boolean): void {
    const back = (fn: (latest: OutboxEntry) => OutboxEntry): void => {
      void this.update(sending, (latest) => (latest.state === 'sending' ? fn(latest) : latest));
    };
    // A status message may have arrived while the decision was written: check again, at the last moment.
    const now = this.status.current(entry.deviceId, entry.propertyId)?.value;
    if (!momentary && !valuesEqual(now ?? null, entry.base.value)) {
      back((latest) => ({ ...latest, state: 'queued', updatedAt: Date.now(), reason: 'the device reported a new value just before sending; re-checking' }));
      return;
    }
    const command = this.router.encodeSet(entry.deviceId, entry.propertyId, entry.desired);
    if (!command.ok) {
      back((latest) => ({ ...latest, state: 'rejected', reason: command.error, updatedAt: Date.now() }));
      return;
    }
    const connection = this.connection;
    if (!connection || !this.isLive()) {
      back((latest) => recoverAfterCrash(latest, Date.now()));
      return;
    }
    this.inFlight.set(key(entry.deviceId, entry.propertyId), sending);
    this.armDeadline(sending);
    const userProperties: Record<string, string> = { 'holdfast-cmd-id': entry.cmdId };
    if (!momentary) userProperties['holdfast-base'] = JSON.stringify(entry.base.value);
    const { topic, payload } = command.command;
    connection
      .publish(topic, payload, {
        qos: 1,
        retain: false,
        userProperties,
        // A set still queued at the broker after the echo deadline would arrive stale: let the broker drop it.
        expirySeconds: Math.max(1, Math.ceil(this.options.echoDeadlineMs / 1000)),
      })
      .then(
        (result) => {
          this.traffic(topic, payload, entry, result.reasonCode === 0x10 ? `PUBACK: no device is listening` : 'PUBACK received');
          return this.update(sending, (latest) => (latest.state === 'sending' ? onPuback(latest, result.reasonCode, topic, Date.now()) : latest));
        },
        (err: unknown) => {
          this.traffic(topic, payload, entry, err instanceof PublishRejectedError ? `refused by the broker: ${reasonCodeText(err.reasonCode)}` : 'connection lost while sending');
          if (err instanceof PublishRejectedError) {
            this.release(sending);
            return this.update(sending, (latest) => onPuback(latest, err.reasonCode, topic, Date.now()));
          }
          // The session died mid-publish; onClose re-queues the entry for a fresh judgement.
          if (!(err instanceof NotConnectedError)) console.warn('Holdfast: publish interrupted', err);
          return undefined;
        },
      )
      .catch((err: unknown) => console.warn('Holdfast: could not record a publish outcome', err));
  }

  private traffic(topic: string, payload: string, entry: OutboxEntry, outcome: string): void {
    this.onTraffic?.({
      at: Date.now(),
      direction: 'out',
      topic,
      payload,
      retained: false,
      deviceId: entry.deviceId,
      note: `edit ${entry.cmdId.slice(0, 8)}, base ${entry.base.value === null ? 'none' : String(entry.base.value)}; ${outcome}`,
    });
  }

  private updates: { entry: OutboxEntry; fn: (latest: OutboxEntry) => OutboxEntry; done: () => void }[] = [];
  private updatesScheduled = false;

  /**
   * Apply a transition to the latest stored version of an entry. PUBACK and
   * echo can race (a fast device echoes before the PUBACK is processed), so
   * each function sees the newest version, never a stale copy. Updates that
   * arrive together (a burst of PUBACKs and echoes) share one transaction.
   */
  private update(entry: OutboxEntry, fn: (latest: OutboxEntry) => OutboxEntry): Promise<void> {
    if (entry.seq === undefined) return Promise.resolve();
    return new Promise<void>((done) => {
      this.updates.push({ entry, fn, done });
      if (this.updatesScheduled) return;
      this.updatesScheduled = true;
      setTimeout(() => void this.flushUpdates(), 0);
    });
  }

  private async flushUpdates(): Promise<void> {
    this.updatesScheduled = false;
    const batch = this.updates;
    this.updates = [];
    try {
      const results = await this.outbox.applyMany(batch.map((u) => ({ seq: u.entry.seq!, cmdId: u.entry.cmdId, fn: u.fn })));
      let ended = false;
      for (const next of results) {
        if (!next) continue;
        const k = key(next.deviceId, next.propertyId);
        // Only while still tracked: after onClose the entry is re-judged, and re-adding it would block its property for good.
        if (next.state === 'sent' && this.inFlight.get(k)?.cmdId === next.cmdId) this.inFlight.set(k, next);
        if (next.state !== 'sending' && next.state !== 'sent') {
          this.release(next);
          ended = true;
        }
      }
      if (ended) this.kick();
    } catch (err) {
      if (!this.disposed) console.warn('Holdfast: could not update outbox entries', err);
    } finally {
      for (const u of batch) u.done();
    }
  }

  private release(entry: OutboxEntry): void {
    const k = key(entry.deviceId, entry.propertyId);
    if (this.inFlight.get(k)?.cmdId === entry.cmdId) this.inFlight.delete(k);
    clearTimeout(this.deadlines.get(entry.cmdId));
    this.deadlines.delete(entry.cmdId);
  }

  private armDeadline(entry: OutboxEntry): void {
    clearTimeout(this.deadlines.get(entry.cmdId));
    this.deadlines.set(
      entry.cmdId,
      setTimeout(() => {
        this.deadlines.delete(entry.cmdId);
        const reported = this.status.current(entry.deviceId, entry.propertyId)?.value;
        void this.update(entry, (latest) => (latest.state === 'sending' || latest.state === 'sent' ? onEchoDeadline(latest, reported, Date.now()) : latest));
      }, this.options.echoDeadlineMs),
    );
  }

  /** The device's own echo (property topic or Homie $target) confirms an in-flight edit. */
  private checkEcho(event: AdapterEvent): void {
    if (event.kind !== 'value' && event.kind !== 'target') return;
    const entry = this.inFlight.get(key(event.deviceId, event.propertyId));
    if (!entry || !valuesEqual(event.value, entry.desired)) return;
    const echoed: PropertyValue = event.value;
    void this.update(entry, (latest) => onEcho(latest, echoed, Date.now()));
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.settleTimer);
    clearTimeout(this.resendTimer);
    for (const t of this.deadlines.values()) clearTimeout(t);
    this.deadlines.clear();
  }
}
