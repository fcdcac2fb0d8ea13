import { liveQuery } from 'dexie';
import type { HoldfastDb, TrafficRow } from './db.js';

/** How many messages the log keeps; older ones drop off (it is a ring, not an archive). */
export const TRAFFIC_LIMIT = 2000;
const PAYLOAD_LIMIT = 1024;
const FLUSH_MS = 500;

export function payloadText(payload: Uint8Array | string): string {
  if (typeof payload === 'string') return payload.length > PAYLOAD_LIMIT ? `${payload.slice(0, PAYLOAD_LIMIT)}… (${payload.length} characters)` : payload;
  if (payload.byteLength > PAYLOAD_LIMIT) return `${new TextDecoder().decode(payload.subarray(0, PAYLOAD_LIMIT))}… (${payload.byteLength} bytes)`;
  return new TextDecoder().decode(payload);
}

/** Incident-log style: `2026-11-21T10:00:00.123Z IN  topic payload  (note)`. */
export function trafficLine(r: TrafficRow): string {
  return `${new Date(r.at).toISOString()} ${r.direction === 'in' ? 'IN ' : 'OUT'} ${r.topic} ${r.payload}${r.retained ? ' [retained]' : ''}${r.note ? `  (${r.note})` : ''}`;
}

/**
 * The traffic log, written by the leader in batches (one transaction per
 * half second, however busy the broker) and trimmed to TRAFFIC_LIMIT.
 */
/** A row before its payload is turned into text (done only for rows that are kept). */
export type TrafficInput = Omit<TrafficRow, 'payload'> & { readonly payload: Uint8Array | string };

export interface TrafficFilter {
  readonly deviceId?: string;
  readonly topic?: string;
}

export class TrafficStore {
  private pending: TrafficInput[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly db: HoldfastDb) {}

  record(row: TrafficInput): void {
    this.pending.push(row);
    // Under a flood only the newest TRAFFIC_LIMIT can survive anyway (trimmed in steps, not per message).
    if (this.pending.length >= 2 * TRAFFIC_LIMIT) this.pending = this.pending.slice(-TRAFFIC_LIMIT);
    if (this.timer === undefined) this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
  }

  async flush(): Promise<void> {
    this.timer = undefined;
    const rows: TrafficRow[] = this.pending.slice(-TRAFFIC_LIMIT).map((r) => ({ ...r, payload: payloadText(r.payload) }));
    this.pending = [];
    if (rows.length === 0) return;
    try {
      await this.db.transaction('rw', this.db.traffic, async () => {
        await this.db.traffic.bulkAdd(rows);
        const count = await this.db.traffic.count();
        if (count > TRAFFIC_LIMIT) {
          const old = await this.db.traffic.orderBy('id').limit(count - TRAFFIC_LIMIT).primaryKeys();
          await this.db.traffic.bulkDelete(old);
        }
      });
    } catch (err) {
      // The log is diagnostic; a full disk must not disturb control.
      console.warn('Holdfast: could not write the traffic log', err);
    }
  }

  /** Newest first, filtered by device and topic text. */
  async query(filter: TrafficFilter, limit = 500): Promise<TrafficRow[]> {
    const topic = filter.topic?.trim().toLowerCase();
    // Newest first straight off the index (rows of one device are in id order within it), stopping at the limit:
    // an open log re-reads what it shows each time the log is written, not the whole log.
    const newest = (filter.deviceId ? this.db.traffic.where('deviceId').equals(filter.deviceId) : this.db.traffic.orderBy('id')).reverse();
    const matching = topic ? newest.filter((r) => r.topic.toLowerCase().includes(topic)) : newest;
    return (Number.isFinite(limit) ? matching.limit(limit) : matching).toArray();
  }

  /** The newest `limit` rows matching, now and whenever the log changes (any tab or worker writes it). */
  subscribe(filter: TrafficFilter, limit: number, fn: (rows: readonly TrafficRow[]) => void): () => void {
    const sub = liveQuery(() => this.query(filter, limit)).subscribe({ next: fn, error: (err: unknown) => console.warn('Holdfast: traffic log query failed', err) });
    return () => sub.unsubscribe();
  }

  /** Every kept row matching, oldest first, as the export file's text. */
  async export(filter: TrafficFilter, kind: 'text' | 'json'): Promise<string> {
    const rows = (await this.query(filter, Infinity)).reverse();
    return kind === 'json' ? JSON.stringify(rows, null, 2) : rows.map(trafficLine).join('\n') + '\n';
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
