/**
 * Native Zigbee2MQTT adapter: devices from the retained `<base>/bridge/devices`,
 * state from `<base>/<friendly_name>` (one JSON object), availability from
 * `<base>/<friendly_name>/availability` and `<base>/bridge/state`, sets to
 * `<base>/<friendly_name>/set` and questions to `<base>/<friendly_name>/get`.
 * Sources: https://www.zigbee2mqtt.io/guide/usage/mqtt_topics_and_messages.html,
 * zigbee2mqtt lib/extension/{bridge,publish,availability}.ts.
 *
 * Device ids are "zigbee2mqtt:<ieee_address>": a rename keeps the device, its
 * values and its pending edits.
 *
 * Always subscribed: `bridge/devices`, `bridge/state` and each device's
 * `/availability`. A device's state topic `<base>/<friendly_name>` is its
 * deviceSubscriptions(), subscribed while the device is needed; a rename
 * changes it, and the rename's `device` event is when the console asks again.
 */
import { decodePayload, previewText, type AdapterEvent, type CommandTopicGuard, type ConventionAdapter, type DeviceSubscriptionSource, type EncodeResult, type QuerySource } from './adapter.js';
import type { Availability, DeviceSchema, PropertyValue } from '../model/types.js';
import { deviceIdOf, parseDeviceList, ZIGBEE2MQTT_CONVENTION, type Z2mDevice } from './zigbee2mqtt-devices.js';
import { isRecord } from './zigbee2mqtt-exposes.js';
import { nestAt, readValue, valueAt, writeValue } from './zigbee2mqtt-values.js';

export { ZIGBEE2MQTT_CONVENTION } from './zigbee2mqtt-devices.js';

export interface Zigbee2mqttOptions {
  /** Zigbee2MQTT's mqtt.base_topic; default "zigbee2mqtt". */
  readonly base?: string;
}

/** A big network's device list with every definition is megabytes; beyond this it is refused, not parsed. */
export const MAX_DEVICE_LIST_BYTES = 32 * 1024 * 1024;
/** One device's state object. */
export const MAX_STATE_BYTES = 256 * 1024;
const MAX_AVAILABILITY_BYTES = 1024;
const AVAILABILITY_SUFFIX = '/availability';
/** Stands for the bridge itself when its device list cannot be read. */
const BRIDGE_DEVICE_ID = `${ZIGBEE2MQTT_CONVENTION}:bridge`;

type Online = 'online' | 'offline' | 'unknown';

/** `{"state":"online"}` (Zigbee2MQTT ≥ 1.22) or the legacy plain `online` / `offline`. */
function parseOnline(text: string): Online {
  let state: unknown = text.trim();
  if (typeof state === 'string' && state.startsWith('{')) {
    try {
      const doc: unknown = JSON.parse(state);
      state = isRecord(doc) ? doc['state'] : undefined;
    } catch {
      return 'unknown';
    }
  }
  return state === 'online' || state === 'offline' ? state : 'unknown';
}

interface Known {
  readonly device: Z2mDevice;
  /** Last availability message; null: none (Zigbee2MQTT's availability feature is off). */
  online: Online | null;
  /** What was last announced, to skip re-announcing an unchanged device. */
  signature: string;
}

export class Zigbee2mqttAdapter implements ConventionAdapter, DeviceSubscriptionSource, QuerySource, CommandTopicGuard {
  readonly convention = ZIGBEE2MQTT_CONVENTION;
  readonly base: string;
  private readonly prefix: string;
  private readonly devicesTopic: string;
  private readonly bridgeStateTopic: string;
  private readonly byIeee = new Map<string, Known>();
  /** Routable devices by friendly name: the topic level(s) after the base. */
  private readonly byName = new Map<string, Known>();
  private bridgeOnline: Online | null = null;
  private bridgeErrorShown = false;

  constructor(opts: Zigbee2mqttOptions = {}) {
    const base = (opts.base ?? 'zigbee2mqtt').replace(/\/+$/, '');
    if (base === '' || /[+#]/.test(base)) throw new RangeError(`Zigbee2MQTT base topic ${JSON.stringify(opts.base)} is not a topic prefix`);
    this.base = base;
    this.prefix = `${base}/`;
    this.devicesTopic = `${base}/bridge/devices`;
    this.bridgeStateTopic = `${base}/bridge/state`;
  }

  subscriptions(): readonly string[] {
    const availability = [...this.byName.keys()].map((name) => `${this.prefix}${name}${AVAILABILITY_SUFFIX}`);
    return [this.devicesTopic, this.bridgeStateTopic, ...availability];
  }

  /** Its state topic, once bridge/devices listed it under a usable friendly name. */
  deviceSubscriptions(deviceId: string): readonly string[] {
    const known = this.known(deviceId);
    return known?.device.routable === true ? [`${this.prefix}${known.device.friendlyName}`] : [];
  }

  /** Only topics of this bridge and its known devices: others under the base may be another adapter's. */
  handles(topic: string): boolean {
    return topic === this.devicesTopic || topic === this.bridgeStateTopic || this.resolve(topic) !== null;
  }

  handleMessage(topic: string, payload: Uint8Array, retained: boolean): AdapterEvent[] {
    try {
      if (topic === this.devicesTopic) return this.onDeviceList(payload);
      if (topic === this.bridgeStateTopic) return this.onBridgeState(payload);
      const target = this.resolve(topic);
      if (target === null) return [];
      return target.kind === 'state' ? this.onState(target.known, payload, retained) : this.onAvailability(target.known, payload);
    } catch (e) {
      // Adapters never throw: one device's odd message must not stop the others.
      return [{ kind: 'device-error', deviceId: BRIDGE_DEVICE_ID, error: `could not handle ${previewText(topic)}: ${e instanceof Error ? e.message : String(e)}` }];
    }
  }

  /** The current schema of a device listed in bridge/devices. */
  schemaOf(deviceId: string): DeviceSchema | undefined {
    return this.known(deviceId)?.device.schema;
  }

  private known(deviceId: string): Known | undefined {
    return deviceId.startsWith(`${ZIGBEE2MQTT_CONVENTION}:`) ? this.byIeee.get(deviceId.slice(ZIGBEE2MQTT_CONVENTION.length + 1)) : undefined;
  }

  encodeSet(deviceId: string, propertyId: string, value: PropertyValue): EncodeResult {
    const found = this.control(deviceId, propertyId);
    if (!found.ok) return found;
    const { known, control } = found;
    if (!control.schema.settable) return { ok: false, error: `${control.schema.name} is read-only` };
    if (control.schema.readOnlyReason !== undefined) return { ok: false, error: `${control.schema.name} is read-only: ${control.schema.readOnlyReason}` };
    const written = writeValue(control, value);
    if (!written.ok) return { ok: false, error: `${control.schema.name}: ${written.error}` };
    return { ok: true, command: { topic: `${this.prefix}${known.device.friendlyName}/set`, payload: JSON.stringify(nestAt(control.path, written.json)), retain: false } };
  }

  /** `/get` with `{"<property>": ""}`: Zigbee2MQTT reads the attribute and publishes the state (publish.ts convertGet). */
  encodeQuery(deviceId: string, propertyId: string): EncodeResult | null {
    const found = this.control(deviceId, propertyId);
    if (!found.ok || found.control.schema.queryable !== true) return null;
    const key = found.control.path[0] ?? '';
    return { ok: true, command: { topic: `${this.prefix}${found.known.device.friendlyName}/get`, payload: JSON.stringify({ [key]: '' }), retain: false } };
  }

  /** The bridge API (`<base>/bridge/request/…`: permit_join, remove, restart) is never written by any adapter. */
  refuseCommandTopic(topic: string): string | null {
    return topic.startsWith(`${this.prefix}bridge/`) ? `${previewText(topic)} is Zigbee2MQTT's bridge API; Holdfast does not write to it` : null;
  }

  private control(deviceId: string, propertyId: string) {
    const known = this.known(deviceId);
    if (known === undefined) return { ok: false as const, error: `unknown device ${deviceId}` };
    if (!known.device.routable) return { ok: false as const, error: `${known.device.schema.name}: ${known.device.errors[0] ?? 'cannot be reached'}` };
    const control = known.device.controls.get(propertyId);
    if (control === undefined) return { ok: false as const, error: `${known.device.schema.name} has no property ${propertyId}` };
    return { ok: true as const, known, control };
  }

  private resolve(topic: string): { readonly kind: 'state' | 'availability'; readonly known: Known } | null {
    if (!topic.startsWith(this.prefix)) return null;
    const rest = topic.slice(this.prefix.length);
    const exact = this.byName.get(rest);
    if (exact !== undefined) return { kind: 'state', known: exact };
    if (!rest.endsWith(AVAILABILITY_SUFFIX)) return null;
    const known = this.byName.get(rest.slice(0, -AVAILABILITY_SUFFIX.length));
    return known === undefined ? null : { kind: 'availability', known };
  }

  private availabilityOf(known: Known): Availability {
    // Without the bridge nothing reaches the devices, whatever they last said.
    if (this.bridgeOnline === 'offline' || known.online === 'offline') return 'lost';
    if (known.online === 'unknown') return 'unknown';
    return 'ready';
  }

  private bridgeError(error: string): AdapterEvent[] {
    const shown = this.bridgeErrorShown;
    this.bridgeErrorShown = true;
    return [
      ...(shown ? [] : [{ kind: 'device' as const, device: { id: BRIDGE_DEVICE_ID, name: `Zigbee2MQTT (${this.base})`, convention: ZIGBEE2MQTT_CONVENTION, properties: [] } }]),
      { kind: 'device-error', deviceId: BRIDGE_DEVICE_ID, error },
    ];
  }

  private onDeviceList(payload: Uint8Array): AdapterEvent[] {
    // An empty retained message deletes the list: no devices are left.
    const decoded = payload.byteLength === 0 ? { text: '[]' } : decodePayload(payload, MAX_DEVICE_LIST_BYTES);
    // Unreadable lists keep the devices already known: a bad publish must not make a site vanish.
    if ('error' in decoded) return this.bridgeError(`bridge/devices: ${decoded.error}`);
    const list = parseDeviceList(decoded.text);
    if (!list.ok) return this.bridgeError(list.error);
    const events: AdapterEvent[] = [];
    if (list.problems.length > 0) events.push(...this.bridgeError(`bridge/devices: ${list.problems.join('; ')}`));
    else if (this.bridgeErrorShown) {
      this.bridgeErrorShown = false;
      events.push({ kind: 'device-removed', deviceId: BRIDGE_DEVICE_ID });
    }
    const seen = new Set<string>();
    this.byName.clear();
    for (const device of list.devices) {
      seen.add(device.ieee);
      const before = this.byIeee.get(device.ieee);
      const signature = JSON.stringify([device.schema, device.errors, device.routable]);
      // A renamed device starts without an availability message on its new topic.
      const online = before !== undefined && before.device.friendlyName === device.friendlyName ? before.online : null;
      const known: Known = { device, online, signature };
      this.byIeee.set(device.ieee, known);
      if (device.routable) this.byName.set(device.friendlyName, known);
      if (before?.signature === signature && before.online === online) continue;
      events.push({ kind: 'device', device: device.schema });
      if (device.errors.length > 0) events.push({ kind: 'device-error', deviceId: device.schema.id, error: device.errors.join(' ') });
      events.push({ kind: 'availability', deviceId: device.schema.id, availability: this.availabilityOf(known) });
    }
    for (const ieee of [...this.byIeee.keys()]) {
      if (seen.has(ieee)) continue;
      this.byIeee.delete(ieee);
      events.push({ kind: 'device-removed', deviceId: deviceIdOf(ieee) });
    }
    return events;
  }

  private onBridgeState(payload: Uint8Array): AdapterEvent[] {
    const decoded = decodePayload(payload, MAX_AVAILABILITY_BYTES);
    this.bridgeOnline = payload.byteLength === 0 ? null : 'text' in decoded ? parseOnline(decoded.text) : 'unknown';
    return [...this.byIeee.values()].map((k) => ({ kind: 'availability', deviceId: k.device.schema.id, availability: this.availabilityOf(k) }));
  }

  private onAvailability(known: Known, payload: Uint8Array): AdapterEvent[] {
    // Zigbee2MQTT clears the old topic of a renamed device with an empty retained message.
    if (payload.byteLength === 0) return [];
    const decoded = decodePayload(payload, MAX_AVAILABILITY_BYTES);
    known.online = 'text' in decoded ? parseOnline(decoded.text) : 'unknown';
    return [{ kind: 'availability', deviceId: known.device.schema.id, availability: this.availabilityOf(known) }];
  }

  private onState(known: Known, payload: Uint8Array, retained: boolean): AdapterEvent[] {
    if (payload.byteLength === 0) return [];
    const deviceId = known.device.schema.id;
    const everyValue = (error: string, raw: string): AdapterEvent[] =>
      known.device.published.map((c) => ({ kind: 'value-error', deviceId, propertyId: c.schema.id, error, raw }));
    const decoded = decodePayload(payload, MAX_STATE_BYTES);
    if ('error' in decoded) return everyValue(decoded.error, decoded.raw);
    let state: unknown;
    try {
      state = JSON.parse(decoded.text);
    } catch (e) {
      return everyValue(`state is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, previewText(decoded.text));
    }
    if (!isRecord(state)) return everyValue('state is not a JSON object', previewText(decoded.text));
    const events: AdapterEvent[] = [];
    for (const control of known.device.published) {
      const raw = valueAt(state, control.path);
      const read = readValue(control, raw);
      const propertyId = control.schema.id;
      if (read.kind === 'value') events.push({ kind: 'value', deviceId, propertyId, value: read.value, retained });
      else if (read.kind === 'error') events.push({ kind: 'value-error', deviceId, propertyId, error: read.error, raw: previewText(JSON.stringify(raw) ?? '') });
    }
    return events;
  }
}
