// The fleet's headless consoles (bench/fleet.ts): NodeConsoles, each the real
// Console with the real EngineHost in-process (the code the browser runs in
// its worker), in child processes of their own (bench/fleet.ts shares them
// out, a dozen to a process), so that the harness's network hops (taps, fault
// proxy, WebSocket bridge) keep accurate time while the consoles are busy.
// Driven over IPC by bench/fleet.ts.
//
// Each console is its own site tablet: its own database, its own broker
// connection, its own Web Locks (a lock manager of its own, so it leads at
// once, as the only tab of its origin does) and its own BroadcastChannels
// (channel names are scoped to the console that opened them: in one Node
// process every BroadcastChannel of the same name would otherwise reach every
// console, which separate tablets never do).

import 'fake-indexeddb/auto';
import { AsyncLocalStorage } from 'node:async_hooks';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { InProcessLocks } from '../test/chaos/web-locks.js';
import { NodeConsole, type ConsoleView } from '../test/support/node-console.js';
import { nodeEpoch } from './cdp.js';
import type { CoalesceResult } from '../src/model/coalesce.js';
import type { OutboxEntry, OutboxState, PropertyValue } from '../src/model/types.js';

export interface FleetConsoleSpec {
  readonly index: number;
  readonly dbName: string;
  readonly brokerUrl: string;
  /** Holdfast's device id and the setting this console edits. */
  readonly deviceId: string;
  readonly propertyId: string;
}

/** One change of a console's "reconciled" condition (connected, live, nothing queued or in flight). */
export interface Transition {
  /** nodeEpoch() in the process that saw it. */
  readonly at: number;
  readonly ok: boolean;
}

export interface ConsoleProgress {
  readonly transitions: readonly Transition[];
  /** When the connection became open, each time. */
  readonly opens: readonly number[];
  readonly status: string | null;
  readonly live: boolean;
}

export interface EditOutcome {
  readonly index: number;
  readonly at: number;
  /** What the console showed for the setting when the operator edited. */
  readonly reported: PropertyValue | undefined;
  readonly result?: CoalesceResult;
  readonly error?: string;
}

export interface ConsoleRecord {
  readonly rows: readonly OutboxEntry[];
  /** What its outbox panel shows: cmdId → state. */
  readonly shown: ReadonlyArray<readonly [string, OutboxState]>;
  /** The connection's own log (its last 50 entries): [Date.now(), message]. */
  readonly connectionLog: ReadonlyArray<readonly [number, string]>;
}

export type FleetRequest =
  | { readonly type: 'start'; readonly consoles: readonly FleetConsoleSpec[] }
  | { readonly type: 'ready'; readonly timeoutMs: number }
  | { readonly type: 'down'; readonly timeoutMs: number }
  | { readonly type: 'edit'; readonly edits: ReadonlyArray<{ readonly index: number; readonly desired: PropertyValue }> }
  | { readonly type: 'clock' }
  | { readonly type: 'progress' }
  | { readonly type: 'records' }
  | { readonly type: 'loop'; readonly reset: boolean }
  | { readonly type: 'stop' };

export type FleetReply = { readonly id: number; readonly ok: true; readonly result: unknown } | { readonly id: number; readonly ok: false; readonly error: string };

/** States in which an entry is not ended yet (as test/chaos/checks.ts counts them). */
const BUSY_STATES: readonly OutboxState[] = ['queued', 'checking', 'held', 'sending', 'sent'];

const tablet = new AsyncLocalStorage<string>();

/** BroadcastChannel names scoped to the console whose code opened the channel (see the header). */
function scopeBroadcastChannels(): void {
  const g = globalThis as unknown as { BroadcastChannel: new (name: string) => BroadcastChannel };
  const Native = g.BroadcastChannel;
  g.BroadcastChannel = class extends Native {
    constructor(name: string) {
      super(`${tablet.getStore() ?? 'fleet'}/${name}`);
    }
  };
}

interface Tracked {
  readonly spec: FleetConsoleSpec;
  readonly hub: NodeConsole;
  readonly transitions: Transition[];
  readonly opens: number[];
  view: ConsoleView;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitAll(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

function main(): void {
  scopeBroadcastChannels();
  const consoles: Tracked[] = [];
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let cpuSince = process.cpuUsage();

  const reconciled = (v: ConsoleView): boolean => v.connection?.status === 'open' && v.status?.live === true && !v.outbox.some((e) => BUSY_STATES.includes(e.state));
  const shownValue = (t: Tracked): PropertyValue | undefined => t.view.devices.get(t.spec.deviceId)?.values.get(t.spec.propertyId)?.value;

  const handle = async (req: FleetRequest): Promise<unknown> => {
    switch (req.type) {
      case 'start': {
        for (const spec of req.consoles) {
          const id = `tablet-${spec.index}`;
          // Everything this console constructs, now or later in its async work, belongs to its tablet.
          const t = tablet.run(id, () => {
            const hub = new NodeConsole({ dbName: spec.dbName, locks: new InProcessLocks() });
            const tracked: Tracked = { spec, hub, transitions: [], opens: [], view: hub.state };
            let ok = false;
            let open = false;
            hub.subscribe((v) => {
              tracked.view = v;
              const isOpen = v.connection?.status === 'open';
              if (isOpen && !open) tracked.opens.push(nodeEpoch());
              open = isOpen;
              const now = reconciled(v);
              if (now !== ok) {
                ok = now;
                tracked.transitions.push({ at: nodeEpoch(), ok });
              }
            });
            hub.start({ defaultBrokerUrl: spec.brokerUrl }).catch((err: unknown) => console.error(`fleet console ${spec.index} failed to start: ${String(err)}`));
            return tracked;
          });
          consoles.push(t);
        }
        return consoles.length;
      }
      case 'ready': {
        await waitAll('every headless console to be live and show its setting', () => consoles.every((t) => t.view.connection?.status === 'open' && t.view.status?.live === true && shownValue(t) !== undefined), req.timeoutMs);
        return consoles.map((t) => [t.spec.index, shownValue(t)] as const);
      }
      case 'down': {
        await waitAll('every headless console to notice the cut', () => consoles.every((t) => t.view.connection?.status !== 'open'), req.timeoutMs);
        return true;
      }
      case 'edit': {
        return Promise.all(
          req.edits.map(async ({ index, desired }): Promise<EditOutcome> => {
            const t = consoles.find((c) => c.spec.index === index);
            if (!t) return { index, at: Date.now(), reported: undefined, error: `no console ${index}` };
            const at = Date.now();
            const reported = shownValue(t);
            try {
              const result = await tablet.run(`tablet-${index}`, () => t.hub.edit(t.spec.deviceId, t.spec.propertyId, desired));
              return { index, at, reported, result };
            } catch (err) {
              return { index, at, reported, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
            }
          }),
        );
      }
      case 'clock':
        return nodeEpoch();
      case 'progress':
        return consoles.map(
          (t): [number, ConsoleProgress] => [t.spec.index, { transitions: t.transitions, opens: t.opens, status: t.view.connection?.status ?? null, live: t.view.status?.live === true }],
        );
      case 'records':
        return Promise.all(
          consoles.map(async (t): Promise<[number, ConsoleRecord]> => [
            t.spec.index,
            { rows: await t.hub.db.outbox.toArray(), shown: t.view.outbox.map((e) => [e.cmdId, e.state] as const), connectionLog: (t.view.connection?.log ?? []).map((e) => [e.at, e.message] as const) },
          ]),
        );
      case 'loop': {
        const cpu = process.cpuUsage(cpuSince);
        const stats = { p50Ms: loop.percentile(50) / 1e6, p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6, cpuMs: (cpu.user + cpu.system) / 1000 };
        if (req.reset) {
          loop.reset();
          cpuSince = process.cpuUsage();
        }
        return stats;
      }
      case 'stop': {
        await Promise.all(consoles.map((t) => t.hub.dispose().catch(() => undefined)));
        setTimeout(() => process.exit(0), 50);
        return true;
      }
    }
  };

  process.on('message', (m: { id: number; req: FleetRequest }) => {
    handle(m.req).then(
      (result) => process.send?.({ id: m.id, ok: true, result } satisfies FleetReply),
      (err: unknown) => process.send?.({ id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies FleetReply),
    );
  });
  // The harness went away: so do we.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ id: 0, ok: true, result: 'hello' } satisfies FleetReply);
}

if (process.send) main();
