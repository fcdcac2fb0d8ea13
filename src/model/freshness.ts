/**
 * Which device status is fresh on this connection. MQTT has no "end of
 * retained messages" marker and brokers differ on whether retained messages
 * come before or after SUBACK, so a device is fresh once every retained
 * property reported, or settled once it stayed quiet for a while after SUBACK.
 */
import type { FreshLookup } from './reconcile.js';
import type { DeviceSchema, PropertyValue } from './types.js';

export const DEFAULT_QUIET_MS = 1500;

export type DeviceFreshness = 'waiting' | 'fresh' | 'settled';

export class FreshnessTracker {
  readonly quietMs: number;
  /** When the current connection's session started (for diagnostics). */
  sessionStartedAt: number | null = null;
  private subscribedAt: number | null = null;
  private readonly reported = new Map<string, Set<string>>();
  private readonly lastMessageAt = new Map<string, number>();

  constructor(quietMs: number = DEFAULT_QUIET_MS) {
    this.quietMs = quietMs;
  }

  /** A new connection started: forget everything heard before. */
  startSession(now: number): void {
    this.sessionStartedAt = now;
    this.subscribedAt = null;
    this.reported.clear();
    this.lastMessageAt.clear();
  }

  /** SUBACK received for the status subscriptions. */
  markSubscribed(now: number): void {
    this.subscribedAt = now;
  }

  /** Any message about this device (propertyId null for device-level topics like $state/$description). */
  noteMessage(deviceId: string, propertyId: string | null, now: number): void {
    const last = this.lastMessageAt.get(deviceId);
    this.lastMessageAt.set(deviceId, last === undefined ? now : Math.max(last, now));
    if (propertyId === null) return;
    let props = this.reported.get(deviceId);
    if (props === undefined) {
      props = new Set();
      this.reported.set(deviceId, props);
    }
    props.add(propertyId);
  }

  /** Has this property reported since the session started? */
  hasReported(deviceId: string, propertyId: string): boolean {
    return this.reported.get(deviceId)?.has(propertyId) ?? false;
  }

  /** When the device's quiet period ends, or null before SUBACK. */
  private settlesAt(deviceId: string): number | null {
    if (this.subscribedAt === null) return null;
    const last = this.lastMessageAt.get(deviceId);
    return Math.max(this.subscribedAt, last ?? this.subscribedAt) + this.quietMs;
  }

  /**
   * 'fresh' once every retained property in the schema reported; 'settled'
   * when quiet for quietMs after SUBACK (and after its last message); else
   * 'waiting'. Non-retained properties never replay on subscribe, so they are
   * not waited for.
   */
  deviceState(deviceId: string, schema: DeviceSchema | undefined, now: number): DeviceFreshness {
    if (schema !== undefined && schema.properties.every((p) => p.retained !== true || this.hasReported(deviceId, p.id))) {
      return 'fresh';
    }
    const settlesAt = this.settlesAt(deviceId);
    return settlesAt !== null && now >= settlesAt ? 'settled' : 'waiting';
  }

  /** Earliest time a waiting device could become settled (for a timer), or null. */
  nextCheckAt(deviceIds: readonly string[], now: number): number | null {
    let earliest: number | null = null;
    for (const id of deviceIds) {
      const at = this.settlesAt(id);
      if (at !== null && at > now && (earliest === null || at < earliest)) earliest = at;
    }
    return earliest;
  }
}

/** The fresh value of a property for `decide`, given the status cache's current value. */
export function lookupFresh(
  tracker: FreshnessTracker,
  deviceId: string,
  propertyId: string,
  schema: DeviceSchema | undefined,
  current: PropertyValue | undefined,
  now: number,
): FreshLookup {
  if (current !== undefined && tracker.hasReported(deviceId, propertyId)) return { status: 'fresh', value: current };
  return tracker.deviceState(deviceId, schema, now) === 'waiting' ? { status: 'pending' } : { status: 'unknown' };
}
