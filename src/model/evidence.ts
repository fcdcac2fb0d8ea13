/**
 * What this connection session has heard, per device and property: the
 * evidence the planner judges edits by. MQTT has no "end of retained
 * messages" marker and brokers differ on whether retained messages come
 * before or after SUBACK, so a device's replay is complete once every
 * property its convention says is retained has reported, or settled once it
 * stayed quiet for a while after its subscriptions were acknowledged, and
 * the broker has stopped replaying retained messages altogether.
 *
 * A device's values may be subscribed later than the session started (only
 * devices on screen, pinned or with pending edits are), so each device has
 * its own subscribed time; the session-wide one covers devices whose
 * discovery subscriptions carry their values too.
 */
import type { ReplayState } from './plan.js';
import type { DeviceSchema, PropertySchema } from './types.js';

export const DEFAULT_QUIET_MS = 1500;

/** "37 of 40 settings reported on this connection". */
export interface Completeness {
  readonly reported: number;
  readonly expected: number;
  /** Of those not reported, how many the convention says are retained (so should have come). */
  readonly missingRetained: number;
}

/** Properties whose state a console can hear (not momentary commands). */
function stateful(p: PropertySchema): boolean {
  return !p.momentary && p.reports !== false;
}

export class SessionEvidence {
  private allSubscribedAt: number | null = null;
  private readonly subscribedAt = new Map<string, number>();
  private readonly reported = new Map<string, Set<string>>();
  private readonly lastMessageAt = new Map<string, number>();
  /** The last retained message of any topic: while the broker is still replaying (a backlog), no device is quiet. */
  private lastReplayAt: number | null = null;

  constructor(
    readonly session: string,
    readonly startedAt: number,
    readonly quietMs: number = DEFAULT_QUIET_MS,
  ) {}

  /** SUBACK for the always-on subscriptions (discovery, availability, and values where the convention mixes them). */
  markAllSubscribed(now: number): void {
    this.allSubscribedAt = now;
  }

  /** SUBACK for one device's value subscriptions. */
  markDeviceSubscribed(deviceId: string, now: number): void {
    this.subscribedAt.set(deviceId, now);
  }

  /**
   * The device's values are no longer subscribed: from now on it may change unheard, so what it reported no
   * longer counts as heard on this session; subscribed again, it is judged from its new replay.
   */
  forgetDeviceSubscription(deviceId: string): void {
    this.subscribedAt.delete(deviceId);
    this.reported.delete(deviceId);
    this.lastMessageAt.delete(deviceId);
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

  /**
   * A retained message arrived (of any topic, routed or not). Brokers set the retain flag only on what a
   * subscription replays, so while such messages keep coming the replay is not over, whatever a device's own
   * topics say: a starved console draining its socket's backlog must not take the wait for silence.
   */
  noteReplay(now: number): void {
    this.lastReplayAt = this.lastReplayAt === null ? now : Math.max(this.lastReplayAt, now);
  }

  /** Has this property reported on this session? */
  hasReported(deviceId: string, propertyId: string): boolean {
    return this.reported.get(deviceId)?.has(propertyId) ?? false;
  }

  private deviceSubscribedAt(deviceId: string, deviceSubscriptions: boolean): number | null {
    return deviceSubscriptions ? (this.subscribedAt.get(deviceId) ?? null) : this.allSubscribedAt;
  }

  /** When the device's quiet period ends, or null before its subscriptions were acknowledged. */
  private settlesAt(deviceId: string, deviceSubscriptions: boolean): number | null {
    const since = this.deviceSubscribedAt(deviceId, deviceSubscriptions);
    if (since === null) return null;
    const last = this.lastMessageAt.get(deviceId);
    return Math.max(since, last ?? since, this.lastReplayAt ?? since) + this.quietMs;
  }

  /**
   * How far the device's retained replay has got (see ReplayState). `deviceSubscriptions`:
   * its values come through subscriptions of its own (else the always-on ones).
   */
  replay(deviceId: string, schema: DeviceSchema | undefined, deviceSubscriptions: boolean, now: number): ReplayState {
    const since = this.deviceSubscribedAt(deviceId, deviceSubscriptions);
    // Complete when everything that may be replayed has reported: a setting known not to be retained never is,
    // and one whose retention the convention does not say (HA discovery) is waited for until the quiet period.
    if (since !== null && schema !== undefined && schema.properties.every((p) => !stateful(p) || p.retained === false || this.hasReported(deviceId, p.id))) return 'complete';
    const settlesAt = this.settlesAt(deviceId, deviceSubscriptions);
    return settlesAt !== null && now >= settlesAt ? 'settled' : 'waiting';
  }

  /** Earliest time one of these devices settles (for a timer), or null. */
  nextSettleAt(devices: readonly { readonly id: string; readonly deviceSubscriptions: boolean }[], now: number): number | null {
    let earliest: number | null = null;
    for (const d of devices) {
      const at = this.settlesAt(d.id, d.deviceSubscriptions);
      if (at !== null && at > now && (earliest === null || at < earliest)) earliest = at;
    }
    return earliest;
  }

  /** How many of the device's settings and readings have reported on this session. */
  completeness(deviceId: string, schema: DeviceSchema): Completeness {
    const props = schema.properties.filter(stateful);
    const heard = this.reported.get(deviceId);
    const missing = props.filter((p) => !heard?.has(p.id));
    return { reported: props.length - missing.length, expected: props.length, missingRetained: missing.filter((p) => p.retained === true).length };
  }
}
