/**
 * The audit of edits: one record per outbox entry (keyed by its cmdId) with
 * its whole life. Pure: the page and the engine host each know part of it
 * (the page: who edited, from which console, and the operator's taps; the
 * host: every state the engine wrote, the device's echo and the PUBACK), and
 * both merge what they know into the same record with `mergeAudit`. The
 * merge does not depend on the order the two writers commit in.
 *
 * The audit holds no secrets: no passwords, no broker URLs; only what the
 * outbox entry holds, names, and the operator's name as they entered it.
 */
import { csvDocument, type CsvValue } from './csv.js';
import type { EntryReasonCode, OutboxEntry, OutboxState, PropertyValue } from './types.js';

/** Keep the audit this long… */
export const AUDIT_MAX_AGE_MS = 30 * 86_400_000;
/** …and at most this many records, whichever is smaller. */
export const AUDIT_MAX_ENTRIES = 50_000;

export interface AuditStep {
  readonly state: OutboxState;
  readonly at: number;
  readonly reason?: EntryReasonCode;
  /** The edit's value in this step (a newer edit merged into an unsent one changes it). */
  readonly desired: PropertyValue;
  /** The operator dismissed the entry in this step (its state stays what it was). */
  readonly dismissed?: true;
}

export type AuditTapKind = 'send-anyway' | 're-apply' | 'undo' | 'dismiss';

/** Who did something, from where: the operator's name and their console (profile client-ID prefix, tab). */
export interface AuditStamp {
  readonly operator: string;
  /** The connection profile's client-ID prefix (each tab adds its own suffix on the broker). */
  readonly console: string;
  /** The first 8 characters of the tab's client id. */
  readonly tab: string;
}

export interface AuditTap extends AuditStamp {
  readonly kind: AuditTapKind;
  readonly at: number;
  /** Re-apply and Undo of a confirmed edit make a new entry: its cmdId. */
  readonly newCmdId?: string;
}

export interface TimedValue {
  readonly value: PropertyValue;
  readonly at: number;
}

export interface AuditRecord {
  readonly cmdId: string;
  readonly deviceId: string;
  readonly propertyId: string;
  readonly deviceName: string;
  readonly propertyName: string;
  /** Who made the edit ('' when they gave no name; null when the page's record never arrived). */
  readonly operator: string | null;
  readonly console: string | null;
  readonly tab: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** What the operator's control showed when they edited (value null: unknown). */
  readonly base: OutboxEntry['base'];
  /** How old the base was when they edited (null: unknown value). */
  readonly baseAgeMs: number | null;
  readonly desired: PropertyValue;
  /** The latest state and its reason. */
  readonly state: OutboxState;
  readonly reason: EntryReasonCode | null;
  readonly steps: readonly AuditStep[];
  /** The device's value the edit was judged against (e.g. the discarded edit's "device is now"). */
  readonly deviceValue: TimedValue | null;
  /** The device's report that confirmed it. */
  readonly echo: TimedValue | null;
  /** The broker's PUBACK reason code (0 on MQTT 3.1.1, which has none) and when it was recorded. */
  readonly puback: { readonly code: number; readonly at: number } | null;
  readonly taps: readonly AuditTap[];
  /** This entry was made by Re-apply or Undo of another one. */
  readonly follows: { readonly cmdId: string; readonly kind: 're-apply' | 'undo' } | null;
}

/** What one writer knows about one entry version. */
export interface AuditUpdate {
  readonly entry: OutboxEntry;
  readonly stamp?: AuditStamp;
  readonly names?: { readonly device?: string; readonly property?: string };
  readonly echo?: TimedValue;
  readonly deviceValue?: TimedValue;
  readonly tap?: AuditTap;
  readonly follows?: AuditRecord['follows'];
  /** The PUBACK itself, as the engine received it (more exact than what an entry version implies). */
  readonly puback?: { readonly code: number; readonly at: number };
}

/** The PUBACK an entry version records, if it is the one written after the broker's answer. */
export function pubackOf(entry: OutboxEntry): { readonly code: number; readonly at: number } | null {
  const at = entry.updatedAt;
  if (entry.state === 'rejected' && entry.reason?.code === 'not-authorized') return { code: 0x87, at };
  if (entry.state === 'rejected' && entry.reason?.code === 'broker-refused') return { code: entry.reason.reasonCode, at };
  if (entry.state === 'sent' || entry.state === 'sent-unconfirmable') return { code: entry.noSubscribersOn ? 0x10 : 0x00, at };
  return null;
}

function stepOf(entry: OutboxEntry): AuditStep {
  return { state: entry.state, at: entry.updatedAt, desired: entry.desired, ...(entry.reason ? { reason: entry.reason.code } : {}), ...(entry.dismissed ? { dismissed: true as const } : {}) };
}

const stepKey = (s: AuditStep): string => `${s.state}@${s.at}`;
const tapKey = (t: AuditTap): string => `${t.kind}@${t.at}@${t.tab}`;

/** Merge what one writer knows into the record (undefined: none yet). */
export function mergeAudit(prev: AuditRecord | undefined, u: AuditUpdate): AuditRecord {
  const e = u.entry;
  const step = stepOf(e);
  const steps = new Map<string, AuditStep>((prev?.steps ?? []).map((s) => [stepKey(s), s]));
  const known = steps.get(stepKey(step));
  if (!known || (step.reason && !known.reason)) steps.set(stepKey(step), step);
  const ordered = [...steps.values()].sort((a, b) => a.at - b.at);
  const latestIsThis = !prev || e.updatedAt >= prev.updatedAt;
  const last = ordered[ordered.length - 1] ?? step;
  const taps = new Map<string, AuditTap>((prev?.taps ?? []).map((t) => [tapKey(t), t]));
  if (u.tap) taps.set(tapKey(u.tap), u.tap);
  const fresh = e.fresh;
  const deviceValue = u.deviceValue ?? (fresh !== undefined && fresh !== null ? { value: fresh, at: e.updatedAt } : null);
  const puback = u.puback ?? pubackOf(e);
  return {
    cmdId: e.cmdId,
    deviceId: e.deviceId,
    propertyId: e.propertyId,
    deviceName: u.names?.device || prev?.deviceName || e.deviceId,
    propertyName: u.names?.property || prev?.propertyName || e.propertyId,
    operator: prev?.operator ?? u.stamp?.operator ?? null,
    console: prev?.console ?? u.stamp?.console ?? null,
    tab: prev?.tab ?? u.stamp?.tab ?? null,
    createdAt: Math.min(prev?.createdAt ?? e.createdAt, e.createdAt),
    updatedAt: Math.max(prev?.updatedAt ?? e.updatedAt, e.updatedAt),
    base: prev?.base ?? e.base,
    baseAgeMs: prev ? prev.baseAgeMs : e.base.receivedAt === null ? null : Math.max(0, e.createdAt - e.base.receivedAt),
    desired: latestIsThis ? e.desired : prev.desired,
    state: last.state,
    reason: last.reason ?? null,
    steps: ordered,
    deviceValue: deviceValue && (!prev?.deviceValue || latestIsThis) ? deviceValue : (prev?.deviceValue ?? null),
    echo: u.echo ?? prev?.echo ?? null,
    puback: puback && (!prev?.puback || puback.at >= prev.puback.at) ? puback : (prev?.puback ?? null),
    taps: [...taps.values()].sort((a, b) => a.at - b.at),
    follows: prev?.follows ?? u.follows ?? null,
  };
}

/** The oldest `updatedAt` a record may have and be kept. */
export function auditCutoff(now: number, maxAgeMs = AUDIT_MAX_AGE_MS): number {
  return now - maxAgeMs;
}

// ---- export ----

export interface AuditFilter {
  /** Records created at or after (epoch ms). */
  readonly from?: number;
  /** Records created at or before (epoch ms). */
  readonly to?: number;
  readonly deviceId?: string;
  readonly operator?: string;
}

export function matchesAudit(r: AuditRecord, f: AuditFilter): boolean {
  return (f.from === undefined || r.createdAt >= f.from) && (f.to === undefined || r.createdAt <= f.to) && (f.deviceId === undefined || r.deviceId === f.deviceId) && (f.operator === undefined || (r.operator ?? '') === f.operator);
}

/** The CSV export's columns, in order (documented in the README). */
export const AUDIT_CSV_COLUMNS = [
  'cmd_id',
  'created_at',
  'updated_at',
  'operator',
  'console',
  'tab',
  'device_id',
  'device_name',
  'property_id',
  'setting',
  'base_value',
  'base_received_at',
  'base_age_s',
  'desired',
  'state',
  'reason',
  'device_value',
  'device_value_at',
  'echo_value',
  'echo_at',
  'puback_reason_code',
  'puback_at',
  'states',
  'taps',
  'follows',
] as const;

const iso = (t: number | null | undefined): string | null => (t === null || t === undefined ? null : new Date(t).toISOString());
const hex = (code: number): string => `0x${code.toString(16).padStart(2, '0')}`;

export function auditCsvRow(r: AuditRecord): CsvValue[] {
  return [
    r.cmdId,
    iso(r.createdAt),
    iso(r.updatedAt),
    r.operator,
    r.console,
    r.tab,
    r.deviceId,
    r.deviceName,
    r.propertyId,
    r.propertyName,
    r.base.value,
    iso(r.base.receivedAt),
    r.baseAgeMs === null ? null : Math.round(r.baseAgeMs / 100) / 10,
    r.desired,
    r.state,
    r.reason,
    r.deviceValue?.value,
    iso(r.deviceValue?.at),
    r.echo?.value,
    iso(r.echo?.at),
    r.puback ? hex(r.puback.code) : null,
    iso(r.puback?.at),
    r.steps.map((s, i) => `${s.state} ${iso(s.at)}${s.reason ? ` (${s.reason})` : ''}${s.dismissed ? ' dismissed' : ''}${i > 0 && s.desired !== r.steps[i - 1]?.desired ? ` desired ${String(s.desired)}` : ''}`).join('; '),
    r.taps.map((t) => `${t.kind} by ${t.operator || '(no name)'} at ${iso(t.at)} from ${t.console}/${t.tab}${t.newCmdId ? ` as ${t.newCmdId}` : ''}`).join('; '),
    r.follows ? `${r.follows.kind} of ${r.follows.cmdId}` : null,
  ];
}

/** Oldest first, as the export files list them. */
export function auditCsv(records: readonly AuditRecord[]): string {
  return csvDocument(AUDIT_CSV_COLUMNS, records.map(auditCsvRow));
}

export function auditJson(records: readonly AuditRecord[]): string {
  return JSON.stringify({ format: 'holdfast-audit', version: 1, records }, null, 2);
}
