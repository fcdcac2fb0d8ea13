import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodePayload, formatValue, parsePayload, validateValue, valuesEqual } from '../../src/model/values.js';
import type { PropertySchema } from '../../src/model/types.js';

function prop(p: Partial<PropertySchema> & Pick<PropertySchema, 'datatype'>): PropertySchema {
  return { id: 'n/p', name: 'P', settable: true, retained: true, momentary: false, ...p };
}

const phase = prop({ datatype: 'integer', min: -180, max: 180, unit: '°' });
const gain = prop({ datatype: 'float', min: 0, max: 10, step: 0.5, unit: 'dB' });
const mode = prop({ datatype: 'enum', options: ['auto', 'manual', ' spaced'] });

describe('parsePayload', () => {
  it('reads integers with an optional sign and rejects anything else', () => {
    expect(parsePayload(phase, '-25')).toEqual({ ok: true, value: -25 });
    expect(parsePayload(phase, '+7')).toEqual({ ok: true, value: 7 });
    expect(parsePayload(phase, '0')).toEqual({ ok: true, value: 0 });
    for (const bad of ['', '-', '1.5', '1e3', ' 5', '5 ', '0x10', 'ten']) {
      expect(parsePayload(phase, bad).ok, bad).toBe(false);
    }
  });

  it('reports integers outside min/max with the range', () => {
    expect(parsePayload(phase, '181')).toEqual({ ok: false, error: 'out of range -180..180' });
    expect(parsePayload(phase, '-181')).toEqual({ ok: false, error: 'out of range -180..180' });
    expect(parsePayload(prop({ datatype: 'integer', min: 0 }), '-1')).toEqual({ ok: false, error: 'out of range 0..' });
    expect(parsePayload(prop({ datatype: 'integer' }), '99999')).toEqual({ ok: true, value: 99999 });
  });

  it('refuses integers a JS number cannot hold exactly', () => {
    const r = parsePayload(prop({ datatype: 'integer' }), '9223372036854775807');
    expect(r.ok).toBe(false);
  });

  it('reads floats in decimal and exponent form, never NaN or Infinity', () => {
    const f = prop({ datatype: 'float' });
    expect(parsePayload(f, '21.5')).toEqual({ ok: true, value: 21.5 });
    expect(parsePayload(f, '-1.5e3')).toEqual({ ok: true, value: -1500 });
    expect(parsePayload(f, '.5')).toEqual({ ok: true, value: 0.5 });
    expect(parsePayload(f, '5.')).toEqual({ ok: true, value: 5 });
    expect(parsePayload(f, '2E-2')).toEqual({ ok: true, value: 0.02 });
    for (const bad of ['NaN', 'Infinity', '1e999', '1.2.3', '1,5', '', '-', 'e5', ' 1']) {
      expect(parsePayload(f, bad).ok, bad).toBe(false);
    }
    expect(parsePayload(gain, '10.5')).toEqual({ ok: false, error: 'out of range 0..10' });
  });

  it('reads booleans only as lowercase true/false', () => {
    const b = prop({ datatype: 'boolean' });
    expect(parsePayload(b, 'true')).toEqual({ ok: true, value: true });
    expect(parsePayload(b, 'false')).toEqual({ ok: true, value: false });
    for (const bad of ['TRUE', 'False', '1', 'on', '']) expect(parsePayload(b, bad).ok, bad).toBe(false);
  });

  it('matches enum values exactly, including case and whitespace', () => {
    expect(parsePayload(mode, 'auto')).toEqual({ ok: true, value: 'auto' });
    expect(parsePayload(mode, ' spaced')).toEqual({ ok: true, value: ' spaced' });
    const r = parsePayload(mode, 'Auto');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain('not one of');
    expect(parsePayload(mode, 'spaced').ok).toBe(false);
  });

  it('accepts any string, including the empty one', () => {
    const s = prop({ datatype: 'string' });
    expect(parsePayload(s, '')).toEqual({ ok: true, value: '' });
    expect(parsePayload(s, 'hello, world')).toEqual({ ok: true, value: 'hello, world' });
  });

  it('reads Homie 5 colours with their format prefix and checks the ranges', () => {
    const rgb = prop({ datatype: 'color', format: 'rgb' });
    const both = prop({ datatype: 'color', format: 'hsv,rgb' });
    const xyz = prop({ datatype: 'color', format: 'xyz' });
    expect(parsePayload(rgb, 'rgb,255,0,128')).toEqual({ ok: true, value: 'rgb,255,0,128' });
    expect(parsePayload(both, 'hsv,300,50,75')).toEqual({ ok: true, value: 'hsv,300,50,75' });
    expect(parsePayload(both, 'rgb,1.5,2,3')).toEqual({ ok: true, value: 'rgb,1.5,2,3' });
    expect(parsePayload(xyz, 'xyz,0.25,0.34')).toEqual({ ok: true, value: 'xyz,0.25,0.34' });
    expect(parsePayload(rgb, 'rgb,256,0,0')).toEqual({ ok: false, error: 'rgb colour: 256 is out of range 0..255' });
    expect(parsePayload(both, 'hsv,361,0,0').ok).toBe(false);
    expect(parsePayload(both, 'hsv,0,101,0').ok).toBe(false);
    expect(parsePayload(rgb, 'rgb,1,2').ok).toBe(false);
    expect(parsePayload(rgb, 'rgb, 1,2,3').ok).toBe(false);
    expect(parsePayload(rgb, 'hsv,1,2,3').ok).toBe(false);
    expect(parsePayload(rgb, '').ok).toBe(false);
  });

  it('reads bare "r,g,b" (older devices) as the preferred format and canonicalises it', () => {
    expect(parsePayload(prop({ datatype: 'color', format: 'rgb' }), '10,20,30')).toEqual({ ok: true, value: 'rgb,10,20,30' });
    expect(parsePayload(prop({ datatype: 'color', format: 'hsv,rgb' }), '360,100,100')).toEqual({
      ok: true,
      value: 'hsv,360,100,100',
    });
    expect(parsePayload(prop({ datatype: 'color', format: 'rgb' }), '300,20,30').ok).toBe(false);
  });

  it('checks ISO 8601 date-times, including calendar validity', () => {
    const dt = prop({ datatype: 'datetime' });
    for (const good of ['2025-05-11T10:20:30Z', '2025-05-11T10:20:30.123+02:00', '2024-02-29', '2025-05-11T10:20', '20250511T102030Z']) {
      expect(parsePayload(dt, good), good).toEqual({ ok: true, value: good });
    }
    for (const bad of ['2025-02-29', '2025-13-01', '2025-05-11T25:00Z', 'yesterday', '', '2025-5-1']) {
      expect(parsePayload(dt, bad).ok, bad).toBe(false);
    }
  });

  it('checks ISO 8601 durations', () => {
    const d = prop({ datatype: 'duration' });
    for (const good of ['PT12H5M46S', 'PT5M', 'PT0.5S', 'P1DT2H', 'P2W']) expect(parsePayload(d, good).ok, good).toBe(true);
    for (const bad of ['P', 'PT', '12H', 'PT5X', 'pt5m', '', 'P1DT']) expect(parsePayload(d, bad).ok, bad).toBe(false);
  });

  it('keeps JSON as its canonical string and requires an object or array', () => {
    const j = prop({ datatype: 'json' });
    expect(parsePayload(j, '{ "a" : [1, 2] }')).toEqual({ ok: true, value: '{"a":[1,2]}' });
    expect(parsePayload(j, '[]')).toEqual({ ok: true, value: '[]' });
    const broken = parsePayload(j, '{"a":');
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.error).toMatch(/^not valid JSON: /);
    expect(parsePayload(j, '5').ok).toBe(false);
    expect(parsePayload(j, 'null').ok).toBe(false);
  });
});

describe('encodePayload', () => {
  it('writes canonical text', () => {
    expect(encodePayload(phase, -25)).toBe('-25');
    expect(encodePayload(phase, -0)).toBe('0');
    expect(encodePayload(gain, 2.5)).toBe('2.5');
    expect(encodePayload(prop({ datatype: 'boolean' }), true)).toBe('true');
    expect(encodePayload(mode, 'manual')).toBe('manual');
    expect(encodePayload(prop({ datatype: 'color', format: 'rgb' }), 'rgb,1,2,3')).toBe('rgb,1,2,3');
  });

  it('round-trips through parsePayload for every datatype it can produce', () => {
    const floats = prop({ datatype: 'float' });
    const ints = prop({ datatype: 'integer' });
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        const back = parsePayload(floats, encodePayload(floats, n));
        return back.ok && valuesEqual(back.value, n);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        const back = parsePayload(ints, encodePayload(ints, n));
        return back.ok && back.value === (n === 0 ? 0 : n);
      }),
      { numRuns: 500 },
    );
  });
});

describe('validateValue', () => {
  it('coerces numeric strings from inputs and checks the range', () => {
    expect(validateValue(phase, '-25')).toEqual({ ok: true, value: -25 });
    expect(validateValue(phase, ' 12 ')).toEqual({ ok: true, value: 12 });
    expect(validateValue(phase, 200)).toEqual({ ok: false, error: 'out of range -180..180' });
    expect(validateValue(phase, 1.5)).toEqual({ ok: false, error: 'must be a whole number' });
    expect(validateValue(phase, '').ok).toBe(false);
    expect(validateValue(phase, Number.NaN).ok).toBe(false);
    expect(validateValue(phase, {}).ok).toBe(false);
  });

  it('checks steps relative to min with float tolerance', () => {
    expect(validateValue(gain, 2.5)).toEqual({ ok: true, value: 2.5 });
    expect(validateValue(gain, '0.1e1')).toEqual({ ok: true, value: 1 });
    expect(validateValue(gain, 0.1 + 0.2 + 0.2)).toEqual({ ok: true, value: 0.1 + 0.2 + 0.2 });
    expect(validateValue(gain, 2.7)).toEqual({ ok: false, error: 'must be in steps of 0.5 from 0; nearest are 2.5 and 3' });
    const offset = prop({ datatype: 'integer', min: 1, max: 9, step: 2 });
    expect(validateValue(offset, 5).ok).toBe(true);
    expect(validateValue(offset, 4).ok).toBe(false);
    const fine = prop({ datatype: 'float', min: 0.1, step: 0.1 });
    expect(validateValue(fine, 0.7).ok).toBe(true);
  });

  it('refuses writes to read-only properties', () => {
    expect(validateValue(prop({ datatype: 'integer', settable: false }), 1)).toEqual({ ok: false, error: 'read-only' });
    const r = validateValue(prop({ datatype: 'integer', readOnlyReason: 'template not supported' }), 1);
    expect(r).toEqual({ ok: false, error: 'read-only: template not supported' });
  });

  it('validates booleans, enums, colours, dates and JSON', () => {
    const b = prop({ datatype: 'boolean' });
    expect(validateValue(b, true)).toEqual({ ok: true, value: true });
    expect(validateValue(b, 'false')).toEqual({ ok: true, value: false });
    expect(validateValue(b, 1).ok).toBe(false);
    expect(validateValue(mode, 'manual')).toEqual({ ok: true, value: 'manual' });
    expect(validateValue(mode, 'Manual').ok).toBe(false);
    expect(validateValue(prop({ datatype: 'color', format: 'rgb' }), 'rgb, 1, 2, 3')).toEqual({ ok: true, value: 'rgb,1,2,3' });
    expect(validateValue(prop({ datatype: 'datetime' }), ' 2025-01-01 ')).toEqual({ ok: true, value: '2025-01-01' });
    expect(validateValue(prop({ datatype: 'json' }), { b: 1 })).toEqual({ ok: true, value: '{"b":1}' });
    expect(validateValue(prop({ datatype: 'json' }), '{"b": 1}')).toEqual({ ok: true, value: '{"b":1}' });
    expect(validateValue(prop({ datatype: 'string' }), '  keep spaces ')).toEqual({ ok: true, value: '  keep spaces ' });
  });
});

describe('valuesEqual', () => {
  it('compares numbers with a relative tolerance and everything else strictly', () => {
    expect(valuesEqual(0.1 + 0.2, 0.3)).toBe(true);
    expect(valuesEqual(1e12, 1e12 + 1)).toBe(true);
    expect(valuesEqual(1, 1.001)).toBe(false);
    expect(valuesEqual(0, -0)).toBe(true);
    expect(valuesEqual(Number.NaN, Number.NaN)).toBe(true);
    expect(valuesEqual(1, '1')).toBe(false);
    expect(valuesEqual('a', 'a')).toBe(true);
    expect(valuesEqual('a', 'A')).toBe(false);
    expect(valuesEqual(true, true)).toBe(true);
    expect(valuesEqual(true, 'true')).toBe(false);
    expect(valuesEqual(null, undefined)).toBe(true);
    expect(valuesEqual(null, 0)).toBe(false);
    expect(valuesEqual(false, null)).toBe(false);
  });

  it('is symmetric', () => {
    const value = fc.oneof(fc.double(), fc.string(), fc.boolean(), fc.constant(null));
    fc.assert(fc.property(value, value, (a, b) => valuesEqual(a, b) === valuesEqual(b, a)), { numRuns: 500 });
  });
});

describe('formatValue', () => {
  it('shows units, boolean words and a dash for no value', () => {
    expect(formatValue(phase, -25)).toBe('-25 °');
    expect(formatValue(prop({ datatype: 'boolean' }), true)).toBe('On');
    expect(formatValue(prop({ datatype: 'boolean' }), false)).toBe('Off');
    expect(formatValue(prop({ datatype: 'boolean', format: 'close,open' }), true)).toBe('open');
    expect(formatValue(phase, null)).toBe('—');
    expect(formatValue(phase, undefined)).toBe('—');
    expect(formatValue(mode, 'auto')).toBe('auto');
    expect(formatValue(prop({ datatype: 'string' }), '')).toBe('(empty)');
  });

  it('hides binary float noise', () => {
    expect(formatValue(prop({ datatype: 'float' }), 0.1 + 0.2)).toBe('0.3');
    expect(formatValue(gain, 2.5000000001)).toBe('2.5 dB');
    expect(formatValue(prop({ datatype: 'float', unit: '%' }), 12.345)).toBe('12.345 %');
  });
});
