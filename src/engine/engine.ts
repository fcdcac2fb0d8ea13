import type { AdapterEvent } from '../conventions/adapter.js';
import { FreshnessTracker, lookupFresh } from '../model/freshness.js';
import { applyDecision, decide, onEcho, onEchoDeadline, onPuback, reasonCodeText, recoverAfterCrash, type Decision } from '../model/reconcile.js';
import type { Availability, OutboxEntry, PropertyValue } from '../model/types.js';
import { valuesEqual } from '../model/values.js';
import { NotConnectedError, PublishRejectedError, type BrokerConnection } from '../mqtt/connection.js';
import type { OutboxStore } from '../store/outbox.js';
import type { StatusStore, TimedEvent } from '../store/status.js';
import { eventDeviceId, type ConventionRouter } from './router.js';

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
  /** Entries this leader is publishing or waiting on, by device+property. */
  private readonly inFlight = new Map<string, OutboxEntry>();
  private readonly deadlines = new Map<string, ReturnType<typeof setTimeout>>();
  private disposed = false;
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
    let n = 0;
    for (const e of stuck) if (await this.outbox.transition(e, recoverAfterCrash(e, now))) n++;
    return n;
  }

  /** Connection handler: runs for every message of the open session. */
  handleMessage(topic: string, payload: Uint8Array, retained: boolean): void {
    const at = Date.now();
    const events = this.router.route(topic, payload, retained);
    if (this.onTraffic) {
      const first = events[0];
      this.onTraffic({ at, direction: 'in', topic, payload, retained, ...(first ? { deviceId: eventDeviceId(first) } : {}) });
    }
    // Discovery (e.g. a Home Assistant config) can name new state topics: subscribe to them in this session.
    const extra = this.router.takeNewSubscriptions();
    if (extra.length > 0 && this.connection && this.session !== null) {
      this.connection.subscribe(extra).catch((err: unknown) => console.warn('Holdfast: subscribe failed', err));
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
    this.subscribed = false;
    this.sessionStartedAt = Date.now();
    this.tracker.startSession(this.sessionStartedAt);
    const connection = this.connection;
    if (!connection) return;
    connection
      .subscribe(this.router.subscriptions())
      .then(() => {
        if (this.session !== session) return;
        this.subscribed = true;
        this.tracker.markSubscribed(Date.now());
        this.kick();
      })
      .catch((err: unknown) => {
        // A session that already ended takes its subscriptions with it; the next one subscribes again.
        if (this.session === session) console.warn('Holdfast: subscribe failed', err);
      });
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

  private async reconcileOnce(): Promise<void> {
    const pending = await this.outbox.pending();
    const waitingDevices = new Set<string>();
    const busy = new Set(this.inFlight.keys());
    for (const entry of pending) {
      if (!this.isLive()) return;
      const k = key(entry.deviceId, entry.propertyId);
      // One write per property at a time: a later edit is judged after the earlier one ends.
      if (busy.has(k)) continue;
      const now = Date.now();
      const schema = this.status.schema(entry.deviceId);
      const property = schema?.properties.find((p) => p.id === entry.propertyId);
      const momentary = property?.retained === false;
      let decision: Decision;
      if (schema && !property) {
        await this.finish(entry, 'rejected', `${schema.name} no longer has a setting "${entry.propertyId}"`);
        continue;
      } else if (property && (!property.settable || property.readOnlyReason)) {
        await this.finish(entry, 'rejected', property.readOnlyReason ?? `${property.name} is read-only`);
        continue;
      } else if (momentary && entry.createdAt < this.sessionStartedAt) {
        // A momentary command (e.g. reboot) is only meaningful when it was pressed; never replay it later.
        await this.finish(entry, 'discarded', 'a momentary command is not replayed after the connection dropped');
        continue;
      } else {
        const current = this.status.current(entry.deviceId, entry.propertyId)?.value;
        const fresh = lookupFresh(this.tracker, entry.deviceId, entry.propertyId, schema, current, now);
        const away = DEVICE_AWAY.includes(this.status.availability(entry.deviceId));
        decision = decide(entry, fresh, { momentary, away });
      }
      if (decision.next === 'wait') {
        waitingDevices.add(entry.deviceId);
        continue;
      }
      if (decision.next === 'send') {
        busy.add(k);
        await this.send(entry, decision, momentary);
        continue;
      }
      const next = applyDecision(entry, decision, now);
      if (next.state !== entry.state || next.reason !== entry.reason || !valuesEqual(next.fresh ?? null, entry.fresh ?? null)) {
        if (!(await this.outbox.transition(entry, next))) this.rerun = true;
      }
    }
    this.pendingSeen = pending.length > 0;
    this.scheduleSettleCheck([...waitingDevices]);
  }

  private async finish(entry: OutboxEntry, state: 'rejected' | 'discarded', reason: string): Promise<void> {
    if (!(await this.outbox.transition(entry, { ...entry, state, reason, updatedAt: Date.now() }))) this.rerun = true;
  }

  private scheduleSettleCheck(deviceIds: string[]): void {
    clearTimeout(this.settleTimer);
    if (deviceIds.length === 0) return;
    const at = this.tracker.nextCheckAt(deviceIds, Date.now());
    if (at === null) return;
    this.settleTimer = setTimeout(() => this.kick(), Math.max(0, at - Date.now()) + 5);
  }

  private async send(entry: OutboxEntry, decision: Decision, momentary: boolean): Promise<void> {
    const k = key(entry.deviceId, entry.propertyId);
    const sending = applyDecision(entry, decision, Date.now());
    // Durable "sending" before the publish: after a crash this entry is re-judged, never blindly resent.
    if (!(await this.outbox.transition(entry, sending))) {
      this.rerun = true;
      return;
    }
    // A status message may have arrived while that write committed: check again, at the last moment.
    const now = this.status.current(entry.deviceId, entry.propertyId)?.value;
    if (!momentary && !valuesEqual(now ?? null, entry.base.value)) {
      await this.outbox.transition(sending, { ...sending, state: 'queued', updatedAt: Date.now(), reason: 'the device reported a new value just before sending; re-checking' });
      this.rerun = true;
      return;
    }
    const command = this.router.encodeSet(entry.deviceId, entry.propertyId, entry.desired);
    if (!command.ok) {
      await this.outbox.transition(sending, { ...sending, state: 'rejected', reason: command.error, updatedAt: Date.now() });
      return;
    }
    const connection = this.connection;
    if (!connection || !this.isLive()) {
      await this.outbox.transition(sending, recoverAfterCrash(sending, Date.now()));
      return;
    }
    this.inFlight.set(k, sending);
    this.armDeadline(sending);
    const userProperties: Record<string, string> = { 'holdfast-cmd-id': entry.cmdId };
    if (!momentary) userProperties['holdfast-base'] = JSON.stringify(entry.base.value);
    try {
      const result = await connection.publish(command.command.topic, command.command.payload, {
        qos: 1,
        retain: false,
        userProperties,
        // A set still queued at the broker after the echo deadline would arrive stale: let the broker drop it.
        expirySeconds: Math.max(1, Math.ceil(this.options.echoDeadlineMs / 1000)),
      });
      this.traffic(command.command.topic, command.command.payload, entry, result.reasonCode === 0x10 ? `PUBACK: no device is listening` : 'PUBACK received');
      await this.update(sending, (latest) => (latest.state === 'sending' ? onPuback(latest, result.reasonCode, command.command.topic, Date.now()) : latest));
    } catch (err) {
      this.traffic(command.command.topic, command.command.payload, entry, err instanceof PublishRejectedError ? `refused by the broker: ${reasonCodeText(err.reasonCode)}` : 'connection lost while sending');
      if (err instanceof PublishRejectedError) {
        this.release(sending);
        await this.update(sending, (latest) => onPuback(latest, err.reasonCode, command.command.topic, Date.now()));
      } else if (!(err instanceof NotConnectedError)) {
        // The session died mid-publish; onClose re-queues the entry for a fresh judgement.
        console.warn('Holdfast: publish interrupted', err);
      }
    }
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

  /**
   * Apply a transition to the latest stored version of an entry. PUBACK and
   * echo can race (a fast device echoes before the PUBACK is processed), so a
   * lost compare-and-set is retried against the newer version, never dropped.
   */
  private async update(entry: OutboxEntry, fn: (latest: OutboxEntry) => OutboxEntry): Promise<void> {
    if (entry.seq === undefined) return;
    for (let tries = 0; tries < 5; tries++) {
      const latest = await this.outbox.get(entry.seq);
      if (!latest || latest.cmdId !== entry.cmdId) return;
      const next = fn(latest);
      if (next === latest) return;
      if (await this.outbox.transition(latest, next)) {
        const k = key(next.deviceId, next.propertyId);
        // Only while still tracked: after onClose the entry is re-judged, and re-adding it would block its property for good.
        if (next.state === 'sent' && this.inFlight.get(k)?.cmdId === next.cmdId) this.inFlight.set(k, next);
        if (next.state !== 'sending' && next.state !== 'sent') {
          this.release(next);
          this.kick();
        }
        return;
      }
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
    for (const t of this.deadlines.values()) clearTimeout(t);
    this.deadlines.clear();
  }
}
