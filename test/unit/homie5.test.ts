import { describe, expect, it } from 'vitest';
import { Homie5Adapter } from '../../src/conventions/homie5.js';
import type { AdapterEvent } from '../../src/conventions/adapter.js';

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);
const EMPTY = new Uint8Array(0);

/** A description in the Homie 5 shape: nodes and properties are objects keyed by id. */
const VP4_DESCRIPTION = {
  homie: '5.0',
  version: 7,
  name: 'Video processor 4',
  nodes: {
    genlock: {
      name: 'Genlock',
      properties: {
        'phase-h': { name: 'Horizontal phase', datatype: 'integer', format: '-180:180', settable: true, unit: '°' },
        'phase-v': { datatype: 'float', format: '0:10:0.5', settable: true },
        locked: { name: 'Locked', datatype: 'boolean' },
        source: { datatype: 'enum', format: 'internal,external,auto', settable: true },
        label: { datatype: 'string', settable: true },
        tint: { datatype: 'color', format: 'rgb,hsv', settable: true },
        'take-snapshot': { datatype: 'boolean', settable: true, retained: false },
      },
    },
  },
};

function describeDevice(a: Homie5Adapter, id: string, doc: unknown = VP4_DESCRIPTION, root = 'homie'): AdapterEvent[] {
  return a.handleMessage(`${root}/5/${id}/$description`, bytes(JSON.stringify(doc)), true);
}

function only<K extends AdapterEvent['kind']>(events: AdapterEvent[], kind: K): Extract<AdapterEvent, { kind: K }> {
  expect(events).toHaveLength(1);
  const [event] = events;
  expect(event?.kind).toBe(kind);
  return event as Extract<AdapterEvent, { kind: K }>;
}

describe('Homie5Adapter topics', () => {
  it('subscribes under <root>/5 and claims only its topics; values per device', () => {
    const a = new Homie5Adapter({ roots: ['site'], scan: false });
    expect(a.convention).toBe('homie5');
    expect(a.subscriptions()).toEqual(['site/5/+/$state', 'site/5/+/$description', 'site/5/+/$alert/+']);
    expect(a.deviceSubscriptions('homie5:site/vp4')).toEqual(['site/5/vp4/$description', 'site/5/vp4/+/+', 'site/5/vp4/+/+/$target']);
    expect(a.handles('site/5/vp4/$state')).toBe(true);
    expect(a.handles('homie/5/vp4/$state')).toBe(false);
    expect(a.handles('site/4/vp4/$state')).toBe(false);
  });

  it('by default reads "homie" and discovers other roots with the spec\'s +/5/+/$state', () => {
    const a = new Homie5Adapter();
    // The scan filter covers `$state` under every single-level root, "homie" included.
    expect(a.subscriptions()).toEqual(['+/5/+/$state', 'homie/5/+/$description', 'homie/5/+/$alert/+']);
    expect(a.deviceSubscriptions('homie5:vp4')).toEqual(['homie/5/vp4/$description', 'homie/5/vp4/+/+', 'homie/5/vp4/+/+/$target']);
    expect(new Homie5Adapter({ roots: ['site/a'] }).subscriptions()).toContain('site/a/5/+/$state');
  });
});

describe('$description', () => {
  it('builds a device schema with Homie defaults', () => {
    const a = new Homie5Adapter();
    const { device } = only(describeDevice(a, 'vp4'), 'device');
    expect(device.id).toBe('homie5:vp4');
    expect(device.name).toBe('Video processor 4');
    expect(device.convention).toBe('homie5');
    expect(device.version).toBe(7);
    const byId = new Map(device.properties.map((p) => [p.id, p]));
    expect(byId.get('genlock/phase-h')).toEqual({
      id: 'genlock/phase-h',
      name: 'Horizontal phase',
      datatype: 'integer',
      settable: true,
      retained: true,
      momentary: false,
      group: { id: 'genlock', name: 'Genlock' },
      unit: '°',
      format: '-180:180',
      min: -180,
      max: 180,
    });
    expect(byId.get('genlock/phase-v')).toMatchObject({ name: 'phase-v', min: 0, max: 10, step: 0.5 });
    expect(byId.get('genlock/locked')).toMatchObject({ settable: false, retained: true });
    expect(byId.get('genlock/source')).toMatchObject({ options: ['internal', 'external', 'auto'] });
    expect(byId.get('genlock/take-snapshot')).toMatchObject({ retained: false, settable: true, momentary: true, datatype: 'boolean' });
    expect(a.schemaOf('homie5:vp4')).toEqual(device);
  });

  it('defaults the device name to its id and accepts open-ended ranges', () => {
    const a = new Homie5Adapter();
    const { device } = only(
      describeDevice(a, 'probe', {
        homie: '5.0',
        version: 1,
        nodes: { t: { properties: { low: { datatype: 'float', format: ':10' }, high: { datatype: 'integer', format: '5:' } } } },
      }),
      'device',
    );
    expect(device.name).toBe('probe');
    expect(device.properties[0]).toMatchObject({ id: 't/low', max: 10 });
    expect('min' in (device.properties[0] ?? {})).toBe(false);
    expect(device.properties[1]).toMatchObject({ id: 't/high', min: 5 });
  });

  it('accepts a device without nodes (a bridge with only children)', () => {
    const a = new Homie5Adapter();
    const { device } = only(describeDevice(a, 'bridge', { homie: '5.0', version: 1, name: 'Bridge', children: ['x'] }), 'device');
    expect(device.properties).toEqual([]);
  });

  it('gives malformed JSON a device-error for that device only', () => {
    const a = new Homie5Adapter();
    describeDevice(a, 'good');
    const bad = only(a.handleMessage('homie/5/vp4/$description', bytes('{"homie": "5.0", nodes'), true), 'device-error');
    expect(bad.deviceId).toBe('homie5:vp4');
    expect(bad.error).toMatch(/^\$description is not valid JSON: /);
    // The other device keeps working.
    expect(only(a.handleMessage('homie/5/good/genlock/phase-h', bytes('12'), true), 'value')).toMatchObject({
      deviceId: 'homie5:good',
      value: 12,
    });
    expect(a.encodeSet('homie5:good', 'genlock/phase-h', 5).ok).toBe(true);
    expect(a.encodeSet('homie5:vp4', 'genlock/phase-h', 5)).toEqual({ ok: false, error: 'unknown device homie5:vp4' });
  });

  it('reports contradictions found in the description', () => {
    const a = new Homie5Adapter();
    const doc = {
      homie: '5.0',
      version: 2,
      name: 'VP4',
      nodes: { genlock: { properties: { 'phase-h': { datatype: 'integer', format: '10:5' } } } },
    };
    expect(only(describeDevice(a, 'vp4', doc), 'device-error').error).toBe('genlock/phase-h: min 10 is greater than max 5');
  });

  it('reports unknown datatypes, bad formats and wrong shapes', () => {
    const a = new Homie5Adapter();
    const errorFor = (doc: unknown): string => only(describeDevice(a, 'x', doc), 'device-error').error;
    const withProp = (p: unknown): unknown => ({ homie: '5.0', version: 1, name: 'X', nodes: { n: { properties: { p } } } });
    expect(errorFor(withProp({ datatype: 'decimal' }))).toBe('n/p: unknown datatype "decimal"');
    expect(errorFor(withProp({ name: 'no type' }))).toBe('n/p: datatype is missing');
    expect(errorFor(withProp({ datatype: 'enum' }))).toBe('n/p: enum has no values');
    expect(errorFor(withProp({ datatype: 'integer', format: '0:10:0' }))).toBe('n/p: step 0 must be greater than 0');
    expect(errorFor(withProp({ datatype: 'integer', format: 'low:high' }))).toContain('n/p: format "low:high"');
    expect(errorFor(withProp({ datatype: 'integer', format: '0:1.5' }))).toContain('not a whole number');
    expect(errorFor(withProp({ datatype: 'color', format: 'cmyk' }))).toBe('n/p: unknown color format "cmyk"');
    expect(errorFor(withProp({ datatype: 'color' }))).toContain('color format is missing');
    expect(errorFor(withProp({ datatype: 'integer', settable: 'yes' }))).toBe('n/p: settable must be a boolean');
    expect(errorFor(withProp({ datatype: 'integer', name: '' }))).toBe('n/p: name is empty');
    expect(errorFor({ homie: '5.0', version: 1, name: 'X', nodes: [{ id: 'n' }] })).toBe(
      '$description nodes must be an object keyed by node id',
    );
    expect(errorFor([1, 2])).toBe('$description is not a JSON object');
    expect(errorFor({ homie: '5.0', version: 'seven', name: 'X' })).toBe('$description version must be an integer');
  });

  it('removes the device on an empty $description or $state', () => {
    const a = new Homie5Adapter();
    describeDevice(a, 'vp4');
    expect(a.handleMessage('homie/5/vp4/$description', EMPTY, true)).toEqual([{ kind: 'device-removed', deviceId: 'homie5:vp4' }]);
    expect(a.schemaOf('homie5:vp4')).toBeUndefined();
    describeDevice(a, 'vp4');
    expect(a.handleMessage('homie/5/vp4/$state', EMPTY, true)).toEqual([{ kind: 'device-removed', deviceId: 'homie5:vp4' }]);
    expect(a.encodeSet('homie5:vp4', 'genlock/phase-h', 1).ok).toBe(false);
  });

  it('emits a new device event when the description version changes', () => {
    const a = new Homie5Adapter();
    describeDevice(a, 'vp4');
    const next = {
      ...VP4_DESCRIPTION,
      version: 8,
      nodes: { genlock: { properties: { 'phase-h': { datatype: 'integer', format: '-90:90', settable: true } } } },
    };
    const { device } = only(describeDevice(a, 'vp4', next), 'device');
    expect(device.version).toBe(8);
    expect(device.properties).toHaveLength(1);
    expect(a.encodeSet('homie5:vp4', 'genlock/phase-h', 100)).toEqual({ ok: false, error: 'phase-h: out of range -90..90' });
    expect(a.encodeSet('homie5:vp4', 'genlock/label', 'x').ok).toBe(false);
  });
});

describe('values', () => {
  it('parses property values by datatype and passes the retain flag on', () => {
    const a = new Homie5Adapter();
    describeDevice(a, 'vp4');
    const v = (prop: string, payload: string, retained = true): AdapterEvent[] =>
      a.handleMessage(`homie/5/vp4/genlock/${prop}`, bytes(payload), retained);
    expect(v('phase-h', '-25')).toEqual([
      { kind: 'value', deviceId: 'homie5:vp4', propertyId: 'genlock/phase-h', value: -25, retained: true },
    ]);
    expect(only(v('phase-v', '2.5', false), 'value')).toMatchObject({ value: 2.5, retained: false });
    expect(only(v('locked', 'true'), 'value').value).toBe(true);
    expect(only(v('source', 'external'), 'value').value).toBe('external');
    expect(only(v('tint', 'hsv,120,100,50'), 'value').value).toBe('hsv,120,100,50');
    expect(only(v('take-snapshot', 'true', false), 'value')).toMatchObject({ value: true, retained: false });
  });

  it('turns out-of-range and malformed payloads into value errors', () => {
    const a = new Homie5Adapter();
    describeDevice(a, 'vp4');
    expect(a.handleMessage('homie/5/vp4/genlock/phase-h', bytes('-200'), true)).toEqual([
      { kind: 'value-error', deviceId: 'homie5:vp4', propertyId: 'genlock/phase-h', error: 'out of range -180..180', raw: '-200' },
    ]);
    expect(only(a.handleMessage('homie/5/vp4/genlock/locked', bytes('TRUE'), true), 'value-error').error).toContain('true or false');
    const long = 'x'.repeat(500);
    const err = only(a.handleMessage('homie/5/vp4/genlock/phase-h', bytes(long), true), 'value-error');
    expect(err.raw).toBe('x'.repeat(200));
  });

  it('reads the Homie 5 NUL payload as an empty string and encodes it back', () => {
    const a = new Homie5Adapter();
    describeDevice(a, 'vp4');
    expect(only(a.handleMessage('homie/5/vp4/genlock/label', new Uint8Array([0]), true), 'value').value).toBe('');
    const set = a.encodeSet('homie5:vp4', 'genlock/label', '');
    expect(set).toEqual({ ok: true, command: { topic: 'homie/5/vp4/genlock/label/set', payload: '\u0000', retain: false } });
  });

  it('ignores an empty (cleared) payload and properties the schema does not list', () => {
    const a = new Homie5Adapter();
    describeDevice(a, 'vp4');
    expect(a.handleMessage('homie/5/vp4/genlock/phase-h', EMPTY, true)).toEqual([]);
    expect(a.handleMessage('homie/5/vp4/genlock/unlisted', bytes('1'), true)).toEqual([]);
    expect(a.handleMessage('homie/5/vp4/other/phase-h', bytes('1'), true)).toEqual([]);
  });

  it('reports invalid UTF-8 as a value error', () => {
    const a = new Homie5Adapter();
    describeDevice(a, 'vp4');
    const e = only(a.handleMessage('homie/5/vp4/genlock/label', new Uint8Array([0x61, 0xff, 0xfe, 0x62]), true), 'value-error');
    expect(e).toMatchObject({ deviceId: 'homie5:vp4', propertyId: 'genlock/label', error: 'payload is not valid UTF-8' });
    expect(e.raw).toBe('a\ufffd\ufffdb');
  });

  it('refuses payloads larger than 256 KiB without a value', () => {
    const a = new Homie5Adapter();
    describeDevice(a, 'vp4');
    const big = new Uint8Array(256 * 1024 + 1).fill(0x41);
    const e = only(a.handleMessage('homie/5/vp4/genlock/label', big, true), 'value-error');
    expect(e.error).toBe('payload of 262145 bytes is larger than 256 KB; not shown in full');
    expect(e.raw).toBe('A'.repeat(200));
    const atLimit = new Uint8Array(256 * 1024).fill(0x41);
    expect(only(a.handleMessage('homie/5/vp4/genlock/label', atLimit, true), 'value').value).toHaveLength(256 * 1024);
  });

  it('buffers values that arrive before the description and emits them after it', () => {
    const a = new Homie5Adapter();
    expect(a.handleMessage('homie/5/vp4/genlock/phase-h', bytes('10'), true)).toEqual([]);
    expect(a.handleMessage('homie/5/vp4/genlock/phase-h', bytes('12'), true)).toEqual([]);
    expect(a.handleMessage('homie/5/vp4/genlock/locked', bytes('maybe'), true)).toEqual([]);
    expect(a.handleMessage('homie/5/vp4/genlock/source', bytes('auto'), true)).toEqual([]);
    expect(a.handleMessage('homie/5/vp4/genlock/source', EMPTY, true)).toEqual([]);
    expect(a.handleMessage('homie/5/vp4/genlock/unlisted', bytes('1'), true)).toEqual([]);
    expect(a.handleMessage('homie/5/vp4/genlock/phase-v/$target', bytes('3'), true)).toEqual([]);
    const events = describeDevice(a, 'vp4');
    expect(events[0]?.kind).toBe('device');
    expect(events.slice(1)).toEqual([
      { kind: 'value', deviceId: 'homie5:vp4', propertyId: 'genlock/phase-h', value: 12, retained: true },
      { kind: 'value-error', deviceId: 'homie5:vp4', propertyId: 'genlock/locked', error: '"maybe" is not true or false', raw: 'maybe' },
      { kind: 'target', deviceId: 'homie5:vp4', propertyId: 'genlock/phase-v', value: 3 },
    ]);
    // The buffer was consumed: a repeated description does not replay old values.
    expect(describeDevice(a, 'vp4')).toHaveLength(1);
  });

  it('keeps buffering after a broken description and uses the corrected one', () => {
    const a = new Homie5Adapter();
    a.handleMessage('homie/5/vp4/$description', bytes('nope'), true);
    expect(a.handleMessage('homie/5/vp4/genlock/phase-h', bytes('7'), true)).toEqual([]);
    const events = describeDevice(a, 'vp4');
    expect(events.map((e) => e.kind)).toEqual(['device', 'value']);
  });

  it('bounds the buffer for devices that never describe themselves', () => {
    const a = new Homie5Adapter();
    for (let i = 0; i < 25_000; i++) a.handleMessage(`homie/5/ghost-${i}/n/p`, bytes('1'), true);
    a.handleMessage('homie/5/vp4/genlock/phase-h', bytes('9'), true);
    // The newest entries survive eviction of the oldest.
    expect(describeDevice(a, 'vp4').map((e) => e.kind)).toEqual(['device', 'value']);
    const ghostDoc = { homie: '5.0', version: 1, name: 'g', nodes: { n: { properties: { p: { datatype: 'integer' } } } } };
    expect(describeDevice(a, 'ghost-0', ghostDoc).map((e) => e.kind)).toEqual(['device']);
    expect(describeDevice(a, 'ghost-24999', ghostDoc).map((e) => e.kind)).toEqual(['device', 'value']);
  });
});

describe('other topics', () => {
  it('maps $state to availability', () => {
    const a = new Homie5Adapter();
    for (const s of ['init', 'ready', 'disconnected', 'sleeping', 'lost'] as const) {
      expect(a.handleMessage('homie/5/vp4/$state', bytes(s), true)).toEqual([
        { kind: 'availability', deviceId: 'homie5:vp4', availability: s },
      ]);
    }
    expect(only(a.handleMessage('homie/5/vp4/$state', bytes('READY'), true), 'availability').availability).toBe('unknown');
    expect(only(a.handleMessage('homie/5/vp4/$state', bytes('alert'), true), 'availability').availability).toBe('unknown');
  });

  it('parses $target with the property schema', () => {
    const a = new Homie5Adapter();
    describeDevice(a, 'vp4');
    expect(a.handleMessage('homie/5/vp4/genlock/phase-h/$target', bytes('45'), true)).toEqual([
      { kind: 'target', deviceId: 'homie5:vp4', propertyId: 'genlock/phase-h', value: 45 },
    ]);
    expect(only(a.handleMessage('homie/5/vp4/genlock/phase-h/$target', bytes('999'), true), 'value-error').error).toBe(
      'target: out of range -180..180',
    );
  });

  it('emits alerts and clears them with an empty payload', () => {
    const a = new Homie5Adapter();
    expect(a.handleMessage('homie/5/vp4/$alert/battery', bytes('Battery is low, at 8%'), true)).toEqual([
      { kind: 'alert', deviceId: 'homie5:vp4', alertId: 'battery', message: 'Battery is low, at 8%' },
    ]);
    expect(a.handleMessage('homie/5/vp4/$alert/battery', EMPTY, true)).toEqual([
      { kind: 'alert', deviceId: 'homie5:vp4', alertId: 'battery', message: '' },
    ]);
  });

  it('ignores /set topics, logs, broadcasts and unknown attributes', () => {
    const a = new Homie5Adapter();
    describeDevice(a, 'vp4');
    for (const topic of [
      'homie/5/vp4/genlock/phase-h/set',
      'homie/5/vp4/$log/warn',
      'homie/5/$broadcast/alert/now',
      'homie/5/vp4/$name',
      'homie/5/vp4/genlock/$name',
      'homie/5/vp4/genlock/phase-h/$other',
      'homie/5/vp4/genlock/phase-h/a/b',
      'homie/5/vp4//phase-h',
      'other/5/vp4/genlock/phase-h',
    ]) {
      expect(a.handleMessage(topic, bytes('12'), false), topic).toEqual([]);
    }
  });

  it('never throws, even for unexpected payload types', () => {
    const a = new Homie5Adapter();
    describeDevice(a, 'vp4');
    const events = a.handleMessage('homie/5/vp4/genlock/phase-h', null as unknown as Uint8Array, true);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'device-error', deviceId: 'homie5:vp4' });
  });
});

describe('encodeSet', () => {
  const a = new Homie5Adapter();
  describeDevice(a, 'vp4');

  it('validates and encodes a set on the /set topic, never retained', () => {
    expect(a.encodeSet('homie5:vp4', 'genlock/phase-h', -25)).toEqual({
      ok: true,
      command: { topic: 'homie/5/vp4/genlock/phase-h/set', payload: '-25', retain: false },
    });
    expect(a.encodeSet('homie5:vp4', 'genlock/source', 'auto')).toMatchObject({ ok: true, command: { payload: 'auto' } });
    expect(a.encodeSet('homie5:vp4', 'genlock/tint', 'rgb,255,0,0')).toMatchObject({ ok: true, command: { payload: 'rgb,255,0,0' } });
    expect(a.encodeSet('homie5:vp4', 'genlock/take-snapshot', true)).toMatchObject({ ok: true, command: { payload: 'true' } });
  });

  it('refuses out-of-range, off-step, read-only and unknown targets', () => {
    expect(a.encodeSet('homie5:vp4', 'genlock/phase-h', 200)).toEqual({ ok: false, error: 'Horizontal phase: out of range -180..180' });
    expect(a.encodeSet('homie5:vp4', 'genlock/phase-v', 0.3).ok).toBe(false);
    expect(a.encodeSet('homie5:vp4', 'genlock/locked', true)).toEqual({ ok: false, error: 'Locked: read-only' });
    expect(a.encodeSet('homie5:vp4', 'genlock/nope', 1)).toEqual({ ok: false, error: 'Video processor 4 has no property genlock/nope' });
    expect(a.encodeSet('homie5:nope', 'genlock/phase-h', 1)).toEqual({ ok: false, error: 'unknown device homie5:nope' });
    expect(a.encodeSet('homie4:vp4', 'genlock/phase-h', 1).ok).toBe(false);
  });

  it('uses the configured root; devices outside "homie" carry their root in their id', () => {
    const custom = new Homie5Adapter({ roots: ['studio'] });
    const { device } = only(describeDevice(custom, 'vp4', VP4_DESCRIPTION, 'studio'), 'device');
    expect(device.id).toBe('homie5:studio/vp4');
    expect(custom.encodeSet('homie5:studio/vp4', 'genlock/phase-h', 1)).toMatchObject({
      ok: true,
      command: { topic: 'studio/5/vp4/genlock/phase-h/set' },
    });
  });
});

describe('base topics found by the scan', () => {
  const doc = { homie: '5.0', version: 1, name: 'Mixer', nodes: { ch1: { name: 'Channel 1', properties: { level: { datatype: 'integer', format: '-60:10', settable: true } } } } };

  it('learns a device under another root from a valid $state, and only then its own filters', () => {
    const a = new Homie5Adapter();
    expect(a.handles('studio/5/mixer/$state')).toBe(true);
    expect(a.handles('studio/5/mixer/$description')).toBe(false);
    // Its values would be ignored until then: nothing to subscribe for it.
    expect(a.deviceSubscriptions('homie5:studio/mixer')).toEqual([]);
    expect(a.handleMessage('studio/5/mixer/$state', bytes('ready'), true)).toEqual([{ kind: 'availability', deviceId: 'homie5:studio/mixer', availability: 'ready' }]);
    expect(a.subscriptions().slice(-2)).toEqual(['studio/5/mixer/$description', 'studio/5/mixer/$alert/+']);
    expect(a.deviceSubscriptions('homie5:studio/mixer')).toEqual(['studio/5/mixer/$description', 'studio/5/mixer/+/+', 'studio/5/mixer/+/+/$target']);
    expect(a.handles('studio/5/mixer/$description')).toBe(true);
    expect(a.handles('studio/5/other/$description')).toBe(false);
    expect(only(describeDevice(a, 'mixer', doc, 'studio'), 'device').device.id).toBe('homie5:studio/mixer');
    expect(a.encodeSet('homie5:studio/mixer', 'ch1/level', -12)).toEqual({ ok: true, command: { topic: 'studio/5/mixer/ch1/level/set', payload: '-12', retain: false } });
  });

  it('a $state that is not a lifecycle state does not make a device outside the configured roots', () => {
    const a = new Homie5Adapter();
    expect(a.handleMessage('z2m/5/lamp/$state', bytes('ON'), true)).toEqual([]);
    expect(a.handles('z2m/5/lamp/$description')).toBe(false);
    // Under a configured root every $state counts, as before.
    expect(only(a.handleMessage('homie/5/x/$state', bytes('ON'), true), 'availability').availability).toBe('unknown');
  });

  it('an empty $state removes the found device and its filters', () => {
    const a = new Homie5Adapter();
    a.handleMessage('studio/5/mixer/$state', bytes('ready'), true);
    expect(a.handleMessage('studio/5/mixer/$state', EMPTY, true)).toEqual([{ kind: 'device-removed', deviceId: 'homie5:studio/mixer' }]);
    expect(a.subscriptions()).not.toContain('studio/5/mixer/$description');
    expect(a.deviceSubscriptions('homie5:studio/mixer')).toEqual([]);
    expect(a.handles('studio/5/mixer/ch1/level')).toBe(false);
  });

  it('with the scan off only configured roots are read', () => {
    const a = new Homie5Adapter({ roots: ['studio'], scan: false });
    expect(a.subscriptions()).not.toContain('+/5/+/$state');
    expect(a.handles('other/5/mixer/$state')).toBe(false);
    expect(a.handles('studio/5/mixer/$state')).toBe(true);
  });

  it('never claims wildcard or $-rooted topics from the scan', () => {
    const a = new Homie5Adapter();
    for (const t of ['+/5/x/$state', '$SYS/5/x/$state', 'a/5/+/$state', 'a/5/x/$stat', 'a/6/x/$state', 'a/5/x/y/$state']) expect(a.handles(t), t).toBe(false);
  });
});

describe('unsupported versions', () => {
  it('a $description of another major version is shown by name, without properties, with the reason', () => {
    const a = new Homie5Adapter();
    const events = describeDevice(a, 'future', { homie: '6.0', version: 1, name: 'Future device', nodes: { n: { properties: { p: { datatype: 'integer' } } } } });
    expect(events).toEqual([
      { kind: 'device', device: { id: 'homie5:future', name: 'Future device', convention: 'homie5', properties: [] } },
      { kind: 'device-error', deviceId: 'homie5:future', error: 'announces Homie 6.0; Holdfast reads Homie 3.0, 4.0 and 5.x' },
    ]);
    expect(a.encodeSet('homie5:future', 'n/p', 1)).toEqual({ ok: false, error: 'unknown device homie5:future' });
  });

  it('a Homie 3/4 version or garbage in $description says where it went wrong', () => {
    const a = new Homie5Adapter();
    const errorOf = (homie: unknown): string => {
      const e = describeDevice(a, 'x', { homie, version: 1 }).find((ev) => ev.kind === 'device-error');
      return e?.kind === 'device-error' ? e.error : '';
    };
    expect(errorOf('4.0')).toBe('$description declares Homie 4.0; Homie 3/4 devices are read from <root>/<device>/$homie');
    expect(errorOf('banana')).toBe('announces Homie "banana"; Holdfast reads Homie 3.0, 4.0 and 5.x');
    expect(errorOf(5)).toBe('');
    expect(errorOf('5.1')).toBe('');
  });
});

describe('nodes and non-retained commands', () => {
  const MIXER = {
    homie: '5.0',
    version: 3,
    name: 'Mixer',
    nodes: {
      ch1: { name: 'Channel 1', properties: { level: { name: 'Level', datatype: 'integer', format: '-60:10', settable: true }, mute: { name: 'Mute', datatype: 'boolean', settable: true } } },
      ch2: { name: 'Channel 2', properties: { level: { name: 'Level', datatype: 'integer', format: '-60:10', settable: true }, mute: { name: 'Mute', datatype: 'boolean', settable: true } } },
      scenes: {
        properties: {
          recall: { name: 'Recall', datatype: 'enum', format: 'preset-a,preset-b', settable: true, retained: false },
          nudge: { name: 'Nudge', datatype: 'integer', format: '-6:6', settable: true, retained: false },
        },
      },
    },
  };

  it('every property carries its node as its group; names repeat across groups', () => {
    const a = new Homie5Adapter();
    const { device } = only(describeDevice(a, 'mixer', MIXER), 'device');
    expect(device.properties.map((p) => [p.group?.name, p.name])).toEqual([
      ['Channel 1', 'Level'],
      ['Channel 1', 'Mute'],
      ['Channel 2', 'Level'],
      ['Channel 2', 'Mute'],
      ['scenes', 'Recall'],
      ['scenes', 'Nudge'],
    ]);
    expect(device.properties[4]).toMatchObject({ group: { id: 'scenes', name: 'scenes' }, momentary: true, retained: false, datatype: 'enum', options: ['preset-a', 'preset-b'] });
    expect(device.properties[5]).toMatchObject({ momentary: true, retained: false, datatype: 'integer', min: -6, max: 6 });
  });

  it('encodes a command by its datatype: the chosen enum value, the number; never true for a non-boolean', () => {
    const a = new Homie5Adapter();
    describeDevice(a, 'mixer', MIXER);
    expect(a.encodeSet('homie5:mixer', 'scenes/recall', 'preset-b')).toEqual({ ok: true, command: { topic: 'homie/5/mixer/scenes/recall/set', payload: 'preset-b', retain: false } });
    expect(a.encodeSet('homie5:mixer', 'scenes/nudge', -3)).toEqual({ ok: true, command: { topic: 'homie/5/mixer/scenes/nudge/set', payload: '-3', retain: false } });
    expect(a.encodeSet('homie5:mixer', 'scenes/recall', true)).toMatchObject({ ok: false, error: expect.stringMatching(/^Recall: "true" is not one of/) });
    expect(a.encodeSet('homie5:mixer', 'scenes/nudge', true)).toEqual({ ok: false, error: 'Nudge: must be a whole number' });
    expect(a.encodeSet('homie5:mixer', 'scenes/nudge', 7)).toEqual({ ok: false, error: 'Nudge: out of range -6..6' });
    expect(a.encodeSet('homie5:mixer', 'scenes/recall', 'preset-c').ok).toBe(false);
  });

  it('a non-retained value the device publishes is an event, reported as not retained', () => {
    const a = new Homie5Adapter();
    describeDevice(a, 'mixer', MIXER);
    expect(a.handleMessage('homie/5/mixer/scenes/recall', bytes('preset-a'), false)).toEqual([
      { kind: 'value', deviceId: 'homie5:mixer', propertyId: 'scenes/recall', value: 'preset-a', retained: false },
    ]);
  });
});
