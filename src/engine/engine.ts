/**
 * The outbox flusher. It alone publishes sets, and only what the pure
 * planner (model/plan.ts) decided from this session's evidence: the
 * stale-replay incident cannot happen by construction. It carries plans out
 * (one durable write, then publishes and questions to devices) and folds
 * PUBACKs, echoes and deadlines back in through model/reconcile.ts.
 */
import type { AdapterEvent } from '../conventions/adapter.js';
import { planPass, propertyKey, recheckBeforePublish } from '../model/plan.js';
import { onEcho, onEchoDeadline, onEncodeFailure, onPuback, reasonCodeText, recoverAfterCrash } from '../model/reconcile.js';
import { IN_FLIGHT_STATES, type OutboxEntry, type PropertyValue } from '../model/types.js';
import { valuesEqual } from '../model/values.js';
import { NotConnectedError, PublishRejectedError, type PublishOptions, type PublishResult } from '../mqtt/connection.js';
import type { OutboxStore } from '../store/outbox.js';
import type { TrafficInput } from '../store/traffic.js';
import type { StatusPipeline } from '../status/pipeline.js';

export interface EngineOptions {
  /** A device quiet this long after its SUBACK has replayed all it retained. */
  readonly quietMs: number;
  /** How long a sent edit waits for the device's echo before it is shown as unconfirmed. */
  readonly echoDeadlineMs: number;
  /** How long a question to a device (Zigbee2MQTT /get, Tasmota's empty command) waits for its answer. */
  readonly askDeadlineMs: number;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = { quietMs: 1500, echoDeadlineMs: 5000, askDeadlineMs: 3000 };

/** The open broker session, as the engine needs it. */
export interface Publisher {
  publish(topic: string, payload: string, opts: PublishOptions): Promise<PublishResult>;
}

export interface EngineDeps {
  readonly outbox: OutboxStore;
  readonly pipeline: StatusPipeline;
  readonly options: EngineOptions;
  readonly traffic?: (row: TrafficInput) => void;
  /** Devices with entries to judge or in flight: their values must be subscribed before they are judged. */
  readonly onPendingDevices?: (deviceIds: ReadonlySet<string>) => void;
  /** Every entry version the engine wrote, for the audit. */
  readonly onWritten?: (entries: readonly OutboxEntry[]) => void;
  /** The broker's PUBACK for an entry's publish (its reason code, 0 on MQTT 3.1.1), for the audit: an echo may end the entry first. */
  readonly onPuback?: (entry: OutboxEntry, reasonCode: number, at: number) => void;
}

export class OutboxEngine {
  private publisher: Publisher | null = null;
  private running = false;
  private rerun = false;
  private kickQueued = false;
  private wakeTimer: ReturnType<typeof setTimeout> | undefined;
  private wakeAt = 0;
  /** Entries this host is publishing or waiting on, by device+property. */
  private readonly inFlight = new Map<string, OutboxEntry>();
  private readonly deadlines = new Map<string, ReturnType<typeof setTimeout>>();
  private disposed = false;
  /**
   * Whether the last pass found entries to judge. Only then can a status
   * message change a decision; with nothing pending a message costs no
   * outbox read. Edits, timers and PUBACKs kick regardless.
   */
  private pendingSeen = true;
  private readonly unlisten: () => void;

  constructor(private readonly deps: EngineDeps) {
    this.unlisten = deps.pipeline.listen({ onEvents: (events) => this.onEvents(events) });
  }

  /**
   * Crash and reload safety: whatever a previous host left in flight goes
   * back through the planner. It is never resent blindly.
   */
  async recover(): Promise<number> {
    const stuck = await this.deps.outbox.interrupted();
    const now = Date.now();
    const pairs = stuck.map((e) => [e, recoverAfterCrash(e, now)] as const);
    const applied = await this.deps.outbox.transitionMany(pairs);
    this.written(pairs.filter((_, i) => applied[i]).map(([, to]) => to));
    return applied.filter(Boolean).length;
  }

  /** The session is live (subscribed): judge what is pending. */
  attach(publisher: Publisher): void {
    this.publisher = publisher;
    this.kick();
  }

  /** The session ended: in-flight publishes may or may not have arrived; each is judged again on the next one. */
  detach(): void {
    this.publisher = null;
    const stuck = [...this.inFlight.values()];
    this.inFlight.clear();
    for (const t of this.deadlines.values()) clearTimeout(t);
    this.deadlines.clear();
    if (stuck.length === 0) return;
    const now = Date.now();
    // Through update(): a PUBACK handled meanwhile may have moved the entry on (sending → sent), and a lost
    // compare-and-set must be retried on that version, or the entry would stay "sent" with nothing waiting on it.
    for (const e of stuck) void this.update(e, (latest) => (IN_FLIGHT_STATES.includes(latest.state) ? recoverAfterCrash(latest, now) : latest));
  }

  private onEvents(events: readonly AdapterEvent[]): void {
    for (const event of events) this.checkEcho(event);
    if (this.pendingSeen || this.running) this.kick();
  }

  /** Something changed (a message, an edit, a timer): plan again soon, once. */
  kick(): void {
    if (this.kickQueued || this.disposed) return;
    this.kickQueued = true;
    queueMicrotask(() => {
      this.kickQueued = false;
      void this.reconcile();
    });
  }

  private async reconcile(): Promise<void> {
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.rerun = false;
        await this.pass();
      } while (this.rerun && !this.disposed);
    } catch (err) {
      if (!this.disposed) console.error('Holdfast: reconcile failed', err);
    } finally {
      this.running = false;
    }
  }

  /** One planner pass: read what is pending, plan, write the plan in one transaction, then carry it out. */
  private async pass(): Promise<void> {
    const open = await this.deps.outbox.open();
    if (this.disposed) return;
    const pending = open.filter((e) => !IN_FLIGHT_STATES.includes(e.state));
    this.pendingSeen = pending.length > 0;
    this.deps.onPendingDevices?.(new Set([...pending.map((e) => e.deviceId), ...[...this.inFlight.values()].map((e) => e.deviceId)]));
    const session = this.publisher ? this.deps.pipeline.liveSession() : null;
    if (session === null) return;
    const now = Date.now();
    const { busy, abandoned, wakeAt } = this.foreignInFlight(open, now);
    const plan = planPass({ entries: pending, evidence: (d, p) => this.deps.pipeline.evidenceFor(d, p, now), session, busy, now, timing: this.deps.options });
    const settle = this.deps.pipeline.nextSettleAt(plan.waitingFor, now);
    this.scheduleWake([plan.wakeAt, settle, wakeAt].filter((t): t is number => t !== null));
    const transitions = [...abandoned.map((from) => ({ from, to: recoverAfterCrash(from, now) })), ...plan.transitions];
    if (transitions.length === 0) return;
    // Durable before anything is published: after a crash a "sending" entry is judged again, never blindly resent.
    const applied = await this.deps.outbox.transitionMany(transitions.map((t) => [t.from, t.to] as const));
    if (abandoned.length > 0) {
      this.written(transitions.slice(0, abandoned.length).filter((_, i) => applied[i]).map((t) => t.to));
      applied.splice(0, abandoned.length);
      this.rerun = true;
    }
    this.written(plan.transitions.filter((_, i) => applied[i]).map((t) => t.to));
    if (applied.some((ok) => !ok)) this.rerun = true;
    const ok = new Set(plan.transitions.filter((_, i) => applied[i]).map((t) => t.to));
    for (const entry of plan.publish) if (ok.has(entry)) this.publish(entry);
    for (const q of plan.ask) {
      const asked = plan.transitions.find((t) => t.to.state === 'checking' && t.to.deviceId === q.deviceId && t.to.propertyId === q.propertyId)?.to;
      if (asked && ok.has(asked)) this.ask(asked);
    }
  }

  /**
   * Settings busy on this pass: those this host has in flight, and those with
   * an entry in flight that this host does not track (a host that stopped
   * mid-send, or this host's own entry between its release and its write).
   * An untracked entry still in flight after two echo deadlines has no host
   * left to move it on: it goes back to be judged again.
   */
  private foreignInFlight(open: readonly OutboxEntry[], now: number): { busy: Set<string>; abandoned: OutboxEntry[]; wakeAt: number | null } {
    const busy = new Set(this.inFlight.keys());
    const abandoned: OutboxEntry[] = [];
    let wakeAt: number | null = null;
    const grace = 2 * this.deps.options.echoDeadlineMs;
    for (const e of open) {
      if (!IN_FLIGHT_STATES.includes(e.state)) continue;
      const key = propertyKey(e.deviceId, e.propertyId);
      if (this.inFlight.get(key)?.cmdId === e.cmdId) continue;
      busy.add(key);
      if (e.updatedAt + grace <= now) abandoned.push(e);
      else wakeAt = Math.min(wakeAt ?? Infinity, e.updatedAt + grace);
    }
    return { busy, abandoned, wakeAt };
  }

  private scheduleWake(times: readonly number[]): void {
    if (times.length === 0) return;
    const at = Math.min(...times);
    if (this.wakeTimer !== undefined && this.wakeAt <= at && this.wakeAt > Date.now()) return;
    clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.kick();
    }, Math.max(0, at - Date.now()) + 5);
  }

  private written(entries: readonly OutboxEntry[]): void {
    if (entries.length > 0) this.deps.onWritten?.(entries);
  }

  /** Ask a device for its current value; the answer arrives as a status message and the planner judges again. */
  private ask(entry: OutboxEntry): void {
    const query = this.deps.pipeline.router.encodeQuery(entry.deviceId, entry.propertyId);
    const publisher = this.publisher;
    if (!query || !query.ok || !publisher) return;
    const { topic, payload } = query.command;
    publisher
      .publish(topic, payload, { qos: 1, retain: false, expirySeconds: Math.max(1, Math.ceil(this.deps.options.askDeadlineMs / 1000)) })
      .then(
        () => this.traffic(topic, payload, entry, `asking the device for its current value, to check edit ${entry.cmdId.slice(0, 8)}`),
        () => undefined,
      );
  }

  /** Publish an entry already durable as "sending"; its PUBACK, echo or deadline moves it on. */
  private publish(sending: OutboxEntry): void {
    const back = (fn: (latest: OutboxEntry) => OutboxEntry): void => {
      void this.update(sending, (latest) => (latest.state === 'sending' ? fn(latest) : latest));
    };
    const { pipeline } = this.deps;
    const property = pipeline.evidenceFor(sending.deviceId, sending.propertyId, Date.now()).property;
    const momentary = property?.momentary === true;
    // A status message may have arrived while the decision was written: check again, at the last moment.
    const requeued = recheckBeforePublish(sending, pipeline.reportedThisSession(sending.deviceId, sending.propertyId), momentary, Date.now());
    if (requeued) {
      back(() => requeued);
      return;
    }
    const command = pipeline.router.encodeSet(sending.deviceId, sending.propertyId, sending.desired);
    if (!command.ok) {
      back((latest) => onEncodeFailure(latest, command.error, Date.now()));
      return;
    }
    const publisher = this.publisher;
    if (!publisher) {
      back((latest) => recoverAfterCrash(latest, Date.now()));
      return;
    }
    const confirmable = property?.reports !== false && !momentary;
    this.inFlight.set(propertyKey(sending.deviceId, sending.propertyId), sending);
    if (confirmable) this.armDeadline(sending);
    const userProperties: Record<string, string> = { 'holdfast-cmd-id': sending.cmdId };
    if (!momentary) userProperties['holdfast-base'] = JSON.stringify(sending.base.value);
    const { topic, payload } = command.command;
    const why = sending.sentAnywayBy !== undefined ? `Send anyway by ${sending.sentAnywayBy || 'an unnamed operator'}; ` : '';
    publisher
      .publish(topic, payload, {
        qos: 1,
        retain: false,
        userProperties,
        // A set still queued at the broker after the echo deadline would arrive stale: let the broker drop it.
        expirySeconds: Math.max(1, Math.ceil(this.deps.options.echoDeadlineMs / 1000)),
      })
      .then(
        (result) => {
          this.deps.onPuback?.(sending, result.reasonCode, Date.now());
          this.traffic(topic, payload, sending, `${why}${result.reasonCode === 0x10 ? 'PUBACK: no device is listening' : 'PUBACK received'}`);
          return this.update(sending, (latest) => onPuback(latest, result.reasonCode, topic, confirmable, Date.now()));
        },
        (err: unknown) => {
          this.traffic(topic, payload, sending, `${why}${err instanceof PublishRejectedError ? `refused by the broker: ${reasonCodeText(err.reasonCode)}` : 'connection lost while sending'}`);
          if (err instanceof PublishRejectedError) {
            this.deps.onPuback?.(sending, err.reasonCode, Date.now());
            this.release(sending);
            return this.update(sending, (latest) => onPuback(latest, err.reasonCode, topic, confirmable, Date.now()));
          }
          // The session died mid-publish; detach() re-queues the entry for a fresh judgement.
          if (!(err instanceof NotConnectedError) && !this.disposed) console.warn('Holdfast: publish interrupted', err);
          return undefined;
        },
      )
      .catch((err: unknown) => console.warn('Holdfast: could not record a publish outcome', err));
  }

  private traffic(topic: string, payload: string, entry: OutboxEntry, outcome: string): void {
    this.deps.traffic?.({
      at: Date.now(),
      direction: 'out',
      topic,
      payload,
      retained: false,
      deviceId: entry.deviceId,
      note: `edit ${entry.cmdId.slice(0, 8)}, base ${entry.base.value === null ? 'unknown' : String(entry.base.value)}; ${outcome}`,
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
      const results = await this.deps.outbox.applyMany(batch.map((u) => ({ seq: u.entry.seq!, cmdId: u.entry.cmdId, fn: u.fn })));
      const changed = results.filter((r): r is OutboxEntry => r !== null);
      this.written(changed);
      let ended = false;
      for (const next of changed) {
        const k = propertyKey(next.deviceId, next.propertyId);
        // Only while still tracked: after detach() the entry is judged again, and re-adding it would block its property for good.
        if (next.state === 'sent' && this.inFlight.get(k)?.cmdId === next.cmdId) this.inFlight.set(k, next);
        if (!IN_FLIGHT_STATES.includes(next.state)) {
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
    const k = propertyKey(entry.deviceId, entry.propertyId);
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
        const reported = this.deps.pipeline.reportedThisSession(entry.deviceId, entry.propertyId)?.value;
        void this.update(entry, (latest) => onEchoDeadline(latest, reported, Date.now()));
      }, this.deps.options.echoDeadlineMs),
    );
  }

  /** The device's own echo (property topic or Homie $target) confirms an in-flight edit. */
  private checkEcho(event: AdapterEvent): void {
    if (event.kind !== 'value' && event.kind !== 'target') return;
    const entry = this.inFlight.get(propertyKey(event.deviceId, event.propertyId));
    if (!entry || !valuesEqual(event.value, entry.desired)) return;
    const echoed: PropertyValue = event.value;
    void this.update(entry, (latest) => onEcho(latest, echoed, Date.now()));
  }

  dispose(): void {
    this.disposed = true;
    this.unlisten();
    clearTimeout(this.wakeTimer);
    for (const t of this.deadlines.values()) clearTimeout(t);
    this.deadlines.clear();
  }
}
