// The fleet scenario (issue 16, part 2): a room of consoles through a broker
// restart. 50 consoles against one Mosquitto (the stack's, behind its
// WebSocket bridge): 47 headless (NodeConsole: the real Console and the real
// EngineHost, in child processes, bench/fleet-node.ts) and 3 real Chromium
// pages of the built app, each in a browser context of its own. Every console
// reaches the broker through a counting tap of its own (bench/tap.ts) in
// front of one fault proxy, so the broker's door can be closed for all of
// them and every connection they make is counted, per console.
//
//   1. 25 simulated Homie 5 VP4s (sim/vp4.ts); each console watches them all
//      and edits one setting of its own (genlock/phase-h or -v of one VP4).
//   2. The door closes (new connections refused, every open one dropped):
//      the broker is unreachable for the consoles. Each one, once it shows
//      "not connected", queues its edit, based on what it shows.
//   3. The broker restarts for real (stack.restartBroker(): Mosquitto without
//      persistence, so every retained value is gone; the devices drop, come
//      back about a second later and publish their state again). While a
//      device is off the broker, a person at its front panel changes the
//      setting one console in five has edited: those edits are stale and must
//      be discarded; the others must be sent exactly once.
//   4. When the broker listens again the door opens ("broker back", t0), and
//      the consoles reconnect on their own, with the shipped timing.
//
// Measured: MQTT connection attempts (WebSocket upgrades at the taps; an
// upgrade right after a failed one is that attempt's diagnosis socket and
// counted with it, as in bench/recovery.ts) in any 1 s after t0 and over the
// whole outage, HTTP reachability probes separately; per console, t0 → the
// console reconciled: connected, live (subscriptions acknowledged) and none
// of its outbox entries queued or in flight any more (each confirmed,
// discarded, or visibly needing attention), as its own page-side view shows
// it, and for good (the last time it became so); and the chaos invariants
// (test/chaos/checks.ts checkRound, per console, from the devices' own logs
// and the broker's record of every set with its cmdId and base, as
// test/soak/verdict.ts judges a browser run), plus every set the broker routed
// twice for one cmdId counted as a duplicate.

import { chromium, type Browser, type BrowserContext } from '@playwright/test';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startStack, type Stack } from '../sim/stack.js';
import { startStaticServer, type StaticServer } from '../sim/static-server.js';
import { Vp4Device } from '../sim/vp4.js';
import { checkRound, CATEGORIES, type Category, type EditRecord, type TabView } from '../test/chaos/checks.js';
import type { ChaosDevice } from '../test/chaos/devices.js';
import { nextSeq, parseDeviceLine, type BrokerSet, type DeviceChange } from '../test/chaos/observe.js';
import { consolePublishesFromBroker } from '../test/soak/verdict.js';
import { startFaultProxy, type FaultProxy } from '../test/support/fault-proxy.js';
import type { OutboxEntry, OutboxState, PropertyValue } from '../src/model/types.js';
import { repoRoot } from './build.js';
import { clockOffset, nodeEpoch, type ClockOffset } from './cdp.js';
import type { ConsoleProgress, ConsoleRecord, EditOutcome, FleetConsoleSpec, FleetReply, FleetRequest, Transition } from './fleet-node.js';
import { connectionAttempts, maxPerWindow, startTap, type Tap, type TapEvent } from './tap.js';
import { evaluate, holdfastPage, log, percentile, sleep, waitFor, type HoldfastPage } from './util.js';

export const FLEET_GOALS = { peakAttemptsPerSec: 25, reconciledP90Ms: 5000, violations: 0 } as const;

export interface FleetOptions {
  /** The built app to serve the Chromium consoles (a private copy, as bench/run.ts serves it). */
  readonly dist: string;
  readonly chromiumPath: string;
  readonly chromiumArgs: readonly string[];
  /** Consoles in all (default 50), of them real Chromium pages (default 3). */
  readonly consoles?: number;
  readonly browsers?: number;
  /** Share of the edits made stale at the device during the outage (default 0.2). */
  readonly stale?: number;
  /** From the door closing to the broker restart (default 10 s). */
  readonly outageMs?: number;
  /** How long after t0 every console has to reconcile (default 60 s). */
  readonly reconcileTimeoutMs?: number;
  /**
   * Child processes the headless consoles are shared out over (default: one per
   * HEADLESS_PER_PROCESS). Each tablet has a CPU of its own; 47 consoles in one
   * Node event loop would queue behind each other while they all replay the
   * site at once, and their timers (the reconnect jitter) would fire in clumps.
   */
  readonly headlessProcesses?: number;
}

const HEADLESS_PER_PROCESS = 12;

export interface FleetResult {
  /** The five figures of the issue. */
  consoles: number;
  /** Most MQTT connection attempts at the broker's door in any 1 s from the broker back to the end. */
  peakAttemptsPerSec: number;
  /** Broker back → console reconciled, over the consoles (nearest rank; a console that never reconciled counts as the largest). */
  reconciledP50Ms: number;
  reconciledP90Ms: number;
  /** Stale sets + duplicates + edits not ended (+ vanished or unexplained rows and sets, also chaos invariants). */
  violations: number;

  headless: number;
  browsers: number;
  devices: number;
  staleEdits: number;
  /** Door closed → broker back (t0); and how long stack.restartBroker() took. */
  outageMs: number;
  restartMs: number;
  /** Whole outage: from the door closing to the end (the first reconnect of every console dropped at once included). */
  peakAttemptsPerSecWholeOutage: number;
  /** Every WebSocket upgrade in any 1 s after t0, diagnosis sockets included. */
  peakWebSocketsPerSec: number;
  /** HTTP reachability probes (TCP connections carrying a plain HTTP request) in any 1 s: after t0, whole outage. */
  peakProbesPerSec: number;
  peakProbesPerSecWholeOutage: number;
  attempts: { afterBack: number; wholeOutage: number };
  probes: { afterBack: number; wholeOutage: number };
  /** Per second from t0 (negative: before the broker was back): [second, attempts, probes]. */
  perSecond: Array<[number, number, number]>;
  /** Broker back → each device announced on it again (its reconnect), p50 and the last; before t0 counts as 0. */
  devicesBackP50Ms: number;
  devicesBackMaxMs: number;
  /** Broker back → the console's connection open, p50/p90. */
  connectedP50Ms: number;
  connectedP90Ms: number;
  reconciledMaxMs: number;
  notReconciled: number;
  /** Per console, by index (headless first; null: never reconciled). */
  reconciledMs: Array<number | null>;
  byKind: { headless: { p50Ms: number; p90Ms: number }; browser: { p50Ms: number; p90Ms: number; ms: Array<number | null> } };
  /** What the edits should end as: stale ones discarded and never sent, the others sent once and confirmed. */
  outcomes: { discarded: number; sentOnce: number; unexpected: string[] };
  violationsByCategory: Record<Category | 'sent-twice', number>;
  violationDetails: string[];
  info: Record<string, number>;
  /** The headless consoles' processes: event-loop delay from t0 to the end, worst of them (a saturated loop would delay their timers); CPU summed. */
  headlessLoopDelay: { processes: number; p99Ms: number; maxMs: number; cpuMs: number };
  /** This process (devices, taps, fault proxy, WebSocket bridge: every hop of every console), from t0 to the end. */
  harnessLoopDelay: { p99Ms: number; maxMs: number };
  /** The machine's 1-minute load average when the door closed and at the end (the machine may be shared). */
  loadAverage: [number, number];
  /** The Chromium pages' clocks against Node's; the headless consoles' processes'. */
  clocks: ClockOffset[];
  headlessClocks: ClockOffset[];
  met: { peakAttemptsPerSec: boolean; reconciledP90Ms: boolean; violations: boolean };
}

const PROPS = ['genlock/phase-h', 'genlock/phase-v'] as const;
const SET_TOPIC = /^homie\/5\/(fleet-\d+)\/(genlock\/phase-[hv])\/set$/;
const BUSY: readonly OutboxState[] = ['queued', 'checking', 'held', 'sending', 'sent'];
/** Reconciled for this long with nothing changing: the fleet has settled. */
const SETTLE_QUIET_MS = 1500;

interface Slot {
  readonly index: number;
  readonly kind: 'headless' | 'browser';
  readonly device: Vp4Device;
  readonly chaos: ChaosDevice;
  readonly prop: (typeof PROPS)[number];
  readonly initial: number;
  readonly desired: number;
  readonly stale: boolean;
  /** What the person at the panel sets (stale slots). */
  readonly panel: number;
  readonly tap: Tap;
}

function fleetDevice(id: string): ChaosDevice {
  return {
    simId: id,
    holdfastId: `homie5:${id}`,
    props: [...PROPS],
    ranges: { 'genlock/phase-h': [-180, 180], 'genlock/phase-v': [-180, 180] },
    initial: {},
    isSetTopic: (topic) => SET_TOPIC.exec(topic)?.[1] === id,
    decodeSet: (topic, payload) => {
      const m = SET_TOPIC.exec(topic);
      return m && m[1] === id ? [[m[2]!, payload]] : [];
    },
    statusTopic: (prop) => `homie/5/${id}/${prop}`,
    heardValue: (_prop, payload) => payload,
    logSources: { panel: 'front panel', set: 'MQTT set' },
  };
}

/** The time the condition last became true, if it holds at the end; null otherwise. */
function lastBecameTrue(transitions: readonly Transition[]): number | null {
  const last = transitions[transitions.length - 1];
  return last?.ok ? last.at : null;
}

/** The headless consoles' process, over IPC. */
class HeadlessFleet {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private exited = false;

  private constructor(private readonly proc: ChildProcess) {
    proc.on('message', (m: FleetReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(m.error));
    });
    proc.on('exit', (code, signal) => {
      this.exited = true;
      for (const p of this.pending.values()) p.reject(new Error(`the headless consoles' process exited (${signal ?? code})`));
      this.pending.clear();
    });
  }

  static async start(): Promise<HeadlessFleet> {
    // HF_FLEET_PROFILE=<dir>: a CPU profile of each headless consoles' process (.cpuprofile).
    const profile = process.env.HF_FLEET_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.HF_FLEET_PROFILE] : [];
    const proc = fork(join(repoRoot, 'bench', 'fleet-node.ts'), [], { cwd: repoRoot, execArgv: ['--import', 'tsx', ...profile], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const fleet = new HeadlessFleet(proc);
    await new Promise<void>((resolve, reject) => {
      fleet.pending.set(0, { resolve: () => resolve(), reject });
      setTimeout(() => reject(new Error('the headless consoles did not start within 60 s')), 60_000).unref();
    });
    return fleet;
  }

  request<T>(req: FleetRequest): Promise<T> {
    if (this.exited) return Promise.reject(new Error("the headless consoles' process is gone"));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: (v) => resolve(v as T), reject });
      this.proc.send({ id, req });
    });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    await Promise.race([this.request({ type: 'stop' }).catch(() => undefined), sleep(10_000)]);
    await Promise.race([gone, sleep(3000)]);
    if (!this.exited) this.proc.kill('SIGKILL');
  }
}

interface LoopStats {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  cpuMs: number;
}

/** The headless consoles shared out over a few processes: each request goes to every process, about its own consoles. */
class HeadlessPool {
  /** Console index → the process that runs it. */
  private readonly owner = new Map<number, number>();
  clocks: ClockOffset[] = [];

  private constructor(private readonly fleets: readonly HeadlessFleet[]) {}

  static async start(processes: number): Promise<HeadlessPool> {
    const started = await Promise.allSettled(Array.from({ length: processes }, () => HeadlessFleet.start()));
    const fleets = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(fleets.map((f) => f.close()));
      throw failed.reason;
    }
    return new HeadlessPool(fleets);
  }

  get size(): number {
    return this.fleets.length;
  }

  /** The same request to every process (`req` gets its index), the answers in process order. */
  private all<T>(req: (k: number) => FleetRequest | null): Promise<T[]> {
    return Promise.all(this.fleets.flatMap((f, k) => {
      const r = req(k);
      return r ? [f.request<T>(r)] : [];
    }));
  }

  /** Round robin, so every process has a like share of the stale edits and of the devices. */
  async start(consoles: readonly FleetConsoleSpec[]): Promise<void> {
    consoles.forEach((c, j) => this.owner.set(c.index, j % this.fleets.length));
    await this.all((k) => ({ type: 'start', consoles: consoles.filter((c) => this.owner.get(c.index) === k) }));
  }

  async ready(timeoutMs: number): Promise<Array<[number, PropertyValue | undefined]>> {
    return (await this.all<Array<[number, PropertyValue | undefined]>>(() => ({ type: 'ready', timeoutMs }))).flat();
  }

  async down(timeoutMs: number): Promise<void> {
    await this.all(() => ({ type: 'down', timeoutMs }));
  }

  async edit(edits: ReadonlyArray<{ readonly index: number; readonly desired: PropertyValue }>): Promise<EditOutcome[]> {
    return (await this.all<EditOutcome[]>((k) => ({ type: 'edit', edits: edits.filter((e) => this.owner.get(e.index) === k) }))).flat();
  }

  /** Progress per console, its times already on Node's clock (measure the clocks first). */
  async progress(): Promise<Array<[number, ConsoleProgress]>> {
    const answers = await this.all<Array<[number, ConsoleProgress]>>(() => ({ type: 'progress' }));
    return answers.flatMap((list, k) => {
      const off = this.clocks[k]?.offsetMs ?? 0;
      return list.map(([i, p]): [number, ConsoleProgress] => [i, { ...p, transitions: p.transitions.map((t) => ({ ...t, at: t.at - off })), opens: p.opens.map((t) => t - off) }]);
    });
  }

  async records(): Promise<Array<[number, ConsoleRecord]>> {
    return (await this.all<Array<[number, ConsoleRecord]>>(() => ({ type: 'records' }))).flat();
  }

  /** Each process's clock against this one's. */
  async measureClocks(): Promise<ClockOffset[]> {
    this.clocks = await Promise.all(this.fleets.map((f) => clockOffset(() => f.request<number>({ type: 'clock' }))));
    return this.clocks;
  }

  /** Event-loop delay: the worst process; CPU: all of them. */
  async loop(reset: boolean): Promise<LoopStats> {
    const all = await this.all<LoopStats>(() => ({ type: 'loop', reset }));
    return { p50Ms: Math.max(...all.map((l) => l.p50Ms)), p99Ms: Math.max(...all.map((l) => l.p99Ms)), maxMs: Math.max(...all.map((l) => l.maxMs)), cpuMs: all.reduce((a, l) => a + l.cpuMs, 0) };
  }

  async close(): Promise<void> {
    await Promise.all(this.fleets.map((f) => f.close()));
  }
}

interface BrowserConsole {
  readonly slot: Slot;
  readonly context: BrowserContext;
  readonly web: StaticServer;
  readonly hf: HoldfastPage;
}

/** In the page: follow what the console shows (its setting, connection, host status, outbox) and when it is reconciled. */
function watcherScript(deviceId: string, propertyId: string): string {
  return `(() => {
    const c = window.__hfProbe.console;
    const epoch = () => performance.timeOrigin + performance.now();
    const BUSY = ${JSON.stringify(BUSY)};
    const f = { value: null, status: null, live: false, entries: [], ok: false, open: false, transitions: [], opens: [] };
    const check = () => {
      const open = f.status === 'open';
      if (open && !f.open) f.opens.push(epoch());
      f.open = open;
      const ok = open && f.live && !f.entries.some((e) => BUSY.includes(e.state));
      if (ok !== f.ok) { f.ok = ok; f.transitions.push({ at: epoch(), ok }); }
    };
    c.client.subscribeValue(${JSON.stringify(deviceId)}, ${JSON.stringify(propertyId)}, (v) => { f.value = v ?? null; });
    c.client.subscribeConnection((s) => { f.status = s?.status ?? null; check(); });
    c.client.subscribeStatus((s) => { f.live = !!s?.live; check(); });
    c.outbox.subscribe((o) => { f.entries = o.entries.map((e) => ({ cmdId: e.cmdId, state: e.state })); check(); });
    window.__fleet = f;
    return true;
  })()`;
}

/** In the page: an operator's edit from what the control shows; offline, so not rendered in a live session. */
function editScript(deviceId: string, propertyId: string, desired: PropertyValue): string {
  return `(async () => {
    const c = window.__hfProbe.console;
    const r = window.__fleet.value;
    const at = Date.now();
    if (!r) return { at, reported: undefined, error: 'the control shows nothing' };
    try {
      const result = await c.edit(${JSON.stringify(deviceId)}, ${JSON.stringify(propertyId)}, ${JSON.stringify(desired)}, { value: r.value, receivedAt: r.receivedAt, session: r.session, renderedIn: null });
      return { at, reported: r.value, result };
    } catch (e) {
      return { at, reported: r.value, error: String(e) };
    }
  })()`;
}

export async function runFleet(opts: FleetOptions): Promise<FleetResult> {
  const total = opts.consoles ?? 50;
  const browserCount = Math.min(total, opts.browsers ?? 3);
  const headlessCount = total - browserCount;
  const staleShare = opts.stale ?? 0.2;
  const outageMs = opts.outageMs ?? 10_000;
  const reconcileTimeoutMs = opts.reconcileTimeoutMs ?? 60_000;
  const deviceCount = Math.ceil(total / PROPS.length);
  const staleCount = Math.round(total * staleShare);

  let stack: Stack | null = null;
  let proxy: FaultProxy | null = null;
  const taps: Tap[] = [];
  const devices: Vp4Device[] = [];
  let headless: HeadlessPool | null = null;
  let browser: Browser | null = null;
  const pages: BrowserConsole[] = [];
  const deviceChanges: DeviceChange[] = [];
  const brokerSets: BrokerSet[] = [];
  let watchDevices: ReturnType<typeof setInterval> | undefined;
  const started = Date.now();
  try {
    log(`fleet: ${total} consoles (${headlessCount} headless, ${browserCount} Chromium), ${deviceCount} devices, one Mosquitto…`);
    stack = await startStack({ broker: 'mosquitto', devices: false });
    const s = stack;
    const creds = s.broker.credentials('device');
    const deviceUrl = new URL(s.broker.tcpUrl);
    deviceUrl.username = creds.username ?? '';
    deviceUrl.password = creds.password ?? '';
    for (let d = 0; d < deviceCount; d++) {
      const id = `fleet-${String(d + 1).padStart(2, '0')}`;
      const chaos = fleetDevice(id);
      // The device's own log is its truth: every value it took, from its panel or from a set.
      const device: Vp4Device = new Vp4Device({
        brokerUrl: deviceUrl.toString().replace(/\/$/, ''),
        deviceId: id,
        temperatureIntervalMs: 3_600_000,
        log: (line) => {
          const c = parseDeviceLine(line, chaos, Date.now(), device.connected);
          if (c) deviceChanges.push(c);
        },
      });
      devices.push(device);
    }
    await Promise.all(devices.map((d) => d.start()));
    // Distinct values on every device, so no two settings of the site look alike.
    devices.forEach((d, i) => {
      d.panelSet('genlock/phase-h', -150 + 6 * i);
      d.panelSet('genlock/phase-v', 150 - 6 * i);
    });
    s.broker.onPublish((p) => {
      const m = SET_TOPIC.exec(p.topic);
      if (!m) return;
      const up = p.userProperties ?? {};
      const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
      brokerSets.push({ at: p.at, topic: p.topic, payload: p.payload, cmdId: one(up['holdfast-cmd-id']), base: one(up['holdfast-base']), prop: m[2]!, value: p.payload });
    });

    const target = new URL(s.broker.wsUrl);
    proxy = await startFaultProxy({ targetHost: target.hostname, targetPort: Number(target.port) });
    for (let i = 0; i < total; i++) taps.push(await startTap(proxy.port));

    const slots: Slot[] = Array.from({ length: total }, (_, i) => {
      const d = Math.floor(i / PROPS.length);
      const prop = PROPS[i % PROPS.length]!;
      const device = devices[d]!;
      const initial = device.snapshot()[prop] as number;
      // Spread evenly over the consoles (the last one, a Chromium page, is one of them).
      const stale = Math.floor(((i + 1) * staleCount) / total) > Math.floor((i * staleCount) / total);
      return { index: i, kind: i < headlessCount ? 'headless' : 'browser', device, chaos: fleetDevice(device.deviceId), prop, initial, desired: initial + 11, stale, panel: initial - 17, tap: taps[i]! };
    });
    const holdfastId = (slot: Slot): string => slot.chaos.holdfastId;

    // ---- the consoles: headless ones in their process, Chromium pages each in a context of its own.
    log('fleet: starting the consoles…');
    const processes = Math.max(1, Math.min(headlessCount, opts.headlessProcesses ?? Math.ceil(headlessCount / HEADLESS_PER_PROCESS)));
    headless = await HeadlessPool.start(processes);
    const h = headless;
    const specs: FleetConsoleSpec[] = slots
      .filter((x) => x.kind === 'headless')
      .map((x) => ({ index: x.index, dbName: `holdfast-fleet-${process.pid}-${x.index}`, brokerUrl: x.tap.url('/'), deviceId: holdfastId(x), propertyId: x.prop }));
    await h.start(specs);
    browser = await chromium.launch({ executablePath: opts.chromiumPath, args: [...opts.chromiumArgs], headless: true });
    for (const slot of slots.filter((x) => x.kind === 'browser')) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const web = await startStaticServer({ root: opts.dist, port: 0, config: { brokerUrl: slot.tap.url('/') } });
      const hf = await holdfastPage(context);
      pages.push({ slot, context, web, hf });
      // The shipped connection timing: no overrides.
      await hf.page.goto(`${web.url}?bench=1`);
    }
    for (const p of pages) {
      await waitFor(p.hf.page, 'window.__hfProbe?.liveAt.length > 0', 60_000, `Chromium console ${p.slot.index} to be live`);
      await evaluate(p.hf.page, watcherScript(holdfastId(p.slot), p.slot.prop));
    }
    const shown = new Map<number, unknown>(await h.ready(90_000));
    for (const p of pages) {
      await waitFor(p.hf.page, 'window.__fleet.value !== null', 30_000, `Chromium console ${p.slot.index} to show its setting`);
      shown.set(p.slot.index, await evaluate<unknown>(p.hf.page, 'window.__fleet.value.value'));
    }
    const wrong = slots.filter((x) => shown.get(x.index) !== x.initial);
    if (wrong.length > 0) throw new Error(`consoles ${wrong.map((x) => `${x.index} shows ${String(shown.get(x.index))}, not ${x.initial}`).join('; ')}`);
    log(`fleet: all ${total} consoles live in ${((Date.now() - started) / 1000).toFixed(0)} s; settling…`);
    // Presence and heartbeats of the whole room settle before anything is measured.
    await sleep(2000);

    // ---- the outage.
    const startedAt = Date.now();
    deviceChanges.length = 0;
    brokerSets.length = 0;
    const tCut = nodeEpoch();
    const loadAtCut = loadavg()[0]!;
    proxy.refuse();
    proxy.drop();
    await Promise.all([
      h.down(30_000),
      ...pages.map((p) => waitFor(p.hf.page, "window.__fleet.status !== 'open'", 30_000, `Chromium console ${p.slot.index} to notice the cut`)),
    ]);
    const nodeEdits = await h.edit(slots.filter((x) => x.kind === 'headless').map((x) => ({ index: x.index, desired: x.desired })));
    const pageEdits = await Promise.all(
      pages.map(async (p): Promise<EditOutcome> => ({ index: p.slot.index, ...(await evaluate<Omit<EditOutcome, 'index'>>(p.hf.page, editScript(holdfastId(p.slot), p.slot.prop, p.slot.desired))) })),
    );
    const editOutcomes = new Map([...nodeEdits, ...pageEdits].map((e) => [e.index, e]));
    const refused = [...editOutcomes.values()].filter((e) => e.error !== undefined || e.result === undefined || e.result.action !== 'insert');
    if (refused.length > 0) throw new Error(`edits not queued: ${refused.map((e) => `${e.index}: ${e.error ?? e.result?.action}`).join('; ')}`);
    log(`fleet: ${total} edits queued offline in ${Math.round(nodeEpoch() - tCut)} ms of the outage; restarting the broker at ${outageMs / 1000} s…`);
    await sleep(Math.max(0, tCut + outageMs - nodeEpoch()));

    // ---- the restart; the people at the panels act while their device is off the broker.
    const restartAt = nodeEpoch();
    // When each device is announced on the restarted broker again: no console can reconcile before its device.
    const deviceBack = new Map<Vp4Device, number>();
    const deviceDown = new Set<Vp4Device>();
    watchDevices = setInterval(() => {
      for (const d of devices) {
        if (!d.connected) deviceDown.add(d);
        else if (deviceDown.has(d) && !deviceBack.has(d)) deviceBack.set(d, nodeEpoch());
      }
    }, 10);
    let restarted = false;
    const restarting = s.restartBroker().then(() => {
      restarted = true;
    });
    const panels = slots
      .filter((x) => x.stale)
      .map(async (x) => {
        const until = Date.now() + 10_000;
        while (x.device.connected && Date.now() < until && !restarted) await sleep(2);
        const r = x.device.panelSet(x.prop, x.panel);
        if (!r.ok) throw new Error(`panel ${x.device.deviceId} ${x.prop}: ${r.error}`);
      });
    await restarting;
    const t0 = nodeEpoch();
    proxy.pass();
    const harnessLoop = monitorEventLoopDelay({ resolution: 10 });
    harnessLoop.enable();
    await h.loop(true);
    await Promise.all(panels);
    log(`fleet: broker back after ${Math.round(t0 - restartAt)} ms of restart (${((t0 - tCut) / 1000).toFixed(1)} s of outage); waiting for every console to reconcile…`);

    // ---- until every console is reconciled, and stays so.
    const progressOf = async (): Promise<Map<number, { transitions: Transition[]; opens: number[] }>> => {
      const out = new Map<number, { transitions: Transition[]; opens: number[] }>();
      for (const [i, p] of await h.progress()) out.set(i, { transitions: [...p.transitions], opens: [...p.opens] });
      for (const p of pages) out.set(p.slot.index, await evaluate<{ transitions: Transition[]; opens: number[] }>(p.hf.page, '({ transitions: window.__fleet.transitions, opens: window.__fleet.opens })'));
      return out;
    };
    const deadline = t0 + reconcileTimeoutMs;
    let settled = false;
    let quietSince: number | null = null;
    let lastSignature = '';
    while (nodeEpoch() < deadline) {
      const progress = await progressOf();
      const all = [...progress.values()].every((p) => lastBecameTrue(p.transitions) !== null);
      const signature = [...progress.values()].map((p) => p.transitions.length).join(',');
      if (all && signature === lastSignature) {
        quietSince ??= nodeEpoch();
        if (nodeEpoch() - quietSince >= SETTLE_QUIET_MS) {
          settled = true;
          break;
        }
      } else quietSince = null;
      lastSignature = signature;
      await sleep(250);
    }
    const tEnd = nodeEpoch();
    clearInterval(watchDevices);
    harnessLoop.disable();
    const loop = await h.loop(false);
    await s.broker.settle();
    const headlessClocks = await h.measureClocks();
    const progress = await progressOf();
    const clocks = await Promise.all(pages.map((p) => clockOffset(() => evaluate<number>(p.hf.page, 'performance.timeOrigin + performance.now()'))));
    const records = new Map<number, ConsoleRecord>(await h.records());
    for (const p of pages) {
      records.set(
        p.slot.index,
        await evaluate<ConsoleRecord>(p.hf.page, '(async () => ({ rows: await window.__hfProbe.console.db.outbox.toArray(), shown: window.__fleet.entries.map((e) => [e.cmdId, e.state]), connectionLog: window.__hfProbe.connectionLog.slice(-50) }))()'),
      );
    }
    log(`fleet: ${settled ? 'settled' : 'did NOT settle'} ${((tEnd - t0) / 1000).toFixed(1)} s after the broker was back; judging…`);

    // ---- connection attempts at the broker's door.
    const attempts = taps.flatMap((t) => connectionAttempts(t.events));
    const events = taps.flatMap((t) => t.events);
    const count = (xs: readonly TapEvent[], kind: TapEvent['kind'], from: number, to: number): number => xs.filter((e) => e.kind === kind && e.at >= from && e.at <= to).length;
    const perSecond: Array<[number, number, number]> = [];
    for (let sec = Math.floor((tCut - t0) / 1000); t0 + sec * 1000 < tEnd; sec++) {
      const from = t0 + sec * 1000;
      perSecond.push([sec, count(attempts, 'websocket', from, from + 999.999), count(events, 'http', from, from + 999.999)]);
    }

    if (process.env.HF_BENCH_DEBUG) {
      const wall0 = Date.now() - (nodeEpoch() - t0);
      for (const slot of slots) {
        const mine = connectionAttempts(slot.tap.events).filter((e) => e.at >= t0 - 3000).map((e) => Math.round(e.at - t0));
        const logLines = (records.get(slot.index)?.connectionLog ?? []).filter(([at]) => at >= wall0 - 3000).map(([at, m]) => `${Math.round(at - wall0)}: ${m.slice(0, 70)}`);
        const rows = (records.get(slot.index)?.rows ?? []).map((r) => `${r.state} created ${Math.round(r.createdAt - wall0)} asked ${r.askedAt === undefined ? '-' : Math.round(r.askedAt - wall0)} sent ${r.lastAttemptAt === undefined ? '-' : Math.round(r.lastAttemptAt - wall0)} updated ${Math.round(r.updatedAt - wall0)}`);
        log(`  debug: console ${slot.index} (${slot.kind}) attempts after t0 ${mine.join(' ')} | entries ${rows.join('; ')} | ${logLines.join(' | ')}`);
      }
      log(`  debug: headless processes' CPU (${h.size}) from t0 to the end: ${Math.round(loop.cpuMs)} ms over ${Math.round(tEnd - t0)} ms`);
    }

    // ---- reconciled, per console, on Node's clock.
    const toNode = (slot: Slot, t: number): number => {
      // The headless consoles' times come corrected already (HeadlessPool.progress).
      if (slot.kind === 'headless') return t;
      const k = pages.findIndex((p) => p.slot === slot);
      return t - clocks[k]!.offsetMs;
    };
    const reconciled = slots.map((slot) => {
      const p = progress.get(slot.index);
      const at = p ? lastBecameTrue(p.transitions) : null;
      return at === null ? Infinity : Math.max(0, toNode(slot, at) - t0);
    });
    const connected = slots.map((slot) => {
      const opens = (progress.get(slot.index)?.opens ?? []).map((t) => toNode(slot, t)).filter((t) => t >= t0);
      return opens.length > 0 ? opens[0]! - t0 : Infinity;
    });
    const devicesBack = devices.map((d) => {
      const at = deviceBack.get(d);
      return at === undefined ? Infinity : Math.max(0, at - t0);
    });
    const ofKind = (kind: Slot['kind']): number[] => slots.filter((x) => x.kind === kind).map((x) => reconciled[x.index]!);

    // ---- the invariants, per console.
    const violationsByCategory = Object.fromEntries([...CATEGORIES, 'sent-twice'].map((c) => [c, 0])) as Record<Category | 'sent-twice', number>;
    const violationDetails: string[] = [];
    const info: Record<string, number> = {};
    const unexpected: string[] = [];
    let discarded = 0;
    let sentOnce = 0;
    for (const slot of slots) {
      const rec = records.get(slot.index);
      const outcome = editOutcomes.get(slot.index)!;
      const rows: OutboxEntry[] = [...(rec?.rows ?? [])];
      const label = `console ${slot.index} (${slot.kind}, ${slot.device.deviceId} ${slot.prop})`;
      const edit: EditRecord = {
        n: 1,
        tab: slot.index,
        prop: slot.prop,
        desired: slot.desired,
        at: outcome.at,
        reported: outcome.reported ?? undefined,
        label: slot.stale ? 'offline edit, then changed at the panel' : 'offline edit',
        ...(outcome.result ? { result: outcome.result } : {}),
        doneSeq: nextSeq(),
        ...(outcome.error ? { error: outcome.error } : {}),
      };
      const changes = deviceChanges.filter((c) => c.device === slot.device.deviceId && c.prop === slot.prop);
      const topic = `homie/5/${slot.device.deviceId}/${slot.prop}/set`;
      const sets = brokerSets.filter((b) => b.topic === topic);
      const views: TabView[] = [{ tab: slot.index, shown: new Map(rec?.shown ?? []) }];
      const f = checkRound({
        startedAt,
        initial: { [slot.prop]: slot.initial },
        edits: [edit],
        rows,
        deviceChanges: changes,
        consolePublishes: consolePublishesFromBroker(sets, changes),
        brokerSets: sets,
        views,
        settled,
      });
      for (const c of CATEGORIES) {
        violationsByCategory[c] += f.violations[c].length;
        violationDetails.push(...f.violations[c].map((v) => `${label}: ${c}: ${v}`));
      }
      for (const [k, n] of Object.entries(f.info)) info[k] = (info[k] ?? 0) + n;
      // A set the broker routed twice for one edit is a duplicate, whether or not the device applied both.
      const perCmd = new Map<string, number>();
      for (const b of sets) if (b.cmdId) perCmd.set(b.cmdId, (perCmd.get(b.cmdId) ?? 0) + 1);
      for (const [cmdId, n] of perCmd) {
        if (n < 2 || f.violations['applied-twice'].some((v) => v.includes(cmdId.slice(0, 8)))) continue;
        violationsByCategory['sent-twice']++;
        violationDetails.push(`${label}: sent-twice: entry ${cmdId.slice(0, 8)} routed ${n}× by the broker`);
      }
      // What this edit should have ended as.
      const row = outcome.result && outcome.result.action !== 'noop' ? rows.find((r) => r.cmdId === (outcome.result as { entry: OutboxEntry }).entry.cmdId) : undefined;
      if (slot.stale) {
        if (sets.length === 0 && row?.state === 'discarded') discarded++;
        else unexpected.push(`${label}: changed at the panel, so it should be discarded and never sent; it ended ${row?.state ?? 'without a row'} with ${sets.length} set(s)`);
      } else if (sets.length === 1 && sets[0]!.payload === String(slot.desired) && row?.state === 'confirmed') {
        sentOnce++;
      } else {
        unexpected.push(`${label}: should be sent once and confirmed; it ended ${row?.state ?? 'without a row'} (${row?.reason?.code ?? 'no reason'}) with sets [${sets.map((b) => b.payload).join(', ')}]`);
      }
    }
    const violations = Object.values(violationsByCategory).reduce((a, b) => a + b, 0);

    const afterBack = (kind: TapEvent['kind'], xs: readonly TapEvent[]): number => count(xs, kind, t0, tEnd);
    const result: FleetResult = {
      consoles: total,
      peakAttemptsPerSec: maxPerWindow(attempts, ['websocket'], t0, tEnd),
      reconciledP50Ms: Math.round(percentile(reconciled, 50)),
      reconciledP90Ms: Math.round(percentile(reconciled, 90)),
      violations,
      headless: headlessCount,
      browsers: browserCount,
      devices: deviceCount,
      staleEdits: slots.filter((x) => x.stale).length,
      outageMs: Math.round(t0 - tCut),
      restartMs: Math.round(t0 - restartAt),
      peakAttemptsPerSecWholeOutage: maxPerWindow(attempts, ['websocket'], tCut, tEnd),
      peakWebSocketsPerSec: maxPerWindow(events, ['websocket'], t0, tEnd),
      peakProbesPerSec: maxPerWindow(events, ['http'], t0, tEnd),
      peakProbesPerSecWholeOutage: maxPerWindow(events, ['http'], tCut, tEnd),
      attempts: { afterBack: afterBack('websocket', attempts), wholeOutage: count(attempts, 'websocket', tCut, tEnd) },
      probes: { afterBack: afterBack('http', events), wholeOutage: count(events, 'http', tCut, tEnd) },
      perSecond,
      devicesBackP50Ms: Math.round(percentile(devicesBack, 50)),
      devicesBackMaxMs: Math.round(Math.max(...devicesBack)),
      connectedP50Ms: Math.round(percentile(connected, 50)),
      connectedP90Ms: Math.round(percentile(connected, 90)),
      reconciledMaxMs: Math.round(Math.max(...reconciled)),
      notReconciled: reconciled.filter((x) => !Number.isFinite(x)).length,
      reconciledMs: reconciled.map((x) => (Number.isFinite(x) ? Math.round(x) : null)),
      byKind: {
        headless: { p50Ms: Math.round(percentile(ofKind('headless'), 50)), p90Ms: Math.round(percentile(ofKind('headless'), 90)) },
        browser: { p50Ms: Math.round(percentile(ofKind('browser'), 50)), p90Ms: Math.round(percentile(ofKind('browser'), 90)), ms: ofKind('browser').map((x) => (Number.isFinite(x) ? Math.round(x) : null)) },
      },
      outcomes: { discarded, sentOnce, unexpected },
      violationsByCategory,
      violationDetails: violationDetails.slice(0, 30),
      info,
      headlessLoopDelay: { processes: h.size, p99Ms: Math.round(loop.p99Ms), maxMs: Math.round(loop.maxMs), cpuMs: Math.round(loop.cpuMs) },
      loadAverage: [Math.round(loadAtCut * 100) / 100, Math.round(loadavg()[0]! * 100) / 100],
      harnessLoopDelay: { p99Ms: Math.round(harnessLoop.percentile(99) / 1e6), maxMs: Math.round(harnessLoop.max / 1e6) },
      clocks,
      headlessClocks,
      met: { peakAttemptsPerSec: false, reconciledP90Ms: false, violations: false },
    };
    result.met = {
      peakAttemptsPerSec: result.peakAttemptsPerSec <= FLEET_GOALS.peakAttemptsPerSec,
      reconciledP90Ms: result.reconciledP90Ms <= FLEET_GOALS.reconciledP90Ms,
      violations: result.violations <= FLEET_GOALS.violations,
    };
    log(
      `  fleet: peak ${result.peakAttemptsPerSec} attempts/s after the broker was back (${result.peakAttemptsPerSecWholeOutage} over the whole outage), ` +
        `reconciled p50 ${result.reconciledP50Ms} / p90 ${result.reconciledP90Ms} ms, ${result.violations} violations, ${discarded} discarded, ${sentOnce} sent once`,
    );
    return result;
  } finally {
    clearInterval(watchDevices);
    await headless?.close().catch(() => undefined);
    for (const p of pages) await p.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await Promise.all(pages.map((p) => p.web.close().catch(() => undefined)));
    await Promise.all(taps.map((t) => t.close().catch(() => undefined)));
    await proxy?.close().catch(() => undefined);
    await Promise.all(devices.map((d) => d.stop().catch(() => undefined)));
    await stack?.stop().catch(() => undefined);
  }
}

// ---------------------------------------------------------------- report

/** The fleet's rows of the bench table: Scenario | Measure | Holdfast | Baseline | Ratio | Target | Met. */
export function fleetRows(f: FleetResult): string[][] {
  const s = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '∞');
  const yes = (ok: boolean): string => (ok ? 'yes' : '**no**');
  return [
    [
      'fleet',
      `${f.consoles} consoles (${f.headless} headless, ${f.browsers} Chromium) through a Mosquitto restart: most MQTT connection attempts in any 1 s after the broker is back (whole outage)`,
      `${f.peakAttemptsPerSec} (${f.peakAttemptsPerSecWholeOutage})`,
      '',
      '',
      `≤ ${FLEET_GOALS.peakAttemptsPerSec}`,
      yes(f.met.peakAttemptsPerSec),
    ],
    ['fleet', 'HTTP reachability probes in any 1 s after the broker is back (whole outage)', `${f.peakProbesPerSec} (${f.peakProbesPerSecWholeOutage})`, '', '', '', ''],
    ['fleet', 'broker back → console reconciled (live, every edit ended), p50 / p90', `${s(f.reconciledP50Ms)} / ${s(f.reconciledP90Ms)}`, `connected ${s(f.connectedP50Ms)} / ${s(f.connectedP90Ms)}`, '', `p90 ≤ ${FLEET_GOALS.reconciledP90Ms / 1000} s`, yes(f.met.reconciledP90Ms)],
    [
      'fleet',
      `violations: stale sets + duplicates + edits not ended (${f.staleEdits} stale edits discarded, the rest sent once)`,
      `${f.violations} (${f.outcomes.discarded} discarded, ${f.outcomes.sentOnce} sent once${f.outcomes.unexpected.length > 0 ? `, ${f.outcomes.unexpected.length} otherwise` : ''})`,
      '',
      '',
      `${FLEET_GOALS.violations}`,
      yes(f.met.violations && f.outcomes.unexpected.length === 0),
    ],
  ];
}

export function fleetNotes(f: FleetResult): string[] {
  const around = f.perSecond.filter(([sec]) => sec >= -2 && sec <= 8).map(([sec, a, p]) => `${sec >= 0 ? '+' : ''}${sec} s: ${a}/${p}`);
  return [
    `Fleet: ${f.outageMs / 1000} s outage (the broker's restart took ${f.restartMs} ms); attempts ${f.attempts.afterBack} after the broker was back, ${f.attempts.wholeOutage} over the whole outage; probes ${f.probes.afterBack} / ${f.probes.wholeOutage}. ` +
      `Attempts/probes per second from the broker back: ${around.join(', ')}.`,
    `Fleet devices back on the broker after t0: p50 ${f.devicesBackP50Ms} ms, last ${f.devicesBackMaxMs} ms. Fleet reconciled: headless p50 ${f.byKind.headless.p50Ms} / p90 ${f.byKind.headless.p90Ms} ms, Chromium ${f.byKind.browser.ms.map((x) => (x === null ? 'never' : `${x} ms`)).join(', ')}; ` +
      `slowest ${f.reconciledMaxMs} ms${f.notReconciled > 0 ? `, ${f.notReconciled} never` : ''}; headless consoles' event loop delay (worst of ${f.headlessLoopDelay.processes} process${f.headlessLoopDelay.processes === 1 ? '' : 'es'}) p99 ${f.headlessLoopDelay.p99Ms} ms, max ${f.headlessLoopDelay.maxMs} ms; the harness's (devices, taps, proxy, bridge) p99 ${f.harnessLoopDelay.p99Ms} ms, max ${f.harnessLoopDelay.maxMs} ms; load average ${f.loadAverage.join(' → ')} on ${cpus().length} CPUs.`,
    ...f.outcomes.unexpected.slice(0, 10).map((u) => `  unexpected: ${u}`),
    ...f.violationDetails.slice(0, 10).map((v) => `  violation: ${v}`),
  ];
}

/** bench/results.json, read-modify-write: every other key stays as it is; `fleet` is added or replaced. */
export async function mergeFleetResult(file: string, fleet: FleetResult): Promise<void> {
  const current = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>) : {};
  await writeFile(file, `${JSON.stringify({ ...current, fleet }, null, 2)}\n`);
}
