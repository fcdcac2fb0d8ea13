/**
 * The outbox flush the PWA's service worker runs from Background Sync
 * (Chromium) while no console page is open: one short session of the same
 * engine host a leader tab runs, so an edit is judged exactly as it would be
 * there (fresh status first, stale edits discarded, never a blind resend).
 * Off unless the operator turned it on (setting `backgroundSync`).
 */
import { HOST_CHANNEL, LEADER_LOCK } from '../app/names.js';
import { IN_FLIGHT_STATES, PENDING_STATES, type OutboxState } from '../model/types.js';
import { HoldfastDb } from '../store/db.js';
import { OutboxStore } from '../store/outbox.js';
import { SettingsStore } from '../store/settings.js';
import type { EngineOptions } from '../engine/engine.js';
import { EngineHost } from './engine-host.js';
import type { Envelope } from './protocol.js';

/** Browsers stop a service worker about 30 s after its last event; finish well inside that. */
export const DEFAULT_BUDGET_MS = 25_000;
/** How often the run re-checks whether every entry is decided (cheap: one indexed read). */
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

function report(outcome: FlushOutcome, retry: boolean, message: string, states: FlushReport['states'] = {}): FlushReport {
  return { outcome, retry, message, states };
}

const OUTSTANDING: readonly OutboxState[] = [...PENDING_STATES, ...IN_FLIGHT_STATES];

/**
 * Run one background flush. Never runs beside a leader tab: it returns at
 * once if a page is open, and otherwise holds the leaders' Web Lock (taken
 * only if free) for the whole session.
 */
export async function backgroundFlush(opts: BackgroundFlushOptions): Promise<FlushReport> {
  const db = new HoldfastDb(opts.dbName);
  let outstanding: number[];
  try {
    if ((await new SettingsStore(db).get('backgroundSync')) !== true) return report('disabled', false, 'sending in the background is off');
    outstanding = (await db.outbox.where('state').anyOf([...OUTSTANDING]).primaryKeys()) as number[];
  } finally {
    db.close();
  }
  if (outstanding.length === 0) return report('nothing-pending', false, 'nothing is waiting to be sent');
  if (await opts.pageOpen()) return report('page-open', true, 'a console page is open and sends the queued changes itself');
  const locks = opts.locks ?? (typeof navigator !== 'undefined' ? navigator.locks : undefined);
  if (!locks) return report('unsupported', false, 'this browser cannot guarantee a single sender (no Web Locks)');

  // Listen before taking the lock: a page that opens from here on says hello, and the run gives way to it.
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(HOST_CHANNEL) : null;
  const pageArrived = new AbortController();
  channel?.addEventListener('message', (ev: MessageEvent<Envelope>) => {
    if (ev.data.to === 'host' && ev.data.msg.type === 'hello') pageArrived.abort();
  });
  try {
    return await locks.request(LEADER_LOCK, { ifAvailable: true }, async (lock) => {
      if (!lock) return report('page-open', true, 'a console page leads and sends the queued changes itself');
      // A page may have opened while the lock was requested (its own request then waits for us).
      if (pageArrived.signal.aborted || (await opts.pageOpen())) return report('page-open', true, 'a console page is open and sends the queued changes itself');
      return await run(opts, outstanding, pageArrived.signal);
    });
  } finally {
    channel?.close();
  }
}

async function run(opts: BackgroundFlushOptions, watched: readonly number[], pageArrived: AbortSignal): Promise<FlushReport> {
  let wake: () => void = () => undefined;
  const host = new EngineHost({
    kind: 'background-sync',
    ...(opts.dbName !== undefined ? { dbName: opts.dbName } : {}),
    ...(opts.engine ? { engine: opts.engine } : {}),
    // Nobody is at this console: it must not appear to other operators.
    presence: false,
    // The operator's traffic log shows what was sent while no console was open, and says so.
    trafficNote: 'sent in the background',
    onConnection: () => wake(),
    onWritten: () => wake(),
  });
  const outbox = new OutboxStore(host.db);
  pageArrived.addEventListener('abort', () => wake());
  const deadline = Date.now() + (opts.budgetMs ?? DEFAULT_BUDGET_MS);
  let result: FlushReport | null = null;
  try {
    await host.start();
    const idle = host.status().idleReason;
    if (idle === 'no-profile') return report('no-profile', false, 'no broker is configured');
    // Only a remembered (encrypted) password is available here; a session-only one died with its page.
    if (idle === 'needs-password') return report('needs-password', false, 'the broker needs a password that is not remembered on this device');
    while (result === null) {
      const connection = host.connectionStatus;
      const left = (await outbox.pending()).length + (await outbox.interrupted()).length;
      if (pageArrived.aborted) result = report('yielded', false, 'a console page opened and took over');
      else if (connection?.status === 'failed-permanent') result = report('connection-failed', false, connection.lastError?.message ?? 'the broker refused the connection');
      else if (host.status().live && left === 0) result = report('done', false, 'every queued change was decided');
      else if (Date.now() >= deadline) result = report('timed-out', true, connection?.status === 'open' ? 'some changes were still being decided when time ran out' : 'could not reach the broker in time');
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
    const states: Partial<Record<OutboxState, number>> = {};
    for (const e of await host.db.outbox.bulkGet([...watched])) if (e) states[e.state] = (states[e.state] ?? 0) + 1;
    const undecided = Object.keys(states).some((s) => OUTSTANDING.includes(s as OutboxState));
    return { ...result, states, retry: result.retry && undecided };
  } finally {
    // Whatever is still in flight is judged again by the next host (its recover() does that).
    await host.stop();
  }
}
