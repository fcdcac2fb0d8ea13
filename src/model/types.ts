/**
 * Core domain types. Pure data: no DOM, no I/O, so the page, the service
 * worker and Node tests share them.
 */

/** A property's value after parsing its payload with the declared datatype. */
export type PropertyValue = string | number | boolean;

export type Datatype =
  | 'integer'
  | 'float'
  | 'boolean'
  | 'string'
  | 'enum'
  | 'color'
  | 'datetime'
  | 'duration'
  | 'json';

export interface PropertySchema {
  /** Stable id inside its device, e.g. "genlock/phase-h" (Homie node/property). */
  readonly id: string;
  /** Display name; also the accessible name of its control. */
  readonly name: string;
  readonly datatype: Datatype;
  readonly settable: boolean;
  /**
   * A command without state (a Homie non-retained property, an HA button):
   * confirmed by the operator first, only sent while connected, never replayed.
   */
  readonly momentary: boolean;
  /**
   * Whether the broker replays the state to a new subscriber: true (Homie's
   * retained properties), false (Zigbee2MQTT, Tasmota: reported only when it
   * changes), absent when the convention does not say (HA discovery). Only
   * `true` is waited for after subscribing; absent waits a quiet period.
   */
  readonly retained?: boolean;
  /**
   * false when the device never reports this setting (HA "optimistic": no
   * state topic). A set then ends "sent; the device does not report it".
   */
  readonly reports?: boolean;
  /**
   * The adapter can ask the device for its current value (Zigbee2MQTT `/get`
   * for gettable features, Tasmota's empty command): fresh evidence for an
   * edit queued on an earlier session.
   */
  readonly queryable?: boolean;
  /** The node, endpoint or composite feature the control belongs to (e.g. a Homie node "Channel 2"). */
  readonly group?: PropertyGroup;
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
  readonly step?: number;
  /** enum values, in display order. */
  readonly options?: readonly string[];
  /** The convention's raw format string, kept for display (e.g. color "rgb"). */
  readonly format?: string;
  /** Set when the schema can be shown but not safely written (e.g. unsupported template). */
  readonly readOnlyReason?: string;
}

export interface PropertyGroup {
  readonly id: string;
  /** Display name; the accessible name of the group that holds its controls. */
  readonly name: string;
}

export interface DeviceSchema {
  /** Globally unique: "<convention>:<native id>", e.g. "homie5:vp4". */
  readonly id: string;
  readonly name: string;
  readonly convention: string;
  readonly properties: readonly PropertySchema[];
  /** Convention's schema version (Homie 5 $description.version). */
  readonly version?: number;
  /**
   * Other names of the same physical device in other conventions (e.g. a
   * Zigbee2MQTT device's HA discovery identifier "zigbee2mqtt_0x…"): a device
   * announced twice is shown once, from the convention that ranks first.
   */
  readonly aliases?: readonly string[];
  /** A note on how the device is read, shown with it (e.g. which of two conventions is used). */
  readonly note?: string;
}

export type Availability = 'init' | 'ready' | 'disconnected' | 'sleeping' | 'lost' | 'alert' | 'unknown';

/** A value as last reported by the device. */
export interface ReportedValue {
  readonly value: PropertyValue;
  /** epoch ms when this console received it. */
  readonly receivedAt: number;
  /** true when it arrived as a retained message (i.e. may be old). */
  readonly retained: boolean;
}

/** What the operator saw when editing: the reference for the stale check. */
export interface BaseValue {
  /** null when the operator edited without any reported value. */
  readonly value: PropertyValue | null;
  readonly receivedAt: number | null;
}

export type OutboxState =
  /** waiting for a connection / fresh status */
  | 'queued'
  /** connected, leader is judging it against fresh status */
  | 'reconciling'
  /** durable "about to publish / publishing"; never resent blindly after a crash */
  | 'sending'
  /** PUBACK received, waiting for the device's echo */
  | 'sent'
  /** device echoed desired (or already showed it) */
  | 'confirmed'
  /** device value differed from base: not sent */
  | 'discarded'
  /** no fresh value to judge against: held, not sent */
  | 'unverified'
  /** broker refused the publish (PUBACK reason >= 0x80) or the adapter could not encode it */
  | 'rejected'
  /** sent but no echo before the deadline */
  | 'unconfirmed'
  /** coalesced back to base, or dismissed by the operator */
  | 'cancelled';

export interface OutboxEntry {
  /** Dexie auto-increment; absent only before the first write. */
  readonly seq?: number;
  readonly cmdId: string;
  readonly deviceId: string;
  readonly propertyId: string;
  readonly desired: PropertyValue;
  readonly base: BaseValue;
  readonly state: OutboxState;
  /** The device value this entry was judged against. */
  readonly fresh?: PropertyValue | null;
  /** Human-readable reason for the current state. */
  readonly reason?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly attempts: number;
  /** When it was last sent (its durable "sending" write); absent before the first attempt. */
  readonly lastAttemptAt?: number;
  /** Set when the operator has acknowledged a terminal entry (hides it). */
  readonly dismissed?: boolean;
}

/** States in which an entry may still be published. */
export const PENDING_STATES: readonly OutboxState[] = ['queued', 'reconciling', 'unverified'];
/** States in which the entry is in flight. */
export const IN_FLIGHT_STATES: readonly OutboxState[] = ['sending', 'sent'];
/** Ends that need the operator's attention until dismissed. */
export const ATTENTION_STATES: readonly OutboxState[] = ['discarded', 'rejected', 'unconfirmed', 'unverified'];
