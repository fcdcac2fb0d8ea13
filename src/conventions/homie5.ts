/**
 * Homie 5 convention adapter: `<root>/5/<device>/...` topics to model events,
 * and sets back to `<root>/5/<device>/<node>/<property>/set`.
 * Spec: https://homieiot.github.io/specification/ (v5.0.0).
 *
 * Base topics: the configured roots are always subscribed. With the scan on,
 * `+/5/+/$state` (the spec's auto-discovery filter) finds devices under any
 * other root; a device found there gets its own filters
 * (`<root>/5/<device>/$description`, …), so only found devices cost more.
 *
 * What is always subscribed: every device's `$state`, `$description` (its
 * name and schema, for the device list) and `$alert/+` (the list counts
 * alerts). Its values and `$target`s (`<root>/5/<device>/+/+`,
 * `…/+/+/$target`) are deviceSubscriptions(), subscribed while the device is
 * needed. They may then arrive before its `$description` (a needed device
 * is subscribed first): they wait in the pending buffer, as any value that
 * comes before its description does.
 *
 * Device ids are "homie5:<device>" under the default root "homie" and
 * "homie5:<root>/<device>" under any other; property ids "<node>/<property>".
 */
import { decodePayload, previewText, type AdapterEvent, type ConventionAdapter, type DeviceSubscriptionSource, type EncodeResult } from './adapter.js';
import { checkRoots, FoundDevices, HomieTopics, isUsableId, nativeId, readableDevice, splitNativeId, versionProblemText, type DeviceTopic, type HomieAdapterOptions } from './homie-common.js';
import { HOMIE5_CONVENTION, parseDescription, type DescriptionResult } from './homie5-description.js';
import type { Availability, DeviceSchema, PropertySchema, PropertyValue } from '../model/types.js';
import { encodePayload, parsePayload, validateValue } from '../model/values.js';

export { HOMIE5_CONVENTION } from './homie5-description.js';
export type Homie5Options = HomieAdapterOptions;

/** Larger value payloads are reported, not parsed: they would stall rendering and storage. */
export const MAX_VALUE_BYTES = 256 * 1024;
/** Bridges can describe many properties; still refuse absurd documents. */
export const MAX_DESCRIPTION_BYTES = 4 * 1024 * 1024;
const MAX_ALERT_CHARS = 2000;
/** Devices the scan may add always-on subscriptions for (2 filters each). */
const MAX_FOUND_DEVICES = 1000;

const STATES: readonly Availability[] = ['init', 'ready', 'disconnected', 'sleeping', 'lost'];
/** Homie 5 encodes an empty string value as a single NUL byte, since an empty payload deletes a retained topic. */
const EMPTY_STRING_PAYLOAD = '\u0000';
const SCAN_FILTER = '+/5/+/$state';
const TARGET_SUFFIX = '/$target';

/**
 * What is always subscribed for a device (or with `base` "<root>/5/+" for
 * every device of a root) beyond `$state`, which the scan filter (or the
 * root's own) covers.
 */
function discoveryFilters(base: string): string[] {
  return [`${base}/$description`, `${base}/$alert/+`];
}

/** One device's values and targets: property topics are exactly two levels below the device. */
function valueFilters(base: string): string[] {
  return [`${base}/+/+`, `${base}/+/+/$target`];
}

type Buffered =
  | { readonly kind: 'value'; readonly text: string; readonly retained: boolean }
  | { readonly kind: 'target'; readonly text: string }
  | { readonly kind: 'error'; readonly error: string; readonly raw: string };

/**
 * Latest raw payload per property for devices whose `$description` has not
 * arrived yet (retained messages come in no guaranteed order). Bounded by
 * entry count and characters; the oldest device's oldest entry goes first.
 */
class PendingPayloads {
  private readonly byDevice = new Map<string, Map<string, Buffered>>();
  private entries = 0;
  private chars = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxChars: number,
  ) {}

  put(deviceId: string, key: string, item: Buffered): void {
    this.remove(deviceId, key);
    let device = this.byDevice.get(deviceId);
    if (device === undefined) {
      device = new Map();
      this.byDevice.set(deviceId, device);
    }
    device.set(key, item);
    this.entries += 1;
    this.chars += sizeOf(item);
    while (this.entries > this.maxEntries || this.chars > this.maxChars) {
      const oldest = this.byDevice.entries().next();
      if (oldest.done === true) break;
      const [oldestId, items] = oldest.value;
      const firstKey = items.keys().next();
      if (firstKey.done === true) {
        this.byDevice.delete(oldestId);
        continue;
      }
      this.remove(oldestId, firstKey.value);
    }
  }

  remove(deviceId: string, key: string): void {
    const device = this.byDevice.get(deviceId);
    const item = device?.get(key);
    if (device === undefined || item === undefined) return;
    device.delete(key);
    this.entries -= 1;
    this.chars -= sizeOf(item);
    if (device.size === 0) this.byDevice.delete(deviceId);
  }

  /** Remove and return a device's buffered payloads, oldest first. */
  take(deviceId: string): [string, Buffered][] {
    const device = this.byDevice.get(deviceId);
    if (device === undefined) return [];
    const items = [...device.entries()];
    for (const [key] of items) this.remove(deviceId, key);
    return items;
  }
}

function sizeOf(item: Buffered): number {
  return item.kind === 'error' ? item.raw.length + item.error.length : item.text.length;
}

export class Homie5Adapter implements ConventionAdapter, DeviceSubscriptionSource {
  readonly convention = HOMIE5_CONVENTION;
  readonly roots: readonly string[];
  private readonly scan: boolean;
  private readonly topics: HomieTopics;
  private readonly rootFilters: readonly string[];
  private readonly found = new FoundDevices<'device'>(MAX_FOUND_DEVICES, (root, device) => discoveryFilters(`${root}/5/${device}`));
  private readonly schemas = new Map<string, DeviceSchema>();
  /** Property lookup per device: status messages arrive far more often than descriptions. */
  private readonly propertyIndex = new Map<string, ReadonlyMap<string, PropertySchema>>();
  private readonly pending = new PendingPayloads(20_000, 16 * 1024 * 1024);

  constructor(opts: Homie5Options = {}) {
    this.roots = checkRoots(opts.roots);
    this.scan = opts.scan ?? true;
    this.topics = new HomieTopics(this.roots, '5');
    this.rootFilters = [
      ...(this.scan ? [SCAN_FILTER] : []),
      ...this.roots.flatMap((root) => {
        const base = `${root}/5/+`;
        // The scan filter sees `$state` under single-level roots; nested roots need their own.
        const state = this.scan && !root.includes('/') ? [] : [`${base}/$state`];
        return [...state, ...discoveryFilters(base)];
      }),
    ];
  }

  subscriptions(): readonly string[] {
    const found = this.found.filters();
    return found.length === 0 ? this.rootFilters : [...this.rootFilters, ...found];
  }

  /**
   * Under a configured root any device's values can be read (they may come
   * before its `$description`); elsewhere only once the scan found the device,
   * as handles() ignores other devices' topics there. Until then: nothing,
   * and the `device` event of its `$description` is when to ask again.
   */
  deviceSubscriptions(deviceId: string): readonly string[] {
    const at = readableDevice(deviceId, HOMIE5_CONVENTION, this.roots, this.found);
    if (at === null) return [];
    const base = `${at.root}/5/${at.device}`;
    // Its own `$description` first, though the discovery filter covers it too: the broker then replays it at once,
    // instead of wherever it falls in the whole site's descriptions, and the values waiting for it can be read.
    return [`${base}/$description`, ...valueFilters(base)];
  }

  handles(topic: string): boolean {
    const at = this.topics.locate(topic);
    if (at === null) return false;
    if (at.configured) return true;
    return this.isScanTopic(at) || this.found.has(at.root, at.device);
  }

  /** The current schema of a device, if its `$description` was valid. */
  schemaOf(deviceId: string): DeviceSchema | undefined {
    return this.schemas.get(deviceId);
  }

  handleMessage(topic: string, payload: Uint8Array, retained: boolean): AdapterEvent[] {
    try {
      return this.route(topic, payload, retained);
    } catch (e) {
      // Adapters must never throw: one device's odd message must not stop the others.
      const at = this.topics.locate(topic);
      return [
        {
          kind: 'device-error',
          deviceId: `${HOMIE5_CONVENTION}:${at === null ? '' : nativeId(at.root, at.device)}`,
          error: `could not handle ${topic}: ${e instanceof Error ? e.message : String(e)}`,
        },
      ];
    }
  }

  encodeSet(deviceId: string, propertyId: string, value: PropertyValue): EncodeResult {
    const schema = this.schemas.get(deviceId);
    if (schema === undefined || !deviceId.startsWith(`${HOMIE5_CONVENTION}:`)) return { ok: false, error: `unknown device ${deviceId}` };
    const property = this.propertyIndex.get(deviceId)?.get(propertyId);
    if (property === undefined) return { ok: false, error: `${schema.name} has no property ${propertyId}` };
    // Non-retained properties are commands with a value: validated and encoded by their datatype like any other.
    const checked = validateValue(property, value);
    if (!checked.ok) return { ok: false, error: `${property.name}: ${checked.error}` };
    const text = encodePayload(property, checked.value);
    const { root, device } = splitNativeId(deviceId.slice(HOMIE5_CONVENTION.length + 1));
    return {
      ok: true,
      command: {
        topic: `${root}/5/${device}/${propertyId}/set`,
        payload: property.datatype === 'string' && text === '' ? EMPTY_STRING_PAYLOAD : text,
        retain: false,
      },
    };
  }

  private isScanTopic(at: DeviceTopic): boolean {
    return this.scan && at.rest.length === 1 && at.rest[0] === '$state';
  }

  private route(topic: string, payload: Uint8Array, retained: boolean): AdapterEvent[] {
    if (!this.handles(topic)) return [];
    const at = this.topics.locate(topic);
    if (at === null) return [];
    const [first, second, third] = at.rest;
    // `$broadcast` and other reserved levels are not devices.
    if (!isUsableId(at.device) || at.rest.length === 0 || at.rest.some((l) => l === '')) return [];
    const deviceId = `${HOMIE5_CONVENTION}:${nativeId(at.root, at.device)}`;
    if (at.rest.length === 1 && first === '$state') return this.onState(deviceId, at, payload);
    if (at.rest.length === 1 && first === '$description') return this.onDescription(deviceId, at, payload);
    if (at.rest.length === 2 && first === '$alert' && second !== undefined) return this.onAlert(deviceId, second, payload);
    if (first === undefined || second === undefined || first.startsWith('$') || second.startsWith('$')) return [];
    const propertyId = `${first}/${second}`;
    if (at.rest.length === 2) return this.onProperty(deviceId, propertyId, payload, { kind: 'value', retained });
    // `/set` is a command (ours or another console's), never a status report.
    if (at.rest.length === 3 && third === '$target') return this.onProperty(deviceId, propertyId, payload, { kind: 'target' });
    return [];
  }

  private forget(deviceId: string, at: DeviceTopic): AdapterEvent[] {
    this.schemas.delete(deviceId);
    this.propertyIndex.delete(deviceId);
    this.pending.take(deviceId);
    this.found.forget(at.root, at.device);
    return [{ kind: 'device-removed', deviceId }];
  }

  private onState(deviceId: string, at: DeviceTopic, payload: Uint8Array): AdapterEvent[] {
    // Homie 5: a zero-length $state removes the device.
    if (payload.byteLength === 0) return this.forget(deviceId, at);
    const decoded = decodePayload(payload, 64);
    const state = 'text' in decoded ? decoded.text : '';
    const availability = STATES.find((s) => s === state);
    if (!at.configured) {
      // "A device exists once a valid value is set in the $state attribute": elsewhere, anything else is not a device.
      if (availability === undefined && !this.found.has(at.root, at.device)) return [];
      if (!this.found.learn(at.root, at.device, 'device')) {
        return [{ kind: 'device-error', deviceId, error: `not read: more than ${MAX_FOUND_DEVICES} Homie 5 devices found outside the configured base topics` }];
      }
    }
    return [{ kind: 'availability', deviceId, availability: availability ?? 'unknown' }];
  }

  private onDescription(deviceId: string, at: DeviceTopic, payload: Uint8Array): AdapterEvent[] {
    if (payload.byteLength === 0) return this.forget(deviceId, at);
    const decoded = decodePayload(payload, MAX_DESCRIPTION_BYTES);
    const parsed: DescriptionResult =
      'text' in decoded ? parseDescription(nativeId(at.root, at.device), at.device, decoded.text) : { kind: 'invalid', errors: [`$description: ${decoded.error}`] };
    if (parsed.kind !== 'ok') {
      // Without a usable schema nothing may be written to it; later values are buffered for a corrected description.
      this.schemas.delete(deviceId);
      this.propertyIndex.delete(deviceId);
      if (parsed.kind === 'invalid') return [{ kind: 'device-error', deviceId, error: parsed.errors.join('; ') }];
      // Shown by name with the reason, so the operator knows the device is there and why it cannot be used.
      return [
        { kind: 'device', device: parsed.shown },
        { kind: 'device-error', deviceId, error: versionProblemText(parsed.problem) },
      ];
    }
    const schema = parsed.schema;
    this.schemas.set(deviceId, schema);
    this.propertyIndex.set(deviceId, new Map(schema.properties.map((p) => [p.id, p])));
    const events: AdapterEvent[] = [{ kind: 'device', device: schema }];
    for (const [key, item] of this.pending.take(deviceId)) {
      const propertyId = key.endsWith(TARGET_SUFFIX) ? key.slice(0, -TARGET_SUFFIX.length) : key;
      const event = this.interpret(schema, propertyId, item);
      if (event !== null) events.push(event);
    }
    return events;
  }

  private onAlert(deviceId: string, alertId: string, payload: Uint8Array): AdapterEvent[] {
    if (alertId.startsWith('$')) return [];
    const decoded = decodePayload(payload, MAX_VALUE_BYTES);
    const message = 'text' in decoded ? decoded.text : decoded.raw;
    return [{ kind: 'alert', deviceId, alertId, message: message.slice(0, MAX_ALERT_CHARS) }];
  }

  private onProperty(
    deviceId: string,
    propertyId: string,
    payload: Uint8Array,
    as: { readonly kind: 'value'; readonly retained: boolean } | { readonly kind: 'target' },
  ): AdapterEvent[] {
    const key = as.kind === 'target' ? `${propertyId}${TARGET_SUFFIX}` : propertyId;
    // An empty payload clears a retained topic; it is not a value.
    if (payload.byteLength === 0) {
      this.pending.remove(deviceId, key);
      return [];
    }
    const decoded = decodePayload(payload, MAX_VALUE_BYTES);
    const item: Buffered =
      'error' in decoded
        ? { kind: 'error', error: decoded.error, raw: decoded.raw }
        : as.kind === 'value'
          ? { kind: 'value', text: decoded.text, retained: as.retained }
          : { kind: 'target', text: decoded.text };
    const schema = this.schemas.get(deviceId);
    if (schema === undefined) {
      this.pending.put(deviceId, key, item);
      return [];
    }
    const event = this.interpret(schema, propertyId, item);
    return event === null ? [] : [event];
  }

  /** One payload against the schema; null for properties the schema does not list. */
  private interpret(schema: DeviceSchema, propertyId: string, item: Buffered): AdapterEvent | null {
    const property = this.propertyIndex.get(schema.id)?.get(propertyId);
    if (property === undefined) return null;
    const deviceId = schema.id;
    if (item.kind === 'error') return { kind: 'value-error', deviceId, propertyId, error: item.error, raw: item.raw };
    const text = property.datatype === 'string' && item.text === EMPTY_STRING_PAYLOAD ? '' : item.text;
    const parsed = parsePayload(property, text);
    if (!parsed.ok) {
      const error = item.kind === 'target' ? `target: ${parsed.error}` : parsed.error;
      return { kind: 'value-error', deviceId, propertyId, error, raw: previewText(item.text) };
    }
    if (item.kind === 'target') return { kind: 'target', deviceId, propertyId, value: parsed.value };
    return { kind: 'value', deviceId, propertyId, value: parsed.value, retained: item.retained };
  }
}
