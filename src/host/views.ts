/**
 * What each client has been sent, and what changed since: the host's side of
 * the per-frame diffs. A change is recorded only for clients that show it
 * (every client shows the device list; details and values only where
 * watched), and a client gets its next diff once it acknowledged the last,
 * so a burst costs each page one diff per frame, holding only its slice.
 */
import type { ConnectionState } from '../mqtt/connection.js';
import type { AlarmView } from '../model/alarms.js';
import type { PresenceInfo } from '../model/presence.js';
import type { ReportedValue } from '../model/types.js';
import type { ChangeSink, DeviceDetail, DeviceSummary } from '../status/device-states.js';
import { splitValueKey, valueKey, type DeviceCompleteness, type Diff, type HostStatus, type HostToClient, type Interest } from './protocol.js';

export interface ViewSource {
  deviceIds(): Iterable<string>;
  summary(deviceId: string): DeviceSummary | undefined;
  detail(deviceId: string): DeviceDetail | undefined;
  value(deviceId: string, propertyId: string): ReportedValue | undefined;
  completeness(deviceId: string): DeviceCompleteness | null;
  status(): HostStatus;
  connection(): ConnectionState | null;
  presence(): readonly PresenceInfo[];
  alarms(): readonly AlarmView[];
}

/** A client that stops acknowledging and re-announcing for this long is gone (a tab that crashed). */
export const CLIENT_SILENCE_MS = 75_000;

class ClientView {
  devices = new Set<string>();
  values = new Set<string>();
  readonly summaries = new Set<string>();
  readonly removed = new Set<string>();
  readonly details = new Set<string>();
  readonly dirtyValues = new Set<string>();
  readonly completeness = new Set<string>();
  /** Devices last sent as still replaying: sent again until their replay is over. */
  readonly replaying = new Set<string>();
  status = true;
  connection = true;
  presence = true;
  alarms = true;
  awaiting: number | null = null;
  lastHeardAt = Date.now();

  constructor(
    readonly id: string,
    readonly send: (msg: HostToClient) => void,
  ) {}

  get dirty(): boolean {
    return (
      this.status ||
      this.connection ||
      this.presence ||
      this.alarms ||
      this.summaries.size > 0 ||
      this.removed.size > 0 ||
      this.details.size > 0 ||
      this.dirtyValues.size > 0 ||
      this.completeness.size > 0
    );
  }
}

export class ClientViews implements ChangeSink {
  private readonly clients = new Map<string, ClientView>();
  private seq = 0;
  private flushQueued = false;
  private replayTimer: ReturnType<typeof setInterval> | undefined;
  private disposed = false;

  constructor(private readonly source: ViewSource) {}

  get size(): number {
    return this.clients.size;
  }

  /** A client said hello: it gets the whole picture of what it shows in its first diff. */
  add(clientId: string, interest: Interest, send: (msg: HostToClient) => void): void {
    const view = new ClientView(clientId, send);
    for (const id of this.source.deviceIds()) view.summaries.add(id);
    this.clients.set(clientId, view);
    this.setInterest(clientId, interest);
  }

  remove(clientId: string): void {
    this.clients.delete(clientId);
  }

  has(clientId: string): boolean {
    return this.clients.has(clientId);
  }

  /** Devices any client watches (details or values), by client. */
  watchedBy(clientId: string): Set<string> {
    const v = this.clients.get(clientId);
    if (!v) return new Set();
    return new Set([...v.devices, ...[...v.values].map((k) => splitValueKey(k)[0])]);
  }

  setInterest(clientId: string, interest: Interest): void {
    const v = this.clients.get(clientId);
    if (!v) return;
    v.lastHeardAt = Date.now();
    const devices = new Set(interest.devices);
    const values = new Set(interest.values);
    for (const d of devices) if (!v.devices.has(d)) {
      v.details.add(d);
      v.completeness.add(d);
    }
    for (const k of values) if (!v.values.has(k)) v.dirtyValues.add(k);
    v.devices = devices;
    v.values = values;
    this.schedule();
  }

  ack(clientId: string, seq: number): void {
    const v = this.clients.get(clientId);
    if (!v) return;
    v.lastHeardAt = Date.now();
    if (v.awaiting === seq) v.awaiting = null;
    if (v.dirty) this.schedule();
  }

  /** Clients silent for too long (a crashed tab); returns their ids after removing them. */
  dropSilent(now: number): string[] {
    const gone = [...this.clients.values()].filter((v) => now - v.lastHeardAt > CLIENT_SILENCE_MS).map((v) => v.id);
    for (const id of gone) this.clients.delete(id);
    return gone;
  }

  // ---- ChangeSink ----

  summary(deviceId: string): void {
    for (const v of this.clients.values()) {
      v.summaries.add(deviceId);
      v.removed.delete(deviceId);
    }
    this.schedule();
  }

  detail(deviceId: string): void {
    for (const v of this.clients.values()) if (v.devices.has(deviceId)) v.details.add(deviceId);
    this.schedule();
  }

  value(deviceId: string, propertyId: string): void {
    const key = valueKey(deviceId, propertyId);
    for (const v of this.clients.values()) {
      if (v.values.has(key)) v.dirtyValues.add(key);
      if (v.devices.has(deviceId)) v.completeness.add(deviceId);
    }
    this.schedule();
  }

  removed(deviceId: string): void {
    for (const v of this.clients.values()) {
      v.removed.add(deviceId);
      v.summaries.delete(deviceId);
      v.details.delete(deviceId);
    }
    this.schedule();
  }

  statusChanged(): void {
    for (const v of this.clients.values()) v.status = true;
    this.schedule();
  }

  connectionChanged(): void {
    for (const v of this.clients.values()) v.connection = true;
    this.schedule();
  }

  presenceChanged(): void {
    for (const v of this.clients.values()) v.presence = true;
    this.schedule();
  }

  alarmsChanged(): void {
    for (const v of this.clients.values()) v.alarms = true;
    this.schedule();
  }

  /** A new session: what each client shows about completeness starts again. */
  allCompletenessChanged(): void {
    for (const v of this.clients.values()) for (const d of v.devices) v.completeness.add(d);
    this.schedule();
  }

  /** A device settles without a message (its quiet period ends): look again twice a second while any replays. */
  private watchReplays(): void {
    if (this.replayTimer !== undefined) return;
    this.replayTimer = setInterval(() => {
      let any = false;
      for (const v of this.clients.values()) {
        for (const id of v.replaying) v.completeness.add(id);
        any ||= v.replaying.size > 0;
      }
      if (any) this.schedule();
      else {
        clearInterval(this.replayTimer);
        this.replayTimer = undefined;
      }
    }, 500);
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.replayTimer);
    this.clients.clear();
  }

  // ---- sending ----

  private schedule(): void {
    if (this.flushQueued || this.disposed) return;
    this.flushQueued = true;
    // A macrotask, not a microtask: the messages of one socket read are routed before a diff is built.
    setTimeout(() => {
      this.flushQueued = false;
      this.flush();
    }, 0);
  }

  flush(): void {
    for (const v of this.clients.values()) {
      if (v.awaiting !== null || !v.dirty) continue;
      const diff = this.build(v);
      v.awaiting = diff.seq;
      v.send(diff);
    }
  }

  private build(v: ClientView): Diff {
    const s = this.source;
    const seq = ++this.seq;
    const summaries = [...v.summaries].flatMap((id) => {
      const x = s.summary(id);
      return x ? [x] : [];
    });
    const details = [...v.details].flatMap((id) => {
      const x = s.detail(id);
      return x ? [x] : [];
    });
    const values = [...v.dirtyValues].map((k) => {
      const [d, p] = splitValueKey(k);
      return [d, p, s.value(d, p) ?? null] as const;
    });
    const completeness = [...v.completeness].map((id) => [id, s.completeness(id)] as const);
    for (const [id, c] of completeness) {
      if (c?.replay === 'waiting') v.replaying.add(id);
      else v.replaying.delete(id);
    }
    if (v.replaying.size > 0) this.watchReplays();
    const diff: Diff = {
      type: 'diff',
      seq,
      ...(v.status ? { status: s.status() } : {}),
      ...(v.connection && s.connection() ? { connection: s.connection()! } : {}),
      ...(v.presence ? { presence: s.presence() } : {}),
      ...(v.alarms ? { alarms: s.alarms() } : {}),
      ...(summaries.length > 0 ? { summaries } : {}),
      ...(v.removed.size > 0 ? { removed: [...v.removed] } : {}),
      ...(details.length > 0 ? { details } : {}),
      ...(values.length > 0 ? { values } : {}),
      ...(completeness.length > 0 ? { completeness } : {}),
    };
    v.status = v.connection = v.presence = v.alarms = false;
    v.summaries.clear();
    v.removed.clear();
    v.details.clear();
    v.dirtyValues.clear();
    v.completeness.clear();
    return diff;
  }
}
