/**
 * Homie 5 `$description` documents to DeviceSchema (pure). Spec:
 * https://homieiot.github.io/specification/ (v5.0.0, "Devices" … "Formats").
 */
import { checkAnnouncedVersion, enumValues, isUsableId, nodeGroup, parseRangeFormat, type VersionProblem } from './homie-common.js';
import { checkSchema } from '../model/schema-check.js';
import type { Datatype, DeviceSchema, PropertyGroup, PropertySchema } from '../model/types.js';

export const HOMIE5_CONVENTION = 'homie5';

const DATATYPES: readonly Datatype[] = ['integer', 'float', 'boolean', 'string', 'enum', 'color', 'datetime', 'duration', 'json'];
const COLOR_FORMATS = ['rgb', 'hsv', 'xyz'];

export type DescriptionResult =
  | { readonly kind: 'ok'; readonly schema: DeviceSchema }
  /** A description of another Homie version: shown by name, with no properties, and the problem. */
  | { readonly kind: 'unsupported'; readonly shown: DeviceSchema; readonly problem: VersionProblem }
  | { readonly kind: 'invalid'; readonly errors: readonly string[] };

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function optionalField<T>(obj: Record<string, unknown>, key: string, type: 'string' | 'boolean', where: string, errors: string[]): T | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== type) {
    errors.push(`${where}: ${key} must be a ${type}`);
    return undefined;
  }
  return v as T;
}

/** Datatype-specific fields of a property, or errors appended. */
function formatFields(id: string, datatype: Datatype, format: string | undefined, errors: string[]): Partial<PropertySchema> {
  switch (datatype) {
    case 'integer':
    case 'float': {
      if (format === undefined || format === '') return {};
      const range = parseRangeFormat(id, datatype, format, 'format');
      if (range.ok) return range.value;
      errors.push(range.error);
      return {};
    }
    case 'enum':
      return { options: enumValues(format, false) };
    case 'color': {
      if (format === undefined || format.trim() === '') {
        errors.push(`${id}: color format is missing (rgb, hsv and/or xyz)`);
        return {};
      }
      const unknown = format.split(',').map((f) => f.trim()).filter((f) => !COLOR_FORMATS.includes(f));
      if (unknown.length > 0) errors.push(`${id}: unknown color format ${unknown.map((f) => `"${f}"`).join(', ')}`);
      return {};
    }
    case 'boolean':
      if (format !== undefined) {
        const labels = format.split(',');
        if (labels.length !== 2 || labels.some((l) => l.trim() === '')) errors.push(`${id}: boolean format "${format}" must be two labels, false first ("off,on")`);
      }
      return {};
    case 'string':
    case 'datetime':
    case 'duration':
    case 'json':
      return {};
  }
}

function parseProperty(id: string, propertyKey: string, group: PropertyGroup, raw: unknown): { property: PropertySchema } | { errors: string[] } {
  if (!isRecord(raw)) return { errors: [`${id}: property must be a JSON object`] };
  const datatype = raw['datatype'];
  if (datatype === undefined) return { errors: [`${id}: datatype is missing`] };
  if (typeof datatype !== 'string' || !(DATATYPES as readonly string[]).includes(datatype)) return { errors: [`${id}: unknown datatype ${JSON.stringify(datatype)}`] };
  const dt = datatype as Datatype;
  const errors: string[] = [];
  const name = optionalField<string>(raw, 'name', 'string', id, errors) ?? propertyKey;
  const settable = optionalField<boolean>(raw, 'settable', 'boolean', id, errors) ?? false;
  const retained = optionalField<boolean>(raw, 'retained', 'boolean', id, errors) ?? true;
  const unit = optionalField<string>(raw, 'unit', 'string', id, errors);
  const format = optionalField<string>(raw, 'format', 'string', id, errors);
  const extra = formatFields(id, dt, format, errors);
  if (errors.length > 0) return { errors };
  return {
    property: {
      id,
      name,
      datatype: dt,
      settable,
      retained,
      // Homie: a non-retained property is an event or a command with a value, not a state.
      momentary: !retained,
      group,
      ...(unit !== undefined ? { unit } : {}),
      ...(format !== undefined ? { format } : {}),
      ...extra,
    },
  };
}

function parseNodes(nodes: Record<string, unknown>, errors: string[]): PropertySchema[] {
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
    const group = nodeGroup(nodeId, optionalField<string>(node, 'name', 'string', nodeId, errors));
    for (const [propertyKey, raw] of Object.entries(props)) {
      const id = `${nodeId}/${propertyKey}`;
      if (!isUsableId(propertyKey)) {
        errors.push(`${id}: property id is not usable in a topic`);
        continue;
      }
      const parsed = parseProperty(id, propertyKey, group, raw);
      if ('property' in parsed) properties.push(parsed.property);
      else errors.push(...parsed.errors);
    }
  }
  return properties;
}

/** Build a DeviceSchema from a `$description` document of the device `native` ("<id>" or "<root>/<id>"). */
export function parseDescription(native: string, device: string, text: string): DescriptionResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { kind: 'invalid', errors: [`$description is not valid JSON: ${e instanceof Error ? e.message : String(e)}`] };
  }
  if (!isRecord(doc)) return { kind: 'invalid', errors: ['$description is not a JSON object'] };
  const errors: string[] = [];
  const name = optionalField<string>(doc, 'name', 'string', '$description', errors) ?? device;
  const id = `${HOMIE5_CONVENTION}:${native}`;
  const homie = doc['homie'];
  // The spec requires `homie`; a document without it is still read as Homie 5, as before.
  if (homie !== undefined) {
    const problem = checkAnnouncedVersion(typeof homie === 'string' ? homie : JSON.stringify(homie), 'homie5');
    if (problem !== null) return { kind: 'unsupported', shown: { id, name: name.trim() === '' ? device : name, convention: HOMIE5_CONVENTION, properties: [] }, problem };
  }
  const version = doc['version'];
  if (version !== undefined && (typeof version !== 'number' || !Number.isInteger(version))) errors.push('$description version must be an integer');
  // Homie 5: `nodes` is optional (a bridge may only have children); default {}.
  const nodes = doc['nodes'] ?? {};
  if (!isRecord(nodes)) return { kind: 'invalid', errors: [...errors, '$description nodes must be an object keyed by node id'] };
  const properties = parseNodes(nodes, errors);
  const schema: DeviceSchema = {
    id,
    name,
    convention: HOMIE5_CONVENTION,
    properties,
    ...(typeof version === 'number' && Number.isInteger(version) ? { version } : {}),
  };
  errors.push(...checkSchema(schema));
  return errors.length > 0 ? { kind: 'invalid', errors } : { kind: 'ok', schema };
}
