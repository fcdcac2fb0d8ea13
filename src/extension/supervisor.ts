/**
 * The extension's service worker as the one leader: it runs the engine host
 * (the same EngineHost a PWA leader tab runs in its worker) and decides when
 * it runs.
 *
 *   - A host runs while any console page is connected, or while the outbox
 *     holds entries that may still be sent (queued, checking, held) or are
 *     in flight (sending, sent). Edits are judged and sent the moment the
 *     broker is reachable, with no page open.
 *   - With no page and nothing outstanding for `idleGraceMs`, the host stops
 *     (a clean goodbye to the broker), and with no more WebSocket traffic
 *     Chrome stops the worker about 30 s later. Nothing is lost by that: the
 *     outbox is durable, and the next start reads it.
 *   - While entries are outstanding, a periodic alarm wakes the worker (at
 *     Chrome's minimum of 30 s) in case it was stopped anyway (an update, a
 *     crash, DevTools): a fresh start finds the entries and connects. A
 *     worker that is alive keeps its connection's own backoff; the alarm
 *     only tops it up (between attempts the connection's probe notices the
 *     broker's host answering again within about a second).
 *   - The action's badge counts edits that need the operator. Notifications
 *     tell what became of edits while no page is open (pages show it
 *     themselves): each edit that needs the operator, and one per batch of
 *     confirmations.
 *
 * Platform-neutral: chrome.* arrives as a {@link SupervisorPlatform}, so the
 * Node chaos harness runs this very class with fakes.
 */
import type { ConnectionStatus } from '../mqtt/connection.js';
import { EngineHost, type EngineHostOptions } from '../host/engine-host.js';
import type { HostEndpoint, RuntimePortHub } from '../host/ports.js';
import { ATTENTION_STATES, IN_FLIGHT_STATES, PENDING_STATES, type OutboxEntry, type OutboxState } from '../model/types.js';
import { HoldfastDb } from '../store/db.js';
import { DEVICE_LIST_KEY } from '../store/status-cache.js';
import type { DeviceSummary } from '../status/device-states.js';
import type { ChromeApi } from './chrome-api.js';
import { LIFECYCLE_KEY, TUNING_KEY } from './chrome-api.js';
import { NOTIFY_AS_BATCH, attentionNotice, batchNotice, type Naming, type Notice } from './outcomes.js';

export type SupervisorPlatform = Pick<ChromeApi, 'alarms' | 'action' | 'notifications' | 'storage'>;

/** Host options a page may set from its URL for demos and tests (see page.ts), read when a host starts. */
export type HostTuning = Pick<EngineHostOptions, 'engine' | 'connection' | 'graceMs'> & {
  /** The wake alarm's period (Chrome's minimum, 0.5, by default); tests lengthen it to watch keepalive alone. */
  readonly wakeMinutes?: number;
};

export interface SupervisorOptions {
  readonly hub: RuntimePortHub;
  readonly platform: SupervisorPlatform;
  readonly dbName?: string;
  /** Host options on top of the stored tuning (the Node harness). */
  readonly host?: Partial<Omit<EngineHostOptions, 'kind' | 'onWritten' | 'onConnection' | 'dbName'>>;
  /** With no page and nothing outstanding this long, the host disconnects and stops. */
  readonly idleGraceMs?: number;
  /** Confirmations within this window are told in one notification. */
  readonly batchMs?: number;
  /** The icon notifications show (an extension URL). */
  readonly iconUrl?: string;
  /** Every host it starts (the harness watches them). */
  readonly onHost?: (host: EngineHost | null) => void;
}

/** Entries that keep the connection: they may still be sent, or are in flight. */
export const OUTSTANDING_STATES: readonly OutboxState[] = [...PENDING_STATES, ...IN_FLIGHT_STATES];

/** The alarm that wakes a stopped worker while entries are outstanding. */
export const WAKE_ALARM = 'holdfast-wake';
/** Chrome runs alarms at most every 30 s. */
const WAKE_PERIOD_MINUTES = 0.5;
const DEFAULT_IDLE_GRACE_MS = 5_000;
const DEFAULT_BATCH_MS = 1_500;
const LIFECYCLE_LIMIT = 60;
const RECONSIDER_DEBOUNCE_MS = 100;

/**
 * Make sure the wake alarm is set (idempotent). A page calls this when it
 * queued an edit, so an edit is never stranded if the worker stops before
 * it had decided anything (it clears the alarm again once nothing is
 * outstanding).
 */
export async function ensureWakeAlarm(alarms: SupervisorPlatform['alarms'], minutes = WAKE_PERIOD_MINUTES): Promise<void> {
  const period = Math.max(WAKE_PERIOD_MINUTES, minutes);
  if (!(await alarms.get(WAKE_ALARM))) await alarms.create(WAKE_ALARM, { delayInMinutes: period, periodInMinutes: period });
}

export class Supervisor {
  private readonly db: HoldfastDb;
  private host: EngineHost | null = null;
  private endpoint: HostEndpoint | null = null;
  private chain: Promise<void> = Promise.resolve();
  private reconsiderTimer: ReturnType<typeof setTimeout> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private idleSince: number | null = null;
  private badgeText: string | null = null;
  private titleText: string | null = null;
  private status: ConnectionStatus | null = null;
  private batch: OutboxEntry[] = [];
  private batchTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly cleanups: (() => void)[] = [];
  private lifecycle: Promise<void> = Promise.resolve();
  private dead = false;

  constructor(private readonly options: SupervisorOptions) {
    this.db = new HoldfastDb(options.dbName);
  }

  /** The worker started (installed, browser started, an alarm, a page connecting, a notification click). */
  start(why: string): void {
    this.log(`worker started (${why})`);
    const { hub } = this.options;
    this.cleanups.push(
      hub.onChange(() => this.reconsider()),
      // A page changed the outbox (an edit, Dismiss, Send anyway): the badge, and whether a host is needed.
      hub.tap((m) => {
        // An edit may be waiting: the wake alarm first, before anything can stop this worker.
        if (m.type === 'outbox-changed') void ensureWakeAlarm(this.options.platform.alarms).catch(() => undefined);
        if (m.type === 'outbox-changed' || m.type === 'config-changed') this.reconsider();
      }),
    );
    this.reconsider();
  }

  /** The host running now, if any. */
  get current(): EngineHost | null {
    return this.host;
  }

  /** Decide again soon (debounced): start or stop the host, the wake alarm, the badge. */
  reconsider(): void {
    if (this.dead) return;
    clearTimeout(this.reconsiderTimer);
    this.reconsiderTimer = setTimeout(() => {
      this.chain = this.chain.then(() => this.decide()).catch((err: unknown) => console.error('Holdfast: the service worker could not decide', err));
    }, RECONSIDER_DEBOUNCE_MS);
  }

  /** Resolves once every decision asked for so far is carried out (tests). */
  async settled(): Promise<void> {
    await new Promise((r) => setTimeout(r, RECONSIDER_DEBOUNCE_MS + 10));
    await this.chain;
  }

  /** The wake alarm fired. */
  onAlarm(name: string): void {
    if (name !== WAKE_ALARM) return;
    this.reconsider();
  }

  /**
   * The network came back (the worker's 'online' event, where Chromium fires it): decide again. A host
   * that is waiting to retry notices by itself: between attempts its connection probes the broker's
   * host about every second and tries at once when it answers.
   */
  networkBack(): void {
    this.reconsider();
  }

  private async decide(): Promise<void> {
    if (this.dead) return;
    const pages = this.options.hub.size;
    const outstanding = await this.db.outbox.where('state').anyOf([...OUTSTANDING_STATES]).count();
    if (this.dead) return;
    if (pages > 0 || outstanding > 0) {
      this.idleSince = null;
      clearTimeout(this.idleTimer);
      if (!this.host) await this.startHost(pages, outstanding);
    } else if (this.host) {
      const grace = this.options.idleGraceMs ?? DEFAULT_IDLE_GRACE_MS;
      this.idleSince ??= Date.now();
      const left = this.idleSince + grace - Date.now();
      if (left <= 0) await this.stopHost('no console page is open and nothing is waiting to be sent');
      else {
        clearTimeout(this.idleTimer);
        this.idleTimer = setTimeout(() => this.reconsider(), left);
      }
    }
    await this.wakeAlarm(outstanding > 0);
    await this.badge();
  }

  private async readTuning(): Promise<HostTuning> {
    try {
      return ((await this.options.platform.storage.local.get(TUNING_KEY))[TUNING_KEY] as HostTuning | undefined) ?? {};
    } catch {
      return {};
    }
  }

  private async startHost(pages: number, outstanding: number): Promise<void> {
    const { wakeMinutes: _wake, ...stored } = await this.readTuning();
    if (this.dead) return;
    const host = new EngineHost({
      ...stored,
      ...this.options.host,
      ...(this.options.dbName !== undefined ? { dbName: this.options.dbName } : {}),
      kind: 'extension',
      onWritten: (entries) => this.onWritten(entries),
      onConnection: (s) => {
        if (s.status === this.status) return;
        this.status = s.status;
        void this.badge();
      },
    });
    this.host = host;
    this.options.onHost?.(host);
    try {
      await host.start();
    } catch (err) {
      console.error('Holdfast: the engine host did not start', err);
      this.host = null;
      this.options.onHost?.(null);
      await host.stop().catch(() => undefined);
      return;
    }
    if (this.dead || this.host !== host) {
      await host.stop();
      if (!this.host) this.options.onHost?.(null);
      return;
    }
    this.endpoint = this.options.hub.endpoint();
    host.serve(this.endpoint);
    this.log(`host started (${pages} page${pages === 1 ? '' : 's'} open, ${outstanding} outstanding)`);
  }

  private async stopHost(why: string): Promise<void> {
    const host = this.host;
    if (!host) return;
    this.host = null;
    this.endpoint = null;
    this.status = null;
    await host.stop();
    this.options.onHost?.(null);
    this.log(`host stopped: ${why}`);
  }

  /** Set while entries are outstanding, cleared when none are (a page may have set it meanwhile: always checked). */
  private async wakeAlarm(on: boolean): Promise<void> {
    const { alarms } = this.options.platform;
    const existing = await alarms.get(WAKE_ALARM);
    if (on) {
      const period = Math.max(WAKE_PERIOD_MINUTES, (await this.readTuning()).wakeMinutes ?? WAKE_PERIOD_MINUTES);
      // Keep one already scheduled (the worker may have been woken by it): re-creating it would push it back.
      if (!existing || existing.periodInMinutes !== period) await alarms.create(WAKE_ALARM, { delayInMinutes: period, periodInMinutes: period });
    } else if (existing) await alarms.clear(WAKE_ALARM);
  }

  /** The action's badge: how many edits need the operator; its title says the connection too. */
  private async badge(): Promise<void> {
    if (this.dead) return;
    const attention = await this.db.outbox
      .where('state')
      .anyOf([...ATTENTION_STATES])
      .filter((e) => !e.dismissed)
      .count();
    const text = attention > 0 ? String(attention) : '';
    const { action } = this.options.platform;
    if (text !== this.badgeText) {
      this.badgeText = text;
      await action.setBadgeText({ text });
      if (text) await action.setBadgeBackgroundColor({ color: '#b45309' });
    }
    const connection = this.host ? (this.status === 'open' ? 'connected to the broker' : 'not connected to the broker') : 'idle';
    const title = `Holdfast: ${attention > 0 ? `${attention} change${attention === 1 ? ' needs' : 's need'} attention; ` : ''}${connection}`;
    if (title !== this.titleText) {
      this.titleText = title;
      await action.setTitle({ title });
    }
  }

  private onWritten(entries: readonly OutboxEntry[]): void {
    this.reconsider();
    const noPage = this.options.hub.size === 0;
    for (const e of entries) {
      if (NOTIFY_AS_BATCH.includes(e.state)) {
        if (noPage) this.batch.push(e);
      } else if (attentionNoticeNeeded(e) && noPage) void this.tell(e);
    }
    if (this.batch.length > 0 && this.batchTimer === undefined) {
      this.batchTimer = setTimeout(() => {
        this.batchTimer = undefined;
        const done = this.batch;
        this.batch = [];
        void this.tellBatch(done);
      }, this.options.batchMs ?? DEFAULT_BATCH_MS);
    }
  }

  private async tell(e: OutboxEntry): Promise<void> {
    const notice = attentionNotice(e, await this.naming(e));
    if (notice) await this.notify(notice);
  }

  private async tellBatch(done: readonly OutboxEntry[]): Promise<void> {
    // Told only while still no page is open: a page that opened meanwhile shows them itself.
    if (this.options.hub.size > 0 || done.length === 0) return;
    const named = await Promise.all(done.map(async (e) => [e, await this.naming(e)] as const));
    const notice = batchNotice(named);
    if (notice) await this.notify(notice);
  }

  private async notify(n: Notice): Promise<void> {
    if (this.dead) return;
    try {
      await this.options.platform.notifications.create(n.id, {
        type: 'basic',
        iconUrl: this.options.iconUrl ?? 'icons/icon-192.png',
        title: n.title,
        message: n.message,
        priority: n.attention ? 2 : 0,
        requireInteraction: n.attention,
      });
      this.log(`told the operator: ${n.title}: ${n.message}`);
    } catch (err) {
      console.warn('Holdfast: could not show a notification', err);
    }
  }

  /** The device's and the setting's names, from the status cache the host keeps. */
  private async naming(e: OutboxEntry): Promise<Naming> {
    try {
      const [list, snapshot] = await Promise.all([this.db.settings.get(DEVICE_LIST_KEY), this.db.snapshots.get(e.deviceId)]);
      const summary = ((list?.value as DeviceSummary[] | undefined) ?? []).find((d) => d.id === e.deviceId);
      const schema = snapshot?.schema ?? undefined;
      return { deviceName: summary?.name ?? schema?.name ?? e.deviceId, schema: schema?.properties.find((p) => p.id === e.propertyId) };
    } catch {
      return { deviceName: e.deviceId, schema: undefined };
    }
  }

  /** What the worker did, kept in extension storage (Diagnostics and tests read it). */
  private log(event: string): void {
    const { local } = this.options.platform.storage;
    this.lifecycle = this.lifecycle
      .then(async () => {
        const before = ((await local.get(LIFECYCLE_KEY))[LIFECYCLE_KEY] as { at: number; event: string }[] | undefined) ?? [];
        await local.set({ [LIFECYCLE_KEY]: [...before, { at: Date.now(), event }].slice(-LIFECYCLE_LIMIT) });
      })
      .catch(() => undefined);
  }

  /**
   * The worker goes away at once, as when Chrome stops it (Node harness):
   * pages lose their ports, the host stops without deciding anything more.
   */
  async terminate(): Promise<void> {
    this.dead = true;
    clearTimeout(this.reconsiderTimer);
    clearTimeout(this.idleTimer);
    clearTimeout(this.batchTimer);
    for (const c of this.cleanups.splice(0)) c();
    this.options.hub.disconnectAll();
    const host = this.host;
    this.host = null;
    if (host) await host.stop();
    this.options.onHost?.(null);
    this.db.close();
  }
}

function attentionNoticeNeeded(e: OutboxEntry): boolean {
  return ATTENTION_STATES.includes(e.state) && !e.dismissed;
}
