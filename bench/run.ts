// `npm run bench`: Holdfast against its baselines, side by side, in one run
// of one headless Chromium. Prints a table and writes bench/results.json.
//
//   ingest      N devices × P retained Homie 5 properties, then a sustained
//               status stream: Holdfast's processed msg/s against a bare
//               mqtt.js page that only counts, longest main-thread task,
//               arrival-to-DOM delay of visible values, JS heap.
//   reconnect   E edits queued offline, a share of them made stale at the
//               device meanwhile: CONNACK to every entry decided, against
//               raw mqtt.js receiving the same retained set; correctness.
//   cold start  offline, service worker warm: navigation to the first
//               device's last-known values, against a precached blank page.
//   size        initial/lazy JS and CSS, gzip -9 (bench/size.ts).
//
// Usage: npm run bench -- [--devices 100] [--props 100] [--rate 5000] [--seconds 10]
//                         [--edits 1000] [--stale 0.1] [--cold-runs 7] [--build] [--out bench/results.json]

import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { startBroker } from '../sim/broker.js';
import { startStaticServer } from '../sim/static-server.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
import { distDir, ensureBuild, repoRoot } from './build.js';
import { BenchPublisher, INT_MAX, deviceId, kindOf, propertyId, valueTopic } from './publisher.js';
import { formatSize, measureSize, overBudget, readBudget, type SizeReport } from './size.js';

const USAGE = `Usage: npm run bench -- [options]

  --devices <n>     simulated Homie 5 devices                 (default 100)
  --props <n>       properties per device                     (default 100)
  --rate <n>        sustained status messages per second      (default 5000)
  --seconds <n>     duration of the sustained stream          (default 10)
  --edits <n>       edits queued while offline                (default 1000)
  --stale <f>       share of those edits made stale (0..1)    (default 0.1)
  --cold-runs <n>   offline cold starts of each page          (default 7)
  --build           rebuild dist/ even if it looks current
  --out <file>      results file                              (default bench/results.json)
  --dist <dir>      serve this build instead of dist/ (e.g. an unminified one, for profiles)
  --profile <dir>   write CPU profiles of Holdfast's stream, reconnect and a cold start (.cpuprofile)`;

interface Options {
  devices: number;
  props: number;
  rate: number;
  seconds: number;
  edits: number;
  stale: number;
  coldRuns: number;
  build: boolean;
  out: string;
  dist: string | null;
  profile: string | null;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Options {
  const o: Options = { devices: 100, props: 100, rate: 5000, seconds: 10, edits: 1000, stale: 0.1, coldRuns: 7, build: false, out: join(repoRoot, 'bench', 'results.json'), dist: null, profile: null };
  const numeric: Record<string, keyof Options> = {
    '--devices': 'devices',
    '--props': 'props',
    '--rate': 'rate',
    '--seconds': 'seconds',
    '--edits': 'edits',
    '--stale': 'stale',
    '--cold-runs': 'coldRuns',
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
    else if (numeric[name]) {
      const n = Number(value());
      if (!Number.isFinite(n) || n < 0) throw new UsageError(`${name} must be a non-negative number`);
      (o as unknown as Record<string, number>)[numeric[name]] = n;
    } else throw new UsageError(`unknown option ${arg}\n\n${USAGE}`);
  }
  const intsPerDevice = Array.from({ length: o.props }, (_, p) => kindOf(p)).filter((k) => k === 'int').length;
  if (o.devices < 1 || o.props < 1) throw new UsageError('--devices and --props must be at least 1');
  if (o.stale > 1) throw new UsageError('--stale is a share between 0 and 1');
  if (o.edits > o.devices * intsPerDevice) throw new UsageError(`--edits can be at most ${o.devices * intsPerDevice} (the settable integer properties)`);
  return o;
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without the background-networking flags Chromium floods this closed network with refused connections.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];
const FRAME_MS = 1000 / 60;

const log = (line: string): void => console.log(`[bench] ${line}`);

// ---------------------------------------------------------------- helpers

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

interface Task {
  start: number;
  duration: number;
}

function longest(tasks: readonly Task[], from = -Infinity, to = Infinity): { max: number; over50: number } {
  const inWindow = tasks.filter((t) => t.start + t.duration >= from && t.start <= to);
  return { max: Math.max(0, ...inWindow.map((t) => t.duration)), over50: inWindow.filter((t) => t.duration > 50).length };
}

/** Evaluate an expression in the page (strings, so nothing depends on how this file was transpiled). */
function evaluate<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}

/** Poll an expression (which may return a promise) until it is truthy. */
async function waitFor(page: Page, expression: string, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await evaluate<unknown>(page, expression).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Wait until a counter reaches `target`, or stops moving for `quietMs` (then something was lost: report what arrived). */
async function waitForCount(page: Page, expression: string, target: number, quietMs: number, timeoutMs: number): Promise<number> {
  const start = Date.now();
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const n = await evaluate<number>(page, expression);
    if (n >= target) return n;
    if (n !== last) {
      last = n;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > quietMs) return n;
    if (Date.now() - start > timeoutMs) return n;
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function heapAfterGc(context: BrowserContext, page: Page): Promise<number> {
  const cdp = await context.newCDPSession(page);
  try {
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    return usedSize;
  } finally {
    await cdp.detach().catch(() => {});
  }
}

/** Main-thread busy time (all tasks) from Chromium's own counters; read() is ms since start(). */
async function mainThreadTimer(context: BrowserContext, page: Page): Promise<{ read(): Promise<number> }> {
  // One session throughout: enabling the domain again would restart the counters.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const now = async (): Promise<number> => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return (metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN) * 1000;
  };
  const start = await now();
  return {
    async read() {
      const ms = (await now()) - start;
      await cdp.detach().catch(() => {});
      return ms;
    },
  };
}

/** A CPU profile of the page while `during` runs, written to dir/name.cpuprofile (only with --profile). */
async function profiled<T>(dir: string | null, name: string, context: BrowserContext, page: Page, during: () => Promise<T>): Promise<T> {
  if (!dir) return during();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  try {
    return await during();
  } finally {
    const { profile } = await cdp.send('Profiler.stop');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    await cdp.detach().catch(() => {});
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

// ---------------------------------------------------------------- results

interface IngestSide {
  /** CONNACK to the last retained message (median over runs for raw). */
  retainedLoadMs: number;
  retainedMessages: number;
  streamMessages: number;
  streamSpanMs: number;
  msgPerSec: number;
  longestTaskMs: number;
  tasksOver50: number;
  longestTaskStreamMs: number;
  /** Main-thread busy time per 1,000 stream messages: what a message costs, however loaded the machine is. */
  mainThreadMsPer1000: number;
  heapBytes: number;
}

interface Results {
  options: Omit<Options, 'out' | 'build' | 'dist' | 'profile'>;
  environment: { node: string; chromium: string; cpus: number; date: string };
  size: SizeReport & { overBudget: string[] };
  ingest: {
    offered: { messages: number; ms: number; msgPerSec: number };
    raw: IngestSide;
    holdfast: IngestSide & { reconnectsDuringStream: number; connectionLog: string[]; domDelay: { samples: number; p50: number; p95: number; max: number; withinFrame: number } };
  };
  reconnect: {
    queueMs: number;
    rawRetainedLoadMs: number[];
    connackToAllDecidedMs: number;
    connackToLastNeededMs: number;
    overheadMs: number;
    longestTaskMs: number;
    /** IndexedDB transactions the page opened from CONNACK until every entry was decided, by "stores:mode". */
    indexedDbTransactions: Record<string, number>;
    decided: number;
    correctness: { ok: boolean; discarded: number; sentOnce: number; problems: string[]; finalStates: Record<string, number> };
  };
  coldStart: {
    holdfastMs: number[];
    blankMs: number[];
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
  const started = Date.now();
  const dist = o.dist ?? distDir;
  if (!o.dist) ensureBuild({ force: o.build, log });
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
  const profileDir = await mkdtemp(join(tmpdir(), 'holdfast-bench-'));
  let context: BrowserContext | null = null;
  const probeScript = readFileSync(join(repoRoot, 'bench', 'page', 'probe.js'), 'utf8');
  const holdfastPage = async (): Promise<Page> => {
    const page = await context!.newPage();
    await page.addInitScript({ content: probeScript });
    page.on('pageerror', (err) => log(`page error: ${err.message}`));
    return page;
  };
  const totalValues = o.devices * o.props;

  try {
    log(`publishing ${o.devices} devices × ${o.props} properties (${pub.retainedCount} retained messages)…`);
    await pub.publishInstallation();
    // A persistent profile: IndexedDB on disk (as on a tablet, not in memory), and the service worker survives pages.
    context = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, viewport: { width: 1280, height: 800 } });
    const chromiumVersion = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

    // ---- warm-up: install the service worker, learn Holdfast's subscriptions, fill its status cache.
    log('warm-up: first visit installs the service worker and fills the status cache…');
    {
      const page = await holdfastPage();
      await page.goto(appUrl);
      await waitFor(page, `window.__hfProbe?.keys.size >= ${totalValues}`, 120_000, 'the first retained load');
      await waitFor(page, `!!navigator.serviceWorker.controller`, 30_000, 'the service worker to control the page');
      await waitFor(page, `window.__hfProbe.hub.db.status.count().then((n) => n >= ${totalValues})`, 60_000, 'the status cache to reach IndexedDB');
      await page.close();
    }
    const filters = [...holdfastFilters];

    // ---- ingest, baseline: raw mqtt.js.
    log('ingest: raw mqtt.js…');
    const rawLoads: number[] = [];
    let rawIngest: IngestSide;
    let offered: { sent: number; ms: number };
    const rawRetainedLoad = async (page: Page, expected: number | null): Promise<{ ms: number; count: number }> => {
      await evaluate(page, `window.__raw.connect(${JSON.stringify(rawBrokerUrl)}, ${JSON.stringify(filters)})`);
      const count = await waitForCount(page, 'window.__raw.retained', expected ?? Infinity, 750, 60_000);
      const ms = await evaluate<number>(page, 'window.__raw.lastRetainedAt - window.__raw.connectedAt');
      return { ms, count };
    };
    {
      const page = await context.newPage();
      await page.goto(`${raw.url}raw.html`);
      await waitFor(page, 'window.__raw !== undefined', 10_000, 'the raw page');
      // The first load settles the count (filters may overlap); later loads wait for it.
      let expected: number | null = null;
      for (let i = 0; i < 3; i++) {
        if (i > 0) await evaluate(page, 'window.__raw.end()');
        const r = await rawRetainedLoad(page, expected);
        expected ??= r.count;
        rawLoads.push(r.ms);
      }
      await evaluate(page, 'window.__raw.reset()');
      const t0 = await evaluate<number>(page, 'performance.now()');
      const busyTimer = await mainThreadTimer(context, page);
      offered = await pub.stream(o.rate, o.seconds);
      const live = await waitForCount(page, 'window.__raw.live', offered.sent, 5000, 90_000);
      const busy = await busyTimer.read();
      const r = await evaluate<{ first: number; last: number; tasks: Task[] }>(page, '({ first: window.__raw.firstLiveAt, last: window.__raw.lastLiveAt, tasks: window.__raw.longtasks })');
      const span = r.last - r.first;
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
        heapBytes: await heapAfterGc(context, page),
      };
      await evaluate(page, 'window.__raw.end()');
      await page.close();
    }
    log(`  raw: retained load ${rawIngest.retainedLoadMs.toFixed(0)} ms, stream ${rawIngest.msgPerSec.toFixed(0)} msg/s`);

    // ---- ingest, Holdfast: a reload with the service worker warm and the cache full, then the same stream.
    log('ingest: Holdfast…');
    const page = await holdfastPage();
    let hfIngest: Results['ingest']['holdfast'];
    {
      await page.goto(appUrl);
      await waitFor(page, `window.__hfProbe?.connectedAt.length > 0 && window.__hfProbe.keys.size >= ${totalValues}`, 120_000, 'the retained load');
      // Descriptions and $state may trail the last value a little.
      await waitForCount(page, 'window.__hfProbe.lastApplyAt', Infinity, 500, 5000);
      const load = await evaluate<{ ms: number }>(page, '({ ms: window.__hfProbe.lastApplyAt - window.__hfProbe.connectedAt.at(-1) })');
      // Let the status cache write settle before the stream.
      await page.waitForTimeout(1500);
      await evaluate(page, 'window.__hfProbe.reset(); window.__hfProbe.sampling = true');
      const t0 = await evaluate<number>(page, 'performance.now()');
      const busyTimer = await mainThreadTimer(context, page);
      const connectsBefore = await evaluate<number>(page, 'window.__hfProbe.connectedAt.length');
      const { stream, values } = await profiled(o.profile, 'holdfast-stream', context, page, async () => {
        const stream = await pub.stream(o.rate, o.seconds);
        return { stream, values: await waitForCount(page, 'window.__hfProbe.values', stream.sent, 5000, 90_000) };
      });
      const reconnects = (await evaluate<number>(page, 'window.__hfProbe.connectedAt.length')) - connectsBefore;
      // Why it dropped a connection under load, in the console's own words.
      const connectionLog = reconnects > 0 ? await evaluate<string[]>(page, `(window.__hfProbe.hub.state.connection?.log ?? []).slice(-12).map((e) => e.message)`) : [];
      const busy = await busyTimer.read();
      await evaluate(page, 'window.__hfProbe.sampling = false');
      const r = await evaluate<{ first: number; last: number; tasks: Task[]; delays: number[] }>(
        page,
        '({ first: window.__hfProbe.firstValueEventAt, last: window.__hfProbe.lastValueEventAt, tasks: window.__hfProbe.longtasks, delays: window.__hfProbe.domDelays })',
      );
      const span = r.last - r.first;
      hfIngest = {
        retainedLoadMs: load.ms,
        retainedMessages: totalValues,
        streamMessages: values,
        streamSpanMs: span,
        msgPerSec: ((values - 1) / span) * 1000,
        longestTaskMs: longest(r.tasks).max,
        tasksOver50: longest(r.tasks).over50,
        longestTaskStreamMs: longest(r.tasks, t0).max,
        mainThreadMsPer1000: (busy / values) * 1000,
        reconnectsDuringStream: reconnects,
        connectionLog,
        heapBytes: await heapAfterGc(context, page),
        domDelay: {
          samples: r.delays.length,
          p50: percentile(r.delays, 50),
          p95: percentile(r.delays, 95),
          max: Math.max(0, ...r.delays),
          withinFrame: r.delays.filter((d) => d <= FRAME_MS).length / Math.max(1, r.delays.length),
        },
      };
      offered = { sent: Math.min(offered.sent, stream.sent), ms: Math.max(offered.ms, stream.ms) };
    }
    if (hfIngest.connectionLog.length > 0) log(`  Holdfast reconnected during the stream; its connection log ends: ${hfIngest.connectionLog.join(' | ')}`);
    log(`  Holdfast: retained load ${hfIngest.retainedLoadMs.toFixed(0)} ms, stream ${hfIngest.msgPerSec.toFixed(0)} msg/s, DOM p95 ${hfIngest.domDelay.p95.toFixed(1)} ms`);

    // ---- reconnect: queue edits offline, make some stale at the device, reconnect.
    log(`reconnect: queueing ${o.edits} edits offline…`);
    let reconnect: Results['reconnect'];
    {
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
      await waitFor(page, `window.__hfProbe.hub.state.connection?.status !== 'open'`, 30_000, 'the console to notice the cut');
      const q0 = Date.now();
      const based = await evaluate<Array<[number, number]>>(page, `window.__hfProbe.queueEdits(${JSON.stringify(edits.map((e) => [e.deviceId, e.propertyId]))}, ${INT_MAX + 1})`);
      const queueMs = Date.now() - q0;
      const plan = edits.map((e, i) => ({ ...e, base: based[i]![0], desired: based[i]![1] }));
      // Behind the console's back: a person at each of these devices changes the value.
      for (const e of plan) if (e.stale) await pub.change(e.topic, (e.base + 500) % (INT_MAX + 1));

      // The baseline, measured now under the same conditions: raw mqtt.js receiving the same retained set.
      const rawPage = await context.newPage();
      await rawPage.goto(`${raw.url}raw.html`);
      await waitFor(rawPage, 'window.__raw !== undefined', 10_000, 'the raw page');
      const rawTimes: number[] = [];
      for (let i = 0; i < 3; i++) {
        if (i > 0) await evaluate(rawPage, 'window.__raw.end()');
        rawTimes.push((await rawRetainedLoad(rawPage, rawIngest.retainedMessages)).ms);
      }
      await evaluate(rawPage, 'window.__raw.end()');
      await rawPage.close();

      log('reconnect: reconnecting…');
      await evaluate(page, 'window.__hfProbe.reset()');
      const tasksBefore = await evaluate<number>(page, 'performance.now()');
      // Skip the backoff wait, as the page would on the browser's "online" event.
      proxy.pass();
      await evaluate(page, 'window.__hfProbe.hub.retry()');
      const decided = await profiled(o.profile, 'holdfast-reconnect', context, page, () => waitForCount(page, 'window.__hfProbe.decidedAt.size', o.edits, 30_000, 180_000));
      const r = await evaluate<{ connack: number; decided: number[]; lastRetained: Array<[string, number]>; tasks: Task[] }>(
        page,
        '({ connack: window.__hfProbe.connectedAt.at(-1), decided: [...window.__hfProbe.decidedAt.values()], lastRetained: [...window.__hfProbe.deviceLastRetainedAt], tasks: window.__hfProbe.longtasks })',
      );
      const allDecided = Math.max(...r.decided);
      const idb = await evaluate<Record<string, number>>(page, 'window.__hfProbe.idb');
      const editedDevices = new Set(plan.map((e) => e.deviceId));
      const lastNeeded = Math.max(...r.lastRetained.filter(([id]) => editedDevices.has(id)).map(([, t]) => t));

      // Correctness at the protocol level: the devices' record of every /set they received.
      const expectedSets = plan.length - staleCount;
      const deadline = Date.now() + 20_000;
      while (pub.sets.length < expectedSets && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      await new Promise((res) => setTimeout(res, 1000));
      const problems: string[] = [];
      const setsByTopic = new Map<string, string[]>();
      for (const s of pub.sets) setsByTopic.set(s.topic.slice(0, -'/set'.length), [...(setsByTopic.get(s.topic.slice(0, -'/set'.length)) ?? []), s.payload]);
      let sentOnce = 0;
      let discarded = 0;
      const finalRows = await evaluate<Array<{ deviceId: string; propertyId: string; state: string }>>(
        page,
        'window.__hfProbe.hub.db.outbox.toArray().then((rows) => rows.map((r) => ({ deviceId: r.deviceId, propertyId: r.propertyId, state: r.state })))',
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
      reconnect = {
        queueMs,
        rawRetainedLoadMs: rawTimes,
        connackToAllDecidedMs: allDecided - r.connack,
        connackToLastNeededMs: lastNeeded - r.connack,
        overheadMs: allDecided - lastNeeded,
        longestTaskMs: longest(r.tasks, tasksBefore).max,
        indexedDbTransactions: idb,
        decided,
        correctness: { ok: problems.length === 0 && decided === o.edits, discarded, sentOnce, problems: problems.slice(0, 20), finalStates },
      };
      pub.setEcho(false);
    }
    log(`  CONNACK → all decided ${reconnect.connackToAllDecidedMs.toFixed(0)} ms (raw ${median(reconnect.rawRetainedLoadMs).toFixed(0)} ms), overhead ${reconnect.overheadMs.toFixed(0)} ms`);

    // ---- cold start offline, service worker warm.
    log('cold start: offline, service worker warm…');
    let cold: Results['coldStart'];
    {
      await evaluate(page, 'window.__hfProbe.hub.persistNow()');
      await page.close();
      // Cut everything: the browser is offline and the servers are gone.
      await context.setOffline(true);
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
        const p = await holdfastPage();
        await profiled(i === 0 ? o.profile : null, 'holdfast-cold-start', context, p, async () => {
          await p.goto(appUrl, { waitUntil: 'commit' });
          await waitFor(p, 'window.__hfProbe?.firstRenderedValueAt != null', 30_000, 'the first values offline');
        });
        // The connection attempt loads mqtt.js after the first render; wait for it to be sure of the order.
        await waitFor(p, `performance.getEntriesByType('resource').some((e) => e.name.includes('/assets/mqtt-'))`, 10_000, 'mqtt.js').catch(() => {});
        const r = await evaluate<{ first: number; mqtt: number[]; controlled: boolean; milestones: Record<string, number> }>(
          p,
          `(() => {
            const resources = performance.getEntriesByType('resource');
            const end = (part, ext) => resources.find((e) => e.name.includes(part) && e.name.endsWith(ext))?.responseEnd;
            const nav = performance.getEntriesByType('navigation')[0];
            return {
              first: window.__hfProbe.firstRenderedValueAt,
              mqtt: resources.filter((e) => e.name.includes('/assets/mqtt-')).map((e) => e.startTime),
              controlled: !!navigator.serviceWorker.controller,
              milestones: {
                'document received': nav?.responseEnd,
                'main script received': end('/assets/index-', '.js'),
                'app evaluated (Hub created)': window.__hfProbe.timeline.hubCreated,
                'config.json answered': end('/config.json', '.json'),
                'status cache read started': window.__hfProbe.timeline.statusLoadStart,
                'status cache read done': window.__hfProbe.timeline.statusLoadEnd,
                'history read done': window.__hfProbe.timeline.historyLoadEnd,
                'first values in the DOM': window.__hfProbe.firstRenderedValueAt,
              },
            };
          })()`,
        );
        milestones.push(r.milestones);
        hf.push(r.first);
        if (r.mqtt.length > 0) mqttFirst.push(Math.min(...r.mqtt));
        if (r.mqtt.some((t) => t < r.first)) before = true;
        controlled &&= r.controlled;
        await p.close();

        const b = await context.newPage();
        await b.goto(`${web.url}blank.html`, { waitUntil: 'commit' });
        await waitFor(b, `performance.getEntriesByName('blank-loaded').length > 0`, 30_000, 'the blank page offline');
        blank.push(await evaluate<number>(b, `performance.getEntriesByName('blank-loaded')[0].startTime`));
        controlled &&= await evaluate<boolean>(b, '!!navigator.serviceWorker.controller');
        await b.close();
      }
      const breakdown: Record<string, number> = {};
      for (const k of Object.keys(milestones[0] ?? {})) {
        const xs = milestones.map((m) => m[k]).filter((v): v is number => typeof v === 'number');
        if (xs.length > 0) breakdown[k] = Math.round(median(xs));
      }
      cold = { holdfastMs: hf, blankMs: blank, mqttRequestedBeforeFirstRender: before, mqttFirstRequestMs: mqttFirst, serviceWorkerControlled: controlled, breakdown };
    }
    log(`  Holdfast ${median(cold.holdfastMs).toFixed(0)} ms, blank ${median(cold.blankMs).toFixed(0)} ms`);
    log(`  Holdfast boot (median ms from navigation): ${Object.entries(cold.breakdown).map(([k, v]) => `${k} ${v}`).join(' → ')}`);

    const results: Results = {
      options: { devices: o.devices, props: o.props, rate: o.rate, seconds: o.seconds, edits: o.edits, stale: o.stale, coldRuns: o.coldRuns },
      environment: { node: process.version, chromium: chromiumVersion, cpus: (await import('node:os')).cpus().length, date: new Date().toISOString() },
      size: { ...size, overBudget: overBudget(size, budget) },
      ingest: { offered: { messages: offered.sent, ms: offered.ms, msgPerSec: (offered.sent / offered.ms) * 1000 }, raw: rawIngest, holdfast: hfIngest },
      reconnect,
      coldStart: cold,
    };
    await writeFile(o.out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\n${formatSize(size, budget)}\n`);
    console.log(table(results));
    console.log(`\nWrote ${relative(repoRoot, o.out)} in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
    if (!reconnect.correctness.ok) {
      console.error(`\nReconnect correctness FAILED:\n${reconnect.correctness.problems.map((p) => `  - ${p}`).join('\n')}`);
      process.exitCode = 1;
    }
  } finally {
    await context?.close().catch(() => {});
    await pub.close();
    await Promise.all([raw.close(), web.close().catch(() => {}), proxy.close(), rawProxy.close()]);
    await broker.close();
    await rm(profileDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- report

function table(r: Results): string {
  const ms = (n: number): string => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(1) : n.toFixed(0)} ms` : 'n/a');
  const x = (a: number, b: number): string => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : 'n/a');
  const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
  const kB = (n: number): string => `${(n / 1000).toFixed(1)} kB`;
  const num = (n: number): string => Math.round(n).toLocaleString('en-US');
  const yes = (ok: boolean): string => (ok ? 'yes' : '**no**');
  const { raw, holdfast: hf } = r.ingest;
  const rc = r.reconnect;
  const rawReconnect = median(rc.rawRetainedLoadMs);
  const coldHf = median(r.coldStart.holdfastMs);
  const coldBlank = median(r.coldStart.blankMs);
  const o = r.options;
  const rows: string[][] = [
    ['Scenario', 'Measure', 'Holdfast', 'Baseline', 'Ratio', 'Target', 'Met'],
    ['ingest', `retained load, CONNACK → last of ${num(o.devices * o.props)} values`, ms(hf.retainedLoadMs), `${ms(raw.retainedLoadMs)} raw`, x(hf.retainedLoadMs, raw.retainedLoadMs), '', ''],
    ['ingest', `sustained status, msg/s (offered ${num(r.ingest.offered.msgPerSec)}/s for ${o.seconds} s)`, num(hf.msgPerSec), `${num(raw.msgPerSec)} raw`, x(hf.msgPerSec, raw.msgPerSec), '≥ 0.8×', yes(hf.msgPerSec >= 0.8 * raw.msgPerSec)],
    ['ingest', `messages processed of ${num(r.ingest.offered.messages)} sent`, `${num(hf.streamMessages)}${hf.reconnectsDuringStream > 0 ? ` (reconnected ${hf.reconnectsDuringStream}× mid-stream)` : ''}`, `${num(raw.streamMessages)} raw`, '', '', ''],
    ['ingest', 'main-thread time per 1,000 messages (CPU cost)', ms(hf.mainThreadMsPer1000), `${ms(raw.mainThreadMsPer1000)} raw`, x(hf.mainThreadMsPer1000, raw.mainThreadMsPer1000), '', ''],
    ['ingest', 'longest main-thread task, whole scenario (tasks > 50 ms)', `${ms(hf.longestTaskMs)} (${hf.tasksOver50})`, `${ms(raw.longestTaskMs)} (${raw.tasksOver50}) raw`, '', '≤ 50 ms', yes(hf.longestTaskMs <= 50)],
    ['ingest', 'longest main-thread task, during the stream', ms(hf.longestTaskStreamMs), `${ms(raw.longestTaskStreamMs)} raw`, '', '≤ 50 ms', yes(hf.longestTaskStreamMs <= 50)],
    ['ingest', `arrival → DOM, visible values, p95 (p50; n=${hf.domDelay.samples})`, `${ms(hf.domDelay.p95)} (${ms(hf.domDelay.p50)})`, '', '', `≤ 1 frame (${FRAME_MS.toFixed(1)} ms)`, yes(hf.domDelay.p95 <= FRAME_MS)],
    ['ingest', 'JS heap after GC', mb(hf.heapBytes), `${mb(raw.heapBytes)} raw`, '', '≤ 60 MB', yes(hf.heapBytes <= 60e6)],
    ['reconnect', `CONNACK → all ${num(o.edits)} edits decided`, ms(rc.connackToAllDecidedMs), `${ms(rawReconnect)} raw (retained set)`, x(rc.connackToAllDecidedMs, rawReconnect), '≤ 1.2×', yes(rc.connackToAllDecidedMs <= 1.2 * rawReconnect)],
    ['reconnect', 'decision overhead after the last needed status', ms(rc.overheadMs), `(last needed at ${ms(rc.connackToLastNeededMs)})`, '', '≤ 20 ms', yes(rc.overheadMs <= 20)],
    ['reconnect', `correct: ${num(Math.round(o.edits * o.stale))} stale discarded, the rest sent once`, `${num(rc.correctness.discarded)} discarded, ${num(rc.correctness.sentOnce)} sent once`, '', '', 'exactly', yes(rc.correctness.ok)],
    ['reconnect', 'longest main-thread task', ms(rc.longestTaskMs), '', '', '≤ 50 ms', yes(rc.longestTaskMs <= 50)],
    ['cold start', `offline, SW warm: navigation → first values (median of ${r.coldStart.holdfastMs.length})`, ms(coldHf), `${ms(coldBlank)} blank`, x(coldHf, coldBlank), '≤ 1.5×', yes(coldHf <= 1.5 * coldBlank)],
    ['cold start', 'mqtt.js chunk requested before the first render', r.coldStart.mqttRequestedBeforeFirstRender ? 'yes' : `no (at ${ms(median(r.coldStart.mqttFirstRequestMs))})`, '', '', 'no', yes(!r.coldStart.mqttRequestedBeforeFirstRender)],
    ['size', 'initial JS, gzip -9', kB(r.size.totals.initialJs), '', '', 'budget', yes(r.size.overBudget.length === 0)],
    ['size', 'initial CSS / lazy chunks, gzip -9', `${kB(r.size.totals.initialCss)} / ${kB(r.size.totals.lazy)}`, '', '', '', ''],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]): string => `| ${row.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const notes = [
    `IndexedDB transactions from CONNACK to all decided: ${Object.entries(rc.indexedDbTransactions).sort((p, q) => q[1] - p[1]).map(([k, v]) => `${k} ${num(v)}`).join(', ')}.`,
    `Holdfast offline boot, median ms from navigation: ${Object.entries(r.coldStart.breakdown).map(([k, v]) => `${k} ${v}`).join(' → ')}.`,
  ];
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line), '', ...notes].join('\n');
}

main().catch((err: unknown) => {
  console.error(err instanceof UsageError ? err.message : err);
  process.exit(err instanceof UsageError ? 2 : 1);
});
