import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, probeDelay, reconnectSpreadMs } from '../../src/mqtt/backoff.js';
import { bannerFor } from '../../src/model/banner.js';

/**
 * The connection state machine with fake timers and a scripted mqtt.js
 * stand-in: each connect() yields a client whose fate the test decides.
 * (Real brokers and real network cuts are covered by the integration and
 * browser suites; this pins down timing rules that those can't assert.)
 */
type Fate = { kind: 'connack-ok' } | { kind: 'socket-error' } | { kind: 'refused'; code: number };
const fates: Fate[] = [];
const clients: FakeClient[] = [];

class FakeClient extends EventEmitter {
  connected = false;
  /** A stalled link: publishes leave but nothing comes back. */
  silent = false;
  readonly published: { topic: string; payload: string }[] = [];
  constructor(readonly options: Record<string, unknown>) {
    super();
    const fate = fates.shift() ?? { kind: 'socket-error' };
    queueMicrotask(() => {
      if (fate.kind === 'connack-ok') {
        this.connected = true;
        this.emit('connect', {});
      } else if (fate.kind === 'refused') {
        this.emit('error', Object.assign(new Error(`Connection refused: code ${fate.code}`), { code: fate.code }));
        this.emit('close');
      } else {
        this.emit('close');
      }
    });
  }
  subscribe(_t: unknown, _o: unknown, cb?: (err: Error | null, granted: { topic: string; qos: number }[]) => void): void {
    cb?.(null, []);
  }
  publish(topic: string, payload: string, _o: unknown, cb?: (err?: Error) => void): void {
    this.published.push({ topic, payload });
    // The broker routes our heartbeat back to us (we subscribe to it), unless the link is stalled.
    if (!this.silent && topic.includes('/heartbeat/')) queueMicrotask(() => this.emit('message', topic, new TextEncoder().encode(payload), { retain: false }));
    cb?.();
  }
  end(): void {
    this.connected = false;
  }
  drop(): void {
    this.connected = false;
    this.emit('close');
  }
}

vi.mock('mqtt', () => ({
  default: {
    connect: (_url: string, options: Record<string, unknown>) => {
      const c = new FakeClient(options);
      clients.push(c);
      return c;
    },
  },
}));
// The probe asks the network why a socket failed; nothing answers unless a test says the host is back.
let hostAnswers = false;
let fetches = 0;
vi.stubGlobal('fetch', () => {
  fetches++;
  return hostAnswers ? Promise.resolve(new Response(null, { status: 426 })) : Promise.reject(new TypeError('Failed to fetch'));
});

const { BrokerConnection } = await import('../../src/mqtt/connection.js');

function make(protocol: 'auto' | 4 | 5 = 'auto', extra: { probeIntervalMs?: number; maxMs?: number } = {}) {
  const opened: number[] = [];
  const closed: number[] = [];
  const conn = new BrokerConnection(
    { url: 'ws://broker.test:9001', clientIdPrefix: 't', keepaliveSeconds: 30, protocol, backoff: { initialMs: 500, maxMs: extra.maxMs ?? 30_000 }, probeIntervalMs: extra.probeIntervalMs ?? 0 },
    () => undefined,
    { onOpen: (s) => opened.push(s), onClose: (s) => closed.push(s) },
  );
  return { conn, opened, closed };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await vi.advanceTimersByTimeAsync(0);
}

beforeEach(() => {
  vi.useFakeTimers();
  fates.length = 0;
  clients.length = 0;
  hostAnswers = false;
  fetches = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

describe('backoff', () => {
  it('is full jitter under an exponential ceiling capped at 5 s by default', () => {
    expect(backoffDelay(0, undefined, () => 1)).toBe(500);
    expect(backoffDelay(3, undefined, () => 1)).toBe(4000);
    expect(backoffDelay(50, undefined, () => 1)).toBe(5000);
    expect(backoffDelay(50, undefined, () => 0)).toBe(0);
    for (let i = 0; i < 100; i++) expect(backoffDelay(i)).toBeLessThanOrEqual(5000);
    expect(backoffDelay(50, { initialMs: 500, maxMs: 30_000 }, () => 1)).toBe(30_000);
  });
  it('spreads a reconnect over 1 s after a blip, growing with the outage to 3 s', () => {
    expect(reconnectSpreadMs(0)).toBe(1000);
    expect(reconnectSpreadMs(3_000)).toBe(1000);
    expect(reconnectSpreadMs(10_000)).toBe(2500);
    expect(reconnectSpreadMs(60_000)).toBe(3000);
    expect(reconnectSpreadMs(60_000, 400)).toBe(1200);
  });
  it('probes with ±25 % jitter', () => {
    expect(probeDelay(1000, () => 0)).toBe(750);
    expect(probeDelay(1000, () => 1)).toBe(1250);
  });
});

describe('connection state machine', () => {
  it('never gives up: 15 failed attempts, then connects when the broker is back', async () => {
    const { conn, opened } = make(4);
    const statuses = new Set<string>();
    conn.subscribeState((s) => statuses.add(s.status));
    conn.start();
    for (let i = 0; i < 15; i++) {
      await flush();
      const s = conn.state;
      expect(s.status).toBe('reconnecting');
      expect(s.attempt).toBe(i + 1);
      expect(s.nextAttemptAt).not.toBeNull();
      expect(s.nextAttemptAt! - Date.now()).toBeLessThanOrEqual(30_000);
      if (i === 14) fates.push({ kind: 'connack-ok' });
      await vi.advanceTimersByTimeAsync(s.nextAttemptAt! - Date.now() + 1);
    }
    await flush();
    expect(conn.state.status).toBe('open');
    expect(conn.state.attempt).toBe(0);
    expect(conn.state.sessions).toBe(1);
    expect(opened).toEqual([expect.any(Number)]);
    expect(clients.length).toBe(16);
    expect(statuses.has('failed-permanent')).toBe(false);
    conn.stop();
  });

  it('bad credentials are permanent: no retry storm, and Retry tries exactly once more', async () => {
    const { conn } = make(4);
    fates.push({ kind: 'refused', code: 4 });
    conn.start();
    await flush();
    expect(conn.state.status).toBe('failed-permanent');
    expect(conn.state.lastError?.code).toBe('bad-credentials');
    expect(conn.state.lastError?.message).toMatch(/Bad user name or password/);
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(clients.length).toBe(1);
    // Page events do not override a permanent failure; only the operator does.
    conn.retryNow('the page became visible');
    expect(clients.length).toBe(1);
    fates.push({ kind: 'connack-ok' });
    conn.retryNow('operator pressed Retry');
    await flush();
    expect(clients.length).toBe(2);
    expect(conn.state.status).toBe('open');
    conn.stop();
  });

  it('falls back from MQTT 5 to 3.1.1 when the broker refuses the version, and reports it learned', async () => {
    const learned: number[] = [];
    const conn = new BrokerConnection(
      { url: 'ws://broker.test:9001', clientIdPrefix: 't', keepaliveSeconds: 30, protocol: 'auto', onVersionLearned: (v) => learned.push(v) },
      () => undefined,
      { onOpen: () => undefined, onClose: () => undefined },
    );
    fates.push({ kind: 'refused', code: 1 }, { kind: 'connack-ok' });
    conn.start();
    await flush();
    await flush();
    expect(clients.map((c) => c.options.protocolVersion)).toEqual([5, 4]);
    expect(conn.state.status).toBe('open');
    expect(conn.state.protocolVersion).toBe(4);
    expect(learned).toEqual([4]);
    conn.stop();
  });

  it('retries at once on the online event instead of waiting out the backoff', async () => {
    const { conn } = make(4);
    conn.start();
    await flush();
    expect(conn.state.status).toBe('reconnecting');
    fates.push({ kind: 'connack-ok' });
    conn.retryNow('the network came back');
    // At once, that is as soon as the 0.5 s between attempts allows.
    await vi.advanceTimersByTimeAsync(500);
    await flush();
    expect(conn.state.status).toBe('open');
    conn.stop();
  });

  it('a dropped session reports onClose, then reconnects; CONNACK and a SUBACK reset the backoff at once', async () => {
    const { conn, closed } = make(4);
    // Climb the backoff first.
    conn.start();
    for (let i = 0; i < 6; i++) {
      await flush();
      await vi.advanceTimersByTimeAsync(31_000);
    }
    fates.push({ kind: 'connack-ok' });
    conn.retryNow('test');
    // Attempts keep their minimum gap: an attempt just before this one defers it by up to ATTEMPT_WINDOW_MS.
    await vi.advanceTimersByTimeAsync(1100);
    await flush();
    expect(conn.state.status).toBe('open');
    clients.at(-1)!.drop();
    await flush();
    expect(closed).toHaveLength(1);
    expect(conn.state.status).toBe('reconnecting');
    // No 10 s of stability needed: the session that got its SUBACK reset the backoff, so the retry comes within 0.5 s.
    expect(conn.state.nextAttemptAt! - Date.now()).toBeLessThanOrEqual(500);
    conn.stop();
  });

  it('attempts are never closer than 0.5 s, however often something asks for one', async () => {
    const { conn } = make(4);
    conn.start();
    await flush();
    const first = clients.length;
    for (let i = 0; i < 20; i++) {
      conn.retryNow('a storm of online events');
      await vi.advanceTimersByTimeAsync(50);
    }
    // 1 s of asking: at most two more attempts.
    expect(clients.length - first).toBeLessThanOrEqual(2);
    conn.stop();
  });

  it("between attempts it probes the broker's host and connects soon after it answers, not after the backoff", async () => {
    const { conn } = make(4, { probeIntervalMs: 1000, maxMs: 30_000 });
    // Long jittered delays, and the latest probe and spread within them.
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.99);
    conn.start();
    // Climb to long delays while the host is unreachable.
    for (let i = 0; i < 8; i++) {
      await flush();
      await vi.advanceTimersByTimeAsync(31_000);
    }
    expect(conn.state.status).toBe('reconnecting');
    const waitedFor = conn.state.nextAttemptAt! - Date.now();
    const before = clients.length;
    hostAnswers = true;
    fates.push({ kind: 'connack-ok' });
    // Nothing answers: the probe watches, and the WebSocket attempt is only the fallback (its ceiling grows past 5 s).
    expect(conn.state.watching).toBe(true);
    expect(waitedFor).toBeGreaterThan(5_000);
    // A probe within 1.25 s, then a spread that after minutes of outage is at most 3 s.
    await vi.advanceTimersByTimeAsync(4300);
    await flush();
    expect(clients.length).toBe(before + 1);
    expect(conn.state.status).toBe('open');
    expect(conn.state.watching).toBe(false);
    random.mockRestore();
    conn.stop();
  });

  it('does not probe after a failure a returning network cannot fix', async () => {
    const { conn } = make(4, { probeIntervalMs: 1000 });
    fates.push({ kind: 'refused', code: 4 });
    conn.start();
    await flush();
    expect(conn.state.status).toBe('failed-permanent');
    const n = fetches;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fetches).toBe(n);
    conn.stop();
  });

  it('the heartbeat detects a silent socket and forces a reconnect', async () => {
    const { conn, closed } = make(4);
    fates.push({ kind: 'connack-ok' });
    conn.start();
    await flush();
    expect(conn.state.status).toBe('open');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(conn.state.rttMs).not.toBeNull();
    expect(closed).toHaveLength(0);
    // Now our heartbeat never comes back (a stalled proxy keeps the socket "open").
    clients[0]!.silent = true;
    await vi.advanceTimersByTimeAsync(21_000);
    expect(clients[0]!.published.some((p) => p.topic.startsWith('holdfast/heartbeat/'))).toBe(true);
    expect(closed).toHaveLength(1);
    expect(conn.state.log.map((l) => l.message).join('\n')).toMatch(/heartbeat timed out/);
    expect(['reconnecting', 'open']).toContain(conn.state.status);
    conn.stop();
  });
});

describe('banner timing', () => {
  const t0 = 1_000_000;
  it('shows nothing for a blip under 2 s', () => {
    expect(bannerFor('reconnecting', t0, t0 + 1999)).toEqual({ kind: 'none' });
  });
  it('shows "Reconnecting…" from 2 s to 30 s', () => {
    expect(bannerFor('reconnecting', t0, t0 + 2000)).toEqual({ kind: 'reconnecting' });
    expect(bannerFor('connecting', t0, t0 + 29_999)).toEqual({ kind: 'reconnecting' });
  });
  it('shows the offline notice after 30 s', () => {
    expect(bannerFor('offline', t0, t0 + 30_000)).toEqual({ kind: 'offline' });
  });
  it('shows a permanent failure at once and nothing while open', () => {
    expect(bannerFor('failed-permanent', t0, t0)).toEqual({ kind: 'failed' });
    expect(bannerFor('open', null, t0 + 60_000)).toEqual({ kind: 'none' });
  });
});
