/**
 * The engine host's working copy of every device: what the adapters learned,
 * with each value's provenance. The engine reads it at once (no frame delay);
 * clients get it as per-frame diffs of what they display (host/views.ts).
 * Every change is reported to a sink by key, so the diffs carry only changes.
 */
import type { AdapterEvent } from '../conventions/adapter.js';
import { mergeDevices } from '../model/device-merge.js';
import type { Availability, DeviceSchema, ReportedValue } from '../model/types.js';

/** What the device list shows of every device: small, sent to every client. */
export interface DeviceSummary {
  readonly id: string;
  readonly name: string;
  readonly convention: string;
  readonly availability: Availability;
  readonly error?: string;
  /** Which convention it is read through, when two announce it. */
  readonly note?: string;
  /** Set when another convention's announcement of the same device is shown instead. */
  readonly shownAs?: string;
  readonly lastSeenAt: number;
  readonly alerts: number;
}

/** What a device page shows beyond its values: sent to clients that watch the device. */
export interface DeviceDetail {
  readonly id: string;
  readonly schema?: DeviceSchema;
  readonly alerts: Readonly<Record<string, string>>;
  readonly valueErrors: Readonly<Record<string, string>>;
  /** Latest target the device announced (Homie $target), per property. */
  readonly targets: Readonly<Record<string, ReportedValue>>;
}

export interface ChangeSink {
  summary(deviceId: string): void;
  detail(deviceId: string): void;
  value(deviceId: string, propertyId: string): void;
  removed(deviceId: string): void;
}

interface MutableDevice {
  readonly id: string;
  schema?: DeviceSchema;
  availability: Availability;
  error?: string;
  alerts: Record<string, string>;
  readonly values: Map<string, ReportedValue>;
  valueErrors: Record<string, string>;
  targets: Record<string, ReportedValue>;
  lastSeenAt: number;
}

/** A row of the persisted status cache, as store/status-cache.ts reads it back. */
export interface CachedDevice {
  readonly id: string;
  readonly schema?: DeviceSchema;
  readonly availability: Availability;
  readonly error?: string;
  readonly lastSeenAt: number;
  readonly values: readonly (readonly [string, ReportedValue])[];
}

export class DeviceStates {
  private readonly devices = new Map<string, MutableDevice>();
  private merge = mergeDevices([]);

  constructor(private readonly sink: ChangeSink) {}

  /** Start from the last-known state (read from the cache before connecting). */
  seed(cached: readonly CachedDevice[]): void {
    for (const c of cached) {
      const d = this.device(c.id, c.lastSeenAt);
      if (c.schema) d.schema = c.schema;
      d.availability = c.availability;
      if (c.error !== undefined) d.error = c.error;
      for (const [p, v] of c.values) d.values.set(p, v);
      this.changedAll(d.id);
    }
    this.remerge();
  }

  /** Apply one adapter event received at `at` on `session`. Returns the device id it concerned. */
  apply(at: number, event: AdapterEvent, session: string): string {
    if (event.kind === 'device-removed') {
      if (this.devices.delete(event.deviceId)) {
        this.sink.removed(event.deviceId);
        this.remerge();
      }
      return event.deviceId;
    }
    const id = event.kind === 'device' ? event.device.id : event.deviceId;
    const d = this.device(id, at);
    d.lastSeenAt = at;
    switch (event.kind) {
      case 'device': {
        const aliasesChanged = JSON.stringify(d.schema?.aliases ?? []) !== JSON.stringify(event.device.aliases ?? []) || d.schema?.name !== event.device.name;
        d.schema = event.device;
        delete d.error;
        this.sink.summary(id);
        this.sink.detail(id);
        if (aliasesChanged || event.device.aliases !== undefined) this.remerge();
        break;
      }
      case 'device-error':
        d.error = event.error;
        this.sink.summary(id);
        break;
      case 'availability':
        if (d.availability !== event.availability) {
          d.availability = event.availability;
          this.sink.summary(id);
        }
        break;
      case 'alert': {
        const alerts = { ...d.alerts };
        if (event.message) alerts[event.alertId] = event.message;
        else delete alerts[event.alertId];
        d.alerts = alerts;
        this.sink.summary(id);
        this.sink.detail(id);
        break;
      }
      case 'value': {
        d.values.set(event.propertyId, { value: event.value, receivedAt: at, retained: event.retained, session });
        if (event.propertyId in d.valueErrors) {
          const { [event.propertyId]: _gone, ...rest } = d.valueErrors;
          d.valueErrors = rest;
          this.sink.detail(id);
        }
        this.sink.value(id, event.propertyId);
        break;
      }
      case 'target':
        d.targets = { ...d.targets, [event.propertyId]: { value: event.value, receivedAt: at, retained: true, session } };
        this.sink.detail(id);
        break;
      case 'value-error':
        d.valueErrors = { ...d.valueErrors, [event.propertyId]: event.error };
        this.sink.detail(id);
        break;
    }
    return id;
  }

  private device(id: string, at: number): MutableDevice {
    let d = this.devices.get(id);
    if (!d) {
      d = { id, availability: 'unknown', alerts: {}, values: new Map(), valueErrors: {}, targets: {}, lastSeenAt: at };
      this.devices.set(id, d);
    }
    return d;
  }

  private changedAll(id: string): void {
    this.sink.summary(id);
    this.sink.detail(id);
    const d = this.devices.get(id);
    if (d) for (const p of d.values.keys()) this.sink.value(id, p);
  }

  private remerge(): void {
    const before = this.merge;
    this.merge = mergeDevices([...this.devices.values()].flatMap((d) => (d.schema ? [d.schema] : [])));
    for (const id of new Set([...before.hidden.keys(), ...this.merge.hidden.keys(), ...before.notes.keys(), ...this.merge.notes.keys()])) {
      if (before.hidden.get(id) !== this.merge.hidden.get(id) || before.notes.get(id) !== this.merge.notes.get(id)) this.sink.summary(id);
    }
  }

  // ---- reads ----

  current(deviceId: string, propertyId: string): ReportedValue | undefined {
    return this.devices.get(deviceId)?.values.get(propertyId);
  }

  schema(deviceId: string): DeviceSchema | undefined {
    return this.devices.get(deviceId)?.schema;
  }

  availability(deviceId: string): Availability {
    return this.devices.get(deviceId)?.availability ?? 'unknown';
  }

  has(deviceId: string): boolean {
    return this.devices.has(deviceId);
  }

  ids(): IterableIterator<string> {
    return this.devices.keys();
  }

  summary(deviceId: string): DeviceSummary | undefined {
    const d = this.devices.get(deviceId);
    if (!d) return undefined;
    const note = this.merge.notes.get(d.id) ?? d.schema?.note;
    const shownAs = this.merge.hidden.get(d.id);
    return {
      id: d.id,
      name: d.schema?.name ?? d.id,
      convention: d.schema?.convention ?? d.id.slice(0, d.id.indexOf(':')),
      availability: d.availability,
      ...(d.error !== undefined ? { error: d.error } : {}),
      ...(note !== undefined ? { note } : {}),
      ...(shownAs !== undefined ? { shownAs } : {}),
      lastSeenAt: d.lastSeenAt,
      alerts: Object.keys(d.alerts).length,
    };
  }

  detail(deviceId: string): DeviceDetail | undefined {
    const d = this.devices.get(deviceId);
    if (!d) return undefined;
    return { id: d.id, ...(d.schema ? { schema: d.schema } : {}), alerts: d.alerts, valueErrors: d.valueErrors, targets: d.targets };
  }

  /** Everything about one device, for the cache. */
  cached(deviceId: string): CachedDevice | undefined {
    const d = this.devices.get(deviceId);
    if (!d) return undefined;
    return { id: d.id, ...(d.schema ? { schema: d.schema } : {}), availability: d.availability, ...(d.error !== undefined ? { error: d.error } : {}), lastSeenAt: d.lastSeenAt, values: [...d.values] };
  }
}
