import { DEFAULT_PRESENCE_BASE, encodePresence, parsePresence, presenceTopic, type PresenceInfo } from '../model/presence.js';
import type { ConnectionProfile } from '../model/profile.js';
import { BrokerConnection, type ConnectionState } from '../mqtt/connection.js';
import type { OutboxStore } from '../store/outbox.js';
import type { SettingsStore } from '../store/settings.js';
import type { StatusStore, TimedEvent } from '../store/status.js';
import { OutboxEngine, type EngineOptions, type TrafficRecord } from './engine.js';
import type { ConnectionTuning } from './hub.js';
import { profileConnectionOptions } from './profile-connection.js';
import type { ConventionRouter } from '../status/router.js';

export interface LeaderDeps {
  readonly outbox: OutboxStore;
  readonly status: StatusStore;
  readonly settings: SettingsStore;
  readonly router: ConventionRouter;
  readonly engineOptions: EngineOptions;
  readonly tuning: ConnectionTuning;
  readonly presenceBase?: string;
  readonly onConnection: (state: ConnectionState) => void;
  readonly onEvents: (batch: readonly TimedEvent[]) => void;
  readonly onTraffic?: (record: TrafficRecord) => void;
  readonly onPresence: (others: readonly PresenceInfo[]) => void;
}

export interface Presence {
  readonly name: string;
  readonly editing: PresenceInfo['editing'];
}

/**
 * What only the leader tab runs: the broker connection, the outbox engine
 * and presence. Loaded lazily, so first paint of the last-known state never
 * waits for mqtt.js.
 */
export class Leader {
  private connection: BrokerConnection | null = null;
  private unsubscribeState: (() => void) | null = null;
  private readonly engine: OutboxEngine;
  private readonly recovered: Promise<number>;
  private readonly presenceBase: string;
  private presence: Presence = { name: '', editing: null };
  private others = new Map<string, PresenceInfo>();

  constructor(private readonly deps: LeaderDeps) {
    this.engine = new OutboxEngine(deps.outbox, deps.status, deps.router, deps.engineOptions, deps.onEvents, deps.onTraffic);
    this.recovered = this.engine.recover();
    this.presenceBase = deps.presenceBase ?? DEFAULT_PRESENCE_BASE;
  }

  /** (Re)connect with a profile; null means "not configured yet". The password is held in memory only. */
  async start(profile: ConnectionProfile | null, password: string | undefined): Promise<void> {
    this.stopConnection();
    await this.recovered;
    // Keep the outbox bounded: finished entries beyond the newest few hundred are history nobody shows.
    await this.deps.outbox.prune().catch((err: unknown) => console.warn('Holdfast: could not prune the outbox', err));
    if (!profile) return;
    const presenceBase = this.presenceBase;
    const t = this.deps.tuning;
    const connection = new BrokerConnection(
      {
        ...(await profileConnectionOptions(profile, password, this.deps.settings)),
        ...(t.backoffInitialMs || t.backoffMaxMs ? { backoff: { initialMs: t.backoffInitialMs ?? 500, maxMs: t.backoffMaxMs ?? 30_000 } } : {}),
        ...(t.heartbeatIntervalMs ? { heartbeatIntervalMs: t.heartbeatIntervalMs } : {}),
        ...(t.heartbeatTimeoutMs ? { heartbeatTimeoutMs: t.heartbeatTimeoutMs } : {}),
        // The broker clears our presence if we vanish without saying goodbye.
        will: (clientId) => ({ topic: presenceTopic(presenceBase, clientId), payload: '', retain: true }),
      },
      (topic, payload, retained) => {
        if (topic.startsWith(`${presenceBase}/`)) this.onPresenceMessage(topic, payload);
        else this.engine.handleMessage(topic, payload, retained);
      },
      {
        onOpen: (session) => {
          this.engine.onOpen(session);
          connection.subscribe([`${presenceBase}/+`]).catch(() => undefined);
          this.announce();
        },
        onClose: (session) => {
          this.engine.onClose(session);
          this.setOthers(new Map());
        },
      },
    );
    this.connection = connection;
    this.engine.attach(connection);
    this.unsubscribeState = connection.subscribeState((s) => this.deps.onConnection(s));
    connection.start();
  }

  setPresence(presence: Presence): void {
    this.presence = presence;
    this.announce();
  }

  private announce(): void {
    const c = this.connection;
    if (!c || c.state.status !== 'open') return;
    c.publishOwn(presenceTopic(this.presenceBase, c.id), encodePresence({ ...this.presence, name: this.presence.name || 'Unnamed operator', at: Date.now() }), true);
  }

  private onPresenceMessage(topic: string, payload: Uint8Array): void {
    const parsed = parsePresence(this.presenceBase, topic, new TextDecoder().decode(payload));
    if (!parsed || parsed.clientId === this.connection?.id) return;
    const next = new Map(this.others);
    if (parsed.info) next.set(parsed.clientId, parsed.info);
    else next.delete(parsed.clientId);
    this.setOthers(next);
  }

  private setOthers(next: Map<string, PresenceInfo>): void {
    this.others = next;
    this.deps.onPresence([...next.values()]);
  }

  connectionState(): ConnectionState | null {
    return this.connection?.state ?? null;
  }

  kick(): void {
    this.engine.kick();
  }

  retry(): void {
    this.connection?.retryNow('operator pressed Retry');
  }

  private stopConnection(): void {
    const c = this.connection;
    // Say goodbye: clear our retained presence before a clean disconnect (the will only fires on a crash).
    if (c && c.state.status === 'open') c.publishOwn(presenceTopic(this.presenceBase, c.id), '', true);
    this.unsubscribeState?.();
    this.unsubscribeState = null;
    c?.stop();
    this.connection = null;
  }

  stop(): void {
    // Engine first: closing the connection must not start re-queue writes into a database being closed.
    this.engine.dispose();
    this.stopConnection();
  }
}
