/**
 * Alarms: rules per property (or per device), and the state machine each
 * rule runs. Pure: no DOM, no I/O, no clock of its own. The engine host feeds
 * it (host/alarms.ts); the page only shows what it decided.
 *
 *   normal ──(condition holds, fresh)──► pending ──(held for the minimum duration, fresh)──► active
 *   active ──(operator)──► acknowledged
 *   active | acknowledged ──(clear condition, fresh: past the hysteresis band)──► normal ("cleared")
 *
 * The one rule above all: **a stale input never raises and never clears**.
 * While the console is not connected, the device is away, or the value has
 * not reported on this connection, the state holds and the alarm carries the
 * fact "stale since …, last known state was …" (as data: the UI words it).
 * A pending alarm whose input went stale starts its minimum duration again
 * from the next fresh reading: the time it was not observed does not count.
 */
import type { Availability, PropertySchema, PropertyValue, ReportedValue } from './types.js';
import { valuesEqual } from './values.js';

export type AlarmSeverity = 'critical' | 'warning' | 'info';
export const ALARM_SEVERITIES: readonly AlarmSeverity[] = ['critical', 'warning', 'info'];

interface RuleCommon {
  /** Stable id; the key of the rule's state and history. */
  readonly id: string;
  /** Globally unique device id, e.g. "homie5:vp4". */
  readonly deviceId: string;
  readonly severity: AlarmSeverity;
  /** The operator's name for it; the UI describes the condition when absent. */
  readonly name?: string;
}

/** A number above (or below) a threshold; clears only past the hysteresis band. */
export interface ThresholdRule extends RuleCommon {
  readonly kind: 'above' | 'below';
  readonly propertyId: string;
  readonly threshold: number;
  /** ≥ 0: "above 90, hysteresis 5" raises over 90 and clears at 85 or less. */
  readonly hysteresis: number;
  /** The condition must hold (on fresh data) this long before the alarm is raised. */
  readonly minDurationMs: number;
}

/** An enum or boolean value equal (or not equal) to a given one. */
export interface MatchRule extends RuleCommon {
  readonly kind: 'equals' | 'not-equals';
  readonly propertyId: string;
  readonly value: PropertyValue;
  readonly minDurationMs: number;
}

/** The device is lost or disconnected (its convention says so: Homie $state, HA availability, Zigbee2MQTT, LWT). */
export interface UnavailableRule extends RuleCommon {
  readonly kind: 'unavailable';
  readonly minDurationMs: number;
}

/** No live report of the property for longer than `maxAgeMs` while the console is connected. */
export interface OlderThanRule extends RuleCommon {
  readonly kind: 'older-than';
  readonly propertyId: string;
  readonly maxAgeMs: number;
}

export type AlarmRule = ThresholdRule | MatchRule | UnavailableRule | OlderThanRule;
export type AlarmRuleKind = AlarmRule['kind'];
export const ALARM_RULE_KINDS: readonly AlarmRuleKind[] = ['above', 'below', 'equals', 'not-equals', 'unavailable', 'older-than'];

/** The property a rule reads, or null for a device-level rule. */
export function rulePropertyId(rule: AlarmRule): string | null {
  return rule.kind === 'unavailable' ? null : rule.propertyId;
}

export function ruleMinDurationMs(rule: AlarmRule): number {
  return rule.kind === 'older-than' ? 0 : rule.minDurationMs;
}

/** Two rules watch the same thing the same way (an edit of thresholds keeps the state; anything else starts again). */
export function sameTarget(a: AlarmRule, b: AlarmRule): boolean {
  return a.kind === b.kind && a.deviceId === b.deviceId && rulePropertyId(a) === rulePropertyId(b);
}

// ---- freshness ----

export type StaleReason =
  /** the console has no live session (not connected, or its subscriptions not acknowledged yet) */
  | 'disconnected'
  /** the device says it is away (lost, disconnected, asleep, starting) */
  | 'device-away'
  /** connected, but this value (or the device's availability) has not reported on this connection yet */
  | 'not-reported';

export type Freshness = { readonly fresh: true } | { readonly fresh: false; readonly reason: StaleReason };

export const FRESH: Freshness = { fresh: true };
export const stale = (reason: StaleReason): Freshness => ({ fresh: false, reason });

/** Availabilities in which a device's values are current (as the planner treats them). */
const PRESENT: ReadonlySet<Availability> = new Set<Availability>(['ready', 'alert', 'unknown']);
/** "Device lost or unavailable". */
const UNAVAILABLE: ReadonlySet<Availability> = new Set<Availability>(['lost', 'disconnected']);
/** Back: an unavailable alarm clears only on these (starting up or asleep holds). */
const AVAILABLE: ReadonlySet<Availability> = new Set<Availability>(['ready', 'alert']);

/**
 * Is a property's value fresh? Only a value received on the live session,
 * from a device that is there, is. `session`: the live session's id, or null.
 */
export function valueFreshness(session: string | null, availability: Availability, value: ReportedValue | null): Freshness {
  if (session === null) return stale('disconnected');
  if (!PRESENT.has(availability)) return stale('device-away');
  if (value === null || value.session !== session) return stale('not-reported');
  return FRESH;
}

/**
 * Is a device's availability fresh? On the live session, once it was heard
 * or the device's retained replay is over (a device that never says where it
 * is has nothing more to come).
 */
export function availabilityFreshness(session: string | null, heardThisSession: boolean, replayOver: boolean): Freshness {
  if (session === null) return stale('disconnected');
  return heardThisSession || replayOver ? FRESH : stale('not-reported');
}

/** "Older than N s" is about silence, which only a live connection can observe. */
export function silenceFreshness(session: string | null): Freshness {
  return session === null ? stale('disconnected') : FRESH;
}

// ---- state ----

export type AlarmStatus = 'normal' | 'pending' | 'active' | 'acknowledged';
/** Statuses the alarm list shows. */
export const LISTED_STATUSES: readonly AlarmStatus[] = ['active', 'acknowledged'];

/** What decided (or last could decide) a rule. */
export type AlarmReading =
  | { readonly kind: 'value'; readonly value: PropertyValue; readonly at: number }
  | { readonly kind: 'availability'; readonly availability: Availability; readonly at: number }
  /** older-than: nothing live since `since`, the last value (if any) was `value` */
  | { readonly kind: 'silence'; readonly since: number; readonly value: PropertyValue | null };

export interface AlarmAck {
  /** The operator's name as entered ('' when they gave none). */
  readonly by: string;
  readonly at: number;
}

export interface AlarmState {
  readonly ruleId: string;
  readonly status: AlarmStatus;
  /** pending: when the condition began to hold on fresh data. */
  readonly pendingSince: number | null;
  /** active/acknowledged: this raise's id (an acknowledgement names it, so it never acknowledges a later raise). */
  readonly alarmId: string | null;
  readonly raisedAt: number | null;
  readonly ack: AlarmAck | null;
  /** The last fresh reading. */
  readonly reading: AlarmReading | null;
  /** Set while the input is stale: the state above is the last known one. */
  readonly stale: { readonly reason: StaleReason; readonly since: number } | null;
}

export function initialAlarmState(ruleId: string): AlarmState {
  return { ruleId, status: 'normal', pendingSince: null, alarmId: null, raisedAt: null, ack: null, reading: null, stale: null };
}

/** "stale: last known state was …", as facts. */
export interface StaleFact {
  readonly reason: StaleReason;
  readonly since: number;
  readonly lastKnownStatus: AlarmStatus;
  readonly lastKnownReading: AlarmReading | null;
}

export function staleFact(state: AlarmState): StaleFact | null {
  return state.stale ? { reason: state.stale.reason, since: state.stale.since, lastKnownStatus: state.status, lastKnownReading: state.reading } : null;
}

// ---- evaluation ----

export interface AlarmInput {
  readonly now: number;
  readonly freshness: Freshness;
  /** The property's value with provenance (the last known one when stale); null: none known. */
  readonly value: ReportedValue | null;
  readonly availability: Availability;
  /** older-than: the start of the current silence (the last live report, or when the session went live, whichever is later). */
  readonly silentSince: number | null;
}

export type AlarmEventKind = 'raised' | 'acknowledged' | 'cleared' | 'stale' | 'fresh';

export interface AlarmEvent {
  readonly kind: AlarmEventKind;
  readonly ruleId: string;
  /** The raise this concerns (null for a pending alarm going stale or fresh). */
  readonly alarmId: string | null;
  readonly at: number;
  readonly reading: AlarmReading | null;
  readonly by?: string;
  readonly staleReason?: StaleReason;
}

export interface Evaluation {
  readonly state: AlarmState;
  readonly events: readonly AlarmEvent[];
  /** When to evaluate again with no new input (a minimum duration ends, a silence gets too long); null: no need. */
  readonly wakeAt: number | null;
}

type Verdict = 'raise' | 'clear' | 'hold';

/** What a fresh input says about the rule's condition; 'hold': neither (hysteresis band, a value of the wrong type). */
export function verdict(rule: AlarmRule, input: AlarmInput): Verdict {
  switch (rule.kind) {
    case 'above':
    case 'below': {
      const v = input.value?.value;
      if (typeof v !== 'number' || !Number.isFinite(v)) return 'hold';
      const h = Math.max(0, rule.hysteresis);
      if (rule.kind === 'above') return v > rule.threshold ? 'raise' : v <= rule.threshold - h ? 'clear' : 'hold';
      return v < rule.threshold ? 'raise' : v >= rule.threshold + h ? 'clear' : 'hold';
    }
    case 'equals':
    case 'not-equals': {
      const v = input.value?.value;
      if (v === undefined) return 'hold';
      const equal = valuesEqual(v, rule.value);
      return equal === (rule.kind === 'equals') ? 'raise' : 'clear';
    }
    case 'unavailable':
      return UNAVAILABLE.has(input.availability) ? 'raise' : AVAILABLE.has(input.availability) ? 'clear' : 'hold';
    case 'older-than':
      if (input.silentSince === null) return 'hold';
      return input.now - input.silentSince > rule.maxAgeMs ? 'raise' : 'clear';
  }
}

function readingOf(rule: AlarmRule, input: AlarmInput): AlarmReading | null {
  switch (rule.kind) {
    case 'unavailable':
      return { kind: 'availability', availability: input.availability, at: input.now };
    case 'older-than':
      return input.silentSince === null ? null : { kind: 'silence', since: input.silentSince, value: input.value?.value ?? null };
    default:
      return input.value ? { kind: 'value', value: input.value.value, at: input.value.receivedAt } : null;
  }
}

const sameReading = (a: AlarmReading | null, b: AlarmReading | null): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * One step of a rule's state machine: the previous state and what the
 * engine knows now. Times must not go backwards between calls.
 */
export function evaluate(rule: AlarmRule, prev: AlarmState, input: AlarmInput): Evaluation {
  const { now } = input;
  const f = input.freshness;
  if (!f.fresh) {
    // Never raise, never clear: hold, and say since when and why it is stale.
    const keep = prev.stale !== null && prev.stale.reason === f.reason;
    const events: AlarmEvent[] = prev.stale === null && prev.status !== 'normal' ? [{ kind: 'stale', ruleId: rule.id, alarmId: prev.alarmId, at: now, reading: prev.reading, staleReason: f.reason }] : [];
    const state = keep ? prev : { ...prev, stale: { reason: f.reason, since: prev.stale?.since ?? now } };
    return { state, events, wakeAt: null };
  }
  const events: AlarmEvent[] = [];
  const wasStale = prev.stale !== null;
  const reading = readingOf(rule, input) ?? prev.reading;
  if (wasStale && prev.status !== 'normal') events.push({ kind: 'fresh', ruleId: rule.id, alarmId: prev.alarmId, at: now, reading });
  const v = verdict(rule, input);
  let next: AlarmState = prev.stale === null && sameReading(prev.reading, reading) ? prev : { ...prev, stale: null, reading };
  let wakeAt: number | null = null;
  switch (prev.status) {
    case 'normal':
    case 'pending': {
      if (v !== 'raise') {
        if (next.status !== 'normal') next = { ...next, status: 'normal', pendingSince: null };
        break;
      }
      // A pending alarm that was not observed for a while starts its minimum duration again.
      const since = prev.status === 'pending' && !wasStale && prev.pendingSince !== null ? prev.pendingSince : now;
      const due = since + ruleMinDurationMs(rule);
      if (now >= due) {
        const alarmId = `${rule.id}@${now}`;
        next = { ...next, status: 'active', pendingSince: null, alarmId, raisedAt: now, ack: null };
        events.push({ kind: 'raised', ruleId: rule.id, alarmId, at: now, reading });
      } else {
        if (next.status !== 'pending' || next.pendingSince !== since) next = { ...next, status: 'pending', pendingSince: since };
        wakeAt = due;
      }
      break;
    }
    case 'active':
    case 'acknowledged':
      if (v === 'clear') {
        events.push({ kind: 'cleared', ruleId: rule.id, alarmId: prev.alarmId, at: now, reading });
        next = { ...next, status: 'normal', pendingSince: null, alarmId: null, raisedAt: null, ack: null };
      }
      break;
  }
  // Silence grows without any message: look again when it would become too long.
  if (rule.kind === 'older-than' && next.status === 'normal' && input.silentSince !== null) wakeAt = input.silentSince + rule.maxAgeMs + 1;
  return { state: next, events, wakeAt };
}

/** The operator acknowledged raise `alarmId`: only that raise, only while it is active. Stale or not: it is their act. */
export function acknowledge(prev: AlarmState, alarmId: string, ack: AlarmAck): { readonly state: AlarmState; readonly events: readonly AlarmEvent[] } {
  if (prev.status !== 'active' || prev.alarmId !== alarmId) return { state: prev, events: [] };
  return {
    state: { ...prev, status: 'acknowledged', ack },
    events: [{ kind: 'acknowledged', ruleId: prev.ruleId, alarmId, at: ack.at, reading: prev.reading, by: ack.by }],
  };
}

// ---- rules from configuration ----

export type RuleFieldError =
  | 'missing'
  | 'not-a-number'
  | 'negative'
  | 'too-long'
  | 'unknown-kind'
  | 'unknown-severity'
  | 'not-a-value'
  | 'duplicate-id';

export type RuleCheck = { readonly ok: true; readonly rule: AlarmRule } | { readonly ok: false; readonly errors: Readonly<Record<string, RuleFieldError>> };

/** Durations above a day are a typo, not a rule. */
export const MAX_ALARM_DURATION_MS = 86_400_000;

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Check one rule from a form, a pasted file or the server's configuration. */
export function checkRule(input: unknown): RuleCheck {
  if (!isRecord(input)) return { ok: false, errors: { rule: 'missing' } };
  const errors: Record<string, RuleFieldError> = {};
  const text = (key: string, max = 200): string => {
    const v = input[key];
    if (typeof v !== 'string' || v.trim() === '') {
      errors[key] = 'missing';
      return '';
    }
    if (v.length > max) errors[key] = 'too-long';
    return v.trim();
  };
  const num = (key: string, opts: { min?: number; max?: number; fallback?: number } = {}): number => {
    const raw = input[key] ?? opts.fallback;
    const v = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (raw === undefined) errors[key] = 'missing';
    else if (!Number.isFinite(v)) errors[key] = 'not-a-number';
    else if (opts.min !== undefined && v < opts.min) errors[key] = 'negative';
    else if (opts.max !== undefined && v > opts.max) errors[key] = 'too-long';
    return v;
  };
  const id = text('id', 100);
  const deviceId = text('deviceId', 500);
  const severityRaw = input['severity'] ?? 'warning';
  const severity = ALARM_SEVERITIES.find((s) => s === severityRaw);
  if (!severity) errors['severity'] = 'unknown-severity';
  const nameRaw = input['name'];
  const name = typeof nameRaw === 'string' && nameRaw.trim() !== '' ? nameRaw.trim() : undefined;
  if (name !== undefined && name.length > 120) errors['name'] = 'too-long';
  const common = { id, deviceId, severity: severity ?? 'warning', ...(name !== undefined ? { name } : {}) };
  const kind = ALARM_RULE_KINDS.find((k) => k === input['kind']);
  let rule: AlarmRule | null = null;
  switch (kind) {
    case 'above':
    case 'below':
      rule = {
        ...common,
        kind,
        propertyId: text('propertyId', 500),
        threshold: num('threshold'),
        hysteresis: num('hysteresis', { min: 0, fallback: 0 }),
        minDurationMs: num('minDurationMs', { min: 0, max: MAX_ALARM_DURATION_MS, fallback: 0 }),
      };
      break;
    case 'equals':
    case 'not-equals': {
      const value = input['value'];
      if (typeof value !== 'string' && typeof value !== 'boolean' && !(typeof value === 'number' && Number.isFinite(value))) errors['value'] = 'not-a-value';
      rule = { ...common, kind, propertyId: text('propertyId', 500), value: value as PropertyValue, minDurationMs: num('minDurationMs', { min: 0, max: MAX_ALARM_DURATION_MS, fallback: 0 }) };
      break;
    }
    case 'unavailable':
      rule = { ...common, kind, minDurationMs: num('minDurationMs', { min: 0, max: MAX_ALARM_DURATION_MS, fallback: 0 }) };
      break;
    case 'older-than':
      rule = { ...common, kind, propertyId: text('propertyId', 500), maxAgeMs: num('maxAgeMs', { min: 0, max: MAX_ALARM_DURATION_MS }) };
      break;
    default:
      errors['kind'] = 'unknown-kind';
  }
  if (rule === null || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, rule };
}

export type RulesCheck = { readonly ok: true; readonly rules: readonly AlarmRule[] } | { readonly ok: false; readonly errors: readonly { readonly index: number; readonly field: string; readonly error: RuleFieldError }[] };

/**
 * The rules of a configuration file: `{ "alarms": [rule, …] }` (as the
 * server's config.json and the alarm panel's export carry them) or a bare
 * array. All or nothing: one bad rule rejects the file.
 */
export function checkRules(input: unknown): RulesCheck {
  const list = Array.isArray(input) ? input : isRecord(input) && Array.isArray(input['alarms']) ? (input['alarms'] as unknown[]) : null;
  if (list === null) return { ok: false, errors: [{ index: -1, field: 'alarms', error: 'missing' }] };
  const rules: AlarmRule[] = [];
  const errors: { index: number; field: string; error: RuleFieldError }[] = [];
  const ids = new Set<string>();
  list.forEach((raw, index) => {
    const r = checkRule(raw);
    if (!r.ok) for (const [field, error] of Object.entries(r.errors)) errors.push({ index, field, error });
    else if (ids.has(r.rule.id)) errors.push({ index, field: 'id', error: 'duplicate-id' });
    else {
      ids.add(r.rule.id);
      rules.push(r.rule);
    }
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, rules };
}

/** The configuration file's shape for rules (what the alarm panel exports and config.json may carry). */
export function rulesFile(rules: readonly AlarmRule[]): { readonly alarms: readonly AlarmRule[] } {
  return { alarms: rules };
}

/** A rule and its state as every console shows it (the engine host sends these in its diffs). */
export interface AlarmView {
  readonly rule: AlarmRule;
  readonly state: AlarmState;
  /** The device's display name as the host knows it now (its id until it announced itself). */
  readonly deviceName: string;
  /** The property's schema, for its name, unit and value formatting; null for device rules or before discovery. */
  readonly property: PropertySchema | null;
}

/** Active alarms nobody acknowledged yet: the header badge's count. */
export function unacknowledgedCount(views: readonly AlarmView[]): number {
  return views.filter((v) => v.state.status === 'active').length;
}

/** Which rule kinds suit a property: numbers get thresholds, enums and booleans get matches; both can be watched for silence. */
export function ruleKindsFor(p: PropertySchema): readonly AlarmRuleKind[] {
  if (p.momentary || p.reports === false) return [];
  if (p.datatype === 'integer' || p.datatype === 'float') return ['above', 'below', 'older-than'];
  if (p.datatype === 'enum' || p.datatype === 'boolean') return ['equals', 'not-equals', 'older-than'];
  return [];
}
