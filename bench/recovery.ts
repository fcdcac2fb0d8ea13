// The recovery scenario ("Fast, polite recovery"): the network path to the
// broker flaps, cut for real at a fault proxy (new connections refused,
// current ones dropped), and comes back. Measured per flap: from the moment
// the path is restored to the console's connection state "open" as the page
// sees it (the status bar says Connected) and to "live" (subscriptions
// acknowledged), side by side with bare mqtt.js reconnecting on its own at
// its default 1 s reconnectPeriod over the same flaps; and how many
// connection attempts per second each sent to the broker's door.

import type { BrowserContext } from '@playwright/test';
import type { EmbeddedBroker } from '../sim/broker.js';
import { startStaticServer } from '../sim/static-server.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
import { clockOffset, nodeEpoch, type ClockOffset } from './cdp.js';
import { connectionAttempts, maxPerWindow, startTap, type TapEvent } from './tap.js';
import { evaluate, holdfastPage, log, median, percentile, rng, sleep, waitFor } from './util.js';

export interface RecoveryResult {
  flaps: number;
  /** Path restored → the page shows the connection open (CONNACK reached the page), p50/p90 over the flaps. */
  holdfastP50Ms: number;
  holdfastP90Ms: number;
  /** Path restored → bare mqtt.js' CONNACK. */
  rawP50Ms: number;
  rawP90Ms: number;
  /**
   * Holdfast's most MQTT connection attempts the broker's door (the proxy) saw in any 1 s: WebSocket upgrades,
   * where one that follows the previous within DIAGNOSIS_GAP_MS is the diagnosis socket of that failed attempt.
   */
  maxAttemptsPerSec: number;
  /** Every WebSocket upgrade in any 1 s, diagnosis sockets included. */
  holdfastMaxWebSocketsPerSec: number;
  rawMaxWebSocketsPerSec: number;
  /** Path restored → Holdfast live (every subscription acknowledged, as the page sees it). */
  holdfastLiveP50Ms: number;
  holdfastLiveP90Ms: number;
  /** Path restored → bare mqtt.js' first SUBACK after its reconnect. */
  rawSubackP50Ms: number;
  rawSubackP90Ms: number;
  rawMaxAttemptsPerSec: number;
  /** Every TCP connection in any 1 s: attempts plus Holdfast's reachability probes (plain HTTP requests). */
  holdfastMaxConnectionsPerSec: number;
  rawMaxConnectionsPerSec: number;
  /** Per flap: [down ms, up ms]. */
  schedule: Array<[number, number]>;
  /** Per flap, restored → open (Infinity: not reconnected before the next cut). */
  holdfastMs: number[];
  holdfastLiveMs: number[];
  rawMs: number[];
  rawSubackMs: number[];
  /** Totals over the whole run, by kind. */
  holdfastConnections: { websocket: number; http: number; other: number };
  rawConnections: { websocket: number; http: number; other: number };
  /** Holdfast's connection log around each flap: [ms since that flap's cut, message]. */
  holdfastLog: Array<Array<[number, string]>>;
  /** Connections Holdfast made around each flap: [ms since that flap's cut, kind]. */
  holdfastTap: Array<Array<[number, TapEvent['kind']]>>;
  /** The pages' clocks against Node's (the restore times are Node's). */
  clocks: { holdfast: ClockOffset; raw: ClockOffset };
}

export interface RecoveryEnv {
  context: BrowserContext;
  broker: EmbeddedBroker;
  dist: string;
  rawUrl: string;
  flaps: number;
}

function counts(events: readonly TapEvent[]): RecoveryResult['holdfastConnections'] {
  const c = { websocket: 0, http: 0, other: 0 };
  for (const e of events) c[e.kind]++;
  return c;
}

/** Per flap, the first event time in [restore, next cut) minus restore; Infinity if there is none. */
function perFlap(times: readonly number[], restores: readonly number[], cuts: readonly number[], end: number): number[] {
  return restores.map((r, i) => {
    const until = cuts[i + 1] ?? end;
    const t = times.find((x) => x >= r && x < until);
    return t === undefined ? Infinity : t - r;
  });
}

export async function runRecovery(env: RecoveryEnv): Promise<RecoveryResult> {
  const target = new URL(env.broker.wsUrl);
  const hfProxy = await startFaultProxy({ targetHost: target.hostname, targetPort: Number(target.port) });
  const rawProxy = await startFaultProxy({ targetHost: target.hostname, targetPort: Number(target.port) });
  // The counting hop sits in front of each proxy: it sees every connection the browser makes, refused or not.
  const hfTap = await startTap(hfProxy.port);
  const rawTap = await startTap(rawProxy.port);
  // Its own origin (fresh storage), pointed at the tap, with the shipped connection timing (no overrides).
  const web = await startStaticServer({ root: env.dist, port: 0, config: { brokerUrl: hfTap.url('/') } });
  const filtersByClient = new Map<string, Set<string>>();
  const onSubscribe = (subs: Array<{ topic: string }>, client: { id: string } | null): void => {
    if (!client) return;
    const set = filtersByClient.get(client.id) ?? new Set<string>();
    for (const s of subs) if (!s.topic.startsWith('holdfast/')) set.add(s.topic);
    filtersByClient.set(client.id, set);
  };
  env.broker.aedes.on('subscribe', onSubscribe);
  const rawPage = await env.context.newPage();
  const hf = await holdfastPage(env.context);
  try {
    await hf.page.goto(`${web.url}?bench=1`);
    await waitFor(hf.page, 'window.__hfProbe?.liveAt.length > 0', 60_000, 'the recovery console to be live');
    const clientId = await evaluate<string>(hf.page, 'window.__hfProbe.console.client.connection.clientId');
    // The baseline subscribes to what this console subscribed.
    await sleep(500);
    const filters = [...(filtersByClient.get(clientId) ?? new Set(['homie/#']))];
    await rawPage.goto(`${env.rawUrl}raw.html`);
    await waitFor(rawPage, 'window.__raw !== undefined', 10_000, 'the raw page');
    await evaluate(rawPage, `window.__raw.connectWithReconnect(${JSON.stringify(rawTap.url('/'))}, ${JSON.stringify(filters)})`);
    await waitFor(rawPage, 'window.__raw.recovery.subacks.length > 0', 30_000, 'the raw client to subscribe');
    // The console is the tab in front, as on a control-room screen (the raw page needs no animation frames).
    await hf.front();
    await sleep(2000);

    const random = rng(20_251_122);
    const schedule: Array<[number, number]> = Array.from({ length: env.flaps }, () => [Math.round(1000 + random() * 2000), Math.round(2000 + random() * 4000)]);
    const cuts: number[] = [];
    const restores: number[] = [];
    const started = nodeEpoch();
    log(`recovery: ${env.flaps} flaps (about ${Math.round(schedule.reduce((n, [d, u]) => n + d + u, 0) / 1000)} s)…`);
    for (const [down, up] of schedule) {
      cuts.push(nodeEpoch());
      // Cut the path for real: nothing new gets through, and every open connection dies (both sides).
      hfProxy.refuse();
      rawProxy.refuse();
      hfProxy.drop();
      rawProxy.drop();
      await sleep(down);
      hfProxy.pass();
      rawProxy.pass();
      restores.push(nodeEpoch());
      await sleep(up);
    }
    const ended = nodeEpoch();

    const clocks = {
      holdfast: await clockOffset(() => evaluate<number>(hf.page, 'performance.timeOrigin + performance.now()')),
      raw: await clockOffset(() => evaluate<number>(rawPage, 'performance.timeOrigin + performance.now()')),
    };
    const onNode = (ts: readonly number[], c: ClockOffset): number[] => ts.map((t) => t - c.offsetMs);
    const page = await evaluate<{ connectedAt: number[]; liveAt: number[]; log: Array<[number, string]> }>(
      hf.page,
      '({ connectedAt: window.__hfProbe.connectedAt, liveAt: window.__hfProbe.liveAt, log: window.__hfProbe.connectionLog })',
    );
    // The log's times are the worker's Date.now(), close enough to Node's for reading it (not for measuring).
    const seen: Array<[number, string]> = [
      ...page.log,
      ...onNode(page.connectedAt, clocks.holdfast).map((t): [number, string] => [t, '(the page shows the connection open)']),
      ...onNode(page.liveAt, clocks.holdfast).map((t): [number, string] => [t, '(the page shows the host live)']),
    ].sort((a, b) => a[0] - b[0]);
    const holdfastLog = cuts.map((c, i) => seen.filter(([at]) => at >= c && at < (cuts[i + 1] ?? ended)).map(([at, m]): [number, string] => [Math.round(at - c), m]));
    const raw = await evaluate<{ connects: number[]; subacks: number[] }>(rawPage, '({ connects: window.__raw.recovery.connects, subacks: window.__raw.recovery.subacks })');
    const holdfastMs = perFlap(onNode(page.connectedAt, clocks.holdfast), restores, cuts, ended);
    const holdfastLiveMs = perFlap(onNode(page.liveAt, clocks.holdfast), restores, cuts, ended);
    const rawMs = perFlap(onNode(raw.connects, clocks.raw), restores, cuts, ended);
    const rawSubackMs = perFlap(onNode(raw.subacks, clocks.raw), restores, cuts, ended);
    const perSec = (events: readonly TapEvent[], kinds: Array<TapEvent['kind']>): number => maxPerWindow(events, kinds, started, ended);
    const attemptsPerSec = (events: readonly TapEvent[]): number => maxPerWindow(connectionAttempts(events), ['websocket'], started, ended);
    const result: RecoveryResult = {
      flaps: env.flaps,
      holdfastP50Ms: percentile(holdfastMs, 50),
      holdfastP90Ms: percentile(holdfastMs, 90),
      rawP50Ms: percentile(rawMs, 50),
      rawP90Ms: percentile(rawMs, 90),
      maxAttemptsPerSec: attemptsPerSec(hfTap.events),
      holdfastMaxWebSocketsPerSec: perSec(hfTap.events, ['websocket']),
      holdfastLiveP50Ms: percentile(holdfastLiveMs, 50),
      holdfastLiveP90Ms: percentile(holdfastLiveMs, 90),
      rawSubackP50Ms: percentile(rawSubackMs, 50),
      rawSubackP90Ms: percentile(rawSubackMs, 90),
      rawMaxAttemptsPerSec: attemptsPerSec(rawTap.events),
      rawMaxWebSocketsPerSec: perSec(rawTap.events, ['websocket']),
      holdfastMaxConnectionsPerSec: perSec(hfTap.events, ['websocket', 'http', 'other']),
      rawMaxConnectionsPerSec: perSec(rawTap.events, ['websocket', 'http', 'other']),
      schedule,
      holdfastMs,
      holdfastLiveMs,
      rawMs,
      rawSubackMs,
      holdfastConnections: counts(hfTap.events.filter((e) => e.at >= started && e.at <= ended)),
      rawConnections: counts(rawTap.events.filter((e) => e.at >= started && e.at <= ended)),
      holdfastLog,
      holdfastTap: cuts.map((c, i) => hfTap.events.filter((e) => e.at >= c && e.at < (cuts[i + 1] ?? ended)).map((e): [number, TapEvent['kind']] => [Math.round(e.at - c), e.kind])),
      clocks,
    };
    log(
      `  restored → Connected p50 ${result.holdfastP50Ms.toFixed(0)} / p90 ${result.holdfastP90Ms.toFixed(0)} ms (raw ${result.rawP50Ms.toFixed(0)} / ${result.rawP90Ms.toFixed(0)} ms); ` +
        `attempts/s max ${result.maxAttemptsPerSec} (raw ${result.rawMaxAttemptsPerSec}); median live ${median(holdfastLiveMs.filter(Number.isFinite)).toFixed(0)} ms`,
    );
    return result;
  } finally {
    env.broker.aedes.removeListener('subscribe', onSubscribe);
    await evaluate(rawPage, 'window.__raw?.end()').catch(() => {});
    await rawPage.close().catch(() => {});
    await hf.close().catch(() => {});
    await web.close().catch(() => {});
    await Promise.all([hfTap.close(), rawTap.close(), hfProxy.close(), rawProxy.close()]);
  }
}
