// npm run chaos — randomized fault rounds against the real console engine
// (Console → client → EngineHost → OutboxEngine → mqtt.js, in Node with fake-indexeddb).
//
//   npm run chaos                             CI default: 60 rounds, both brokers, a random base seed
//   npm run chaos -- --ci                     the same, explicitly
//   npm run chaos -- --rounds 1000            a long local run
//   npm run chaos -- --seed 1234 --rounds 1   replay one round (a failing round prints this line)
//   npm run chaos -- --broker aedes           one broker only (also HOLDFAST_BROKERS=aedes)
//   npm run chaos -- --jobs 4                 worker processes (default: one per broker)
//   npm run chaos -- --verbose                print every round's trace, not only failing ones
//   npm run chaos -- --only edit,drop         draw steps only from these kinds (focused runs)
//   npm run chaos -- --device-faults          also cut the device's own connection (not in the default set)
//   npm run chaos -- --strict-dispose         closing a tab = Hub.dispose() only (see round.ts)
//   npm run chaos -- --sabotage stale-base    break the console on purpose, to see a check fail (sabotage.ts)
//
// Seeds: round seeds are consecutive from the base seed (--seed, else random
// and printed). A round runs on aedes when its seed is even and on Mosquitto
// when it is odd (with one broker selected, on that one), so `--seed <n>
// --rounds 1` replays round n's schedule on its broker. Timing is real, so a
// replay repeats the schedule, not every interleaving.
//
// A round: a fresh console database with 1–3 "tabs" (Console instances in one
// process sharing it; one leader at a time through an in-process Web Locks
// polyfill that, like a browser, releases a tab's locks when it closes;
// followers over BroadcastChannel), the simulated VP4 acting on sets at once
// or after 15–150 ms, then 4–9 steps drawn from:
//   network   drop the connection, go offline, stall it (sometimes past the
//             heartbeat), heal it, restart the broker
//   device    change it at its front panel
//   edits     online, offline, a quick burst (coalescing), back to the base
//             (cancelling), two tabs at once, a panel change a few ms away,
//             the incident (offline, panel change, edit from the old value)
//   tabs      reload, close or open one; close the leader tab while an edit
//             is sending (before, right after, or on the PUBACK of its
//             publish); drop the connection at those same moments
// The console reaches the broker through test/support/fault-proxy.ts; the
// device does not. Then the network heals, the round waits until no entry is
// queued or in flight (a leader connected, the device up), and checks the
// invariants (checks.ts):
//   1 no set published on a stale base   2 no edit applied twice
//   3 every edit ended, visibly          4 nothing pending vanished
// It prints the rounds run and the count of each violation, and exits 1 on
// any violation or a round that could not run. Rounds in one process run one
// after another (tabs share the lock and channel names); --jobs runs several
// processes, each with its own broker, devices and fault proxy.

import './setup.js';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { startStack, BROKER_KINDS, type BrokerKind, type Stack } from '../../sim/stack.js';
import { parseBrokers } from '../support/brokers.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { CATEGORIES, CATEGORY_TEXT, type Category, type Findings } from './checks.js';
import { decodeSet, installConsoleSpy, onConsolePublish, parseDeviceLine, runningConnections, type BrokerSet, type DeviceChange } from './observe.js';
import type { MqttSimDevice } from '../../sim/sim-base.js';
import { CHAOS_DEVICES } from './devices.js';
import { runRound, STEP_KINDS, type StepKind } from './round.js';
import { sabotage, SABOTAGE_KINDS, type SabotageKind } from './sabotage.js';
import { locks } from './web-locks.js';
import { runMain } from './cli.js';

interface Args {
  rounds: number;
  seed: number;
  brokers: BrokerKind[];
  brokerFlag: boolean;
  jobs: number | null;
  verbose: boolean;
  /** Internal: run these seeds on `brokers[0]` and report JSON lines to the parent. */
  worker: number[] | null;
  sabotage: SabotageKind | null;
  strictDispose: boolean;
  deviceFaults: boolean;
  only: StepKind[] | null;
}

const CI_ROUNDS = 60;
const REPORT = '@@chaos ';

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    rounds: CI_ROUNDS,
    seed: Math.floor(Math.random() * 1_000_000),
    brokers: parseBrokers(process.env['HOLDFAST_BROKERS']),
    brokerFlag: false,
    jobs: null,
    verbose: false,
    worker: null,
    sabotage: null,
    strictDispose: false,
    deviceFaults: false,
    only: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (v: string): number => {
      if (!/^\d+$/.test(v)) throw new Error(`${a} needs a whole number, not "${v}"`);
      return Number(v);
    };
    if (a === '--ci') args.rounds = CI_ROUNDS;
    else if (a === '--rounds') args.rounds = int(value());
    else if (a === '--seed') args.seed = int(value());
    else if (a === '--broker') {
      args.brokers = parseBrokers(value());
      args.brokerFlag = true;
    } else if (a === '--jobs') args.jobs = int(value());
    else if (a === '--verbose' || a === '-v') args.verbose = true;
    else if (a === '--strict-dispose') args.strictDispose = true;
    else if (a === '--device-faults') args.deviceFaults = true;
    else if (a === '--only') {
      const kinds = value().split(',');
      const unknown = kinds.filter((k) => !(STEP_KINDS as string[]).includes(k));
      if (unknown.length > 0) throw new Error(`--only: unknown step ${unknown.join(', ')}; steps are ${STEP_KINDS.join(', ')}`);
      args.only = kinds as StepKind[];
    }
    else if (a === '--worker') args.worker = value().split(',').map(int);
    else if (a === '--sabotage') {
      const kind = value();
      if (!(SABOTAGE_KINDS as readonly string[]).includes(kind)) throw new Error(`--sabotage takes one of ${SABOTAGE_KINDS.join(', ')}`);
      args.sabotage = kind as SabotageKind;
    }
    else throw new Error(`unknown option ${a} (see the comment at the top of test/chaos/run.ts)`);
  }
  if (args.rounds < 1) throw new Error('--rounds must be at least 1');
  if (args.jobs !== null && args.jobs < 1) throw new Error('--jobs must be at least 1');
  return args;
}

function brokerFor(seed: number, brokers: readonly BrokerKind[]): BrokerKind {
  return brokers.length === 1 ? brokers[0]! : BROKER_KINDS[seed % BROKER_KINDS.length]!;
}

/** One round's result as reported by whoever ran it. */
interface Report {
  readonly broker: BrokerKind;
  readonly seed: number;
  readonly findings: Findings;
  readonly steps: readonly string[];
  readonly edits: number;
  readonly durationMs: number;
  readonly error?: string;
  /** The trace, for failing rounds (and every round with --verbose). */
  readonly lines: readonly string[];
  readonly unhandled: Readonly<Record<string, number>>;
}

const failed = (r: Report): boolean => r.error !== undefined || CATEGORIES.some((c) => r.findings.violations[c].length > 0);

// ---------------------------------------------------------------------------
// Running rounds in this process
// ---------------------------------------------------------------------------

let traceSink: ((line: string) => void) | null = null;
let roundStart = Date.now();
const trace = (line: string): void => traceSink?.(`+${Date.now() - roundStart}ms ${line}`);
let unhandledInRound: Record<string, number> = {};

/** The engine's console output (interrupted publishes and the like) goes into the round's trace. */
function captureConsole(): void {
  for (const level of ['warn', 'error'] as const) {
    const original = console[level].bind(console);
    console[level] = (...parts: unknown[]) => {
      if (!traceSink) {
        original(...parts);
        return;
      }
      trace(`console.${level}: ${parts.map((p) => (p instanceof Error ? `${p.name}: ${p.message}` : typeof p === 'string' ? p : JSON.stringify(p))).join(' ')}`);
    };
  }
  process.on('unhandledRejection', (reason) => {
    // Mostly work of a tab that was just closed (its database is gone): counted, not a violation.
    const text = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
    unhandledInRound[text] = (unhandledInRound[text] ?? 0) + 1;
    trace(`unhandled rejection: ${text}`);
  });
}

async function runBroker(broker: BrokerKind, seeds: readonly number[], args: Args, report: (r: Report) => void): Promise<void> {
  const verbose = args.verbose;
  installConsoleSpy();
  if (args.sabotage) sabotage(args.sabotage);
  onConsolePublish((p) => trace(`console publishes ${p.topic} = ${p.payload} (cmd ${p.cmdId.slice(0, 8)}, base ${p.base ?? '?'})`));
  const deviceChanges: DeviceChange[] = [];
  const brokerSets: BrokerSet[] = [];
  let stackRef: Stack | null = null;
  const stack: Stack = await startStack({
    broker,
    brokerPort: 0,
    controlPort: 0,
    // The bulb (Zigbee2MQTT, state not retained) is among the other conventions' devices.
    extraDevices: true,
    temperatureIntervalMs: 3_600_000,
    log: (line) => {
      for (const d of CHAOS_DEVICES) {
        const sim = (stackRef?.devices.get(d.simId) ?? stackRef?.extraDevices.get(d.simId)) as MqttSimDevice | undefined;
        const change = parseDeviceLine(line, d, Date.now(), sim?.connected ?? false);
        if (!change) continue;
        deviceChanges.push(change);
        trace(`device ${d.simId} ${change.prop} = ${String(change.value)} (${change.source === 'panel' ? 'front panel' : 'applied a set'}${change.online ? '' : ', device offline'})`);
      }
    },
  });
  stackRef = stack;
  // The device's set handler, slowed down per round (round.ts picks the delay).
  let deviceDelay = 0;
  for (const d of CHAOS_DEVICES) {
    const sim = (stack.devices.get(d.simId) ?? stack.extraDevices.get(d.simId)) as unknown as { onMessage(topic: string, payload: string, retained: boolean): void } | undefined;
    if (!sim) throw new Error(`the stack has no ${d.simId}`);
    const onMessage = sim.onMessage.bind(sim);
    sim.onMessage = (topic, payload, retained) => {
      if (deviceDelay === 0) onMessage(topic, payload, retained);
      else setTimeout(() => onMessage(topic, payload, retained), deviceDelay);
    };
  }
  const offPublish = stack.broker.onPublish((p) => {
    if (/^homie\/5\/vp4\/genlock\/phase-[hv]$/.test(p.topic) || p.topic === CHAOS_DEVICES[1]!.statusTopic('')) trace(`broker routed status ${p.topic} = ${p.payload}${p.retain ? ' (retained)' : ''}`);
    const set = decodeSet(p.topic, p.payload);
    if (!set) return;
    const up = p.userProperties ?? {};
    const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
    brokerSets.push({ at: p.at, topic: p.topic, payload: p.payload, cmdId: one(up['holdfast-cmd-id']), base: one(up['holdfast-base']), prop: set.prop, value: set.value });
    trace(`broker routed ${p.topic} = ${p.payload}`);
  });
  const target = new URL(stack.brokerWsUrl);
  const proxy: FaultProxy = await startFaultProxy({ targetHost: target.hostname, targetPort: Number(target.port) });
  try {
    for (const [i, seed] of seeds.entries()) {
      const lines: string[] = [];
      traceSink = (line) => lines.push(line);
      unhandledInRound = {};
      roundStart = Date.now();
      const env = { stack, proxy, deviceChanges, brokerSets, trace, roundStarted: (at: number) => (roundStart = at), strictDispose: args.strictDispose, deviceFaults: args.deviceFaults, only: args.only, setDeviceDelay: (ms: number) => (deviceDelay = ms) };
      const orphans = locks.orphaned();
      const connections = runningConnections();
      const o = await runRound(env, seed, i);
      traceSink = null;
      const leaked = locks.orphaned() - orphans;
      if (leaked > 0) o.findings.info['leader locks a closed tab never released itself'] = leaked;
      const zombies = runningConnections() - connections;
      if (zombies > 0) o.findings.info['broker connections left running by closed tabs'] = zombies;
      const r: Report = { broker, seed, findings: o.findings, steps: o.steps, edits: o.edits, durationMs: o.durationMs, ...(o.error !== undefined ? { error: o.error } : {}), lines: [], unhandled: unhandledInRound };
      report({ ...r, lines: verbose || failed(r) ? lines : [] });
    }
  } finally {
    offPublish();
    await proxy.close();
    await stack.stop();
  }
}

// ---------------------------------------------------------------------------
// Worker processes
// ---------------------------------------------------------------------------

function runWorker(broker: BrokerKind, seeds: readonly number[], args: Args, onReport: (r: Report) => void): Promise<void> {
  const argv = [
    ...process.execArgv,
    process.argv[1]!,
    '--worker',
    seeds.join(','),
    '--broker',
    broker,
    ...(args.verbose ? ['--verbose'] : []),
    ...(args.sabotage ? ['--sabotage', args.sabotage] : []),
    ...(args.strictDispose ? ['--strict-dispose'] : []),
    ...(args.deviceFaults ? ['--device-faults'] : []),
    ...(args.only ? ['--only', args.only.join(',')] : []),
  ];
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    if (line.startsWith(REPORT)) onReport(JSON.parse(line.slice(REPORT.length)) as Report);
    else if (line.trim()) process.stdout.write(`[${broker} worker] ${line}\n`);
  });
  return new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`the ${broker} worker exited with ${signal ?? `code ${String(code)}`}`));
    });
  });
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  captureConsole();
  if (args.worker) {
    await runBroker(args.brokers[0]!, args.worker, args, (r) => process.stdout.write(`${REPORT}${JSON.stringify(r)}\n`));
    return 0;
  }

  const seeds = Array.from({ length: args.rounds }, (_, i) => args.seed + i);
  const byBroker = new Map<BrokerKind, number[]>();
  for (const s of seeds) {
    const b = brokerFor(s, args.brokers);
    byBroker.set(b, [...(byBroker.get(b) ?? []), s]);
  }
  const jobs = Math.min(args.jobs ?? byBroker.size, args.rounds);
  const replayHint = (seed: number): string =>
    `npm run chaos -- --seed ${seed} --rounds 1${args.brokerFlag || args.brokers.length === 1 ? ` --broker ${brokerFor(seed, args.brokers)}` : ''}${args.strictDispose ? ' --strict-dispose' : ''}${args.deviceFaults ? ' --device-faults' : ''}${args.only ? ` --only ${args.only.join(',')}` : ''}${args.sabotage ? ` --sabotage ${args.sabotage}` : ''}`;

  const started = Date.now();
  process.stdout.write(`holdfast chaos: ${args.rounds} round(s) from seed ${args.seed} on ${[...byBroker.keys()].join(' and ')}, ${jobs} process(es)\n`);
  if (args.sabotage) process.stdout.write(`SABOTAGED (${args.sabotage}): this run is meant to fail\n`);
  const reports: Report[] = [];
  const perBroker = new Map<BrokerKind, number>();
  const onReport = (r: Report): void => {
    reports.push(r);
    const n = (perBroker.get(r.broker) ?? 0) + 1;
    perBroker.set(r.broker, n);
    const bad = failed(r);
    process.stdout.write(
      `  ${r.broker.padEnd(9)} ${String(n).padStart(4)}/${byBroker.get(r.broker)!.length} seed ${r.seed}: ${bad ? 'FAIL' : 'ok  '} ${(r.durationMs / 1000).toFixed(1)} s, ${r.edits} edits; ${r.steps.join(' ')}\n`,
    );
    for (const l of r.lines) process.stdout.write(`      ${l}\n`);
    if (r.error) process.stdout.write(`    ERROR: ${r.error}\n`);
    for (const c of CATEGORIES) for (const m of r.findings.violations[c]) process.stdout.write(`    VIOLATION ${CATEGORY_TEXT[c]}: ${m}\n`);
    if (bad || args.verbose) for (const note of r.findings.notes) process.stdout.write(`    note: ${note}\n`);
    if (bad) process.stdout.write(`    replay: ${replayHint(r.seed)}\n`);
  };

  if (jobs <= 1) {
    for (const [broker, brokerSeeds] of byBroker) await runBroker(broker, brokerSeeds, args, onReport);
  } else {
    // Share the processes among the brokers by their number of rounds, at least one each.
    const work: Array<[BrokerKind, number[]]> = [];
    const kinds = [...byBroker.keys()];
    const share = new Map(kinds.map((k) => [k, 1]));
    for (let extra = jobs - kinds.length; extra > 0; extra--) {
      const k = kinds.reduce((a, b) => (byBroker.get(a)!.length / share.get(a)! >= byBroker.get(b)!.length / share.get(b)! ? a : b));
      share.set(k, share.get(k)! + 1);
    }
    for (const [k, list] of byBroker) {
      const n = share.get(k)!;
      for (let j = 0; j < n; j++) {
        const part = list.filter((_, i) => i % n === j);
        if (part.length > 0) work.push([k, part]);
      }
    }
    await Promise.all(work.map(([k, list]) => runWorker(k, list, args, onReport)));
  }

  const totals = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  const info = new Map<string, number>();
  const unhandled = new Map<string, number>();
  for (const r of reports) {
    for (const c of CATEGORIES) totals[c] += r.findings.violations[c].length;
    for (const [k, n] of Object.entries(r.findings.info)) info.set(k, (info.get(k) ?? 0) + n);
    for (const [k, n] of Object.entries(r.unhandled)) unhandled.set(k, (unhandled.get(k) ?? 0) + n);
  }
  const errors = reports.filter((r) => r.error !== undefined).length;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`\nrounds: ${reports.length} (${[...byBroker].map(([b, s]) => `${b} ${s.length}`).join(', ')}), seeds ${args.seed}..${args.seed + args.rounds - 1}, ${seconds} s\n`);
  process.stdout.write(`edits: ${reports.reduce((n, r) => n + r.edits, 0)}\n`);
  process.stdout.write('violations:\n');
  for (const c of CATEGORIES) process.stdout.write(`  ${CATEGORY_TEXT[c].padEnd(46)} ${totals[c]}\n`);
  if (errors > 0) process.stdout.write(`  ${'rounds that could not run'.padEnd(46)} ${errors}\n`);
  process.stdout.write('counted (allowed):\n');
  for (const [k, n] of [...info].sort(([a], [b]) => a.localeCompare(b))) process.stdout.write(`  ${k.padEnd(46)} ${n}\n`);
  if (unhandled.size > 0) {
    process.stdout.write('unhandled rejections (counted, not violations):\n');
    for (const [k, n] of unhandled) process.stdout.write(`  ${n}× ${k}\n`);
  }
  const bad = reports.filter(failed).map((r) => r.seed);
  if (reports.length !== args.rounds) {
    process.stdout.write(`\nFAILED: only ${reports.length} of ${args.rounds} rounds reported\n`);
    return 1;
  }
  if (bad.length > 0) {
    process.stdout.write(`\nFAILED: ${bad.length} round(s); replay with:\n`);
    for (const s of bad.slice(0, 20)) process.stdout.write(`  ${replayHint(s)}\n`);
    return 1;
  }
  process.stdout.write('\nOK\n');
  return 0;
}

runMain(main);
