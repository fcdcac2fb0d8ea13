/**
 * Homie 5 convention adapter: `<root>/5/<device>/...` topics to model events,
 * and sets back to `<root>/5/<device>/<node>/<property>/set`.
 * Spec: https://homieiot.github.io/specification/ (v5.0.0).
 */
import type { AdapterEvent, ConventionAdapter, EncodeResult } from './adapter.js';
import { checkSchema } from '../model/schema-check.js';
import type { Availability, Datatype, DeviceSchema, PropertySchema, PropertyValue } from '../model/types.js';
import { encodePayload, parseNumber, parsePayload, validateValue } from '../model/values.js';

export interface Homie5Options {
  /** First topic level; Homie 5 fixes the second level to "5". Default "homie". */
  readonly root?: string;
}

export const HOMIE5_CONVENTION = 'homie5';
/** Larger value payloads are reported, not parsed: they would stall rendering and storage. */
export const MAX_VALUE_BYTES = 256 * 1024;
/** Bridges can describe many properties; still refuse absurd documents. */
export const MAX_DESCRIPTION_BYTES = 4 * 1024 * 1024;
/** How much of a bad payload is kept for display. */
export const RAW_PREVIEW_CHARS = 200;
const MAX_ALERT_CHARS = 2000;

const DATATYPES: readonly Datatype[] = ['integer', 'float', 'boolean', 'string', 'enum', 'color', 'datetime', 'duration', 'json'];
const STATES: readonly Availability[] = ['init', 'ready', 'disconnected', 'sleeping', 'lost'];
const COLOR_FORMATS = ['rgb', 'hsv', 'xyz'];
/** Homie 5 encodes an empty string value as a single NUL byte, since an empty payload deletes a retained topic. */
const EMPTY_STRING_PAYLOAD = '\u0000';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

type Decoded = { readonly text: string } | { readonly error: string; readonly raw: string };

function preview(payload: Uint8Array): string {
  // 4 bytes per character at most: decoding this much always yields RAW_PREVIEW_CHARS if available.
  return lenientUtf8.decode(payload.subarray(0, RAW_PREVIEW_CHARS * 4)).slice(0, RAW_PREVIEW_CHARS);
}

function truncate(text: string): string {
  return text.length > RAW_PREVIEW_CHARS ? text.slice(0, RAW_PREVIEW_CHARS) : text;
}

function decode(payload: Uint8Array, maxBytes: number): Decoded {
  if (payload.byteLength > maxBytes) {
    return {
      error: `payload of ${payload.byteLength} bytes is larger than ${Math.round(maxBytes / 1024)} KB; not shown in full`,
      raw: preview(payload),
    };
  }
  try {
    return { text: strictUtf8.decode(payload) };
  } catch {
    return { error: 'payload is not valid UTF-8', raw: preview(payload) };
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** A topic level we can publish to and subscribe under: no separators, wildcards or reserved `$`. */
function isUsableId(id: string): boolean {
  return id !== '' && !id.startsWith('$') && !/[/+#]/.test(id) && !id.includes('\u0000');
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: string[] };

function parseNumberFormat(id: string, datatype: 'integer' | 'float', format: string): Parsed<Pick<PropertySchema, 'min' | 'max' | 'step'>> {
  const parts = format.split(':');
  if (parts.length < 2 || parts.length > 3) {
    return { ok: false, errors: [`${id}: format "${format}" is not [min]:[max][:step]`] };
  }
  const numbers: (number | undefined)[] = [];
  for (const part of parts) {
    if (part === '') {
      numbers.push(undefined);
      continue;
    }
    const n = parseNumber(part);
    if (n === null || (datatype === 'integer' && !Number.isInteger(n))) {
      return { ok: false, errors: [`${id}: format "${format}" has "${part}", which is not ${datatype === 'integer' ? 'a whole number' : 'a number'}`] };
    }
    numbers.push(n);
  }
  const [min, max, step] = numbers;
  return {
    ok: true,
    value: {
      ...(min !== undefined ? { min } : {}),
      ...(max !== undefined ? { max } : {}),
      ...(step !== undefined ? { step } : {}),
    },
  };
}

function optionalField<T>(
  obj: Record<string, unknown>,
  key: string,
  type: 'string' | 'boolean',
  where: string,
  errors: string[],
): T | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== type) {
    errors.push(`${where}: ${key} must be a ${type}`);
    return undefined;
  }
  return v as T;
}

function parseProperty(id: string, propertyKey: string, raw: unknown): Parsed<PropertySchema> {
  if (!isRecord(raw)) return { ok: false, errors: [`${id}: property must be a JSON object`] };
  const errors: string[] = [];
  const datatype = raw['datatype'];
  if (datatype === undefined) return { ok: false, errors: [`${id}: datatype is missing`] };
  if (typeof datatype !== 'string' || !(DATATYPES as readonly string[]).includes(datatype)) {
    return { ok: false, errors: [`${id}: unknown datatype ${JSON.stringify(datatype)}`] };
  }
  const dt = datatype as Datatype;
  const name = optionalField<string>(raw, 'name', 'string', id, errors) ?? propertyKey;
  const settable = optionalField<boolean>(raw, 'settable', 'boolean', id, errors) ?? false;
  const retained = optionalField<boolean>(raw, 'retained', 'boolean', id, errors) ?? true;
  const unit = optionalField<string>(raw, 'unit', 'string', id, errors);
  const format = optionalField<string>(raw, 'format', 'string', id, errors);
  let extra: Partial<PropertySchema> = {};
  switch (dt) {
    case 'integer':
    case 'float':
      if (format !== undefined && format !== '') {
        const range = parseNumberFormat(id, dt, format);
        if (range.ok) extra = range.value;
        else errors.push(...range.errors);
      }
      break;
    case 'enum':
      // Whitespace is significant in Homie 5 enum values, so no trimming.
      extra = { options: format === undefined || format === '' ? [] : format.split(',') };
      break;
    case 'color': {
      const formats = (format ?? '').split(',').map((f) => f.trim());
      if (format === undefined || format.trim() === '') errors.push(`${id}: color format is missing (rgb, hsv and/or xyz)`);
      else {
        const unknown = formats.filter((f) => !COLOR_FORMATS.includes(f));
        if (unknown.length > 0) errors.push(`${id}: unknown color format ${unknown.map((f) => `"${f}"`).join(', ')}`);
      }
      break;
    }
    case 'boolean':
      if (format !== undefined) {
        const labels = format.split(',');
        if (labels.length !== 2 || labels.some((l) => l.trim() === '')) {
          errors.push(`${id}: boolean format "${format}" must be two labels, false first ("off,on")`);
        }
      }
      break;
    case 'string':
    case 'datetime':
    case 'duration':
    case 'json':
      break;
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      id,
      name,
      datatype: dt,
      settable,
      retained,
      // Homie: a non-retained property is an event or command, not a state.
      momentary: !retained,
      ...(unit !== undefined ? { unit } : {}),
      ...(format !== undefined ? { format } : {}),
      ...extra,
    },
  };
}

/** Build a DeviceSchema from a `$description` document, or the reasons it cannot be used. */
export function parseDescription(nativeId: string, text: string): Parsed<DeviceSchema> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { ok: false, errors: [`$description is not valid JSON: ${e instanceof Error ? e.message : String(e)}`] };
  }
  if (!isRecord(doc)) return { ok: false, errors: ['$description is not a JSON object'] };
  const errors: string[] = [];
  const homie = doc['homie'];
  if (homie !== undefined && (typeof homie !== 'string' || !/^5(\.\d+)*$/.test(homie))) {
    errors.push(`$description declares Homie ${JSON.stringify(homie)}; expected 5.x`);
  }
  const version = doc['version'];
  if (version !== undefined && (typeof version !== 'number' || !Number.isInteger(version))) {
    errors.push('$description version must be an integer');
  }
  const name = optionalField<string>(doc, 'name', 'string', '$description', errors) ?? nativeId;
  // Homie 5: `nodes` is optional (a bridge may only have children); default {}.
  const nodes = doc['nodes'] ?? {};
  if (!isRecord(nodes)) {
    return { ok: false, errors: [...errors, '$description nodes must be an object keyed by node id'] };
  }
  const properties: PropertySchema[] = [];
  for (const [nodeId, node] of Object.entries(nodes)) {
    if (!isUsableId(nodeId)) {
      errors.push(`node id ${JSON.stringify(nodeId)} is not usable in a topic`);
      continue;
    }
    if (!isRecord(node)) {
      errors.push(`${nodeId}: node must be a JSON object`);
      continue;
    }
    const props = node['properties'] ?? {};
    if (!isRecord(props)) {
      errors.push(`${nodeId}: properties must be an object keyed by property id`);
      continue;
    }
    for (const [propertyKey, raw] of Object.entries(props)) {
      const id = `${nodeId}/${propertyKey}`;
      if (!isUsableId(propertyKey)) {
        errors.push(`${id}: property id is not usable in a topic`);
        continue;
      }
      const parsed = parseProperty(id, propertyKey, raw);
      if (parsed.ok) properties.push(parsed.value);
      else errors.push(...parsed.errors);
    }
  }
  const schema: DeviceSchema = {
    id: `${HOMIE5_CONVENTION}:${nativeId}`,
    name,
    convention: HOMIE5_CONVENTION,
    properties,
    ...(typeof version === 'number' && Number.isInteger(version) ? { version } : {}),
  };
  errors.push(...checkSchema(schema));
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: schema };
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
  private readonly maxEntries: number;
  private readonly maxChars: number;

  constructor(maxEntries: number, maxChars: number) {
    this.maxEntries = maxEntries;
    this.maxChars = maxChars;
  }

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

  drop(deviceId: string): void {
    this.take(deviceId);
  }
}

function sizeOf(item: Buffered): number {
  return item.kind === 'error' ? item.raw.length + item.error.length : item.text.length;
}

const TARGET_SUFFIX = '/$target';

export class Homie5Adapter implements ConventionAdapter {
  readonly convention = HOMIE5_CONVENTION;
  readonly root: string;
  private readonly prefix: string;
  private readonly schemas = new Map<string, DeviceSchema>();
  /** Property lookup per device: status messages arrive far more often than descriptions. */
  private readonly propertyIndex = new Map<string, ReadonlyMap<string, PropertySchema>>();
  private readonly pending = new PendingPayloads(20_000, 16 * 1024 * 1024);

  constructor(opts: Homie5Options = {}) {
    const root = (opts.root ?? 'homie').replace(/\/+$/, '');
    if (root === '' || /[+#]/.test(root)) throw new RangeError(`Homie root ${JSON.stringify(opts.root)} is not a topic prefix`);
    this.root = root;
    this.prefix = `${root}/5/`;
  }

  subscriptions(): readonly string[] {
    const base = `${this.root}/5/+`;
    return [`${base}/$state`, `${base}/$description`, `${base}/+/+`, `${base}/+/+/$target`, `${base}/$alert/+`];
  }

  handles(topic: string): boolean {
    return topic.startsWith(this.prefix);
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
      const native = topic.startsWith(this.prefix) ? topic.slice(this.prefix.length).split('/')[0] : undefined;
      return [
        {
          kind: 'device-error',
          deviceId: `${HOMIE5_CONVENTION}:${native ?? ''}`,
          error: `could not handle ${topic}: ${e instanceof Error ? e.message : String(e)}`,
        },
      ];
    }
  }

  encodeSet(deviceId: string, propertyId: string, value: PropertyValue): EncodeResult {
    const schema = this.schemas.get(deviceId);
    if (schema === undefined || !deviceId.startsWith(`${HOMIE5_CONVENTION}:`)) {
      return { ok: false, error: `unknown device ${deviceId}` };
    }
    const property = this.propertyIndex.get(deviceId)?.get(propertyId);
    if (property === undefined) return { ok: false, error: `${schema.name} has no property ${propertyId}` };
    const checked = validateValue(property, value);
    if (!checked.ok) return { ok: false, error: `${property.name}: ${checked.error}` };
    const text = encodePayload(property, checked.value);
    const native = deviceId.slice(HOMIE5_CONVENTION.length + 1);
    return {
      ok: true,
      command: {
        topic: `${this.prefix}${native}/${propertyId}/set`,
        payload: property.datatype === 'string' && text === '' ? EMPTY_STRING_PAYLOAD : text,
        retain: false,
      },
    };
  }

  private route(topic: string, payload: Uint8Array, retained: boolean): AdapterEvent[] {
    if (!this.handles(topic)) return [];
    const levels = topic.slice(this.prefix.length).split('/');
    const [native, first, second, third] = levels;
    // `$broadcast` and other reserved levels are not devices.
    if (native === undefined || !isUsableId(native) || levels.some((l) => l === '')) return [];
    const deviceId = `${HOMIE5_CONVENTION}:${native}`;
    if (levels.length === 2 && first === '$state') return this.onState(deviceId, payload);
    if (levels.length === 2 && first === '$description') return this.onDescription(deviceId, native, payload);
    if (levels.length === 3 && first === '$alert' && second !== undefined) return this.onAlert(deviceId, second, payload);
    if (first === undefined || second === undefined || first.startsWith('$') || second.startsWith('$')) return [];
    const propertyId = `${first}/${second}`;
    if (levels.length === 3) return this.onProperty(deviceId, propertyId, payload, { kind: 'value', retained });
    // `/set` is a command (ours or another console's), never a status report.
    if (levels.length === 4 && third === '$target') return this.onProperty(deviceId, propertyId, payload, { kind: 'target' });
    return [];
  }

  private forget(deviceId: string): AdapterEvent[] {
    this.schemas.delete(deviceId);
    this.propertyIndex.delete(deviceId);
    this.pending.drop(deviceId);
    return [{ kind: 'device-removed', deviceId }];
  }

  private onState(deviceId: string, payload: Uint8Array): AdapterEvent[] {
    // Homie 5: a zero-length $state removes the device.
    if (payload.byteLength === 0) return this.forget(deviceId);
    const decoded = decode(payload, 64);
    const state = 'text' in decoded ? decoded.text : '';
    const availability = STATES.find((s) => s === state) ?? 'unknown';
    return [{ kind: 'availability', deviceId, availability }];
  }

  private onDescription(deviceId: string, native: string, payload: Uint8Array): AdapterEvent[] {
    if (payload.byteLength === 0) return this.forget(deviceId);
    const decoded = decode(payload, MAX_DESCRIPTION_BYTES);
    const parsed: Parsed<DeviceSchema> =
      'text' in decoded ? parseDescription(native, decoded.text) : { ok: false, errors: [`$description: ${decoded.error}`] };
    if (!parsed.ok) {
      // Without a usable schema nothing may be written to it; later values are buffered for a corrected description.
      this.schemas.delete(deviceId);
      this.propertyIndex.delete(deviceId);
      return [{ kind: 'device-error', deviceId, error: parsed.errors.join('; ') }];
    }
    const schema = parsed.value;
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
    const decoded = decode(payload, MAX_VALUE_BYTES);
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
    const decoded = decode(payload, MAX_VALUE_BYTES);
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
      return { kind: 'value-error', deviceId, propertyId, error, raw: truncate(item.text) };
    }
    if (item.kind === 'target') return { kind: 'target', deviceId, propertyId, value: parsed.value };
    return { kind: 'value', deviceId, propertyId, value: parsed.value, retained: item.retained };
  }
}
