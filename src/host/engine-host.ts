/**
 * The engine host: one object that runs a leader session, wherever it runs.
 * It owns the broker connection, the adapters and router, the status
 * pipeline and working copy, the subscriptions, the outbox engine and
 * presence, and serves clients over the typed protocol (host/protocol.ts).
 *
 * The same class runs in a PWA leader tab's dedicated Worker, in the
 * extension's service worker, for one Background Sync run, and in Node
 * (tests, the fleet harness). Pages never run any of it: they only render.
 */
import { MappedAdapter } from '../conventions/mapped.js';
import { createAdapters, type AdapterOptions } from '../conventions/registry.js';
import type { PresenceInfo } from '../model/presence.js';
import type { OutboxEntry } from '../model/types.js';
import { BrokerConnection, type ConnectionState } from '../mqtt/connection.js';
import { profileConnectionOptions } from './profile-connection.js';
import { AlarmStore } from '../store/alarms.js';
import { AuditStore } from '../store/audit.js';
import { HoldfastDb } from '../store/db.js';
import { HistoryWriter } from '../store/history-writer.js';
import { OutboxStore } from '../store/outbox.js';
import { SecretStore } from '../store/secrets.js';
import { SettingsStore } from '../store/settings.js';
import { StatusCache } from '../store/status-cache.js';
import { TrafficStore } from '../store/traffic.js';
import { DeviceStates } from '../status/device-states.js';
import { StatusPipeline } from '../status/pipeline.js';
import { ConventionRouter } from '../status/router.js';
import { SubscriptionManager } from '../status/subscriptions.js';
import { DEFAULT_ENGINE_OPTIONS, OutboxEngine, type EngineOptions } from '../engine/engine.js';
import { AlarmMonitor } from './alarms.js';
import { AuditRecorder } from './audit.js';
import { readHostConfig, sameConnection, sameConventions, type HostConfig } from './config.js';
import type { HostEndpoint } from './ports.js';
import { PresenceTracker } from './presence.js';
import { PROTOCOL_VERSION, type ClientToHost, type HostKind, type HostStatus, type HostToClient } from './protocol.js';
import { ClientViews } from './views.js';

/** Connection timing; the defaults suit a shift, tests and demos shorten them. */
export interface ConnectionTuning {
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly heartbeatTimeoutMs?: number;
  /** Between attempts, probe the broker's host this often to notice it is back (0: never). */
  readonly probeIntervalMs?: number;
}

export interface EngineHostOptions {
  readonly kind: HostKind;
  readonly dbName?: string;
  readonly engine?: Partial<EngineOptions>;
  readonly connection?: ConnectionTuning;
  readonly presenceBase?: string;
  /** How long a device's values stay subscribed after nothing needs them. */
  readonly graceMs?: number;
  /** Every entry version the engine wrote (audit, extension notifications). */
  readonly onWritten?: (entries: readonly OutboxEntry[]) => void;
  /** The connection state changed (extension badge and lifecycle). */
  readonly onConnection?: (state: ConnectionState) => void;
  /**
   * Announce this console's presence (default true). A host with nobody at
   * it (a Background Sync run) must not appear to other operators.
   */
  readonly presence?: boolean;
  /** Prefix for the traffic log's notes on sets, e.g. "sent in the background". */
  readonly trafficNote?: string;
}

interface SessionStack {
  readonly conventions: AdapterOptions;
  readonly router: ConventionRouter;
  readonly pipeline: StatusPipeline;
  readonly subscriptions: SubscriptionManager;
  readonly engine: OutboxEngine;
}

const SILENT_CHECK_MS = 15_000;

function randomId(): string {
  const b = new Uint8Array(6);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/** How often finished outbox entries beyond the bound are dropped. */
const OUTBOX_PRUNE_MS = 60_000;

export class EngineHost {
  readonly id = randomId();
  readonly db: HoldfastDb;
  readonly outbox: OutboxStore;
  private readonly settings: SettingsStore;
  private readonly secrets: SecretStore;
  private readonly traffic: TrafficStore;
  private readonly history: HistoryWriter;
  private readonly cache: StatusCache;
  private readonly devices: DeviceStates;
  private readonly views: ClientViews;
  private readonly presence: PresenceTracker;
  /** Alarm rules evaluated here, for every tab (none in a Background Sync run: nobody is there to see them). */
  private readonly alarms: AlarmMonitor | null;
  private readonly audit: AuditRecorder;
  private readonly engineOptions: EngineOptions;
  private stack: SessionStack | null = null;
  private connection: BrokerConnection | null = null;
  private unsubscribeState: (() => void) | null = null;
  private connectionState: ConnectionState | null = null;
  private config: HostConfig | null = null;
  private readonly sessionPasswords = new Map<string, string>();
  private readonly replies = new Map<string, (m: HostToClient) => void>();
  private readonly endpoints: HostEndpoint[] = [];
  private readonly cleanups: (() => void)[] = [];
  private sessionCount = 0;
  private openSession: string | null = null;
  private live = false;
  private pendingDevices: ReadonlySet<string> = new Set();
  private configuring: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: EngineHostOptions) {
    this.db = new HoldfastDb(options.dbName);
    this.outbox = new OutboxStore(this.db);
    this.settings = new SettingsStore(this.db);
    this.secrets = new SecretStore(this.db);
    this.traffic = new TrafficStore(this.db);
    this.history = new HistoryWriter(this.db);
    this.engineOptions = { ...DEFAULT_ENGINE_OPTIONS, ...options.engine };
    this.views = new ClientViews({
      deviceIds: () => this.devices.ids(),
      summary: (id) => this.devices.summary(id),
      detail: (id) => this.devices.detail(id),
      value: (d, p) => this.devices.current(d, p),
      completeness: (id) => this.stack?.pipeline.completeness(id) ?? null,
      status: () => this.status(),
      connection: () => this.connectionState,
      presence: () => this.presence.list(),
      alarms: () => this.alarms?.list() ?? [],
    });
    this.devices = new DeviceStates(this.views);
    this.cache = new StatusCache(this.db, { cached: (id) => this.devices.cached(id), summaries: () => [...this.devices.ids()].flatMap((id) => this.devices.summary(id) ?? []) });
    this.presence = new PresenceTracker(() => this.views.presenceChanged(), options.presenceBase);
    this.alarms = options.kind === 'background-sync' ? null : new AlarmMonitor({ store: new AlarmStore(this.db), devices: this.devices, changed: () => this.views.alarmsChanged() });
    this.audit = new AuditRecorder(new AuditStore(this.db), this.devices);
  }

  status(): HostStatus {
    return {
      locked: this.config?.locked ?? false,
      session: this.openSession,
      live: this.live,
      subscribedDevices: this.stack?.subscriptions.activeCount() ?? 0,
      idleReason: this.config?.idleReason ?? null,
      kind: this.options.kind,
    };
  }

  /** Read the last-known state and the settings, recover interrupted entries, then connect. */
  async start(): Promise<void> {
    this.devices.seed(await this.cache.loadAll());
    await this.alarms?.load();
    this.audit.start();
    await this.configure();
    const timer = setInterval(() => {
      for (const id of this.views.dropSilent(Date.now())) this.forgetClient(id);
    }, SILENT_CHECK_MS);
    this.cleanups.push(() => clearInterval(timer));
    // Finished entries stay for the outbox panel and Undo, within KEEP_FINISHED (src/store/bounds.ts).
    const pruneOutbox = (): void => void this.outbox.prune().catch((err: unknown) => console.warn('Holdfast: could not prune the outbox', err));
    pruneOutbox();
    const pruning = setInterval(pruneOutbox, OUTBOX_PRUNE_MS);
    this.cleanups.push(() => clearInterval(pruning));
  }

  /** Serve clients on a channel; every client on it is told a (new) host is up. */
  serve(endpoint: HostEndpoint): void {
    this.endpoints.push(endpoint);
    this.cleanups.push(endpoint.listen((msg, reply) => this.onClientMessage(msg, reply)));
    endpoint.broadcast({ type: 'host-ready', hostId: this.id, version: PROTOCOL_VERSION });
  }

  private onClientMessage(msg: ClientToHost, reply: (m: HostToClient) => void): void {
    if (this.stopped) return;
    switch (msg.type) {
      case 'hello':
        this.replies.set(msg.clientId, reply);
        this.views.add(msg.clientId, msg.interest, reply);
        this.updateInterest(msg.clientId);
        // A host that needs a password asks every page: one of them may hold it for this session.
        if (this.config?.idleReason === 'needs-password' && this.config.profile) reply({ type: 'need-password', profileId: this.config.profile.id });
        break;
      case 'bye':
        this.forgetClient(msg.clientId);
        break;
      case 'interest':
        if (!this.views.has(msg.clientId)) {
          // A client whose host restarted: treat it as a hello.
          this.replies.set(msg.clientId, reply);
          this.views.add(msg.clientId, msg.interest, reply);
        } else this.views.setInterest(msg.clientId, msg.interest);
        this.updateInterest(msg.clientId);
        break;
      case 'ack':
        this.views.ack(msg.clientId, msg.seq);
        break;
      case 'config-changed':
        void this.configure();
        break;
      case 'outbox-changed':
        this.stack?.engine.kick();
        break;
      case 'alarms-changed':
        void this.alarms?.reload();
        break;
      case 'password':
        this.sessionPasswords.set(msg.profileId, msg.password);
        void this.configure();
        break;
      case 'retry':
        this.connection?.retryNow('operator pressed Retry');
        break;
      case 'editing':
        this.presence.set({ editing: msg.editing });
        break;
    }
  }

  private forgetClient(clientId: string): void {
    this.views.remove(clientId);
    this.replies.delete(clientId);
    this.stack?.subscriptions.setSource(`client:${clientId}`, []);
  }

  private updateInterest(clientId: string): void {
    this.stack?.subscriptions.setSource(`client:${clientId}`, this.views.watchedBy(clientId));
  }

  /** Read the settings again and apply what changed: conventions rebuild the session, a new profile reconnects. */
  configure(): Promise<void> {
    this.configuring = this.configuring.then(() => this.applyConfig()).catch((err: unknown) => console.error('Holdfast: could not apply the settings', err));
    return this.configuring;
  }

  private async applyConfig(): Promise<void> {
    if (this.stopped) return;
    const next = await readHostConfig(this.settings, this.secrets, this.sessionPasswords);
    const before = this.config;
    this.config = next;
    this.presence.set({ name: next.operatorName });
    if (next.idleReason === 'needs-password' && next.profile) for (const reply of this.replies.values()) reply({ type: 'need-password', profileId: next.profile.id });
    const rebuild = !this.stack || !before || !sameConventions(before, next);
    if (!rebuild && before && sameConnection(before, next) && this.connection) {
      this.views.statusChanged();
      return;
    }
    this.stopConnection();
    if (rebuild) await this.buildStack(next.conventions);
    this.views.statusChanged();
    if (next.idleReason === null && next.profile) await this.connect(next);
  }

  private async buildStack(conventions: AdapterOptions): Promise<void> {
    const old = this.stack;
    old?.engine.dispose();
    old?.subscriptions.dispose();
    const adapters = createAdapters(conventions);
    const router = new ConventionRouter(adapters);
    const pipeline = new StatusPipeline({ router, devices: this.devices, cache: this.cache, history: this.history, traffic: (r) => this.traffic.record(r), quietMs: this.engineOptions.quietMs });
    const note = this.options.trafficNote;
    const subscriptions = new SubscriptionManager(pipeline, this.options.graceMs);
    subscriptions.onChange(() => this.views.statusChanged());
    const engine = new OutboxEngine({
      outbox: this.outbox,
      pipeline,
      options: this.engineOptions,
      traffic: (r) => this.traffic.record(note ? { ...r, note: `${note}; ${r.note ?? ''}` } : r),
      onPendingDevices: (ids) => {
        this.pendingDevices = ids;
        subscriptions.setSource('outbox', ids);
      },
      onWritten: (entries) => {
        this.audit.written(entries);
        this.options.onWritten?.(entries);
      },
      onPuback: (entry, code, at) => this.audit.puback(entry, code, at),
    });
    this.stack = { conventions, router, pipeline, subscriptions, engine };
    this.alarms?.attach(pipeline, subscriptions);
    for (const clientId of this.replies.keys()) subscriptions.setSource(`client:${clientId}`, this.views.watchedBy(clientId));
    if (!old) await engine.recover();
    // Mapped devices are known from the mapping itself, before they publish anything.
    const at = Date.now();
    for (const a of adapters) if (a instanceof MappedAdapter) for (const event of a.deviceEvents()) this.devices.apply(at, event, '');
    engine.kick();
  }

  private async connect(config: HostConfig): Promise<void> {
    const stack = this.stack;
    const profile = config.profile;
    if (!stack || !profile) return;
    const t = this.options.connection ?? {};
    // Locked observer mode publishes nothing at all: no presence (and so no will), no heartbeat, no sets.
    const announce = this.options.presence !== false && !config.locked;
    const connection = new BrokerConnection(
      {
        ...(await profileConnectionOptions(profile, config.password, this.settings)),
        ...(t.backoffInitialMs || t.backoffMaxMs ? { backoff: { initialMs: t.backoffInitialMs ?? 500, maxMs: t.backoffMaxMs ?? 5_000 } } : {}),
        ...(config.locked ? { heartbeatIntervalMs: 0 } : t.heartbeatIntervalMs ? { heartbeatIntervalMs: t.heartbeatIntervalMs } : {}),
        ...(t.heartbeatTimeoutMs ? { heartbeatTimeoutMs: t.heartbeatTimeoutMs } : {}),
        ...(t.probeIntervalMs !== undefined ? { probeIntervalMs: t.probeIntervalMs } : {}),
        // The broker clears our presence if we vanish without saying goodbye.
        ...(announce ? { will: (clientId: string) => this.presence.will(clientId) } : {}),
      },
      (topic, payload, retained) => {
        if (this.presence.owns(topic)) this.presence.handle(topic, payload);
        else stack.pipeline.handleMessage(topic, payload, retained);
      },
      {
        onOpen: (session) => void this.onOpen(connection, stack, session, config.locked),
        onClose: () => this.onClose(stack),
      },
    );
    if (this.stopped || this.stack !== stack) return;
    this.connection = connection;
    this.unsubscribeState = connection.subscribeState((s) => {
      this.connectionState = s;
      this.views.connectionChanged();
      this.options.onConnection?.(s);
    });
    connection.start();
  }

  private async onOpen(connection: BrokerConnection, stack: SessionStack, session: number, locked: boolean): Promise<void> {
    const id = `${this.id}-${++this.sessionCount}`;
    this.openSession = id;
    this.live = false;
    stack.pipeline.startSession(id, Date.now());
    this.views.statusChanged();
    this.views.allCompletenessChanged();
    try {
      await stack.subscriptions.open({ subscribe: (f) => connection.subscribe(f), unsubscribe: (f) => connection.unsubscribe(f) });
      await connection.subscribe([this.presence.filter]);
    } catch {
      return; // the session ended while subscribing; onClose cleaned up
    }
    if (this.openSession !== id || connection.openSessionNumber !== session) return;
    this.live = true;
    this.alarms?.sessionChanged();
    if (locked) {
      // Status flows and presence of others is shown, but nothing leaves this console.
      this.views.statusChanged();
      return;
    }
    if (this.options.presence !== false) this.presence.open(connection);
    stack.engine.attach({ publish: (topic, payload, opts) => connection.publish(topic, payload, opts) });
    this.views.statusChanged();
  }

  private onClose(stack: SessionStack): void {
    this.openSession = null;
    this.live = false;
    stack.engine.detach();
    stack.subscriptions.close();
    stack.pipeline.endSession();
    this.alarms?.sessionChanged();
    this.presence.closed();
    this.views.statusChanged();
    this.views.allCompletenessChanged();
  }

  private stopConnection(): void {
    const c = this.connection;
    if (!c) return;
    this.presence.leave();
    this.connection = null;
    this.unsubscribeState?.();
    this.unsubscribeState = null;
    c.stop();
  }

  /** The broker connection's state, if the host has a connection. */
  get connectionStatus(): ConnectionState | null {
    return this.connectionState;
  }

  /** Devices with entries pending or in flight (the extension stays connected while there are any). */
  get pendingDeviceCount(): number {
    return this.pendingDevices.size;
  }

  /** Plan now (an edit arrived by some other way than a client message). */
  kick(): void {
    this.stack?.engine.kick();
  }

  /** Stop cleanly: goodbye to the broker, everything unsaved written, the database closed. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.configuring;
    this.stack?.engine.dispose();
    this.stack?.subscriptions.dispose();
    this.stopConnection();
    this.views.dispose();
    this.alarms?.dispose();
    this.audit.dispose();
    for (const c of this.cleanups.splice(0)) c();
    for (const e of this.endpoints.splice(0)) e.close();
    await Promise.all([this.cache.flush(), this.traffic.flush(), this.alarms?.flush(), this.audit.flush()]).catch(() => undefined);
    this.cache.dispose();
    this.traffic.dispose();
    this.history.dispose();
    this.db.close();
  }

  /** Presence of the others, for a host with no clients (Node harnesses). */
  others(): readonly PresenceInfo[] {
    return this.presence.list();
  }
}
