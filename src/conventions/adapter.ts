import type { Availability, DeviceSchema, PropertyValue } from '../model/types.js';

/**
 * What an adapter learned from one MQTT message. Adapters are pure state
 * machines over (topic, payload): no I/O, no DOM, and they never throw; bad
 * input becomes a `device-error` / `value-error` event for that device only.
 */
export type AdapterEvent =
  | { readonly kind: 'device'; readonly device: DeviceSchema }
  | { readonly kind: 'device-removed'; readonly deviceId: string }
  | { readonly kind: 'device-error'; readonly deviceId: string; readonly error: string }
  | { readonly kind: 'availability'; readonly deviceId: string; readonly availability: Availability }
  | {
      readonly kind: 'value';
      readonly deviceId: string;
      readonly propertyId: string;
      readonly value: PropertyValue;
      readonly retained: boolean;
    }
  /** Homie `$target`: the device accepted a set and is moving to this value. */
  | { readonly kind: 'target'; readonly deviceId: string; readonly propertyId: string; readonly value: PropertyValue }
  /** Homie 5 `$alert/<id>`: a user-facing device alert; an empty message clears it. */
  | { readonly kind: 'alert'; readonly deviceId: string; readonly alertId: string; readonly message: string }
  | {
      readonly kind: 'value-error';
      readonly deviceId: string;
      readonly propertyId: string;
      readonly error: string;
      /** Payload as text, truncated for display. */
      readonly raw: string;
    };

export interface SetCommand {
  readonly topic: string;
  readonly payload: string;
  /** Sets are never retained: a retained set would replay stale intent to a rebooting device. */
  readonly retain: false;
}

export type EncodeResult = { readonly ok: true; readonly command: SetCommand } | { readonly ok: false; readonly error: string };

export interface ConventionAdapter {
  /** e.g. "homie5" — also the prefix of the device ids it produces. */
  readonly convention: string;
  /** Topic filters to subscribe to. */
  subscriptions(): readonly string[];
  /** Whether this adapter owns a topic (so the router can skip others cheaply). */
  handles(topic: string): boolean;
  /** Consume one message. `payload` is raw bytes; `retained` is the MQTT retain flag. */
  handleMessage(topic: string, payload: Uint8Array, retained: boolean): AdapterEvent[];
  /** Encode a set for a device property (validated against the schema). */
  encodeSet(deviceId: string, propertyId: string, value: PropertyValue): EncodeResult;
}

/**
 * Optional adapter capability (additive): a reason to refuse publishing to a
 * topic, whichever adapter encoded the command. The router asks every adapter,
 * so e.g. Home Assistant's birth topic `<prefix>/status` is never written to
 * by a mapped or Homie device either. null = no objection.
 */
export interface CommandTopicGuard {
  refuseCommandTopic(topic: string): string | null;
}

export function hasCommandTopicGuard(a: ConventionAdapter): a is ConventionAdapter & CommandTopicGuard {
  return typeof (a as Partial<CommandTopicGuard>).refuseCommandTopic === 'function';
}

/**
 * Optional adapter capability (additive): the topic filters that carry one
 * device's values (its state), apart from the discovery and availability
 * filters of subscriptions(). A console subscribes to them only while the
 * device is on screen, pinned, alarmed on or has pending edits, so a tablet
 * does not pay for the whole site. Without this capability the adapter's
 * subscriptions() carry every device's values.
 *
 * Contract, as the SubscriptionManager relies on it:
 *   - subscriptions() must not cover these filters (no `#` under a device),
 *     or the split saves nothing.
 *   - An empty list: nothing of its own to subscribe, because the device
 *     reports nothing or is not known yet (its filters come from discovery).
 *     Whenever the list changes, the adapter emits a `device` event for the
 *     device, which is when the console asks again.
 *   - A filter may be listed for several devices (a shared state topic) and
 *     may also be an always-on one; the console unsubscribes a filter only
 *     when no needed device and no always-on subscription uses it.
 */
export interface DeviceSubscriptionSource {
  deviceSubscriptions(deviceId: string): readonly string[];
}

export function hasDeviceSubscriptions(a: ConventionAdapter): a is ConventionAdapter & DeviceSubscriptionSource {
  return typeof (a as Partial<DeviceSubscriptionSource>).deviceSubscriptions === 'function';
}

/**
 * Optional adapter capability (additive): ask a device for the current value
 * of a property whose schema says `queryable` (Zigbee2MQTT's `<base>/<name>/get`
 * for gettable features, Tasmota's empty-payload command). The answer arrives
 * as an ordinary status message, which is the fresh evidence an edit queued on
 * an earlier session needs. null: this property cannot be asked.
 */
export interface QuerySource {
  encodeQuery(deviceId: string, propertyId: string): EncodeResult | null;
}

export function hasQuerySource(a: ConventionAdapter): a is ConventionAdapter & QuerySource {
  return typeof (a as Partial<QuerySource>).encodeQuery === 'function';
}

/**
 * Optional adapter capability (additive): topics the adapter may already
 * be subscribed to that a newly discovered entity also reads. Subscribing to
 * them again makes the broker re-send their retained message (MQTT 3.1.1
 * §3.8.4, MQTT 5 retain handling 0), so the new entity gets a real, current
 * value instead of one remembered from an earlier message. A per-device
 * filter among them is subscribed again only while a needed device holds
 * it; otherwise the device gets it fresh when it is needed.
 */
export interface ResubscriptionSource {
  takeResubscriptions(): readonly string[];
}

export function hasResubscriptions(a: ConventionAdapter): a is ConventionAdapter & ResubscriptionSource {
  return typeof (a as Partial<ResubscriptionSource>).takeResubscriptions === 'function';
}

// ---- shared payload helpers for adapters (pure) ----

/** How much of a bad payload is kept for display (same as Homie 5). */
const PREVIEW_CHARS = 200;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

export type DecodedPayload = { readonly text: string } | { readonly error: string; readonly raw: string };

/** The start of a payload as text, for error displays. */
export function previewPayload(payload: Uint8Array): string {
  return lenientUtf8.decode(payload.subarray(0, PREVIEW_CHARS * 4)).slice(0, PREVIEW_CHARS);
}

/** Shorten text for the `raw` field of a value-error. */
export function previewText(text: string): string {
  return text.length > PREVIEW_CHARS ? text.slice(0, PREVIEW_CHARS) : text;
}

/** Strict UTF-8 decode with a size cap; the wording matches the Homie 5 adapter's. */
export function decodePayload(payload: Uint8Array, maxBytes: number): DecodedPayload {
  if (payload.byteLength > maxBytes) {
    return {
      error: `payload of ${payload.byteLength} bytes is larger than ${Math.round(maxBytes / 1024)} KB; not shown in full`,
      raw: previewPayload(payload),
    };
  }
  try {
    return { text: strictUtf8.decode(payload) };
  } catch {
    return { error: 'payload is not valid UTF-8', raw: previewPayload(payload) };
  }
}

/**
 * Why a topic cannot be used as an exact status or command topic, or null.
 * Wildcards cannot be matched exactly (nor published to), NUL is forbidden by
 * MQTT, and topics are at most 65535 bytes.
 */
export function topicProblem(topic: unknown): string | null {
  if (typeof topic !== 'string') return 'must be a topic string';
  if (topic === '') return 'must not be empty';
  if (/[+#]/.test(topic)) return `"${previewText(topic)}" contains an MQTT wildcard (+ or #)`;
  if (topic.includes('\u0000')) return 'contains a NUL character';
  if (new TextEncoder().encode(topic).byteLength > 65535) return 'is longer than MQTT allows (65535 bytes)';
  return null;
}
