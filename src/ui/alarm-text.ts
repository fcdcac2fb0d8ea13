/**
 * Alarms in words. The model (model/alarms.ts) decides and returns facts;
 * this is where they become the operator's language. Every text here is a
 * function, evaluated when rendering (so it follows a change of language).
 * Device names, setting names, units and values are the device's, passed
 * into the messages as values.
 */
import { msg, str } from '@lit/localize';
import { formatAge, formatNumber, formatTime } from '../i18n/format.js';
import type { AlarmReading, AlarmRule, AlarmRuleKind, AlarmSeverity, AlarmStatus, AlarmView, RuleFieldError, StaleFact, StaleReason } from '../model/alarms.js';
import type { AlarmEventKind } from '../model/alarms.js';
import type { PropertySchema, PropertyValue } from '../model/types.js';
import { formatValue } from '../model/values.js';
import { availabilityText } from './availability.js';

export function severityText(s: AlarmSeverity): string {
  switch (s) {
    case 'critical':
      return msg('Critical');
    case 'warning':
      return msg('Warning');
    case 'info':
      return msg('Info');
  }
}

export function ruleKindText(k: AlarmRuleKind): string {
  switch (k) {
    case 'above':
      return msg('Above a threshold');
    case 'below':
      return msg('Below a threshold');
    case 'equals':
      return msg('Equals a value');
    case 'not-equals':
      return msg('Not equal to a value');
    case 'unavailable':
      return msg('Device lost or unavailable');
    case 'older-than':
      return msg('No report for longer than');
  }
}

/** The state as a word inside a sentence ("last known state was active"). */
export function statusWord(s: AlarmStatus): string {
  switch (s) {
    case 'normal':
      return msg('normal');
    case 'pending':
      return msg('pending');
    case 'active':
      return msg('active');
    case 'acknowledged':
      return msg('acknowledged');
  }
}

export function staleReasonText(r: StaleReason): string {
  switch (r) {
    case 'disconnected':
      return msg('the console is not connected');
    case 'device-away':
      return msg('the device is not available');
    case 'not-reported':
      return msg('no report on this connection yet');
  }
}

export function eventText(e: AlarmEventKind | 'rule-removed'): string {
  switch (e) {
    case 'raised':
      return msg('Raised');
    case 'acknowledged':
      return msg('Acknowledged');
    case 'cleared':
      return msg('Cleared');
    case 'stale':
      return msg('Stale');
    case 'fresh':
      return msg('Fresh data again');
    case 'rule-removed':
      return msg('Rule removed');
  }
}

export function ruleErrorText(e: RuleFieldError): string {
  switch (e) {
    case 'missing':
      return msg('Required');
    case 'not-a-number':
      return msg('Enter a number');
    case 'negative':
      return msg('Must not be negative');
    case 'too-long':
      return msg('Too large or too long');
    case 'unknown-kind':
      return msg('Choose a kind of alarm');
    case 'unknown-severity':
      return msg('Choose a severity');
    case 'not-a-value':
      return msg('Choose a value');
    case 'duplicate-id':
      return msg('Two rules have the same id');
  }
}

/** One problem of a pasted rules file: "rule 2, threshold: enter a number" (`field` is the file's own key). */
export function importErrorText(rule: number, field: string, e: RuleFieldError): string {
  const n = formatNumber(rule);
  switch (e) {
    case 'missing':
      return msg(str`rule ${n}, ${field}: required`);
    case 'not-a-number':
      return msg(str`rule ${n}, ${field}: enter a number`);
    case 'negative':
      return msg(str`rule ${n}, ${field}: must not be negative`);
    case 'too-long':
      return msg(str`rule ${n}, ${field}: too large or too long`);
    case 'unknown-kind':
      return msg(str`rule ${n}, ${field}: choose a kind of alarm`);
    case 'unknown-severity':
      return msg(str`rule ${n}, ${field}: choose a severity`);
    case 'not-a-value':
      return msg(str`rule ${n}, ${field}: choose a value`);
    case 'duplicate-id':
      return msg(str`rule ${n}, ${field}: two rules have the same id`);
  }
}

function value(property: PropertySchema | null, v: PropertyValue | null): string {
  if (v === null) return msg('unknown');
  return property ? formatValue(property, v) : String(v);
}

/** A rule's duration in seconds, with one decimal: "10 s", "0.5 s". */
const seconds = (ms: number): string => msg(str`${formatNumber(Math.round(ms / 100) / 10)} s`);

/** "above 90 °, clears at 85 ° or below, for at least 10 s". */
export function conditionText(rule: AlarmRule, property: PropertySchema | null): string {
  switch (rule.kind) {
    case 'above':
    case 'below': {
      const threshold = value(property, rule.threshold);
      const held = rule.minDurationMs > 0 ? seconds(rule.minDurationMs) : null;
      if (rule.hysteresis > 0) {
        const clears = value(property, rule.kind === 'above' ? rule.threshold - rule.hysteresis : rule.threshold + rule.hysteresis);
        if (rule.kind === 'above') return held ? msg(str`above ${threshold}, clears at ${clears} or below, for at least ${held}`) : msg(str`above ${threshold}, clears at ${clears} or below`);
        return held ? msg(str`below ${threshold}, clears at ${clears} or above, for at least ${held}`) : msg(str`below ${threshold}, clears at ${clears} or above`);
      }
      if (rule.kind === 'above') return held ? msg(str`above ${threshold}, for at least ${held}`) : msg(str`above ${threshold}`);
      return held ? msg(str`below ${threshold}, for at least ${held}`) : msg(str`below ${threshold}`);
    }
    case 'equals': {
      const v = value(property, rule.value);
      return rule.minDurationMs > 0 ? msg(str`is ${v}, for at least ${seconds(rule.minDurationMs)}`) : msg(str`is ${v}`);
    }
    case 'not-equals': {
      const v = value(property, rule.value);
      return rule.minDurationMs > 0 ? msg(str`is not ${v}, for at least ${seconds(rule.minDurationMs)}`) : msg(str`is not ${v}`);
    }
    case 'unavailable':
      return rule.minDurationMs > 0 ? msg(str`lost or unavailable, for at least ${seconds(rule.minDurationMs)}`) : msg('lost or unavailable');
    case 'older-than':
      return msg(str`no report for more than ${seconds(rule.maxAgeMs)}`);
  }
}

/** The alarm's title: the operator's name for it, else "Genlock phase H above 90 °" (the device's names, then the condition). */
export function alarmTitle(v: AlarmView): string {
  if (v.rule.name) return v.rule.name;
  const subject = v.rule.kind === 'unavailable' ? v.deviceName : `${v.deviceName} ${v.property?.name ?? (v.rule.kind === 'older-than' ? v.rule.propertyId : '')}`.trim();
  return `${subject} ${conditionText(v.rule, v.property)}`;
}

/** What the reading shows: "100 °, received 3 sec. ago", "Offline (connection lost)", "no report since 2 min. ago". */
export function readingText(reading: AlarmReading | null, property: PropertySchema | null, now: number): string {
  if (!reading) return msg('no value known');
  switch (reading.kind) {
    case 'value':
      return msg(str`${value(property, reading.value)}, received ${formatAge(now - reading.at)}`);
    case 'availability':
      return availabilityText(reading.availability);
    case 'silence': {
      const age = formatAge(now - reading.since);
      return reading.value !== null ? msg(str`no report since ${age} (last value ${value(property, reading.value)})`) : msg(str`no report since ${age}`);
    }
  }
}

/** A reading as it was at the time (the history): "100 °", "Offline (connection lost)", "no report since 10:02:03". */
export function readingAt(reading: AlarmReading, property: PropertySchema | null): string {
  switch (reading.kind) {
    case 'value':
      return value(property, reading.value);
    case 'availability':
      return availabilityText(reading.availability);
    case 'silence': {
      const at = formatTime(reading.since);
      return reading.value !== null ? msg(str`no report since ${at}, last value ${value(property, reading.value)}`) : msg(str`no report since ${at}`);
    }
  }
}

/** "Stale: last known state was active (100 °, received 2 min. ago); the console is not connected, since 5 sec. ago". */
export function staleText(fact: StaleFact, property: PropertySchema | null, now: number): string {
  return msg(
    str`Stale: last known state was ${statusWord(fact.lastKnownStatus)} (${readingText(fact.lastKnownReading, property, now)}); ${staleReasonText(fact.reason)}, since ${formatAge(now - fact.since)}`,
  );
}

/** The alarm's state in words (never colour alone). */
export function statusText(v: AlarmView, now: number): string {
  const s = v.state;
  switch (s.status) {
    case 'active':
      return msg(str`Active since ${formatAge(now - (s.raisedAt ?? now))}, not acknowledged`);
    case 'acknowledged': {
      const age = formatAge(now - (s.ack?.at ?? now));
      const by = s.ack?.by;
      return by ? msg(str`Acknowledged by ${by} ${age}`) : msg(str`Acknowledged by an unnamed operator ${age}`);
    }
    case 'pending':
      return msg(str`Pending: the condition holds since ${formatAge(now - (s.pendingSince ?? now))}`);
    case 'normal':
      return msg('Normal');
  }
}
