// The chaos invariants over a whole soak, from what the broker and the
// devices saw (test/chaos/checks.ts does the judging). The console runs in
// Chromium here, so the console-side record of each set is rebuilt from the
// broker's: on Mosquitto every set carries its edit's id and base as MQTT 5
// user properties. The publish happened before the device applied it, so a
// set seen by the broker's spy after the device's log line is put just before
// that line: the check compares its base with the device's value *before*
// this very set.

import { checkRound, CATEGORIES, type Category, type EditRecord, type Findings, type TabView } from '../chaos/checks.js';
import type { ChaosDevice } from '../chaos/devices.js';
import type { BrokerSet, ConsolePublish, DeviceChange, Value } from '../chaos/observe.js';
import type { OutboxEntry } from '../../src/model/types.js';

export interface SoakRecords {
  readonly startedAt: number;
  readonly initial: Readonly<Record<string, Value>>;
  readonly edits: readonly EditRecord[];
  /** Every outbox row seen during the soak (pruned finished rows kept as last seen), by cmdId. */
  readonly rows: ReadonlyMap<string, OutboxEntry>;
  readonly deviceChanges: readonly DeviceChange[];
  readonly brokerSets: readonly BrokerSet[];
  readonly views: readonly TabView[];
  readonly settled: boolean;
  /** Edits the soak made whose hook record never arrived: the operator's change did not reach the outbox. */
  readonly lostEdits: readonly string[];
}

/** Console publishes, as the broker's record shows them (MQTT 5: with cmdId and base). */
export function consolePublishesFromBroker(sets: readonly BrokerSet[], changes: readonly DeviceChange[]): ConsolePublish[] {
  const applied = changes.filter((c) => c.source === 'set');
  const used = new Set<DeviceChange>();
  return sets
    .filter((s) => s.cmdId !== undefined)
    .map((s) => {
      // The device's application of this set, if it logged one before the spy saw the set.
      const app = applied.find((c) => !used.has(c) && c.prop === s.prop && String(c.value) === s.value && c.at >= s.at - 3000 && c.at <= s.at);
      if (app) used.add(app);
      return {
        at: app ? Math.min(s.at, app.at) : s.at,
        seq: app ? app.seq - 0.5 : Number.POSITIVE_INFINITY,
        topic: s.topic,
        payload: s.payload,
        cmdId: s.cmdId!,
        base: s.base,
        sessionAt: null,
        prop: s.prop,
        value: s.value,
        // Unknown from outside the console: no race is excused.
        heard: null,
      } satisfies ConsolePublish;
    });
}

/** Judge one device's share of the soak. */
export function judgeDevice(r: SoakRecords, device: ChaosDevice): Findings {
  const edits = r.edits.filter((e) => device.props.includes(e.prop));
  const rows = [...r.rows.values()].filter((row) => row.deviceId === device.holdfastId);
  const deviceChanges = r.deviceChanges.filter((c) => c.device === device.simId);
  const brokerSets = r.brokerSets.filter((b) => device.isSetTopic(b.topic));
  const initial = Object.fromEntries(device.props.map((p) => [p, r.initial[p]!]));
  return checkRound({
    startedAt: r.startedAt,
    initial,
    edits,
    rows,
    deviceChanges,
    consolePublishes: consolePublishesFromBroker(brokerSets, deviceChanges),
    brokerSets,
    views: r.views.map((v) => ({ tab: v.tab, shown: new Map([...v.shown].filter(([id]) => rows.some((row) => row.cmdId === id))) })),
    settled: r.settled,
  });
}

export interface SoakVerdict {
  readonly violations: Record<Category, string[]>;
  readonly total: number;
  readonly info: Record<string, number>;
  readonly notes: string[];
}

export function judgeSoak(r: SoakRecords, devices: readonly ChaosDevice[]): SoakVerdict {
  const violations = Object.fromEntries(CATEGORIES.map((c) => [c, [] as string[]])) as Record<Category, string[]>;
  const info: Record<string, number> = {};
  const notes: string[] = [];
  for (const d of devices) {
    const f = judgeDevice(r, d);
    for (const c of CATEGORIES) violations[c].push(...f.violations[c].map((v) => `${d.simId}: ${v}`));
    for (const [k, n] of Object.entries(f.info)) info[k] = (info[k] ?? 0) + n;
    notes.push(...f.notes.map((n) => `${d.simId}: ${n}`));
  }
  violations.vanished.push(...r.lostEdits);
  return { violations, total: CATEGORIES.reduce((n, c) => n + violations[c].length, 0), info, notes };
}
