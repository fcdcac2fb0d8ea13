/**
 * Homie 4 (and 3) convention adapter: `<root>/<device>/...` attribute topics
 * to a DeviceSchema built incrementally, values to model events, and sets to
 * `<root>/<device>/<node>/<property>/set`.
 * Spec: https://homieiot.github.io/specification/spec-core-v4_0_0/ (and v3.0.1).
 *
 *   <root>/<dev>/$homie            "4.0.0" / "3.0.1": only 3.x and 4.x devices are read
 *   <root>/<dev>/$name, $state, $nodes ("a,b,lights[]": Homie 3 array nodes keep their base id)
 *   <root>/<dev>/<node>/$name, $properties
 *   <root>/<dev>/<node>/<prop>/$name, $datatype, $format, $settable, $retained, $unit
 *   <root>/<dev>/<node>/<prop>     the value
 *
 * Retained attributes arrive in no guaranteed order, so the schema is built
 * as they come. It is emitted once complete (every listed node has
 * $properties and every listed property a $datatype; Homie 3, where $datatype
 * is optional and defaults to string, is also complete once $state is
 * "ready") and again whenever it changes. Values that arrive earlier are
 * kept (latest per property) and reported with the schema.
 *
 * Topics under `<root>/5/` belong to Homie 5 and are never claimed here (so a
 * Homie 4 device whose id is "5" cannot be read). Device ids are "homie4:<id>",
 * property ids "<node>/<property>".
 */
import { decodePayload, previewText, type AdapterEvent, type ConventionAdapter, type EncodeResult } from './adapter.js';
import { MAX_VALUE_BYTES } from './homie5.js';
import { checkSchema } from '../model/schema-check.js';
import type { Availability, Datatype, DeviceSchema, PropertySchema, PropertyValue } from '../model/types.js';
import { encodePayload, parseNumber, parsePayload, validateValue } from '../model/values.js';

export const HOMIE4_CONVENTION = 'homie4';

export interface Homie4Options {
  /** Base topic. Default "homie". */
  readonly root?: string;
}

/** Attributes are short; a larger one is a fault, not a description. */
export const MAX_ATTRIBUTE_BYTES = 64 * 1024;
const MAX_NODES = 1000;
const MAX_PROPERTIES = 5000;
const MAX_BUFFERED_VALUES = 5000;
const MAX_DEVICES = 20_000;

const DATATYPES: readonly Datatype[] = ['integer', 'float', 'boolean', 'string', 'enum', 'color'];
const STATES: readonly Availability[] = ['init', 'ready', 'disconnected', 'sleeping', 'lost', 'alert'];
const VERSION = /^[34](\.\d+){0,2}$/;
const DEVICE_ATTRIBUTES = ['$homie', '$name', '$state', '$nodes'] as const;
const NODE_ATTRIBUTES = ['$name', '$properties'] as const;
const PROPERTY_ATTRIBUTES = ['$name', '$datatype', '$format', '$settable', '$retained', '$unit'] as const;
type PropertyAttribute = (typeof PROPERTY_ATTRIBUTES)[number];

/** A topic level usable as an id: no separators, wildcards, NUL or reserved `$`. */
function isUsableId(id: string): boolean {
  return id !== '' && !id.startsWith('$') && !/[/+#]/.test(id) && !id.includes('\u0000');
}

type Buffered = { readonly text: string; readonly retained: boolean } | { readonly error: string; readonly raw: string };

interface NodeState {
  name?: string;
  properties?: string;
}

interface DeviceState {
  readonly native: string;
  homie?: string;
  name?: string;
  nodes?: string;
  state?: string;
  readonly nodeAttrs: Map<string, NodeState>;
  readonly propAttrs: Map<string, Partial<Record<PropertyAttribute, string>>>;
  readonly values: Map<string, Buffered>;
  /** Attribute-level faults (e.g. an oversized attribute), by topic suffix. */
  readonly faults: Map<string, string>;
  schema?: DeviceSchema;
  emittedSchema?: string;
  emittedError?: string;
  emittedState?: string;
  propertyIndex: Map<string, PropertySchema>;
}

type Built = { readonly kind: 'incomplete' } | { readonly kind: 'error'; readonly errors: string[] } | { readonly kind: 'ok'; readonly schema: DeviceSchema };

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function parseRange(id: string, datatype: 'integer' | 'float', format: string): { ok: true; value: Partial<PropertySchema> } | { ok: false; error: string } {
  const parts = format.split(':');
  if (parts.length < 2 || parts.length > 3) return { ok: false, error: `${id}: $format "${format}" is not from:to` };
  const numbers: (number | undefined)[] = [];
  for (const part of parts) {
    const t = part.trim();
    if (t === '') {
      numbers.push(undefined);
      continue;
    }
    const n = parseNumber(t);
    if (n === null || (datatype === 'integer' && !Number.isInteger(n))) {
      return { ok: false, error: `${id}: $format "${format}" has "${t}", which is not ${datatype === 'integer' ? 'a whole number' : 'a number'}` };
    }
    numbers.push(n);
  }
  const [min, max, step] = numbers;
  return {
    ok: true,
    value: { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), ...(step !== undefined ? { step } : {}) },
  };
}

function parseFlag(id: string, attr: string, text: string | undefined, dflt: boolean, errors: string[]): boolean {
  if (text === undefined) return dflt;
  if (text === 'true') return true;
  if (text === 'false') return false;
  errors.push(`${id}: ${attr} "${previewText(text)}" is not true or false`);
  return dflt;
}

function buildProperty(
  id: string,
  propertyKey: string,
  attrs: Partial<Record<PropertyAttribute, string>>,
  datatypeDefault: Datatype | undefined,
  errors: string[],
): PropertySchema | null {
  const raw = attrs.$datatype ?? datatypeDefault;
  if (raw === undefined) return null;
  if (!(DATATYPES as readonly string[]).includes(raw)) {
    errors.push(`${id}: unknown $datatype ${JSON.stringify(raw)}`);
    return null;
  }
  const datatype = raw as Datatype;
  const before = errors.length;
  const settable = parseFlag(id, '$settable', attrs.$settable, false, errors);
  const retained = parseFlag(id, '$retained', attrs.$retained, true, errors);
  const format = attrs.$format;
  let extra: Partial<PropertySchema> = {};
  switch (datatype) {
    case 'integer':
    case 'float':
      if (format !== undefined && format.trim() !== '') {
        const r = parseRange(id, datatype, format);
        if (r.ok) extra = r.value;
        else errors.push(r.error);
      }
      break;
    case 'enum':
      extra = { options: format === undefined || format === '' ? [] : format.split(',') };
      break;
    case 'color':
      if (format === undefined || !['rgb', 'hsv'].includes(format.trim())) {
        errors.push(`${id}: color $format must be "rgb" or "hsv"${format === undefined ? '' : `, not "${previewText(format)}"`}`);
      }
      break;
    default:
      break;
  }
  if (errors.length > before) return null;
  const name = attrs.$name !== undefined && attrs.$name.trim() !== '' ? attrs.$name : propertyKey;
  const unit = attrs.$unit;
  return {
    id,
    name,
    datatype,
    settable,
    retained,
    // Homie: a non-retained property is an event or command, not a state.
    momentary: !retained,
    ...(unit !== undefined && unit !== '' ? { unit } : {}),
    ...(format !== undefined && format !== '' ? { format: datatype === 'color' ? format.trim() : format } : {}),
    ...extra,
  };
}

export class Homie4Adapter implements ConventionAdapter {
  readonly convention = HOMIE4_CONVENTION;
  readonly root: string;
  private readonly prefix: string;
  private readonly homie5Prefix: string;
  private readonly devices = new Map<string, DeviceState>();
  private readonly filters: readonly string[];

  constructor(opts: Homie4Options = {}) {
    const root = (opts.root ?? 'homie').replace(/\/+$/, '');
    if (root === '' || /[+#]/.test(root) || root.includes('\u0000')) throw new RangeError(`Homie root ${JSON.stringify(opts.root)} is not a topic prefix`);
    this.root = root;
    this.prefix = `${root}/`;
    this.homie5Prefix = `${root}/5/`;
    const base = `${root}/+`;
    this.filters = [
      ...DEVICE_ATTRIBUTES.map((a) => `${base}/${a}`),
      // Node attributes ($name, $properties) and values share the three-level filter.
      `${base}/+/+`,
      ...PROPERTY_ATTRIBUTES.map((a) => `${base}/+/+/${a}`),
    ];
  }

  subscriptions(): readonly string[] {
    return this.filters;
  }

  handles(topic: string): boolean {
    if (!topic.startsWith(this.prefix) || topic.startsWith(this.homie5Prefix)) return false;
    const device = topic.slice(this.prefix.length).split('/', 1)[0] ?? '';
    return isUsableId(device);
  }

  schemaOf(deviceId: string): DeviceSchema | undefined {
    return this.devices.get(deviceId)?.schema;
  }

  handleMessage(topic: string, payload: Uint8Array, retained: boolean): AdapterEvent[] {
    try {
      return this.route(topic, payload, retained);
    } catch (e) {
      const native = topic.slice(this.prefix.length).split('/', 1)[0] ?? '';
      return [{ kind: 'device-error', deviceId: `${HOMIE4_CONVENTION}:${native}`, error: `could not handle ${topic}: ${e instanceof Error ? e.message : String(e)}` }];
    }
  }

  encodeSet(deviceId: string, propertyId: string, value: PropertyValue): EncodeResult {
    const d = this.devices.get(deviceId);
    if (d?.schema === undefined) return { ok: false, error: `unknown device ${deviceId}` };
    const property = d.propertyIndex.get(propertyId);
    if (property === undefined) return { ok: false, error: `${d.schema.name} has no property ${propertyId}` };
    const checked = validateValue(property, value);
    if (!checked.ok) return { ok: false, error: `${property.name}: ${checked.error}` };
    let text = encodePayload(property, checked.value);
    // Homie 3/4 colours are bare "r,g,b" / "h,s,v"; the model's canonical form carries the format first.
    if (property.datatype === 'color') text = text.replace(/^(rgb|hsv),/, '');
    return { ok: true, command: { topic: `${this.prefix}${d.native}/${propertyId}/set`, payload: text, retain: false } };
  }

  // ---- routing ----

  private route(topic: string, payload: Uint8Array, retained: boolean): AdapterEvent[] {
    if (!this.handles(topic)) return [];
    const levels = topic.slice(this.prefix.length).split('/');
    const [native = '', a, b, c] = levels;
    if (levels.some((l) => l === '')) return [];
    const deviceId = `${HOMIE4_CONVENTION}:${native}`;
    if (levels.length === 2 && a !== undefined && a.startsWith('$')) return this.onDeviceAttribute(deviceId, native, a, payload);
    // $stats/…, $fw/…, $implementation/… and other device extensions are not read.
    if (a === undefined || a.startsWith('$') || !isUsableId(a) || b === undefined) return [];
    if (levels.length === 3) {
      if (b.startsWith('$')) return this.onNodeAttribute(deviceId, native, a, b, payload);
      if (!isUsableId(b)) return [];
      return this.onValue(deviceId, `${a}/${b}`, payload, retained);
    }
    if (levels.length === 4 && c !== undefined && c.startsWith('$') && isUsableId(b)) {
      return this.onPropertyAttribute(deviceId, native, `${a}/${b}`, c, payload);
    }
    return [];
  }

  private state(deviceId: string, native: string): DeviceState | null {
    let d = this.devices.get(deviceId);
    if (d === undefined) {
      // Bounded: a flood of stray topics under the root must not grow memory without end.
      if (this.devices.size >= MAX_DEVICES) return null;
      d = { native, nodeAttrs: new Map(), propAttrs: new Map(), values: new Map(), faults: new Map(), propertyIndex: new Map() };
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

  private onDeviceAttribute(deviceId: string, native: string, attr: string, payload: Uint8Array): AdapterEvent[] {
    if (!(DEVICE_ATTRIBUTES as readonly string[]).includes(attr)) return [];
    if (attr === '$homie' && payload.byteLength === 0) return this.forget(deviceId);
    const known = this.devices.get(deviceId);
    // Clearing the retained attributes of an unknown device is not a reason to start tracking it.
    if (known === undefined && payload.byteLength === 0) return [];
    const d = known ?? this.state(deviceId, native);
    if (d === null) return [];
    const text = payload.byteLength === 0 ? undefined : this.attribute(d, attr, payload);
    switch (attr) {
      case '$homie':
        d.homie = text;
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

  private onNodeAttribute(deviceId: string, native: string, nodeId: string, attr: string, payload: Uint8Array): AdapterEvent[] {
    if (!(NODE_ATTRIBUTES as readonly string[]).includes(attr)) return [];
    const d = this.state(deviceId, native);
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

  private onPropertyAttribute(deviceId: string, native: string, propertyId: string, attr: string, payload: Uint8Array): AdapterEvent[] {
    if (!(PROPERTY_ATTRIBUTES as readonly string[]).includes(attr)) return [];
    const d = this.state(deviceId, native);
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

  private onValue(deviceId: string, propertyId: string, payload: Uint8Array, retained: boolean): AdapterEvent[] {
    const d = this.devices.get(deviceId) ?? this.state(deviceId, deviceId.slice(HOMIE4_CONVENTION.length + 1));
    if (d === null) return [];
    if (d.homie !== undefined && !VERSION.test(d.homie)) return [];
    d.values.delete(propertyId);
    // An empty payload clears a retained topic; it is not a value.
    if (payload.byteLength === 0) return [];
    const decoded = decodePayload(payload, MAX_VALUE_BYTES);
    const item: Buffered = 'error' in decoded ? { error: decoded.error, raw: decoded.raw } : { text: decoded.text, retained };
    if (d.schema !== undefined && d.propertyIndex.has(propertyId)) {
      const event = this.interpret(d, propertyId, item);
      return event === null ? [] : [event];
    }
    // Not described yet: keep the latest payload until the schema lists the property.
    // Only never-reported values are kept, so nothing old is ever reported as new.
    if (d.values.size >= MAX_BUFFERED_VALUES) {
      const oldest = d.values.keys().next();
      if (oldest.done !== true) d.values.delete(oldest.value);
    }
    d.values.set(propertyId, item);
    return [];
  }

  private forget(deviceId: string): AdapterEvent[] {
    const d = this.devices.get(deviceId);
    this.devices.delete(deviceId);
    return d !== undefined && (d.emittedSchema !== undefined || d.emittedError !== undefined || d.emittedState !== undefined)
      ? [{ kind: 'device-removed', deviceId }]
      : [];
  }

  // ---- schema ----

  private build(deviceId: string, d: DeviceState): Built {
    const errors: string[] = [...d.faults.values()];
    if (d.nodes === undefined) return errors.length > 0 ? { kind: 'error', errors } : { kind: 'incomplete' };
    const homie3 = d.homie?.startsWith('3') === true;
    const properties: PropertySchema[] = [];
    let incomplete = false;
    const nodeIds = new Set<string>();
    for (const entry of splitList(d.nodes)) {
      // Homie 3 arrays: "lights[]" is node "lights"; its range and element nodes are not read.
      const nodeId = homie3 && entry.endsWith('[]') ? entry.slice(0, -2) : entry;
      if (!isUsableId(nodeId)) {
        errors.push(`$nodes: node id ${JSON.stringify(entry)} is not usable in a topic`);
        continue;
      }
      if (nodeIds.has(nodeId)) continue;
      nodeIds.add(nodeId);
      const node = d.nodeAttrs.get(nodeId);
      if (node?.properties === undefined) {
        incomplete = true;
        continue;
      }
      for (const propertyKey of splitList(node.properties)) {
        const id = `${nodeId}/${propertyKey}`;
        if (!isUsableId(propertyKey)) {
          errors.push(`${id}: property id is not usable in a topic`);
          continue;
        }
        const attrs = d.propAttrs.get(id) ?? {};
        // Homie 3: $datatype is optional (string); the device says it has published everything with $state ready.
        const fallback = homie3 && d.state === 'ready' ? 'string' : undefined;
        const before = errors.length;
        const p = buildProperty(id, propertyKey, attrs, fallback, errors);
        if (p !== null) properties.push(p);
        else if (errors.length === before) incomplete = true;
      }
    }
    if (errors.length > 0) return { kind: 'error', errors };
    if (incomplete) return { kind: 'incomplete' };
    const name = d.name !== undefined && d.name.trim() !== '' ? d.name : d.native;
    const schema: DeviceSchema = { id: deviceId, name, convention: HOMIE4_CONVENTION, properties };
    const problems = checkSchema(schema);
    return problems.length > 0 ? { kind: 'error', errors: problems } : { kind: 'ok', schema };
  }

  private evaluate(deviceId: string, d: DeviceState): AdapterEvent[] {
    if (d.homie === undefined) return [];
    if (!VERSION.test(d.homie)) {
      // Not a Homie 3/4 device (e.g. "5.0" or "2.0.1"): not ours; drop what was shown.
      const shown = d.emittedSchema !== undefined || d.emittedError !== undefined || d.emittedState !== undefined;
      d.schema = undefined;
      d.emittedSchema = undefined;
      d.emittedError = undefined;
      d.emittedState = undefined;
      d.propertyIndex = new Map();
      d.values.clear();
      return shown ? [{ kind: 'device-removed', deviceId }] : [];
    }
    const events: AdapterEvent[] = [];
    const built = this.build(deviceId, d);
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
        for (const [propertyId, item] of [...d.values]) {
          const e = this.interpret(d, propertyId, item);
          if (e === null) continue;
          d.values.delete(propertyId);
          events.push(e);
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
