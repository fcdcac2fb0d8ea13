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

/**
 * Where a value came from. A session is one open broker connection of one
 * engine host; its id is unique, so a value or a rendered control can be
 * told apart from anything heard on another connection.
 */
export interface Provenance {
  /** epoch ms when this console received it. */
  readonly receivedAt: number;
  /** true when it arrived as a retained message (i.e. may be old). */
  readonly retained: boolean;
  /** The connection session it arrived on; '' for values cached before sessions were recorded. */
  readonly session: string;
}

/** A value as last reported by the device, with its provenance. */
export interface ReportedValue extends Provenance {
  readonly value: PropertyValue;
}

/**
 * What the operator's control rendered when they edited: the reference for
 * the stale check. Never re-read later from a cache: it is what they saw.
 */
export interface BaseValue {
  /** null: the control showed "unknown" (nothing reported yet). */
  readonly value: PropertyValue | null;
  /** When the shown value was received; null when unknown. */
  readonly receivedAt: number | null;
  /** The session the shown value arrived on; null when unknown. */
  readonly session: string | null;
  /**
   * The live session while the control showed it; null when what it showed
   * could not be current (the console was not connected, or the device was
   * away). Equal to the current session means no reconnect since the
   * operator looked.
   */
  readonly renderedIn: string | null;
}

export type OutboxState =
  /** waiting for a connection, for the device's status, or for the property's earlier write to end */
  | 'queued'
  /** asked the device for its current value (Zigbee2MQTT /get, Tasmota's empty command); waiting for the answer */
  | 'checking'
  /** the device is away (lost, disconnected, asleep, starting): judged when it returns */
  | 'held'
  /** durable "about to publish / publishing"; never resent blindly after a crash */
  | 'sending'
  /** PUBACK received, waiting for the device's echo */
  | 'sent'
  /** device echoed desired (or already showed it) */
  | 'confirmed'
  /** sent; the device never reports this setting, so it cannot confirm it */
  | 'sent-unconfirmable'
  /** device value differed from base: not sent */
  | 'discarded'
  /** queued on an earlier session and nothing can check it: waits for the operator's Send anyway or Dismiss */
  | 'unverified'
  /** broker refused the publish (PUBACK reason >= 0x80) or the adapter could not encode it */
  | 'rejected'
  /** sent but no echo before the deadline */
  | 'unconfirmed'
  /** coalesced back to base, undone, superseded or dismissed by the operator */
  | 'cancelled';

/**
 * Why an entry is in its state: a code and its facts, never prose. The UI
 * words it in the operator's language (src/ui/entry-text.ts).
 */
export type EntryReason =
  | { readonly code: 'already-shown' }
  /** the device reports something other than what the operator saw */
  | { readonly code: 'device-changed'; readonly now: PropertyValue }
  /** queued on an earlier session; the property has not reported on this one and cannot be asked */
  | { readonly code: 'cannot-check'; readonly retained: boolean | undefined }
  | { readonly code: 'no-answer'; readonly waitedMs: number }
  | { readonly code: 'asking' }
  | { readonly code: 'device-away'; readonly availability: Availability }
  | { readonly code: 'earlier-attempt' }
  | { readonly code: 'interrupted' }
  /** an attempt was cut off, and the device shows the base again: it never arrived, or arrived and was changed back */
  | { readonly code: 'outcome-unknown'; readonly shown: PropertyValue }
  | { readonly code: 'reported-before-send' }
  | { readonly code: 'confirmed-by-echo' }
  | { readonly code: 'no-confirmation'; readonly reported?: PropertyValue }
  | { readonly code: 'does-not-report' }
  | { readonly code: 'not-authorized'; readonly topic: string }
  | { readonly code: 'broker-refused'; readonly reasonCode: number }
  | { readonly code: 'cannot-encode'; readonly detail: string }
  | { readonly code: 'setting-gone' }
  | { readonly code: 'read-only'; readonly detail?: string }
  | { readonly code: 'momentary-not-replayed' }
  | { readonly code: 'changed-back' }
  | { readonly code: 'withdrawn' }
  | { readonly code: 'undone' }
  | { readonly code: 'superseded' };

export type EntryReasonCode = EntryReason['code'];

/** One state an entry passed through, for the audit. */
export interface EntryStep {
  readonly state: OutboxState;
  readonly at: number;
  readonly reason?: EntryReasonCode;
}

export interface OutboxEntry {
  /** Dexie auto-increment; absent only before the first write. */
  readonly seq?: number;
  readonly cmdId: string;
  readonly deviceId: string;
  readonly propertyId: string;
  readonly desired: PropertyValue;
  readonly base: BaseValue;
  readonly state: OutboxState;
  /** The device value this entry was judged against (null: judged without one). */
  readonly fresh?: PropertyValue | null;
  /** Why it is in its state. */
  readonly reason?: EntryReason;
  /**
   * The broker accepted the publish but said no one subscribed to this topic
   * (MQTT 5 PUBACK 0x10): kept next to the state because it explains a silence.
   */
  readonly noSubscribersOn?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly attempts: number;
  /** When it was last sent (its durable "sending" write); absent before the first attempt. */
  readonly lastAttemptAt?: number;
  /** When the device was asked for its current value for this entry (state 'checking'). */
  readonly askedAt?: number;
  /** The operator tapped Send anyway on it (name as entered, '' if none): recorded, then sent without a check. */
  readonly sentAnywayBy?: string;
  /** Set when the operator has acknowledged a terminal entry (hides it). */
  readonly dismissed?: boolean;
}

/** States the planner judges: the entry may still be published without the operator's say. */
export const PENDING_STATES: readonly OutboxState[] = ['queued', 'checking', 'held'];
/** Not sent yet: a new edit of the same property merges into (or supersedes) it. */
export const UNSENT_STATES: readonly OutboxState[] = ['queued', 'checking', 'held', 'unverified'];
/** States in which the entry is in flight. */
export const IN_FLIGHT_STATES: readonly OutboxState[] = ['sending', 'sent'];
/** Ends that need the operator's attention until dismissed. */
export const ATTENTION_STATES: readonly OutboxState[] = ['discarded', 'rejected', 'unconfirmed', 'unverified'];
/** Ends that need nothing more from anyone. */
export const FINISHED_STATES: readonly OutboxState[] = ['confirmed', 'sent-unconfirmable', 'cancelled'];
