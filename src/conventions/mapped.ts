/**
 * Mapped custom topics: a JSON mapping file describes devices that follow no
 * convention (legacy text protocols, vendor JSON), so the console can show
 * and set them with the same safety rules as Homie devices.
 *
 * Mapping file, version 1 (see examples/vp4-mapping.json):
 *
 * {
 *   "version": 1,
 *   "devices": [
 *     {
 *       "id": "cy-vp4",                          device id → "mapped:cy-vp4"; letters, digits, . _ -
 *       "name": "VP4 (legacy text protocol)",
 *       "availability": {                        optional
 *         "topic": "cy-vp4/videoproc/status/online",
 *         "online": "online",                    default "online"  → ready
 *         "offline": "offline"                   default "offline" → disconnected
 *       },
 *       "properties": [
 *         {
 *           "id": "genlock-phase",               unique in the device; letters, digits, . _ - /
 *           "name": "Genlock phase",
 *           "datatype": "integer",               integer | float | boolean | string | enum | color | datetime | duration | json
 *           "min": -180, "max": 180, "step": 1,  optional, numbers only
 *           "unit": "°",                         optional
 *           "options": ["a", "b"],               enum only (required there)
 *           "format": "rgb",                     color only: rgb, hsv and/or xyz
 *           "booleanPayloads": { "true": "on", "false": "off" },   boolean only; default "true"/"false"
 *           "retained": true,                    false = momentary command (no status, never queued offline)
 *           "status": {                          optional: where the device reports the value
 *             "topic": "cy-vp4/videoproc/status/volatile/genlock_phase",
 *             "pattern": "token:0"               whole (default) | token:N | json:a.b.0 | regex:<pattern with one (group)>
 *           },
 *           "set": {                             optional: without it the property is read-only
 *             "topic": "cy-vp4/videoproc/action/set/genlock",
 *             "template": "genlock {value} 10"   default "{value}"; "{{" and "}}" are literal braces
 *           }
 *         }
 *       ]
 *     }
 *   ]
 * }
 *
 * Patterns: `token:N` is the Nth (from 0) whitespace-separated token;
 * `json:a.b` a path into a JSON payload (numeric segments index arrays);
 * `regex:` a JavaScript regular expression with exactly one capture group,
 * whose first match's group is the value (payloads are at most 256 KB, which
 * bounds the work); `whole` the entire payload. The extracted text is then
 * read by the datatype's Homie 5 payload rules (values.ts).
 *
 * Rules checked by parseMapping (errors are path-qualified, e.g.
 * `devices[0].properties[1].min: must be a number`): status and set topics
 * must be exact (no + or #); a property needs a status or a set; a settable
 * property without status must be momentary ("retained": false), since its
 * value could never be confirmed; the schema must not contradict itself
 * (min > max, an enum without options, duplicate ids).
 *
 * Subscriptions: availability topics are always subscribed; a device's
 * status topics are its deviceSubscriptions(), subscribed while it is
 * needed. The mapping names every topic, so they are known before the
 * device publishes anything.
 */
import { decodePayload, previewText, topicProblem, type AdapterEvent, type ConventionAdapter, type DeviceSubscriptionSource, type EncodeResult } from './adapter.js';
import { MAX_VALUE_BYTES } from './homie5.js';
import { checkSchema } from '../model/schema-check.js';
import type { Datatype, DeviceSchema, PropertySchema, PropertyValue } from '../model/types.js';
import { encodePayload, parsePayload, validateValue } from '../model/values.js';

export const MAPPED_CONVENTION = 'mapped';

export interface MappingFile {
  readonly version: 1;
  readonly devices: readonly MappedDevice[];
}

export interface MappedDevice {
  readonly id: string;
  readonly name: string;
  readonly availability?: { readonly topic: string; readonly online: string; readonly offline: string };
  readonly properties: readonly MappedProperty[];
}

export type PayloadPattern =
  | { readonly kind: 'whole' }
  | { readonly kind: 'token'; readonly index: number }
  | { readonly kind: 'json'; readonly path: readonly (string | number)[] }
  | { readonly kind: 'regex'; readonly source: string; readonly compiled?: RegExp };

export interface MappedProperty {
  readonly id: string;
  readonly name: string;
  readonly datatype: Datatype;
  readonly retained: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly step?: number;
  readonly unit?: string;
  readonly options?: readonly string[];
  readonly format?: string;
  readonly booleanPayloads?: { readonly true: string; readonly false: string };
  /** pattern: "whole" | "token:N" | "json:a.b" | "regex:…" (validated by parseMapping). */
  readonly status?: { readonly topic: string; readonly pattern: string };
  readonly set?: { readonly topic: string; readonly template: string };
}

export type ParseMappingResult = { readonly ok: true; readonly mapping: MappingFile } | { readonly ok: false; readonly errors: string[] };

const DATATYPES: readonly Datatype[] = ['integer', 'float', 'boolean', 'string', 'enum', 'color', 'datetime', 'duration', 'json'];
const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const PROPERTY_ID = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const MAX_PATTERN_CHARS = 1000;
const PROPERTY_KEYS = ['id', 'name', 'datatype', 'min', 'max', 'step', 'unit', 'options', 'format', 'booleanPayloads', 'retained', 'status', 'set'];

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** Number of capture groups of a compiled pattern: an alternation with "" always matches. */
function captureGroups(re: RegExp): number {
  return (new RegExp(`${re.source}|`).exec('')?.length ?? 1) - 1;
}

export function parsePattern(text: string): { ok: true; pattern: PayloadPattern } | { ok: false; error: string } {
  if (text === 'whole') return { ok: true, pattern: { kind: 'whole' } };
  if (text.startsWith('token:')) {
    const n = text.slice('token:'.length);
    if (!/^\d{1,6}$/.test(n)) return { ok: false, error: `"${text}": token:N needs a whole number N from 0` };
    return { ok: true, pattern: { kind: 'token', index: Number(n) } };
  }
  if (text.startsWith('json:')) {
    const path = text.slice('json:'.length);
    if (path === '' || path.split('.').some((s) => s === '')) return { ok: false, error: `"${text}": json: needs a path like a.b.0` };
    return { ok: true, pattern: { kind: 'json', path: path.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s)) } };
  }
  if (text.startsWith('regex:')) {
    const source = text.slice('regex:'.length);
    if (source.length > MAX_PATTERN_CHARS) return { ok: false, error: `regex is longer than ${MAX_PATTERN_CHARS} characters` };
    let re: RegExp;
    try {
      re = new RegExp(source);
    } catch (e) {
      return { ok: false, error: `regex does not compile: ${e instanceof Error ? e.message : String(e)}` };
    }
    // A quantified group that itself contains a quantifier, e.g. (a+)+ or (\w*x?)*, can backtrack
    // exponentially; the 256 KB payload cap does not bound that, so such patterns are refused.
    if (/\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)[+*{]/.test(source)) {
      return { ok: false, error: 'regex has a repeated group containing a repetition (like (a+)+), which can take exponential time' };
    }
    const groups = captureGroups(re);
    if (groups !== 1) return { ok: false, error: `regex must have exactly one capture group, it has ${groups}` };
    return { ok: true, pattern: { kind: 'regex', source, compiled: re } };
  }
  return { ok: false, error: `"${previewText(text)}" is not whole, token:N, json:path or regex:pattern` };
}

/** Check a set template: `{value}` is the only placeholder; `{{` / `}}` are literal braces. */
function checkTemplate(template: string): string | null {
  const rest = template.replace(/\{\{|\}\}/g, '').replace(/\{value\}/g, '');
  if (/[{}]/.test(rest)) return 'only {value} may appear in braces (write {{ and }} for literal braces)';
  return null;
}

export function renderSetTemplate(template: string, value: string): string {
  let out = '';
  for (let i = 0; i < template.length; ) {
    if (template.startsWith('{{', i)) {
      out += '{';
      i += 2;
    } else if (template.startsWith('}}', i)) {
      out += '}';
      i += 2;
    } else if (template.startsWith('{value}', i)) {
      out += value;
      i += '{value}'.length;
    } else {
      out += template.charAt(i);
      i++;
    }
  }
  return out;
}

class Collector {
  readonly errors: string[] = [];
  /** Unknown keys are errors (a typo like "retain" must not be ignored); keys starting with "$" are comments. */
  known(obj: Record<string, unknown>, keys: readonly string[], path: string): void {
    for (const k of Object.keys(obj)) {
      if (!k.startsWith('$') && !keys.includes(k)) this.add(path === '' ? k : `${path}.${k}`, 'is not a known key');
    }
  }
  add(path: string, message: string): void {
    this.errors.push(`${path}: ${message}`);
  }
  text(obj: Record<string, unknown>, key: string, path: string, required: true): string | undefined;
  text(obj: Record<string, unknown>, key: string, path: string, required?: false): string | undefined;
  text(obj: Record<string, unknown>, key: string, path: string, required = false): string | undefined {
    const v = obj[key];
    if (v === undefined) {
      if (required) this.add(`${path}.${key}`, 'is required');
      return undefined;
    }
    if (typeof v !== 'string') {
      this.add(`${path}.${key}`, 'must be a string');
      return undefined;
    }
    return v;
  }
  number(obj: Record<string, unknown>, key: string, path: string): number | undefined {
    const v = obj[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.add(`${path}.${key}`, 'must be a number');
      return undefined;
    }
    return v;
  }
  topic(obj: Record<string, unknown>, key: string, path: string): string | undefined {
    const v = this.text(obj, key, path, true);
    if (v === undefined) return undefined;
    const problem = topicProblem(v);
    if (problem !== null) {
      this.add(`${path}.${key}`, problem);
      return undefined;
    }
    return v;
  }
}

function parseProperty(raw: unknown, path: string, c: Collector): MappedProperty | null {
  if (!isRecord(raw)) {
    c.add(path, 'must be an object');
    return null;
  }
  const before = c.errors.length;
  c.known(raw, PROPERTY_KEYS, path);
  const id = c.text(raw, 'id', path, true);
  if (id !== undefined && !PROPERTY_ID.test(id)) c.add(`${path}.id`, 'may use letters, digits and . _ - / only, starting with a letter or digit');
  const name = c.text(raw, 'name', path) ?? id;
  const datatypeText = c.text(raw, 'datatype', path, true);
  if (datatypeText !== undefined && !(DATATYPES as readonly string[]).includes(datatypeText)) {
    c.add(`${path}.datatype`, `must be one of ${DATATYPES.join(', ')}`);
  }
  const datatype = datatypeText as Datatype;
  const min = c.number(raw, 'min', path);
  const max = c.number(raw, 'max', path);
  const step = c.number(raw, 'step', path);
  if ((min !== undefined || max !== undefined || step !== undefined) && datatype !== 'integer' && datatype !== 'float') {
    c.add(path, 'min, max and step apply to integer and float only');
  }
  const unit = c.text(raw, 'unit', path);
  const format = c.text(raw, 'format', path);
  let options: string[] | undefined;
  if (raw['options'] !== undefined) {
    const o = raw['options'];
    if (!Array.isArray(o) || o.some((x) => typeof x !== 'string')) c.add(`${path}.options`, 'must be a list of strings');
    else options = o as string[];
  }
  if (datatype === 'enum' && options === undefined) c.add(`${path}.options`, 'is required for an enum');
  if (datatype !== 'enum' && options !== undefined) c.add(`${path}.options`, 'applies to enum only');
  let booleanPayloads: { true: string; false: string } | undefined;
  if (raw['booleanPayloads'] !== undefined) {
    const bp = raw['booleanPayloads'];
    if (datatype !== 'boolean') c.add(`${path}.booleanPayloads`, 'applies to boolean only');
    if (!isRecord(bp) || typeof bp['true'] !== 'string' || typeof bp['false'] !== 'string' || bp['true'] === bp['false']) {
      c.add(`${path}.booleanPayloads`, 'must be {"true": "<text>", "false": "<other text>"}');
    } else booleanPayloads = { true: bp['true'], false: bp['false'] };
  }
  let retained = true;
  if (raw['retained'] !== undefined) {
    if (typeof raw['retained'] !== 'boolean') c.add(`${path}.retained`, 'must be true or false');
    else retained = raw['retained'];
  }
  let status: MappedProperty['status'];
  if (raw['status'] !== undefined) {
    const s = raw['status'];
    if (!isRecord(s)) c.add(`${path}.status`, 'must be an object');
    else {
      c.known(s, ['topic', 'pattern'], `${path}.status`);
      const topic = c.topic(s, 'topic', `${path}.status`);
      const patternText = c.text(s, 'pattern', `${path}.status`) ?? 'whole';
      const pattern = parsePattern(patternText);
      if (!pattern.ok) c.add(`${path}.status.pattern`, pattern.error);
      if (topic !== undefined && pattern.ok) status = { topic, pattern: patternText };
    }
  }
  let set: MappedProperty['set'];
  if (raw['set'] !== undefined) {
    const s = raw['set'];
    if (!isRecord(s)) c.add(`${path}.set`, 'must be an object');
    else {
      c.known(s, ['topic', 'template'], `${path}.set`);
      const topic = c.topic(s, 'topic', `${path}.set`);
      const template = c.text(s, 'template', `${path}.set`) ?? '{value}';
      const problem = checkTemplate(template);
      if (problem !== null) c.add(`${path}.set.template`, problem);
      if (topic !== undefined && problem === null) set = { topic, template };
    }
  }
  if (raw['status'] === undefined && raw['set'] === undefined) c.add(path, 'needs a status, a set, or both');
  if (raw['status'] === undefined && raw['set'] !== undefined && retained) {
    c.add(path, 'a settable property without status must be momentary ("retained": false): its value could never be confirmed');
  }
  if (c.errors.length > before || id === undefined || name === undefined) return null;
  return {
    id,
    name,
    datatype,
    retained,
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
    ...(step !== undefined ? { step } : {}),
    ...(unit !== undefined && unit !== '' ? { unit } : {}),
    ...(options !== undefined ? { options } : {}),
    ...(format !== undefined ? { format } : {}),
    ...(booleanPayloads !== undefined ? { booleanPayloads } : {}),
    ...(status !== undefined ? { status } : {}),
    ...(set !== undefined ? { set } : {}),
  };
}

export function toPropertySchema(p: MappedProperty): PropertySchema {
  return {
    id: p.id,
    name: p.name,
    datatype: p.datatype,
    settable: p.set !== undefined,
    retained: p.retained,
    momentary: !p.retained,
    ...(p.unit !== undefined ? { unit: p.unit } : {}),
    ...(p.min !== undefined ? { min: p.min } : {}),
    ...(p.max !== undefined ? { max: p.max } : {}),
    ...(p.step !== undefined ? { step: p.step } : {}),
    ...(p.options !== undefined ? { options: p.options } : {}),
    ...(p.format !== undefined ? { format: p.format } : p.booleanPayloads ? { format: `${p.booleanPayloads.false},${p.booleanPayloads.true}` } : {}),
  };
}

/** Validate a mapping file (already JSON-parsed). Never throws. */
export function parseMapping(json: unknown): ParseMappingResult {
  const c = new Collector();
  if (!isRecord(json)) return { ok: false, errors: ['mapping: must be a JSON object'] };
  c.known(json, ['version', 'devices'], '');
  if (json['version'] !== 1) c.add('version', `must be 1${json['version'] === undefined ? '' : `, not ${JSON.stringify(json['version'])}`}`);
  const rawDevices = json['devices'];
  if (!Array.isArray(rawDevices)) {
    c.add('devices', 'must be a list');
    return { ok: false, errors: c.errors };
  }
  const devices: MappedDevice[] = [];
  const deviceIds = new Set<string>();
  rawDevices.forEach((raw: unknown, i) => {
    const path = `devices[${i}]`;
    if (!isRecord(raw)) {
      c.add(path, 'must be an object');
      return;
    }
    const before = c.errors.length;
    c.known(raw, ['id', 'name', 'availability', 'properties'], path);
    const id = c.text(raw, 'id', path, true);
    if (id !== undefined && !DEVICE_ID.test(id)) c.add(`${path}.id`, 'may use letters, digits and . _ - only, starting with a letter or digit');
    if (id !== undefined && deviceIds.has(id)) c.add(`${path}.id`, `"${id}" is used by another device`);
    if (id !== undefined) deviceIds.add(id);
    const name = c.text(raw, 'name', path) ?? id;
    let availability: MappedDevice['availability'];
    if (raw['availability'] !== undefined) {
      const a = raw['availability'];
      if (!isRecord(a)) c.add(`${path}.availability`, 'must be an object');
      else {
        c.known(a, ['topic', 'online', 'offline'], `${path}.availability`);
        const topic = c.topic(a, 'topic', `${path}.availability`);
        const online = c.text(a, 'online', `${path}.availability`) ?? 'online';
        const offline = c.text(a, 'offline', `${path}.availability`) ?? 'offline';
        if (online === offline) c.add(`${path}.availability`, 'online and offline must differ');
        if (topic !== undefined) availability = { topic, online, offline };
      }
    }
    const rawProps = raw['properties'];
    const properties: MappedProperty[] = [];
    if (!Array.isArray(rawProps)) c.add(`${path}.properties`, 'must be a list');
    else {
      const seen = new Set<string>();
      rawProps.forEach((rp: unknown, j) => {
        const p = parseProperty(rp, `${path}.properties[${j}]`, c);
        if (p === null) return;
        if (seen.has(p.id)) c.add(`${path}.properties[${j}].id`, `"${p.id}" is used by another property`);
        seen.add(p.id);
        // Contradictions in the schema itself (min > max, enum without values, …).
        for (const problem of checkSchema({ id: 'x', name: 'x', convention: MAPPED_CONVENTION, properties: [toPropertySchema(p)] })) {
          c.add(`${path}.properties[${j}]`, problem.replace(`${p.id}: `, ''));
        }
        properties.push(p);
      });
    }
    if (c.errors.length > before || id === undefined || name === undefined) return;
    devices.push({ id, name, ...(availability ? { availability } : {}), properties });
  });
  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  return { ok: true, mapping: { version: 1, devices } };
}

type Extracted = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly error: string };

export function extract(pattern: PayloadPattern, payload: string): Extracted {
  switch (pattern.kind) {
    case 'whole':
      return { ok: true, text: payload };
    case 'token': {
      const tokens = payload.trim().split(/\s+/).filter((t) => t !== '');
      const t = tokens[pattern.index];
      return t === undefined ? { ok: false, error: `payload has no token ${pattern.index} (it has ${tokens.length})` } : { ok: true, text: t };
    }
    case 'json': {
      let cur: unknown;
      try {
        cur = JSON.parse(payload);
      } catch {
        return { ok: false, error: 'payload is not valid JSON' };
      }
      for (const seg of pattern.path) {
        if (typeof seg === 'number' && Array.isArray(cur) && seg < cur.length) cur = cur[seg] as unknown;
        else if (isRecord(cur) && Object.prototype.hasOwnProperty.call(cur, String(seg))) cur = cur[String(seg)];
        else return { ok: false, error: `payload has no ${pattern.path.join('.')}` };
      }
      if (typeof cur === 'string') return { ok: true, text: cur };
      if (typeof cur === 'number' || typeof cur === 'boolean') return { ok: true, text: String(cur) };
      if (cur === null) return { ok: false, error: `${pattern.path.join('.')} is null` };
      return { ok: true, text: JSON.stringify(cur) };
    }
    case 'regex': {
      const m = (pattern.compiled ?? new RegExp(pattern.source)).exec(payload);
      const g = m?.[1];
      return g === undefined ? { ok: false, error: 'payload does not match the pattern' } : { ok: true, text: g };
    }
  }
}

interface Binding {
  readonly device: MappedDevice;
  readonly property: MappedProperty;
  readonly schema: PropertySchema;
  readonly pattern: PayloadPattern;
}

export class MappedAdapter implements ConventionAdapter, DeviceSubscriptionSource {
  readonly convention = MAPPED_CONVENTION;
  private readonly mapping: MappingFile;
  private readonly schemas = new Map<string, DeviceSchema>();
  private readonly byDevice = new Map<string, { device: MappedDevice; properties: Map<string, Binding> }>();
  private readonly statusIndex = new Map<string, Binding[]>();
  private readonly availabilityIndex = new Map<string, MappedDevice[]>();
  private readonly announced = new Set<string>();
  private readonly availabilityTopics: readonly string[];
  /** Per device id, the status topics its properties name. */
  private readonly statusTopics = new Map<string, readonly string[]>();

  /** The mapping must come from parseMapping; anything invalid in it is refused here too. */
  constructor(mapping: MappingFile) {
    const checked = parseMapping(mapping);
    if (!checked.ok) throw new RangeError(`invalid mapping: ${checked.errors.join('; ')}`);
    this.mapping = checked.mapping;
    for (const device of this.mapping.devices) {
      const deviceId = `${MAPPED_CONVENTION}:${device.id}`;
      const schema: DeviceSchema = { id: deviceId, name: device.name, convention: MAPPED_CONVENTION, properties: device.properties.map(toPropertySchema) };
      this.schemas.set(deviceId, schema);
      const properties = new Map<string, Binding>();
      device.properties.forEach((property, i) => {
        const compiled = parsePattern(property.status?.pattern ?? 'whole');
        const binding: Binding = {
          device,
          property,
          schema: schema.properties[i] ?? toPropertySchema(property),
          pattern: compiled.ok ? compiled.pattern : { kind: 'whole' },
        };
        properties.set(property.id, binding);
        if (property.status) {
          const list = this.statusIndex.get(property.status.topic) ?? [];
          list.push(binding);
          this.statusIndex.set(property.status.topic, list);
        }
      });
      this.byDevice.set(deviceId, { device, properties });
      this.statusTopics.set(deviceId, [...new Set(device.properties.flatMap((p) => (p.status ? [p.status.topic] : [])))]);
      if (device.availability) {
        const list = this.availabilityIndex.get(device.availability.topic) ?? [];
        list.push(device);
        this.availabilityIndex.set(device.availability.topic, list);
      }
    }
    this.availabilityTopics = [...this.availabilityIndex.keys()];
  }

  subscriptions(): readonly string[] {
    return this.availabilityTopics;
  }

  deviceSubscriptions(deviceId: string): readonly string[] {
    return this.statusTopics.get(deviceId) ?? [];
  }

  handles(topic: string): boolean {
    return this.statusIndex.has(topic) || this.availabilityIndex.has(topic);
  }

  schemaOf(deviceId: string): DeviceSchema | undefined {
    return this.schemas.get(deviceId);
  }

  /** Every mapped device's schema, e.g. to show devices that have not published anything yet. */
  deviceEvents(): AdapterEvent[] {
    return [...this.schemas.values()].map((device) => ({ kind: 'device', device }));
  }

  handleMessage(topic: string, payload: Uint8Array, retained: boolean): AdapterEvent[] {
    try {
      return this.route(topic, payload, retained);
    } catch (e) {
      const device = this.statusIndex.get(topic)?.[0]?.device ?? this.availabilityIndex.get(topic)?.[0];
      return [
        {
          kind: 'device-error',
          deviceId: `${MAPPED_CONVENTION}:${device?.id ?? ''}`,
          error: `could not handle ${topic}: ${e instanceof Error ? e.message : String(e)}`,
        },
      ];
    }
  }

  encodeSet(deviceId: string, propertyId: string, value: PropertyValue): EncodeResult {
    const entry = this.byDevice.get(deviceId);
    if (entry === undefined) return { ok: false, error: `unknown device ${deviceId}` };
    const binding = entry.properties.get(propertyId);
    if (binding === undefined) return { ok: false, error: `${entry.device.name} has no property ${propertyId}` };
    const { property, schema } = binding;
    const checked = validateValue(schema, value);
    if (!checked.ok) return { ok: false, error: `${property.name}: ${checked.error}` };
    if (property.set === undefined) return { ok: false, error: `${property.name}: read-only` };
    let text = encodePayload(schema, checked.value);
    if (typeof checked.value === 'boolean' && property.booleanPayloads) {
      text = checked.value ? property.booleanPayloads.true : property.booleanPayloads.false;
    }
    return { ok: true, command: { topic: property.set.topic, payload: renderSetTemplate(property.set.template, text), retain: false } };
  }

  private route(topic: string, payload: Uint8Array, retained: boolean): AdapterEvent[] {
    const events: AdapterEvent[] = [];
    const decoded = decodePayload(payload, MAX_VALUE_BYTES);
    const announce = (device: MappedDevice): void => {
      const id = `${MAPPED_CONVENTION}:${device.id}`;
      if (this.announced.has(id)) return;
      this.announced.add(id);
      const schema = this.schemas.get(id);
      if (schema) events.push({ kind: 'device', device: schema });
    };
    for (const device of this.availabilityIndex.get(topic) ?? []) {
      announce(device);
      if (!('text' in decoded) || device.availability === undefined) continue;
      const { online, offline } = device.availability;
      const deviceId = `${MAPPED_CONVENTION}:${device.id}`;
      if (decoded.text === online) events.push({ kind: 'availability', deviceId, availability: 'ready' });
      else if (decoded.text === offline) events.push({ kind: 'availability', deviceId, availability: 'disconnected' });
    }
    for (const binding of this.statusIndex.get(topic) ?? []) {
      announce(binding.device);
      const deviceId = `${MAPPED_CONVENTION}:${binding.device.id}`;
      const propertyId = binding.property.id;
      if ('error' in decoded) {
        events.push({ kind: 'value-error', deviceId, propertyId, error: decoded.error, raw: decoded.raw });
        continue;
      }
      // An empty payload clears a retained topic; it is not a value.
      if (decoded.text === '') continue;
      const got = extract(binding.pattern, decoded.text);
      if (!got.ok) {
        events.push({ kind: 'value-error', deviceId, propertyId, error: got.error, raw: previewText(decoded.text) });
        continue;
      }
      let text = got.text;
      const bp = binding.property.booleanPayloads;
      if (bp) {
        if (text === bp.true) text = 'true';
        else if (text === bp.false) text = 'false';
        else {
          events.push({ kind: 'value-error', deviceId, propertyId, error: `${JSON.stringify(previewText(text))} is neither "${bp.true}" nor "${bp.false}"`, raw: previewText(decoded.text) });
          continue;
        }
      }
      const parsed = parsePayload(binding.schema, text);
      if (parsed.ok) events.push({ kind: 'value', deviceId, propertyId, value: parsed.value, retained });
      else events.push({ kind: 'value-error', deviceId, propertyId, error: parsed.error, raw: previewText(decoded.text) });
    }
    return events;
  }
}
