/**
 * Contradictions inside a device schema. A schema that fails here cannot be
 * rendered or written safely, so adapters turn these into a `device-error`.
 */
import type { DeviceSchema, PropertySchema } from './types.js';

function isNumber(n: number | undefined): n is number {
  return n !== undefined;
}

function checkProperty(p: PropertySchema): string[] {
  const errors: string[] = [];
  const label = p.id === '' ? '(unnamed property)' : p.id;
  if (p.id.trim() === '') errors.push('a property has an empty id');
  if (p.name.trim() === '') errors.push(`${label}: name is empty`);
  for (const [field, n] of [
    ['min', p.min],
    ['max', p.max],
    ['step', p.step],
  ] as const) {
    if (isNumber(n) && !Number.isFinite(n)) errors.push(`${label}: ${field} ${n} is not a finite number`);
  }
  if (isNumber(p.min) && isNumber(p.max) && p.min > p.max) {
    errors.push(`${label}: min ${p.min} is greater than max ${p.max}`);
  }
  if (isNumber(p.step) && !(p.step > 0)) errors.push(`${label}: step ${p.step} must be greater than 0`);
  if (p.datatype === 'enum') {
    const options = p.options ?? [];
    if (options.length === 0) errors.push(`${label}: enum has no values`);
    if (options.some((o) => o === '')) errors.push(`${label}: enum has an empty value`);
    const seen = new Set<string>();
    for (const o of options) {
      if (seen.has(o)) errors.push(`${label}: enum value "${o}" is listed twice`);
      seen.add(o);
    }
  }
  return errors;
}

/** All contradictions found, as short sentences; empty when the schema is usable. */
export function checkSchema(device: DeviceSchema): string[] {
  const errors: string[] = [];
  if (device.name.trim() === '') errors.push('device name is empty');
  const seen = new Set<string>();
  for (const p of device.properties) {
    if (seen.has(p.id)) errors.push(`${p.id}: duplicate property id`);
    seen.add(p.id);
    errors.push(...checkProperty(p));
  }
  return errors;
}
