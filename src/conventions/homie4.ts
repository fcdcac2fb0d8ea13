/**
 * Homie 4 (and 3) convention adapter: `<root>/<device>/...` attribute topics
 * to a DeviceSchema built incrementally, values to model events, and sets to
 * `<root>/<device>/<node>/<property>/set`.
 * Spec: https://homieiot.github.io/specification/spec-core-v4_0_0/ (and v3.0.1).
 *
 *   <root>/<dev>/$homie            "4.0.0" / "3.0.1"; any other version is shown with a device error
 *   <root>/<dev>/$name, $state, $nodes ("a,b,lights[]": Homie 3 array nodes keep their base id)
 *   <root>/<dev>/<node>/$name, $properties       (a node is the group its properties are shown in)
 *   <root>/<dev>/<node>/<prop>/$name, $datatype, $format, $settable, $retained, $unit
 *   <root>/<dev>/<node>/<prop>     the value
 *
 * Base topics: the configured roots are always subscribed. With the scan on,
 * `+/+/$homie` (the spec's auto-discovery filter) finds devices under any
 * other root; a device found there gets its own filters, so only found
 * devices cost more (one filter, `$name`, for a version Holdfast cannot read).
 *
 * What is always subscribed: every device's attributes, by name (device
 * `$homie`, `$name`, `$state`, `$nodes`; node `+/$name`, `+/$properties`;
 * property `+/+/$datatype`, …), so the device list and schemas are complete.
 * Values (`<root>/<device>/+/+`) are deviceSubscriptions(), subscribed while
 * the device is needed. Node attributes and values sit at the same depth, so
 * one filter `<root>/+/+/+` would take both: the attributes are subscribed by
 * name instead, and the value filter, which also re-sends a device's node
 * attributes and `$stats/…`, is only held for needed devices.
 *
 * Retained attributes arrive in no guaranteed order, so the schema is built
 * as they come (homie4-schema.ts), emitted once complete and again whenever
 * it changes. The latest payload of each property is kept: one that arrived
 * before its description is reported with the schema, and one read under a
 * definition that changed since (a Homie 3 property read as a string until
 * its $datatype arrived) is read again under the new one.
 *
 * A device level of "5" belongs to Homie 5 (`<root>/5/…`) and is never
 * claimed here. Device ids are "homie4:<device>" under the default root
 * "homie" and "homie4:<root>/<device>" under any other; property ids
 * "<node>/<property>".
 */
import { decodePayload, previewText, type AdapterEvent, type ConventionAdapter, type DeviceSubscriptionSource, type EncodeResult } from './adapter.js';
import {
  checkAnnouncedVersion,
  checkRoots,
  FoundDevices,
  HomieTopics,
  isUsableId,
  nativeId,
  readableDevice,
  versionProblemText,
  type DeviceTopic,
  type HomieAdapterOptions,
  type VersionProblem,
} from './homie-common.js';
import { buildSchema, deviceName, HOMIE4_CONVENTION, PROPERTY_ATTRIBUTES, type DeviceAttributes, type PropertyAttribute } from './homie4-schema.js';
import { MAX_VALUE_BYTES } from './homie5.js';
import type { Availability, DeviceSchema, PropertySchema, PropertyValue } from '../model/types.js';
import { encodePayload, parsePayload, validateValue } from '../model/values.js';

export { HOMIE4_CONVENTION } from './homie4-schema.js';
export type Homie4Options = HomieAdapterOptions;

/** Attributes are short; a larger one is a fault, not a description. */
export const MAX_ATTRIBUTE_BYTES = 64 * 1024;
const MAX_NODES = 1000;
const MAX_PROPERTIES = 5000;
const MAX_BUFFERED_VALUES = 5000;
const MAX_DEVICES = 20_000;
/** Devices the scan may add always-on subscriptions for (11 filters each). */
const MAX_FOUND_DEVICES = 500;

const STATES: readonly Availability[] = ['init', 'ready', 'disconnected', 'sleeping', 'lost', 'alert'];
const DEVICE_ATTRIBUTES = ['$homie', '$name', '$state', '$nodes'] as const;
const NODE_ATTRIBUTES = ['$name', '$properties'] as const;
const SCAN_FILTER = '+/+/$homie';
/** The fixed level of Homie 5 topics: `<root>/5/<device>`. */
const HOMIE5_LEVEL = '5';

/** How much of a found device is read: everything, or only its name (a version Holdfast cannot read). */
type FoundLevel = 'full' | 'name';

/** The always-on filters of one device, or with `device` "+" of every device under a root: its attributes. */
function attributeFilters(root: string, device: string, withHomie: boolean): string[] {
  const base = `${root}/${device}`;
  return [
    ...DEVICE_ATTRIBUTES.filter((a) => withHomie || a !== '$homie').map((a) => `${base}/${a}`),
    // By name: `<base>/+/+` would carry every value too.
    ...NODE_ATTRIBUTES.map((a) => `${base}/+/${a}`),
    ...PROPERTY_ATTRIBUTES.map((a) => `${base}/+/+/${a}`),
  ];
}

/** One device's values, `<node>/<property>` two levels below it. */
function valueFilters(root: string, device: string): string[] {
  return [`${root}/${device}/+/+`];
}

type Buffered = { readonly text: string; readonly retained: boolean } | { readonly error: string; readonly raw: string };

/** What a property's latest payload was last reported as: the payload and the definition it was read with. */
interface Reported {
  readonly item: Buffered;
  readonly definition: string;
}

interface DeviceState extends DeviceAttributes {
  readonly root: string;
  /** The latest payload per property (bounded), described or not. */
  readonly latest: Map<string, Buffered>;
  readonly reported: Map<string, Reported>;
  schema?: DeviceSchema;
  emittedSchema?: string;
  emittedError?: string;
  emittedState?: string;
  propertyIndex: Map<string, PropertySchema>;
}

export class Homie4Adapter implements ConventionAdapter, DeviceSubscriptionSource {
  readonly convention = HOMIE4_CONVENTION;
  readonly roots: readonly string[];
  private readonly scan: boolean;
  private readonly topics: HomieTopics;
  private readonly rootFilters: readonly string[];
  private readonly found = new FoundDevices<FoundLevel>(MAX_FOUND_DEVICES, (root, device, level) =>
    level === 'full' ? attributeFilters(root, device, false) : [`${root}/${device}/$name`],
  );
  private readonly devices = new Map<string, DeviceState>();

  constructor(opts: Homie4Options = {}) {
    this.roots = checkRoots(opts.roots);
    this.scan = opts.scan ?? true;
    this.topics = new HomieTopics(this.roots, null);
    this.rootFilters = [
      ...(this.scan ? [SCAN_FILTER] : []),
      // The scan filter sees `$homie` under single-level roots; nested roots need their own.
      ...this.roots.flatMap((root) => attributeFilters(root, '+', !this.scan || root.includes('/'))),
    ];
  }

  subscriptions(): readonly string[] {
    const found = this.found.filters();
    return found.length === 0 ? this.rootFilters : [...this.rootFilters, ...found];
  }

  /**
   * Under a configured root any device's values can be read (they may come
   * before its attributes); elsewhere only once the scan found the device, as
   * handles() ignores other devices' topics there. Nothing for a version
   * Holdfast does not read: its values are not read either.
   */
  deviceSubscriptions(deviceId: string): readonly string[] {
    const at = readableDevice(deviceId, HOMIE4_CONVENTION, this.roots, this.found);
    if (at === null || at.device === HOMIE5_LEVEL) return [];
    const announced = this.devices.get(deviceId)?.homie;
    if (announced !== undefined && checkAnnouncedVersion(announced, 'homie4') !== null) return [];
    return valueFilters(at.root, at.device);
  }

  handles(topic: string): boolean {
    const at = this.topics.locate(topic);
    if (at === null || at.device === HOMIE5_LEVEL) return false;
    if (at.configured) return isUsableId(at.device);
    return this.isScanTopic(at) || this.found.has(at.root, at.device);
  }

  schemaOf(deviceId: string): DeviceSchema | undefined {
    return this.devices.get(deviceId)?.schema;
  }

  handleMessage(topic: string, payload: Uint8Array, retained: boolean): AdapterEvent[] {
    try {
      return this.route(topic, payload, retained);
    } catch (e) {
      const at = this.topics.locate(topic);
      const native = at === null ? '' : nativeId(at.root, at.device);
      return [{ kind: 'device-error', deviceId: `${HOMIE4_CONVENTION}:${native}`, error: `could not handle ${topic}: ${e instanceof Error ? e.message : String(e)}` }];
    }
  }

  encodeSet(deviceId: string, propertyId: string, value: PropertyValue): EncodeResult {
    const d = this.devices.get(deviceId);
    if (d?.schema === undefined) return { ok: false, error: `unknown device ${deviceId}` };
    const property = d.propertyIndex.get(propertyId);
    if (property === undefined) return { ok: false, error: `${d.schema.name} has no property ${propertyId}` };
    // Non-retained properties are commands with a value: validated and encoded by their datatype like any other.
    const checked = validateValue(property, value);
    if (!checked.ok) return { ok: false, error: `${property.name}: ${checked.error}` };
    let text = encodePayload(property, checked.value);
    // Homie 3/4 colours are bare "r,g,b" / "h,s,v"; the model's canonical form carries the format first.
    if (property.datatype === 'color') text = text.replace(/^(rgb|hsv),/, '');
    return { ok: true, command: { topic: `${d.root}/${d.device}/${propertyId}/set`, payload: text, retain: false } };
  }

  // ---- routing ----

  private isScanTopic(at: DeviceTopic): boolean {
    return this.scan && at.rest.length === 1 && at.rest[0] === '$homie';
  }

  private route(topic: string, payload: Uint8Array, retained: boolean): AdapterEvent[] {
    if (!this.handles(topic)) return [];
    const at = this.topics.locate(topic);
    if (at === null || at.rest.some((l) => l === '')) return [];
    const [a, b, c] = at.rest;
    const deviceId = `${HOMIE4_CONVENTION}:${nativeId(at.root, at.device)}`;
    if (at.rest.length === 1 && a !== undefined && a.startsWith('$')) return this.onDeviceAttribute(deviceId, at, a, payload);
    // $stats/…, $fw/…, $implementation/… and other device extensions are not read.
    if (a === undefined || a.startsWith('$') || !isUsableId(a) || b === undefined) return [];
    if (at.rest.length === 2) {
      if (b.startsWith('$')) return this.onNodeAttribute(deviceId, at, a, b, payload);
      if (!isUsableId(b)) return [];
      return this.onValue(deviceId, at, `${a}/${b}`, payload, retained);
    }
    if (at.rest.length === 3 && c !== undefined && c.startsWith('$') && isUsableId(b)) {
      return this.onPropertyAttribute(deviceId, at, `${a}/${b}`, c, payload);
    }
    return [];
  }

  private state(deviceId: string, at: DeviceTopic): DeviceState | null {
    let d = this.devices.get(deviceId);
    if (d === undefined) {
      // Bounded: a flood of stray topics under the root must not grow memory without end.
      if (this.devices.size >= MAX_DEVICES) return null;
      d = { root: at.root, device: at.device, nodeAttrs: new Map(), propAttrs: new Map(), latest: new Map(), reported: new Map(), faults: new Map(), propertyIndex: new Map() };
      this.devices.set(deviceId, d);
    }
    return d;
  }

  /** Decode an attribute; oversized or non-UTF-8 ones become faults of the device. */
  private attribute(d: DeviceState, where: string, payload: Uint8Array): string | undefined {
    const decoded = decodePayload(payload, MAX_ATTRIBUTE_BYTES);
    if ('error' in decoded) {
      d.faults.set(where, `${where}: ${decoded.error}`);
      return undefined;
    }
    d.faults.delete(where);
    return decoded.text;
  }

  private onDeviceAttribute(deviceId: string, at: DeviceTopic, attr: string, payload: Uint8Array): AdapterEvent[] {
    if (!(DEVICE_ATTRIBUTES as readonly string[]).includes(attr)) return [];
    if (attr === '$homie' && payload.byteLength === 0) return this.forget(deviceId, at);
    const known = this.devices.get(deviceId);
    // Clearing the retained attributes of an unknown device is not a reason to start tracking it.
    if (known === undefined && payload.byteLength === 0) return [];
    const d = known ?? this.state(deviceId, at);
    if (d === null) return [];
    const text = payload.byteLength === 0 ? undefined : this.attribute(d, attr, payload);
    switch (attr) {
      case '$homie':
        d.homie = text;
        if (!at.configured && text !== undefined) {
          const level: FoundLevel = checkAnnouncedVersion(text, 'homie4') === null ? 'full' : 'name';
          if (!this.found.learn(at.root, at.device, level)) {
            return [{ kind: 'device-error', deviceId, error: `not read: more than ${MAX_FOUND_DEVICES} Homie 3/4 devices found outside the configured base topics` }];
          }
        }
        break;
      case '$name':
        d.name = text;
        break;
      case '$nodes':
        d.nodes = text;
        break;
      case '$state':
        d.state = text;
        break;
    }
    return this.evaluate(deviceId, d);
  }

  private onNodeAttribute(deviceId: string, at: DeviceTopic, nodeId: string, attr: string, payload: Uint8Array): AdapterEvent[] {
    if (!(NODE_ATTRIBUTES as readonly string[]).includes(attr)) return [];
    const d = this.state(deviceId, at);
    if (d === null) return [];
    let node = d.nodeAttrs.get(nodeId);
    if (node === undefined) {
      if (d.nodeAttrs.size >= MAX_NODES) return this.fault(deviceId, d, 'nodes', `more than ${MAX_NODES} nodes`);
      node = {};
      d.nodeAttrs.set(nodeId, node);
    }
    const text = payload.byteLength === 0 ? undefined : this.attribute(d, `${nodeId}/${attr}`, payload);
    if (attr === '$name') node.name = text;
    else node.properties = text;
    return this.evaluate(deviceId, d);
  }

  private onPropertyAttribute(deviceId: string, at: DeviceTopic, propertyId: string, attr: string, payload: Uint8Array): AdapterEvent[] {
    if (!(PROPERTY_ATTRIBUTES as readonly string[]).includes(attr)) return [];
    const d = this.state(deviceId, at);
    if (d === null) return [];
    let attrs = d.propAttrs.get(propertyId);
    if (attrs === undefined) {
      if (d.propAttrs.size >= MAX_PROPERTIES) return this.fault(deviceId, d, 'properties', `more than ${MAX_PROPERTIES} properties`);
      attrs = {};
      d.propAttrs.set(propertyId, attrs);
    }
    const text = payload.byteLength === 0 ? undefined : this.attribute(d, `${propertyId}/${attr}`, payload);
    const key = attr as PropertyAttribute;
    if (text === undefined) delete attrs[key];
    else attrs[key] = text;
    return this.evaluate(deviceId, d);
  }

  private fault(deviceId: string, d: DeviceState, where: string, error: string): AdapterEvent[] {
    d.faults.set(where, error);
    return this.evaluate(deviceId, d);
  }

  private onValue(deviceId: string, at: DeviceTopic, propertyId: string, payload: Uint8Array, retained: boolean): AdapterEvent[] {
    const d = this.state(deviceId, at);
    if (d === null) return [];
    if (d.homie !== undefined && checkAnnouncedVersion(d.homie, 'homie4') !== null) return [];
    d.latest.delete(propertyId);
    d.reported.delete(propertyId);
    // An empty payload clears a retained topic; it is not a value.
    if (payload.byteLength === 0) return [];
    const decoded = decodePayload(payload, MAX_VALUE_BYTES);
    const item: Buffered = 'error' in decoded ? { error: decoded.error, raw: decoded.raw } : { text: decoded.text, retained };
    if (d.latest.size >= MAX_BUFFERED_VALUES) {
      const oldest = d.latest.keys().next();
      if (oldest.done !== true) {
        d.latest.delete(oldest.value);
        d.reported.delete(oldest.value);
      }
    }
    d.latest.set(propertyId, item);
    // Not described yet: reported with the schema that lists it.
    const event = this.report(d, propertyId, item);
    return event === null ? [] : [event];
  }

  /**
   * A payload read with the property's current definition, once per payload
   * and definition: the same payload is never reported twice as if it were
   * new, but one read under a definition that changed is read again.
   */
  private report(d: DeviceState, propertyId: string, item: Buffered): AdapterEvent | null {
    const property = d.propertyIndex.get(propertyId);
    if (d.schema === undefined || property === undefined) return null;
    const definition = JSON.stringify(property);
    const last = d.reported.get(propertyId);
    if (last?.item === item && last.definition === definition) return null;
    d.reported.set(propertyId, { item, definition });
    return this.interpret(d, propertyId, item);
  }

  private forget(deviceId: string, at: DeviceTopic): AdapterEvent[] {
    const d = this.devices.get(deviceId);
    this.devices.delete(deviceId);
    this.found.forget(at.root, at.device);
    return d !== undefined && (d.emittedSchema !== undefined || d.emittedError !== undefined || d.emittedState !== undefined)
      ? [{ kind: 'device-removed', deviceId }]
      : [];
  }

  // ---- schema ----

  private evaluate(deviceId: string, d: DeviceState): AdapterEvent[] {
    if (d.homie === undefined) return [];
    const problem = checkAnnouncedVersion(d.homie, 'homie4');
    if (problem !== null) return this.showUnsupported(deviceId, d, problem);
    const events: AdapterEvent[] = [];
    const built = buildSchema(deviceId, d);
    if (built.kind === 'error') {
      // Without a usable schema nothing may be written to it.
      d.schema = undefined;
      d.propertyIndex = new Map();
      d.emittedSchema = undefined;
      const error = built.errors.join('; ');
      if (error !== d.emittedError) events.push({ kind: 'device-error', deviceId, error });
      d.emittedError = error;
    } else if (built.kind === 'ok') {
      const text = JSON.stringify(built.schema);
      d.schema = built.schema;
      d.propertyIndex = new Map(built.schema.properties.map((p) => [p.id, p]));
      if (text !== d.emittedSchema || d.emittedError !== undefined) {
        events.push({ kind: 'device', device: built.schema });
        d.emittedSchema = text;
        d.emittedError = undefined;
        for (const [propertyId, item] of d.latest) {
          const e = this.report(d, propertyId, item);
          if (e !== null) events.push(e);
        }
      }
    }
    if (d.state !== undefined && d.state !== d.emittedState) {
      const availability = STATES.find((s) => s === d.state) ?? 'unknown';
      events.push({ kind: 'availability', deviceId, availability });
      d.emittedState = d.state;
    }
    return events;
  }

  /**
   * A device announcing a version Holdfast cannot read (2.0.1, 6.0, garbage):
   * shown by name with no properties and the reason, so the operator knows it
   * is there and why nothing of it can be used. Nothing of it is read or written.
   */
  private showUnsupported(deviceId: string, d: DeviceState, problem: VersionProblem): AdapterEvent[] {
    d.schema = undefined;
    d.propertyIndex = new Map();
    d.latest.clear();
    d.reported.clear();
    const shown: DeviceSchema = { id: deviceId, name: deviceName(d), convention: HOMIE4_CONVENTION, properties: [] };
    const text = JSON.stringify(shown);
    const error = versionProblemText(problem);
    const events: AdapterEvent[] = [];
    // A device event clears the device's error where it is shown, so the error always follows it.
    if (text !== d.emittedSchema || error !== d.emittedError) events.push({ kind: 'device', device: shown }, { kind: 'device-error', deviceId, error });
    d.emittedSchema = text;
    d.emittedError = error;
    // Its $state means something only in a version Holdfast reads.
    if (d.emittedState !== undefined) events.push({ kind: 'availability', deviceId, availability: 'unknown' });
    d.emittedState = undefined;
    return events;
  }

  private interpret(d: DeviceState, propertyId: string, item: Buffered): AdapterEvent | null {
    const schema = d.schema;
    const property = d.propertyIndex.get(propertyId);
    if (schema === undefined || property === undefined) return null;
    const deviceId = schema.id;
    if ('error' in item) return { kind: 'value-error', deviceId, propertyId, error: item.error, raw: item.raw };
    const parsed = parsePayload(property, item.text);
    if (!parsed.ok) return { kind: 'value-error', deviceId, propertyId, error: parsed.error, raw: previewText(item.text) };
    return { kind: 'value', deviceId, propertyId, value: parsed.value, retained: item.retained };
  }
}
