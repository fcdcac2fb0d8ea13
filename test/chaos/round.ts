// One chaos round: a fresh console database, 1–3 tabs (Hub instances sharing
// it), a seeded schedule of faults and edits, then heal, settle and check.

import { NodeConsole } from '../support/node-console.js';
import { HoldfastDb } from '../../src/store/db.js';
import type { OutboxEntry, OutboxState } from '../../src/model/types.js';
import type { Stack } from '../../sim/stack.js';
import type { FaultProxy } from '../support/fault-proxy.js';
import type { MqttSimDevice } from '../../sim/sim-base.js';
import { CHAOS_DEVICES, type ChaosDevice } from './devices.js';
import { checkRound, type EditRecord, type Findings, type TabView } from './checks.js';
import { armPublishHook, disarmPublishHook, nextSeq, takeConsolePublishes, type BrokerSet, type DeviceChange, type Value } from './observe.js';
import { Prng, stepRng } from './prng.js';
import { lockOwner, locks } from './web-locks.js';


const HOST_OPTIONS = {
  engine: { quietMs: 300, echoDeadlineMs: 1500 },
  connection: { backoffInitialMs: 50, backoffMaxMs: 300, heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 800, probeIntervalMs: 200 },
} as const;
const MAX_TABS = 4;
const SETTLE_DEADLINE_MS = 25_000;

export type StepKind =
  | 'drop'
  | 'offline'
  | 'stall'
  | 'heal'
  | 'restart-broker'
  | 'panel'
  | 'edit'
  | 'offline-edit'
  | 'edit-burst'
  | 'edit-back'
  | 'edit-race'
  | 'incident'
  | 'device-blip'
  | 'edit-vs-panel'
  | 'reload-tab'
  | 'close-tab'
  | 'open-tab'
  | 'close-leader-sending'
  | 'drop-while-sending';

const STEP_WEIGHTS: Readonly<Record<StepKind, number>> = {
  drop: 2,
  offline: 2,
  stall: 1.5,
  heal: 2,
  'restart-broker': 0.8,
  panel: 2.5,
  edit: 4,
  'offline-edit': 2.5,
  'edit-burst': 1.5,
  'edit-back': 1.2,
  'edit-race': 1,
  incident: 1.5,
  // Only with --device-faults (see run.ts).
  'device-blip': 0,
  'edit-vs-panel': 0.7,
  'reload-tab': 1.5,
  'close-tab': 1,
  'open-tab': 1,
  'close-leader-sending': 1.5,
  'drop-while-sending': 1,
};

export const STEP_KINDS = Object.keys(STEP_WEIGHTS) as StepKind[];

function stepWeights(env: RoundEnv): Readonly<Record<StepKind, number>> {
  const weights: Record<StepKind, number> = { ...STEP_WEIGHTS, 'device-blip': env.deviceFaults ? 1.5 : 0 };
  if (env.only) for (const k of STEP_KINDS) if (!env.only.includes(k)) weights[k] = 0;
  return weights;
}

/** What the runner shares with every round. */
export interface RoundEnv {
  readonly stack: Stack;
  readonly proxy: FaultProxy;
  /** Filled by the runner from the device's log and the broker's spy; the round clears them. */
  readonly deviceChanges: DeviceChange[];
  readonly brokerSets: BrokerSet[];
  readonly trace: (line: string) => void;
  /** The round's clock starts (trace lines are relative to it). */
  readonly roundStarted: (at: number) => void;
  /**
   * Closing a tab relies on Hub.dispose() alone to release its leader lock
   * (in-page disposal), instead of releasing the tab's locks as a browser
   * does when a document goes away.
   */
  readonly strictDispose: boolean;
  /** Also drop the device's own connection now and then (not one of the issue's faults). */
  readonly deviceFaults: boolean;
  /** Draw steps only from these kinds (focused runs); null for all. */
  readonly only: readonly StepKind[] | null;
  /** How long the device takes to act on a set it received (real hardware is not instant). */
  readonly setDeviceDelay: (ms: number) => void;
}

export interface RoundOutcome {
  readonly seed: number;
  readonly findings: Findings;
  readonly steps: readonly StepKind[];
  readonly edits: number;
  readonly durationMs: number;
  /** The round could not be run (e.g. a tab never got a leader): also a failure. */
  readonly error?: string;
}

interface Tab {
  readonly id: number;
  readonly hub: NodeConsole;
  alive: boolean;
}

const roleOf = (tab: Tab): string => tab.hub.console.coordinator.role.get().role;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number, pollMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}

export async function runRound(env: RoundEnv, seed: number, roundIndex: number): Promise<RoundOutcome> {
  const t0 = Date.now();
  const { stack, proxy } = env;
  const rng = new Prng(seed);
  // Every other round operates the bulb, whose state is not retained (the console must ask it after a reconnect).
  const chaos: ChaosDevice = CHAOS_DEVICES[rng.int(CHAOS_DEVICES.length)]!;
  const DEVICE = chaos.simId;
  const VP4 = chaos.holdfastId;
  const PROPS = chaos.props;
  const INITIAL = chaos.initial;
  const device = (stack.devices.get(DEVICE) ?? stack.extraDevices.get(DEVICE)) as MqttSimDevice | undefined;
  if (!device) throw new Error(`the stack has no ${DEVICE}`);
  const shownValue = (tab: Tab, prop: string): Value | undefined => tab.hub.state.devices.get(VP4)?.values.get(prop)?.value;
  const dbName = `holdfast-chaos-${process.pid}-${roundIndex}-${seed}`;
  const tabs: Tab[] = [];
  let nextTab = 0;
  const edits: EditRecord[] = [];
  const steps: StepKind[] = [];
  const used = new Map<string, Set<number>>();
  let startedAt = Date.now();
  const trace = env.trace;
  const during: Record<'vanished', string[]> = { vanished: [] };
  let checker: HoldfastDb | null = null;

  // ---- a clean start: network up, device up and back on its initial values, records empty ----
  disarmPublishHook();
  const leftOver = locks.heldNames();
  if (leftOver.length > 0) {
    // Only possible with strictDispose: a closed tab of an earlier round still holds the leader lock.
    locks.reset();
    const error = `an earlier round's closed tab still held ${leftOver.join(', ')} (released now)`;
    trace(error);
    return { seed, findings: { violations: { 'stale-base': [], 'applied-twice': [], 'not-ended': [], vanished: [], unexplained: [] }, info: {}, notes: [] }, steps, edits: 0, durationMs: 0, error };
  }
  proxy.pass();
  await waitFor('the device to be connected', () => device.connected, 15_000);
  for (const p of PROPS) if (device.snapshot()[p] !== INITIAL[p]) stack.setFromPanel(DEVICE, p, INITIAL[p]!);
  await stack.broker.settle();
  await sleep(20);
  env.deviceChanges.length = 0;
  env.brokerSets.length = 0;
  stack.broker.publishes.length = 0;
  takeConsolePublishes();
  startedAt = Date.now();
  env.roundStarted(startedAt);
  // This round's device: instant, or slow to act on a set (so a set can be routed and not yet applied when things break).
  const deviceDelay = [0, 0, 15, 60, 150][rng.int(5)]!;
  env.setDeviceDelay(deviceDelay);
  trace(`device acts on sets after ${deviceDelay} ms`);
  const initial: Record<string, Value> = {};
  for (const p of PROPS) {
    initial[p] = device.snapshot()[p]!;
    used.set(p, new Set([INITIAL[p]!]));
  }

  const ownerOf = (tab: Tab): string => `${dbName}/tab-${tab.id}`;
  const alive = (): Tab[] => tabs.filter((t) => t.alive);
  const leaderTab = (): Tab | undefined => alive().find((t) => roleOf(t) === 'leader');
  const leaderOpen = (): Tab | undefined => {
    const l = leaderTab();
    return l && l.hub.state.connection?.status === 'open' ? l : undefined;
  };

  const openTab = (): Tab => {
    const hub = new NodeConsole({ dbName, host: HOST_OPTIONS, locks });
    const tab: Tab = { id: ++nextTab, hub, alive: true };
    tabs.push(tab);
    // Its lock requests belong to this tab, so closing it releases them (as closing a browser tab does).
    lockOwner
      .run(ownerOf(tab), () => hub.start({ defaultBrokerUrl: proxy.url('/') }))
      .catch((err: unknown) => {
        if (tab.alive) trace(`tab ${tab.id} failed to start: ${String(err)}`);
      });
    trace(`tab ${tab.id} opened`);
    return tab;
  };
  const closeTab = (tab: Tab, why: string): void => {
    if (!tab.alive) return;
    tab.alive = false;
    const role = roleOf(tab);
    void tab.hub.dispose().catch((err: unknown) => trace(`tab ${tab.id} dispose: ${String(err)}`));
    if (!env.strictDispose) locks.releaseOwner(ownerOf(tab));
    trace(`tab ${tab.id} (${role}) closed: ${why}`);
  };
  const anyTab = (r: Prng): Tab => {
    const list = alive();
    return list.length === 0 ? openTab() : list[r.int(list.length)]!;
  };
  const fresh = (r: Prng, prop: string): number => {
    const seen = used.get(prop)!;
    const [min, max] = chaos.ranges[prop]!;
    let v = r.range(min, max);
    while (seen.has(v)) v = v === max ? min : v + 1;
    seen.add(v);
    return v;
  };
  /**
   * An operator's edit. edit() resolves once the entry is durable, so another
   * connection must read it at once (unless `concurrent` edits may have
   * coalesced into it meanwhile, only its existence is checked then).
   */
  const doEdit = async (tab: Tab, prop: string, desired: Value, label: string, concurrent = false): Promise<EditRecord> => {
    const rec: EditRecord = { n: edits.length + 1, tab: tab.id, prop, desired, at: Date.now(), reported: shownValue(tab, prop), label };
    edits.push(rec);
    try {
      rec.result = await tab.hub.edit(VP4, prop, desired);
      rec.doneSeq = nextSeq();
      const r = rec.result;
      trace(`edit #${rec.n} tab ${tab.id} ${prop} → ${String(desired)} (${label}; saw ${String(rec.reported)}, device ${tab.hub.state.devices.get(VP4)?.availability}): ${r.action}${r.action === 'noop' ? '' : ` ${r.entry.cmdId.slice(0, 8)} base ${String(r.entry.base.value)}`}`);
      if (r.action !== 'noop' && checker) {
        const row = await checker.outbox.where('cmdId').equals(r.entry.cmdId).first();
        const what = `edit #${rec.n} ${prop} → ${String(desired)} was acknowledged (${r.action} ${r.entry.cmdId.slice(0, 8)})`;
        if (!row) during.vanished.push(`${what} but another connection cannot read its entry`);
        else if (!concurrent && r.action === 'cancel' && row.state !== 'cancelled') during.vanished.push(`${what} but its entry reads ${row.state}`);
        else if (!concurrent && r.action !== 'cancel' && row.desired !== desired) during.vanished.push(`${what} but its entry reads desired ${String(row.desired)}`);
      }
    } catch (err) {
      rec.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      trace(`edit #${rec.n} tab ${tab.id} ${prop} → ${String(desired)} refused: ${rec.error}`);
    }
    return rec;
  };

  try {
    // ---- tabs: the first one leads and sees the device before anything happens ----
    const first = openTab();
    // The test's own connection to the console's database, for reads that must not depend on a tab staying open.
    checker = new HoldfastDb(dbName);
    await waitFor('the first tab to lead and connect', () => roleOf(first) === 'leader' && first.hub.state.status?.live === true, 15_000);
    // A device whose state is not retained tells a new console nothing until it changes: someone nudges it at the panel.
    if (PROPS.some((p) => shownValue(first, p) !== initial[p])) {
      await sleep(400);
      for (const p of PROPS) if (shownValue(first, p) !== initial[p]) stack.setFromPanel(DEVICE, p, initial[p]!);
    }
    await waitFor('the first tab to see the device', () => PROPS.every((p) => shownValue(first, p) === initial[p]), 15_000);
    const extra = rng.int(3);
    for (let i = 0; i < extra; i++) openTab();

    // ---- the schedule ----
    const nSteps = rng.range(4, 9);
    for (let s = 0; s < nSteps; s++) {
      const r = stepRng(seed, s);
      const kind = r.weighted(stepWeights(env));
      const prop = PROPS[r.int(PROPS.length)]!;
      steps.push(kind);
      trace(`step ${s + 1}/${nSteps}: ${kind}`);
      switch (kind) {
        case 'drop':
          proxy.drop();
          break;
        case 'offline':
          proxy.refuse();
          proxy.drop();
          break;
        case 'stall':
          proxy.stall();
          // Sometimes long enough for the heartbeat (1 s + 0.8 s) to give up on the socket.
          if (r.chance(0.3)) await sleep(r.range(1200, 2400));
          break;
        case 'heal':
          proxy.pass();
          break;
        case 'restart-broker':
          await stack.restartBroker();
          break;
        case 'panel': {
          const v = fresh(r, prop);
          const res = stack.setFromPanel(DEVICE, prop, v);
          trace(`panel ${prop} = ${v}: ${res.ok ? 'ok' : res.error}`);
          break;
        }
        case 'edit':
          await doEdit(anyTab(r), prop, fresh(r, prop), kind);
          break;
        case 'offline-edit':
          proxy.refuse();
          proxy.drop();
          await sleep(r.int(100));
          await doEdit(anyTab(r), prop, fresh(r, prop), kind);
          break;
        case 'edit-burst': {
          const tab = anyTab(r);
          const n = r.range(2, 3);
          for (let i = 0; i < n; i++) {
            await doEdit(tab, prop, fresh(r, prop), kind);
            await sleep(r.int(30));
          }
          break;
        }
        case 'edit-back': {
          // Back to the base of the latest entry this round made for the property: coalesces to "cancelled" if still unsent.
          if (r.chance(0.5)) {
            proxy.refuse();
            proxy.drop();
            await doEdit(anyTab(r), prop, fresh(r, prop), `${kind} (offline first)`);
          }
          const last = [...edits].reverse().find((e) => e.prop === prop && e.result?.action === 'insert');
          const base = last?.result?.action === 'insert' ? last.result.entry.base.value : null;
          const tab = anyTab(r);
          await doEdit(tab, prop, typeof base === 'number' ? base : fresh(r, prop), kind);
          break;
        }
        case 'incident': {
          // The incident: offline, someone turns the knob at the device, the operator edits from the old value, the network returns.
          proxy.refuse();
          proxy.drop();
          await sleep(r.int(50));
          const panelFirst = r.chance(0.5);
          const tab = anyTab(r);
          const v = fresh(r, prop);
          const p = fresh(r, prop);
          if (!panelFirst) await doEdit(tab, prop, v, kind);
          const res = stack.setFromPanel(DEVICE, prop, p);
          trace(`panel ${prop} = ${p}: ${res.ok ? 'ok' : res.error}`);
          if (panelFirst) await doEdit(tab, prop, v, kind);
          await sleep(r.int(200));
          proxy.pass();
          break;
        }
        case 'drop-while-sending': {
          // The connection dies just before, just after, or just as the PUBACK of a set comes back.
          proxy.pass();
          const when = (['before', 'after', 'puback'] as const)[r.int(3)]!;
          const offline = r.chance(0.5);
          const desired = fresh(r, prop);
          let fired = false;
          armPublishHook(
            (p) => (p.value === String(desired) ? when : undefined),
            () => {
              fired = true;
              if (offline) proxy.refuse();
              proxy.drop();
              trace(`connection dropped ${when} the publish${offline ? ', network down' : ''}`);
            },
          );
          await doEdit(anyTab(r), prop, desired, `${kind} ${when}`);
          await waitFor('the hook', () => fired, 2500).catch(() => trace('the set was not published within 2.5 s; hook disarmed'));
          disarmPublishHook();
          if (offline) {
            await sleep(r.int(300));
            proxy.pass();
          }
          break;
        }
        case 'device-blip': {
          // The device loses its own connection (power blip, cable); maybe someone turns a knob meanwhile.
          device.kill();
          trace('device connection cut');
          if (r.chance(0.6)) {
            await sleep(r.int(100));
            const p = fresh(r, prop);
            const res = stack.setFromPanel(DEVICE, prop, p);
            trace(`panel ${prop} = ${p} while the device is offline: ${res.ok ? 'ok' : res.error}`);
          }
          if (r.chance(0.6)) await doEdit(anyTab(r), prop, fresh(r, prop), kind);
          await sleep(r.range(100, 800));
          await device.start().catch((err: unknown) => trace(`device restart: ${String(err)}`));
          trace('device back');
          break;
        }
        case 'edit-race': {
          // Two tabs edit the same setting at the same moment.
          const a = anyTab(r);
          const b = anyTab(r);
          await Promise.all([doEdit(a, prop, fresh(r, prop), kind, true), doEdit(b, prop, fresh(r, prop), kind, true)]);
          break;
        }
        case 'edit-vs-panel': {
          // An edit and a front-panel change of the same setting a few milliseconds apart, either order.
          const tab = anyTab(r);
          const v = fresh(r, prop);
          const p = fresh(r, prop);
          const gap = r.int(25);
          const panelFirst = r.chance(0.5);
          const panel = async (): Promise<void> => {
            await sleep(panelFirst ? 0 : gap);
            const res = stack.setFromPanel(DEVICE, prop, p);
            trace(`panel ${prop} = ${p}: ${res.ok ? 'ok' : res.error}`);
          };
          const edit = async (): Promise<void> => {
            await sleep(panelFirst ? gap : 0);
            await doEdit(tab, prop, v, kind);
          };
          await Promise.all([panel(), edit()]);
          break;
        }
        case 'reload-tab': {
          const tab = anyTab(r);
          closeTab(tab, 'reload');
          openTab();
          break;
        }
        case 'close-tab': {
          const list = alive();
          if (list.length > 1) closeTab(list[r.int(list.length)]!, 'closed by the operator');
          else openTab();
          break;
        }
        case 'open-tab':
          if (alive().length < MAX_TABS) openTab();
          break;
        case 'close-leader-sending': {
          proxy.pass();
          const when = (['before', 'after', 'puback'] as const)[r.int(3)]!;
          const reopen = r.chance(0.6);
          const fromFollower = r.chance(0.3);
          const desired = fresh(r, prop);
          let fired = false;
          armPublishHook(
            (p) => (p.value === String(desired) ? when : undefined),
            () => {
              fired = true;
              const l = leaderTab();
              if (l) closeTab(l, `leader closed while its edit was sending (${when} the publish)`);
            },
          );
          const followers = alive().filter((t) => roleOf(t) !== 'leader');
          const tab = fromFollower && followers.length > 0 ? followers[r.int(followers.length)]! : (leaderTab() ?? anyTab(r));
          await doEdit(tab, prop, desired, `${kind} ${when}`);
          await waitFor('the hook', () => fired, 2500).catch(() => trace('the set was not published within 2.5 s; hook disarmed'));
          disarmPublishHook();
          if (fired && reopen) {
            await sleep(r.int(200));
            openTab();
          }
          break;
        }
      }
      await sleep(r.chance(0.3) ? r.int(30) : r.range(50, 450));
    }

    // ---- heal and settle ----
    disarmPublishHook();
    proxy.pass();
    trace('heal: network up');
    if (alive().length === 0) openTab();
    await waitFor('the device to reconnect', () => device.connected, 15_000);
    const settled = await settle();

    // ---- collect ----
    const rows = await readRows();
    const views = await tabViews(rows);
    await stack.broker.settle();
    const findings = checkRound({
      startedAt,
      initial,
      edits,
      rows,
      deviceChanges: env.deviceChanges.filter((c) => c.device === DEVICE),
      consolePublishes: takeConsolePublishes(),
      brokerSets: env.brokerSets.filter((b) => chaos.isSetTopic(b.topic)),
      views,
      settled,
      during,
    });
    return { seed, findings, steps, edits: edits.length, durationMs: Date.now() - t0 };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    trace(`round error: ${error}`);
    return { seed, findings: { violations: { 'stale-base': [], 'applied-twice': [], 'not-ended': [], vanished: [], unexplained: [] }, info: {}, notes: [] }, steps, edits: edits.length, durationMs: Date.now() - t0, error };
  } finally {
    disarmPublishHook();
    // Followers first: closing the leader first would hand the lock to a tab about to close.
    for (const tab of alive().sort((a, b) => Number(roleOf(a) === 'leader') - Number(roleOf(b) === 'leader'))) closeTab(tab, 'end of round');
    checker?.close();
    await sleep(30);
    await deleteDb(dbName);
  }

  async function readRows(): Promise<OutboxEntry[]> {
    return checker ? checker.outbox.toArray() : [];
  }

  /** Network healed: wait until no entry is queued or in flight, with a leader connected and the device up. */
  async function settle(): Promise<boolean> {
    const deadline = Date.now() + SETTLE_DEADLINE_MS;
    let quietSince: number | null = null;
    while (Date.now() < deadline) {
      if (alive().length === 0) openTab();
      const rows = await readRows().catch(() => null);
      const busy = rows === null || rows.some((row) => (['queued', 'checking', 'held', 'sending', 'sent'] as OutboxState[]).includes(row.state));
      const held = false;
      const ok = !busy && leaderOpen() !== undefined && device!.connected;
      if (!ok) quietSince = null;
      else {
        quietSince ??= Date.now();
        // An unverified entry is judged again when the device reports: give it time to.
        if (Date.now() - quietSince >= (held ? 1500 : 300)) {
          trace('settled');
          return true;
        }
      }
      await sleep(50);
    }
    trace('did not settle');
    return false;
  }

  /** What each open tab's outbox panel shows, once its live query caught up with the rows. */
  async function tabViews(rows: readonly OutboxEntry[]): Promise<TabView[]> {
    const attention = rows.filter((r) => ['discarded', 'rejected', 'unverified', 'unconfirmed'].includes(r.state) && !r.dismissed);
    const shownBy = (tab: Tab): Map<string, OutboxState> => new Map(tab.hub.state.outbox.map((e) => [e.cmdId, e.state]));
    const views: TabView[] = [];
    for (const tab of alive()) {
      await waitFor('the outbox panel', () => attention.every((r) => shownBy(tab).get(r.cmdId) === r.state), 2000).catch(() => undefined);
      views.push({ tab: tab.id, shown: shownBy(tab) });
    }
    return views;
  }
}

async function deleteDb(name: string): Promise<void> {
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 2000);
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = req.onerror = () => {
      clearTimeout(t);
      resolve();
    };
  });
}
