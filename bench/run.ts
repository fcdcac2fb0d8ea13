// `npm run bench`: Holdfast against its baselines, side by side, in one run
// of one headless Chromium. Prints a table and writes bench/results.json.
//
// The page only renders; the engine runs in a dedicated Worker. Main-thread
// measures are the page's main thread; the worker's CPU and heap are
// reported separately (bench/cdp.ts reads them over the DevTools protocol).
//
//   ingest      N devices × P retained Homie 5 properties, then a sustained
//               status stream. The engine processes every device (a
//               bench-only interest source holds them all, as an alarm rule
//               would) while the page shows one device in the middle of the
//               site: processed msg/s against a bare mqtt.js page that only
//               counts, main-thread and worker CPU per 1,000 messages,
//               longest main-thread task, arrival (at the worker; and
//               publish) → DOM of the shown values, JS heap.
//   reconnect   E edits queued offline, a share of them made stale at the
//               device meanwhile: CONNACK to every entry decided, against
//               raw mqtt.js receiving the same retained set; correctness.
//   recovery    20 flaps of the path (1–3 s down, 2–6 s up) at a fault proxy:
//               restored → Connected, against bare mqtt.js reconnecting by
//               itself; connection attempts per second (bench/recovery.ts).
//   scale       a 1,000-device site against a 100-device one: CONNACK → the
//               shown device's values in the DOM; heap (bench/scale.ts).
//   cold start  offline, service worker warm: navigation to the shown
//               device's last-known values, against a precached blank page.
//   size        initial/app/lazy JS and CSS, gzip -9 (bench/size.ts).
//   fleet       50 consoles (47 headless, 3 Chromium) through a Mosquitto
//               restart: connection attempts per second at the broker's door,
//               broker back → every console reconciled, chaos invariants
//               (bench/fleet.ts). Only when named: `--only fleet` (= `npm
//               run fleet`) adds `fleet` to bench/results.json and leaves
//               every other key.
//
// Times compared across contexts (Node, page, worker) are epoch ms from each
// context's monotonic clock; every context's offset from Node's is measured by
// round trips (bench/cdp.ts clockOffset) and corrected for. The built app is
// copied to a temporary directory first, so a rebuild of dist/ by someone else
// cannot change it mid-run. HF_BENCH_DEBUG=1 also logs the page's animation
// frames and the host's diff → ack round trips during the stream.
//
// Usage: npm run bench -- [--devices 100] [--props 100] [--rate 5000] [--seconds 10] [--edits 1000] [--stale 0.1]
//                         [--cold-runs 7] [--flaps 20] [--scale-small 100] [--scale-large 1000] [--scale-runs 3]
//                         [--consoles 50] [--browsers 3] [--fleet-stale 0.2] [--outage-seconds 10]
//                         [--only ingest,reconnect,recovery,scale,cold,fleet] [--build] [--out bench/results.json]

import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { startBroker } from '../sim/broker.js';
import { startStaticServer } from '../sim/static-server.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
import { distDir, ensureBuild, repoRoot } from './build.js';
import { fleetNotes, fleetRows, mergeFleetResult, runFleet, type FleetResult } from './fleet.js';
import { MAIN_MARK, WORKER_MARK, traceCpu, type ClockOffset, type TraceCpu, type WorkerTarget } from './cdp.js';
import { BenchPublisher, INT_MAX, deviceId, kindOf, propertyId, valueTopic } from './publisher.js';
import { runRecovery, type RecoveryResult } from './recovery.js';
import { runScale, startScaleSite, type ScaleResult, type ScaleSite } from './scale.js';
import { formatSize, measureSize, overBudget, readBudget, type SizeReport } from './size.js';
import { evaluate, heapAfterGc, holdfastPage, log, longest, mainThreadTimer, median, percentile, sleep, waitFor, waitForCount, type HoldfastPage, type Task } from './util.js';

const SCENARIOS = ['ingest', 'reconnect', 'recovery', 'scale', 'cold', 'fleet'] as const;
type Scenario = (typeof SCENARIOS)[number];

const USAGE = `Usage: npm run bench -- [options]

  --devices <n>      simulated Homie 5 devices                 (default 100)
  --props <n>        properties per device                     (default 100)
  --rate <n>         sustained status messages per second      (default 5000)
  --seconds <n>      duration of the sustained stream          (default 10)
  --edits <n>        edits queued while offline                (default 1000)
  --stale <f>        share of those edits made stale (0..1)    (default 0.1)
  --cold-runs <n>    offline cold starts of each page          (default 7)
  --flaps <n>        network flaps in the recovery scenario    (default 20)
  --scale-small <n>  devices of the small site (× --props)     (default 100)
  --scale-large <n>  devices of the large site (× --props)     (default 1000)
  --scale-runs <n>   measured visits of each site              (default 3)
  --consoles <n>     fleet: consoles in all                    (default 50)
  --browsers <n>     fleet: of them real Chromium pages        (default 3)
  --fleet-stale <f>  fleet: share of the edits made stale      (default 0.2)
  --outage-seconds <n>  fleet: door closed → broker restart    (default 10)
  --only <list>      run only these scenarios (comma-separated: ${SCENARIOS.join(', ')}; fleet runs only when named);
                     results go to bench/results.partial.json unless --out is given;
                     --only fleet alone adds "fleet" to bench/results.json, every other key kept
  --build            rebuild dist/ even if it looks current
  --out <file>       results file                              (default bench/results.json)
  --dist <dir>       serve this build instead of dist/ (e.g. an unminified one, for profiles)
  --profile <dir>    write CPU profiles of the page and the worker during the stream and the reconnect,
                     and of a cold start (.cpuprofile)`;

interface Options {
  devices: number;
  props: number;
  rate: number;
  seconds: number;
  edits: number;
  stale: number;
  coldRuns: number;
  flaps: number;
  scaleSmall: number;
  scaleLarge: number;
  scaleRuns: number;
  consoles: number;
  browsers: number;
  fleetStale: number;
  outageSeconds: number;
  only: Set<Scenario> | null;
  build: boolean;
  out: string;
  dist: string | null;
  profile: string | null;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    devices: 100,
    props: 100,
    rate: 5000,
    seconds: 10,
    edits: 1000,
    stale: 0.1,
    coldRuns: 7,
    flaps: 20,
    scaleSmall: 100,
    scaleLarge: 1000,
    scaleRuns: 3,
    consoles: 50,
    browsers: 3,
    fleetStale: 0.2,
    outageSeconds: 10,
    only: null,
    build: false,
    out: '',
    dist: null,
    profile: null,
  };
  const numeric: Record<string, keyof Options> = {
    '--devices': 'devices',
    '--props': 'props',
    '--rate': 'rate',
    '--seconds': 'seconds',
    '--edits': 'edits',
    '--stale': 'stale',
    '--cold-runs': 'coldRuns',
    '--flaps': 'flaps',
    '--scale-small': 'scaleSmall',
    '--scale-large': 'scaleLarge',
    '--scale-runs': 'scaleRuns',
    '--consoles': 'consoles',
    '--browsers': 'browsers',
    '--fleet-stale': 'fleetStale',
    '--outage-seconds': 'outageSeconds',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new UsageError(`${name} needs a value`);
      return v;
    };
    if (name === '--help' || name === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (name === '--build') o.build = true;
    else if (name === '--out') o.out = resolve(value());
    else if (name === '--dist') o.dist = resolve(value());
    else if (name === '--profile') o.profile = resolve(value());
    else if (name === '--only') {
      const list = value().split(',').map((s) => s.trim()).filter(Boolean);
      const bad = list.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
      if (bad.length > 0) throw new UsageError(`--only: unknown scenario(s) ${bad.join(', ')} (known: ${SCENARIOS.join(', ')})`);
      o.only = new Set(list as Scenario[]);
    } else if (numeric[name]) {
      const n = Number(value());
      if (!Number.isFinite(n) || n < 0) throw new UsageError(`${name} must be a non-negative number`);
      (o as unknown as Record<string, number>)[numeric[name]] = n;
    } else throw new UsageError(`unknown option ${arg}\n\n${USAGE}`);
  }
  const intsPerDevice = Array.from({ length: o.props }, (_, p) => kindOf(p)).filter((k) => k === 'int').length;
  if (o.devices < 1 || o.props < 1) throw new UsageError('--devices and --props must be at least 1');
  if (o.scaleSmall < 1 || o.scaleLarge < 1 || o.scaleRuns < 1) throw new UsageError('--scale-small, --scale-large and --scale-runs must be at least 1');
  if (o.stale > 1 || o.fleetStale > 1) throw new UsageError('--stale and --fleet-stale are shares between 0 and 1');
  if (o.consoles < 1 || o.browsers > o.consoles) throw new UsageError('--consoles must be at least 1 and at least --browsers');
  if (o.edits > o.devices * intsPerDevice) throw new UsageError(`--edits can be at most ${o.devices * intsPerDevice} (the settable integer properties)`);
  // Reconnect needs the ingest page (it reuses its connection and cache).
  if (o.only?.has('reconnect')) o.only.add('ingest');
  o.out ||= join(repoRoot, 'bench', o.only && !fleetOnly(o) ? 'results.partial.json' : 'results.json');
  return o;
}

/** `--only fleet` (`npm run fleet`): the fleet scenario alone, merged into the results file. */
function fleetOnly(o: Options): boolean {
  return o.only?.size === 1 && o.only.has('fleet');
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without the background-networking flags Chromium floods this closed network with refused connections.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];
const FRAME_MS = 1000 / 60;

// ---------------------------------------------------------------- helpers

/** A CPU profile of the page (and the worker, if given) while `during` runs, written to dir/name[-worker].cpuprofile (only with --profile). */
async function profiled<T>(dir: string | null, name: string, context: BrowserContext, page: Page, worker: WorkerTarget | null, during: () => Promise<T>): Promise<T> {
  if (!dir) return during();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  if (worker) {
    await worker.send('Profiler.enable');
    await worker.send('Profiler.setSamplingInterval', { interval: 200 });
    await worker.send('Profiler.start');
  }
  try {
    return await during();
  } finally {
    await mkdir(dir, { recursive: true });
    const { profile } = await cdp.send('Profiler.stop');
    await writeFile(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    await cdp.detach().catch(() => {});
    if (worker) {
      const r = await worker.send<{ profile: unknown }>('Profiler.stop').catch(() => null);
      if (r) await writeFile(join(dir, `${name}-worker.cpuprofile`), JSON.stringify(r.profile));
    }
  }
}

/** Serves the raw mqtt.js page: raw.html, raw.js and mqtt.js' own browser ESM bundle. */
async function startRawServer(): Promise<{ url: string; close(): Promise<void> }> {
  const files: Record<string, [string, string]> = {
    '/raw.html': [join(repoRoot, 'bench', 'page', 'raw.html'), 'text/html; charset=utf-8'],
    '/raw.js': [join(repoRoot, 'bench', 'page', 'raw.js'), 'text/javascript; charset=utf-8'],
    '/mqtt.esm.js': [join(repoRoot, 'node_modules', 'mqtt', 'dist', 'mqtt.esm.js'), 'text/javascript; charset=utf-8'],
  };
  const server: Server = createServer((req, res) => {
    const f = files[new URL(req.url ?? '/', 'http://x').pathname];
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': f[1], 'Cache-Control': 'no-store' }).end(readFileSync(f[0]));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(() => r())) };
}

/** Numbers compare as numbers ("12.0" is 12), everything else as text. */
function sameValue(a: unknown, b: unknown): boolean {
  const norm = (x: unknown): string => (typeof x === 'number' || (typeof x === 'string' && /^-?\d+(?:\.\d+)?$/.test(x)) ? String(Number(x)) : String(x));
  return norm(a) === norm(b);
}

interface DelayStats {
  samples: number;
  p50: number;
  p95: number;
  max: number;
  withinFrame: number;
}

function delayStats(delays: readonly number[]): DelayStats {
  return {
    samples: delays.length,
    p50: percentile(delays, 50),
    p95: percentile(delays, 95),
    max: Math.max(0, ...delays),
    withinFrame: delays.filter((d) => d <= FRAME_MS).length / Math.max(1, delays.length),
  };
}

/**
 * For each value that reached the DOM, the delay from the latest moment the
 * same property got that same value at the source (`sources`, already on the
 * DOM's clock). A value the source never sent while sampling (shown from
 * before) has no delay. `slackMs` is how far the two clocks may disagree.
 */
function joinDelays(dom: ReadonlyArray<readonly [string, unknown, number]>, sources: ReadonlyMap<string, ReadonlyArray<readonly [unknown, number]>>, slackMs: number): number[] {
  const out: number[] = [];
  for (const [prop, value, at] of dom) {
    const list = sources.get(prop);
    if (!list) continue;
    let best: number | null = null;
    for (const [v, t] of list) if (t <= at + slackMs && sameValue(v, value) && (best === null || t > best)) best = t;
    if (best !== null) out.push(Math.max(0, at - best));
  }
  return out;
}

// ---------------------------------------------------------------- results

interface IngestSide {
  /** CONNACK to the last retained message (median over runs for raw). */
  retainedLoadMs: number;
  retainedMessages: number;
  streamMessages: number;
  streamSpanMs: number;
  msgPerSec: number;
  /** The page's main thread: longest task over the whole scenario, tasks over 50 ms, longest during the stream. */
  longestTaskMs: number;
  tasksOver50: number;
  longestTaskStreamMs: number;
  /** The page's main-thread busy time per 1,000 stream messages (Performance.getMetrics TaskDuration). */
  mainThreadMsPer1000: number;
  /** Page + worker JS heap after GC (raw: the page; it has no worker). */
  heapBytes: number;
  pageHeapBytes: number;
  workerHeapBytes: number;
  /** Dedicated-worker busy time per 1,000 stream messages (trace), and its longest task (raw: mqtt.js' timer worker). */
  workerMsPer1000: number;
  workerLongestTaskMs: number;
  /** The same stream's per-thread CPU from the trace (main thread too, as a cross-check). */
  trace: TraceCpu;
}

interface Results {
  options: Omit<Options, 'out' | 'build' | 'dist' | 'profile' | 'only'> & { only?: Scenario[] };
  environment: { node: string; chromium: string; cpus: number; date: string };
  size: SizeReport & { overBudget: string[] };
  ingest?: {
    offered: { messages: number; ms: number; msgPerSec: number };
    raw: IngestSide;
    holdfast: IngestSide & {
      reconnectsDuringStream: number;
      connectionLog: string[];
      /** The shown device: the page's last device, in the middle of the site. */
      shownDevice: string;
      /** Arrival at the worker (the pipeline applies it) → the value committed to the page's DOM. */
      domDelay: DelayStats;
      /** The publisher's publish → the value in the DOM (adds broker and proxy hops). */
      domDelayFromPublish: DelayStats;
      /** Each context's clock against Node's, measured by round trips before and after the stream. */
      clocks: { page: ClockOffset; worker: ClockOffset };
    };
  };
  reconnect?: {
    queueMs: number;
    rawRetainedLoadMs: number[];
    connackToAllDecidedMs: number;
    connackToLastNeededMs: number;
    overheadMs: number;
    /** The page's main thread; the worker's longest task and busy time from a trace. */
    longestTaskMs: number;
    workerLongestTaskMs: number;
    workerBusyMs: number;
    /** IndexedDB transactions the worker opened from CONNACK until every entry was decided, by "stores:mode". */
    indexedDbTransactions: Record<string, number>;
    decided: number;
    correctness: { ok: boolean; discarded: number; sentOnce: number; problems: string[]; finalStates: Record<string, number> };
  };
  recovery?: RecoveryResult;
  scale?: ScaleResult;
  fleet?: FleetResult;
  coldStart?: {
    holdfastMs: number[];
    blankMs: number[];
    /** mqtt.js now ships inside the engine worker's chunk: whether the page asked for that worker before the first values were in the DOM. */
    mqttRequestedBeforeFirstRender: boolean;
    mqttFirstRequestMs: number[];
    serviceWorkerControlled: boolean;
    /** Median boot milestones of Holdfast's cold starts (ms from navigation). */
    breakdown: Record<string, number>;
  };
}

// ---------------------------------------------------------------- scenarios

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  // The fleet runs only when named (it needs Mosquitto and a minute of both cores).
  const runs = (s: Scenario): boolean => (o.only ? o.only.has(s) : s !== 'fleet');
  const started = Date.now();
  if (!o.dist) ensureBuild({ force: o.build, log });
  // Serve a private copy: other people's builds replace dist/ while a run takes minutes.
  const snapshot = await mkdtemp(join(tmpdir(), 'holdfast-bench-dist-'));
  await cp(o.dist ?? distDir, snapshot, { recursive: true });
  const dist = snapshot;
  const fleet = (): Promise<FleetResult> =>
    runFleet({ dist, chromiumPath: CHROMIUM, chromiumArgs: CHROMIUM_ARGS, consoles: o.consoles, browsers: o.browsers, stale: o.fleetStale, outageMs: o.outageSeconds * 1000 });
  if (fleetOnly(o)) {
    try {
      const f = await fleet();
      await mergeFleetResult(o.out, f);
      console.log(`\n${markdownTable([TABLE_HEAD, ...fleetRows(f)])}\n\n${fleetNotes(f).join('\n')}`);
      console.log(`\nAdded "fleet" to ${relative(repoRoot, o.out)} in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
      if (f.violations > 0 || f.outcomes.unexpected.length > 0) process.exitCode = 1;
    } finally {
      await rm(snapshot, { recursive: true, force: true });
    }
    return;
  }
  const size = measureSize(dist);
  const budget = readBudget();

  const broker = await startBroker({ host: '127.0.0.1', wsPort: 0, tcpPort: 0 });
  const target = new URL(broker.wsUrl);
  // The console and the raw page each reach the broker through a proxy of their own (the same hop for both),
  // so the reconnect scenario can cut the console alone.
  const proxy = await startFaultProxy({ targetHost: target.hostname, targetPort: Number(target.port) });
  const rawProxy = await startFaultProxy({ targetHost: target.hostname, targetPort: Number(target.port) });
  const brokerUrl = proxy.url('/');
  const rawBrokerUrl = rawProxy.url('/');
  const web = await startStaticServer({ root: dist, port: 0, config: { brokerUrl } });
  // A short reconnect backoff: the reconnect scenario measures from CONNACK, not the wait before it.
  const appUrl = `${web.url}?bench=1&backoffMaxMs=500`;
  const raw = await startRawServer();
  // The raw page subscribes to exactly what Holdfast subscribes to, learned from the broker.
  const holdfastFilters = new Set<string>();
  broker.aedes.on('subscribe', (subs, client) => {
    if (client && !client.id.startsWith('raw-') && !client.id.startsWith('bench-')) {
      for (const s of subs) if (!s.topic.startsWith('holdfast/')) holdfastFilters.add(s.topic);
    }
  });

  const pub = await BenchPublisher.connect(broker.tcpUrl!, o.devices, o.props);
  // The scale sites fill their brokers while the first scenarios run (nothing is measured on them before).
  let sites: { small: ScaleSite; large: ScaleSite } | null = null;
  if (runs('scale')) sites = { small: await startScaleSite(o.scaleSmall, o.props, dist), large: await startScaleSite(o.scaleLarge, o.props, dist) };
  const profileDir = await mkdtemp(join(tmpdir(), 'holdfast-bench-'));
  let context: BrowserContext | null = null;
  const totalValues = o.devices * o.props;
  const allDevices = Array.from({ length: o.devices }, (_, d) => deviceId(d));
  // The page shows a device in the middle of the site, so the broker's replay order cannot flatter it.
  const shownIndex = Math.floor(o.devices / 2);
  const shownDevice = deviceId(shownIndex);
  const probeConfig = { watch: allDevices, sample: [shownDevice] };
  const results: Partial<Results> = {};

  try {
    log(`publishing ${o.devices} devices × ${o.props} properties (${pub.retainedCount} retained messages)…`);
    await pub.publishInstallation();
    // A persistent profile: IndexedDB on disk (as on a tablet, not in memory), and the service worker survives pages.
    context = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, viewport: { width: 1280, height: 800 } });
    const chromiumVersion = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const ctx = context;

    // ---- warm-up: install the service worker, learn Holdfast's subscriptions, fill its status cache, remember the shown device.
    if (runs('ingest') || runs('cold')) {
      log('warm-up: first visit installs the service worker and fills the status cache…');
      const hf = await holdfastPage(ctx, probeConfig);
      await hf.page.goto(appUrl);
      const w = await hf.engine();
      await waitFor(w, `self.__hfProbe.keys.size >= ${totalValues}`, 120_000, 'the first retained load');
      await evaluate(hf.page, `window.__hfProbe.console.showDevice(${JSON.stringify(shownDevice)})`);
      await waitFor(hf.page, `window.__hfProbe.console.settings.get('lastDevice').then((v) => v === ${JSON.stringify(shownDevice)})`, 10_000, 'the shown device to be remembered');
      await waitFor(hf.page, `!!navigator.serviceWorker.controller`, 30_000, 'the service worker to control the page');
      await w.evaluate('self.__hfProbe.flushCache().then(() => true)');
      await waitFor(hf.page, `window.__hfProbe.console.db.snapshots.count().then((n) => n >= ${o.devices})`, 60_000, 'the status cache to reach IndexedDB');
      await hf.close();
    }
    const filters = [...holdfastFilters];
    if (sites) {
      // Nothing is measured while the scale sites still fill their brokers.
      const t = Date.now();
      await Promise.all([sites.small.published, sites.large.published]);
      if (Date.now() - t > 1000) log(`waited ${((Date.now() - t) / 1000).toFixed(0)} s for the scale sites to be published`);
    }

    const rawRetainedLoad = async (page: Page, expected: number | null): Promise<{ ms: number; count: number }> => {
      await evaluate(page, `window.__raw.connect(${JSON.stringify(rawBrokerUrl)}, ${JSON.stringify(filters)})`);
      const count = await waitForCount(page, 'window.__raw.retained', expected ?? Infinity, 750, 60_000);
      const ms = await evaluate<number>(page, 'window.__raw.lastRetainedAt - window.__raw.connectedAt');
      return { ms, count };
    };

    let hfIngest: HoldfastPage | null = null;
    // A side that falls behind the stream gets this long after it ends to catch up (then what it processed counts).
    const drainMs = Math.max(10_000, o.seconds * 1000);
    if (runs('ingest')) {
      // ---- ingest, baseline: raw mqtt.js.
      log('ingest: raw mqtt.js…');
      const rawLoads: number[] = [];
      let rawIngest: IngestSide;
      let offered: { sent: number; ms: number };
      {
        const page = await ctx.newPage();
        await page.goto(`${raw.url}raw.html`);
        await waitFor(page, 'window.__raw !== undefined', 10_000, 'the raw page');
        // The first load settles the count (filters may overlap); the second waits for it.
        let expected: number | null = null;
        for (let i = 0; i < 2; i++) {
          if (i > 0) await evaluate(page, 'window.__raw.end()');
          const r = await rawRetainedLoad(page, expected);
          expected ??= r.count;
          rawLoads.push(r.ms);
        }
        await evaluate(page, 'window.__raw.reset()');
        const t0 = await evaluate<number>(page, 'performance.now()');
        const busyTimer = await mainThreadTimer(ctx, page);
        const { result: stream, cpu } = await traceCpu(
          ctx,
          page,
          () => evaluate(page, `performance.mark('${MAIN_MARK}')`),
          async () => {
            const stream = await pub.stream(o.rate, o.seconds);
            return { stream, live: await waitForCount(page, 'window.__raw.live', stream.sent, 5000, drainMs) };
          },
        );
        offered = stream.stream;
        const live = stream.live;
        const busy = await busyTimer.read();
        const r = await evaluate<{ first: number; last: number; tasks: Task[] }>(page, '({ first: window.__raw.firstLiveAt, last: window.__raw.lastLiveAt, tasks: window.__raw.longtasks })');
        const span = r.last - r.first;
        const heap = await heapAfterGc(ctx, page);
        rawIngest = {
          retainedLoadMs: median(rawLoads),
          retainedMessages: expected ?? 0,
          streamMessages: live,
          streamSpanMs: span,
          msgPerSec: ((live - 1) / span) * 1000,
          longestTaskMs: longest(r.tasks).max,
          tasksOver50: longest(r.tasks).over50,
          longestTaskStreamMs: longest(r.tasks, t0).max,
          mainThreadMsPer1000: (busy / live) * 1000,
          heapBytes: heap,
          pageHeapBytes: heap,
          workerHeapBytes: 0,
          workerMsPer1000: (cpu.otherWorkers.busyMs / live) * 1000,
          workerLongestTaskMs: cpu.otherWorkers.longestTaskMs,
          trace: cpu,
        };
        await evaluate(page, 'window.__raw.end()');
        await page.close();
      }
      log(`  raw: retained load ${rawIngest.retainedLoadMs.toFixed(0)} ms, stream ${rawIngest.msgPerSec.toFixed(0)} msg/s, main thread ${rawIngest.mainThreadMsPer1000.toFixed(0)} ms/1000`);

      // ---- ingest, Holdfast: a reload with the service worker warm and the cache full, then the same stream.
      log('ingest: Holdfast…');
      const hf = await holdfastPage(ctx, probeConfig);
      hfIngest = hf;
      const page = hf.page;
      await page.goto(appUrl);
      const w = await hf.engine();
      await waitFor(w, `self.__hfProbe.connectedAt.length > 0 && self.__hfProbe.keys.size >= ${totalValues}`, 120_000, 'the retained load');
      // Descriptions and $state may trail the last value a little.
      await waitForCount(w, 'self.__hfProbe.lastApplyAt', Infinity, 500, 5000);
      const loadMs = await w.evaluate<number>('self.__hfProbe.lastApplyAt - self.__hfProbe.connectedAt.at(-1)');
      const shownOnPage = await evaluate<string | null>(page, 'window.__hfProbe.viewedDevice()');
      if (shownOnPage !== shownDevice) log(`  warning: the page shows ${shownOnPage}, not ${shownDevice}`);
      // Let the status cache write settle before the stream.
      await sleep(1500);
      const clocksBefore = await hf.clocks();
      await w.evaluate('self.__hfProbe.reset(); self.__hfProbe.sampling = true');
      await evaluate(page, 'window.__hfProbe.reset(); window.__hfProbe.sampling = true');
      const sampleTopics = new Map(Array.from({ length: o.props }, (_, p) => [valueTopic(shownIndex, p), propertyId(p)] as const));
      pub.log.length = 0;
      pub.record(new Set(sampleTopics.keys()));
      const t0 = await evaluate<number>(page, 'performance.now()');
      const busyTimer = await mainThreadTimer(ctx, page);
      const connectsBefore = await w.evaluate<number>('self.__hfProbe.connectedAt.length');
      const { result: streamed, cpu } = await traceCpu(
        ctx,
        page,
        async () => {
          await evaluate(page, `performance.mark('${MAIN_MARK}')`);
          await w.evaluate(`performance.mark('${WORKER_MARK}')`);
        },
        () =>
          profiled(o.profile, 'holdfast-stream', ctx, page, w, async () => {
            const frames = process.env.HF_BENCH_DEBUG
              ? evaluate<number[]>(page, `new Promise((r) => { const gaps = []; let last = performance.now(); const end = last + 3000; const f = (t) => { gaps.push(t - last); last = t; if (t < end) requestAnimationFrame(f); else r(gaps); }; requestAnimationFrame(f); })`)
              : null;
            const stream = await pub.stream(o.rate, o.seconds);
            if (frames) {
              const g = await frames;
              log(`  debug: animation frames in 3 s: ${g.length}, gap p50 ${percentile(g, 50).toFixed(1)} p95 ${percentile(g, 95).toFixed(1)} max ${Math.max(...g).toFixed(1)} ms; visibility ${await evaluate<string>(page, 'document.visibilityState')}`);
            }
            return { stream, values: await waitForCount(w, 'self.__hfProbe.liveValues', stream.sent, 5000, drainMs) };
          }),
      );
      const { stream, values } = streamed;
      const busy = await busyTimer.read();
      pub.record(null);
      const reconnects = (await w.evaluate<number>('self.__hfProbe.connectedAt.length')) - connectsBefore;
      // Why it dropped a connection under load, in the console's own words.
      const connectionLog =
        reconnects > 0 ? await evaluate<string[]>(page, `(window.__hfProbe.console.client.connection?.log ?? []).slice(-12).map((e) => e.message)`) : [];
      await sleep(300);
      await evaluate(page, 'window.__hfProbe.sampling = false');
      await w.evaluate('self.__hfProbe.sampling = false');
      const clocksAfter = await hf.clocks();
      const wr = await w.evaluate<{ first: number; last: number; arrivals: Record<string, Array<[string, unknown, boolean, number]>>; diffs: Array<[number, number]>; acks: Array<[number, number]> }>(
        '({ first: self.__hfProbe.firstLiveAt, last: self.__hfProbe.lastLiveAt, arrivals: self.__hfProbe.takeArrivals(), diffs: self.__hfProbe.diffLog.map(([t, s]) => [t, s]), acks: self.__hfProbe.ackLog })',
      );
      if (process.env.HF_BENCH_DEBUG) {
        const built = new Map(wr.diffs.map(([t, seq]) => [seq, t]));
        const rtt = wr.acks.flatMap(([t, seq]) => (built.has(seq) && t >= wr.first ? [t - built.get(seq)!] : []));
        log(`  debug: diff → ack round trips during the stream: n=${rtt.length} p50 ${percentile(rtt, 50).toFixed(1)} p95 ${percentile(rtt, 95).toFixed(1)} max ${Math.max(...rtt).toFixed(1)} ms`);
      }
      const pr = await evaluate<{ tasks: Task[]; dom: Array<[string, string, unknown, string, number]> }>(page, '({ tasks: window.__hfProbe.longtasks, dom: window.__hfProbe.domLog })');
      // Everything on the page's clock: t_node = t_ctx − offset_ctx.
      const best = (a: ClockOffset, b: ClockOffset): ClockOffset => (a.errorMs <= b.errorMs ? a : b);
      const pageClock = best(clocksBefore.page, clocksAfter.page);
      const workerClock = best(clocksBefore.worker, clocksAfter.worker);
      const workerToPage = (t: number): number => t - workerClock.offsetMs + pageClock.offsetMs;
      const nodeToPage = (t: number): number => t + pageClock.offsetMs;
      const dom = pr.dom.filter(([d]) => d === shownDevice).map(([, p, v, , t]) => [p, v, t] as const);
      const arrivals = new Map<string, Array<[unknown, number]>>();
      for (const [p, v, , t] of wr.arrivals[shownDevice] ?? []) arrivals.set(p, [...(arrivals.get(p) ?? []), [v, workerToPage(t)]]);
      const published = new Map<string, Array<[unknown, number]>>();
      for (const [topic, payload, t] of pub.log) {
        const p = sampleTopics.get(topic);
        if (p) published.set(p, [...(published.get(p) ?? []), [payload, nodeToPage(t)]]);
      }
      const span = wr.last - wr.first;
      const pageHeap = await heapAfterGc(ctx, page);
      const workerHeap = await w.heapAfterGc();
      const ingest: NonNullable<Results['ingest']>['holdfast'] = {
        retainedLoadMs: loadMs,
        retainedMessages: totalValues,
        streamMessages: values,
        streamSpanMs: span,
        msgPerSec: ((values - 1) / span) * 1000,
        longestTaskMs: longest(pr.tasks).max,
        tasksOver50: longest(pr.tasks).over50,
        longestTaskStreamMs: longest(pr.tasks, t0).max,
        mainThreadMsPer1000: (busy / values) * 1000,
        heapBytes: pageHeap + workerHeap,
        pageHeapBytes: pageHeap,
        workerHeapBytes: workerHeap,
        workerMsPer1000: ((cpu.worker?.busyMs ?? NaN) / values) * 1000,
        workerLongestTaskMs: cpu.worker?.longestTaskMs ?? NaN,
        trace: cpu,
        reconnectsDuringStream: reconnects,
        connectionLog,
        shownDevice,
        domDelay: delayStats(joinDelays(dom, arrivals, pageClock.errorMs + workerClock.errorMs)),
        domDelayFromPublish: delayStats(joinDelays(dom, published, pageClock.errorMs)),
        clocks: { page: pageClock, worker: workerClock },
      };
      offered = { sent: Math.min(offered.sent, stream.sent), ms: Math.max(offered.ms, stream.ms) };
      results.ingest = { offered: { messages: offered.sent, ms: offered.ms, msgPerSec: (offered.sent / offered.ms) * 1000 }, raw: rawIngest, holdfast: ingest };
      if (connectionLog.length > 0) log(`  Holdfast reconnected during the stream; its connection log ends: ${connectionLog.join(' | ')}`);
      log(
        `  Holdfast: retained load ${ingest.retainedLoadMs.toFixed(0)} ms, stream ${ingest.msgPerSec.toFixed(0)} msg/s, main thread ${ingest.mainThreadMsPer1000.toFixed(1)} ms/1000, ` +
          `worker ${ingest.workerMsPer1000.toFixed(0)} ms/1000, DOM p95 ${ingest.domDelay.p95.toFixed(1)} ms (n=${ingest.domDelay.samples}; from publish ${ingest.domDelayFromPublish.p95.toFixed(1)} ms)`,
      );
    }

    // ---- reconnect: queue edits offline, make some stale at the device, reconnect.
    if (runs('reconnect') && hfIngest) {
      log(`reconnect: queueing ${o.edits} edits offline…`);
      const hf = hfIngest;
      const page = hf.page;
      const w = await hf.engine();
      const staleCount = Math.round(o.edits * o.stale);
      const ints = Array.from({ length: o.props }, (_, p) => p).filter((p) => kindOf(p) === 'int');
      const edits = Array.from({ length: o.edits }, (_, k) => {
        const d = k % o.devices;
        const p = ints[Math.floor(k / o.devices)]!;
        // Spread the stale ones evenly over the edits.
        const stale = Math.floor(((k + 1) * staleCount) / o.edits) > Math.floor((k * staleCount) / o.edits);
        return { d, p, stale, deviceId: deviceId(d), propertyId: propertyId(p), topic: valueTopic(d, p) };
      });
      pub.setEcho(true);
      proxy.refuse();
      proxy.drop();
      await waitFor(page, `window.__hfProbe.console.client.connection?.status !== 'open'`, 30_000, 'the console to notice the cut');
      const q0 = Date.now();
      const based = await evaluate<Array<[number, number]>>(page, `window.__hfProbe.queueEdits(${JSON.stringify(edits.map((e) => [e.deviceId, e.propertyId]))}, ${INT_MAX + 1})`);
      const queueMs = Date.now() - q0;
      const plan = edits.map((e, i) => ({ ...e, base: based[i]![0], desired: based[i]![1] }));
      // Behind the console's back: a person at each of these devices changes the value.
      for (const e of plan) if (e.stale) await pub.change(e.topic, (e.base + 500) % (INT_MAX + 1));

      // The baseline, measured now under the same conditions: raw mqtt.js receiving the same retained set.
      const rawPage = await ctx.newPage();
      await rawPage.goto(`${raw.url}raw.html`);
      await waitFor(rawPage, 'window.__raw !== undefined', 10_000, 'the raw page');
      const rawTimes: number[] = [];
      for (let i = 0; i < 3; i++) {
        if (i > 0) await evaluate(rawPage, 'window.__raw.end()');
        rawTimes.push((await rawRetainedLoad(rawPage, results.ingest!.raw.retainedMessages)).ms);
      }
      await evaluate(rawPage, 'window.__raw.end()');
      await rawPage.close();
      await hf.front();

      log('reconnect: reconnecting…');
      await w.evaluate('self.__hfProbe.reset()');
      const tasksBefore = await evaluate<number>(page, 'performance.now()');
      // Skip the backoff wait, as the page would on the browser's "online" event.
      proxy.pass();
      const { result: decided, cpu } = await traceCpu(
        ctx,
        page,
        async () => {
          await evaluate(page, `performance.mark('${MAIN_MARK}')`);
          await w.evaluate(`performance.mark('${WORKER_MARK}')`);
        },
        async () => {
          await evaluate(page, 'window.__hfProbe.console.retry()');
          return profiled(o.profile, 'holdfast-reconnect', ctx, page, w, () => waitForCount(w, 'self.__hfProbe.decidedAt.size', o.edits, 30_000, 180_000));
        },
      );
      const r = await w.evaluate<{ connack: number; decided: number[]; lastRetained: Array<[string, number]>; idb: Record<string, number> }>(
        '({ connack: self.__hfProbe.connectedAt.at(-1), decided: [...self.__hfProbe.decidedAt.values()], lastRetained: [...self.__hfProbe.deviceLastRetainedAt], idb: self.__hfProbe.idb })',
      );
      const pageTasks = await evaluate<Task[]>(page, 'window.__hfProbe.longtasks');
      const allDecided = Math.max(...r.decided);
      const editedDevices = new Set(plan.map((e) => e.deviceId));
      const lastNeeded = Math.max(...r.lastRetained.filter(([id]) => editedDevices.has(id)).map(([, t]) => t));

      // Correctness at the protocol level: the devices' record of every /set they received.
      const expectedSets = plan.length - staleCount;
      const deadline = Date.now() + 20_000;
      while (pub.sets.length < expectedSets && Date.now() < deadline) await sleep(50);
      await sleep(1000);
      const problems: string[] = [];
      const setsByTopic = new Map<string, string[]>();
      for (const s of pub.sets) setsByTopic.set(s.topic.slice(0, -'/set'.length), [...(setsByTopic.get(s.topic.slice(0, -'/set'.length)) ?? []), s.payload]);
      let sentOnce = 0;
      let discarded = 0;
      const finalRows = await evaluate<Array<{ deviceId: string; propertyId: string; state: string }>>(
        page,
        'window.__hfProbe.console.db.outbox.toArray().then((rows) => rows.map((r) => ({ deviceId: r.deviceId, propertyId: r.propertyId, state: r.state })))',
      );
      const finalState = new Map(finalRows.map((row) => [`${row.deviceId}/${row.propertyId}`, row.state]));
      const finalStates: Record<string, number> = {};
      for (const row of finalRows) finalStates[row.state] = (finalStates[row.state] ?? 0) + 1;
      for (const e of plan) {
        const got = setsByTopic.get(e.topic) ?? [];
        setsByTopic.delete(e.topic);
        const state = finalState.get(`${e.deviceId}/${e.propertyId}`);
        if (e.stale) {
          if (got.length > 0) problems.push(`${e.topic}: stale edit was sent (${got.join(', ')})`);
          if (state !== 'discarded') problems.push(`${e.topic}: stale edit ended "${state}", not discarded`);
          else discarded++;
        } else if (got.length === 1 && got[0] === String(e.desired)) {
          sentOnce++;
        } else {
          problems.push(`${e.topic}: expected one set of ${e.desired}, got [${got.join(', ')}] (state ${state})`);
        }
      }
      for (const [topic, got] of setsByTopic) problems.push(`${topic}: unexpected set(s) [${got.join(', ')}]`);
      results.reconnect = {
        queueMs,
        rawRetainedLoadMs: rawTimes,
        connackToAllDecidedMs: allDecided - r.connack,
        connackToLastNeededMs: lastNeeded - r.connack,
        overheadMs: allDecided - lastNeeded,
        longestTaskMs: longest(pageTasks, tasksBefore).max,
        workerLongestTaskMs: cpu.worker?.longestTaskMs ?? NaN,
        workerBusyMs: cpu.worker?.busyMs ?? NaN,
        indexedDbTransactions: r.idb,
        decided,
        correctness: { ok: problems.length === 0 && decided === o.edits, discarded, sentOnce, problems: problems.slice(0, 20), finalStates },
      };
      pub.setEcho(false);
      const rc = results.reconnect;
      log(`  CONNACK → all decided ${rc.connackToAllDecidedMs.toFixed(0)} ms (raw ${median(rc.rawRetainedLoadMs).toFixed(0)} ms), overhead ${rc.overheadMs.toFixed(0)} ms`);
    }
    if (hfIngest) {
      // Written for the offline start below.
      await (await hfIngest.engine()).evaluate('self.__hfProbe.flushCache().then(() => true)');
      await hfIngest.close();
    }

    // ---- recovery: the path flaps; restored → Connected, Holdfast and bare mqtt.js side by side.
    if (runs('recovery')) {
      results.recovery = await runRecovery({ context: ctx, broker, dist, rawUrl: raw.url, flaps: o.flaps });
    }

    // ---- scale: a large site against a small one.
    if (runs('scale') && sites) {
      results.scale = await runScale(ctx, sites.small, sites.large, o.props, o.scaleRuns);
      const s = results.scale;
      log(`  small ${s.smallSiteMs.toFixed(0)} ms, large ${s.largeSiteMs.toFixed(0)} ms (${s.ratio.toFixed(2)}×), large-site heap ${(s.heapBytes / 1e6).toFixed(1)} MB`);
    }

    // ---- cold start offline, service worker warm.
    if (runs('cold')) {
      log('cold start: offline, service worker warm…');
      // Cut everything: the browser is offline and the servers are gone.
      await ctx.setOffline(true);
      proxy.refuse();
      proxy.drop();
      await web.close();
      const hf: number[] = [];
      const blank: number[] = [];
      const mqttFirst: number[] = [];
      const milestones: Array<Record<string, number | undefined>> = [];
      let before = false;
      let controlled = true;
      for (let i = 0; i < o.coldRuns; i++) {
        const h = await holdfastPage(ctx, probeConfig);
        const p = h.page;
        await profiled(i === 0 ? o.profile : null, 'holdfast-cold-start', ctx, p, null, async () => {
          await p.goto(appUrl, { waitUntil: 'commit' });
          await waitFor(p, 'window.__hfProbe?.firstRenderedValueAt != null', 30_000, 'the first values offline');
        });
        // The page starts the engine worker after the first paint; wait for it to be sure of the order.
        await waitFor(p, 'window.__hfProbe.workerRequestedAt !== null', 10_000, 'the engine worker').catch(() => {});
        const r = await evaluate<{ first: number; worker: number | null; controlled: boolean; milestones: Record<string, number> }>(
          p,
          `(() => {
            const resources = performance.getEntriesByType('resource');
            const end = (part, ext) => resources.find((e) => e.name.includes(part) && e.name.endsWith(ext))?.responseEnd;
            const nav = performance.getEntriesByType('navigation')[0];
            const t = window.__hfProbe.timeline;
            return {
              first: window.__hfProbe.firstRenderedValueAt,
              worker: window.__hfProbe.workerRequestedAt,
              controlled: !!navigator.serviceWorker.controller,
              milestones: {
                'document received': nav?.responseEnd,
                'main script received': end('/assets/index-', '.js'),
                'app chunk received': end('/assets/app-bundle-', '.js'),
                'app evaluated (Hub created)': t.consoleCreated,
                'config.json answered': end('/config.json', '.json'),
                'status cache read started': t.bootStart,
                'status cache read done': t.bootStateRead,
                'history read done': t.historyLoadEnd,
                'first values in the DOM': window.__hfProbe.firstRenderedValueAt,
                'first paint before the app (values)': window.__hfProbe.firstPaintValueAt ?? undefined,
                'the app renders the first values': window.__hfProbe.firstControlValueAt ?? undefined,
                'engine worker requested': window.__hfProbe.workerRequestedAt ?? undefined,
              },
            };
          })()`,
        );
        milestones.push(r.milestones);
        hf.push(r.first);
        if (r.worker !== null) {
          mqttFirst.push(r.worker);
          if (r.worker < r.first) before = true;
        }
        controlled &&= r.controlled;
        await h.close();

        const b = await ctx.newPage();
        await b.goto(`${web.url}blank.html`, { waitUntil: 'commit' });
        await waitFor(b, `performance.getEntriesByName('blank-loaded').length > 0`, 30_000, 'the blank page offline');
        blank.push(await evaluate<number>(b, `performance.getEntriesByName('blank-loaded')[0].startTime`));
        controlled &&= await evaluate<boolean>(b, '!!navigator.serviceWorker.controller');
        await b.close();
      }
      await ctx.setOffline(false);
      const breakdown: Record<string, number> = {};
      for (const k of Object.keys(milestones[0] ?? {})) {
        const xs = milestones.map((m) => m[k]).filter((v): v is number => typeof v === 'number');
        if (xs.length > 0) breakdown[k] = Math.round(median(xs));
      }
      results.coldStart = { holdfastMs: hf, blankMs: blank, mqttRequestedBeforeFirstRender: before, mqttFirstRequestMs: mqttFirst, serviceWorkerControlled: controlled, breakdown };
      log(`  Holdfast ${median(hf).toFixed(0)} ms, blank ${median(blank).toFixed(0)} ms`);
      log(`  Holdfast boot (median ms from navigation): ${Object.entries(breakdown).map(([k, v]) => `${k} ${v}`).join(' → ')}`);
    }

    // ---- fleet: a room of consoles through a broker restart (its own broker and browser).
    if (runs('fleet')) results.fleet = await fleet();

    const { only: _only, out: _out, build: _build, dist: _dist, profile: _profile, ...options } = o;
    const out: Results = {
      options: { ...options, ...(o.only ? { only: [...o.only] } : {}) },
      environment: { node: process.version, chromium: chromiumVersion, cpus: cpus().length, date: new Date().toISOString() },
      size: { ...size, overBudget: overBudget(size, budget) },
      ...results,
    };
    // The fleet runs only when named: a run without it keeps the last fleet figure (the file's keys stay stable).
    const previous = existsSync(o.out) ? (JSON.parse(await readFile(o.out, 'utf8')) as Partial<Results>) : {};
    if (!out.fleet && previous.fleet) out.fleet = previous.fleet;
    await writeFile(o.out, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`\n${formatSize(size, budget)}\n`);
    console.log(table(out));
    console.log(`\nWrote ${relative(repoRoot, o.out)} in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
    if (out.fleet && (out.fleet.violations > 0 || out.fleet.outcomes.unexpected.length > 0)) process.exitCode = 1;
    if (out.reconnect && !out.reconnect.correctness.ok) {
      console.error(`\nReconnect correctness FAILED:\n${out.reconnect.correctness.problems.map((p) => `  - ${p}`).join('\n')}`);
      process.exitCode = 1;
    }
  } finally {
    await context?.close().catch(() => {});
    await pub.close();
    await Promise.all([raw.close(), web.close().catch(() => {}), proxy.close(), rawProxy.close(), sites?.small.close(), sites?.large.close()]);
    await broker.close();
    await rm(profileDir, { recursive: true, force: true });
    await rm(snapshot, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- report

const TARGETS = {
  cpuRatio: 0.5,
  throughputRatio: 0.95,
  longestTaskMs: 50,
  domP95Ms: 33,
  heapBytes: 60e6,
  reconnectRatio: 1.15,
  overheadMs: 50,
  coldRatio: 2,
  recoveryP50Ms: 1500,
  recoveryP90Ms: 3000,
  attemptsPerSec: 2,
  scaleRatio: 1.2,
} as const;

function table(r: Results): string {
  const ms = (n: number): string => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(1) : n.toFixed(0)} ms` : n === Infinity ? '∞' : 'n/a');
  const x = (a: number, b: number): string => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : 'n/a');
  const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
  const kB = (n: number): string => `${(n / 1000).toFixed(1)} kB`;
  const num = (n: number): string => Math.round(n).toLocaleString('en-US');
  const yes = (ok: boolean): string => (ok ? 'yes' : '**no**');
  const o = r.options;
  const T = TARGETS;
  const rows: string[][] = [TABLE_HEAD];
  const notes: string[] = [];
  if (r.ingest) {
    const { raw, holdfast: hf } = r.ingest;
    rows.push(
      ['ingest', `retained load, CONNACK → last of ${num(o.devices * o.props)} values (worker)`, ms(hf.retainedLoadMs), `${ms(raw.retainedLoadMs)} raw`, x(hf.retainedLoadMs, raw.retainedLoadMs), '', ''],
      ['ingest', `sustained status, msg/s (offered ${num(r.ingest.offered.msgPerSec)}/s for ${o.seconds} s)`, num(hf.msgPerSec), `${num(raw.msgPerSec)} raw`, x(hf.msgPerSec, raw.msgPerSec), `≥ ${T.throughputRatio}×`, yes(hf.msgPerSec >= T.throughputRatio * raw.msgPerSec)],
      ['ingest', `messages processed of ${num(r.ingest.offered.messages)} sent`, `${num(hf.streamMessages)}${hf.reconnectsDuringStream > 0 ? ` (reconnected ${hf.reconnectsDuringStream}× mid-stream)` : ''}`, `${num(raw.streamMessages)} raw`, '', '', ''],
      ['ingest', 'main-thread CPU per 1,000 messages (page)', ms(hf.mainThreadMsPer1000), `${ms(raw.mainThreadMsPer1000)} raw`, x(hf.mainThreadMsPer1000, raw.mainThreadMsPer1000), `≤ ${T.cpuRatio}×`, yes(hf.mainThreadMsPer1000 <= T.cpuRatio * raw.mainThreadMsPer1000)],
      ['ingest', 'worker CPU per 1,000 messages (engine worker)', ms(hf.workerMsPer1000), `${ms(raw.mainThreadMsPer1000)} raw (main)`, x(hf.workerMsPer1000, raw.mainThreadMsPer1000), '', ''],
      ['ingest', 'longest main-thread task, whole scenario (tasks > 50 ms)', `${ms(hf.longestTaskMs)} (${hf.tasksOver50})`, `${ms(raw.longestTaskMs)} (${raw.tasksOver50}) raw`, '', '', ''],
      ['ingest', 'longest main-thread task, during the stream', ms(hf.longestTaskStreamMs), `${ms(raw.longestTaskStreamMs)} raw`, '', `≤ ${T.longestTaskMs} ms`, yes(hf.longestTaskStreamMs <= T.longestTaskMs)],
      ['ingest', 'longest worker task, during the stream', ms(hf.workerLongestTaskMs), '', '', '', ''],
      ['ingest', `arrival at the worker → DOM, shown values, p95 (p50; n=${hf.domDelay.samples})`, `${ms(hf.domDelay.p95)} (${ms(hf.domDelay.p50)})`, '', '', `≤ ${T.domP95Ms} ms`, yes(hf.domDelay.p95 <= T.domP95Ms)],
      ['ingest', `publish → DOM, shown values, p95 (p50; n=${hf.domDelayFromPublish.samples})`, `${ms(hf.domDelayFromPublish.p95)} (${ms(hf.domDelayFromPublish.p50)})`, '', '', '', ''],
      ['ingest', 'JS heap after GC, page + worker', `${mb(hf.heapBytes)} (${mb(hf.pageHeapBytes)} + ${mb(hf.workerHeapBytes)})`, `${mb(raw.heapBytes)} raw`, '', `≤ ${T.heapBytes / 1e6} MB`, yes(hf.heapBytes <= T.heapBytes)],
    );
    notes.push(
      `Clocks (offset from Node, ± error): page ${hf.clocks.page.offsetMs.toFixed(2)} ± ${hf.clocks.page.errorMs.toFixed(2)} ms, worker ${hf.clocks.worker.offsetMs.toFixed(2)} ± ${hf.clocks.worker.errorMs.toFixed(2)} ms.`,
    );
  }
  if (r.reconnect) {
    const rc = r.reconnect;
    const rawReconnect = median(rc.rawRetainedLoadMs);
    rows.push(
      ['reconnect', `CONNACK → all ${num(o.edits)} edits decided`, ms(rc.connackToAllDecidedMs), `${ms(rawReconnect)} raw (retained set)`, x(rc.connackToAllDecidedMs, rawReconnect), `≤ ${T.reconnectRatio}×`, yes(rc.connackToAllDecidedMs <= T.reconnectRatio * rawReconnect)],
      ['reconnect', 'decision overhead after the last needed status', ms(rc.overheadMs), `(last needed at ${ms(rc.connackToLastNeededMs)})`, '', `≤ ${T.overheadMs} ms`, yes(rc.overheadMs <= T.overheadMs)],
      ['reconnect', `correct: ${num(Math.round(o.edits * o.stale))} stale discarded, the rest sent once`, `${num(rc.correctness.discarded)} discarded, ${num(rc.correctness.sentOnce)} sent once`, '', '', 'exactly', yes(rc.correctness.ok)],
      ['reconnect', 'longest main-thread task (worker)', `${ms(rc.longestTaskMs)} (${ms(rc.workerLongestTaskMs)})`, '', '', `≤ ${T.longestTaskMs} ms`, yes(rc.longestTaskMs <= T.longestTaskMs)],
    );
    notes.push(`IndexedDB transactions (worker) from CONNACK to all decided: ${Object.entries(rc.indexedDbTransactions).sort((p, q) => q[1] - p[1]).map(([k, v]) => `${k} ${num(v)}`).join(', ')}.`);
  }
  if (r.recovery) {
    const rv = r.recovery;
    rows.push(
      ['recovery', `${rv.flaps} flaps (1–3 s down, 2–6 s up): restored → Connected, p50`, ms(rv.holdfastP50Ms), `${ms(rv.rawP50Ms)} raw (1 s reconnectPeriod)`, x(rv.holdfastP50Ms, rv.rawP50Ms), `≤ ${T.recoveryP50Ms / 1000} s`, yes(rv.holdfastP50Ms <= T.recoveryP50Ms)],
      ['recovery', 'restored → Connected, p90', ms(rv.holdfastP90Ms), `${ms(rv.rawP90Ms)} raw`, x(rv.holdfastP90Ms, rv.rawP90Ms), `≤ ${T.recoveryP90Ms / 1000} s`, yes(rv.holdfastP90Ms <= T.recoveryP90Ms)],
      ['recovery', 'restored → live (subscribed), p50 / p90', `${ms(rv.holdfastLiveP50Ms)} / ${ms(rv.holdfastLiveP90Ms)}`, `${ms(rv.rawSubackP50Ms)} / ${ms(rv.rawSubackP90Ms)} raw (SUBACK)`, '', '', ''],
      [
        'recovery',
        'most MQTT connection attempts in any 1 s (WebSockets; all connections)',
        `${rv.maxAttemptsPerSec} (${rv.holdfastMaxWebSocketsPerSec}; ${rv.holdfastMaxConnectionsPerSec})`,
        `${rv.rawMaxAttemptsPerSec} (${rv.rawMaxWebSocketsPerSec}; ${rv.rawMaxConnectionsPerSec}) raw`,
        '',
        `≤ ${T.attemptsPerSec}`,
        yes(rv.maxAttemptsPerSec <= T.attemptsPerSec),
      ],
    );
    notes.push(
      `Recovery connections seen by the proxies: Holdfast ${rv.holdfastConnections.websocket} WebSocket + ${rv.holdfastConnections.http} HTTP probes, raw ${rv.rawConnections.websocket} WebSocket.`,
    );
  }
  if (r.scale) {
    const s = r.scale;
    rows.push(
      ['scale', `CONNACK → shown device's values in the DOM, ${num(s.devices.large)} vs ${num(s.devices.small)} devices × ${s.props}`, ms(s.largeSiteMs), `${ms(s.smallSiteMs)} (${num(s.devices.small)} devices)`, x(s.largeSiteMs, s.smallSiteMs), `≤ ${T.scaleRatio}×`, yes(s.ratio <= T.scaleRatio)],
      ['scale', `JS heap after GC, page + worker, ${num(s.devices.large)} devices`, `${mb(s.heapBytes)} (${mb(s.heap.large.page)} + ${mb(s.heap.large.worker)})`, `${mb(s.heap.small.page + s.heap.small.worker)} (${num(s.devices.small)} devices)`, '', `≤ ${T.heapBytes / 1e6} MB`, yes(s.heapBytes <= T.heapBytes)],
    );
  }
  if (r.coldStart) {
    const c = r.coldStart;
    const coldHf = median(c.holdfastMs);
    const coldBlank = median(c.blankMs);
    rows.push(
      ['cold start', `offline, SW warm: navigation → first values (median of ${c.holdfastMs.length})`, ms(coldHf), `${ms(coldBlank)} blank`, x(coldHf, coldBlank), `≤ ${T.coldRatio}×`, yes(coldHf <= T.coldRatio * coldBlank)],
      ['cold start', 'engine worker (with mqtt.js) requested before the first values', c.mqttRequestedBeforeFirstRender ? 'yes' : `no (at ${ms(median(c.mqttFirstRequestMs))})`, '', '', 'no', yes(!c.mqttRequestedBeforeFirstRender)],
    );
    notes.push(`Holdfast offline boot, median ms from navigation: ${Object.entries(c.breakdown).map(([k, v]) => `${k} ${v}`).join(' → ')}.`);
  }
  rows.push(
    ['size', 'initial JS (before the first paint), gzip -9', kB(r.size.totals.initialJs), '', '', 'budget', yes(r.size.overBudget.length === 0)],
    ['size', 'the app, loaded right after the first paint, gzip -9', kB(r.size.totals.app), '', '', 'budget', yes(!r.size.overBudget.some((o) => o.startsWith('the app')))],
    ['size', 'initial CSS / lazy chunks (app and worker included), gzip -9', `${kB(r.size.totals.initialCss)} / ${kB(r.size.totals.lazy)}`, '', '', '', ''],
  );
  if (r.fleet) {
    rows.push(...fleetRows(r.fleet));
    notes.push(...fleetNotes(r.fleet));
  }
  return [markdownTable(rows), '', ...notes].join('\n');
}

const TABLE_HEAD = ['Scenario', 'Measure', 'Holdfast', 'Baseline', 'Ratio', 'Target', 'Met'];

function markdownTable(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]): string => `| ${row.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

main().catch((err: unknown) => {
  console.error(err instanceof UsageError ? err.message : err);
  process.exit(err instanceof UsageError ? 2 : 1);
});
