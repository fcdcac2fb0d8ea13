// The soak: a shift compressed into N minutes against Mosquitto, in Chromium.
//
//   load      10,000 properties (100 Homie 5 devices of 100), ~200 status
//             messages/s, all subscribed (a view shows one control of each);
//   faults    every 60 s the console's path is cut at the fault proxy for 10 s;
//   operator  an edit every ~5 s through the controls, alternating two tabs:
//             online edits, offline edits the hardware overtakes (VP4,
//             retained) and offline edits of a bulb whose state is not
//             retained (asked with /get); conflict cards dismissed by a tap;
//   tabs      two, and the leader tab closes once (a new tab opens).
//
// Each minute it samples the JS heap after GC (pages and engine worker), the
// IndexedDB tables against their bounds (src/store/bounds.ts), the DOM size
// and the longest tasks. At the end the chaos invariants are checked over the
// whole run (test/soak/verdict.ts). The result goes to SOAK_OUT as JSON;
// test/soak/run.ts prints the summary.

import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BenchPublisher, deviceId as benchDeviceId } from '../../bench/publisher.js';
import { startStack, type Stack } from '../../sim/stack.js';
import type { MqttSimDevice } from '../../sim/sim-base.js';
import { FINISHED_STATES, type OutboxEntry, type OutboxState } from '../../src/model/types.js';
import { storeBounds } from '../../src/store/bounds.js';
import type { EditRecord, TabView } from '../chaos/checks.js';
import { BULB_DEVICE, CHAOS_DEVICES, VP4_DEVICE, type ChaosDevice } from '../chaos/devices.js';
import { decodeSet, parseDeviceLine, type BrokerSet, type DeviceChange, type Value } from '../chaos/observe.js';
import { Prng } from '../chaos/prng.js';
import { cutNetwork, expectConnected, setNumber } from '../e2e/harness.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { domNodes, workerHeapMb, originUsageMb, pageHeapMb, slope, tableSizes, writeHeapSnapshots, type HeapSample, type TableSize } from './measure.js';
import { judgeSoak } from './verdict.js';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 3);
const OUT = process.env.SOAK_OUT ?? 'test-results/soak.json';
/** Investigation aid (measure.ts writeHeapSnapshots): off unless SOAK_SNAPSHOTS names a directory. */
const SNAPSHOT_DIR = process.env.SOAK_SNAPSHOTS;
const SNAPSHOT_MINUTES = (process.env.SOAK_SNAPSHOT_MINUTES ?? '').split(',').filter(Boolean).map(Number);
const BENCH_DEVICES = 100;
const BENCH_PROPS = 100;
const RATE = 200;
const STEP_MS = 5_000;
const CUT_AT_STEP = 8;
const RESTORE_AT_STEP = 10;
/** Heap samples from the first minutes are warm-up (caches filling, JIT): the slope is fitted after them. */
const WARMUP_MINUTES = MINUTES >= 20 ? 5 : 1;

test.setTimeout((MINUTES * 60 + 600) * 1000);

/** The controls the operator edits, as the view shows them: its group (device · node) and name. */
interface Target {
  readonly device: ChaosDevice;
  readonly prop: string;
  readonly group: string;
  readonly name: string;
}
const TARGETS: readonly Target[] = [
  { device: VP4_DEVICE, prop: 'genlock/phase-h', group: 'VP4 Video Processor · Genlock', name: 'Genlock phase H' },
  { device: VP4_DEVICE, prop: 'genlock/phase-v', group: 'VP4 Video Processor · Genlock', name: 'Genlock phase V' },
  { device: BULB_DEVICE, prop: 'brightness', group: 'Studio light', name: 'Brightness' },
  { device: BULB_DEVICE, prop: 'color_temp', group: 'Studio light', name: 'Color temp' },
];

/** Runs in every page before the app: hands the soak the Console's edit results (src/bench-hooks.ts) and the long tasks. */
function pageProbe(): void {
  interface HookRecord {
    deviceId: string;
    propertyId: string;
    desired: unknown;
    at: number;
    result: unknown;
    error: string | null;
    doneAt: number | null;
  }
  const soak = {
    edits: [] as HookRecord[],
    longest: [] as number[],
    longtasks: 0,
    steady: [] as number[],
    steadyAt: [] as [number, number][],
    steadyFrom: Infinity,
    /** While the soak itself measures (forced GC, reading tables), tasks are its own, not the console's. */
    windows: [] as [number, number][],
    hub: null as unknown,
  };
  (window as unknown as { __soak: typeof soak }).__soak = soak;
  (window as unknown as { __holdfastBench: (hub: { edit: (...a: unknown[]) => Promise<unknown> }) => void }).__holdfastBench = (hub) => {
    soak.hub = hub;
    const edit = hub.edit.bind(hub);
    hub.edit = async (...args: unknown[]) => {
      const rec: HookRecord = { deviceId: String(args[0]), propertyId: String(args[1]), desired: args[2], at: Date.now(), result: null, error: null, doneAt: null };
      soak.edits.push(rec);
      try {
        const r = await edit(...args);
        rec.result = r;
        rec.doneAt = performance.timeOrigin + performance.now();
        return r;
      } catch (err) {
        rec.error = String(err);
        throw err;
      }
    };
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (soak.windows.some(([from, to]) => e.startTime + e.duration >= from && e.startTime <= to)) continue;
      soak.longtasks++;
      soak.longest.push(e.duration);
      soak.longest.sort((a, b) => b - a);
      soak.longest.length = Math.min(soak.longest.length, 5);
      // After the page is up and the first replay is in (the soak says when): the steady state of a shift.
      if (e.startTime >= soak.steadyFrom) {
        soak.steadyAt.push([Math.round(performance.timeOrigin + e.startTime), Math.round(e.duration)]);
        soak.steadyAt.sort((a, b) => b[1] - a[1]);
        soak.steadyAt.length = Math.min(soak.steadyAt.length, 5);
        soak.steady.push(e.duration);
        soak.steady.sort((a, b) => b - a);
        soak.steady.length = Math.min(soak.steady.length, 5);
      }
    }
  }).observe({ type: 'longtask', buffered: true });
}

const top5 = (xs: readonly number[]): number[] => [...xs].sort((a, b) => b - a).slice(0, 5);

interface Tab {
  readonly n: number;
  readonly page: Page;
  open: boolean;
}

test('soak', async ({ browser }) => {
  const rng = new Prng(20261201);
  const deviceChanges: DeviceChange[] = [];
  const brokerSets: BrokerSet[] = [];
  let stackRef: Stack | null = null;
  const stack = await startStack({
    broker: 'mosquitto',
    extraDevices: true,
    distDir: resolve('dist'),
    webPort: 0,
    brokerPort: 0,
    controlPort: 0,
    temperatureIntervalMs: 60_000,
    log: (line) => {
      for (const d of CHAOS_DEVICES) {
        const sim = (stackRef?.devices.get(d.simId) ?? stackRef?.extraDevices.get(d.simId)) as MqttSimDevice | undefined;
        const change = parseDeviceLine(line, d, Date.now(), sim?.connected ?? false);
        if (change) deviceChanges.push(change);
      }
    },
  });
  stackRef = stack;
  const offPublish = stack.broker.onPublish((p) => {
    const set = decodeSet(p.topic, p.payload);
    if (!set) return;
    const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
    const up = p.userProperties ?? {};
    brokerSets.push({ at: p.at, topic: p.topic, payload: p.payload, cmdId: one(up['holdfast-cmd-id']), base: one(up['holdfast-base']), prop: set.prop, value: set.value });
  });
  // The spy records every publish; at 200/s that is the Node side's own leak, so it is emptied as it goes.
  const trimSpy = setInterval(() => (stack.broker.publishes.length = 0), 10_000);
  const target = new URL(stack.brokerWsUrl);
  const proxy = await startFaultProxy({ targetHost: target.hostname, targetPort: Number(target.port) });
  const pub = await BenchPublisher.connect(stack.brokerTcpUrl!, BENCH_DEVICES, BENCH_PROPS, stack.broker.credentials('device'));
  let context: BrowserContext | null = null;
  try {
    await pub.publishInstallation();
    // Runs past the end of the schedule (settling included); closing the client at the end stops it.
    void pub.stream(RATE, MINUTES * 60 + 180).catch(() => {});

    // A shift's view: the controls the operator edits, then one control of each of the 100 devices (so all are subscribed).
    const items = [
      ...TARGETS.map((t, i) => ({ kind: 'control', id: `t${i}`, deviceId: t.device.holdfastId, propertyId: t.prop })),
      ...Array.from({ length: BENCH_DEVICES }, (_, d) => ({ kind: 'control', id: `b${d}`, deviceId: benchDeviceId(d), propertyId: 'n0/p0' })),
    ];
    const link = Buffer.from(JSON.stringify({ id: 'soak', name: 'Soak', density: 'compact', items })).toString('base64url');
    const url = `${stack.appUrl}?bench&broker=${encodeURIComponent(proxy.url('/'))}`;

    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(pageProbe);
    const tabs: Tab[] = [];
    const openTab = async (first: boolean): Promise<Tab> => {
      const page = await context!.newPage();
      const tab: Tab = { n: tabs.length, page, open: true };
      tabs.push(tab);
      if (first) {
        await page.goto(`${url}&view=${link}`);
        await page.getByRole('button', { name: 'Add and connect' }).click();
        await page.getByRole('region', { name: 'Welcome to Holdfast' }).getByRole('button', { name: 'Not now' }).click();
      } else {
        await page.goto(`${stack.appUrl}?bench`);
        await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Soak', exact: true }).click();
      }
      await expect(page.getByRole('heading', { name: 'Soak', level: 2 })).toBeVisible({ timeout: 30_000 });
      await expectConnected(page);
      // Long tasks from here on (10 s after the tab is up) are the steady state of a shift, not its start.
      await page.evaluate(() => ((window as unknown as { __soak: { steadyFrom: number } }).__soak.steadyFrom = performance.now() + 10_000));
      return tab;
    };
    const openTabs = (): Tab[] => tabs.filter((t) => t.open);
    await openTab(true);
    await openTab(false);

    // The bulb's state is not retained and the console does not ask on its own: someone uses the wall switch once.
    stack.setFromPanel(BULB_DEVICE.simId, 'brightness', 120);
    stack.setFromPanel(BULB_DEVICE.simId, 'color_temp', 370);
    const initial: Record<string, Value> = {};
    for (const t of TARGETS) {
      const sim = stack.devices.get(t.device.simId) ?? stack.extraDevices.get(t.device.simId);
      initial[t.prop] = sim!.snapshot()[t.prop] as Value;
    }
    const control = (tab: Tab, t: Target) => tab.page.getByRole('list', { name: 'Soak controls' }).getByRole('group', { name: t.group, exact: true }).getByRole('spinbutton', { name: t.name, exact: true });
    // Wait until both tabs show every target's value (the bulb's after the console asked it).
    for (const tab of tabs) for (const t of TARGETS) await expect(control(tab, t)).not.toHaveValue('', { timeout: 30_000 });

    const startedAt = Date.now();
    const edits: EditRecord[] = [];
    const lostEdits: string[] = [];
    const rows = new Map<string, OutboxEntry>();
    const heap: HeapSample[] = [];
    const tables: Record<string, TableSize>[] = [];
    const dom: number[] = [];
    const taskStats = new Map<Tab, { longest: number[]; steady: number[]; steadyAt: [number, number][]; longtasks: number }>();
    /** What the soak did when (ms since start), to read the long tasks against. */
    const timeline: [number, string][] = [];
    const mark = (what: string): void => void timeline.push([Date.now() - startedAt, what]);
    let cutAt = 0;
    const flaps: number[] = [];

    /** Pull the hook records of one tab (edits since the last pull) and its long tasks. */
    const hookOf = async (tab: Tab) =>
      tab.page.evaluate(() => {
        const s = (window as unknown as { __soak: { edits: unknown[]; longest: number[]; steady: number[]; steadyAt: [number, number][]; longtasks: number } }).__soak;
        return {
          edits: s.edits.splice(0) as { deviceId: string; propertyId: string; desired: Value; result: EditRecord['result'] | null; error: string | null; doneAt: number | null }[],
          longest: s.longest,
          steady: s.steady,
          steadyAt: s.steadyAt,
          longtasks: s.longtasks,
        };
      });
    const pending = new Map<Tab, EditRecord[]>();
    const collect = async (tab: Tab): Promise<void> => {
      const got = await hookOf(tab);
      taskStats.set(tab, { longest: got.longest, steady: got.steady, steadyAt: got.steadyAt, longtasks: got.longtasks });
      for (const h of got.edits) {
        const mine = pending.get(tab) ?? [];
        const i = mine.findIndex((e) => e.prop === h.propertyId && e.desired === h.desired);
        if (i < 0) continue;
        const e = mine.splice(i, 1)[0]!;
        if (h.result) {
          e.result = h.result;
          e.doneSeq = h.doneAt ?? undefined;
        } else e.error = h.error ?? 'no result';
      }
    };
    const readRows = async (tab: Tab): Promise<void> => {
      const got = await tab.page.evaluate(async () => {
        const db = await new Promise<IDBDatabase>((res) => {
          const req = indexedDB.open('holdfast');
          req.onsuccess = () => res(req.result);
        });
        const all = await new Promise<unknown[]>((res) => {
          const r = db.transaction('outbox').objectStore('outbox').getAll();
          r.onsuccess = () => res(r.result);
        });
        db.close();
        return all as OutboxEntry[];
      });
      for (const r of got) rows.set(r.cmdId, r);
    };

    const edit = async (tab: Tab, t: Target, value: number, label: string): Promise<void> => {
      const input = control(tab, t);
      const shown = await input.inputValue();
      const e: EditRecord = { n: edits.length, tab: tab.n, prop: t.prop, desired: value, at: Date.now(), reported: shown === '' ? undefined : Number(shown), label };
      edits.push(e);
      mark(`edit ${t.prop} → ${value} in tab ${tab.n} (${label})`);
      pending.set(tab, [...(pending.get(tab) ?? []), e]);
      await setNumber(tab.page.getByRole('list', { name: 'Soak controls' }).getByRole('group', { name: t.group, exact: true }), t.name, value);
      // The control could have rendered a newer report between the read above and the edit.
      e.shownUntil = Date.now();
    };
    const freshValue = (t: Target, avoid: readonly number[]): number => {
      const [lo, hi] = t.device.ranges[t.prop]!;
      for (;;) {
        const v = Math.round(rng.range(lo, hi));
        if (!avoid.includes(v)) return v;
      }
    };
    const deviceNow = (t: Target): number => {
      const sim = stack.devices.get(t.device.simId) ?? stack.extraDevices.get(t.device.simId);
      return Number(sim!.snapshot()[t.prop]);
    };
    /** The operator taps Dismiss on every conflict card in the view (one tap each; a card re-rendering under the pointer is tapped again). */
    const dismissCards = async (tab: Tab): Promise<void> => {
      const dismiss = tab.page.getByRole('list', { name: 'Soak controls' }).getByRole('button', { name: 'Dismiss', exact: true });
      for (let tries = 0; tries < 10 && (await dismiss.count()) > 0; tries++) await dismiss.first().click({ timeout: 5_000 }).catch(() => {});
    };
    const sample = async (minute: number): Promise<void> => {
      const parts: Record<string, number> = {};
      const measuring = (on: boolean) =>
        Promise.all(
          openTabs().map((t) =>
            t.page.evaluate((m) => {
              const w = (window as unknown as { __soak: { windows: [number, number][] } }).__soak.windows;
              if (m) w.push([performance.now(), Infinity]);
              else if (w.length > 0) w[w.length - 1]![1] = performance.now();
            }, on),
          ),
        );
      mark('measuring');
      await measuring(true);
      for (const tab of openTabs()) {
        parts[`tab ${tab.n}`] = await pageHeapMb(context!, tab.page);
        const engine = await workerHeapMb(context!, tab.page);
        if (engine !== null) parts[`workers (tab ${tab.n})`] = engine;
        await collect(tab);
        if (SNAPSHOT_DIR && SNAPSHOT_MINUTES.includes(Math.round(minute))) {
          for (const f of await writeHeapSnapshots(context!, tab.page, `${SNAPSHOT_DIR}/m${Math.round(minute)}-tab${tab.n}`)) console.log(`soak: wrote ${f}`);
        }
      }
      heap.push({ minute, totalMb: Object.values(parts).reduce((a, b) => a + b, 0), parts });
      const some = openTabs()[0]!;
      tables.push(await tableSizes(some.page, FINISHED_STATES));
      dom.push(Math.max(...(await Promise.all(openTabs().map((t) => domNodes(t.page))))));
      await readRows(some);
      await measuring(false);
      console.log(`soak: minute ${minute.toFixed(1)}: heap ${heap.at(-1)!.totalMb.toFixed(1)} MB, ${edits.length} edits, ${brokerSets.length} sets`);
    };

    await sample(0);
    const closeLeaderAt = Math.max(1, Math.floor(MINUTES / 4));
    let step = 0;
    const stepsPerMinute = 60_000 / STEP_MS;
    const totalSteps = MINUTES * stepsPerMinute;
    for (; step < totalSteps; step++) {
      const due = startedAt + step * STEP_MS;
      if (Date.now() < due) await new Promise((r) => setTimeout(r, due - Date.now()));
      const inMinute = step % stepsPerMinute;
      const minute = Math.floor(step / stepsPerMinute);
      const live = openTabs();
      const tab = live[step % live.length]!;
      if (inMinute === 2 && minute === closeLeaderAt) {
        // The leader (the oldest open tab holds the lock) closes; a new tab opens and follows the new leader.
        const leader = live[0]!;
        await collect(leader);
        await readRows(leader);
        mark(`tab ${leader.n} (leader) closes`);
        leader.open = false;
        await leader.page.close();
        await openTab(false);
        mark(`tab ${tabs.length - 1} open`);
        continue;
      }
      if (inMinute === CUT_AT_STEP) {
        cutNetwork(proxy);
        cutAt = Date.now();
        mark('path cut');
        const t = TARGETS[0 + (minute % 2)]!;
        await edit(tab, t, freshValue(t, [deviceNow(t)]), 'offline, then the hardware moves');
        stack.setFromPanel(t.device.simId, t.prop, freshValue(t, [deviceNow(t)]));
        continue;
      }
      if (inMinute === CUT_AT_STEP + 1) {
        const t = TARGETS[2 + (minute % 2)]!;
        await edit(tab, t, freshValue(t, [deviceNow(t)]), minute % 3 === 0 ? 'offline on a non-retained bulb, overtaken' : 'offline on a non-retained bulb');
        if (minute % 3 === 0) stack.setFromPanel(t.device.simId, t.prop, freshValue(t, [deviceNow(t)]));
        continue;
      }
      if (inMinute === RESTORE_AT_STEP) {
        proxy.pass();
        flaps.push(Date.now() - cutAt);
        mark('path restored');
        continue;
      }
      if (inMinute === RESTORE_AT_STEP + 1) {
        for (const t of live) await dismissCards(t);
        await sample(minute + 1);
        continue;
      }
      const t = TARGETS[rng.int(TARGETS.length)]!;
      await edit(tab, t, freshValue(t, [deviceNow(t)]), 'online');
    }

    // ---- heal and settle: nothing may stay queued or in flight ----
    proxy.pass();
    const busy: readonly OutboxState[] = ['queued', 'checking', 'held', 'sending', 'sent'];
    let settled = false;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      await readRows(openTabs()[0]!);
      if (![...rows.values()].some((r) => busy.includes(r.state))) {
        settled = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    for (const tab of openTabs()) await collect(tab);
    for (const [tab, left] of pending) for (const e of left) if (e.result === undefined && e.error === undefined) lostEdits.push(`edit #${e.n} (tab ${tab.n}) ${e.prop} → ${String(e.desired)}: the console never took it`);
    await stack.broker.settle();
    const views: TabView[] = [];
    for (const tab of openTabs()) {
      const shown = await tab.page.evaluate(() => {
        const hub = (window as unknown as { __soak: { hub: { outbox: { get(): { entries: { cmdId: string; state: string }[] } } } } }).__soak.hub;
        return hub.outbox.get().entries.map((e) => [e.cmdId, e.state] as [string, string]);
      });
      views.push({ tab: tab.n, shown: new Map(shown as [string, OutboxState][]) });
    }
    const verdict = judgeSoak({ startedAt, initial, edits, rows, deviceChanges, brokerSets, views, settled, lostEdits }, CHAOS_DEVICES);

    // ---- storage against its bounds ----
    const last = tables.at(-1)!;
    const bounds = storeBounds({ devices: BENCH_DEVICES + stack.devices.size + stack.extraDevices.size + 5, alarmRules: 0 });
    const overBound = Object.entries(last)
      .filter(([name, size]) => {
        const b = bounds[name];
        return b !== undefined && b.maxRows !== null && size.counted > b.maxRows;
      })
      .map(([name, size]) => `${name}: ${size.counted} rows, bound ${bounds[name]!.maxRows}`);
    const unbounded = Object.keys(last).filter((name) => !(name in bounds));
    const fit = heap.filter((h) => h.minute >= WARMUP_MINUTES).map((h) => [h.minute, h.totalMb] as const);
    const slopeMbPerHour = slope(fit.length >= 2 ? fit : heap.map((h) => [h.minute, h.totalMb] as const)) * 60;
    const dbMb = Object.values(last).reduce((s, t) => s + t.mb, 0);
    const usageMb = await originUsageMb(openTabs()[0]!.page);
    const result = {
      minutes: MINUTES,
      properties: BENCH_DEVICES * BENCH_PROPS,
      statusRate: RATE,
      edits: edits.length,
      sets: brokerSets.length,
      flaps: flaps.length,
      heapSlopeMbPerHour: slopeMbPerHour,
      heap,
      dbMb,
      originUsageMb: usageMb,
      tables: last,
      bounds: Object.fromEntries(Object.entries(bounds).map(([k, b]) => [k, b.maxRows])),
      overBound,
      unbounded,
      domNodes: { first: dom[0], last: dom.at(-1), max: Math.max(...dom) },
      longestTasksMs: top5([...taskStats.values()].flatMap((t) => t.longest)),
      longestSteadyTasksMs: top5([...taskStats.values()].flatMap((t) => t.steady)),
      longtasks: [...taskStats.values()].reduce((n, t) => n + t.longtasks, 0),
      steadyTasks: [...taskStats.entries()].flatMap(([tab, t]) => t.steadyAt.map(([at, ms]) => ({ tab: tab.n, atMs: at - startedAt, ms }))),
      timeline,
      settled,
      violations: verdict.total,
      findings: verdict.violations,
      info: verdict.info,
      notes: verdict.notes.slice(0, 50),
    };
    writeFileSync(OUT, JSON.stringify(result, null, 2));
    expect(verdict.violations, 'the chaos invariants over the soak').toEqual({ 'stale-base': [], 'applied-twice': [], 'not-ended': [], vanished: [], unexplained: [] });
    expect(overBound, 'every table within its bound').toEqual([]);
    expect(unbounded, 'every table has a bound in src/store/bounds.ts').toEqual([]);
    expect(settled, 'every edit ended').toBe(true);
  } finally {
    clearInterval(trimSpy);
    offPublish();
    await context?.close().catch(() => {});
    await pub.close().catch(() => {});
    await proxy.close();
    await stack.stop();
  }
});
