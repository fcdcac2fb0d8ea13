/**
 * Zigbee2MQTT `exposes` (a device definition's capabilities, published in
 * `<base>/bridge/devices`) to Holdfast controls. Pure.
 *
 * Format: https://www.zigbee2mqtt.io/guide/usage/exposes.html and the
 * classes of zigbee-herdsman-converters src/lib/exposes.ts. Generic types
 * (binary, numeric, enum, text, composite, list) carry a `property`: the key
 * of the value in the device's state JSON and in `/set`; specific types
 * (light, switch, lock, climate, cover, fan) only group generic `features`.
 * `endpoint` (e.g. "l1") puts a feature on one endpoint; Zigbee2MQTT then
 * suffixes its property ("state_l1").
 */
import type { PropertyGroup, PropertySchema } from '../model/types.js';

/** Access bits (exposes.ts `access`): in the published state, settable with /set, readable with /get. */
export const ACCESS_STATE = 0b001;
export const ACCESS_SET = 0b010;
export const ACCESS_GET = 0b100;

const SPECIFIC_TYPES = ['light', 'switch', 'lock', 'climate', 'cover', 'fan'];
const GENERIC_TYPES = ['binary', 'numeric', 'enum', 'text', 'composite', 'list'];

export type BinaryValue = string | boolean | number;

/** How a control's value is written in Zigbee2MQTT's JSON. */
export type Codec =
  | { readonly kind: 'binary'; readonly on: BinaryValue; readonly off: BinaryValue }
  /** `presets`: special values Zigbee2MQTT may report outside value_min..value_max (e.g. 65535 "previous"). */
  | { readonly kind: 'numeric'; readonly presets: readonly number[]; readonly presetNames: readonly string[] }
  /** Enum values keep their JSON type (some devices use numbers). */
  | { readonly kind: 'enum'; readonly values: readonly (string | number)[] }
  | { readonly kind: 'text' }
  /** color_xy: {x, y} is one value, since Zigbee2MQTT needs both to set a colour. */
  | { readonly kind: 'color-xy' }
  /** A list; `item` checks the entries when it can be set (null: composite entries, read-only). */
  | { readonly kind: 'list'; readonly item: ListItem | null; readonly lengthMin?: number; readonly lengthMax?: number }
  /** A fixed command on a state key (a cover's STOP, which is never reported as a state). */
  | { readonly kind: 'command'; readonly value: string };

export type ListItem =
  | { readonly kind: 'number'; readonly min?: number; readonly max?: number }
  | { readonly kind: 'string' }
  | { readonly kind: 'one-of'; readonly values: readonly BinaryValue[] };

export interface Z2mControl {
  readonly schema: PropertySchema;
  /** Where the value sits in the state object and in a /set object, e.g. ["color", "hue"]. */
  readonly path: readonly string[];
  readonly codec: Codec;
  /** The state message carries it (access bit 1 or 4). */
  readonly published: boolean;
}

export interface ParsedExposes {
  readonly controls: readonly Z2mControl[];
  /** Malformed exposes, as sentences; the rest of the device is still shown. */
  readonly problems: readonly string[];
  /** Exposes of a type this console does not know (newer Zigbee2MQTT), by name. */
  readonly unknown: readonly string[];
}

type Json = Record<string, unknown>;
/** A control's schema before its datatype is known. */
type BaseSchema = Omit<PropertySchema, 'datatype'>;

/** A JSON object (not null, not a list). */
export function isRecord(x: unknown): x is Json {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function finite(x: unknown): number | undefined {
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}

function text(x: unknown): string | undefined {
  return typeof x === 'string' && x !== '' ? x : undefined;
}

/** zigbee-herdsman-converters getLabelFromName: "color_temp" → "Color temp", "l1" → "L1". */
export function labelFromName(name: string): string {
  const label = name.replace(/_/g, ' ');
  return label === '' ? label : label[0]!.toUpperCase() + label.slice(1);
}

interface Context {
  readonly group?: PropertyGroup;
  /** Keys of enclosing composites. */
  readonly prefix: readonly string[];
  /** The specific expose this feature belongs to (e.g. "cover"). */
  readonly specific?: string;
  /** The specific expose's own label (e.g. a Switch labelled "Window detection"). */
  readonly specificLabel?: string;
}

class ExposeReader {
  readonly controls: Z2mControl[] = [];
  readonly problems: string[] = [];
  readonly unknown: string[] = [];
  private readonly ids = new Set<string>();

  constructor(private readonly readOnlyReason: string | undefined) {}

  read(expose: unknown, ctx: Context, where: string): void {
    if (!isRecord(expose)) {
      this.problems.push(`${where}: an expose must be a JSON object`);
      return;
    }
    const type = expose['type'];
    if (typeof type !== 'string') {
      this.problems.push(`${where}: expose has no type`);
      return;
    }
    if (SPECIFIC_TYPES.includes(type)) this.readSpecific(expose, type, ctx, where);
    else if (type === 'composite') this.readComposite(expose, ctx, where);
    else if (GENERIC_TYPES.includes(type)) this.readLeaf(expose, type, ctx, where);
    else this.unknown.push(`${text(expose['name']) ?? text(expose['property']) ?? where} (${type})`);
  }

  private features(expose: Json, where: string): unknown[] {
    const features = expose['features'];
    if (Array.isArray(features)) return features;
    this.problems.push(`${where}: features must be a list`);
    return [];
  }

  private readSpecific(expose: Json, type: string, ctx: Context, where: string): void {
    const endpoint = text(expose['endpoint']);
    const group = endpoint !== undefined ? { id: `endpoint:${endpoint}`, name: labelFromName(endpoint) } : ctx.group;
    const label = text(expose['label']);
    const inner: Context = { ...(group ? { group } : {}), prefix: ctx.prefix, specific: type, ...(label !== undefined ? { specificLabel: label } : {}) };
    this.features(expose, where).forEach((f, i) => this.read(f, inner, `${where}.features[${i}]`));
  }

  private readComposite(expose: Json, ctx: Context, where: string): void {
    const property = text(expose['property']);
    if (property === undefined) {
      this.problems.push(`${where}: composite has no property`);
      return;
    }
    const features = this.features(expose, where);
    const label = text(expose['label']) ?? labelFromName(text(expose['name']) ?? property);
    if (expose['name'] === 'color_xy' && isXyPair(features)) {
      this.readColorXy(features, property, label, ctx, where);
      return;
    }
    const groupId = [...(ctx.group ? [ctx.group.id] : []), ...ctx.prefix, property].join('/');
    const group = { id: groupId, name: ctx.group ? `${ctx.group.name} ${label}` : label };
    const inner: Context = { group, prefix: [...ctx.prefix, property] };
    features.forEach((f, i) => this.read(f, inner, `${where}.features[${i}]`));
  }

  private readColorXy(features: readonly Json[], property: string, label: string, ctx: Context, where: string): void {
    const access = features.map((f) => f['access']).reduce<number>((all, a) => all & (typeof a === 'number' ? a : 0), 0b111);
    this.add(
      { id: '', name: label, datatype: 'color', format: 'xyz', settable: false, momentary: false },
      { kind: 'color-xy' },
      access,
      ctx,
      property,
      where,
    );
  }

  private readLeaf(expose: Json, type: string, ctx: Context, where: string): void {
    const property = text(expose['property']);
    if (property === undefined) {
      this.problems.push(`${where}: ${type} expose has no property`);
      return;
    }
    const access = expose['access'];
    if (typeof access !== 'number' || !Number.isInteger(access) || access < 0 || access > 7) {
      this.problems.push(`${where} (${property}): access must be a number from 0 to 7`);
      return;
    }
    const name = text(expose['name']) ?? property;
    // A specific expose's own label names its state (a Switch "Window detection"), not the generic "State".
    const label = name === 'state' && ctx.specificLabel !== undefined ? ctx.specificLabel : (text(expose['label']) ?? labelFromName(name));
    const unit = text(expose['unit']);
    const base: BaseSchema = { id: '', name: label, settable: false, momentary: false, ...(unit !== undefined ? { unit } : {}) };
    const here = `${where} (${property})`;
    switch (type) {
      case 'binary':
        return this.readBinary(expose, base, access, ctx, property, here);
      case 'numeric':
        return this.readNumeric(expose, base, access, ctx, property, here);
      case 'enum':
        return this.readEnum(expose, base, access, ctx, property, here);
      case 'text':
        return this.add({ ...base, datatype: 'string' }, { kind: 'text' }, access, ctx, property, here);
      default:
        return this.readList(expose, base, access, ctx, property, here);
    }
  }

  private readBinary(expose: Json, base: BaseSchema, access: number, ctx: Context, property: string, where: string): void {
    const on = expose['value_on'];
    const off = expose['value_off'];
    if (!isBinaryValue(on) || !isBinaryValue(off) || on === off) {
      this.problems.push(`${where}: value_on and value_off must be two different values`);
      return;
    }
    // Labels for display ("UNLOCK,LOCK"); booleans show as Off/On.
    const format = typeof on === 'string' && typeof off === 'string' && !`${on}${off}`.includes(',') ? `${off},${on}` : undefined;
    this.add({ ...base, datatype: 'boolean', ...(format !== undefined ? { format } : {}) }, { kind: 'binary', on, off }, access, ctx, property, where);
  }

  private readNumeric(expose: Json, base: BaseSchema, access: number, ctx: Context, property: string, where: string): void {
    const min = finite(expose['value_min']);
    const max = finite(expose['value_max']);
    const step = finite(expose['value_step']);
    if (min !== undefined && max !== undefined && min > max) {
      this.problems.push(`${where}: value_min ${min} is greater than value_max ${max}`);
      return;
    }
    if (step !== undefined && !(step > 0)) {
      this.problems.push(`${where}: value_step ${step} must be greater than 0`);
      return;
    }
    const presets = Array.isArray(expose['presets']) ? expose['presets'].filter(isRecord) : [];
    // Zigbee2MQTT numerics carry no integer flag; a whole-number step is the only sign of one.
    const datatype = step !== undefined && Number.isInteger(step) ? 'integer' : 'float';
    this.add(
      { ...base, datatype, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), ...(step !== undefined ? { step } : {}) },
      {
        kind: 'numeric',
        presets: presets.flatMap((p) => (finite(p['value']) !== undefined ? [p['value'] as number] : [])),
        presetNames: presets.flatMap((p) => (typeof p['value'] === 'string' ? [p['value']] : [])),
      },
      access,
      ctx,
      property,
      where,
    );
  }

  private readEnum(expose: Json, base: BaseSchema, access: number, ctx: Context, property: string, where: string): void {
    const values = expose['values'];
    if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'string' || finite(v) !== undefined)) {
      this.problems.push(`${where}: values must be a non-empty list of strings or numbers`);
      return;
    }
    const typed = values as (string | number)[];
    const options = typed.map(String);
    if (new Set(options).size !== options.length || options.includes('')) {
      this.problems.push(`${where}: values must be distinct and not empty`);
      return;
    }
    // Zigbee2MQTT reports a cover's state as OPEN or CLOSE only (fromZigbee cover_position_tilt);
    // STOP is a command, so it is a button of its own instead of an option that never comes back.
    if (ctx.specific === 'cover' && expose['name'] === 'state' && options.includes('STOP') && options.length > 1) {
      const states = typed.filter((v) => v !== 'STOP');
      this.add({ ...base, datatype: 'enum', options: states.map(String) }, { kind: 'enum', values: states }, access, ctx, property, where);
      this.add({ ...base, name: 'Stop', datatype: 'enum', options: ['STOP'] }, { kind: 'command', value: 'STOP' }, access & ACCESS_SET, ctx, property, where, ':stop');
      return;
    }
    this.add({ ...base, datatype: 'enum', options }, { kind: 'enum', values: typed }, access, ctx, property, where);
  }

  private readList(expose: Json, base: BaseSchema, access: number, ctx: Context, property: string, where: string): void {
    const item = listItem(expose['item_type']);
    const schema: PropertySchema = {
      ...base,
      datatype: 'json',
      ...(item === null && (access & ACCESS_SET) !== 0 ? { readOnlyReason: 'a list of composite entries; edit it in Zigbee2MQTT' } : {}),
    };
    const lengthMin = finite(expose['length_min']);
    const lengthMax = finite(expose['length_max']);
    const codec: Codec = { kind: 'list', item, ...(lengthMin !== undefined ? { lengthMin } : {}), ...(lengthMax !== undefined ? { lengthMax } : {}) };
    this.add(schema, codec, access, ctx, property, where);
  }

  /**
   * One control from its access bits. A settable feature outside the state
   * (access 2 without 1) is a command or a write-only setting: an enum there is
   * Zigbee2MQTT's way to trigger something (identify, effect: its Home
   * Assistant discovery makes a one-value one a button), so it is momentary;
   * any other type keeps a value the operator chose (execute_if_off, a
   * transition time) that the device never reports back, so reports: false.
   */
  private add(schema: PropertySchema, codec: Codec, access: number, ctx: Context, property: string, where: string, idSuffix = ''): void {
    const path = [...ctx.prefix, property];
    const id = `${path.join('/')}${idSuffix}`;
    const published = codec.kind !== 'command' && (access & (ACCESS_STATE | ACCESS_GET)) !== 0;
    const settable = (access & ACCESS_SET) !== 0;
    if (!published && !settable) return;
    if (this.ids.has(id)) {
      this.problems.push(`${where}: ${id} is exposed twice; the first is shown`);
      return;
    }
    this.ids.add(id);
    const momentary = codec.kind === 'command' || (settable && !published && codec.kind === 'enum');
    const readOnlyReason = settable ? (this.readOnlyReason ?? schema.readOnlyReason) : undefined;
    this.controls.push({
      schema: {
        ...schema,
        id,
        settable,
        momentary,
        // Zigbee2MQTT publishes state unretained unless the device option `retain` is set, which
        // bridge/devices does not show: false is the honest default (the replay is not waited for).
        retained: false,
        ...(settable && !published && !momentary ? { reports: false } : {}),
        ...((access & ACCESS_GET) !== 0 && codec.kind !== 'command' ? { queryable: true } : {}),
        ...(ctx.group ? { group: ctx.group } : {}),
        ...(readOnlyReason !== undefined ? { readOnlyReason } : {}),
      },
      path,
      codec,
      published,
    });
  }
}

function isBinaryValue(x: unknown): x is BinaryValue {
  return typeof x === 'string' || typeof x === 'boolean' || finite(x) !== undefined;
}

function isXyPair(features: readonly unknown[]): features is Json[] {
  const names = features.map((f) => (isRecord(f) ? `${String(f['type'])}:${String(f['property'] ?? f['name'])}` : ''));
  return names.length === 2 && names.includes('numeric:x') && names.includes('numeric:y');
}

/** The entry check of a list whose entries are plain values; null for composite entries. */
function listItem(item: unknown): ListItem | null {
  if (!isRecord(item)) return null;
  switch (item['type']) {
    case 'numeric': {
      const min = finite(item['value_min']);
      const max = finite(item['value_max']);
      return { kind: 'number', ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
    }
    case 'text':
      return { kind: 'string' };
    case 'enum':
      return Array.isArray(item['values']) && item['values'].every(isBinaryValue) ? { kind: 'one-of', values: item['values'] } : null;
    case 'binary':
      return isBinaryValue(item['value_on']) && isBinaryValue(item['value_off']) ? { kind: 'one-of', values: [item['value_on'], item['value_off']] } : null;
    default:
      return null;
  }
}

/** Names shared inside one group get their property added, so every control is findable by name. */
function disambiguate(controls: readonly Z2mControl[]): Z2mControl[] {
  const key = (c: Z2mControl): string => `${c.schema.group?.id ?? ''}\u0000${c.schema.name}`;
  const counts = new Map<string, number>();
  for (const c of controls) counts.set(key(c), (counts.get(key(c)) ?? 0) + 1);
  return controls.map((c) => ((counts.get(key(c)) ?? 0) > 1 ? { ...c, schema: { ...c.schema, name: `${c.schema.name} (${c.schema.id})` } } : c));
}

/**
 * The controls of a device definition's `exposes`. `readOnlyReason` makes
 * every settable control read-only (an unsupported or disabled device).
 */
export function parseExposes(exposes: unknown, readOnlyReason?: string): ParsedExposes {
  const reader = new ExposeReader(readOnlyReason);
  if (!Array.isArray(exposes)) return { controls: [], problems: ['definition.exposes must be a list'], unknown: [] };
  exposes.forEach((e, i) => reader.read(e, { prefix: [] }, `exposes[${i}]`));
  return { controls: disambiguate(reader.controls), problems: reader.problems, unknown: reader.unknown };
}
