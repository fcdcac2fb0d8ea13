/**
 * The page's side of the engine host protocol: a mirror of what this page
 * shows, kept current by the host's per-frame diffs, and ref-counted
 * subscriptions to its slices (HA websocket-client style: every
 * subscribeX returns its unsubscribe). Subscribing to a device or a value
 * tells the host this page shows it; the last unsubscribe tells it not.
 */
import type { ConnectionState } from '../mqtt/connection.js';
import type { AlarmView } from '../model/alarms.js';
import type { PresenceInfo } from '../model/presence.js';
import type { ReportedValue } from '../model/types.js';
import type { BootState } from '../store/status-cache.js';
import type { DeviceDetail, DeviceSummary } from '../status/device-states.js';
import type { ClientTransport } from '../host/ports.js';
import { PROTOCOL_VERSION, valueKey, type ClientToHost, type DeviceCompleteness, type Diff, type HostStatus, type HostToClient, type Interest } from '../host/protocol.js';

type Listener<T> = (value: T) => void;

/** Re-announce interest this often: a host drops clients it has not heard from (see host/views.ts). */
const KEEPALIVE_MS = 30_000;

/** Paint-aligned where there is a visible page; a short timer elsewhere (hidden tabs, Node). */
function onFrame(fn: () => void): void {
  if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && document.visibilityState === 'visible') requestAnimationFrame(() => fn());
  else setTimeout(fn, 16);
}

class Topic<T> {
  private readonly listeners = new Set<Listener<T>>();
  constructor(private readonly read: () => T) {}
  subscribe(fn: Listener<T>): () => void {
    this.listeners.add(fn);
    fn(this.read());
    return () => this.listeners.delete(fn);
  }
  emit(): void {
    if (this.listeners.size === 0) return;
    const v = this.read();
    for (const l of this.listeners) l(v);
  }
}

export class HostClient {
  readonly clientId: string;
  private transport: ClientTransport | null = null;
  private unlisten: (() => void) | null = null;
  private keepalive: ReturnType<typeof setInterval> | undefined;

  private statusValue: HostStatus | null = null;
  private connectionValue: ConnectionState | null = null;
  private presenceValue: readonly PresenceInfo[] = [];
  private alarmsValue: readonly AlarmView[] | null = null;
  private summaries: ReadonlyMap<string, DeviceSummary> = new Map();
  private readonly details = new Map<string, DeviceDetail>();
  private readonly values = new Map<string, ReportedValue | null>();
  private readonly completeness = new Map<string, DeviceCompleteness | null>();

  private readonly deviceRefs = new Map<string, number>();
  private readonly valueRefs = new Map<string, number>();
  private interestQueued = false;

  private readonly statusTopic = new Topic(() => this.statusValue);
  private readonly connectionTopic = new Topic(() => this.connectionValue);
  private readonly presenceTopic = new Topic(() => this.presenceValue);
  private readonly alarmsTopic = new Topic(() => this.alarmsValue);
  private readonly devicesTopic = new Topic(() => this.summaries);
  private readonly deviceTopics = new Map<string, Topic<DeviceDetail | undefined>>();
  private readonly valueTopics = new Map<string, Topic<ReportedValue | null | undefined>>();
  private readonly completenessTopics = new Map<string, Topic<DeviceCompleteness | null | undefined>>();
  private readonly needPasswordListeners = new Set<(profileId: string) => void>();
  private readonly valueListeners = new Set<(changes: readonly (readonly [string, string, ReportedValue | null])[]) => void>();
  /** Diffs received and not yet applied (applied together in the next frame). */
  private inbox: Diff[] = [];
  private frameQueued = false;

  constructor(clientId: string = crypto.randomUUID()) {
    this.clientId = clientId;
  }

  // ---- connection to a host ----

  /** Talk to a host over this transport (replacing any other): say hello with what this page shows. */
  attach(transport: ClientTransport): void {
    this.detach();
    this.transport = transport;
    this.unlisten = transport.listen((m) => this.onMessage(m));
    this.hello();
    this.keepalive = setInterval(() => this.send({ type: 'interest', clientId: this.clientId, interest: this.interest() }), KEEPALIVE_MS);
  }

  detach(): void {
    if (!this.transport) return;
    this.send({ type: 'bye', clientId: this.clientId });
    clearInterval(this.keepalive);
    this.unlisten?.();
    this.unlisten = null;
    this.transport.close();
    this.transport = null;
  }

  /** The page is going away or into the back/forward cache: the host stops sending it diffs. */
  leave(): void {
    this.send({ type: 'bye', clientId: this.clientId });
  }

  /** Back from the back/forward cache: follow the host again. */
  rejoin(): void {
    this.hello();
  }

  private hello(): void {
    this.send({ type: 'hello', clientId: this.clientId, version: PROTOCOL_VERSION, interest: this.interest() });
  }

  send(msg: ClientToHost): void {
    this.transport?.send(msg);
  }

  private onMessage(m: HostToClient): void {
    switch (m.type) {
      case 'host-ready':
        // A (new) host is up, e.g. after the leader tab closed: introduce ourselves again.
        this.hello();
        break;
      case 'need-password':
        for (const l of this.needPasswordListeners) l(m.profileId);
        break;
      case 'diff':
        this.inbox.push(m);
        if (!this.frameQueued) {
          this.frameQueued = true;
          onFrame(() => this.applyInbox());
        }
        break;
    }
  }

  private applyInbox(): void {
    this.frameQueued = false;
    const diffs = this.inbox;
    this.inbox = [];
    const changedDevices = new Set<string>();
    const changedValues = new Set<string>();
    const changedCompleteness = new Set<string>();
    let status = false;
    let connection = false;
    let presence = false;
    let alarms = false;
    let list = false;
    const valueChanges: (readonly [string, string, ReportedValue | null])[] = [];
    for (const d of diffs) {
      if (d.values) valueChanges.push(...d.values);
      if (d.status) {
        this.statusValue = d.status;
        status = true;
      }
      if (d.connection) {
        this.connectionValue = d.connection;
        connection = true;
      }
      if (d.presence) {
        this.presenceValue = d.presence;
        presence = true;
      }
      if (d.alarms) {
        this.alarmsValue = d.alarms;
        alarms = true;
      }
      if (d.summaries || d.removed) {
        const next = new Map(this.summaries);
        for (const s of d.summaries ?? []) next.set(s.id, s);
        for (const id of d.removed ?? []) {
          next.delete(id);
          this.details.delete(id);
          changedDevices.add(id);
        }
        this.summaries = next;
        list = true;
      }
      for (const x of d.details ?? []) {
        this.details.set(x.id, x);
        changedDevices.add(x.id);
      }
      for (const [deviceId, propertyId, v] of d.values ?? []) {
        const k = valueKey(deviceId, propertyId);
        this.values.set(k, v);
        changedValues.add(k);
      }
      for (const [id, c] of d.completeness ?? []) {
        this.completeness.set(id, c);
        changedCompleteness.add(id);
      }
    }
    if (status) this.statusTopic.emit();
    if (connection) this.connectionTopic.emit();
    if (presence) this.presenceTopic.emit();
    if (alarms) this.alarmsTopic.emit();
    if (list) this.devicesTopic.emit();
    for (const id of changedDevices) this.deviceTopics.get(id)?.emit();
    for (const k of changedValues) this.valueTopics.get(k)?.emit();
    for (const id of changedCompleteness) this.completenessTopics.get(id)?.emit();
    if (valueChanges.length > 0) for (const l of this.valueListeners) l(valueChanges);
    // Rendered (elements update in this frame's microtasks): the host may send the next diff.
    const last = diffs.at(-1);
    if (last) this.send({ type: 'ack', clientId: this.clientId, seq: last.seq });
  }

  /** The last-known state from storage, for the first paint before any host answers. */
  seed(boot: BootState): void {
    if (this.summaries.size === 0) {
      this.summaries = new Map(boot.list.map((s) => [s.id, s]));
      this.devicesTopic.emit();
    }
    const d = boot.device;
    if (d && !this.details.has(d.id)) {
      this.details.set(d.id, { id: d.id, ...(d.schema ? { schema: d.schema } : {}), alerts: {}, valueErrors: {}, targets: {} });
      for (const [p, v] of d.values) {
        const k = valueKey(d.id, p);
        if (!this.values.has(k)) this.values.set(k, v);
      }
      this.deviceTopics.get(d.id)?.emit();
      for (const [p] of d.values) this.valueTopics.get(valueKey(d.id, p))?.emit();
    }
  }

  // ---- interest ----

  private interest(): Interest {
    return { devices: [...this.deviceRefs.keys()], values: [...this.valueRefs.keys()] };
  }

  private interestChanged(): void {
    if (this.interestQueued) return;
    this.interestQueued = true;
    queueMicrotask(() => {
      this.interestQueued = false;
      this.send({ type: 'interest', clientId: this.clientId, interest: this.interest() });
    });
  }

  private ref(refs: Map<string, number>, key: string): () => void {
    const n = refs.get(key) ?? 0;
    refs.set(key, n + 1);
    if (n === 0) this.interestChanged();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (refs.get(key) ?? 1) - 1;
      if (left > 0) refs.set(key, left);
      else {
        refs.delete(key);
        this.interestChanged();
      }
    };
  }

  // ---- slices ----

  subscribeStatus(fn: Listener<HostStatus | null>): () => void {
    return this.statusTopic.subscribe(fn);
  }

  subscribeConnection(fn: Listener<ConnectionState | null>): () => void {
    return this.connectionTopic.subscribe(fn);
  }

  subscribePresence(fn: Listener<readonly PresenceInfo[]>): () => void {
    return this.presenceTopic.subscribe(fn);
  }

  /** Every alarm rule with its state, as the host evaluates them (the same in every tab); null until the host first said. */
  subscribeAlarms(fn: Listener<readonly AlarmView[] | null>): () => void {
    return this.alarmsTopic.subscribe(fn);
  }

  /** The device list (every device's summary). */
  subscribeDevices(fn: Listener<ReadonlyMap<string, DeviceSummary>>): () => void {
    return this.devicesTopic.subscribe(fn);
  }

  /** One device's schema and details; the host sends them while anyone subscribes. */
  subscribeDevice(deviceId: string, fn: Listener<DeviceDetail | undefined>): () => void {
    let topic = this.deviceTopics.get(deviceId);
    if (!topic) {
      topic = new Topic(() => this.details.get(deviceId));
      this.deviceTopics.set(deviceId, topic);
    }
    const unsubscribe = topic.subscribe(fn);
    const release = this.ref(this.deviceRefs, deviceId);
    return () => {
      unsubscribe();
      release();
    };
  }

  /** One property's value (null: the host knows none; undefined: not received yet). */
  subscribeValue(deviceId: string, propertyId: string, fn: Listener<ReportedValue | null | undefined>): () => void {
    const k = valueKey(deviceId, propertyId);
    let topic = this.valueTopics.get(k);
    if (!topic) {
      topic = new Topic(() => this.values.get(k));
      this.valueTopics.set(k, topic);
    }
    const unsubscribe = topic.subscribe(fn);
    const release = this.ref(this.valueRefs, k);
    return () => {
      unsubscribe();
      release();
    };
  }

  subscribeCompleteness(deviceId: string, fn: Listener<DeviceCompleteness | null | undefined>): () => void {
    let topic = this.completenessTopics.get(deviceId);
    if (!topic) {
      topic = new Topic(() => this.completeness.get(deviceId));
      this.completenessTopics.set(deviceId, topic);
    }
    return topic.subscribe(fn);
  }

  /** Every value change this page receives (it feeds the sparklines' history). */
  onValues(fn: (changes: readonly (readonly [string, string, ReportedValue | null])[]) => void): () => void {
    this.valueListeners.add(fn);
    return () => this.valueListeners.delete(fn);
  }

  onNeedPassword(fn: (profileId: string) => void): () => void {
    this.needPasswordListeners.add(fn);
    return () => this.needPasswordListeners.delete(fn);
  }

  // ---- reads (for actions: what is shown now) ----

  get status(): HostStatus | null {
    return this.statusValue;
  }

  get connection(): ConnectionState | null {
    return this.connectionValue;
  }

  get alarms(): readonly AlarmView[] {
    return this.alarmsValue ?? [];
  }

  get devices(): ReadonlyMap<string, DeviceSummary> {
    return this.summaries;
  }

  device(deviceId: string): DeviceDetail | undefined {
    return this.details.get(deviceId);
  }

  value(deviceId: string, propertyId: string): ReportedValue | null | undefined {
    return this.values.get(valueKey(deviceId, propertyId));
  }

  dispose(): void {
    this.detach();
    this.needPasswordListeners.clear();
    this.valueListeners.clear();
  }
}
