import { describe, expect, it } from 'vitest';
import type { AdapterEvent } from '../../src/conventions/adapter.js';
import { Homie4Adapter } from '../../src/conventions/homie4.js';
import { Homie5Adapter } from '../../src/conventions/homie5.js';
import { createAdapters } from '../../src/conventions/registry.js';
import { ConventionRouter } from '../../src/status/router.js';
import type { DeviceSchema } from '../../src/model/types.js';

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);
const EMPTY = new Uint8Array(0);

type Msg = readonly [topic: string, payload: string];

/**
 * The Homie 4.0.0 example device from the specification ("super-car"), as
 * its retained messages: device, node and property attributes, then values.
 */
const SUPER_CAR: readonly Msg[] = [
  ['homie/super-car/$homie', '4.0.0'],
  ['homie/super-car/$name', 'Super car'],
  ['homie/super-car/$state', 'init'],
  ['homie/super-car/$nodes', 'wheels,engine,lights'],
  ['homie/super-car/$extensions', 'org.homie.legacy-stats:0.1.1:[4.x]'],
  ['homie/super-car/$implementation', 'esp8266'],
  ['homie/super-car/wheels/$name', 'Wheels'],
  ['homie/super-car/wheels/$type', 'Wheels'],
  ['homie/super-car/wheels/$properties', 'angle'],
  ['homie/super-car/wheels/angle/$name', 'Angle'],
  ['homie/super-car/wheels/angle/$datatype', 'float'],
  ['homie/super-car/wheels/angle/$format', '-45:45'],
  ['homie/super-car/wheels/angle/$unit', '°'],
  ['homie/super-car/engine/$name', 'Car engine'],
  ['homie/super-car/engine/$type', 'V8'],
  ['homie/super-car/engine/$properties', 'speed,direction,temperature'],
  ['homie/super-car/engine/speed/$name', 'Engine speed'],
  ['homie/super-car/engine/speed/$datatype', 'integer'],
  ['homie/super-car/engine/speed/$format', '0:8000'],
  ['homie/super-car/engine/speed/$unit', 'rpm'],
  ['homie/super-car/engine/direction/$name', 'Direction'],
  ['homie/super-car/engine/direction/$datatype', 'enum'],
  ['homie/super-car/engine/direction/$format', 'forward,backward'],
  ['homie/super-car/engine/direction/$settable', 'true'],
  ['homie/super-car/engine/temperature/$name', 'Engine temperature'],
  ['homie/super-car/engine/temperature/$datatype', 'float'],
  ['homie/super-car/engine/temperature/$unit', '°C'],
  ['homie/super-car/lights/$name', 'Lights'],
  ['homie/super-car/lights/$type', 'LED'],
  ['homie/super-car/lights/$properties', 'intensity,color,flash'],
  ['homie/super-car/lights/intensity/$name', 'Intensity'],
  ['homie/super-car/lights/intensity/$datatype', 'integer'],
  ['homie/super-car/lights/intensity/$format', '0:100'],
  ['homie/super-car/lights/intensity/$settable', 'true'],
  ['homie/super-car/lights/intensity/$unit', '%'],
  ['homie/super-car/lights/color/$name', 'Color'],
  ['homie/super-car/lights/color/$datatype', 'color'],
  ['homie/super-car/lights/color/$format', 'rgb'],
  ['homie/super-car/lights/color/$settable', 'true'],
  ['homie/super-car/lights/flash/$name', 'Flash'],
  ['homie/super-car/lights/flash/$datatype', 'boolean'],
  ['homie/super-car/lights/flash/$settable', 'true'],
  ['homie/super-car/lights/flash/$retained', 'false'],
  ['homie/super-car/wheels/angle', '10.5'],
  ['homie/super-car/engine/speed', '3500'],
  ['homie/super-car/engine/direction', 'forward'],
  ['homie/super-car/engine/temperature', '21.5'],
  ['homie/super-car/lights/intensity', '80'],
  ['homie/super-car/lights/color', '255,255,0'],
  ['homie/super-car/$state', 'ready'],
];

function feed(a: Homie4Adapter, messages: readonly Msg[]): AdapterEvent[] {
  return messages.flatMap(([t, p]) => a.handleMessage(t, bytes(p), true));
}
function devices(events: AdapterEvent[]): DeviceSchema[] {
  return events.flatMap((e) => (e.kind === 'device' ? [e.device] : []));
}
function values(events: AdapterEvent[]): Record<string, unknown> {
  return Object.fromEntries(events.flatMap((e) => (e.kind === 'value' ? [[e.propertyId, e.value]] : [])));
}
function errorsOf(events: AdapterEvent[]): string[] {
  return events.flatMap((e) => (e.kind === 'device-error' || e.kind === 'value-error' ? [e.error] : []));
}

describe('topics', () => {
  it('subscribes to attributes under the root by name, values per device, never to sets', () => {
    const a = new Homie4Adapter({ roots: ['site'], scan: false });
    expect(a.deviceSubscriptions('homie4:site/lamp')).toEqual(['site/lamp/+/+']);
    expect(a.subscriptions()).toEqual([
      'site/+/$homie',
      'site/+/$name',
      'site/+/$state',
      'site/+/$nodes',
      'site/+/+/$name',
      'site/+/+/$properties',
      'site/+/+/+/$name',
      'site/+/+/+/$datatype',
      'site/+/+/+/$format',
      'site/+/+/+/$settable',
      'site/+/+/+/$retained',
      'site/+/+/+/$unit',
    ]);
  });

  it('does not claim Homie 5 topics, $broadcast, or other roots', () => {
    const a = new Homie4Adapter();
    expect(a.handles('homie/super-car/$homie')).toBe(true);
    expect(a.handles('homie/super-car/engine/speed')).toBe(true);
    expect(a.handles('homie/5/vp4/$state')).toBe(false);
    expect(a.handles('homie/5/vp4/genlock/phase-h')).toBe(false);
    expect(a.handles('homie/$broadcast/alert')).toBe(false);
    expect(a.handles('homeassistant/switch/x/config')).toBe(false);
    expect(a.handles('homie')).toBe(false);
  });

  it('in the registry, Homie 5 gets homie/5/… and Homie 4 the rest', () => {
    const router = new ConventionRouter(createAdapters());
    const h5 = router.route('homie/5/vp4/$state', bytes('ready'), true);
    expect(h5).toEqual([{ kind: 'availability', deviceId: 'homie5:vp4', availability: 'ready' }]);
    router.route('homie/lamp/$homie', bytes('4.0.0'), true);
    expect(router.route('homie/lamp/$state', bytes('ready'), true)).toEqual([{ kind: 'availability', deviceId: 'homie4:lamp', availability: 'ready' }]);
  });
});

describe('schema built from attributes', () => {
  const WHEELS = { id: 'wheels', name: 'Wheels' };
  const ENGINE = { id: 'engine', name: 'Car engine' };
  const LIGHTS = { id: 'lights', name: 'Lights' };

  it('the spec example device, emitted once every property has $datatype and again as attributes refine it', () => {
    const a = new Homie4Adapter();
    const events = feed(a, SUPER_CAR);
    // Nothing before the last $datatype of the last listed property arrives.
    const firstDevice = events.findIndex((e) => e.kind === 'device');
    expect(firstDevice).toBeGreaterThan(0);
    expect(devices(events)[0]?.properties.map((p) => p.id)).toHaveLength(7);
    expect(devices(events).at(-1)).toEqual({
      id: 'homie4:super-car',
      name: 'Super car',
      convention: 'homie4',
      properties: [
        { id: 'wheels/angle', name: 'Angle', datatype: 'float', settable: false, retained: true, momentary: false, group: WHEELS, unit: '°', format: '-45:45', min: -45, max: 45 },
        { id: 'engine/speed', name: 'Engine speed', datatype: 'integer', settable: false, retained: true, momentary: false, group: ENGINE, unit: 'rpm', format: '0:8000', min: 0, max: 8000 },
        { id: 'engine/direction', name: 'Direction', datatype: 'enum', settable: true, retained: true, momentary: false, group: ENGINE, format: 'forward,backward', options: ['forward', 'backward'] },
        { id: 'engine/temperature', name: 'Engine temperature', datatype: 'float', settable: false, retained: true, momentary: false, group: ENGINE, unit: '°C' },
        { id: 'lights/intensity', name: 'Intensity', datatype: 'integer', settable: true, retained: true, momentary: false, group: LIGHTS, unit: '%', format: '0:100', min: 0, max: 100 },
        { id: 'lights/color', name: 'Color', datatype: 'color', settable: true, retained: true, momentary: false, group: LIGHTS, format: 'rgb' },
        // Non-retained: a command with a value (momentary), its real datatype kept.
        { id: 'lights/flash', name: 'Flash', datatype: 'boolean', settable: true, retained: false, momentary: true, group: LIGHTS },
      ],
    });
    expect(values(events)).toEqual({
      'wheels/angle': 10.5,
      'engine/speed': 3500,
      'engine/direction': 'forward',
      'engine/temperature': 21.5,
      'lights/intensity': 80,
      'lights/color': 'rgb,255,255,0',
    });
    expect(events.filter((e) => e.kind === 'availability').map((e) => (e.kind === 'availability' ? e.availability : ''))).toEqual(['init', 'ready']);
  });

  it('values that arrive before their schema are reported with it (retained order is not guaranteed)', () => {
    const a = new Homie4Adapter();
    const reversed = [...SUPER_CAR].reverse();
    const events = feed(a, reversed);
    expect(devices(events).length).toBeGreaterThanOrEqual(1);
    expect(values(events)).toMatchObject({ 'engine/speed': 3500, 'lights/color': 'rgb,255,255,0' });
    // Each buffered value is reported once, never again on a later schema change.
    const later = feed(a, [['homie/super-car/$name', 'Renamed car']]);
    expect(devices(later).map((d) => d.name)).toEqual(['Renamed car']);
    expect(values(later)).toEqual({});
  });

  it('waits for every listed property\'s $datatype', () => {
    const a = new Homie4Adapter();
    const events = feed(a, [
      ['homie/d/$homie', '4.0.0'],
      ['homie/d/$nodes', 'n'],
      ['homie/d/n/$properties', 'a,b'],
      ['homie/d/n/a/$datatype', 'integer'],
    ]);
    expect(devices(events)).toEqual([]);
    expect(devices(feed(a, [['homie/d/n/b/$datatype', 'string']])).map((d) => d.properties.map((p) => p.id))).toEqual([['n/a', 'n/b']]);
  });

  it('emits again when the schema changes, not when attributes are re-published unchanged', () => {
    const a = new Homie4Adapter();
    feed(a, SUPER_CAR);
    expect(feed(a, SUPER_CAR.filter(([t]) => !t.endsWith('$state')).slice(0, -6))).toEqual([]);
    const changed = feed(a, [['homie/super-car/engine/speed/$format', '0:9000']]);
    expect(devices(changed)[0]?.properties.find((p) => p.id === 'engine/speed')?.max).toBe(9000);
  });

  it('Homie 3: array nodes keep their base id, $datatype defaults to string once $state is ready', () => {
    const a = new Homie4Adapter();
    const events = feed(a, [
      ['homie/old/$homie', '3.0.1'],
      ['homie/old/$name', 'Homie 3 device'],
      ['homie/old/$nodes', 'lights[],switch'],
      ['homie/old/lights/$name', 'Lights'],
      ['homie/old/lights/$properties', 'intensity'],
      ['homie/old/lights/$array', '0-1'],
      ['homie/old/lights_0/$name', 'Front'],
      ['homie/old/lights/intensity/$settable', 'true'],
      ['homie/old/switch/$properties', 'on'],
      ['homie/old/switch/on/$datatype', 'boolean'],
      ['homie/old/lights/intensity', 'bright'],
    ]);
    expect(devices(events)).toEqual([]);
    const ready = feed(a, [['homie/old/$state', 'ready']]);
    expect(devices(ready)[0]?.properties).toEqual([
      { id: 'lights/intensity', name: 'intensity', datatype: 'string', settable: true, retained: true, momentary: false, group: { id: 'lights', name: 'Lights' } },
      // A node without $name is shown under its id.
      { id: 'switch/on', name: 'on', datatype: 'boolean', settable: false, retained: true, momentary: false, group: { id: 'switch', name: 'switch' } },
    ]);
    expect(values(ready)).toEqual({ 'lights/intensity': 'bright' });
  });

  it('Homie 3: a value read as a string before its $datatype arrived is read again under the new definition', () => {
    const a = new Homie4Adapter();
    const early = feed(a, [
      ['homie/t/$homie', '3.0'],
      ['homie/t/$state', 'ready'],
      ['homie/t/$nodes', 'n'],
      ['homie/t/n/temperature', '10'],
      ['homie/t/n/$properties', 'temperature'],
    ]);
    expect(values(early)).toEqual({ 'n/temperature': '10' });
    const typed = feed(a, [['homie/t/n/temperature/$datatype', 'float']]);
    expect(values(typed)).toEqual({ 'n/temperature': 10 });
    // Unchanged definition, same payload: not reported again.
    expect(values(feed(a, [['homie/t/$name', 'Thermometer']]))).toEqual({});
  });

  it('shows a device whose $homie is not 3.x or 4.x by name, with no properties and the reason', () => {
    const a = new Homie4Adapter();
    const events = feed(a, [
      ['homie/h2/$homie', '2.0.1'],
      ['homie/h2/$state', 'ready'],
      ['homie/h2/$nodes', 'n'],
      ['homie/h2/n/$properties', 'p'],
      ['homie/h2/n/p/$datatype', 'string'],
      ['homie/h2/n/p', 'x'],
      ['homie/h2/$name', 'Old relay'],
    ]);
    const error = 'announces Homie 2.0.1; Holdfast reads Homie 3.0, 4.0 and 5.x';
    expect(events).toEqual([
      { kind: 'device', device: { id: 'homie4:h2', name: 'h2', convention: 'homie4', properties: [] } },
      { kind: 'device-error', deviceId: 'homie4:h2', error },
      // Renamed: shown again, the error after it (a device event clears the shown error).
      { kind: 'device', device: { id: 'homie4:h2', name: 'Old relay', convention: 'homie4', properties: [] } },
      { kind: 'device-error', deviceId: 'homie4:h2', error },
    ]);
    expect(a.encodeSet('homie4:h2', 'n/p', 'x')).toMatchObject({ ok: false });
    expect(errorsOf(feed(a, [['homie/g/$homie', 'six']]))).toEqual(['announces Homie "six"; Holdfast reads Homie 3.0, 4.0 and 5.x']);
  });

  it('a device that turns out not to be Homie 3/4 after all loses its properties and says why', () => {
    const a = new Homie4Adapter();
    feed(a, SUPER_CAR);
    const events = feed(a, [['homie/super-car/$homie', '5.0']]);
    expect(devices(events)).toEqual([{ id: 'homie4:super-car', name: 'Super car', convention: 'homie4', properties: [] }]);
    expect(errorsOf(events)).toEqual(['announces Homie 5.0 with $homie, the Homie 3/4 layout; Homie 5 devices are read from <root>/5/<device>/$description']);
    expect(events).toContainEqual({ kind: 'availability', deviceId: 'homie4:super-car', availability: 'unknown' });
    expect(a.encodeSet('homie4:super-car', 'lights/intensity', 1)).toMatchObject({ ok: false });
    expect(a.handleMessage('homie/super-car/engine/speed', bytes('100'), true)).toEqual([]);
    // Back to a version it reads: the schema returns.
    expect(devices(feed(a, [['homie/super-car/$homie', '4.0.0']]))[0]?.properties).toHaveLength(7);
  });

  it('an empty $homie removes the device', () => {
    const a = new Homie4Adapter();
    feed(a, SUPER_CAR);
    expect(a.handleMessage('homie/super-car/$homie', EMPTY, true)).toEqual([{ kind: 'device-removed', deviceId: 'homie4:super-car' }]);
    expect(a.encodeSet('homie4:super-car', 'lights/intensity', 1)).toMatchObject({ ok: false });
    expect(a.handleMessage('homie/never-seen/$homie', EMPTY, true)).toEqual([]);
  });

  it('ignores $stats, $fw and other extension topics', () => {
    const a = new Homie4Adapter();
    feed(a, SUPER_CAR);
    expect(feed(a, [
      ['homie/super-car/$stats/uptime', '120'],
      ['homie/super-car/$fw/name', 'fw'],
      ['homie/super-car/$localip', '10.0.0.2'],
      ['homie/super-car/engine/$type', 'V12'],
      ['homie/super-car/engine/speed/set', '100'],
    ])).toEqual([]);
  });
});

describe('values and sets', () => {
  const ready = (): Homie4Adapter => {
    const a = new Homie4Adapter();
    feed(a, SUPER_CAR);
    return a;
  };

  it('encodes sets to …/set, colours bare as Homie 4 wants', () => {
    const a = ready();
    expect(a.encodeSet('homie4:super-car', 'lights/intensity', 42)).toEqual({
      ok: true,
      command: { topic: 'homie/super-car/lights/intensity/set', payload: '42', retain: false },
    });
    expect(a.encodeSet('homie4:super-car', 'lights/color', 'rgb,0,128,255')).toMatchObject({ ok: true, command: { payload: '0,128,255' } });
    expect(a.encodeSet('homie4:super-car', 'lights/color', '10,20,30')).toMatchObject({ ok: true, command: { payload: '10,20,30' } });
    expect(a.encodeSet('homie4:super-car', 'lights/color', 'hsv,10,20,30')).toMatchObject({ ok: false });
    expect(a.encodeSet('homie4:super-car', 'engine/direction', 'backward')).toMatchObject({ ok: true, command: { payload: 'backward' } });
    expect(a.encodeSet('homie4:super-car', 'lights/flash', true)).toMatchObject({ ok: true, command: { payload: 'true' } });
    expect(a.encodeSet('homie4:super-car', 'lights/intensity', 101)).toMatchObject({ ok: false, error: expect.stringMatching(/out of range/) });
    expect(a.encodeSet('homie4:super-car', 'engine/speed', 100)).toMatchObject({ ok: false, error: 'Engine speed: read-only' });
    expect(a.encodeSet('homie4:super-car', 'engine/nope', 1)).toMatchObject({ ok: false });
    expect(a.encodeSet('homie4:other', 'engine/speed', 1)).toMatchObject({ ok: false });
  });

  it('reports values by the declared type, with the MQTT retain flag', () => {
    const a = ready();
    expect(a.handleMessage('homie/super-car/lights/flash', bytes('true'), false)).toEqual([
      { kind: 'value', deviceId: 'homie4:super-car', propertyId: 'lights/flash', value: true, retained: false },
    ]);
    expect(a.handleMessage('homie/super-car/lights/color', bytes('0,0,255'), true)).toEqual([
      { kind: 'value', deviceId: 'homie4:super-car', propertyId: 'lights/color', value: 'rgb,0,0,255', retained: true },
    ]);
  });

  it('payloads that do not parse, empty payloads, and payloads over 256 KB', () => {
    const a = ready();
    expect(a.handleMessage('homie/super-car/engine/speed', bytes('fast'), true)).toEqual([
      { kind: 'value-error', deviceId: 'homie4:super-car', propertyId: 'engine/speed', error: '"fast" is not a whole number', raw: 'fast' },
    ]);
    expect(errorsOf(a.handleMessage('homie/super-car/engine/speed', bytes('9000'), true))).toEqual(['out of range 0..8000']);
    expect(errorsOf(a.handleMessage('homie/super-car/engine/direction', bytes('sideways'), true))).toEqual(['"sideways" is not one of: forward, backward']);
    expect(errorsOf(a.handleMessage('homie/super-car/lights/color', bytes('300,0,0'), true))).toEqual(['rgb colour: 300 is out of range 0..255']);
    expect(a.handleMessage('homie/super-car/engine/speed', EMPTY, true)).toEqual([]);
    const big = new Uint8Array(300 * 1024).fill(0x35);
    expect(errorsOf(a.handleMessage('homie/super-car/engine/speed', big, true))).toEqual(['payload of 307200 bytes is larger than 256 KB; not shown in full']);
    expect(errorsOf(a.handleMessage('homie/super-car/engine/speed', new Uint8Array([0xc3, 0x28]), true))).toEqual(['payload is not valid UTF-8']);
  });
});

describe('bad input', () => {
  function withProperty(attrs: Record<string, string>): AdapterEvent[] {
    const a = new Homie4Adapter();
    return feed(a, [
      ['homie/bad/$homie', '4.0.0'],
      ['homie/bad/$nodes', 'n'],
      ['homie/bad/n/$properties', 'p'],
      ...Object.entries(attrs).map(([k, v]) => [`homie/bad/n/p/${k}`, v] as const),
    ]);
  }

  it.each([
    [{ $datatype: 'integer', $format: '10:5' }, /min 10 is greater than max 5/],
    [{ $datatype: 'integer', $format: 'low:high' }, /is not a whole number/],
    [{ $datatype: 'enum' }, /enum has no values/],
    [{ $datatype: 'color' }, /color \$format must be "rgb" or "hsv"/],
    [{ $datatype: 'color', $format: 'rgb,hsv' }, /color \$format must be "rgb" or "hsv"/],
    [{ $datatype: 'bigint' }, /unknown \$datatype "bigint"/],
    [{ $datatype: 'string', $settable: 'yes' }, /\$settable "yes" is not true or false/],
  ] as const)('%o is a device error', (attrs, message) => {
    const events = withProperty(attrs);
    const last = events.at(-1);
    expect(last?.kind).toBe('device-error');
    expect(last?.kind === 'device-error' ? last.error : '').toMatch(message);
    expect(events.filter((e) => e.kind === 'device-error')).toHaveLength(new Set(errorsOf(events)).size);
  });

  it('odd ids in $nodes / $properties are errors; wildcard topics are never claimed', () => {
    const a = new Homie4Adapter();
    const events = feed(a, [
      ['homie/odd/$homie', '4.0.0'],
      ['homie/odd/$nodes', 'ok,bad+node'],
      ['homie/odd/ok/$properties', 'p'],
      ['homie/odd/ok/p/$datatype', 'string'],
    ]);
    expect(errorsOf(events)).toEqual([expect.stringMatching(/bad\+node/)]);
    expect(a.handles('homie/+/$homie')).toBe(false);
    expect(a.handleMessage('homie/#', bytes('x'), true)).toEqual([]);
  });

  it('markup in names stays plain text', () => {
    const a = new Homie4Adapter();
    const events = feed(a, [
      ['homie/m/$homie', '4.0.0'],
      ['homie/m/$name', '<script>alert(1)</script>'],
      ['homie/m/$nodes', 'n'],
      ['homie/m/n/$properties', 'p'],
      ['homie/m/n/p/$name', '<b>bold</b>'],
      ['homie/m/n/p/$datatype', 'string'],
    ]);
    expect(devices(events)[0]).toMatchObject({ name: '<script>alert(1)</script>', properties: [{ name: '<b>bold</b>' }] });
  });

  it('an oversized attribute is a device error; one broken device leaves another alone', () => {
    const a = new Homie4Adapter();
    feed(a, SUPER_CAR);
    const big = new Uint8Array(70 * 1024).fill(0x61);
    const events = [
      ...feed(a, [['homie/bad/$homie', '4.0.0']]),
      ...a.handleMessage('homie/bad/$nodes', big, true),
      ...feed(a, [['homie/bad/n/p/$datatype', 'nonsense']]),
    ];
    expect(events.every((e) => e.kind === 'device-error' && e.deviceId === 'homie4:bad')).toBe(true);
    expect(errorsOf(events)[0]).toMatch(/\$nodes: payload of 71680 bytes is larger than 64 KB/);
    expect(values(a.handleMessage('homie/super-car/engine/speed', bytes('1200'), true))).toEqual({ 'engine/speed': 1200 });
  });

  it('a device that becomes contradictory loses its schema (no sets) until fixed', () => {
    const a = new Homie4Adapter();
    feed(a, SUPER_CAR);
    expect(errorsOf(feed(a, [['homie/super-car/lights/intensity/$format', '100:0']]))).toEqual([expect.stringMatching(/greater than max/)]);
    expect(a.encodeSet('homie4:super-car', 'lights/intensity', 5)).toMatchObject({ ok: false });
    expect(a.handleMessage('homie/super-car/lights/intensity', bytes('50'), true)).toEqual([]);
    const fixed = feed(a, [['homie/super-car/lights/intensity/$format', '0:100']]);
    expect(devices(fixed)).toHaveLength(1);
    expect(values(fixed)).toEqual({ 'lights/intensity': 50 });
  });

  it('Homie 5 devices under the same root are not Homie 4 devices', () => {
    const h4 = new Homie4Adapter();
    const h5 = new Homie5Adapter();
    expect(h4.handles('homie/5/vp4/$description')).toBe(false);
    expect(h5.handles('homie/5/vp4/$description')).toBe(true);
  });
});

describe('base topics found by the scan', () => {
  const lamp = (root: string): Msg[] => [
    [`${root}/lamp/$homie`, '4.0.0'],
    [`${root}/lamp/$name`, 'Lamp'],
    [`${root}/lamp/$nodes`, 'light'],
    [`${root}/lamp/light/$name`, 'Light'],
    [`${root}/lamp/light/$properties`, 'power'],
    [`${root}/lamp/light/power/$datatype`, 'boolean'],
    [`${root}/lamp/light/power/$settable`, 'true'],
    [`${root}/lamp/$state`, 'ready'],
  ];

  it('subscribes to the spec\'s +/+/$homie and learns a found device\'s own filters', () => {
    const a = new Homie4Adapter();
    expect(a.subscriptions()[0]).toBe('+/+/$homie');
    expect(a.subscriptions()).not.toContain('homie/+/$homie');
    expect(a.handles('valetudo/robot/$homie')).toBe(true);
    expect(a.handles('valetudo/robot/$name')).toBe(false);
    expect(a.deviceSubscriptions('homie4:valetudo/lamp')).toEqual([]);
    feed(a, lamp('valetudo').slice(0, 1));
    expect(a.subscriptions()).toContain('valetudo/lamp/$nodes');
    expect(a.subscriptions()).toContain('valetudo/lamp/+/$properties');
    expect(a.subscriptions()).toContain('valetudo/lamp/+/+/$datatype');
    expect(a.subscriptions()).not.toContain('valetudo/lamp/+/+');
    expect(a.deviceSubscriptions('homie4:valetudo/lamp')).toEqual(['valetudo/lamp/+/+']);
    expect(a.handles('valetudo/lamp/light/power')).toBe(true);
    expect(a.handles('valetudo/other/light/power')).toBe(false);
    const events = feed(a, lamp('valetudo').slice(1));
    expect(devices(events).at(-1)).toMatchObject({ id: 'homie4:valetudo/lamp', name: 'Lamp', properties: [{ id: 'light/power', group: { id: 'light', name: 'Light' } }] });
    expect(a.encodeSet('homie4:valetudo/lamp', 'light/power', true)).toEqual({ ok: true, command: { topic: 'valetudo/lamp/light/power/set', payload: 'true', retain: false } });
  });

  it('a found device of a version it cannot read costs one filter: its $name', () => {
    const a = new Homie4Adapter();
    const before = a.subscriptions().length;
    feed(a, [['old/relay/$homie', '2.0.1']]);
    expect(a.subscriptions().slice(before)).toEqual(['old/relay/$name']);
    expect(a.deviceSubscriptions('homie4:old/relay')).toEqual([]);
    expect(devices(feed(a, [['old/relay/$name', 'Relay']]))).toEqual([{ id: 'homie4:old/relay', name: 'Relay', convention: 'homie4', properties: [] }]);
  });

  it('an empty $homie forgets a found device and its filters', () => {
    const a = new Homie4Adapter();
    feed(a, lamp('site'));
    expect(a.handleMessage('site/lamp/$homie', EMPTY, true)).toEqual([{ kind: 'device-removed', deviceId: 'homie4:site/lamp' }]);
    expect(a.subscriptions()).not.toContain('site/lamp/$nodes');
    expect(a.handles('site/lamp/light/power')).toBe(false);
  });

  it('configured roots, nested ones included, are read without the scan', () => {
    const a = new Homie4Adapter({ roots: ['plant/floor-1'], scan: false });
    expect(a.subscriptions()).toEqual(expect.arrayContaining(['plant/floor-1/+/$homie', 'plant/floor-1/+/+/$properties', 'plant/floor-1/+/+/+/$datatype']));
    expect(a.deviceSubscriptions('homie4:plant/floor-1/lamp')).toEqual(['plant/floor-1/lamp/+/+']);
    expect(a.subscriptions()).not.toContain('+/+/$homie');
    expect(a.handles('valetudo/robot/$homie')).toBe(false);
    const events = feed(a, lamp('plant/floor-1'));
    expect(devices(events).at(-1)?.id).toBe('homie4:plant/floor-1/lamp');
    expect(a.encodeSet('homie4:plant/floor-1/lamp', 'light/power', false)).toMatchObject({ ok: true, command: { topic: 'plant/floor-1/lamp/light/power/set' } });
  });

  it('claims exactly the scan topic elsewhere: no other adapter\'s topics, no wildcards, no device "5"', () => {
    const a = new Homie4Adapter();
    for (const t of ['homeassistant/switch/x/config', 'zigbee2mqtt/bridge/devices', 'tasmota/tele/x/STATE', 'x/5/$homie', 'homie/5/vp4/$state', '+/x/$homie', 'x/+/$homie', '$SYS/x/$homie', 'x/y/z/$homie']) {
      expect(a.handles(t), t).toBe(false);
    }
  });

  it('in the registry a topic belongs to exactly one Homie adapter, also under a found root', () => {
    const router = new ConventionRouter(createAdapters());
    expect(router.route('studio/5/desk/$state', bytes('ready'), true)).toEqual([{ kind: 'availability', deviceId: 'homie5:studio/desk', availability: 'ready' }]);
    router.route('studio/lamp/$homie', bytes('4.0.0'), true);
    expect(router.route('studio/lamp/$state', bytes('lost'), true)).toEqual([{ kind: 'availability', deviceId: 'homie4:studio/lamp', availability: 'lost' }]);
    const subs = router.takeNewSubscriptions();
    expect(subs).toContain('studio/5/desk/$description');
    expect(subs).toContain('studio/lamp/$nodes');
    expect(subs.some((f) => f.startsWith('studio/5/') && f.includes('$nodes'))).toBe(false);
  });
});

describe('enum values', () => {
  const withEnum = (homie: string, format: string): DeviceSchema | undefined =>
    devices(
      feed(new Homie4Adapter(), [
        ['homie/e/$homie', homie],
        ['homie/e/$nodes', 'n'],
        ['homie/e/n/$properties', 'p'],
        ['homie/e/n/p/$datatype', 'enum'],
        ['homie/e/n/p/$format', format],
      ]),
    ).at(-1);

  it('Homie 3.0.1 escapes a comma in a value as ",," (its spec: "Escape , by using ,,")', () => {
    expect(withEnum('3.0.1', 'A,,B,C')?.properties[0]?.options).toEqual(['A,B', 'C']);
    expect(withEnum('3.0.1', 'ON,OFF,PAUSE')?.properties[0]?.options).toEqual(['ON', 'OFF', 'PAUSE']);
  });

  it('Homie 4.0 has no escape: ",," is an empty value, a schema error', () => {
    const a = new Homie4Adapter();
    const events = feed(a, [
      ['homie/e/$homie', '4.0.0'],
      ['homie/e/$nodes', 'n'],
      ['homie/e/n/$properties', 'p'],
      ['homie/e/n/p/$datatype', 'enum'],
      ['homie/e/n/p/$format', 'A,,B'],
    ]);
    // Before $format arrives the enum has no values at all; then the empty one is the error.
    expect(errorsOf(events).at(-1)).toBe('n/p: enum has an empty value');
    expect(a.encodeSet('homie4:e', 'n/p', 'A')).toMatchObject({ ok: false });
  });

  it('an escaped value is sent as the value itself', () => {
    const a = new Homie4Adapter();
    feed(a, [
      ['homie/e/$homie', '3.0.1'],
      ['homie/e/$nodes', 'n'],
      ['homie/e/n/$properties', 'p'],
      ['homie/e/n/p/$datatype', 'enum'],
      ['homie/e/n/p/$settable', 'true'],
      ['homie/e/n/p/$retained', 'false'],
      ['homie/e/n/p/$format', 'A,,B,C'],
    ]);
    expect(a.encodeSet('homie4:e', 'n/p', 'A,B')).toEqual({ ok: true, command: { topic: 'homie/e/n/p/set', payload: 'A,B', retain: false } });
    expect(a.encodeSet('homie4:e', 'n/p', true)).toMatchObject({ ok: false });
  });
});
