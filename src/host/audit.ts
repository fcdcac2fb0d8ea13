/**
 * The engine host's part of the audit: every outbox entry version the engine
 * wrote (judged, sent, PUBACK, echo, deadline, recovery) is merged into the
 * entry's audit record, with what only the host knows: the device's report
 * that confirmed it (value and time), the device value it was judged against
 * and the names of device and setting. Written in batches; pruned to its
 * bounds when the host starts and every hour.
 */
import type { AuditUpdate, TimedValue } from '../model/audit.js';
import type { OutboxEntry } from '../model/types.js';
import { valuesEqual } from '../model/values.js';
import type { AuditStore } from '../store/audit.js';
import type { DeviceStates } from '../status/device-states.js';

const WRITE_DELAY_MS = 250;
const PRUNE_EVERY_MS = 3_600_000;

/** What the host knows about an entry version beyond the entry itself. */
export function hostAuditUpdate(entry: OutboxEntry, devices: DeviceStates): AuditUpdate {
  const schema = devices.schema(entry.deviceId);
  const property = schema?.properties.find((p) => p.id === entry.propertyId);
  const current = devices.current(entry.deviceId, entry.propertyId);
  let echo: TimedValue | undefined;
  if (entry.state === 'confirmed' && entry.reason?.code === 'confirmed-by-echo') {
    // The echo is the property's report or, on Homie, its $target: whichever shows the value.
    const target = devices.detail(entry.deviceId)?.targets[entry.propertyId];
    const source = current && valuesEqual(current.value, entry.desired) ? current : target && valuesEqual(target.value, entry.desired) ? target : undefined;
    echo = source ? { value: source.value, at: source.receivedAt } : { value: entry.desired, at: entry.updatedAt };
  }
  const fresh = entry.fresh;
  const deviceValue: TimedValue | undefined = fresh !== undefined && fresh !== null ? { value: fresh, at: current && valuesEqual(current.value, fresh) ? current.receivedAt : entry.updatedAt } : undefined;
  return {
    entry,
    names: { ...(schema ? { device: schema.name } : {}), ...(property ? { property: property.name } : {}) },
    ...(echo ? { echo } : {}),
    ...(deviceValue ? { deviceValue } : {}),
  };
}

export class AuditRecorder {
  private pending: AuditUpdate[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pruneTimer: ReturnType<typeof setInterval> | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: AuditStore,
    private readonly devices: DeviceStates,
  ) {}

  /** Prune now and every hour. */
  start(): void {
    void this.prune();
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
  }

  private async prune(): Promise<void> {
    try {
      await this.store.prune();
    } catch (err) {
      console.warn('Holdfast: could not prune the audit', err);
    }
  }

  /** The engine received the broker's PUBACK for this entry's publish. */
  puback(entry: OutboxEntry, code: number, at: number): void {
    this.pending.push({ entry, puback: { code, at } });
    if (this.timer === undefined) this.timer = setTimeout(() => void this.flush(), WRITE_DELAY_MS);
  }

  /** Entry versions the engine wrote (its onWritten hook). */
  written(entries: readonly OutboxEntry[]): void {
    for (const e of entries) this.pending.push(hostAuditUpdate(e, this.devices));
    if (this.timer === undefined) this.timer = setTimeout(() => void this.flush(), WRITE_DELAY_MS);
  }

  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return this.writing;
    // The audit is a record, not control: a full disk must not disturb sending.
    this.writing = this.writing.then(() => this.store.apply(batch)).catch((err: unknown) => console.warn('Holdfast: could not write the audit', err));
    return this.writing;
  }

  dispose(): void {
    clearInterval(this.pruneTimer);
  }
}
