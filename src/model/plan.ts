/**
 * The outbox planner: one pure function that decides, for every entry that
 * may still be published, what happens next on this pass. The engine only
 * carries the plan out (one durable write, then publishes and questions to
 * devices); it never builds an entry by hand.
 *
 * The evidence rules, in order (the README's "When is an edit sent?"):
 *  1. The device is away (lost, disconnected, asleep, starting): hold.
 *  2. The property reported on this session: equal to desired → confirmed;
 *     equal to what the operator saw → send; anything else → discarded.
 *  3. No report on this session yet, and the device may still be replaying
 *     its retained status: wait.
 *  4. No report, and the operator looked on this very session (no reconnect
 *     since) at a value reported on it: nothing contradicts what they saw →
 *     send. An unknown base too. If what they saw was itself reported on an
 *     earlier session, ask first where the device can be asked (rule 5's
 *     question); a retained setting that did not come back is rule 5 too.
 *  5. No report, and the base is from an earlier session: ask the device
 *     where the convention can; no way to ask, or no answer in time →
 *     unverified, for the operator's explicit Send anyway or Dismiss, until
 *     the device reports the setting after all (then rule 2 decides).
 */
import type { Availability, DeviceSchema, EntryReason, OutboxEntry, PropertySchema, ReportedValue } from './types.js';
import { PENDING_STATES } from './types.js';
import { updateEntry } from './outbox-entry.js';
import { valuesEqual } from './values.js';

/** How far a device's retained replay has got on this session (see SessionEvidence). */
export type ReplayState =
  /** subscribed, and its retained messages may still be on their way */
  | 'waiting'
  /** every property that the convention says is retained has reported */
  | 'complete'
  /** quiet for the settle period: whatever was retained has arrived */
  | 'settled';

export interface PropertyEvidence {
  readonly device: DeviceSchema | undefined;
  readonly property: PropertySchema | undefined;
  /** The latest report of this property on the current session; undefined if none yet. */
  readonly reported: ReportedValue | undefined;
  readonly replay: ReplayState;
  readonly availability: Availability;
  /** The adapter can ask the device for this property's value. */
  readonly canAsk: boolean;
}

export interface LiveSession {
  readonly id: string;
  readonly startedAt: number;
}

export interface PlanTiming {
  /** How long a sent edit waits for its echo; also how long an earlier attempt may still be on its way. */
  readonly echoDeadlineMs: number;
  /** How long to wait for a device's answer to a question (Zigbee2MQTT /get, Tasmota's empty command). */
  readonly askDeadlineMs: number;
}

export interface PassInput {
  /** Entries in PENDING_STATES, oldest first (others are ignored). */
  readonly entries: readonly OutboxEntry[];
  readonly evidence: (deviceId: string, propertyId: string) => PropertyEvidence;
  /** The open, subscribed session; null when not live (then nothing is decided). */
  readonly session: LiveSession | null;
  /** Properties ("device\u0000property") with an entry in flight: one write per property at a time. */
  readonly busy: ReadonlySet<string>;
  readonly now: number;
  readonly timing: PlanTiming;
}

export interface Transition {
  readonly from: OutboxEntry;
  readonly to: OutboxEntry;
}

export interface Question {
  readonly deviceId: string;
  readonly propertyId: string;
}

export interface PassPlan {
  /** Every change, to be written in one transaction before anything is published. */
  readonly transitions: readonly Transition[];
  /** The `to` of transitions into 'sending': publish these once the write committed. */
  readonly publish: readonly OutboxEntry[];
  /** Questions to put to devices once the write committed. */
  readonly ask: readonly Question[];
  /** When the plan may change with no new message (a settle period, a deadline); null: only on news. */
  readonly wakeAt: number | null;
  /** Devices whose entries wait for their retained replay. */
  readonly waitingFor: readonly string[];
}

export const propertyKey = (deviceId: string, propertyId: string): string => `${deviceId}\u0000${propertyId}`;

/** Availabilities in which the retained status may be older than the device (its panel may move unheard). */
export const AWAY: readonly Availability[] = ['lost', 'disconnected', 'sleeping', 'init'];

/** What one entry's judgement comes to. */
export type Judgement =
  | { readonly next: 'wait'; readonly until?: number }
  | { readonly next: 'send'; readonly fresh: ReportedValue['value'] | null }
  | { readonly next: 'ask' }
  | { readonly next: 'confirmed' | 'discarded'; readonly fresh: ReportedValue['value']; readonly reason: EntryReason }
  | { readonly next: 'held' | 'unverified' | 'rejected'; readonly reason: EntryReason };

/** The earliest time an earlier attempt's copy can no longer reach the device (echo deadline, rounded to the sets' expiry). */
export function resendAllowedAt(entry: OutboxEntry, timing: PlanTiming): number {
  return (entry.lastAttemptAt ?? entry.updatedAt) + Math.ceil(timing.echoDeadlineMs / 1000) * 1000;
}

/** Judge one pending entry against the evidence on this session. */
export function judge(entry: OutboxEntry, ev: PropertyEvidence, session: LiveSession, now: number, timing: PlanTiming): Judgement {
  const { device, property } = ev;
  if (device && !property) return { next: 'rejected', reason: { code: 'setting-gone' } };
  if (property && (!property.settable || property.readOnlyReason !== undefined)) {
    return { next: 'rejected', reason: { code: 'read-only', ...(property.readOnlyReason !== undefined ? { detail: property.readOnlyReason } : {}) } };
  }
  if (property?.momentary) {
    // A momentary command (a reboot, a preset recall) means something only when it was pressed: never later.
    return entry.base.renderedIn === session.id ? { next: 'send', fresh: null } : { next: 'discarded', fresh: entry.desired, reason: { code: 'momentary-not-replayed' } };
  }
  if (AWAY.includes(ev.availability)) return { next: 'held', reason: { code: 'device-away', availability: ev.availability } };
  const reported = ev.reported;
  if (reported !== undefined) {
    if (valuesEqual(reported.value, entry.desired)) return { next: 'confirmed', fresh: reported.value, reason: { code: 'already-shown' } };
    if (valuesEqual(reported.value, entry.base.value)) {
      // An earlier attempt was cut off (no echo): the device showing the base again does not say it never arrived.
      // It may have been applied and changed back at the panel; sending again would undo that. The operator decides.
      if (entry.attempts > 0 && entry.sentAnywayBy === undefined) return { next: 'unverified', reason: { code: 'outcome-unknown', shown: reported.value } };
      return { next: 'send', fresh: reported.value };
    }
    return { next: 'discarded', fresh: reported.value, reason: { code: 'device-changed', now: reported.value } };
  }
  if (ev.replay === 'waiting') return { next: 'wait' };
  // Nothing reported on this session, and nothing more is on its way. If the operator looked on this session
  // (and the device did not go away since: a held entry's device may have moved while it was away), nothing
  // contradicts what they saw.
  const sawItLive = entry.base.renderedIn === session.id && entry.state !== 'held';
  // What they saw may itself be older than this session (a device that does not replay its state shows its last
  // report): where the device can be asked, ask rather than trust it. A retained setting that did not come back
  // on this session is missing evidence, not its absence (a broker restarted without persistence lost it, and the
  // panel may have moved while the device was away): the operator decides.
  const sawOldValue = entry.base.value !== null && entry.base.session !== session.id;
  const replayed = ev.property?.retained !== false;
  if (entry.sentAnywayBy !== undefined || (sawItLive && !(sawOldValue && (ev.canAsk || replayed)))) return { next: 'send', fresh: null };
  if (ev.canAsk) {
    const askedThisSession = entry.state === 'checking' && entry.askedAt !== undefined && entry.askedAt >= session.startedAt;
    if (!askedThisSession) return { next: 'ask' };
    const until = entry.askedAt! + timing.askDeadlineMs;
    if (now < until) return { next: 'wait', until };
    return { next: 'unverified', reason: { code: 'no-answer', waitedMs: timing.askDeadlineMs } };
  }
  return { next: 'unverified', reason: { code: 'cannot-check', retained: property?.retained } };
}

/**
 * Plan one pass over the pending entries. Pure: the same input gives the
 * same plan, and nothing is changed until the caller writes the transitions.
 */
export function planPass(input: PassInput): PassPlan {
  const { session, now, timing } = input;
  const transitions: Transition[] = [];
  const publish: OutboxEntry[] = [];
  const ask: Question[] = [];
  const waiting = new Set<string>();
  let wakeAt: number | null = null;
  const wake = (at: number): void => {
    if (wakeAt === null || at < wakeAt) wakeAt = at;
  };
  if (session === null) return { transitions, publish, ask, wakeAt, waitingFor: [] };
  const busy = new Set(input.busy);
  const change = (from: OutboxEntry, to: OutboxEntry): void => {
    if (to !== from) transitions.push({ from, to });
  };

  for (const entry of input.entries) {
    // An unverified entry waits for the operator, or for evidence: once the device reports the setting on this
    // session, rule 2 decides it as any other (a device that does not retain its state reports it later).
    if (!PENDING_STATES.includes(entry.state) && entry.state !== 'unverified') continue;
    const key = propertyKey(entry.deviceId, entry.propertyId);
    // One write per property at a time: a later edit is judged once the earlier one ends.
    if (busy.has(key)) continue;
    const ev = input.evidence(entry.deviceId, entry.propertyId);
    if (entry.state === 'unverified' && ev.reported === undefined) continue;
    const j = judge(entry, ev, session, now, timing);
    switch (j.next) {
      case 'wait':
        if (j.until !== undefined) wake(j.until);
        else waiting.add(entry.deviceId);
        break;
      case 'ask':
        busy.add(key);
        ask.push({ deviceId: entry.deviceId, propertyId: entry.propertyId });
        wake(now + timing.askDeadlineMs);
        change(entry, updateEntry(entry, { state: 'checking', askedAt: now, reason: { code: 'asking' }, updatedAt: now }, ['fresh']));
        break;
      case 'send': {
        busy.add(key);
        // An earlier attempt may still be on its way to the device: sending again now could apply it twice.
        const allowedAt = resendAllowedAt(entry, timing);
        if (entry.attempts > 0 && !ev.property?.momentary && now < allowedAt) {
          wake(allowedAt);
          const next = updateEntry(entry, { state: 'queued', reason: { code: 'earlier-attempt' }, updatedAt: now }, ['fresh']);
          if (entry.state !== 'queued' || entry.reason?.code !== 'earlier-attempt') change(entry, next);
          break;
        }
        const sending = updateEntry(entry, { state: 'sending', fresh: j.fresh, attempts: entry.attempts + 1, lastAttemptAt: now, updatedAt: now }, ['reason']);
        change(entry, sending);
        publish.push(sending);
        break;
      }
      case 'confirmed':
      case 'discarded':
        change(entry, updateEntry(entry, { state: j.next, fresh: j.fresh, reason: j.reason, updatedAt: now }));
        break;
      case 'held':
      case 'unverified':
      case 'rejected': {
        const same = entry.state === j.next && sameReason(entry.reason, j.reason);
        if (!same) change(entry, updateEntry(entry, { state: j.next, reason: j.reason, fresh: null, updatedAt: now }));
        break;
      }
    }
  }
  return { transitions, publish, ask, wakeAt, waitingFor: [...waiting] };
}

function sameReason(a: EntryReason | undefined, b: EntryReason): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The last-moment check, after the durable 'sending' write and before the
 * publish: a report that arrived during the write and contradicts what the
 * operator saw sends the entry back to be judged again.
 */
export function recheckBeforePublish(sending: OutboxEntry, reported: ReportedValue | undefined, momentary: boolean, now: number): OutboxEntry | null {
  if (momentary || reported === undefined || valuesEqual(reported.value, sending.base.value)) return null;
  return updateEntry(sending, { state: 'queued', reason: { code: 'reported-before-send' }, updatedAt: now }, ['fresh']);
}
