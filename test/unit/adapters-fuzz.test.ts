import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AdapterEvent, ConventionAdapter } from '../../src/conventions/adapter.js';
import { HaDiscoveryAdapter } from '../../src/conventions/ha/adapter.js';
import { Homie4Adapter } from '../../src/conventions/homie4.js';
import { Homie5Adapter } from '../../src/conventions/homie5.js';
import { MappedAdapter, parseMapping } from '../../src/conventions/mapped.js';
import { Zigbee2mqttAdapter } from '../../src/conventions/zigbee2mqtt.js';
import type { DeviceSchema, PropertyValue } from '../../src/model/types.js';

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);
const RUNS = 600;

type Msg = readonly [topic: string, payload: string];

interface WithSchema extends ConventionAdapter {
  schemaOf(deviceId: string): DeviceSchema | undefined;
}

/** Two healthy devices per adapter: garbage is aimed at A, B must not notice. */
interface Case {
  readonly name: string;
  make(): WithSchema;
  readonly bId: string;
  /** A valid message for B and the value it must still produce afterwards. */
  readonly bProbe: { readonly topic: string; readonly payload: string; readonly propertyId: string; readonly value: PropertyValue };
  /** A set on B that must still encode the same way afterwards. */
  readonly bSet: { readonly propertyId: string; readonly value: PropertyValue };
  /** Where A lives: garbage topics are built under these. */
  readonly aPrefixes: readonly string[];
  /** A's real topics (garbage payloads go there too). */
  readonly aTopics: readonly string[];
  /** Topics that belong to B: random topics never hit them. */
  readonly bPrefixes: readonly string[];
  /** A's JSON documents, to be mutated. */
  readonly aDocs: readonly { readonly topic: string; readonly doc: unknown }[];
}

function feed(a: ConventionAdapter, messages: readonly Msg[]): AdapterEvent[] {
  return messages.flatMap(([t, p]) => a.handleMessage(t, bytes(p), true));
}

// ---- Homie 5 ----
const H5_DOC = (name: string) => ({
  homie: '5.0',
  version: 1,
  name,
  nodes: { n: { properties: { level: { datatype: 'integer', format: '0:100', settable: true }, mode: { datatype: 'enum', format: 'a,b', settable: true } } } },
});
const homie5: Case = {
  name: 'homie5',
  make() {
    const a = new Homie5Adapter();
    feed(a, [
      ['homie/5/dev-a/$description', JSON.stringify(H5_DOC('A'))],
      ['homie/5/dev-a/$state', 'ready'],
      ['homie/5/dev-b/$description', JSON.stringify(H5_DOC('B'))],
      ['homie/5/dev-b/$state', 'ready'],
      ['homie/5/dev-b/n/level', '10'],
    ]);
    return a;
  },
  bId: 'homie5:dev-b',
  bProbe: { topic: 'homie/5/dev-b/n/level', payload: '42', propertyId: 'n/level', value: 42 },
  bSet: { propertyId: 'n/level', value: 7 },
  aPrefixes: ['homie/5/dev-a/', 'homie/5/'],
  aTopics: ['homie/5/dev-a/$description', 'homie/5/dev-a/$state', 'homie/5/dev-a/n/level', 'homie/5/dev-a/n/mode', 'homie/5/dev-a/n/level/$target', 'homie/5/dev-a/$alert/x'],
  bPrefixes: ['homie/5/dev-b'],
  aDocs: [{ topic: 'homie/5/dev-a/$description', doc: H5_DOC('A') }],
};

// ---- Homie 4 ----
const h4Device = (id: string, name: string, root = 'homie'): Msg[] => [
  [`${root}/${id}/$homie`, '4.0.0'],
  [`${root}/${id}/$name`, name],
  [`${root}/${id}/$nodes`, 'light'],
  [`${root}/${id}/light/$properties`, 'power,dimmer'],
  [`${root}/${id}/light/power/$datatype`, 'boolean'],
  [`${root}/${id}/light/power/$settable`, 'true'],
  [`${root}/${id}/light/dimmer/$datatype`, 'integer'],
  [`${root}/${id}/light/dimmer/$format`, '0:100'],
  [`${root}/${id}/light/dimmer/$settable`, 'true'],
  [`${root}/${id}/$state`, 'ready'],
  [`${root}/${id}/light/dimmer`, '10'],
];
const homie4: Case = {
  name: 'homie4',
  make() {
    const a = new Homie4Adapter();
    feed(a, [...h4Device('lamp-a', 'A'), ...h4Device('lamp-b', 'B')]);
    return a;
  },
  bId: 'homie4:lamp-b',
  bProbe: { topic: 'homie/lamp-b/light/dimmer', payload: '42', propertyId: 'light/dimmer', value: 42 },
  bSet: { propertyId: 'light/dimmer', value: 7 },
  aPrefixes: ['homie/lamp-a/', 'homie/lamp-a/light/', 'homie/lamp-a/light/dimmer/'],
  aTopics: h4Device('lamp-a', 'A').map(([t]) => t),
  bPrefixes: ['homie/lamp-b'],
  aDocs: [],
};

// ---- Homie 4 and 5 under a base topic found by the scan ----
const homie4Found: Case = {
  ...homie4,
  name: 'homie4 (found root)',
  make() {
    const a = new Homie4Adapter();
    feed(a, [...h4Device('lamp-a', 'A', 'site'), ...h4Device('lamp-b', 'B', 'site')]);
    return a;
  },
  bId: 'homie4:site/lamp-b',
  bProbe: { topic: 'site/lamp-b/light/dimmer', payload: '42', propertyId: 'light/dimmer', value: 42 },
  aPrefixes: ['site/lamp-a/', 'site/', '', 'other/'],
  aTopics: h4Device('lamp-a', 'A', 'site').map(([t]) => t),
  bPrefixes: ['site/lamp-b'],
};
const homie5Found: Case = {
  ...homie5,
  name: 'homie5 (found root)',
  make() {
    const a = new Homie5Adapter();
    feed(a, [
      ['studio/5/dev-a/$state', 'ready'],
      ['studio/5/dev-a/$description', JSON.stringify(H5_DOC('A'))],
      ['studio/5/dev-b/$state', 'ready'],
      ['studio/5/dev-b/$description', JSON.stringify(H5_DOC('B'))],
      ['studio/5/dev-b/n/level', '10'],
    ]);
    return a;
  },
  bId: 'homie5:studio/dev-b',
  bProbe: { topic: 'studio/5/dev-b/n/level', payload: '42', propertyId: 'n/level', value: 42 },
  aPrefixes: ['studio/5/dev-a/', 'studio/5/', '', 'other/5/'],
  aTopics: ['studio/5/dev-a/$description', 'studio/5/dev-a/$state', 'studio/5/dev-a/n/level', 'studio/5/dev-a/$alert/x'],
  bPrefixes: ['studio/5/dev-b'],
  aDocs: [{ topic: 'studio/5/dev-a/$description', doc: H5_DOC('A') }],
};

// ---- Home Assistant ----
const haNumber = (dev: string) => ({
  name: 'Speed',
  stat_t: `${dev}/number/speed/state`,
  cmd_t: `${dev}/number/speed/command`,
  min: 0,
  max: 100,
  avty: [{ t: `${dev}/status` }],
  uniq_id: `${dev}-speed`,
  dev: { ids: [`${dev}-id`], name: dev, mf: 'espressif' },
});
const haLight = (dev: string) => ({
  '~': `${dev}/light/`,
  name: null,
  schema: 'json',
  brightness: true,
  stat_t: '~state',
  cmd_t: '~set',
  val_tpl: '{{ value_json.state }}',
  uniq_id: `${dev}-light`,
  dev: { ids: [`${dev}-id`], name: dev },
});
const haDeviceConfig = (dev: string) => ({
  dev: { ids: `${dev}-id`, name: dev },
  o: { name: 'fuzz' },
  cmps: { t: { p: 'sensor', unit_of_meas: '°C', val_tpl: '{{ value_json.t | float | round(1) }}', uniq_id: `${dev}-t` } },
  stat_t: `${dev}/json`,
});
const ha: Case = {
  name: 'ha',
  make() {
    const a = new HaDiscoveryAdapter();
    for (const dev of ['fan-a', 'fan-b']) {
      feed(a, [
        [`homeassistant/number/${dev}/speed/config`, JSON.stringify(haNumber(dev))],
        [`homeassistant/light/${dev}/light/config`, JSON.stringify(haLight(dev))],
        [`homeassistant/device/${dev}/config`, JSON.stringify(haDeviceConfig(dev))],
        [`${dev}/status`, 'online'],
        [`${dev}/number/speed/state`, '10'],
      ]);
    }
    return a;
  },
  bId: 'ha:fan-b-id',
  bProbe: { topic: 'fan-b/number/speed/state', payload: '42', propertyId: 'fan-b-speed', value: 42 },
  bSet: { propertyId: 'fan-b-speed', value: 7 },
  aPrefixes: ['homeassistant/number/fan-a/', 'homeassistant/light/fan-a/', 'homeassistant/device/fan-a', 'fan-a/', 'homeassistant/'],
  aTopics: [
    'homeassistant/number/fan-a/speed/config',
    'homeassistant/light/fan-a/light/config',
    'homeassistant/device/fan-a/config',
    'fan-a/number/speed/state',
    'fan-a/light/state',
    'fan-a/status',
    'fan-a/json',
    'homeassistant/status',
  ],
  bPrefixes: ['fan-b', 'homeassistant/number/fan-b', 'homeassistant/light/fan-b', 'homeassistant/device/fan-b'],
  aDocs: [
    { topic: 'homeassistant/number/fan-a/speed/config', doc: haNumber('fan-a') },
    { topic: 'homeassistant/light/fan-a/light/config', doc: haLight('fan-a') },
    { topic: 'homeassistant/device/fan-a/config', doc: haDeviceConfig('fan-a') },
  ],
};

// ---- Mapped ----
const mappedDevice = (id: string) => ({
  id,
  name: id.toUpperCase(),
  availability: { topic: `${id}/online` },
  properties: [
    { id: 'phase', datatype: 'integer', min: -180, max: 180, status: { topic: `${id}/status/phase`, pattern: 'token:0' }, set: { topic: `${id}/set/phase`, template: 'phase {value} 10' } },
    { id: 'temp', datatype: 'float', status: { topic: `${id}/status/temp`, pattern: 'regex:^t=(-?[0-9.]+)$' } },
    { id: 'info', datatype: 'string', status: { topic: `${id}/status/info`, pattern: 'json:fw.version' } },
    { id: 'pattern', datatype: 'boolean', booleanPayloads: { true: 'on', false: 'off' }, status: { topic: `${id}/status/pattern` }, set: { topic: `${id}/set/pattern` } },
  ],
});
const MAPPING = { version: 1, devices: [mappedDevice('vp-a'), mappedDevice('vp-b')] };
const mapped: Case = {
  name: 'mapped',
  make() {
    const parsed = parseMapping(MAPPING);
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const a = new MappedAdapter(parsed.mapping);
    feed(a, [
      ['vp-a/status/phase', '1 2'],
      ['vp-b/status/phase', '3 4'],
    ]);
    return a;
  },
  bId: 'mapped:vp-b',
  bProbe: { topic: 'vp-b/status/phase', payload: '-25 10', propertyId: 'phase', value: -25 },
  bSet: { propertyId: 'phase', value: 22 },
  aPrefixes: ['vp-a/', 'vp-a/status/'],
  aTopics: ['vp-a/online', 'vp-a/status/phase', 'vp-a/status/temp', 'vp-a/status/info', 'vp-a/status/pattern', 'vp-a/set/phase'],
  bPrefixes: ['vp-b'],
  aDocs: [],
};

// ---- Zigbee2MQTT ----
const z2mEntry = (ieee: string, name: string) => ({
  ieee_address: ieee,
  friendly_name: name,
  type: 'Router',
  supported: true,
  interview_state: 'SUCCESSFUL',
  definition: {
    model: 'LED1545G12',
    vendor: 'IKEA',
    exposes: [
      {
        type: 'light',
        features: [
          { type: 'binary', name: 'state', property: 'state', access: 7, value_on: 'ON', value_off: 'OFF', value_toggle: 'TOGGLE' },
          { type: 'numeric', name: 'brightness', property: 'brightness', access: 7, value_min: 0, value_max: 254 },
          { type: 'composite', name: 'color_xy', property: 'color', features: [{ type: 'numeric', name: 'x', property: 'x', access: 7 }, { type: 'numeric', name: 'y', property: 'y', access: 7 }] },
        ],
      },
      { type: 'enum', name: 'effect', property: 'effect', access: 2, values: ['blink', 'okay'] },
      { type: 'cover', endpoint: 'l2', features: [{ type: 'enum', name: 'state', property: 'state_l2', access: 7, values: ['OPEN', 'CLOSE', 'STOP'] }] },
      { type: 'list', name: 'schedule', property: 'schedule', access: 3, item_type: { type: 'numeric', name: 't', access: 3 } },
    ],
  },
});
const Z2M_COORDINATOR = { ieee_address: '0x00124b00120144ae', type: 'Coordinator', friendly_name: 'Coordinator', definition: null };
const z2mList = (a: unknown) => [Z2M_COORDINATOR, a, z2mEntry('0x000000000000000b', 'dev_b')];
const zigbee2mqtt: Case = {
  name: 'zigbee2mqtt',
  make() {
    const a = new Zigbee2mqttAdapter();
    feed(a, [
      ['zigbee2mqtt/bridge/devices', JSON.stringify(z2mList(z2mEntry('0x000000000000000a', 'dev_a')))],
      ['zigbee2mqtt/dev_a/availability', '{"state":"online"}'],
      ['zigbee2mqtt/dev_b', '{"state":"ON","brightness":10}'],
    ]);
    return a;
  },
  bId: 'zigbee2mqtt:0x000000000000000b',
  bProbe: { topic: 'zigbee2mqtt/dev_b', payload: '{"brightness":42}', propertyId: 'brightness', value: 42 },
  bSet: { propertyId: 'brightness', value: 7 },
  aPrefixes: ['zigbee2mqtt/dev_a/', 'zigbee2mqtt/dev_a', 'zigbee2mqtt/'],
  aTopics: ['zigbee2mqtt/dev_a', 'zigbee2mqtt/dev_a/availability', 'zigbee2mqtt/dev_a/set', 'zigbee2mqtt/dev_a/get'],
  // The bridge's own topics speak for every device, B included.
  bPrefixes: ['zigbee2mqtt/dev_b', 'zigbee2mqtt/bridge'],
  aDocs: [],
};

const CASES: readonly Case[] = [homie5, homie4, homie5Found, homie4Found, ha, mapped, zigbee2mqtt];

// ---- generators ----

const topicLevel = fc.oneof(
  fc.constantFrom('$state', '$description', '$homie', '$nodes', '$name', '$properties', '$datatype', '$format', '$target', '$alert', 'set', 'config', 'state', 'n', 'level', 'light', 'dimmer', '+', '#', '', '5', '$broadcast'),
  fc.string({ maxLength: 8 }),
);

function topicFor(c: Case): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...c.aTopics),
    fc.tuple(fc.constantFrom(...c.aPrefixes), fc.array(topicLevel, { maxLength: 4 })).map(([p, levels]) => p + levels.join('/')),
    fc.string({ maxLength: 40 }),
  );
}

const payloadArb = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.string({ maxLength: 200 }).map(bytes),
  fc.jsonValue({ maxDepth: 3 }).map((v) => bytes(JSON.stringify(v) ?? '')),
  fc.constantFrom('', 'true', 'false', 'ON', 'OFF', 'online', 'offline', '4.0.0', '3.0', '5.0', 'integer', 'color', 'enum', '0:100', '100:0', 'a,b', '{}', '[]', 'null', '\u0000', '-0', '1e999', 'NaN').map(bytes),
);

type Path = (string | number)[];

function paths(x: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(x)) x.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (x !== null && typeof x === 'object') for (const [k, v] of Object.entries(x)) paths(v, [...prefix, k], out);
  return out;
}

function setAt(root: unknown, path: Path, value: unknown, remove: boolean): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...root];
    if (remove && rest.length === 0) copy.splice(Number(head), 1);
    else copy[Number(head)] = setAt(copy[Number(head)], rest, value, remove);
    return copy;
  }
  if (root !== null && typeof root === 'object') {
    const copy: Record<string, unknown> = { ...(root as Record<string, unknown>) };
    if (remove && rest.length === 0) delete copy[String(head)];
    else copy[String(head)] = setAt(copy[String(head)], rest, value, remove);
    return copy;
  }
  return root;
}

const mutationArb = fc.array(
  fc.record({
    at: fc.nat(),
    op: fc.constantFrom('replace', 'remove', 'add', 'stringify', 'wrap'),
    key: fc.oneof(fc.constantFrom('__proto__', 'constructor', '~', 'avty', 'dev', 'cmps', 'p', 'min', 'max', 'nodes', 'datatype', 'format', 'ids', 'stat_t', 'cmd_t', 'val_tpl', 'availability_mode'), fc.string({ maxLength: 6 })),
    value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('{{ value_json.x }}', '{% if %}', 'a/+/b', '#', '', '~/x', 'x/~', 'homeassistant/status', 1e308, -1, 0.5)),
  }),
  { minLength: 1, maxLength: 5 },
);

function mutate(doc: unknown, mutations: readonly { at: number; op: string; key: string; value: unknown }[]): unknown {
  let cur = doc;
  for (const m of mutations) {
    const all = paths(cur);
    const path = all[m.at % all.length] ?? [];
    switch (m.op) {
      case 'replace':
        cur = setAt(cur, path, m.value, false);
        break;
      case 'remove':
        cur = setAt(cur, path, undefined, true);
        break;
      case 'add':
        cur = setAt(cur, [...path, m.key], m.value, false);
        break;
      case 'stringify':
        cur = setAt(cur, path, JSON.stringify(m.value) ?? '', false);
        break;
      case 'wrap':
        cur = setAt(cur, path, [m.value], false);
        break;
    }
  }
  return cur;
}

// ---- properties ----

function eventDevice(e: AdapterEvent): string {
  return e.kind === 'device' ? e.device.id : e.deviceId;
}

/** Feed garbage through a fresh adapter and check B, then probe B. */
function check(c: Case, garbage: readonly { topic: string; payload: Uint8Array; retained: boolean }[]): void {
  const a = c.make();
  const before = JSON.stringify(a.schemaOf(c.bId));
  const setBefore = JSON.stringify(a.encodeSet(c.bId, c.bSet.propertyId, c.bSet.value));
  for (const g of garbage) {
    let events: AdapterEvent[] = [];
    // Garbage may be handed to any adapter, whether or not it claims the topic; it must not throw.
    expect(() => {
      events = a.handleMessage(g.topic, g.payload, g.retained);
      a.handles(g.topic);
      a.subscriptions();
    }).not.toThrow();
    for (const e of events) {
      expect(eventDevice(e)).not.toBe(c.bId);
      // The adapters' last-resort catch must never be what handled it: that would be a bug, not bad input.
      if (e.kind === 'device-error') expect(e.error).not.toMatch(/^could not handle/);
    }
  }
  expect(JSON.stringify(a.schemaOf(c.bId))).toBe(before);
  expect(JSON.stringify(a.encodeSet(c.bId, c.bSet.propertyId, c.bSet.value))).toBe(setBefore);
  const probe = a.handleMessage(c.bProbe.topic, bytes(c.bProbe.payload), true);
  expect(probe).toContainEqual({ kind: 'value', deviceId: c.bId, propertyId: c.bProbe.propertyId, value: c.bProbe.value, retained: true });
}

describe.each(CASES)('$name: garbage aimed at one device', (c) => {
  it('sanity: B is healthy before any garbage', () => {
    check(c, []);
  });

  it(`random topics and bytes never throw and never touch B (${RUNS} runs)`, () => {
    const garbage = fc.record({ topic: topicFor(c), payload: payloadArb, retained: fc.boolean() }).filter((g) => !c.bPrefixes.some((p) => g.topic.startsWith(p)));
    fc.assert(
      fc.property(fc.array(garbage, { minLength: 1, maxLength: 12 }), (list) => {
        check(c, list);
      }),
      { numRuns: RUNS },
    );
  });

  it(`encodeSet with arbitrary values never throws (${RUNS} runs)`, () => {
    const a = c.make();
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(c.bId), fc.string({ maxLength: 20 })),
        fc.oneof(fc.constant(c.bSet.propertyId), fc.string({ maxLength: 20 })),
        fc.oneof(fc.string({ maxLength: 20 }), fc.double(), fc.integer(), fc.boolean()),
        (deviceId, propertyId, value) => {
          const r = a.encodeSet(deviceId, propertyId, value);
          if (r.ok) {
            expect(r.command.retain).toBe(false);
            expect(r.command.topic).not.toMatch(/[+#]/);
            expect(r.command.topic).not.toBe('homeassistant/status');
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe.each(CASES.filter((c) => c.aDocs.length > 0))('$name: mutated JSON documents', (c) => {
  it(`mutations of A's valid documents never throw and never touch B (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.nat(), mutationArb, fc.boolean(), (which, mutations, truncate) => {
        const target = c.aDocs[which % c.aDocs.length]!;
        let text = JSON.stringify(mutate(target.doc, mutations)) ?? '';
        if (truncate) text = text.slice(0, Math.floor(text.length / 2));
        check(c, [{ topic: target.topic, payload: bytes(text), retained: true }]);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('zigbee2mqtt: mutated bridge/devices entries', () => {
  it(`mutations of A's entry (B's kept) never throw and never touch B (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(mutationArb, fc.boolean(), (mutations, truncate) => {
        let text = JSON.stringify(z2mList(mutate(z2mEntry('0x000000000000000a', 'dev_a'), mutations))) ?? '';
        if (truncate) text = text.slice(0, Math.floor(text.length / 2));
        check(zigbee2mqtt, [
          { topic: 'zigbee2mqtt/bridge/devices', payload: bytes(text), retained: true },
          { topic: 'zigbee2mqtt/dev_a', payload: bytes('{"state":"ON","brightness":300,"color":{"x":2},"state_l2":"STOP","schedule":[1]}'), retained: false },
        ]);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('homie4: mutated attribute values', () => {
  it(`random attribute texts for A never throw and never touch B (${RUNS} runs)`, () => {
    const attribute = fc.constantFrom(...h4Device('lamp-a', 'A').map(([t]) => t));
    const text = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom('4.0.0', '3.0.1', '5.0', '', 'light', 'light,light', 'light[]', 'a+b', 'power,dimmer,extra', 'integer', 'float', 'enum', 'color', 'rgb', 'hsv', '10:5', ':', '0:100:0', 'true', 'yes', 'ready', 'lost'),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(attribute, text), { minLength: 1, maxLength: 10 }), (list) => {
        check(homie4, list.map(([topic, t]) => ({ topic, payload: bytes(t), retained: true })));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('mapped: mutated mapping files', () => {
  it(`parseMapping never throws; what it accepts makes a working adapter (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(mutationArb, fc.array(fc.record({ topic: fc.constantFrom(...mapped.aTopics, 'vp-b/status/phase'), payload: payloadArb }), { maxLength: 5 }), (mutations, messages) => {
        const json = mutate(MAPPING, mutations);
        let result: ReturnType<typeof parseMapping> | undefined;
        expect(() => {
          result = parseMapping(json);
        }).not.toThrow();
        if (result === undefined) return;
        if (!result.ok) {
          expect(result.errors.length).toBeGreaterThan(0);
          for (const e of result.errors) expect(typeof e).toBe('string');
          return;
        }
        const adapter = new MappedAdapter(result.mapping);
        for (const m of messages) expect(() => adapter.handleMessage(m.topic, m.payload, true)).not.toThrow();
      }),
      { numRuns: RUNS },
    );
  });
});
