// The four invariants, checked after a round has quiesced. Pure: everything
// comes in as records (see observe.ts and round.ts), findings go out.
//
//   1 stale-base      no set was published whose base differed from the
//                     device's value when the console sent it. One exception,
//                     counted as a race: the device published the change less
//                     than RACE_MS before the send and the console had not
//                     heard it yet (the last report of that setting it had
//                     received on the sending connection was the base): the
//                     news was still on its way, no console can know it. A
//                     send without a report on that connection, or against a
//                     newer report, or after a change the device made while
//                     it was offline, is never excused.
//   2 applied-twice   the device applied no edit (cmdId) twice, unless
//                     something else had put the edit's base back on the
//                     device in between (A-B-A: the console cannot tell).
//   3 not-ended       after the network healed and things settled, every edit
//                     is confirmed, or shows (in every open tab) as discarded,
//                     rejected, unverified or unconfirmed; a confirmed edit's
//                     value was really on the device at some point.
//   4 vanished        every acknowledged edit is accounted for by its outbox
//                     row, with the intent the operator last gave it, or was
//                     coalesced/cancelled exactly as the coalescing rule says
//                     (same property, not yet attempted: first base kept,
//                     desired replaced; back to base: cancelled; equal to
//                     what the operator saw: no-op).
//   unexplained       a set no edit explains, or carrying another value or
//                     base than its edit; an outbox row no edit explains.

import type { CoalesceResult } from '../../src/model/coalesce.js';
import { PENDING_STATES, type OutboxEntry, type OutboxState } from '../../src/model/types.js';
import { valuesEqual } from '../../src/model/values.js';
import type { BrokerSet, ConsolePublish, DeviceChange, Value } from './observe.js';

export const RACE_MS = 250;

/** How long a device's report may take to reach a tab's control (the soak's DOM-read edits only). */
const REPORT_LAG_MS = 2000;

export const CATEGORIES = ['stale-base', 'applied-twice', 'not-ended', 'vanished', 'unexplained'] as const;
export type Category = (typeof CATEGORIES)[number];

export const CATEGORY_TEXT: Record<Category, string> = {
  'stale-base': '1 set published on a stale base',
  'applied-twice': '2 edit applied twice by the device',
  'not-ended': '3 edit not ended/visible after settling',
  vanished: '4 pending edit vanished or rewritten',
  unexplained: '+ set or outbox row no edit explains',
};

export interface EditRecord {
  /** Order within the round. */
  readonly n: number;
  readonly tab: number;
  readonly prop: string;
  readonly desired: Value;
  readonly at: number;
  /** The tab's reported value when edit() was called (edit() reads it synchronously). */
  readonly reported: Value | undefined;
  readonly label: string;
  /**
   * Set where the harness reads the control and then acts on it through the
   * page (the soak): until this time the control may have rendered a newer
   * report, which is then what the operator edited from.
   */
  shownUntil?: number;
  result?: CoalesceResult;
  /** When edit() resolved (observation order): concurrent edits commit in this order, not in call order. */
  doneSeq?: number;
  /** edit() threw: the operator was never told it was queued. */
  error?: string;
}

export interface TabView {
  readonly tab: number;
  /** cmdId → state of what the tab's outbox panel shows. */
  readonly shown: ReadonlyMap<string, OutboxState>;
}

export interface RoundData {
  readonly startedAt: number;
  readonly initial: Readonly<Record<string, Value>>;
  readonly edits: readonly EditRecord[];
  readonly rows: readonly OutboxEntry[];
  readonly deviceChanges: readonly DeviceChange[];
  readonly consolePublishes: readonly ConsolePublish[];
  readonly brokerSets: readonly BrokerSet[];
  readonly views: readonly TabView[];
  /** Did every entry reach a quiet state before the settle deadline? */
  readonly settled: boolean;
  /** Violations seen while the round ran (e.g. an acknowledged edit not readable from another connection). */
  readonly during?: Partial<Record<Category, readonly string[]>>;
}

export interface Findings {
  readonly violations: Record<Category, string[]>;
  /** Things that are allowed but worth counting (races, resends, A-B-A, …). */
  readonly info: Record<string, number>;
  readonly notes: string[];
}

const ATTENTION: readonly OutboxState[] = ['discarded', 'rejected', 'unverified', 'unconfirmed'];
const BUSY: readonly OutboxState[] = ['queued', 'checking', 'held', 'sending', 'sent'];

const short = (cmdId: string): string => cmdId.slice(0, 8);

export function checkRound(d: RoundData): Findings {
  const violations = Object.fromEntries(CATEGORIES.map((c) => [c, [...(d.during?.[c] ?? [])]])) as Record<Category, string[]>;
  const info: Record<string, number> = {};
  const notes: string[] = [];
  const bump = (k: string, n = 1): void => {
    info[k] = (info[k] ?? 0) + n;
  };
  const t = (at: number): string => `+${at - d.startedAt}ms`;
  const rowsById = new Map(d.rows.map((r) => [r.cmdId, r]));

  // ---- device truth ----
  const changesByProp = new Map<string, DeviceChange[]>();
  for (const c of d.deviceChanges) {
    const list = changesByProp.get(c.prop) ?? [];
    list.push(c);
    changesByProp.set(c.prop, list);
  }
  interface Shown {
    readonly value: Value | undefined;
    readonly since: number;
    readonly source: string;
    /** The device was online when it took this value, so it published it at once. */
    readonly published: boolean;
  }
  /** The device's value just before the event numbered `seq` (or at time `at`), and since when. */
  const valueAt = (prop: string, at: number, seq = Number.POSITIVE_INFINITY): Shown => {
    let v: Shown = { value: d.initial[prop], since: d.startedAt, source: 'round start', published: true };
    for (const c of changesByProp.get(prop) ?? []) {
      if (c.at > at || c.seq > seq) break;
      v = { value: c.value, since: c.at, source: c.source === 'panel' ? 'front panel' : 'a set', published: c.online };
    }
    return v;
  };
  const everShown = (prop: string, value: Value, from: number): boolean => {
    if (valuesEqual(valueAt(prop, from).value ?? null, value)) return true;
    return (changesByProp.get(prop) ?? []).some((c) => c.at >= from && valuesEqual(c.value, value));
  };

  // ---- 4: the edits, modelled through the coalescing rule ----
  interface Tracked {
    readonly cmdId: string;
    readonly prop: string;
    readonly base: Value | null;
    lastDesired: Value;
    lastOp: 'insert' | 'replace' | 'cancel' | 'supersede';
    readonly firstEdit: number;
  }
  const tracked = new Map<string, Tracked>();
  const desiredSoFar = new Map<string, Value[]>();
  const committed = d.edits.filter((e) => e.result !== undefined).sort((a, b) => (a.doneSeq ?? a.n) - (b.doneSeq ?? b.n));
  for (const e of committed) {
    const r = e.result;
    if (!r) continue;
    const label = `edit #${e.n} (${e.label}, tab ${e.tab}) ${e.prop} → ${String(e.desired)}`;
    const earlier = desiredSoFar.get(e.prop) ?? [];
    /** What the operator may have been looking at: the reported value, or an earlier edit in flight. */
    // Read from the DOM, `reported` is what the input showed, which may be another tab's pending edit; the base is
    // the report the control rendered under it. Any value the device published shortly before the read (its
    // newer report possibly still on its way to this tab) or while the harness acted is what it may have rendered.
    const renderedMeanwhile = (v: Value): boolean =>
      e.shownUntil !== undefined &&
      (valuesEqual(valueAt(e.prop, e.at - REPORT_LAG_MS).value ?? null, v) || (changesByProp.get(e.prop) ?? []).some((c) => c.online && c.at >= e.at - REPORT_LAG_MS && c.at <= e.shownUntil! && valuesEqual(c.value, v)));
    const plausibleBase = (v: Value | null): boolean =>
      v === null ? e.reported === undefined : valuesEqual(v, e.reported ?? null) || earlier.some((x) => valuesEqual(x, v)) || renderedMeanwhile(v);
    switch (r.action) {
      case 'noop':
        if (!plausibleBase(e.desired)) violations.vanished.push(`${label}: dropped as already the value, but the tab showed ${String(e.reported)}`);
        bump('noop edits');
        break;
      case 'insert':
      case 'supersede': {
        const x = r.entry;
        if (r.action === 'supersede') {
          // An unverified edit the operator replaced by a new one (they looked again): ended by the operator, visibly.
          const old = tracked.get(r.superseded.cmdId);
          if (!old) violations.vanished.push(`${label}: superseded an entry ${short(r.superseded.cmdId)} this test never created`);
          else old.lastOp = 'supersede';
          bump('unverified edits superseded');
        }
        if (tracked.has(x.cmdId)) violations.vanished.push(`${label}: "insert" reused the id of an existing entry ${short(x.cmdId)}`);
        if (x.propertyId !== e.prop || !valuesEqual(x.desired, e.desired) || x.state !== 'queued' || x.attempts !== 0) {
          violations.vanished.push(`${label}: inserted entry ${short(x.cmdId)} does not carry the edit (${x.propertyId}=${String(x.desired)}, ${x.state}, attempts ${x.attempts})`);
        }
        if (!plausibleBase(x.base.value)) violations.vanished.push(`${label}: base ${String(x.base.value)} is neither what the tab showed (${String(e.reported)}) nor an earlier edit's value`);
        if (valuesEqual(x.desired, x.base.value)) violations.vanished.push(`${label}: queued although it equals its base`);
        tracked.set(x.cmdId, { cmdId: x.cmdId, prop: e.prop, base: x.base.value, lastDesired: e.desired, lastOp: 'insert', firstEdit: e.n });
        break;
      }
      case 'replace':
      case 'cancel': {
        const x = r.entry;
        const prev = tracked.get(x.cmdId);
        if (!prev) {
          violations.vanished.push(`${label}: ${r.action} of an entry ${short(x.cmdId)} this test never created`);
          break;
        }
        if (prev.lastOp === 'cancel') violations.vanished.push(`${label}: merged into entry ${short(x.cmdId)} that was already cancelled`);
        if (prev.prop !== e.prop) violations.vanished.push(`${label}: merged into entry ${short(x.cmdId)} of ${prev.prop}`);
        if (!valuesEqual(x.base.value, prev.base)) violations.vanished.push(`${label}: merging changed the base of ${short(x.cmdId)} from ${String(prev.base)} to ${String(x.base.value)}`);
        if (x.attempts !== 0) violations.vanished.push(`${label}: merged into entry ${short(x.cmdId)} that was already attempted (${x.attempts})`);
        if (r.action === 'cancel') {
          if (!valuesEqual(e.desired, prev.base)) violations.vanished.push(`${label}: cancelled ${short(x.cmdId)} although its base is ${String(prev.base)}`);
          if (x.state !== 'cancelled') violations.vanished.push(`${label}: "cancel" left ${short(x.cmdId)} ${x.state}`);
          bump('cancelled by coalescing');
        } else {
          if (valuesEqual(e.desired, prev.base)) violations.vanished.push(`${label}: back to base but replaced instead of cancelled`);
          if (!valuesEqual(x.desired, e.desired) || !PENDING_STATES.includes(x.state)) violations.vanished.push(`${label}: replaced entry ${short(x.cmdId)} does not carry the edit`);
          bump('coalesced edits');
        }
        prev.lastDesired = e.desired;
        prev.lastOp = r.action;
        break;
      }
    }
    desiredSoFar.set(e.prop, [...earlier, e.desired]);
  }
  const failedEdits = d.edits.filter((e) => e.error !== undefined);
  if (failedEdits.length > 0) bump('edits refused (tab closed mid-edit)', failedEdits.length);

  for (const tr of tracked.values()) {
    const row = rowsById.get(tr.cmdId);
    const label = `entry ${short(tr.cmdId)} (${tr.prop}, base ${String(tr.base)}, from edit #${tr.firstEdit})`;
    if (!row) {
      violations.vanished.push(`${label}: its outbox row is gone`);
      continue;
    }
    if (!valuesEqual(row.desired, tr.lastDesired)) violations.vanished.push(`${label}: desired is ${String(row.desired)}, the operator last asked for ${String(tr.lastDesired)}`);
    if (!valuesEqual(row.base.value, tr.base)) violations.vanished.push(`${label}: base became ${String(row.base.value)}`);
    if (tr.lastOp === 'cancel' && row.state !== 'cancelled') violations.vanished.push(`${label}: cancelled by coalescing but ended ${row.state}`);
    if (tr.lastOp !== 'cancel' && tr.lastOp !== 'supersede' && row.state === 'cancelled') violations.vanished.push(`${label}: silently cancelled (${row.reason?.code ?? 'no reason'})`);
    // ---- 3: ended, and visibly so ----
    if (BUSY.includes(row.state)) {
      violations['not-ended'].push(`${label}: still ${row.state} after the round ${d.settled ? 'settled' : 'failed to settle'} (${row.reason?.code ?? ''})`);
    } else if (ATTENTION.includes(row.state) && !row.dismissed) {
      for (const v of d.views) {
        const shown = v.shown.get(row.cmdId);
        if (shown !== row.state) violations['not-ended'].push(`${label}: ${row.state} but tab ${v.tab} shows ${shown ?? 'nothing'}`);
      }
    } else if (row.state === 'confirmed' && !everShown(tr.prop, row.desired, row.createdAt)) {
      violations['not-ended'].push(`${label}: confirmed, but the device never showed ${String(row.desired)} after the edit`);
    }
    bump(`ended ${row.state}`);
    if (row.state === 'unverified' || row.state === 'unconfirmed' || row.state === 'rejected') notes.push(`${label} ended ${row.state}: ${JSON.stringify(row.reason ?? 'no reason')}`);
  }
  for (const row of d.rows) {
    if (tracked.has(row.cmdId)) continue;
    const ghost = failedEdits.some((e) => e.prop === row.propertyId && valuesEqual(e.desired, row.desired));
    if (ghost) {
      bump('rows from refused edits');
      notes.push(`entry ${short(row.cmdId)} ${row.propertyId}=${String(row.desired)} (${row.state}) comes from an edit whose tab closed before it was acknowledged`);
    } else {
      violations.unexplained.push(`outbox row ${short(row.cmdId)} ${row.propertyId}=${String(row.desired)} (${row.state}) matches no edit`);
    }
  }

  // ---- 1: map every routed set to the console publish (and so the entry) behind it ----
  const usedConsole = new Set<ConsolePublish>();
  const setCmd = new Map<BrokerSet, string>();
  const perCmdPublishes = new Map<string, number>();
  for (const s of d.brokerSets) {
    const prop = s.prop;
    const candidates = d.consolePublishes.filter(
      (c) => !usedConsole.has(c) && c.at <= s.at && c.topic === s.topic && c.payload === s.payload && (s.cmdId === undefined || c.cmdId === s.cmdId),
    );
    const call = candidates[candidates.length - 1];
    if (!call) {
      violations.unexplained.push(`set ${s.topic}=${s.payload} at ${t(s.at)}${s.cmdId ? ` (cmd ${short(s.cmdId)})` : ''}: no console publish explains it`);
      continue;
    }
    usedConsole.add(call);
    setCmd.set(s, call.cmdId);
    perCmdPublishes.set(call.cmdId, (perCmdPublishes.get(call.cmdId) ?? 0) + 1);
    const row = rowsById.get(call.cmdId);
    if (!row) {
      violations.unexplained.push(`set ${s.topic}=${s.payload} at ${t(s.at)}: its entry ${short(call.cmdId)} is not in the outbox`);
      continue;
    }
    if (s.value !== String(row.desired)) violations.unexplained.push(`set ${s.topic}=${s.payload} at ${t(s.at)}: entry ${short(row.cmdId)} wants ${String(row.desired)}`);
    const wireBase = s.base ?? call.base;
    if (wireBase !== undefined && wireBase !== JSON.stringify(row.base.value)) {
      violations.unexplained.push(`set ${s.topic}=${s.payload}: holdfast-base ${wireBase} but entry ${short(row.cmdId)} has base ${JSON.stringify(row.base.value)}`);
    }
    const dev = valueAt(prop, call.at, call.seq);
    if (!valuesEqual(dev.value ?? null, row.base.value)) {
      const what = `set ${prop}=${s.payload} (entry ${short(row.cmdId)}, base ${String(row.base.value)}) sent at ${t(call.at)} on a session open since ${call.sessionAt === null ? '?' : t(call.sessionAt)}, while the device showed ${String(dev.value)} (since ${t(dev.since)}, by ${dev.source}${dev.published ? '' : ' while the device was offline, so nobody could know'}); the console had heard ${call.heard ?? 'nothing'} for it on that session`;
      const knewBetter = call.heard === null || call.heard !== String(row.base.value);
      if (!knewBetter && dev.published && dev.since > call.at - RACE_MS) {
        bump('races (device changed < RACE_MS before a send)');
        notes.push(`race: ${what}`);
      } else {
        violations['stale-base'].push(what);
      }
    }
  }
  for (const n of perCmdPublishes.values()) if (n > 1) bump('entries published more than once (earlier copy lost)');

  // ---- 2: device applications per entry ----
  const usedSets = new Set<BrokerSet>();
  const applied = new Map<string, DeviceChange[]>();
  for (const c of d.deviceChanges) {
    if (c.source !== 'set') continue;
    const near = d.brokerSets.filter((s) => !usedSets.has(s) && s.prop === c.prop && s.value === String(c.value) && s.at >= c.at - 3000 && s.at <= c.at + 500);
    // The set it applied: the last routed before the application, else (spy lag on Mosquitto) the first after.
    const before = near.filter((s) => s.at <= c.at);
    const set = before[before.length - 1] ?? near[0];
    let cmdId = set ? setCmd.get(set) : undefined;
    if (set) usedSets.add(set);
    if (cmdId === undefined) {
      const byValue = d.rows.filter((r) => r.propertyId === c.prop && valuesEqual(r.desired, c.value));
      if (byValue.length === 1) cmdId = byValue[0]!.cmdId;
    }
    if (cmdId === undefined) {
      bump('device applications not attributed');
      notes.push(`the device applied ${c.prop}=${String(c.value)} at ${t(c.at)} from a set no entry explains`);
      continue;
    }
    const list = applied.get(cmdId) ?? [];
    list.push(c);
    applied.set(cmdId, list);
  }
  for (const [cmdId, apps] of applied) {
    if (apps.length < 2) continue;
    const row = rowsById.get(cmdId);
    const prop = apps[0]!.prop;
    const first = apps[0]!.at;
    const last = apps[apps.length - 1]!.at;
    const aba = row !== undefined && (changesByProp.get(prop) ?? []).some((c) => c.at > first && c.at < last && valuesEqual(c.value, row.base.value));
    const what = `entry ${short(cmdId)} ${prop}=${String(apps[0]!.value)} applied ${apps.length}× by the device (at ${apps.map((a) => t(a.at)).join(', ')})`;
    if (aba) {
      bump('A-B-A re-applications');
      notes.push(`A-B-A: ${what}; the device was put back on the base in between`);
    } else {
      violations['applied-twice'].push(what);
    }
  }

  return { violations, info, notes };
}
