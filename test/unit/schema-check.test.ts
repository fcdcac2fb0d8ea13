import { describe, expect, it } from 'vitest';
import { checkSchema } from '../../src/model/schema-check.js';
import type { DeviceSchema, PropertySchema } from '../../src/model/types.js';

function device(properties: PropertySchema[], name = 'VP4'): DeviceSchema {
  return { id: 'homie5:vp4', name, convention: 'homie5', properties };
}
const p = (over: Partial<PropertySchema>): PropertySchema => ({
  id: 'genlock/phase-h',
  name: 'Phase H',
  datatype: 'integer',
  settable: true,
  retained: true,
  momentary: false,
  ...over,
});

describe('checkSchema', () => {
  it('accepts a consistent schema', () => {
    expect(checkSchema(device([p({ min: -180, max: 180, step: 1 }), p({ id: 'a/b', datatype: 'enum', options: ['x'] })]))).toEqual([]);
  });

  it('reports each contradiction as a sentence', () => {
    expect(checkSchema(device([p({ min: 10, max: 5 })]))).toEqual(['genlock/phase-h: min 10 is greater than max 5']);
    expect(checkSchema(device([p({ step: 0 })]))).toEqual(['genlock/phase-h: step 0 must be greater than 0']);
    expect(checkSchema(device([p({ step: -1 })]))).toEqual(['genlock/phase-h: step -1 must be greater than 0']);
    expect(checkSchema(device([p({ datatype: 'enum', options: [] })]))).toEqual(['genlock/phase-h: enum has no values']);
    expect(checkSchema(device([p({ datatype: 'enum' })]))).toEqual(['genlock/phase-h: enum has no values']);
    expect(checkSchema(device([p({}), p({})]))).toEqual(['genlock/phase-h: duplicate property id']);
    expect(checkSchema(device([p({ name: ' ' })]))).toEqual(['genlock/phase-h: name is empty']);
    expect(checkSchema(device([p({})], ''))).toEqual(['device name is empty']);
    expect(checkSchema(device([p({ min: Number.NaN })]))).toEqual(['genlock/phase-h: min NaN is not a finite number']);
  });

  it('finds several problems at once', () => {
    expect(checkSchema(device([p({ min: 3, max: 1, step: 0 })]))).toHaveLength(2);
  });
});
