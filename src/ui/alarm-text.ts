/**
 * Alarms in words. The model (model/alarms.ts) decides and returns facts;
 * this is where they become the operator's language.
 */
import { formatAge } from '../model/age.js';
import type { AlarmReading, AlarmRule, AlarmRuleKind, AlarmSeverity, AlarmStatus, AlarmView, RuleFieldError, StaleFact, StaleReason } from '../model/alarms.js';
import type { AlarmEventKind } from '../model/alarms.js';
import type { PropertySchema, PropertyValue } from '../model/types.js';
import { formatValue } from '../model/values.js';
import { AVAILABILITY_TEXT } from './availability.js';

export const SEVERITY_TEXT: Record<AlarmSeverity, string> = { critical: 'Critical', warning: 'Warning', info: 'Info' };

export const RULE_KIND_TEXT: Record<AlarmRuleKind, string> = {
  above: 'Above a threshold',
  below: 'Below a threshold',
  equals: 'Equals a value',
  'not-equals': 'Not equal to a value',
  unavailable: 'Device lost or unavailable',
  'older-than': 'No report for longer than',
};

export const STATUS_TEXT: Record<AlarmStatus, string> = { normal: 'normal', pending: 'pending', active: 'active', acknowledged: 'acknowledged' };

export const STALE_REASON_TEXT: Record<StaleReason, string> = {
  disconnected: 'the console is not connected',
  'device-away': 'the device is not available',
  'not-reported': 'no report on this connection yet',
};

export const EVENT_TEXT: Record<AlarmEventKind | 'rule-removed', string> = {
  raised: 'Raised',
  acknowledged: 'Acknowledged',
  cleared: 'Cleared',
  stale: 'Stale',
  fresh: 'Fresh data again',
  'rule-removed': 'Rule removed',
};

export const RULE_ERROR_TEXT: Record<RuleFieldError, string> = {
  missing: 'Required',
  'not-a-number': 'Enter a number',
  negative: 'Must not be negative',
  'too-long': 'Too large or too long',
  'unknown-kind': 'Choose a kind of alarm',
  'unknown-severity': 'Choose a severity',
  'not-a-value': 'Choose a value',
  'duplicate-id': 'Two rules have the same id',
};

function value(property: PropertySchema | null, v: PropertyValue | null): string {
  if (v === null) return 'unknown';
  return property ? formatValue(property, v) : String(v);
}

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

/** "above 90 °, clears at 85 ° or below, after 10 s". */
export function conditionText(rule: AlarmRule, property: PropertySchema | null): string {
  const held = (ms: number): string => (ms > 0 ? `, for at least ${seconds(ms)}` : '');
  switch (rule.kind) {
    case 'above':
      return `above ${value(property, rule.threshold)}${rule.hysteresis > 0 ? `, clears at ${value(property, rule.threshold - rule.hysteresis)} or below` : ''}${held(rule.minDurationMs)}`;
    case 'below':
      return `below ${value(property, rule.threshold)}${rule.hysteresis > 0 ? `, clears at ${value(property, rule.threshold + rule.hysteresis)} or above` : ''}${held(rule.minDurationMs)}`;
    case 'equals':
      return `is ${value(property, rule.value)}${held(rule.minDurationMs)}`;
    case 'not-equals':
      return `is not ${value(property, rule.value)}${held(rule.minDurationMs)}`;
    case 'unavailable':
      return `lost or unavailable${held(rule.minDurationMs)}`;
    case 'older-than':
      return `no report for more than ${seconds(rule.maxAgeMs)}`;
  }
}

/** The alarm's title: the operator's name for it, else "Genlock phase H above 90 °". */
export function alarmTitle(v: AlarmView): string {
  if (v.rule.name) return v.rule.name;
  const subject = v.rule.kind === 'unavailable' ? v.deviceName : `${v.deviceName} ${v.property?.name ?? (v.rule.kind === 'older-than' ? v.rule.propertyId : '')}`.trim();
  return `${subject} ${conditionText(v.rule, v.property)}`;
}

/** What the reading shows: "100 °, updated 3 s ago", "Offline (connection lost)", "no report for 2 min". */
export function readingText(reading: AlarmReading | null, property: PropertySchema | null, now: number): string {
  if (!reading) return 'no value known';
  switch (reading.kind) {
    case 'value':
      return `${value(property, reading.value)}, received ${formatAge(now - reading.at)}`;
    case 'availability':
      return AVAILABILITY_TEXT[reading.availability];
    case 'silence':
      return `no report since ${formatAge(now - reading.since)}${reading.value !== null ? ` (last value ${value(property, reading.value)})` : ''}`;
  }
}

/** A reading as it was at the time (the history): "100 °", "Offline (connection lost)", "no report since 10:02:03". */
export function readingAt(reading: AlarmReading, property: PropertySchema | null): string {
  switch (reading.kind) {
    case 'value':
      return value(property, reading.value);
    case 'availability':
      return AVAILABILITY_TEXT[reading.availability];
    case 'silence':
      return `no report since ${new Date(reading.since).toLocaleTimeString(undefined, { hour12: false })}${reading.value !== null ? `, last value ${value(property, reading.value)}` : ''}`;
  }
}

/** "Stale: last known state was active (100 °, received 2 min ago); the console is not connected". */
export function staleText(fact: StaleFact, property: PropertySchema | null, now: number): string {
  return `Stale: last known state was ${STATUS_TEXT[fact.lastKnownStatus]} (${readingText(fact.lastKnownReading, property, now)}); ${STALE_REASON_TEXT[fact.reason]}, since ${formatAge(now - fact.since)}`;
}

/** The alarm's state in words (never colour alone). */
export function statusText(v: AlarmView, now: number): string {
  const s = v.state;
  switch (s.status) {
    case 'active':
      return `Active since ${formatAge(now - (s.raisedAt ?? now))}, not acknowledged`;
    case 'acknowledged':
      return `Acknowledged by ${s.ack?.by || 'an unnamed operator'} ${formatAge(now - (s.ack?.at ?? now))}`;
    case 'pending':
      return `Pending: the condition holds since ${formatAge(now - (s.pendingSince ?? now))}`;
    case 'normal':
      return 'Normal';
  }
}
