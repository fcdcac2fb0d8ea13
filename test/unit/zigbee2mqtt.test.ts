// Behaviour of the native Zigbee2MQTT adapter that the device corpus
// (test/fixtures/devices/zigbee2mqtt/) does not show: broken and huge
// device lists, renames, removals, bad state messages, out-of-range values,
// availability and the bridge state, and what encodeSet refuses.
import { describe, expect, it } from 'vitest';
import type { AdapterEvent } from '../../src/conventions/adapter.js';
import { MAX_DEVICE_LIST_BYTES, MAX_STATE_BYTES, Zigbee2mqttAdapter } from '../../src/conventions/zigbee2mqtt.js';
import { ConventionRouter } from '../../src/status/router.js';

const enc = new TextEncoder();

function send(a: Zigbee2mqttAdapter, topic: string, payload: unknown, retained = false): AdapterEvent[] {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return a.handleMessage(topic, enc.encode(text), retained);
}

const LIGHT = {
  type: 'light',
  features: [
    { type: 'binary', name: 'state', label: 'State', property: 'state', access: 7, value_on: 'ON', value_off: 'OFF', value_toggle: 'TOGGLE' },
    { type: 'numeric', name: 'brightness', label: 'Brightness', property: 'brightness', access: 7, value_min: 0, value_max: 254 },
    {
      type: 'numeric',
      name: 'color_temp_startup',
      label: 'Color temp startup',
      property: 'color_temp_startup',
      access: 7,
      unit: 'mired',
      value_min: 250,
      value_max: 454,
      presets: [{ name: 'previous', value: 65535, description: 'Restore previous color_temp on cold power on' }],
    },
  ],
};
const ACTION = { type: 'enum', name: 'action', label: 'Action', property: 'action', access: 1, values: ['single', 'double'] };
const EFFECT = { type: 'enum', name: 'effect', label: 'Effect', property: 'effect', access: 2, values: ['blink', 'okay'] };
const LINKQUALITY = { type: 'numeric', name: 'linkquality', label: 'Linkquality', property: 'linkquality', access: 1, unit: 'lqi', value_min: 0, value_max: 255 };

function entry(ieee: string, name: string, exposes: unknown[] = [LIGHT, LINKQUALITY], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ieee_address: ieee,
    friendly_name: name,
    type: 'Router',
    supported: true,
    disabled: false,
    interview_state: 'SUCCESSFUL',
    interview_completed: true,
    interviewing: false,
    definition: { model: 'LED1545G12', vendor: 'IKEA', description: 'bulb', exposes, options: [] },
    ...extra,
  };
}

const COORDINATOR = { ieee_address: '0x00124b00120144ae', type: 'Coordinator', friendly_name: 'Coordinator', supported: false, definition: null };
const A = '0x000b57fffec6a5b2';
const B = '0x0017880104e45524';

function withDevices(list: unknown[] = [COORDINATOR, entry(A, 'bulb'), entry(B, 'plug')]): Zigbee2mqttAdapter {
  const a = new Zigbee2mqttAdapter();
  send(a, 'zigbee2mqtt/bridge/devices', list, true);
  return a;
}

const kinds = (events: AdapterEvent[]): string[] => events.map((e) => e.kind);

describe('zigbee2mqtt: bridge/devices', () => {
  it('announces each device but the coordinator, with its aliases, and learns its topics', () => {
    const a = new Zigbee2mqttAdapter();
    const events = send(a, 'zigbee2mqtt/bridge/devices', [COORDINATOR, entry(A, 'bulb')], true);
    expect(kinds(events)).toEqual(['device', 'availability']);
    const schema = a.schemaOf(`zigbee2mqtt:${A}`);
    expect(schema?.name).toBe('bulb');
    expect(schema?.aliases).toEqual([`zigbee2mqtt_${A}`, A]);
    expect(events[1]).toEqual({ kind: 'availability', deviceId: `zigbee2mqtt:${A}`, availability: 'ready' });
    expect(a.subscriptions()).toEqual(['zigbee2mqtt/bridge/devices', 'zigbee2mqtt/bridge/state', 'zigbee2mqtt/bulb/availability']);
    expect(a.deviceSubscriptions(`zigbee2mqtt:${A}`)).toEqual(['zigbee2mqtt/bulb']);
  });

  it('does not re-announce devices when an unchanged list is published again', () => {
    const a = withDevices();
    expect(send(a, 'zigbee2mqtt/bridge/devices', [COORDINATOR, entry(A, 'bulb'), entry(B, 'plug')], true)).toEqual([]);
  });

  it.each([
    ['not JSON', '[{"ieee_address": "0x1",', 'not valid JSON'],
    ['not a list', '{"devices": []}', 'not a JSON list'],
    ['not UTF-8', '\u00ff', ''],
  ])('keeps the devices it knows when the list is %s, and says so on the bridge', (_what, text, words) => {
    const a = withDevices();
    const payload = text === '\u00ff' ? new Uint8Array([0x5b, 0xff, 0x5d]) : enc.encode(text);
    const events = a.handleMessage('zigbee2mqtt/bridge/devices', payload, true);
    expect(events[0]).toMatchObject({ kind: 'device', device: { id: 'zigbee2mqtt:bridge', name: 'Zigbee2MQTT (zigbee2mqtt)' } });
    expect(events[1]).toMatchObject({ kind: 'device-error', deviceId: 'zigbee2mqtt:bridge' });
    expect((events[1] as { error: string }).error).toContain(words === '' ? 'not valid UTF-8' : words);
    expect(a.schemaOf(`zigbee2mqtt:${A}`)?.name).toBe('bulb');
    // A good list afterwards takes the bridge's error away.
    expect(send(a, 'zigbee2mqtt/bridge/devices', [COORDINATOR, entry(A, 'bulb'), entry(B, 'plug')], true)).toEqual([{ kind: 'device-removed', deviceId: 'zigbee2mqtt:bridge' }]);
  });

  it('refuses a list larger than its limit without parsing it', () => {
    const a = withDevices();
    const huge = new Uint8Array(MAX_DEVICE_LIST_BYTES + 1).fill(0x20);
    const events = a.handleMessage('zigbee2mqtt/bridge/devices', huge, true);
    expect(events.find((e) => e.kind === 'device-error')).toMatchObject({ deviceId: 'zigbee2mqtt:bridge', error: expect.stringContaining('larger than 32768 KB') });
    expect(a.schemaOf(`zigbee2mqtt:${B}`)?.name).toBe('plug');
  });

  it('skips entries it cannot identify and says which', () => {
    const a = new Zigbee2mqttAdapter();
    const events = send(a, 'zigbee2mqtt/bridge/devices', [42, { friendly_name: 'no address' }, entry(A, 'bulb'), entry(A, 'again')], true);
    const error = events.find((e) => e.kind === 'device-error' && e.deviceId === 'zigbee2mqtt:bridge');
    expect(error).toMatchObject({ error: expect.stringContaining('entry 1 is not a JSON object') });
    expect((error as { error: string }).error).toContain('entry 2 has no IEEE address');
    expect((error as { error: string }).error).toContain(`${A} is listed twice`);
    expect(a.schemaOf(`zigbee2mqtt:${A}`)?.name).toBe('bulb');
  });

  it('tells an interviewing, a failed and an unsupported device apart, in words', () => {
    const a = new Zigbee2mqttAdapter();
    const events = send(
      a,
      'zigbee2mqtt/bridge/devices',
      [
        entry('0x01', 'joining', [], { definition: null, interview_state: 'IN_PROGRESS', interviewing: true, interview_completed: false }),
        entry('0x02', 'broken', [], { definition: null, interview_state: 'FAILED', interview_completed: false }),
        entry('0x03', 'odd', [], { definition: null, supported: false, model_id: 'lumi.odd' }),
      ],
      true,
    );
    const errorOf = (ieee: string): string => (events.find((e) => e.kind === 'device-error' && e.deviceId === `zigbee2mqtt:${ieee}`) as { error: string }).error;
    expect(errorOf('0x01')).toContain('still interviewing');
    expect(errorOf('0x02')).toContain('could not interview');
    expect(errorOf('0x03')).toContain('does not support this device (model "lumi.odd")');
    expect(a.schemaOf('zigbee2mqtt:0x03')?.properties).toEqual([]);
  });

  it('shows a disabled device read-only and refuses to set it', () => {
    const a = withDevices([entry(A, 'bulb', [LIGHT], { disabled: true })]);
    const schema = a.schemaOf(`zigbee2mqtt:${A}`);
    expect(schema?.properties.find((p) => p.id === 'brightness')?.readOnlyReason).toBe('disabled in Zigbee2MQTT');
    expect(a.encodeSet(`zigbee2mqtt:${A}`, 'brightness', 10)).toEqual({ ok: false, error: 'Brightness is read-only: disabled in Zigbee2MQTT' });
  });

  it('notes expose types it does not know and reports malformed ones, keeping the rest', () => {
    const a = new Zigbee2mqttAdapter();
    const events = send(a, 'zigbee2mqtt/bridge/devices', [entry(A, 'bulb', [LIGHT, { type: 'hologram', name: 'projector' }, { type: 'numeric', name: 'x', property: 'x', access: 9 }])], true);
    const schema = a.schemaOf(`zigbee2mqtt:${A}`);
    expect(schema?.note).toContain('projector (hologram)');
    expect(schema?.properties.map((p) => p.id)).toEqual(['state', 'brightness', 'color_temp_startup']);
    expect(events.find((e) => e.kind === 'device-error')).toMatchObject({ error: expect.stringContaining('access must be a number from 0 to 7') });
  });

  it('makes a device whose name cannot be a topic unreachable, and says why', () => {
    const a = new Zigbee2mqttAdapter();
    const events = send(a, 'zigbee2mqtt/bridge/devices', [entry(A, 'kitchen/+')], true);
    expect(events.find((e) => e.kind === 'device-error')).toMatchObject({ error: expect.stringContaining('friendly_name "kitchen/+" contains an MQTT wildcard') });
    expect(a.subscriptions()).not.toContain('zigbee2mqtt/kitchen/+/availability');
    expect(a.deviceSubscriptions(`zigbee2mqtt:${A}`)).toEqual([]);
    expect(a.encodeSet(`zigbee2mqtt:${A}`, 'state', true)).toMatchObject({ ok: false });
  });

  it('keeps a renamed device (same id, new name and topics); the old topic is no longer its', () => {
    const a = withDevices();
    send(a, 'zigbee2mqtt/bulb/availability', { state: 'offline' }, true);
    const events = send(a, 'zigbee2mqtt/bridge/devices', [COORDINATOR, entry(A, 'hall/ceiling'), entry(B, 'plug')], true);
    expect(events).toEqual([
      { kind: 'device', device: expect.objectContaining({ id: `zigbee2mqtt:${A}`, name: 'hall/ceiling' }) },
      // The old name's availability does not follow the device to its new topic.
      { kind: 'availability', deviceId: `zigbee2mqtt:${A}`, availability: 'ready' },
    ]);
    expect(a.handles('zigbee2mqtt/bulb')).toBe(false);
    expect(a.handles('zigbee2mqtt/hall/ceiling')).toBe(true);
    expect(a.subscriptions()).toContain('zigbee2mqtt/hall/ceiling/availability');
    expect(a.deviceSubscriptions(`zigbee2mqtt:${A}`)).toEqual(['zigbee2mqtt/hall/ceiling']);
    expect(send(a, 'zigbee2mqtt/hall/ceiling', { brightness: 3 })).toEqual([{ kind: 'value', deviceId: `zigbee2mqtt:${A}`, propertyId: 'brightness', value: 3, retained: false }]);
    expect(a.encodeSet(`zigbee2mqtt:${A}`, 'state', true)).toEqual({ ok: true, command: { topic: 'zigbee2mqtt/hall/ceiling/set', payload: '{"state":"ON"}', retain: false } });
    // Zigbee2MQTT clears the old availability topic with an empty retained message: nothing to report.
    expect(a.handleMessage('zigbee2mqtt/hall/ceiling/availability', new Uint8Array(), true)).toEqual([]);
  });

  it('removes a device that leaves the list, and all of them when the retained list is deleted', () => {
    const a = withDevices();
    expect(send(a, 'zigbee2mqtt/bridge/devices', [COORDINATOR, entry(B, 'plug')], true)).toEqual([{ kind: 'device-removed', deviceId: `zigbee2mqtt:${A}` }]);
    expect(a.encodeSet(`zigbee2mqtt:${A}`, 'state', true)).toEqual({ ok: false, error: `unknown device zigbee2mqtt:${A}` });
    expect(a.handles('zigbee2mqtt/bulb')).toBe(false);
    expect(a.handleMessage('zigbee2mqtt/bridge/devices', new Uint8Array(), true)).toEqual([{ kind: 'device-removed', deviceId: `zigbee2mqtt:${B}` }]);
  });

  it('uses the configured base topic', () => {
    const a = new Zigbee2mqttAdapter({ base: 'z2m/site-b/' });
    send(a, 'z2m/site-b/bridge/devices', [entry(A, 'bulb')], true);
    expect(a.handles('zigbee2mqtt/bulb')).toBe(false);
    expect(send(a, 'z2m/site-b/bulb', { brightness: 9 })).toHaveLength(1);
    expect(a.encodeQuery(`zigbee2mqtt:${A}`, 'brightness')).toEqual({ ok: true, command: { topic: 'z2m/site-b/bulb/get', payload: '{"brightness":""}', retain: false } });
    expect(() => new Zigbee2mqttAdapter({ base: 'z2m/#' })).toThrow(RangeError);
  });
});

describe('zigbee2mqtt: state messages', () => {
  const bulb = `zigbee2mqtt:${A}`;

  it('reads each published feature and passes the retain flag on (Zigbee2MQTT option retain)', () => {
    const a = withDevices();
    expect(send(a, 'zigbee2mqtt/bulb', { state: 'OFF', brightness: 254, linkquality: 90, color_mode: 'xy' }, true)).toEqual([
      { kind: 'value', deviceId: bulb, propertyId: 'state', value: false, retained: true },
      { kind: 'value', deviceId: bulb, propertyId: 'brightness', value: 254, retained: true },
      { kind: 'value', deviceId: `zigbee2mqtt:${A}`, propertyId: 'linkquality', value: 90, retained: true },
    ]);
  });

  it('turns a state that is not JSON, or not an object, into a value error for every published feature', () => {
    const a = withDevices();
    const events = send(a, 'zigbee2mqtt/bulb', '{"state": "ON"');
    expect(events.map((e) => (e.kind === 'value-error' ? e.propertyId : e.kind))).toEqual(['state', 'brightness', 'color_temp_startup', 'linkquality']);
    expect(events[0]).toMatchObject({ kind: 'value-error', error: expect.stringContaining('state is not valid JSON'), raw: '{"state": "ON"' });
    expect(send(a, 'zigbee2mqtt/bulb', '[1,2]')[0]).toMatchObject({ kind: 'value-error', error: 'state is not a JSON object' });
    expect(send(a, 'zigbee2mqtt/plug', { brightness: 1 })).toHaveLength(1);
  });

  it('refuses a state message larger than its limit', () => {
    const a = withDevices();
    const events = a.handleMessage('zigbee2mqtt/bulb', new Uint8Array(MAX_STATE_BYTES + 1).fill(0x20), false);
    expect(events[0]).toMatchObject({ kind: 'value-error', propertyId: 'state', error: expect.stringContaining('larger than 256 KB') });
  });

  it('reports values out of range or of the wrong kind as value errors, and accepts presets', () => {
    const a = withDevices();
    expect(send(a, 'zigbee2mqtt/bulb', { brightness: 300, state: 'MAYBE', color_temp_startup: 65535 })).toEqual([
      { kind: 'value-error', deviceId: bulb, propertyId: 'state', error: '"MAYBE" is neither "ON" nor "OFF"', raw: '"MAYBE"' },
      { kind: 'value-error', deviceId: bulb, propertyId: 'brightness', error: 'out of range 0..254', raw: '300' },
      { kind: 'value', deviceId: bulb, propertyId: 'color_temp_startup', value: 65535, retained: false },
    ]);
    expect(send(a, 'zigbee2mqtt/bulb', { brightness: '12' })).toEqual([{ kind: 'value-error', deviceId: bulb, propertyId: 'brightness', error: '"12" is not a number', raw: '"12"' }]);
  });

  it('skips null values and the empty action Zigbee2MQTT clears events with', () => {
    const a = withDevices([entry(A, 'remote', [ACTION])]);
    expect(send(a, 'zigbee2mqtt/remote', { action: 'double' })).toHaveLength(1);
    expect(send(a, 'zigbee2mqtt/remote', { action: '' })).toEqual([]);
    expect(send(a, 'zigbee2mqtt/remote', { action: null })).toEqual([]);
    expect(send(a, 'zigbee2mqtt/remote', { action: 'triple' })[0]).toMatchObject({ kind: 'value-error', error: '"triple" is not one of: single, double' });
  });

  it('does not claim topics of devices it does not list (they may be another adapter’s)', () => {
    const a = withDevices();
    expect(a.handles('zigbee2mqtt/unknown')).toBe(false);
    expect(a.handles('zigbee2mqtt/bulb/set')).toBe(false);
    expect(send(a, 'zigbee2mqtt/bulb/set', { state: 'ON' })).toEqual([]);
  });
});

describe('zigbee2mqtt: availability', () => {
  const bulb = `zigbee2mqtt:${A}`;
  const plug = `zigbee2mqtt:${B}`;

  it('reads the JSON and the legacy plain payloads', () => {
    const a = withDevices();
    expect(send(a, 'zigbee2mqtt/bulb/availability', { state: 'offline' }, true)).toEqual([{ kind: 'availability', deviceId: bulb, availability: 'lost' }]);
    expect(send(a, 'zigbee2mqtt/bulb/availability', 'online', true)).toEqual([{ kind: 'availability', deviceId: bulb, availability: 'ready' }]);
    expect(send(a, 'zigbee2mqtt/bulb/availability', { state: 'napping' }, true)).toEqual([{ kind: 'availability', deviceId: bulb, availability: 'unknown' }]);
  });

  it('loses every device while the bridge is offline, and gives each its own state back after', () => {
    const a = withDevices();
    send(a, 'zigbee2mqtt/plug/availability', { state: 'offline' }, true);
    expect(send(a, 'zigbee2mqtt/bridge/state', { state: 'offline' }, true)).toEqual([
      { kind: 'availability', deviceId: bulb, availability: 'lost' },
      { kind: 'availability', deviceId: plug, availability: 'lost' },
    ]);
    expect(send(a, 'zigbee2mqtt/bridge/state', 'online', true)).toEqual([
      { kind: 'availability', deviceId: bulb, availability: 'ready' },
      { kind: 'availability', deviceId: plug, availability: 'lost' },
    ]);
  });

  it('announces devices lost when the bridge was already offline', () => {
    const a = new Zigbee2mqttAdapter();
    send(a, 'zigbee2mqtt/bridge/state', { state: 'offline' }, true);
    expect(send(a, 'zigbee2mqtt/bridge/devices', [entry(A, 'bulb')], true)).toContainEqual({ kind: 'availability', deviceId: bulb, availability: 'lost' });
  });
});

describe('zigbee2mqtt: commands', () => {
  const bulb = `zigbee2mqtt:${A}`;

  it('validates against the exposes before encoding', () => {
    const a = withDevices([entry(A, 'bulb', [LIGHT, LINKQUALITY, EFFECT])]);
    expect(a.encodeSet(bulb, 'brightness', 255)).toEqual({ ok: false, error: 'Brightness: out of range 0..254' });
    expect(a.encodeSet(bulb, 'linkquality', 3)).toEqual({ ok: false, error: 'Linkquality is read-only' });
    expect(a.encodeSet(bulb, 'effect', 'sparkle')).toMatchObject({ ok: false });
    expect(a.encodeSet(bulb, 'nope', 1)).toEqual({ ok: false, error: 'bulb has no property nope' });
    expect(a.encodeSet(bulb, 'effect', 'okay')).toEqual({ ok: true, command: { topic: 'zigbee2mqtt/bulb/set', payload: '{"effect":"okay"}', retain: false } });
  });

  it('asks only for gettable features', () => {
    const a = withDevices([entry(A, 'bulb', [LIGHT, LINKQUALITY, EFFECT])]);
    expect(a.encodeQuery(bulb, 'linkquality')).toBeNull();
    expect(a.encodeQuery(bulb, 'effect')).toBeNull();
    expect(a.encodeQuery(bulb, 'state')).toEqual({ ok: true, command: { topic: 'zigbee2mqtt/bulb/get', payload: '{"state":""}', retain: false } });
  });

  it('sets a list of plain entries, checked, and keeps a list of composites read-only', () => {
    const schedule = { type: 'list', name: 'schedule', property: 'schedule', access: 3, length_max: 2, item_type: { type: 'numeric', name: 'temperature', access: 3, value_min: 5, value_max: 30 } };
    const days = { type: 'list', name: 'days', property: 'days', access: 3, item_type: { type: 'composite', name: 'day', features: [] } };
    const a = withDevices([entry(A, 'trv', [schedule, days])]);
    const trv = `zigbee2mqtt:${A}`;
    expect(a.encodeSet(trv, 'schedule', '[20, 21.5]')).toEqual({ ok: true, command: { topic: 'zigbee2mqtt/trv/set', payload: '{"schedule":[20,21.5]}', retain: false } });
    expect(a.encodeSet(trv, 'schedule', '[20, 40]')).toEqual({ ok: false, error: 'Schedule: entry 2: 40 is out of range 5..30' });
    expect(a.encodeSet(trv, 'schedule', '[20, 21, 22]')).toEqual({ ok: false, error: 'Schedule: takes at most 2 entries' });
    expect(a.schemaOf(trv)?.properties.find((p) => p.id === 'days')?.readOnlyReason).toContain('composite entries');
    expect(send(a, 'zigbee2mqtt/trv', { schedule: [20, 21] })).toEqual([{ kind: 'value', deviceId: trv, propertyId: 'schedule', value: '[20,21]', retained: false }]);
  });

  it('keeps every adapter away from the bridge API', () => {
    const router = new ConventionRouter([new Zigbee2mqttAdapter()]);
    const z2m = router.adapterFor('zigbee2mqtt:x') as Zigbee2mqttAdapter;
    expect(z2m.refuseCommandTopic('zigbee2mqtt/bridge/request/permit_join')).toContain("Zigbee2MQTT's bridge API");
    expect(z2m.refuseCommandTopic('zigbee2mqtt/bulb/set')).toBeNull();
  });
});
