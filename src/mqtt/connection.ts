import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
import { ATTEMPT_WINDOW_MS, DEFAULT_BACKOFF, MIN_ATTEMPT_GAP_MS, WATCHED_MAX_MS, backoffDelay, probeDelay, reconnectSpreadMs, type BackoffOptions } from './backoff.js';
import { diagnoseConnack, diagnoseTimeout, diagnosis, type Diagnosis } from './diagnosis.js';
import { brokerReachable, probeBroker } from './probe.js';

export type ConnectionStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'offline' | 'failed-permanent';
export type ProtocolVersion = 4 | 5;

export interface ConnectionLogEntry {
  readonly at: number;
  readonly message: string;
}

export interface ConnectionState {
  readonly status: ConnectionStatus;
  readonly brokerUrl: string | null;
  readonly clientId: string;
  /** Attempts since the last good session. */
  readonly attempt: number;
  /** Sessions opened since start. */
  readonly sessions: number;
  readonly nextAttemptAt: number | null;
  readonly lastError: Diagnosis | null;
  readonly lastConnectedAt: number | null;
  readonly protocolVersion: ProtocolVersion | null;
  /** When `status` last changed. */
  readonly since: number;
  /** When the console last stopped being connected (null while open). */
  readonly downSince: number | null;
  /**
   * Nothing answers at the broker's host, and a probe checks about every
   * second whether that changed (`nextAttemptAt` is then only the fallback).
   */
  readonly watching: boolean;
  /** Last application-level heartbeat round trip. */
  readonly rttMs: number | null;
  readonly log: readonly ConnectionLogEntry[];
}

export interface WillMessage {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
}

export interface ConnectionOptions {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly clientIdPrefix: string;
  readonly keepaliveSeconds: number;
  /** 'auto' prefers MQTT 5 and falls back to 3.1.1 when refused. */
  readonly protocol: 'auto' | ProtocolVersion;
  /** The version that last worked for this broker, if known. */
  readonly rememberedVersion?: ProtocolVersion;
  readonly onVersionLearned?: (version: ProtocolVersion) => void;
  readonly backoff?: BackoffOptions;
  /**
   * While waiting to retry after the broker could not be reached, probe its
   * host this often (±25 %) and try at once when it answers; 0 disables.
   */
  readonly probeIntervalMs?: number;
  /** After a probe answers, try within a random delay up to this, so a room of tablets does not storm the broker. */
  readonly probeSpreadMs?: number;
  /** 0: no application heartbeat at all (MQTT keepalive still runs). */
  readonly heartbeatIntervalMs?: number;
  readonly heartbeatTimeoutMs?: number;
  /** Topic prefix this console owns (heartbeat, presence). */
  readonly ownTopicBase?: string;
  readonly will?: (clientId: string) => WillMessage;
  /**
   * Which timers run mqtt.js' keepalive. 'worker' puts them in a nested
   * Worker made from a blob: URL, so a hidden page's throttled timers cannot
   * starve the PINGREQs; a service worker has neither (no Worker, no blob:
   * workers), so there it must be 'native'. Default: {@link keepaliveTimers}.
   */
  readonly timers?: KeepaliveTimers;
}

export type KeepaliveTimers = 'native' | 'worker';

/**
 * Chromium stops an extension's service worker after 30 s without events;
 * since Chrome 116 WebSocket traffic counts. So there, MQTT's keepalive
 * (which sends a PINGREQ only after that long without other traffic) must
 * be shorter than 30 s, whatever the profile says.
 */
export const SERVICE_WORKER_KEEPALIVE_MAX_S = 25;

/** Whether this code runs in a service worker (the extension's, or a PWA's Background Sync run). */
export function inServiceWorker(scope: object = globalThis): boolean {
  const ctor = (globalThis as { ServiceWorkerGlobalScope?: abstract new () => unknown }).ServiceWorkerGlobalScope;
  return typeof ctor === 'function' && scope instanceof ctor;
}

/**
 * The keepalive timers this global scope can run: worker timers where a
 * page could start a Worker, native ones elsewhere (dedicated workers, the
 * extension's service worker, Node).
 */
export function keepaliveTimers(scope: { Worker?: unknown; document?: unknown } = globalThis as { Worker?: unknown; document?: unknown }): KeepaliveTimers {
  return typeof scope.Worker === 'function' && typeof scope.document === 'object' && scope.document !== null ? 'worker' : 'native';
}

export interface PublishOptions {
  readonly qos: 0 | 1;
  readonly retain?: boolean;
  /** MQTT 5 user properties; dropped on 3.1.1. */
  readonly userProperties?: Readonly<Record<string, string>>;
  /** MQTT 5 message expiry: the broker drops it if it cannot deliver it in time (a late set is a stale set). */
  readonly expirySeconds?: number;
}

export interface PublishResult {
  /** PUBACK reason code (MQTT 5), 0 on 3.1.1 or QoS 0. */
  readonly reasonCode: number;
}

export type MessageHandler = (topic: string, payload: Uint8Array, retained: boolean) => void;
export interface SessionHandlers {
  /** A session opened: subscribe now. The message handler is already attached. */
  onOpen(session: number): void;
  /** The session ended; in-flight publishes of it may or may not have arrived. */
  onClose(session: number): void;
}

const LOG_LIMIT = 50;

/** Thrown by publish/subscribe when there is no open session: the caller keeps its intent. */
export class NotConnectedError extends Error {
  constructor() {
    super('not connected');
    this.name = 'NotConnectedError';
  }
}

export class PublishRejectedError extends Error {
  constructor(readonly reasonCode: number) {
    super(`broker refused the publish (reason 0x${reasonCode.toString(16)})`);
    this.name = 'PublishRejectedError';
  }
}

function randomHex(bytes: number): string {
  const buf = new Uint8Array(bytes);
  crypto.getRandomValues(buf);
  return [...buf].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Failures a returning network cures: worth probing the broker's host for between attempts. */
const REACHABILITY_FAILURES: readonly Diagnosis['code'][] = ['unreachable', 'tls', 'timeout', 'closed-by-broker', 'server-unavailable', 'unknown'];

/** Diagnoses of "nothing answers there": while the outage lasts, one HTTP request tells whether that changed. */
const NOTHING_ANSWERS: readonly Diagnosis['code'][] = ['unreachable', 'tls'];

const CLOSED: Diagnosis = diagnosis('closed-by-broker', { key: 'closed' }, false);

/**
 * The broker connection: the only code that touches mqtt.js.
 *
 * mqtt.js' own reconnect is off (reconnectPeriod 0) and every attempt uses a
 * fresh client, so nothing queued in a dead client can be replayed after a
 * reconnect: what gets published is decided by the outbox, after fresh
 * status is in. It never gives up and never reloads the page.
 */
export class BrokerConnection {
  private client: MqttClient | null = null;
  private session = 0;
  private openSession: number | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private probeTimer: ReturnType<typeof setTimeout> | undefined;
  /** Date.now() of the last attempt's start, and of the one before: attempts are at least MIN_ATTEMPT_GAP_MS apart, and never three within ATTEMPT_WINDOW_MS. */
  private lastAttemptAt = -Infinity;
  private previousAttemptAt = -Infinity;
  private heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeat: { nonce: string; sentAt: number; timeout: ReturnType<typeof setTimeout> } | null = null;
  private backoffAttempt = 0;
  /** The broker's host answered again in this outage and the quick attempt that earns was made. */
  private answered = false;
  /** performance.now() of the last packet from the broker, any kind. */
  private lastPacketAt = 0;
  private version: ProtocolVersion;
  private stopped = true;
  private stateValue: ConnectionState;
  private readonly listeners = new Set<(s: ConnectionState) => void>();
  /** PUBACK reason codes by message id: mqtt.js hides 0x10 from the publish callback. */
  private readonly pubackCodes = new Map<number, number>();
  private readonly clientId: string;
  private readonly heartbeatTopic: string;
  private readonly domListeners: Array<[EventTarget, string, EventListener]> = [];

  constructor(
    private readonly options: ConnectionOptions,
    private readonly onMessage: MessageHandler,
    private readonly handlers: SessionHandlers,
  ) {
    this.version = options.protocol === 'auto' ? (options.rememberedVersion ?? 5) : options.protocol;
    // A unique suffix per tab, so two tabs (or two tablets) never kick each other off.
    this.clientId = `${options.clientIdPrefix}-${randomHex(4)}`;
    this.heartbeatTopic = `${options.ownTopicBase ?? 'holdfast'}/heartbeat/${this.clientId}`;
    this.stateValue = {
      status: 'idle',
      brokerUrl: options.url,
      clientId: this.clientId,
      attempt: 0,
      sessions: 0,
      nextAttemptAt: null,
      lastError: null,
      lastConnectedAt: null,
      protocolVersion: null,
      since: Date.now(),
      downSince: null,
      watching: false,
      rttMs: null,
      log: [],
    };
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  get id(): string {
    return this.clientId;
  }

  /** The number of the open session, or null (a caller's work for a session checks it is still this one). */
  get openSessionNumber(): number | null {
    return this.openSession;
  }

  subscribeState(fn: (s: ConnectionState) => void): () => void {
    this.listeners.add(fn);
    fn(this.stateValue);
    return () => this.listeners.delete(fn);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    if (typeof window !== 'undefined' && typeof document !== 'undefined') {
      const onActive = (why: string) => () => {
        if (document.visibilityState !== 'visible') return;
        this.retryNow(why);
        // A tablet waking up: check the socket is really alive now, not in 15 s.
        if (this.openSession !== null) this.beat(this.openSession);
      };
      this.listen(window, 'online', () => this.retryNow('the network came back'));
      this.listen(window, 'offline', () => {
        if (this.openSession === null && this.stateValue.status !== 'failed-permanent') this.update({ status: 'offline' }, 'the browser reports no network');
      });
      this.listen(document, 'visibilitychange', onActive('the page became visible'));
      this.listen(window, 'pageshow', onActive('the page was shown'));
      this.listen(window, 'focus', onActive('the window got focus'));
    }
    void this.attempt();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.probeTimer);
    for (const [target, type, fn] of this.domListeners) target.removeEventListener(type, fn);
    this.domListeners.length = 0;
    this.teardown();
    this.update({ status: 'idle', nextAttemptAt: null }, 'stopped');
    this.listeners.clear();
  }

  /** Skip the backoff wait (network or page events, or the operator's Retry). */
  retryNow(why: string): void {
    if (this.stopped || this.client !== null) return;
    if (this.stateValue.status === 'failed-permanent' && why !== 'operator pressed Retry') return;
    this.log(`retrying now: ${why}`);
    this.attemptSoon(0);
  }

  /** Attempt after `delayMs`, but never sooner than MIN_ATTEMPT_GAP_MS after the last attempt (nor a third within ATTEMPT_WINDOW_MS). Returns when. */
  private attemptSoon(delayMs: number): number {
    clearTimeout(this.retryTimer);
    clearTimeout(this.probeTimer);
    const at = Math.max(Date.now() + delayMs, this.lastAttemptAt + MIN_ATTEMPT_GAP_MS, this.previousAttemptAt + ATTEMPT_WINDOW_MS);
    this.retryTimer = setTimeout(() => void this.attempt(), Math.max(0, at - Date.now()));
    return at;
  }

  /** Unsubscribe within the open session; resolves on UNSUBACK (a closed session has nothing to unsubscribe). */
  async unsubscribe(filters: readonly string[]): Promise<void> {
    if (filters.length === 0 || this.openSession === null || !this.client?.connected) return;
    const client = this.client;
    await new Promise<void>((resolve) => client.unsubscribe([...filters], () => resolve()));
  }

  /** Subscribe within the open session; resolves on SUBACK. */
  async subscribe(filters: readonly string[]): Promise<void> {
    const client = this.requireOpen();
    if (filters.length === 0) return;
    await new Promise<void>((resolve, reject) => {
      client.subscribe([...filters], { qos: 1 }, (err, granted) => {
        if (err) return reject(err);
        const refused = (granted ?? []).filter((g) => g.qos >= 0x80);
        if (refused.length > 0) this.log(`the broker refused the subscription to ${refused.map((g) => g.topic).join(', ')}`);
        resolve();
      });
    });
  }

  /**
   * Publish within the open session. Never queues: with no open session it
   * throws NotConnectedError and the caller (the outbox) keeps the intent.
   */
  async publish(topic: string, payload: string, opts: PublishOptions): Promise<PublishResult> {
    const client = this.requireOpen();
    const properties =
      this.version === 5 && (opts.userProperties || opts.expirySeconds)
        ? { ...(opts.userProperties ? { userProperties: { ...opts.userProperties } } : {}), ...(opts.expirySeconds ? { messageExpiryInterval: opts.expirySeconds } : {}) }
        : undefined;
    return new Promise<PublishResult>((resolve, reject) => {
      client.publish(topic, payload, { qos: opts.qos, retain: opts.retain ?? false, ...(properties ? { properties } : {}) }, (err, packet) => {
        const messageId = (packet as IPublishPacket | undefined)?.messageId;
        const errCode = err && 'code' in err && typeof err.code === 'number' ? err.code : undefined;
        const code = errCode ?? (messageId !== undefined ? (this.pubackCodes.get(messageId) ?? 0) : 0);
        if (messageId !== undefined) this.pubackCodes.delete(messageId);
        if (err) reject(code >= 0x80 ? new PublishRejectedError(code) : err);
        else resolve({ reasonCode: code });
      });
    });
  }

  private requireOpen(): MqttClient {
    if (this.openSession === null || !this.client || !this.client.connected) throw new NotConnectedError();
    return this.client;
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    clearTimeout(this.probeTimer);
    this.previousAttemptAt = this.lastAttemptAt;
    this.lastAttemptAt = Date.now();
    this.teardown();
    const session = ++this.session;
    const first = this.stateValue.sessions === 0 && this.stateValue.attempt === 0;
    this.update(
      { status: first ? 'connecting' : 'reconnecting', nextAttemptAt: null },
      `connecting to ${this.options.url} with MQTT ${this.version === 5 ? '5' : '3.1.1'}`,
    );
    const { default: mqtt } = await import('mqtt');
    if (this.stopped || session !== this.session) return;
    const will = this.options.will?.(this.clientId);
    const timers = this.options.timers ?? keepaliveTimers();
    const keepalive = inServiceWorker() ? Math.min(this.options.keepaliveSeconds, SERVICE_WORKER_KEEPALIVE_MAX_S) : this.options.keepaliveSeconds;
    const opts: IClientOptions = {
      clientId: this.clientId,
      protocolVersion: this.version,
      clean: true,
      keepalive,
      timerVariant: timers,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      queueQoSZero: false,
      resubscribe: false,
      ...(this.options.username ? { username: this.options.username } : {}),
      ...(this.options.password ? { password: this.options.password } : {}),
      ...(will ? { will: { topic: will.topic, payload: will.payload, retain: will.retain, qos: 1 } } : {}),
      // Session expiry 0: a dead console leaves no queued messages behind at the broker to replay later.
      ...(this.version === 5 ? { properties: { sessionExpiryInterval: 0, requestProblemInformation: true } } : {}),
    };
    let client: MqttClient;
    try {
      client = mqtt.connect(this.options.url, opts);
    } catch (err) {
      void this.failAfterProbe(session, err instanceof Error ? err.message : String(err));
      return;
    }
    this.client = client;
    let reason: Diagnosis | null = null;
    let fallBack = false;

    // Attached before any SUBSCRIBE is sent: some brokers deliver retained messages before SUBACK.
    client.on('message', (topic, payload, packet) => {
      if (session !== this.openSession) return;
      if (topic === this.heartbeatTopic) this.onHeartbeat(payload);
      else this.onMessage(topic, payload, packet.retain);
    });
    client.on('packetreceive', (packet) => {
      this.lastPacketAt = performance.now();
      if (packet.cmd === 'puback' && packet.messageId !== undefined && packet.reasonCode !== undefined) {
        this.pubackCodes.set(packet.messageId, packet.reasonCode);
      }
      if (packet.cmd === 'disconnect' && session === this.openSession) {
        const rc = packet.reasonCode ?? 0;
        reason = rc === 0x8e ? diagnosis('session-taken-over', { key: 'taken-over' }, false) : diagnosis('closed-by-broker', { key: 'closed-with-reason', reasonCode: rc }, false);
      }
    });
    client.on('connect', () => {
      if (session !== this.session) return;
      this.openSession = session;
      this.answered = false;
      this.options.onVersionLearned?.(this.version);
      this.update(
        { status: 'open', attempt: 0, sessions: this.stateValue.sessions + 1, lastError: null, lastConnectedAt: Date.now(), protocolVersion: this.version, nextAttemptAt: null },
        `connected with MQTT ${this.version === 5 ? '5' : '3.1.1'} as ${this.clientId} (keepalive ${keepalive} s on ${timers} timers)`,
      );
      client.subscribe(this.heartbeatTopic, { qos: 0 }, (err) => {
        if (err || session !== this.openSession) return;
        // CONNACK and a SUBACK: the broker really serves us, so the next outage starts the backoff afresh.
        this.backoffAttempt = 0;
        this.scheduleHeartbeat(session, 0);
      });
      this.handlers.onOpen(session);
    });
    client.on('error', (err: Error & { code?: number | string }) => {
      if (session !== this.session) return;
      if (typeof err.code === 'number' && /refused/i.test(err.message)) {
        reason = diagnoseConnack(err.code, this.options.url, !!this.options.username);
        if (reason.code === 'protocol-version' && this.version === 5 && this.options.protocol === 'auto') {
          // An MQTT 3.1.1-only broker (e.g. aedes): fall back at once; onVersionLearned remembers it.
          this.version = 4;
          fallBack = true;
          this.log('the broker refused MQTT 5; falling back to MQTT 3.1.1');
        }
      } else if (/connack timeout/i.test(err.message)) {
        reason = diagnoseTimeout('connack');
      } else if (/keepalive timeout/i.test(err.message)) {
        reason = diagnoseTimeout('keepalive');
      }
    });
    client.on('close', () => {
      if (session !== this.session || this.client !== client) return;
      const wasOpen = this.openSession === session;
      this.teardown();
      if (fallBack) {
        void this.attempt();
      } else if (reason) {
        this.fail(session, reason);
      } else if (wasOpen) {
        this.fail(session, CLOSED);
      } else {
        void this.failAfterProbe(session, undefined);
      }
    });
  }

  /** The socket never opened: find out why before saying so. */
  private async failAfterProbe(session: number, detail: string | undefined): Promise<void> {
    this.log(`could not open a WebSocket to ${this.options.url}${detail ? ` (${detail})` : ''}; checking why`);
    const known = this.stateValue.lastError;
    if (known !== null && NOTHING_ANSWERS.includes(known.code)) {
      // Diagnosed already in this outage. The full diagnosis opens a WebSocket of its own (the policy check),
      // a second connection at the broker for every attempt; one HTTP request tells whether anything changed.
      const reachable = await brokerReachable(this.options.url);
      if (!reachable || !this.answered) {
        this.fail(session, known);
        // It answers now, although the socket failed a moment ago: the path has most likely just come back.
        if (reachable) this.hostAnswers(session);
        return;
      }
    }
    const found = await probeBroker(this.options.url).catch((): Diagnosis => diagnosis('unknown', { key: 'could-not-connect', url: this.options.url }, false));
    this.fail(session, found);
    // The same race right after a drop: the socket failed while the path was down, the check ran once it was up.
    // One more try soon before the backoff; if that fails too, the upgrade really is refused.
    if (found.code === 'upgrade-rejected' && known !== null && REACHABILITY_FAILURES.includes(known.code) && !this.answered) this.hostAnswers(session);
  }

  private fail(session: number, diagnosis: Diagnosis): void {
    if (session !== this.session || this.stopped) return;
    if (diagnosis.permanent) {
      this.update({ status: 'failed-permanent', lastError: diagnosis, nextAttemptAt: null, attempt: this.stateValue.attempt + 1 }, `${diagnosis.message} Not retrying until asked.`);
      return;
    }
    const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
    const probing = REACHABILITY_FAILURES.includes(diagnosis.code) && !offline && (this.options.probeIntervalMs ?? 1000) > 0;
    const watching = probing && NOTHING_ANSWERS.includes(diagnosis.code);
    const backoff = this.options.backoff ?? DEFAULT_BACKOFF;
    // Watched, the fallback starts where the normal backoff ends: the probe, not the attempts, notices the return.
    const delay = backoffDelay(this.backoffAttempt++, watching ? { initialMs: Math.max(backoff.initialMs, backoff.maxMs / 2), maxMs: Math.max(backoff.maxMs, WATCHED_MAX_MS) } : backoff);
    const at = this.attemptSoon(delay);
    this.update(
      { status: offline ? 'offline' : 'reconnecting', lastError: diagnosis, nextAttemptAt: at, attempt: this.stateValue.attempt + 1, watching },
      `${diagnosis.message} ${watching ? `Checking the broker's host about every second; next attempt at the latest` : 'Next attempt'} in ${((at - Date.now()) / 1000).toFixed(1)} s.`,
    );
    if (probing) this.scheduleProbe(session, at);
  }

  /**
   * Between attempts after the broker could not be reached, check cheaply
   * whether its host answers again; when it does, try within a short random
   * spread instead of waiting out the backoff.
   */
  private scheduleProbe(session: number, retryAt: number): void {
    const interval = this.options.probeIntervalMs ?? 1000;
    if (interval <= 0) return;
    const wait = probeDelay(interval);
    if (Date.now() + wait >= retryAt - MIN_ATTEMPT_GAP_MS) return;
    this.probeTimer = setTimeout(() => {
      void brokerReachable(this.options.url).then((reachable) => {
        if (this.stopped || session !== this.session || this.client !== null) return;
        if (!reachable) {
          this.scheduleProbe(session, retryAt);
          return;
        }
        this.hostAnswers(session);
      });
    }, wait);
  }

  /** The broker's host answers again: try within a random spread (a room of tablets must not storm the broker). */
  private hostAnswers(session: number): void {
    if (this.stopped || session !== this.session || this.client !== null) return;
    this.answered = true;
    const retryAt = this.stateValue.nextAttemptAt;
    const down = this.stateValue.downSince;
    const spread = Math.round(Math.random() * reconnectSpreadMs(down === null ? 0 : Date.now() - down, this.options.probeSpreadMs ?? 1000));
    if (retryAt !== null && Date.now() + spread >= retryAt) return;
    this.update({ nextAttemptAt: Date.now() + spread, watching: false }, `the broker's host answers again; connecting in ${(spread / 1000).toFixed(1)} s`);
    this.attemptSoon(spread);
  }

  /**
   * Application-level heartbeat: publish to our own topic and wait for it to
   * come back. It catches half-open sockets that keepalive misses while a
   * background tab's timers are throttled.
   */
  private scheduleHeartbeat(session: number, delayMs = this.options.heartbeatIntervalMs ?? 15_000): void {
    clearTimeout(this.heartbeatTimer);
    // 0: no heartbeat (a locked console publishes nothing; MQTT keepalive still watches the link).
    if (this.options.heartbeatIntervalMs === 0) return;
    this.heartbeatTimer = setTimeout(() => this.beat(session), delayMs);
  }

  private beat(session: number): void {
    if (session !== this.openSession || this.heartbeat || !this.client || this.options.heartbeatIntervalMs === 0) return;
    if (typeof document !== 'undefined' && document.visibilityState !== 'visible') {
      // Hidden: browsers throttle timers anyway; beat again as soon as the page is visible.
      return;
    }
    const nonce = randomHex(8);
    const timeout = setTimeout(() => {
      if (session !== this.openSession) return;
      const hb = this.heartbeat;
      this.heartbeat = null;
      // Under a flood our echo can queue behind thousands of status messages: anything received means the link lives.
      if (hb && this.lastPacketAt > hb.sentAt) {
        this.scheduleHeartbeat(session);
        return;
      }
      const diagnosis = diagnoseTimeout('heartbeat');
      this.log(diagnosis.message);
      this.teardown();
      this.fail(session, diagnosis);
    }, this.options.heartbeatTimeoutMs ?? 5_000);
    this.heartbeat = { nonce, sentAt: performance.now(), timeout };
    this.client.publish(this.heartbeatTopic, nonce, { qos: 0, retain: false });
  }

  private onHeartbeat(payload: Uint8Array): void {
    const hb = this.heartbeat;
    if (!hb || new TextDecoder().decode(payload) !== hb.nonce) return;
    clearTimeout(hb.timeout);
    this.heartbeat = null;
    this.update({ rttMs: Math.round(performance.now() - hb.sentAt) });
    if (this.openSession !== null) this.scheduleHeartbeat(this.openSession);
  }

  private teardown(): void {
    const client = this.client;
    this.client = null;
    clearTimeout(this.heartbeatTimer);
    if (this.heartbeat) clearTimeout(this.heartbeat.timeout);
    this.heartbeat = null;
    this.pubackCodes.clear();
    if (this.openSession !== null) {
      // Closing an open session (failure, stop, broker change): in-flight work must be re-judged.
      const session = this.openSession;
      this.openSession = null;
      this.handlers.onClose(session);
    }
    if (client) {
      client.removeAllListeners();
      // Swallow late errors from the dying socket; force-close drops its in-memory queue.
      client.on('error', () => undefined);
      client.end(true);
    }
  }

  /** Publish the console's own retained messages (presence), only while open. */
  publishOwn(topic: string, payload: string, retain: boolean): void {
    if (this.openSession === null || !this.client) return;
    this.client.publish(topic, payload, { qos: 1, retain });
  }

  private listen(target: EventTarget, type: string, fn: EventListener): void {
    target.addEventListener(type, fn);
    this.domListeners.push([target, type, fn]);
  }

  private log(message: string): void {
    this.update({}, message);
  }

  private update(patch: Partial<ConnectionState>, message?: string): void {
    const now = Date.now();
    const statusChanged = patch.status !== undefined && patch.status !== this.stateValue.status;
    const log = message ? [...this.stateValue.log, { at: now, message }].slice(-LOG_LIMIT) : this.stateValue.log;
    const status = patch.status ?? this.stateValue.status;
    const downSince = status === 'open' || status === 'idle' ? null : (this.stateValue.downSince ?? now);
    // Only a reconnect wait is watched: any other state ends it.
    const watching = status === 'reconnecting' ? (patch.watching ?? this.stateValue.watching) : false;
    this.stateValue = { ...this.stateValue, ...patch, since: statusChanged ? now : this.stateValue.since, downSince, watching, log };
    for (const l of this.listeners) l(this.stateValue);
  }
}
