/**
 * Status in: broker message → router → adapter events → the device working
 * copy, this session's evidence, the traffic log, value history and the
 * status cache. The engine only reads from here (values, and the evidence
 * the planner judges by); it is told about reports so it can confirm echoes.
 */
import type { AdapterEvent } from '../conventions/adapter.js';
import { SessionEvidence, type Completeness } from '../model/evidence.js';
import type { LiveSession, PropertyEvidence, ReplayState } from '../model/plan.js';
import type { ReportedValue } from '../model/types.js';
import type { HistoryWriter } from '../store/history-writer.js';
import type { StatusCache } from '../store/status-cache.js';
import type { TrafficInput } from '../store/traffic.js';
import type { DeviceStates } from './device-states.js';
import { eventDeviceId, type ConventionRouter } from './router.js';

export interface PipelineDeps {
  readonly router: ConventionRouter;
  readonly devices: DeviceStates;
  readonly cache: StatusCache | null;
  readonly history: Pick<HistoryWriter, 'add'> | null;
  readonly traffic: ((row: TrafficInput) => void) | null;
  readonly quietMs: number;
}

export interface PipelineListener {
  /** Events of one message, after the working copy has them. */
  onEvents(events: readonly AdapterEvent[], at: number): void;
}

export class StatusPipeline {
  private evidence: SessionEvidence | null = null;
  private subscribedAll = false;
  /** Topics that delivered a live (non-retained) message in this session. */
  private readonly liveTopics = new Set<string>();
  /** Per device, the topics of liveTopics it was heard on (forgotten with its subscription). */
  private readonly liveTopicsOf = new Map<string, Set<string>>();
  private readonly listeners = new Set<PipelineListener>();

  constructor(private readonly deps: PipelineDeps) {}

  listen(l: PipelineListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  get router(): ConventionRouter {
    return this.deps.router;
  }

  /** A new broker session opened: forget what was heard on the last one. */
  startSession(session: string, now: number): void {
    this.evidence = new SessionEvidence(session, now, this.deps.quietMs);
    this.subscribedAll = false;
    this.liveTopics.clear();
    this.liveTopicsOf.clear();
  }

  endSession(): void {
    this.evidence = null;
    this.subscribedAll = false;
  }

  /** The open session, once its always-on subscriptions were acknowledged (the planner decides nothing before). */
  liveSession(): LiveSession | null {
    const e = this.evidence;
    return e && this.subscribedAll ? { id: e.session, startedAt: e.startedAt } : null;
  }

  get sessionId(): string | null {
    return this.evidence?.session ?? null;
  }

  markAllSubscribed(now: number): void {
    this.evidence?.markAllSubscribed(now);
    this.subscribedAll = this.evidence !== null;
  }

  markDeviceSubscribed(deviceId: string, now: number): void {
    this.evidence?.markDeviceSubscribed(deviceId, now);
  }

  forgetDeviceSubscription(deviceId: string): void {
    this.evidence?.forgetDeviceSubscription(deviceId);
    // Subscribed again, the broker's retained copy is then the newest there is: it must not be taken for a stale replay.
    for (const topic of this.liveTopicsOf.get(deviceId) ?? []) this.liveTopics.delete(topic);
    this.liveTopicsOf.delete(deviceId);
  }

  /** The connection's message handler: runs for every message of the open session. */
  handleMessage(topic: string, payload: Uint8Array, retained: boolean): void {
    const evidence = this.evidence;
    if (!evidence) return;
    const at = Date.now();
    if (retained) evidence.noteReplay(at);
    // A retained copy is a replay of what the broker stored when we subscribed. Some brokers (aedes) can deliver
    // it after a live update of the same topic: it is then older than what we already have, so it must not win.
    if (retained && this.liveTopics.has(topic)) return;
    if (!retained) this.liveTopics.add(topic);
    const events = this.deps.router.route(topic, payload, retained);
    const first = events[0];
    this.deps.traffic?.({ at, direction: 'in', topic, payload, retained, ...(first ? { deviceId: eventDeviceId(first) } : {}) });
    if (events.length === 0) return;
    for (const event of events) {
      const deviceId = this.deps.devices.apply(at, event, evidence.session);
      if (!retained) {
        let topics = this.liveTopicsOf.get(deviceId);
        if (topics === undefined) this.liveTopicsOf.set(deviceId, (topics = new Set()));
        topics.add(topic);
      }
      evidence.noteMessage(deviceId, event.kind === 'value' ? event.propertyId : null, at);
      if (event.kind === 'device-removed') this.deps.cache?.remove(deviceId);
      else this.deps.cache?.changed(deviceId);
      if (event.kind === 'value' && typeof event.value === 'number') this.deps.history?.add(event.deviceId, event.propertyId, at, event.value);
    }
    for (const l of this.listeners) l.onEvents(events, at);
  }

  /** The latest report of a property, if it reported on this session. */
  reportedThisSession(deviceId: string, propertyId: string): ReportedValue | undefined {
    const e = this.evidence;
    if (!e || !e.hasReported(deviceId, propertyId)) return undefined;
    return this.deps.devices.current(deviceId, propertyId);
  }

  /** What the planner needs to judge an entry of this property. */
  evidenceFor(deviceId: string, propertyId: string, now: number): PropertyEvidence {
    const device = this.deps.devices.schema(deviceId);
    const property = device?.properties.find((p) => p.id === propertyId);
    const e = this.evidence;
    const ownSubscriptions = this.deps.router.deviceFilters(deviceId) !== null;
    return {
      device,
      property,
      reported: this.reportedThisSession(deviceId, propertyId),
      replay: e ? e.replay(deviceId, device, ownSubscriptions, now) : 'waiting',
      availability: this.deps.devices.availability(deviceId),
      canAsk: property?.queryable === true && this.deps.router.encodeQuery(deviceId, propertyId) !== null,
    };
  }

  /** When one of these waiting devices settles, for the engine's timer. */
  nextSettleAt(deviceIds: readonly string[], now: number): number | null {
    const e = this.evidence;
    if (!e) return null;
    return e.nextSettleAt(
      deviceIds.map((id) => ({ id, deviceSubscriptions: this.deps.router.deviceFilters(id) !== null })),
      now,
    );
  }

  /** How much of the device's status reported on this session, and whether more may still come. */
  completeness(deviceId: string): (Completeness & { readonly replay: ReplayState }) | null {
    const schema = this.deps.devices.schema(deviceId);
    const e = this.evidence;
    if (!e || !schema) return null;
    return { ...e.completeness(deviceId, schema), replay: e.replay(deviceId, schema, this.deps.router.deviceFilters(deviceId) !== null, Date.now()) };
  }
}
