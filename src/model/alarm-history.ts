/**
 * The alarm history: what happened to each alarm (raised, acknowledged,
 * cleared, stale, fresh again, rule removed), kept in a bounded table by the
 * engine host and exported from the page. Pure: the record and its export.
 */
import type { AlarmEventKind, AlarmReading, AlarmRule, StaleReason } from './alarms.js';
import { rulePropertyId } from './alarms.js';
import { csvDocument, type CsvValue } from './csv.js';
import type { PropertySchema } from './types.js';

/** How many history records are kept; older ones drop off. */
export const ALARM_HISTORY_LIMIT = 10_000;

export interface AlarmHistoryRecord {
  readonly id?: number;
  readonly at: number;
  readonly event: AlarmEventKind | 'rule-removed';
  readonly alarmId: string | null;
  readonly ruleId: string;
  /** The rule as it was when this happened. */
  readonly rule: AlarmRule;
  readonly deviceName: string;
  /** The property's schema as it was (name, unit, labels), null for device rules or before discovery. */
  readonly property: PropertySchema | null;
  readonly reading: AlarmReading | null;
  /** acknowledged: the operator's name as entered. */
  readonly by?: string;
  readonly staleReason?: StaleReason;
}

export const ALARM_HISTORY_CSV_COLUMNS = [
  'at',
  'event',
  'alarm_id',
  'rule_id',
  'rule_name',
  'severity',
  'kind',
  'device_id',
  'device_name',
  'property_id',
  'setting',
  'threshold',
  'hysteresis',
  'match_value',
  'min_duration_s',
  'max_age_s',
  'value',
  'unit',
  'availability',
  'reading_at',
  'silent_since',
  'by',
  'stale_reason',
] as const;

const iso = (t: number | null | undefined): string | null => (t === null || t === undefined ? null : new Date(t).toISOString());

export function alarmHistoryCsvRow(r: AlarmHistoryRecord): CsvValue[] {
  const rule = r.rule;
  const reading = r.reading;
  return [
    iso(r.at),
    r.event,
    r.alarmId,
    r.ruleId,
    rule.name ?? null,
    rule.severity,
    rule.kind,
    rule.deviceId,
    r.deviceName,
    rulePropertyId(rule),
    r.property?.name ?? null,
    rule.kind === 'above' || rule.kind === 'below' ? rule.threshold : null,
    rule.kind === 'above' || rule.kind === 'below' ? rule.hysteresis : null,
    rule.kind === 'equals' || rule.kind === 'not-equals' ? rule.value : null,
    rule.kind === 'older-than' ? null : rule.minDurationMs / 1000,
    rule.kind === 'older-than' ? rule.maxAgeMs / 1000 : null,
    reading?.kind === 'value' ? reading.value : reading?.kind === 'silence' ? reading.value : null,
    r.property?.unit ?? null,
    reading?.kind === 'availability' ? reading.availability : null,
    reading?.kind === 'value' || reading?.kind === 'availability' ? iso(reading.at) : null,
    reading?.kind === 'silence' ? iso(reading.since) : null,
    r.by ?? null,
    r.staleReason ?? null,
  ];
}

/** Oldest first. */
export function alarmHistoryCsv(records: readonly AlarmHistoryRecord[]): string {
  return csvDocument(ALARM_HISTORY_CSV_COLUMNS, records.map(alarmHistoryCsvRow));
}

export function alarmHistoryJson(records: readonly AlarmHistoryRecord[]): string {
  return JSON.stringify({ format: 'holdfast-alarm-history', version: 1, records }, null, 2);
}
