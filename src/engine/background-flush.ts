/**
 * The outbox flush the service worker runs from Background Sync (Chromium)
 * while no console page is open: one short broker session with the page's own
 * engine, adapters and stores, so an edit is judged exactly as a leader tab
 * would judge it (fresh status first, stale edits discarded, never a blind
 * resend). Off unless the operator turned it on (setting `backgroundSync`).
 */
import { createAdapters } from '../conventions/registry.js';
import { MappedAdapter, parseMapping } from '../conventions/mapped.js';
import { FreshnessTracker } from '../model/freshness.js';
import { IN_FLIGHT_STATES, type OutboxEntry, type OutboxState } from '../model/types.js';
import { BrokerConnection, type ConnectionOptions, type MessageHandler, type SessionHandlers } from '../mqtt/connection.js';
import { HoldfastDb } from '../store/db.js';
import { OutboxStore } from '../store/outbox.js';
import { SecretStore } from '../store/secrets.js';
import { SettingsStore } from '../store/settings.js';
import { StatusStore, type TimedEvent } from '../store/status.js';
import { TrafficStore } from '../store/traffic.js';
import { HUB_CHANNEL, LEADER_LOCK } from './background-sync.js';
import { DEFAULT_ENGINE_OPTIONS, OutboxEngine, type EngineOptions } from './engine.js';
import { profileConnectionOptions } from './profile-connection.js';
import { ConventionRouter, eventDeviceId } from '../status/router.js';

/** Browsers stop a service worker about 30 s after its last event; finish well inside that. */
export const DEFAULT_BUDGET_MS = 25_000;
/** How often the session re-checks whether every entry is decided (cheap: one indexed read). */
const CHECK_INTERVAL_MS = 250;

export type FlushOutcome =
  /** The operator has not turned background sending on. */
  | 'disabled'
  /** Nothing waiting in the outbox. */
  | 'nothing-pending'
  /** A console page is open (or holds the leader lock): it owns the outbox. */
  | 'page-open'
  /** This browser has no Web Locks, so running could race a tab: not run. */
  | 'unsupported'
  | 'no-profile'
  /** The broker needs a password that is only kept for the page's session. */
  | 'needs-password'
  /** Every entry was decided and nothing is left in flight. */
  | 'done'
  /** A console page opened during the run: the session ended so the page can lead. */
  | 'yielded'
  /** Retrying cannot help (bad credentials, not authorized). */
  | 'connection-failed'
  | 'timed-out';

export interface FlushReport {
  readonly outcome: FlushOutcome;
  /** Whether the browser should fire the sync again later (the sync handler then rejects). */
  readonly retry: boolean;
  readonly message: string;
  /** What became of the entries that were waiting when the run started, by state. */
  readonly states: Readonly<Partial<Record<OutboxState, number>>>;
}

export interface BackgroundFlushOptions {
  readonly dbName?: string;
  readonly budgetMs?: number;
  readonly engine?: Partial<EngineOptions>;
  /** Whether a console page is open; the service worker asks clients.matchAll(). */
  readonly pageOpen: () => Promise<boolean>;
  /** Defaults to navigator.locks. */
  readonly locks?: LockManager;
}

/** The engine's view of freshness, rebuilt from the same events, so the session knows when waiting is over. */
class ObservedStatusStore extends StatusStore {
  constructor(
    db: HoldfastDb,
    private readonly observe: (batch: readonly TimedEvent[]) => void,
  ) {
    super(db, { persist: true });
  }

  override apply(batch: readonly TimedEvent[]): void {
    super.apply(batch);
    this.observe(batch);
  }
}

/**
 * Tells the session when the engine's status subscription was acknowledged:
 * the engine subscribes from onOpen, synchronously, before anything else in
 * that session subscribes, so the first subscribe after open is that one.
 */
class WatchedConnection extends BrokerConnection {
  private watchNext: (() => void) | null = null;

  constructor(options: ConnectionOptions, onMessage: MessageHandler, handlers: SessionHandlers) {
    super(options, onMessage, handlers);
  }

  watchNextSubscribe(fn: () => void): void {
    this.watchNext = fn;
  }

  override async subscribe(filters: readonly string[]): Promise<void> {
    const notify = this.watchNext;
    this.watchNext = null;
    await super.subscribe(filters);
    notify?.();
  }
}

/** Outstanding entries: those that may still be published or are in flight. */
async function outstanding(outbox: OutboxStore): Promise<OutboxEntry[]> {
  const [pending, inFlight] = await Promise.all([outbox.pending(), outbox.inFlight()]);
  return [...pending, ...inFlight];
}

function report(outcome: FlushOutcome, retry: boolean, message: string, states: FlushReport['states'] = {}): FlushReport {
  return { outcome, retry, message, states };
}

/**
 * Run one background flush. Never runs beside a leader tab: it returns at
 * once if a page is open, and otherwise holds the leaders' Web Lock (taken
 * only if free) for the whole session.
 */
export async function backgroundFlush(opts: BackgroundFlushOptions): Promise<FlushReport> {
  const db = new HoldfastDb(opts.dbName);
  try {
    const settings = new SettingsStore(db);
    if ((await settings.get('backgroundSync')) !== true) return report('disabled', false, 'sending in the background is off');
    if ((await outstanding(new OutboxStore(db))).length === 0) return report('nothing-pending', false, 'nothing is waiting to be sent');
    if (await opts.pageOpen()) return report('page-open', true, 'a console page is open and sends the queued changes itself');
    const locks = opts.locks ?? (typeof navigator !== 'undefined' ? navigator.locks : undefined);
    if (!locks) return report('unsupported', false, 'this browser cannot guarantee a single sender (no Web Locks)');

    // Listen before taking the lock: a page that opens from here on says hello, and the session gives way to it.
    const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(HUB_CHANNEL) : null;
    const pageArrived = new AbortController();
    channel?.addEventListener('message', (ev: MessageEvent<{ type?: unknown } | null>) => {
      if (ev.data?.type === 'hello') pageArrived.abort();
    });
    try {
      return await locks.request(LEADER_LOCK, { ifAvailable: true }, async (lock) => {
        if (!lock) return report('page-open', true, 'a console page leads and sends the queued changes itself');
        // A page may have opened while the lock was requested (its own request then waits for us).
        if (pageArrived.signal.aborted || (await opts.pageOpen())) return report('page-open', true, 'a console page is open and sends the queued changes itself');
        return await session(db, opts, pageArrived.signal);
      });
    } finally {
      channel?.close();
    }
  } finally {
    // A straggling write from the engine's own clean-up may still come: let it reopen the database rather than fail.
    db.close({ disableAutoOpen: false });
  }
}

async function session(db: HoldfastDb, opts: BackgroundFlushOptions, pageArrived: AbortSignal): Promise<FlushReport> {
  const settings = new SettingsStore(db);
  const outbox = new OutboxStore(db);
  const profiles = (await settings.get('profiles')) ?? [];
  const activeId = await settings.get('activeProfileId');
  const profile = profiles.find((p) => p.id === activeId);
  if (!profile) return report('no-profile', false, 'no broker is configured');
  // Only a remembered (encrypted) password is available here; a session-only one died with its page.
  const password = profile.username && profile.rememberPassword ? await new SecretStore(db).load(profile.id) : undefined;
  if (profile.username && password === undefined) return report('needs-password', false, `${profile.name} needs a password that is not remembered on this device`);

  const storedMapping = await settings.get('mapping');
  const mapping = storedMapping ? parseMapping(storedMapping) : null;
  const adapters = createAdapters({ haPrefix: (await settings.get('haPrefix')) ?? 'homeassistant', ...(mapping?.ok ? { mapping: mapping.mapping } : {}) });
  const router = new ConventionRouter(adapters);
  const engineOptions: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, ...opts.engine };
  const tracker = new FreshnessTracker(engineOptions.quietMs);
  let wake: () => void = () => undefined;
  const status = new ObservedStatusStore(db, (batch) => {
    for (const { at, event } of batch) tracker.noteMessage(eventDeviceId(event), event.kind === 'value' ? event.propertyId : null, at);
    wake();
  });
  // The same start as a leader tab: last-known schemas, and mapped devices known from the mapping itself.
  await status.load();
  const at = Date.now();
  status.apply(adapters.flatMap((a) => (a instanceof MappedAdapter ? a.deviceEvents() : [])).map((event) => ({ at, event })));

  // The operator's traffic log shows what was sent while no console was open, and says so.
  const traffic = new TrafficStore(db);
  const engine = new OutboxEngine(outbox, status, router, engineOptions, undefined, (r) =>
    traffic.record(r.direction === 'out' ? { ...r, note: `sent in the background; ${r.note ?? ''}` } : r),
  );
  await engine.recover();
  const watched = new Set((await outstanding(outbox)).map((e) => e.seq));

  let liveSession: number | null = null;
  const connection: WatchedConnection = new WatchedConnection(
    // No presence and no will: nobody is at this console, so it must not appear to other operators.
    await profileConnectionOptions(profile, password, settings),
    (topic, payload, retained) => engine.handleMessage(topic, payload, retained),
    {
      onOpen: (id) => {
        tracker.startSession(Date.now());
        connection.watchNextSubscribe(() => {
          tracker.markSubscribed(Date.now());
          liveSession = id;
          wake();
        });
        engine.onOpen(id);
      },
      onClose: (id) => {
        if (liveSession === id) liveSession = null;
        engine.onClose(id);
        wake();
      },
    },
  );
  engine.attach(connection);
  connection.subscribeState(() => wake());
  pageArrived.addEventListener('abort', () => wake());

  /**
   * Decided: nothing queued, being judged or in flight, and each held
   * (unverified) entry had its chance: its device settled on this connection
   * without reporting that setting. Then staying longer cannot change anything.
   */
  const decided = async (): Promise<boolean> => {
    if (liveSession === null) return false;
    const now = Date.now();
    for (const e of await outstanding(outbox)) {
      if (e.state !== 'unverified') return false;
      if (tracker.hasReported(e.deviceId, e.propertyId)) return false;
      if (tracker.deviceState(e.deviceId, status.schema(e.deviceId), now) === 'waiting') return false;
    }
    return true;
  };

  const deadline = Date.now() + (opts.budgetMs ?? DEFAULT_BUDGET_MS);
  let result: FlushReport | null = null;
  connection.start();
  try {
    while (result === null) {
      const state = connection.state;
      if (pageArrived.aborted) result = report('yielded', false, 'a console page opened and took over');
      else if (state.status === 'failed-permanent') result = report('connection-failed', false, state.lastError?.message ?? 'the broker refused the connection');
      else if (await decided()) result = report('done', false, 'every queued change was decided');
      else if (Date.now() >= deadline) result = report('timed-out', true, state.status === 'open' ? 'some changes were still being decided when time ran out' : `could not reach ${profile.url} in time`);
      else {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(CHECK_INTERVAL_MS, Math.max(0, deadline - Date.now())));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = () => undefined;
      }
    }
  } finally {
    connection.stop();
    // Whatever is still in flight goes back to be judged by the next leader (the engine's own clean-up does the same).
    await engine.recover();
    engine.dispose();
    await status.persistNow();
    status.dispose();
    await traffic.flush();
    traffic.dispose();
  }
  const states: Partial<Record<OutboxState, number>> = {};
  for (const seq of watched) {
    const e = seq === undefined ? undefined : await outbox.get(seq);
    if (e) states[e.state] = (states[e.state] ?? 0) + 1;
  }
  const left = Object.entries(states).filter(([s]) => IN_FLIGHT_STATES.includes(s as OutboxState) || s === 'queued' || s === 'reconciling');
  return { ...result, states, retry: result.retry && left.length > 0 };
}
