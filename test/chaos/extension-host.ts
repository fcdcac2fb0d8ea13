// npm run chaos:extension — randomized fault rounds against the extension's
// service-worker host, in Node: the real Supervisor (src/extension/supervisor.ts)
// running the real EngineHost behind chrome.runtime ports (a fake runtime that,
// like Chrome, JSON-serializes messages and drops every port when the worker
// stops), with console pages (the real Console in fixed-host mode) coming and
// going, and the worker stopped at random, also in the middle of a send.
//
//   npm run chaos:extension                          CI default: 16 rounds, both brokers
//   npm run chaos:extension -- --rounds 200          a long local run
//   npm run chaos:extension -- --seed 1234 --rounds 1 --broker aedes   replay one round
//   npm run chaos:extension -- --verbose             every round's trace
//
// A round: a fresh database, a worker and 1–2 pages, then 5–10 steps drawn from:
//   network   drop the connection, cut it (refuse + drop), heal it, restart the broker
//   device    a change at its front panel, only while the console's path is cut
//             (so a set in flight cannot meet it: any set on a stale base is the console's fault)
//   edits     online, offline, the incident (cut, panel change, edit from the old value)
//   pages     open one, close one, close them all
//   worker    stop it (pages reconnect and so restart it; with no page the wake alarm does),
//             stop it just before, just after, or on the PUBACK of a set's publish,
//             stop it with no page open while edits wait
// Then the network heals and the round waits until nothing is outstanding, and checks:
//   1 no set reached the device on a stale base (the device's value when the set arrived
//     is the base the operator saw)
//   2 no edit reached the device twice          3 every edit ended (nothing queued or in flight)
//   4 nothing acknowledged vanished             5 never two engine hosts (so two connections) at once
// Exit 1 on any violation or a round that could not run.

import 'fake-indexeddb/auto';
import { Console } from '../../src/app/console.js';
import { Supervisor, ensureWakeAlarm } from '../../src/extension/supervisor.js';
import { RuntimePortHub, runtimePortTransport } from '../../src/host/ports.js';
import type { EngineHost } from '../../src/host/engine-host.js';
import type { HostStatus } from '../../src/host/protocol.js';
import { baseFromShown, type CoalesceResult, type ShownValue } from '../../src/model/coalesce.js';
import { IN_FLIGHT_STATES, PENDING_STATES, UNSENT_STATES, type OutboxEntry, type ReportedValue } from '../../src/model/types.js';
import { BrokerConnection, type ConnectionState, type PublishOptions, type PublishResult } from '../../src/mqtt/connection.js';
import { HoldfastDb } from '../../src/store/db.js';
import { startStack, BROKER_KINDS, type BrokerKind, type Stack } from '../../sim/stack.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { FakePlatform, FakeRuntime } from '../support/fake-chrome.js';
import { Prng, stepRng } from './prng.js';
import { runMain } from './cli.js';

const DEVICE = 'vp4';
const VP4 = `homie5:${DEVICE}`;
const PROPS = ['genlock/phase-h', 'genlock/phase-v'] as const;
const INITIAL: Record<string, number> = { 'genlock/phase-h': 22, 'genlock/phase-v': 0 };
const HOST = {
  engine: { quietMs: 300, echoDeadlineMs: 1500 },
  connection: { backoffInitialMs: 50, backoffMaxMs: 300, heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 800, probeIntervalMs: 200 },
} as const;
/** The fake alarm clock: a minute of alarm time is this many ms (the wake alarm's 30 s becomes 1 s). */
const ALARM_MINUTE_MS = 2000;
const SETTLE_DEADLINE_MS = 25_000;
const CI_ROUNDS = 16;
const OUTSTANDING = [...PENDING_STATES, ...IN_FLIGHT_STATES];

type StepKind = 'drop' | 'cut' | 'heal' | 'restart-broker' | 'panel-offline' | 'edit' | 'offline-edit' | 'incident' | 'open-page' | 'close-page' | 'close-all' | 'kill' | 'kill-sending' | 'kill-no-page';
const WEIGHTS: Readonly<Record<StepKind, number>> = {
  drop: 1.5,
  cut: 1.5,
  heal: 2,
  'restart-broker': 0.5,
  'panel-offline': 1.5,
  edit: 4,
  'offline-edit': 2.5,
  incident: 2,
  'open-page': 1.2,
  'close-page': 1,
  'close-all': 0.8,
  kill: 1.5,
  'kill-sending': 2,
  'kill-no-page': 1,
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

// ---------------------------------------------------------------------------
// A console page: the real Console, following the worker over a runtime port
// ---------------------------------------------------------------------------

class Page {
  readonly console: Console;
  status: HostStatus | null = null;
  connection: ConnectionState | null = null;
  outbox: readonly OutboxEntry[] = [];
  readonly values = new Map<string, ReportedValue>();
  private readonly offs: (() => void)[] = [];

  constructor(
    readonly id: number,
    runtime: FakeRuntime,
    dbName: string,
    platform: FakePlatform,
  ) {
    this.console = new Console({
      dbName,
      fixedHost: { connect: () => runtimePortTransport(() => runtime.connect({ name: 'holdfast' }), { retryMs: 20, maxRetryMs: 200 }) },
      // As the extension's page does: an edit is "queued" once the worker is sure to wake for it.
      onOutstanding: () => ensureWakeAlarm(platform.alarms),
    });
    const c = this.console.client;
    this.offs.push(
      c.subscribeStatus((s) => (this.status = s)),
      c.subscribeConnection((s) => (this.connection = s)),
      c.subscribeDevice(VP4, () => undefined),
      ...PROPS.map((p) =>
        c.subscribeValue(VP4, p, (v) => {
          if (v) this.values.set(p, v);
          else this.values.delete(p);
        }),
      ),
      this.console.outbox.subscribe((o) => (this.outbox = o.entries)),
    );
  }

  get live(): boolean {
    return this.status?.live === true && this.connection?.status === 'open';
  }

  /** What the control shows, and so the base of an edit (as hf-property-control and NodeConsole do it). */
  private shown(prop: string): ShownValue {
    const active = [...this.outbox].reverse().find((e) => e.deviceId === VP4 && e.propertyId === prop && (IN_FLIGHT_STATES.includes(e.state) || (UNSENT_STATES.includes(e.state) && e.state !== 'unverified')));
    if (active) return { kind: 'intent', value: active.desired };
    const r = this.values.get(prop);
    return r ? { kind: 'reported', reported: r } : { kind: 'unknown' };
  }

  shownValue(prop: string): unknown {
    const s = this.shown(prop);
    return s.kind === 'intent' ? s.value : s.kind === 'reported' ? s.reported.value : null;
  }

  edit(prop: string, desired: number): Promise<CoalesceResult> {
    const availability = this.console.client.devices.get(VP4)?.availability;
    const live = this.live && (availability === 'ready' || availability === 'unknown' || availability === 'alert') ? this.status!.session : null;
    return this.console.edit(VP4, prop, desired, baseFromShown(this.shown(prop), live));
  }

  async close(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    await this.console.dispose();
  }
}

// ---------------------------------------------------------------------------
// What is observed
// ---------------------------------------------------------------------------

interface Arrival {
  readonly at: number;
  readonly prop: string;
  readonly payload: string;
  /** The device's value of the setting when the set arrived. */
  readonly before: unknown;
}

interface EditRecord {
  readonly n: number;
  readonly prop: string;
  readonly desired: number;
  readonly label: string;
  result?: CoalesceResult;
  error?: string;
}

const CATEGORIES = ['stale-base', 'applied-twice', 'not-ended', 'vanished', 'two-hosts'] as const;
type Category = (typeof CATEGORIES)[number];
const CATEGORY_TEXT: Record<Category, string> = {
  'stale-base': 'set reached the device on a stale base',
  'applied-twice': 'edit reached the device twice',
  'not-ended': 'edit never ended',
  vanished: 'acknowledged edit vanished',
  'two-hosts': 'two engine hosts at once',
};

interface RoundReport {
  readonly broker: BrokerKind;
  readonly seed: number;
  readonly steps: readonly StepKind[];
  readonly edits: number;
  readonly ms: number;
  readonly violations: Record<Category, string[]>;
  readonly error?: string;
  readonly lines: readonly string[];
}

/** A hook on the engine's publishes of sets: where the next set's publish stops the worker. */
let publishHook: { when: 'before' | 'after' | 'puback'; fire: () => void } | null = null;
function installPublishHook(): void {
  const original = BrokerConnection.prototype.publish;
  BrokerConnection.prototype.publish = function (this: BrokerConnection, topic: string, payload: string, opts: PublishOptions): Promise<PublishResult> {
    const hook = topic.endsWith('/set') ? publishHook : null;
    if (hook) publishHook = null;
    if (hook?.when === 'before') hook.fire();
    const p = original.call(this, topic, payload, opts);
    if (hook?.when === 'after') setTimeout(hook.fire, 0);
    if (hook?.when === 'puback') void p.then(hook.fire, hook.fire);
    return p;
  };
}

// ---------------------------------------------------------------------------
// One round
// ---------------------------------------------------------------------------

/** Where the engine's console output goes: the running round's trace (printed for failing rounds). */
let traceSink: ((line: string) => void) | null = null;
function captureConsole(): void {
  for (const level of ['warn', 'error'] as const) {
    const original = console[level].bind(console);
    console[level] = (...parts: unknown[]) => {
      if (!traceSink) return original(...parts);
      traceSink(`console.${level}: ${parts.map((p) => (p instanceof Error ? `${p.name}: ${p.message}` : typeof p === 'string' ? p : JSON.stringify(p))).join(' ')}`);
    };
  }
}

async function runRound(stack: Stack, proxy: FaultProxy, arrivals: Arrival[], broker: BrokerKind, seed: number, index: number, setDelay: (ms: number) => void): Promise<RoundReport> {
  const t0 = Date.now();
  const lines: string[] = [];
  const trace = (l: string): void => void lines.push(`+${Date.now() - t0}ms ${l}`);
  traceSink = trace;
  const violations = Object.fromEntries(CATEGORIES.map((c) => [c, [] as string[]])) as Record<Category, string[]>;
  const rng = new Prng(seed);
  const device = stack.devices.get(DEVICE)!;
  const dbName = `holdfast-ext-chaos-${process.pid}-${index}-${seed}`;
  const runtime = new FakeRuntime();
  const platform = new FakePlatform(ALARM_MINUTE_MS);
  const pages: Page[] = [];
  const edits: EditRecord[] = [];
  const steps: StepKind[] = [];
  const used = new Map<string, Set<number>>(PROPS.map((p) => [p, new Set([INITIAL[p]!])]));
  let nextPage = 0;
  let worker: Supervisor | null = null;
  let terminating: Promise<void> | null = null;
  let workers = 0;
  const hosts = new Set<EngineHost>();
  let checker: HoldfastDb | null = null;

  // ---- a clean start ----
  proxy.pass();
  await waitFor('the device', () => device.connected, 15_000);
  for (const p of PROPS) if (device.snapshot()[p] !== INITIAL[p]) stack.setFromPanel(DEVICE, p, INITIAL[p]!);
  await stack.broker.settle();
  await sleep(30);
  arrivals.length = 0;
  const delay = [0, 0, 15, 60, 150][rng.int(5)]!;
  setDelay(delay);
  trace(`device acts on sets after ${delay} ms`);

  // ---- the worker: booted by the first page's port, an alarm, or at the start ----
  const boot = (why: string): void => {
    if (worker || terminating) return;
    const n = ++workers;
    const hub = new RuntimePortHub();
    const w = new Supervisor({
      hub,
      platform,
      dbName,
      host: HOST,
      idleGraceMs: 300,
      batchMs: 300,
      onHost: (h) => {
        if (!h) hosts.clear();
        else if (hosts.add(h).size > 1) violations['two-hosts'].push(`worker ${n} started a host while another ran`);
      },
    });
    runtime.onConnect.addListener((p) => hub.add(p));
    runtime.started();
    worker = w;
    w.start(why);
    trace(`worker ${n} started (${why})`);
  };
  runtime.wake = () => boot('a page connected');
  platform.onAlarm = (alarm) => {
    if (!worker) boot(`alarm ${alarm.name}`);
    worker?.onAlarm(alarm.name);
  };
  const kill = (why: string): void => {
    const w = worker;
    if (!w) return;
    worker = null;
    runtime.stopped();
    trace(`worker stopped: ${why}`);
    // Chrome kills the worker at once; here its host must really be gone before another may start.
    const since = Date.now();
    terminating = w.terminate().finally(() => {
      terminating = null;
      hosts.clear();
      trace(`worker gone (${Date.now() - since} ms)`);
    });
  };

  const openPage = (): Page => {
    const page = new Page(++nextPage, runtime, dbName, platform);
    pages.push(page);
    page.console.start({}).catch((err: unknown) => trace(`page ${page.id} failed to start: ${String(err)}`));
    trace(`page ${page.id} opened`);
    return page;
  };
  const closePage = (page: Page, why: string): void => {
    const i = pages.indexOf(page);
    if (i < 0) return;
    pages.splice(i, 1);
    void page.close().catch((err: unknown) => trace(`page ${page.id} close: ${String(err)}`));
    trace(`page ${page.id} closed (${why})`);
  };
  const anyPage = (r: Prng): Page => (pages.length === 0 ? openPage() : pages[r.int(pages.length)]!);
  const fresh = (r: Prng, prop: string): number => {
    const seen = used.get(prop)!;
    let v = r.range(-180, 180);
    while (seen.has(v)) v = v === 180 ? -180 : v + 1;
    seen.add(v);
    return v;
  };
  const cut = (): void => {
    proxy.refuse();
    proxy.drop();
  };
  const doEdit = async (page: Page, prop: string, desired: number, label: string): Promise<void> => {
    const rec: EditRecord = { n: edits.length + 1, prop, desired, label };
    edits.push(rec);
    const saw = page.shownValue(prop);
    try {
      rec.result = await page.edit(prop, desired);
      const r = rec.result;
      trace(`edit #${rec.n} page ${page.id} ${prop} → ${desired} (${label}; saw ${String(saw)}): ${r.action}${r.action === 'noop' ? '' : ` ${r.entry.cmdId.slice(0, 8)}`}`);
    } catch (err) {
      rec.error = err instanceof Error ? err.message : String(err);
      trace(`edit #${rec.n} refused: ${rec.error}`);
    }
  };

  try {
    boot('the round starts');
    const first = openPage();
    await first.console.profiles.save({ name: 'chaos', url: proxy.url('/') }, undefined);
    checker = new HoldfastDb(dbName);
    await waitFor('the first page to see the device, live', () => first.live && PROPS.every((p) => first.values.get(p)?.value === INITIAL[p]), 15_000);
    if (rng.chance(0.4)) openPage();

    const n = rng.range(5, 10);
    for (let s = 0; s < n; s++) {
      const r = stepRng(seed, s);
      const kind = r.weighted(WEIGHTS);
      const prop = PROPS[r.int(PROPS.length)]!;
      steps.push(kind);
      trace(`step ${s + 1}/${n}: ${kind}`);
      switch (kind) {
        case 'drop':
          proxy.drop();
          break;
        case 'cut':
          cut();
          break;
        case 'heal':
          proxy.pass();
          break;
        case 'restart-broker':
          await stack.restartBroker();
          break;
        case 'panel-offline': {
          cut();
          await sleep(150);
          const v = fresh(r, prop);
          trace(`panel ${prop} = ${v}: ${stack.setFromPanel(DEVICE, prop, v).ok ? 'ok' : 'refused'}`);
          break;
        }
        case 'edit':
          await doEdit(anyPage(r), prop, fresh(r, prop), kind);
          break;
        case 'offline-edit':
          cut();
          await sleep(r.int(100));
          await doEdit(anyPage(r), prop, fresh(r, prop), kind);
          break;
        case 'incident': {
          cut();
          await sleep(150);
          const page = anyPage(r);
          const p = fresh(r, prop);
          const v = fresh(r, prop);
          if (r.chance(0.5)) {
            await doEdit(page, prop, v, kind);
            trace(`panel ${prop} = ${p}: ${stack.setFromPanel(DEVICE, prop, p).ok ? 'ok' : 'refused'}`);
          } else {
            trace(`panel ${prop} = ${p}: ${stack.setFromPanel(DEVICE, prop, p).ok ? 'ok' : 'refused'}`);
            await doEdit(page, prop, v, kind);
          }
          if (r.chance(0.5)) {
            if (r.chance(0.5)) for (const pg of [...pages]) closePage(pg, 'the operator left');
            await sleep(r.int(200));
            proxy.pass();
          }
          break;
        }
        case 'open-page':
          if (pages.length < 3) openPage();
          break;
        case 'close-page':
          if (pages.length > 0) closePage(pages[r.int(pages.length)]!, 'closed');
          break;
        case 'close-all':
          for (const pg of [...pages]) closePage(pg, 'every page closed');
          break;
        case 'kill':
          kill('stopped');
          break;
        case 'kill-sending': {
          proxy.pass();
          const when = (['before', 'after', 'puback'] as const)[r.int(3)]!;
          let fired = false;
          publishHook = {
            when,
            fire: () => {
              fired = true;
              kill(`stopped ${when} a set's publish`);
            },
          };
          await doEdit(anyPage(r), prop, fresh(r, prop), `${kind} ${when}`);
          await waitFor('the hook', () => fired, 2500).catch(() => trace('no set was published within 2.5 s; hook disarmed'));
          publishHook = null;
          break;
        }
        case 'kill-no-page':
          cut();
          await doEdit(anyPage(r), prop, fresh(r, prop), kind);
          for (const pg of [...pages]) closePage(pg, 'every page closed');
          await sleep(r.int(100));
          kill('stopped with no page open; the wake alarm restarts it');
          if (r.chance(0.7)) proxy.pass();
          break;
      }
      await sleep(r.chance(0.3) ? r.int(30) : r.range(50, 400));
    }

    // ---- heal and settle: nothing outstanding (a worker wakes for outstanding entries by itself) ----
    publishHook = null;
    proxy.pass();
    trace('heal');
    await waitFor('the device', () => device.connected, 15_000);
    const deadline = Date.now() + SETTLE_DEADLINE_MS;
    let quietSince: number | null = null;
    let settled = false;
    while (Date.now() < deadline) {
      const rows = await checker.outbox.toArray();
      const busy = rows.some((row) => OUTSTANDING.includes(row.state)) || terminating !== null;
      if (busy) quietSince = null;
      else if ((quietSince ??= Date.now()) && Date.now() - quietSince > 400) {
        settled = true;
        break;
      }
      await sleep(50);
    }
    trace(settled ? 'settled' : 'did not settle');
    if (!settled) {
      const host = (worker as Supervisor | null)?.current;
      const c = host?.connectionStatus;
      trace(`host: ${host ? JSON.stringify(host.status()) : 'none'}; connection ${c?.status ?? '-'}; pages ${pages.length} (${pages.map((p) => `${p.id}: ${p.connection?.status ?? '-'}`).join(', ')})`);
      for (const l of c?.log.slice(-12) ?? []) trace(`  connection log: ${l.message}`);
      for (const row of await checker.outbox.toArray()) trace(`  row ${row.propertyId} = ${String(row.desired)} ${row.state} base ${JSON.stringify(row.base)} reason ${JSON.stringify(row.reason ?? null)}`);
    }
    await stack.broker.settle();
    await sleep(delay + 50);

    // ---- check ----
    const rows = await checker.outbox.toArray();
    const byDesired = new Map(rows.map((row) => [`${row.propertyId}=${String(row.desired)}`, row]));
    const arrivedTimes = new Map<string, number>();
    for (const a of arrivals) {
      const key = `${a.prop}=${a.payload}`;
      arrivedTimes.set(key, (arrivedTimes.get(key) ?? 0) + 1);
      const row = byDesired.get(key);
      if (!row) continue;
      if (row.sentAnywayBy === undefined && row.base.value !== null && String(row.base.value) !== String(a.before)) {
        violations['stale-base'].push(`${a.prop} = ${a.payload} reached the device while it showed ${String(a.before)}; the operator saw ${String(row.base.value)} (entry ${row.cmdId.slice(0, 8)}, ${row.state})`);
      }
    }
    for (const [key, times] of arrivedTimes) if (times > 1) violations['applied-twice'].push(`${key} reached the device ${times} times`);
    for (const row of rows) if (OUTSTANDING.includes(row.state)) violations['not-ended'].push(`${row.propertyId} = ${String(row.desired)} is still ${row.state}`);
    const cmdIds = new Set(rows.map((row) => row.cmdId));
    for (const e of edits) {
      const r = e.result;
      if (r && r.action !== 'noop' && !cmdIds.has(r.entry.cmdId)) violations.vanished.push(`edit #${e.n} ${e.prop} → ${e.desired} (${r.action} ${r.entry.cmdId.slice(0, 8)}) is not in the outbox`);
    }
    if (!settled && violations['not-ended'].length === 0) violations['not-ended'].push('the round did not settle');
    // The workers' own account (what the extension keeps in storage.local), for the trace.
    for (const e of (platform.store.get('lifecycle') as { at: number; event: string }[] | undefined) ?? []) lines.push(`      worker log +${e.at - t0}ms ${e.event}`);
    lines.push(`      wake alarm at the end: ${JSON.stringify(await platform.alarms.get('holdfast-wake'))}`);
    return { broker, seed, steps, edits: edits.length, ms: Date.now() - t0, violations, lines };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    trace(`round error: ${error}`);
    return { broker, seed, steps, edits: edits.length, ms: Date.now() - t0, violations, error, lines };
  } finally {
    publishHook = null;
    for (const pg of [...pages]) closePage(pg, 'end of round');
    runtime.wake = null;
    platform.onAlarm = null;
    platform.dispose();
    kill('end of round');
    await terminating;
    checker?.close();
    await sleep(30);
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      const req = indexedDB.deleteDatabase(dbName);
      req.onsuccess = req.onerror = () => {
        clearTimeout(t);
        resolve();
      };
    });
    traceSink = null;
  }
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

interface Args {
  rounds: number;
  seed: number;
  brokers: BrokerKind[];
  verbose: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { rounds: CI_ROUNDS, seed: Math.floor(Math.random() * 1_000_000), brokers: [...BROKER_KINDS], verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--ci') args.rounds = CI_ROUNDS;
    else if (a === '--rounds') args.rounds = Number(value());
    else if (a === '--seed') args.seed = Number(value());
    else if (a === '--broker') args.brokers = value().split(',') as BrokerKind[];
    else if (a === '--verbose' || a === '-v') args.verbose = true;
    else throw new Error(`unknown option ${a} (see the comment at the top of test/chaos/extension-host.ts)`);
  }
  if (!Number.isInteger(args.rounds) || args.rounds < 1) throw new Error('--rounds must be a whole number of at least 1');
  if (args.brokers.some((b) => !BROKER_KINDS.includes(b))) throw new Error(`--broker takes ${BROKER_KINDS.join(', ')}`);
  return args;
}

async function runBroker(broker: BrokerKind, seeds: readonly number[], args: Args, report: (r: RoundReport) => void): Promise<void> {
  const arrivals: Arrival[] = [];
  let delay = 0;
  const stack = await startStack({ broker, brokerPort: 0, controlPort: 0, extraDevices: false, temperatureIntervalMs: 3_600_000 });
  // The device's truth: each set as it arrives, with the value it had then; acted on after the round's delay.
  const vp4 = stack.devices.get(DEVICE)!;
  const inner = vp4 as unknown as { onMessage(topic: string, payload: string, retained: boolean): void };
  const onMessage = inner.onMessage.bind(vp4);
  inner.onMessage = (topic, payload, retained) => {
    const m = /^homie\/5\/vp4\/(.+)\/set$/.exec(topic);
    if (m?.[1]) arrivals.push({ at: Date.now(), prop: m[1], payload, before: vp4.snapshot()[m[1]] });
    if (delay === 0) onMessage(topic, payload, retained);
    else setTimeout(() => onMessage(topic, payload, retained), delay);
  };
  const target = new URL(stack.brokerWsUrl);
  const proxy = await startFaultProxy({ targetHost: target.hostname, targetPort: Number(target.port) });
  try {
    for (const [i, seed] of seeds.entries()) report(await runRound(stack, proxy, arrivals, broker, seed, i, (ms) => (delay = ms)));
  } finally {
    await proxy.close();
    await stack.stop();
  }
  void args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  installPublishHook();
  captureConsole();
  const unhandled = new Map<string, number>();
  process.on('unhandledRejection', (reason) => {
    // Mostly work of a page or worker that was just closed (its database is gone): counted, not a violation.
    const text = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
    unhandled.set(text, (unhandled.get(text) ?? 0) + 1);
  });
  const brokerFor = (seed: number): BrokerKind => (args.brokers.length === 1 ? args.brokers[0]! : BROKER_KINDS[seed % BROKER_KINDS.length]!);
  const seeds = Array.from({ length: args.rounds }, (_, i) => args.seed + i);
  const started = Date.now();
  process.stdout.write(`holdfast extension-host chaos: ${args.rounds} round(s) from seed ${args.seed} on ${args.brokers.join(' and ')}\n`);
  const reports: RoundReport[] = [];
  const failed = (r: RoundReport): boolean => r.error !== undefined || CATEGORIES.some((c) => r.violations[c].length > 0);
  for (const broker of args.brokers) {
    const mine = seeds.filter((s) => brokerFor(s) === broker);
    if (mine.length === 0) continue;
    await runBroker(broker, mine, args, (r) => {
      reports.push(r);
      const bad = failed(r);
      process.stdout.write(`  ${r.broker.padEnd(9)} seed ${r.seed}: ${bad ? 'FAIL' : 'ok  '} ${(r.ms / 1000).toFixed(1)} s, ${r.edits} edits; ${r.steps.join(' ')}\n`);
      if (bad || args.verbose) for (const l of r.lines) process.stdout.write(`      ${l}\n`);
      if (r.error) process.stdout.write(`    ERROR: ${r.error}\n`);
      for (const c of CATEGORIES) for (const m of r.violations[c]) process.stdout.write(`    VIOLATION ${CATEGORY_TEXT[c]}: ${m}\n`);
      if (bad) process.stdout.write(`    replay: npm run chaos:extension -- --seed ${r.seed} --rounds 1 --broker ${r.broker}\n`);
    });
  }
  process.stdout.write(`\nrounds: ${reports.length}, seeds ${args.seed}..${args.seed + args.rounds - 1}, ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`edits: ${reports.reduce((n, r) => n + r.edits, 0)}\nviolations:\n`);
  for (const c of CATEGORIES) process.stdout.write(`  ${CATEGORY_TEXT[c].padEnd(42)} ${reports.reduce((n, r) => n + r.violations[c].length, 0)}\n`);
  const errors = reports.filter((r) => r.error !== undefined).length;
  if (errors > 0) process.stdout.write(`  ${'rounds that could not run'.padEnd(42)} ${errors}\n`);
  if (unhandled.size > 0) {
    process.stdout.write('unhandled rejections (counted, not violations):\n');
    for (const [k, n] of unhandled) process.stdout.write(`  ${n}× ${k}\n`);
  }
  const bad = reports.filter(failed);
  if (reports.length !== args.rounds || bad.length > 0) {
    process.stdout.write(`\nFAILED: ${bad.length} round(s)\n`);
    return 1;
  }
  process.stdout.write('\nOK\n');
  return 0;
}

runMain(main);
