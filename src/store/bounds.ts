import { ALARM_HISTORY_LIMIT } from '../model/alarm-history.js';
import { AUDIT_MAX_ENTRIES } from '../model/audit.js';
import { HISTORY_MAX_ROWS } from './history-writer.js';
import { KEEP_FINISHED } from './outbox.js';
import { TRAFFIC_LIMIT } from './traffic.js';

/**
 * How large each IndexedDB table may grow, in one place: what keeps a
 * console's storage bounded over a shift (the soak checks every table against
 * this). `null`: the table holds what the operator made (settings, views,
 * scenes, rules), or one row per something the site has.
 */
export interface StoreBound {
  /** The most rows the table keeps; `null` when it grows only with what the operator or the site has. */
  readonly maxRows: number | null;
  /** Which rows count against maxRows: all, or only the finished ones (pending edits are never dropped). */
  readonly counts: 'all' | 'finished';
  /** What bounds it, in words (the soak prints it). */
  readonly why: string;
}

export function storeBounds(site: { readonly devices: number; readonly alarmRules: number }): Readonly<Record<string, StoreBound>> {
  return {
    outbox: { maxRows: KEEP_FINISHED, counts: 'finished', why: `finished entries beyond ${KEEP_FINISHED} are pruned; pending ones are kept until they end` },
    traffic: { maxRows: TRAFFIC_LIMIT, counts: 'all', why: `a ring of the last ${TRAFFIC_LIMIT} messages` },
    history: { maxRows: HISTORY_MAX_ROWS, counts: 'all', why: `the newest ${HISTORY_MAX_ROWS} points of all properties` },
    snapshots: { maxRows: site.devices, counts: 'all', why: 'one last-known record per device' },
    audit: { maxRows: AUDIT_MAX_ENTRIES, counts: 'all', why: `30 days or ${AUDIT_MAX_ENTRIES} edits, whichever is smaller` },
    alarmHistory: { maxRows: ALARM_HISTORY_LIMIT, counts: 'all', why: `the last ${ALARM_HISTORY_LIMIT} alarm events` },
    alarmStates: { maxRows: site.alarmRules, counts: 'all', why: 'one state per alarm rule' },
    alarmAcks: { maxRows: site.alarmRules, counts: 'all', why: 'one acknowledgement per active alarm' },
    alarmRules: { maxRows: null, counts: 'all', why: 'the rules the operators made' },
    settings: { maxRows: null, counts: 'all', why: 'settings, profiles and sealed passwords' },
    views: { maxRows: null, counts: 'all', why: 'the views the operators made' },
    scenes: { maxRows: null, counts: 'all', why: 'the scenes the operators saved' },
  };
}
