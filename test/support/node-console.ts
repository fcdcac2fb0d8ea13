// A console "tab" in Node for the integration and chaos suites: the real
// Console (page side) with the real engine host in-process (the same code the
// browser runs in its worker), watching every device the way an operator
// looking at all of them would. It renders nothing, but builds a picture of
// what it shows and makes edits with exactly that as their base, as a
// control does.

import { Console, type StartOptions } from '../../src/app/console.js';
import type { HostLauncher } from '../../src/app/tab-coordinator.js';
import type { EngineHost, EngineHostOptions } from '../../src/host/engine-host.js';
import { inProcessLauncher } from '../../src/host/in-process.js';
import type { HostStatus } from '../../src/host/protocol.js';
import type { CoalesceResult } from '../../src/model/coalesce.js';
import { baseFromShown, conflictBase, type ShownValue } from '../../src/model/coalesce.js';
import { IN_FLIGHT_STATES, UNSENT_STATES, type Availability, type DeviceSchema, type OutboxEntry, type PropertyValue, type ReportedValue } from '../../src/model/types.js';
import type { ConnectionState } from '../../src/mqtt/connection.js';

export interface DeviceShown {
  readonly schema?: DeviceSchema;
  readonly availability: Availability;
  readonly values: ReadonlyMap<string, ReportedValue>;
}

/** What the console shows, as a test reads it. */
export interface ConsoleView {
  readonly connection: ConnectionState | null;
  readonly status: HostStatus | null;
  readonly devices: ReadonlyMap<string, DeviceShown>;
  /** Entries the operator should see (pending, in flight, needing attention). */
  readonly outbox: readonly OutboxEntry[];
}

export interface NodeConsoleOptions {
  readonly dbName: string;
  readonly host?: Omit<EngineHostOptions, 'kind' | 'dbName'>;
  readonly locks?: LockManager | null;
}

export class NodeConsole {
  readonly console: Console;
  /** The in-process host, while this console leads. */
  host: EngineHost | null = null;
  private view: ConsoleView = { connection: null, status: null, devices: new Map(), outbox: [] };
  private readonly listeners = new Set<(v: ConsoleView) => void>();
  private readonly cleanups: (() => void)[] = [];
  private readonly watched = new Map<string, () => void>();
  private readonly values = new Map<string, Map<string, ReportedValue>>();
  private readonly schemas = new Map<string, DeviceSchema>();

  constructor(options: NodeConsoleOptions) {
    const launcher: HostLauncher = inProcessLauncher({ dbName: options.dbName, ...options.host }, (h) => (this.host = h));
    this.console = new Console({ dbName: options.dbName, launcher, locks: options.locks ?? null });
    const c = this.console.client;
    this.cleanups.push(
      c.subscribeConnection((connection) => this.patch({ connection })),
      c.subscribeStatus((status) => this.patch({ status })),
      c.subscribeDevices((list) => {
        for (const id of list.keys()) this.watch(id);
        this.rebuild();
      }),
      this.console.outbox.subscribe((o) => this.patch({ outbox: o.entries })),
    );
  }

  get state(): ConsoleView {
    return this.view;
  }

  get db(): Console['db'] {
    return this.console.db;
  }

  get settings(): Console['settings'] {
    return this.console.settings;
  }

  subscribe(fn: (v: ConsoleView) => void): () => void {
    this.listeners.add(fn);
    fn(this.view);
    return () => this.listeners.delete(fn);
  }

  start(opts: StartOptions = {}): Promise<void> {
    return this.console.start(opts);
  }

  private patch(p: Partial<ConsoleView>): void {
    this.view = { ...this.view, ...p };
    for (const l of this.listeners) l(this.view);
  }

  /** Show a device and every one of its values, as an operator looking at it would. */
  private watch(deviceId: string): void {
    if (this.watched.has(deviceId)) return;
    const c = this.console.client;
    const valueSubs = new Map<string, () => void>();
    const unsubscribe = c.subscribeDevice(deviceId, (detail) => {
      if (!detail?.schema) return;
      this.schemas.set(deviceId, detail.schema);
      for (const p of detail.schema.properties) {
        if (valueSubs.has(p.id)) continue;
        valueSubs.set(
          p.id,
          c.subscribeValue(deviceId, p.id, (v) => {
            let m = this.values.get(deviceId);
            if (!m) this.values.set(deviceId, (m = new Map()));
            if (v) m.set(p.id, v);
            else m.delete(p.id);
            this.rebuild();
          }),
        );
      }
      this.rebuild();
    });
    this.watched.set(deviceId, () => {
      unsubscribe();
      for (const u of valueSubs.values()) u();
    });
  }

  private rebuild(): void {
    const devices = new Map<string, DeviceShown>();
    for (const [id, summary] of this.console.client.devices) {
      const schema = this.schemas.get(id);
      devices.set(id, { ...(schema ? { schema } : {}), availability: summary.availability, values: new Map(this.values.get(id) ?? []) });
    }
    this.patch({ devices });
  }

  /** What the control of this property shows now. */
  private shown(deviceId: string, propertyId: string): ShownValue {
    const active = [...this.view.outbox].reverse().find((e) => e.deviceId === deviceId && e.propertyId === propertyId && (IN_FLIGHT_STATES.includes(e.state) || (UNSENT_STATES.includes(e.state) && e.state !== 'unverified')));
    if (active) return { kind: 'intent', value: active.desired };
    const r = this.view.devices.get(deviceId)?.values.get(propertyId);
    return r ? { kind: 'reported', reported: r } : { kind: 'unknown' };
  }

  /** The base a control would pass: what it shows, and the live session if the device is there. */
  renderedBase(deviceId: string, propertyId: string): ReturnType<typeof baseFromShown> {
    const s = this.view.status;
    const availability = this.view.devices.get(deviceId)?.availability;
    const live = s?.live && this.view.connection?.status === 'open' && (availability === 'ready' || availability === 'unknown' || availability === 'alert') ? s.session : null;
    return baseFromShown(this.shown(deviceId, propertyId), live);
  }

  /** An operator's edit from what this console shows. */
  edit(deviceId: string, propertyId: string, desired: PropertyValue): Promise<CoalesceResult> {
    return this.console.edit(deviceId, propertyId, desired, this.renderedBase(deviceId, propertyId));
  }

  /** Re-apply from what the operator sees: the conflict card's "device is now", else the control. */
  reapply(seq: number, deviceId: string, propertyId: string): Promise<void> {
    const e = this.view.outbox.find((x) => x.seq === seq);
    const live = this.view.status?.live ? this.view.status.session : null;
    return this.console.reapply(seq, (e && conflictBase(e, live)) ?? this.renderedBase(deviceId, propertyId));
  }

  async dispose(): Promise<void> {
    for (const u of this.watched.values()) u();
    this.watched.clear();
    for (const c of this.cleanups.splice(0)) c();
    this.listeners.clear();
    await this.console.dispose();
  }
}

/** Resolve once `pick` finds something in the console's view. */
export async function until<T>(h: NodeConsole, pick: (s: ConsoleView) => T | undefined | false | null, timeoutMs = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let off: () => void = () => undefined;
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out; state: ${JSON.stringify({ conn: h.state.connection?.status, live: h.state.status?.live, outbox: h.state.outbox })}`));
    }, timeoutMs);
    let done = false;
    off = h.subscribe((s) => {
      const v = pick(s);
      if (v && !done) {
        done = true;
        clearTimeout(timer);
        queueMicrotask(() => off());
        resolve(v);
      }
    });
  });
}
