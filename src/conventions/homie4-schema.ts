/**
 * Homie 3/4 attributes to a DeviceSchema (pure). Attributes arrive one topic
 * at a time and in no guaranteed order; buildSchema says whether what has
 * arrived so far is a complete, usable schema.
 * Specs: https://homieiot.github.io/specification/spec-core-v4_0_0/ and v3_0_1.
 */
import { previewText } from './adapter.js';
import { enumValues, isUsableId, nodeGroup, parseRangeFormat } from './homie-common.js';
import { checkSchema } from '../model/schema-check.js';
import type { Datatype, DeviceSchema, PropertyGroup, PropertySchema } from '../model/types.js';

export const HOMIE4_CONVENTION = 'homie4';

const DATATYPES: readonly Datatype[] = ['integer', 'float', 'boolean', 'string', 'enum', 'color'];
export const PROPERTY_ATTRIBUTES = ['$name', '$datatype', '$format', '$settable', '$retained', '$unit'] as const;
export type PropertyAttribute = (typeof PROPERTY_ATTRIBUTES)[number];
export type PropertyAttributes = Partial<Record<PropertyAttribute, string>>;

export interface NodeAttributes {
  name?: string;
  properties?: string;
}

/** What has arrived of one device's attributes. */
export interface DeviceAttributes {
  /** The device level of its topics. */
  readonly device: string;
  homie?: string;
  name?: string;
  nodes?: string;
  state?: string;
  readonly nodeAttrs: Map<string, NodeAttributes>;
  readonly propAttrs: Map<string, PropertyAttributes>;
  /** Attribute-level faults (e.g. an oversized attribute), by topic suffix. */
  readonly faults: Map<string, string>;
}

export type Built = { readonly kind: 'incomplete' } | { readonly kind: 'error'; readonly errors: string[] } | { readonly kind: 'ok'; readonly schema: DeviceSchema };

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function parseFlag(id: string, attr: string, text: string | undefined, dflt: boolean, errors: string[]): boolean {
  if (text === undefined) return dflt;
  if (text === 'true') return true;
  if (text === 'false') return false;
  errors.push(`${id}: ${attr} "${previewText(text)}" is not true or false`);
  return dflt;
}

interface PropertyContext {
  readonly group: PropertyGroup;
  /** Homie 3: $datatype defaults to string once the device is ready; "," in enum values is escaped as ",,". */
  readonly homie3: boolean;
  readonly ready: boolean;
}

/** null: not described enough yet (no $datatype), or an error was appended. */
function buildProperty(id: string, propertyKey: string, attrs: PropertyAttributes, ctx: PropertyContext, errors: string[]): PropertySchema | null {
  const raw = attrs.$datatype ?? (ctx.homie3 && ctx.ready ? 'string' : undefined);
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
        const r = parseRangeFormat(id, datatype, format, '$format');
        if (r.ok) extra = r.value;
        else errors.push(r.error);
      }
      break;
    case 'enum':
      extra = { options: enumValues(format, ctx.homie3) };
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
  const unit = attrs.$unit;
  return {
    id,
    name: attrs.$name !== undefined && attrs.$name.trim() !== '' ? attrs.$name : propertyKey,
    datatype,
    settable,
    retained,
    // Homie: a non-retained property is an event or a command with a value, not a state.
    momentary: !retained,
    group: ctx.group,
    ...(unit !== undefined && unit !== '' ? { unit } : {}),
    ...(format !== undefined && format !== '' ? { format: datatype === 'color' ? format.trim() : format } : {}),
    ...extra,
  };
}

/**
 * The schema once complete: every listed node has $properties and every
 * listed property a $datatype (Homie 3, where $datatype is optional and
 * defaults to string, is also complete once $state is "ready").
 */
export function buildSchema(deviceId: string, d: DeviceAttributes): Built {
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
    const ctx: PropertyContext = { group: nodeGroup(nodeId, node.name), homie3, ready: d.state === 'ready' };
    for (const propertyKey of splitList(node.properties)) {
      const id = `${nodeId}/${propertyKey}`;
      if (!isUsableId(propertyKey)) {
        errors.push(`${id}: property id is not usable in a topic`);
        continue;
      }
      const before = errors.length;
      const p = buildProperty(id, propertyKey, d.propAttrs.get(id) ?? {}, ctx, errors);
      if (p !== null) properties.push(p);
      else if (errors.length === before) incomplete = true;
    }
  }
  if (errors.length > 0) return { kind: 'error', errors };
  if (incomplete) return { kind: 'incomplete' };
  const schema: DeviceSchema = { id: deviceId, name: deviceName(d), convention: HOMIE4_CONVENTION, properties };
  const problems = checkSchema(schema);
  return problems.length > 0 ? { kind: 'error', errors: problems } : { kind: 'ok', schema };
}

export function deviceName(d: DeviceAttributes): string {
  return d.name !== undefined && d.name.trim() !== '' ? d.name : d.device;
}
