import { describe, expect, it } from 'vitest';
import { Homie5Adapter } from '../../src/conventions/homie5.js';
import { controlKind } from '../../src/model/control-kind.js';
import type { DeviceSchema } from '../../src/model/types.js';

const enc = (s: string) => new TextEncoder().encode(s);

function describeDevice(description: unknown): DeviceSchema {
  const adapter = new Homie5Adapter();
  const events = adapter.handleMessage('homie/5/vp4/$description', enc(JSON.stringify(description)), true);
  const device = events.find((e) => e.kind === 'device');
  if (!device || device.kind !== 'device') throw new Error(`no device event: ${JSON.stringify(events)}`);
  return device.device;
}

describe('schema to control mapping (Homie 5 $description → control)', () => {
  const schema = describeDevice({
    homie: '5.0',
    version: 3,
    name: 'VP4',
    nodes: {
      genlock: {
        name: 'Genlock',
        properties: {
          'phase-h': { name: 'Genlock phase H', datatype: 'integer', format: '-180:180', settable: true, unit: '°' },
          source: { name: 'Genlock source', datatype: 'enum', format: 'internal,ref-in', settable: true },
        },
      },
      output: {
        properties: {
          'test-pattern': { name: 'Test pattern', datatype: 'boolean', settable: true },
          gain: { name: 'Gain', datatype: 'float', settable: true },
          label: { name: 'Label', datatype: 'string', settable: true },
        },
      },
      system: {
        properties: {
          temperature: { name: 'Temperature', datatype: 'float', unit: '°C' },
          reboot: { name: 'Reboot', datatype: 'boolean', settable: true, retained: false },
        },
      },
    },
  });
  const kind = (id: string) => {
    const p = schema.properties.find((x) => x.id === id);
    if (!p) throw new Error(`missing ${id}`);
    return controlKind(p);
  };

  it('gives a bounded integer a number input plus slider with min/max/step', () => {
    expect(kind('genlock/phase-h')).toEqual({ kind: 'number', min: -180, max: 180, step: 1, slider: true });
  });
  it('gives an unbounded float a number input without a slider', () => {
    expect(kind('output/gain')).toEqual({ kind: 'number', step: 'any', slider: false });
  });
  it('gives an enum a select with its values in order', () => {
    expect(kind('genlock/source')).toEqual({ kind: 'select', options: ['internal', 'ref-in'] });
  });
  it('gives a boolean a switch', () => {
    expect(kind('output/test-pattern')).toEqual({ kind: 'switch' });
  });
  it('gives a string a text field', () => {
    expect(kind('output/label')).toEqual({ kind: 'text' });
  });
  it('shows a non-settable property read-only', () => {
    expect(kind('system/temperature')).toEqual({ kind: 'readonly' });
  });
  it('treats a settable non-retained property as a momentary command', () => {
    expect(kind('system/reboot')).toEqual({ kind: 'momentary' });
  });
  it('keeps display names for accessible names', () => {
    expect(schema.properties.map((p) => p.name)).toEqual(
      expect.arrayContaining(['Genlock phase H', 'Genlock source', 'Test pattern', 'Temperature', 'Reboot']),
    );
  });
});
