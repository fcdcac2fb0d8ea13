import { describe, expect, it } from 'vitest';
import type { AdapterEvent } from '../../src/conventions/adapter.js';
import { ABBREVIATIONS, DEVICE_ABBREVIATIONS } from '../../src/conventions/ha/abbreviations.js';
import { expandAbbreviations, HaDiscoveryAdapter } from '../../src/conventions/ha/adapter.js';
import { MappedAdapter } from '../../src/conventions/mapped.js';
import { ConventionRouter } from '../../src/status/router.js';
import type { DeviceSchema, PropertySchema } from '../../src/model/types.js';

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);
const EMPTY = new Uint8Array(0);

function config(a: HaDiscoveryAdapter, topic: string, body: unknown): AdapterEvent[] {
  return a.handleMessage(topic, bytes(typeof body === 'string' ? body : JSON.stringify(body)), true);
}
function msg(a: HaDiscoveryAdapter, topic: string, payload: string, retained = true): AdapterEvent[] {
  return a.handleMessage(topic, bytes(payload), retained);
}
function devices(events: AdapterEvent[]): DeviceSchema[] {
  return events.flatMap((e) => (e.kind === 'device' ? [e.device] : []));
}
function lastDevice(events: AdapterEvent[]): DeviceSchema {
  const d = devices(events).at(-1);
  if (!d) throw new Error(`no device event in ${JSON.stringify(events)}`);
  return d;
}
function prop(d: DeviceSchema | undefined, id: string): PropertySchema {
  const p = d?.properties.find((x) => x.id === id);
  if (!p) throw new Error(`no property ${id} in ${JSON.stringify(d)}`);
  return p;
}
function values(events: AdapterEvent[]): Record<string, unknown> {
  return Object.fromEntries(events.flatMap((e) => (e.kind === 'value' ? [[e.propertyId, e.value]] : [])));
}
function errorsOf(events: AdapterEvent[]): string[] {
  return events.flatMap((e) => (e.kind === 'device-error' || e.kind === 'value-error' ? [e.error] : []));
}

// ESPHome 2024/2025 writes discovery with abbreviated keys, `ids` as a string or list, and `avty_t` or `avty`.
const ESP_DEV = { ids: 'a4cf12deadbe', name: 'kitchen-fan', sw: 'esphome v2025.2.0 Feb 10 2025', mdl: 'esp32dev', mf: 'espressif' };
const ESP_NUMBER = {
  name: 'Fan speed',
  stat_t: 'kitchen-fan/number/fan_speed/state',
  cmd_t: 'kitchen-fan/number/fan_speed/command',
  min: 0,
  max: 100,
  step: 5,
  mode: 'auto',
  unit_of_meas: '%',
  avty: [{ t: 'kitchen-fan/status' }],
  uniq_id: 'a4cf12deadbenumberfan_speed',
  dev: ESP_DEV,
};
const ESP_SWITCH = {
  name: 'Relay',
  stat_t: 'kitchen-fan/switch/relay/state',
  cmd_t: 'kitchen-fan/switch/relay/command',
  avty: [{ t: 'kitchen-fan/status' }],
  uniq_id: 'a4cf12deadbeswitchrelay',
  dev: ESP_DEV,
};
const ESP_SELECT = {
  name: 'Mode',
  stat_t: 'kitchen-fan/select/mode/state',
  cmd_t: 'kitchen-fan/select/mode/command',
  ops: ['Low', 'Medium', 'High'],
  avty: [{ t: 'kitchen-fan/status' }],
  uniq_id: 'a4cf12deadbeselectmode',
  dev: ESP_DEV,
};
const ESP_JSON_LIGHT = {
  name: 'Strip',
  schema: 'json',
  brightness: true,
  sup_clrm: ['brightness'],
  stat_t: 'kitchen-fan/light/strip/state',
  cmd_t: 'kitchen-fan/light/strip/command',
  avty: [{ t: 'kitchen-fan/status' }],
  uniq_id: 'a4cf12deadbelightstrip',
  dev: ESP_DEV,
};
const FAN = 'ha:a4cf12deadbe';

function esphome(): HaDiscoveryAdapter {
  const a = new HaDiscoveryAdapter();
  config(a, 'homeassistant/number/kitchen-fan/fan_speed/config', ESP_NUMBER);
  config(a, 'homeassistant/switch/kitchen-fan/relay/config', ESP_SWITCH);
  config(a, 'homeassistant/select/kitchen-fan/mode/config', ESP_SELECT);
  config(a, 'homeassistant/light/kitchen-fan/strip/config', ESP_JSON_LIGHT);
  return a;
}

describe('topics', () => {
  it('subscribes to config topics and the availability topics configs name; state topics per device', () => {
    const a = new HaDiscoveryAdapter({ prefix: 'hass' });
    expect(a.convention).toBe('ha');
    expect(a.subscriptions()).toEqual(['hass/+/+/config', 'hass/+/+/+/config']);
    config(a, 'hass/number/kitchen-fan/fan_speed/config', ESP_NUMBER);
    expect(a.subscriptions()).toEqual(['hass/+/+/config', 'hass/+/+/+/config', 'kitchen-fan/status']);
    expect(a.deviceSubscriptions('ha:a4cf12deadbe')).toEqual(['kitchen-fan/number/fan_speed/state']);
    expect(a.handles('kitchen-fan/number/fan_speed/state')).toBe(true);
    expect(a.handles('kitchen-fan/number/fan_speed/command')).toBe(false);
    expect(a.handles('hass/sensor/x/config')).toBe(true);
    expect(a.handles('hass/status')).toBe(false);
    expect(a.handles('homeassistant/sensor/x/config')).toBe(false);
  });

  it('asks to re-subscribe a shared state topic when a second entity starts reading it', () => {
    const a = new HaDiscoveryAdapter();
    const base = { stat_t: 'zigbee2mqtt/Sensor', dev: { ids: ['zigbee2mqtt_0x00158d0001'] } };
    config(a, 'homeassistant/sensor/0x00158d0001/temperature/config', { ...base, val_tpl: '{{ value_json.temperature }}', unit_of_meas: '°C', uniq_id: 't' });
    expect(a.takeResubscriptions()).toEqual([]);
    config(a, 'homeassistant/sensor/0x00158d0001/humidity/config', { ...base, val_tpl: '{{ value_json.humidity }}', unit_of_meas: '%', uniq_id: 'h' });
    expect(a.takeResubscriptions()).toEqual(['zigbee2mqtt/Sensor']);
    expect(a.takeResubscriptions()).toEqual([]);
    // The same config published again (every reconnect) asks for nothing.
    config(a, 'homeassistant/sensor/0x00158d0001/humidity/config', { ...base, val_tpl: '{{ value_json.humidity }}', unit_of_meas: '%', uniq_id: 'h' });
    expect(a.takeResubscriptions()).toEqual([]);
  });

  it('ignores malformed discovery topics and unsupported components', () => {
    const a = new HaDiscoveryAdapter();
    expect(config(a, 'homeassistant/vacuum/x/robot/config', { name: 'V', cmd_t: 'x' })).toEqual([]);
    expect(config(a, 'homeassistant/alarm_control_panel/x/panel/config', { name: 'P', cmd_t: 'x', stat_t: 'y' })).toEqual([]);
    expect(config(a, 'homeassistant/sensor/bad id/config', { stat_t: 's' })).toEqual([]);
    expect(config(a, 'homeassistant/sensor/a/b/c/config', { stat_t: 's' })).toEqual([]);
    expect(config(a, 'homeassistant/sensor/a/state', { stat_t: 's' })).toEqual([]);
    expect(a.handleMessage('homeassistant/status', bytes('online'), false)).toEqual([]);
  });
});

describe('abbreviations', () => {
  it('covers the options these components use', () => {
    for (const [abbr, full] of Object.entries({
      stat_t: 'state_topic',
      cmd_t: 'command_topic',
      val_tpl: 'value_template',
      cmd_tpl: 'command_template',
      avty_t: 'availability_topic',
      avty: 'availability',
      avty_mode: 'availability_mode',
      avty_tpl: 'availability_template',
      pl_avail: 'payload_available',
      pl_not_avail: 'payload_not_available',
      dev: 'device',
      uniq_id: 'unique_id',
      obj_id: 'object_id',
      unit_of_meas: 'unit_of_measurement',
      ops: 'options',
      pl_on: 'payload_on',
      pl_off: 'payload_off',
      stat_on: 'state_on',
      stat_off: 'state_off',
      bri_stat_t: 'brightness_state_topic',
      bri_cmd_t: 'brightness_command_topic',
      bri_cmd_tpl: 'brightness_command_template',
      bri_scl: 'brightness_scale',
      bri_val_tpl: 'brightness_value_template',
      stat_val_tpl: 'state_value_template',
      json_attr_t: 'json_attributes_topic',
      pl_prs: 'payload_press',
      pl_rst: 'payload_reset',
      mode: 'mode',
      ent_cat: 'entity_category',
      dev_cla: 'device_class',
      frc_upd: 'force_update',
      sup_clrm: 'supported_color_modes',
      cmps: 'components',
      o: 'origin',
      p: 'platform',
      t: 'topic',
    })) {
      expect(ABBREVIATIONS[abbr], abbr).toBe(full);
    }
    expect(DEVICE_ABBREVIATIONS).toMatchObject({ ids: 'identifiers', mf: 'manufacturer', mdl: 'model', sw: 'sw_version', cns: 'connections', hw: 'hw_version', sa: 'suggested_area' });
  });

  it('expands nested device, origin, availability and components, keeping "__proto__" a plain key', () => {
    const out = expandAbbreviations(
      JSON.parse('{"dev":{"ids":["x"],"mf":"M"},"o":{"name":"z2m","sw":"2.0"},"avty":[{"t":"a","pl_avail":"up"}],"cmps":{"c":{"p":"sensor","stat_t":"s","avty":{"t":"b"}}},"__proto__":{"polluted":true}}') as Record<string, unknown>,
    );
    expect(out).toMatchObject({
      device: { identifiers: ['x'], manufacturer: 'M' },
      origin: { name: 'z2m', sw_version: '2.0' },
      availability: [{ topic: 'a', payload_available: 'up' }],
      components: { c: { platform: 'sensor', state_topic: 's', availability: { topic: 'b' } } },
    });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});

describe('ESPHome-style device (abbreviated keys, avty list)', () => {
  it('groups entities with the same identifier into one device', () => {
    const a = new HaDiscoveryAdapter();
    const first = lastDevice(config(a, 'homeassistant/number/kitchen-fan/fan_speed/config', ESP_NUMBER));
    // Names are HA's friendly names: device name + entity name. Aliases are the device's identifiers.
    expect(first).toEqual({
      id: FAN,
      name: 'kitchen-fan',
      convention: 'ha',
      aliases: ['a4cf12deadbe'],
      properties: [
        { id: 'a4cf12deadbenumberfan_speed', name: 'kitchen-fan Fan speed', datatype: 'float', settable: true, momentary: false, unit: '%', min: 0, max: 100, step: 5 },
      ],
    });
    config(a, 'homeassistant/switch/kitchen-fan/relay/config', ESP_SWITCH);
    const d = lastDevice(config(a, 'homeassistant/select/kitchen-fan/mode/config', ESP_SELECT));
    expect(d.properties.map((p) => p.id)).toEqual(['a4cf12deadbenumberfan_speed', 'a4cf12deadbeswitchrelay', 'a4cf12deadbeselectmode']);
    expect(prop(d, 'a4cf12deadbeswitchrelay')).toMatchObject({ datatype: 'boolean', settable: true });
    expect(prop(d, 'a4cf12deadbeselectmode')).toMatchObject({ datatype: 'enum', options: ['Low', 'Medium', 'High'] });
  });

  it('reads states and availability', () => {
    const a = esphome();
    expect(msg(a, 'kitchen-fan/number/fan_speed/state', '45')).toEqual([
      { kind: 'value', deviceId: FAN, propertyId: 'a4cf12deadbenumberfan_speed', value: 45, retained: true },
    ]);
    expect(values(msg(a, 'kitchen-fan/switch/relay/state', 'ON'))).toEqual({ a4cf12deadbeswitchrelay: true });
    expect(values(msg(a, 'kitchen-fan/switch/relay/state', 'OFF', false))).toEqual({ a4cf12deadbeswitchrelay: false });
    expect(values(msg(a, 'kitchen-fan/select/mode/state', 'High'))).toEqual({ a4cf12deadbeselectmode: 'High' });
    expect(values(msg(a, 'kitchen-fan/light/strip/state', '{"state":"ON","brightness":128,"color_mode":"brightness"}'))).toEqual({
      a4cf12deadbelightstrip: true,
      'a4cf12deadbelightstrip/brightness': 128,
    });
    expect(msg(a, 'kitchen-fan/status', 'online')).toEqual([{ kind: 'availability', deviceId: FAN, availability: 'ready' }]);
    expect(msg(a, 'kitchen-fan/status', 'offline')).toEqual([{ kind: 'availability', deviceId: FAN, availability: 'disconnected' }]);
    // Payloads that are neither are ignored, as Home Assistant does.
    expect(msg(a, 'kitchen-fan/status', 'rebooting')).toEqual([]);
  });

  it('encodes commands', () => {
    const a = esphome();
    expect(a.encodeSet(FAN, 'a4cf12deadbenumberfan_speed', 55)).toEqual({
      ok: true,
      command: { topic: 'kitchen-fan/number/fan_speed/command', payload: '55', retain: false },
    });
    expect(a.encodeSet(FAN, 'a4cf12deadbenumberfan_speed', 52)).toMatchObject({ ok: false, error: expect.stringMatching(/steps of 5/) });
    expect(a.encodeSet(FAN, 'a4cf12deadbenumberfan_speed', 101)).toMatchObject({ ok: false, error: expect.stringMatching(/out of range/) });
    expect(a.encodeSet(FAN, 'a4cf12deadbeswitchrelay', true)).toMatchObject({ ok: true, command: { payload: 'ON' } });
    expect(a.encodeSet(FAN, 'a4cf12deadbeswitchrelay', false)).toMatchObject({ ok: true, command: { payload: 'OFF' } });
    expect(a.encodeSet(FAN, 'a4cf12deadbeselectmode', 'Medium')).toMatchObject({ ok: true, command: { topic: 'kitchen-fan/select/mode/command', payload: 'Medium' } });
    expect(a.encodeSet(FAN, 'a4cf12deadbeselectmode', 'Turbo')).toMatchObject({ ok: false });
    expect(a.encodeSet(FAN, 'a4cf12deadbelightstrip', true)).toMatchObject({ ok: true, command: { topic: 'kitchen-fan/light/strip/command', payload: '{"state":"ON"}' } });
    expect(a.encodeSet(FAN, 'a4cf12deadbelightstrip/brightness', 200)).toMatchObject({ ok: true, command: { payload: '{"state":"ON","brightness":200}' } });
    expect(a.encodeSet(FAN, 'a4cf12deadbelightstrip/brightness', 256)).toMatchObject({ ok: false });
    expect(a.encodeSet(FAN, 'nope', 1)).toMatchObject({ ok: false });
    expect(a.encodeSet('ha:other', 'x', 1)).toMatchObject({ ok: false });
  });

  it('number defaults are Home Assistant\'s (min 1, max 100, step 1) and "None" resets', () => {
    const a = new HaDiscoveryAdapter();
    const d = lastDevice(config(a, 'homeassistant/number/n/config', { stat_t: 'n/s', cmd_t: 'n/c', uniq_id: 'n1' }));
    // No name and no device class on a number: HA's default name.
    expect(prop(d, 'n1')).toMatchObject({ min: 1, max: 100, step: 1, name: 'MQTT Number' });
    expect(msg(a, 'n/s', 'None')).toEqual([]);
    expect(values(msg(a, 'n/s', '7.0'))).toEqual({ n1: 7 });
  });

  it('a button is momentary and sends payload_press', () => {
    const a = new HaDiscoveryAdapter();
    const d = lastDevice(
      config(a, 'homeassistant/button/kitchen-fan/restart/config', {
        name: 'Restart',
        cmd_t: 'kitchen-fan/button/restart/command',
        dev_cla: 'restart',
        ent_cat: 'config',
        uniq_id: 'rst',
        dev: ESP_DEV,
      }),
    );
    expect(prop(d, 'rst')).toMatchObject({ datatype: 'boolean', settable: true, momentary: true });
    expect(prop(d, 'rst').retained).toBeUndefined();
    expect(a.encodeSet(FAN, 'rst', true)).toEqual({ ok: true, command: { topic: 'kitchen-fan/button/restart/command', payload: 'PRESS', retain: false } });
    expect(a.encodeSet(FAN, 'rst', false)).toMatchObject({ ok: false, error: expect.stringMatching(/can only be pressed/) });
    config(a, 'homeassistant/button/x/go/config', { cmd_t: 'x/go', pl_prs: 'GO', cmd_tpl: '{"action": "{{ value }}"}', uniq_id: 'go' });
    expect(a.encodeSet('ha:go', 'go', true)).toMatchObject({ ok: true, command: { payload: '{"action": "GO"}' } });
  });
});

describe('Tasmota-style "~" base topic', () => {
  const TASMOTA = {
    '~': 'tasmota_1A2B3C/',
    name: 'Kitchen relay',
    cmd_t: '~cmnd/POWER',
    stat_t: '~tele/STATE',
    val_tpl: '{{value_json.POWER}}',
    pl_off: 'OFF',
    pl_on: 'ON',
    avty_t: '~tele/LWT',
    pl_avail: 'Online',
    pl_not_avail: 'Offline',
    uniq_id: '1A2B3C_RL_1',
    dev: { ids: ['1A2B3C'] },
  };

  it('expands ~ at the start of topics, reads templated JSON state and LWT availability', () => {
    const a = new HaDiscoveryAdapter();
    config(a, 'homeassistant/switch/1A2B3C_RL_1/config', TASMOTA);
    expect(a.deviceSubscriptions('ha:1A2B3C')).toEqual(['tasmota_1A2B3C/tele/STATE']);
    expect(a.subscriptions()).toContain('tasmota_1A2B3C/tele/LWT');
    expect(values(msg(a, 'tasmota_1A2B3C/tele/STATE', '{"Time":"2025-03-01T12:00:00","Uptime":"0T01:00:00","POWER":"ON"}'))).toEqual({ '1A2B3C_RL_1': true });
    expect(msg(a, 'tasmota_1A2B3C/tele/LWT', 'Online')).toEqual([{ kind: 'availability', deviceId: 'ha:1A2B3C', availability: 'ready' }]);
    expect(a.encodeSet('ha:1A2B3C', '1A2B3C_RL_1', false)).toMatchObject({ ok: true, command: { topic: 'tasmota_1A2B3C/cmnd/POWER', payload: 'OFF' } });
  });

  it('expands ~ at the end of a topic too', () => {
    const a = new HaDiscoveryAdapter();
    config(a, 'homeassistant/sensor/t/config', { '~': 'dev42', stat_t: 'stat/~', uniq_id: 's' });
    expect(a.deviceSubscriptions('ha:s')).toEqual(['stat/dev42']);
  });

  it('a non-text ~ is a config error', () => {
    const a = new HaDiscoveryAdapter();
    expect(errorsOf(config(a, 'homeassistant/sensor/t/config', { '~': 5, stat_t: '~/x' }))).toEqual([expect.stringMatching(/"~"/)]);
  });
});

describe('Zigbee2MQTT-style configs', () => {
  const BRIDGE_AVTY = [{ topic: 'zigbee2mqtt/bridge/state', value_template: '{{ value_json.state }}' }];
  const DEV = { identifiers: ['zigbee2mqtt_0x0017880103a1d2f3'], manufacturer: 'Signify', model: 'LCT015', name: 'Living room lamp', via_device: 'zigbee2mqtt_bridge_0x00124b0022' };
  const LIGHT = {
    availability: BRIDGE_AVTY,
    brightness: true,
    brightness_scale: 254,
    command_topic: 'zigbee2mqtt/Living room lamp/set',
    device: DEV,
    name: null,
    object_id: 'living_room_lamp',
    origin: { name: 'Zigbee2MQTT', sw: '2.1.0', url: 'https://www.zigbee2mqtt.io' },
    schema: 'json',
    state_topic: 'zigbee2mqtt/Living room lamp',
    supported_color_modes: ['xy', 'color_temp'],
    unique_id: '0x0017880103a1d2f3_light_zigbee2mqtt',
  };
  const ID = 'ha:zigbee2mqtt_0x0017880103a1d2f3';
  const UID = '0x0017880103a1d2f3_light_zigbee2mqtt';

  it('a JSON-schema light named after its device (name: null), with bridge availability through a template', () => {
    const a = new HaDiscoveryAdapter();
    const d = lastDevice(config(a, 'homeassistant/light/0x0017880103a1d2f3/light/config', LIGHT));
    expect(d.name).toBe('Living room lamp');
    expect(d.properties).toEqual([
      { id: UID, name: 'Living room lamp', datatype: 'boolean', settable: true, momentary: false },
      { id: `${UID}/brightness`, name: 'Living room lamp Brightness', datatype: 'integer', settable: true, momentary: false, min: 0, max: 254 },
    ]);
    expect(d.aliases).toEqual(['zigbee2mqtt_0x0017880103a1d2f3']);
    expect(values(msg(a, 'zigbee2mqtt/Living room lamp', '{"brightness":254,"color_mode":"xy","linkquality":120,"state":"OFF"}'))).toEqual({
      [UID]: false,
      [`${UID}/brightness`]: 254,
    });
    expect(msg(a, 'zigbee2mqtt/bridge/state', '{"state":"online"}')).toEqual([{ kind: 'availability', deviceId: ID, availability: 'ready' }]);
    expect(a.encodeSet(ID, `${UID}/brightness`, 10)).toEqual({
      ok: true,
      command: { topic: 'zigbee2mqtt/Living room lamp/set', payload: '{"state":"ON","brightness":10}', retain: false },
    });
    // A partial state update leaves the other property alone.
    expect(values(msg(a, 'zigbee2mqtt/Living room lamp', '{"linkquality":90}'))).toEqual({});
  });

  it('binary sensor with boolean payload_on/off and a value_json template; sensor with a unit', () => {
    const a = new HaDiscoveryAdapter();
    config(a, 'homeassistant/binary_sensor/0x00158d0001/occupancy/config', {
      availability: BRIDGE_AVTY,
      device: { identifiers: ['zigbee2mqtt_0x00158d0001'], name: 'Hall motion' },
      device_class: 'motion',
      name: 'Occupancy',
      payload_off: false,
      payload_on: true,
      state_topic: 'zigbee2mqtt/Hall motion',
      unique_id: '0x00158d0001_occupancy_zigbee2mqtt',
      value_template: '{{ value_json.occupancy }}',
    });
    const d = lastDevice(
      config(a, 'homeassistant/sensor/0x00158d0001/illuminance/config', {
        device: { identifiers: ['zigbee2mqtt_0x00158d0001'], name: 'Hall motion' },
        name: 'Illuminance',
        state_class: 'measurement',
        state_topic: 'zigbee2mqtt/Hall motion',
        unique_id: '0x00158d0001_illuminance_zigbee2mqtt',
        unit_of_measurement: 'lx',
        value_template: '{{ value_json.illuminance }}',
      }),
    );
    expect(prop(d, '0x00158d0001_occupancy_zigbee2mqtt')).toMatchObject({ datatype: 'boolean', settable: false });
    expect(prop(d, '0x00158d0001_illuminance_zigbee2mqtt')).toMatchObject({ datatype: 'float', unit: 'lx', settable: false });
    expect(values(msg(a, 'zigbee2mqtt/Hall motion', '{"occupancy":true,"illuminance":31,"battery":100}'))).toEqual({
      '0x00158d0001_occupancy_zigbee2mqtt': true,
      '0x00158d0001_illuminance_zigbee2mqtt': 31,
    });
  });

  it('select with a JSON command template', () => {
    const a = new HaDiscoveryAdapter();
    config(a, 'homeassistant/select/0x01/effect/config', {
      command_topic: 'zigbee2mqtt/Bulb/set',
      command_template: '{"effect": "{{ value }}"}',
      device: { identifiers: ['zigbee2mqtt_0x01'], name: 'Bulb' },
      name: 'Effect',
      options: ['blink', 'breathe', 'okay'],
      state_topic: 'zigbee2mqtt/Bulb',
      value_template: '{{ value_json.effect }}',
      unique_id: '0x01_effect',
    });
    expect(values(msg(a, 'zigbee2mqtt/Bulb', '{"effect":"breathe"}'))).toEqual({ '0x01_effect': 'breathe' });
    expect(a.encodeSet('ha:zigbee2mqtt_0x01', '0x01_effect', 'okay')).toMatchObject({ ok: true, command: { topic: 'zigbee2mqtt/Bulb/set', payload: '{"effect": "okay"}' } });
  });
});

describe('default-schema light', () => {
  it('on/off plus brightness on their own topics, with scale and templates', () => {
    const a = new HaDiscoveryAdapter();
    const d = lastDevice(
      config(a, 'homeassistant/light/shelly/dimmer/config', {
        name: 'Dimmer',
        cmd_t: 'shelly/light/0/command',
        stat_t: 'shelly/light/0',
        pl_on: 'on',
        pl_off: 'off',
        bri_cmd_t: 'shelly/light/0/set',
        bri_cmd_tpl: '{"brightness": {{ value }}}',
        bri_stat_t: 'shelly/light/0/status',
        bri_val_tpl: '{{ value_json.brightness }}',
        bri_scl: 100,
        uniq_id: 'shelly-dimmer',
      }),
    );
    expect(d.properties.map((p) => [p.id, p.datatype, p.max])).toEqual([
      ['shelly-dimmer', 'boolean', undefined],
      ['shelly-dimmer/brightness', 'integer', 100],
    ]);
    expect(values(msg(a, 'shelly/light/0', 'on'))).toEqual({ 'shelly-dimmer': true });
    expect(values(msg(a, 'shelly/light/0/status', '{"ison":true,"brightness":40}'))).toEqual({ 'shelly-dimmer/brightness': 40 });
    expect(a.encodeSet('ha:shelly-dimmer', 'shelly-dimmer', false)).toMatchObject({ ok: true, command: { topic: 'shelly/light/0/command', payload: 'off' } });
    expect(a.encodeSet('ha:shelly-dimmer', 'shelly-dimmer/brightness', 75)).toMatchObject({ ok: true, command: { topic: 'shelly/light/0/set', payload: '{"brightness": 75}' } });
  });

  it('an unsupported light schema is a config error', () => {
    const a = new HaDiscoveryAdapter();
    expect(errorsOf(config(a, 'homeassistant/light/x/config', { schema: 'template', cmd_t: 'x', command_on_template: 'on' }))).toEqual([
      expect.stringMatching(/schema "template" is not supported/),
    ]);
  });
});

describe('device-based discovery (cmps)', () => {
  const DEVICE_CONFIG = {
    dev: { ids: 'ea334450945afc', name: 'Kitchen', mf: 'Bla electronics', mdl: 'xya', sw: '1.0', sn: 'ea334450945afc', hw: '1.0rev2' },
    o: { name: 'bla2mqtt', sw: '2.1', url: 'https://bla2mqtt.example.com/support' },
    cmps: {
      some_unique_component_id1: { p: 'sensor', dev_cla: 'temperature', unit_of_meas: '°C', val_tpl: '{{ value_json.temperature }}', uniq_id: 'temp01ae_t' },
      some_unique_id2: { p: 'sensor', dev_cla: 'humidity', unit_of_meas: '%', val_tpl: '{{ value_json.humidity }}', uniq_id: 'temp01ae_h' },
      relay: { p: 'switch', cmd_t: 'kitchen/relay/set', stat_t: 'kitchen/relay', uniq_id: 'relay01' },
    },
    stat_t: 'sensorBedroom/state',
    avty_t: 'sensorBedroom/availability',
    qos: 2,
  };

  it('builds one device; shared options are inherited unless a component sets its own', () => {
    const a = new HaDiscoveryAdapter();
    const d = lastDevice(config(a, 'homeassistant/device/ea334450945afc/config', DEVICE_CONFIG));
    expect(d.id).toBe('ha:ea334450945afc');
    expect(d.name).toBe('Kitchen');
    expect(d.properties.map((p) => p.id)).toEqual(['temp01ae_t', 'temp01ae_h', 'relay01']);
    expect(a.subscriptions()).toContain('sensorBedroom/availability');
    expect(a.deviceSubscriptions('ha:ea334450945afc')).toEqual(['kitchen/relay', 'sensorBedroom/state']);
    expect(values(msg(a, 'sensorBedroom/state', '{"temperature":23.2,"humidity":43.7}'))).toEqual({ temp01ae_t: 23.2, temp01ae_h: 43.7 });
    expect(values(msg(a, 'kitchen/relay', 'ON'))).toEqual({ relay01: true });
    expect(msg(a, 'sensorBedroom/availability', 'online')).toEqual([{ kind: 'availability', deviceId: 'ha:ea334450945afc', availability: 'ready' }]);
  });

  it('a component with only its platform, or left out of an update, is removed; an empty payload removes all', () => {
    const a = new HaDiscoveryAdapter();
    config(a, 'homeassistant/device/ea334450945afc/config', DEVICE_CONFIG);
    const update = { ...DEVICE_CONFIG, cmps: { some_unique_component_id1: DEVICE_CONFIG.cmps.some_unique_component_id1, some_unique_id2: { p: 'sensor' } } };
    const d = lastDevice(config(a, 'homeassistant/device/ea334450945afc/config', update));
    expect(d.properties.map((p) => p.id)).toEqual(['temp01ae_t']);
    expect(a.encodeSet('ha:ea334450945afc', 'relay01', true)).toMatchObject({ ok: false });
    expect(a.handleMessage('homeassistant/device/ea334450945afc/config', EMPTY, true)).toEqual([{ kind: 'device-removed', deviceId: 'ha:ea334450945afc' }]);
    expect(a.subscriptions()).toEqual(['homeassistant/+/+/config', 'homeassistant/+/+/+/config']);
  });

  it('a device config without dev or cmps is an error for that device only', () => {
    const a = new HaDiscoveryAdapter();
    expect(errorsOf(config(a, 'homeassistant/device/k/config', { o: { name: 'x' }, cmps: {} }))).toEqual([expect.stringMatching(/"device"/)]);
    expect(errorsOf(config(a, 'homeassistant/device/k2/config', { dev: { name: 'no ids' }, cmps: {} }))).toEqual([expect.stringMatching(/identifiers/)]);
    expect(errorsOf(config(a, 'homeassistant/device/k3/config', { dev: { ids: 'k3' }, cmps: { a: { stat_t: 'x' } } }))).toEqual([expect.stringMatching(/platform/)]);
  });
});

describe('availability', () => {
  function withAvailability(extra: Record<string, unknown>): HaDiscoveryAdapter {
    const a = new HaDiscoveryAdapter();
    config(a, 'homeassistant/sensor/s/config', { stat_t: 's/state', uniq_id: 's', ...extra });
    return a;
  }

  it('defaults: latest of the list, payloads online/offline', () => {
    const a = withAvailability({ avty: [{ t: 'a' }, { t: 'b', pl_avail: 'up', pl_not_avail: 'down' }] });
    expect(msg(a, 'a', 'online')).toEqual([{ kind: 'availability', deviceId: 'ha:s', availability: 'ready' }]);
    expect(msg(a, 'b', 'down')).toEqual([{ kind: 'availability', deviceId: 'ha:s', availability: 'disconnected' }]);
    expect(msg(a, 'a', 'online')).toEqual([{ kind: 'availability', deviceId: 'ha:s', availability: 'ready' }]);
  });

  it('mode all: online only when every topic says so', () => {
    const a = withAvailability({ avty: [{ t: 'a' }, { t: 'b' }], avty_mode: 'all' });
    expect(msg(a, 'a', 'online')).toEqual([]);
    expect(msg(a, 'b', 'online')).toEqual([{ kind: 'availability', deviceId: 'ha:s', availability: 'ready' }]);
    expect(msg(a, 'a', 'offline')).toEqual([{ kind: 'availability', deviceId: 'ha:s', availability: 'disconnected' }]);
  });

  it('mode any: online when one topic says so', () => {
    const a = withAvailability({ avty: [{ t: 'a' }, { t: 'b' }], avty_mode: 'any' });
    expect(msg(a, 'a', 'offline')).toEqual([]);
    expect(msg(a, 'b', 'online')).toEqual([{ kind: 'availability', deviceId: 'ha:s', availability: 'ready' }]);
    expect(msg(a, 'b', 'offline')).toEqual([{ kind: 'availability', deviceId: 'ha:s', availability: 'disconnected' }]);
  });

  it('availability list and availability_topic are exclusive; an unknown mode is an error', () => {
    expect(errorsOf(config(new HaDiscoveryAdapter(), 'homeassistant/sensor/s/config', { stat_t: 's', avty: [{ t: 'a' }], avty_t: 'b' }))).toEqual([
      expect.stringMatching(/cannot both be set/),
    ]);
    expect(errorsOf(config(new HaDiscoveryAdapter(), 'homeassistant/sensor/s/config', { stat_t: 's', avty_t: 'b', avty_mode: 'most' }))).toEqual([
      expect.stringMatching(/availability_mode/),
    ]);
  });
});

describe('read-only and refused', () => {
  it('an unsupported value template makes the entity read-only and its values value-errors', () => {
    const a = new HaDiscoveryAdapter();
    // HA state is not available outside Home Assistant.
    const tpl = "{{ 'ON' if is_state('input_boolean.x', 'on') else 'OFF' }}";
    const reason = `template not supported (the function is_state()): ${tpl}`;
    const d = lastDevice(config(a, 'homeassistant/switch/s/config', { stat_t: 's/state', cmd_t: 's/set', val_tpl: tpl, uniq_id: 'sw' }));
    expect(prop(d, 'sw')).toMatchObject({ settable: false, readOnlyReason: reason });
    expect(msg(a, 's/state', '{"state":1}')).toEqual([{ kind: 'value-error', deviceId: 'ha:sw', propertyId: 'sw', error: reason, raw: '{"state":1}' }]);
    expect(a.encodeSet('ha:sw', 'sw', true)).toEqual({ ok: false, error: `MQTT Switch: read-only: ${reason}` });
  });

  it('an unsupported command template makes it read-only but values still show', () => {
    const a = new HaDiscoveryAdapter();
    const d = lastDevice(config(a, 'homeassistant/number/n/config', { stat_t: 'n/s', cmd_t: 'n/c', cmd_tpl: '{{ value | sqrt }}', uniq_id: 'n' }));
    expect(prop(d, 'n').readOnlyReason).toBe('template not supported (the filter "sqrt"): {{ value | sqrt }}');
    expect(values(msg(a, 'n/s', '5'))).toEqual({ n: 5 });
  });

  it('a command template gets the typed value, as HA gives it', () => {
    const a = new HaDiscoveryAdapter();
    config(a, 'homeassistant/number/n/config', { stat_t: 'n/s', cmd_t: 'n/c', cmd_tpl: '{{ value * 10 }}', min: 0, max: 10, step: 0.5, uniq_id: 'n' });
    expect(a.encodeSet('ha:n', 'n', 2)).toMatchObject({ ok: true, command: { payload: '20' } });
    expect(a.encodeSet('ha:n', 'n', 2.5)).toMatchObject({ ok: true, command: { payload: '25.0' } });
  });

  it('a command template that fails on a value refuses to send it', () => {
    const a = new HaDiscoveryAdapter();
    config(a, 'homeassistant/select/s/config', { stat_t: 's/s', cmd_t: 's/c', ops: ['a', 'b'], cmd_tpl: '{{ value | int }}', uniq_id: 's' });
    expect(a.encodeSet('ha:s', 's', 'a')).toEqual({ ok: false, error: expect.stringMatching(/^MQTT Select: command_template: int got invalid input 'a'/) });
  });

  it('an optimistic entity (no state topic, or optimistic: true) is settable and says it does not report', () => {
    const a = new HaDiscoveryAdapter();
    const d = lastDevice(config(a, 'homeassistant/switch/s/config', { cmd_t: 's/set', uniq_id: 'opt' }));
    expect(prop(d, 'opt')).toMatchObject({ settable: true, reports: false });
    expect(prop(d, 'opt').readOnlyReason).toBeUndefined();
    expect(a.encodeSet('ha:opt', 'opt', true)).toEqual({ ok: true, command: { topic: 's/set', payload: 'ON', retain: false } });
    const forced = lastDevice(config(a, 'homeassistant/switch/t/config', { stat_t: 't/state', cmd_t: 't/set', opt: true, uniq_id: 'forced' }));
    expect(prop(forced, 'forced')).toMatchObject({ settable: true, reports: false });
    // A read-only entity is not "optimistic": it never gets reports: false.
    const ro = lastDevice(config(a, 'homeassistant/sensor/u/config', { stat_t: 'u/state', uniq_id: 'ro' }));
    expect(prop(ro, 'ro').reports).toBeUndefined();
  });

  it('never publishes to <prefix>/status or to a discovery config topic', () => {
    const a = new HaDiscoveryAdapter();
    const d = lastDevice(config(a, 'homeassistant/switch/s/config', { stat_t: 's/state', cmd_t: 'homeassistant/status', uniq_id: 'birth' }));
    expect(prop(d, 'birth')).toMatchObject({ settable: false, readOnlyReason: expect.stringMatching(/status \(birth\) topic/) });
    expect(a.encodeSet('ha:birth', 'birth', true)).toMatchObject({ ok: false });
    const c = lastDevice(config(a, 'homeassistant/button/b/config', { cmd_t: 'homeassistant/switch/s/config', uniq_id: 'cfg' }));
    expect(prop(c, 'cfg').readOnlyReason).toMatch(/discovery config topic/);
    expect(a.refuseCommandTopic('homeassistant/status')).toMatch(/refusing/);
    expect(a.refuseCommandTopic('kitchen/relay/set')).toBeNull();
  });

  it('the router refuses <prefix>/status whichever adapter encoded it', () => {
    const mapped = new MappedAdapter({
      version: 1,
      devices: [{ id: 'm', name: 'M', properties: [{ id: 'p', name: 'P', datatype: 'string', retained: false, set: { topic: 'homeassistant/status', template: '{value}' } }] }],
    });
    const router = new ConventionRouter([mapped, new HaDiscoveryAdapter()]);
    expect(mapped.encodeSet('mapped:m', 'p', 'online')).toMatchObject({ ok: true });
    expect(router.encodeSet('mapped:m', 'p', 'online')).toEqual({ ok: false, error: expect.stringMatching(/refusing to publish to homeassistant\/status/) });
  });
});

describe('removal and regrouping', () => {
  it('an empty config removes the entity; the last one removes the device', () => {
    const a = esphome();
    const after = config(a, 'homeassistant/switch/kitchen-fan/relay/config', '');
    expect(lastDevice(after).properties.map((p) => p.id)).not.toContain('a4cf12deadbeswitchrelay');
    expect(msg(a, 'kitchen-fan/switch/relay/state', 'ON')).toEqual([]);
    config(a, 'homeassistant/number/kitchen-fan/fan_speed/config', '');
    config(a, 'homeassistant/select/kitchen-fan/mode/config', '');
    expect(config(a, 'homeassistant/light/kitchen-fan/strip/config', '')).toEqual([{ kind: 'device-removed', deviceId: FAN }]);
  });

  it('an entity that changes device leaves the old one', () => {
    const a = new HaDiscoveryAdapter();
    config(a, 'homeassistant/sensor/x/a/config', { stat_t: 'a', uniq_id: 'a', dev: { ids: ['one'] } });
    config(a, 'homeassistant/sensor/x/b/config', { stat_t: 'b', uniq_id: 'b', dev: { ids: ['one'] } });
    const moved = config(a, 'homeassistant/sensor/x/b/config', { stat_t: 'b', uniq_id: 'b', dev: { ids: ['two'] } });
    expect(devices(moved).map((d) => [d.id, d.properties.map((p) => p.id)])).toEqual([
      ['ha:one', ['a']],
      ['ha:two', ['b']],
    ]);
  });

  it('entities without a device are devices of their own; without unique_id the id is <component>/<discovery id>', () => {
    const a = new HaDiscoveryAdapter();
    const d = lastDevice(config(a, 'homeassistant/sensor/garden/temp/config', { name: 'Garden', stat_t: 'garden/t', unit_of_meas: '°C' }));
    expect(d).toMatchObject({ id: 'ha:sensor/garden/temp', name: 'Garden', properties: [{ id: 'sensor/garden/temp' }] });
  });
});

describe('bad input', () => {
  it('malformed JSON, non-object configs and over-size configs are errors of that entity\'s device', () => {
    const a = new HaDiscoveryAdapter();
    expect(config(a, 'homeassistant/sensor/x/config', '{not json')).toEqual([
      { kind: 'device-error', deviceId: 'ha:sensor/x', error: expect.stringMatching(/not valid JSON/) },
    ]);
    expect(errorsOf(config(a, 'homeassistant/sensor/y/config', '[1,2]'))).toEqual([expect.stringMatching(/not a JSON object/)]);
    expect(errorsOf(a.handleMessage('homeassistant/sensor/z/config', new Uint8Array([0xff, 0xfe]), true))).toEqual([expect.stringMatching(/UTF-8/)]);
  });

  it('a config that turns bad drops the entity (nothing may be written through it) but keeps its device', () => {
    const a = esphome();
    const events = config(a, 'homeassistant/switch/kitchen-fan/relay/config', '{"stat_t":');
    expect(lastDevice(events).properties.map((p) => p.id)).not.toContain('a4cf12deadbeswitchrelay');
    expect(events.at(-1)).toMatchObject({ kind: 'device-error', deviceId: FAN });
    expect(a.encodeSet(FAN, 'a4cf12deadbeswitchrelay', true)).toMatchObject({ ok: false });
    expect(a.encodeSet(FAN, 'a4cf12deadbenumberfan_speed', 20)).toMatchObject({ ok: true });
    // Fixed again: the device is re-announced without the error.
    const fixed = config(a, 'homeassistant/switch/kitchen-fan/relay/config', ESP_SWITCH);
    expect(fixed.map((e) => e.kind)).toEqual(['device']);
  });

  it('self-contradicting schemas: min > max, select without options', () => {
    const a = new HaDiscoveryAdapter();
    expect(errorsOf(config(a, 'homeassistant/number/n/config', { stat_t: 's', cmd_t: 'c', min: 10, max: 5, uniq_id: 'n' }))).toEqual([
      expect.stringMatching(/min 10 is greater than max 5/),
    ]);
    expect(errorsOf(config(a, 'homeassistant/select/s/config', { stat_t: 's', cmd_t: 'c', ops: [], uniq_id: 's' }))).toEqual([expect.stringMatching(/enum has no values/)]);
    expect(errorsOf(config(a, 'homeassistant/select/t/config', { stat_t: 's', cmd_t: 'c', uniq_id: 't' }))).toEqual([expect.stringMatching(/options must be a list/)]);
    expect(errorsOf(config(a, 'homeassistant/number/m/config', { stat_t: 's', cmd_t: 'c', min: 'low' }))).toEqual([expect.stringMatching(/min must be a number/)]);
  });

  it('wildcards and odd characters in topics', () => {
    const a = new HaDiscoveryAdapter();
    // A state topic may be a filter (OpenMQTTGateway); a command topic never.
    expect(errorsOf(config(a, 'homeassistant/sensor/w/config', { stat_t: 'zigbee2mqtt/+/state' }))).toEqual([]);
    expect(errorsOf(config(a, 'homeassistant/switch/w2/config', { stat_t: 'a', cmd_t: 'a/#' }))).toEqual([expect.stringMatching(/wildcard/)]);
    expect(errorsOf(config(a, 'homeassistant/sensor/w5/config', { stat_t: 'a/b+/c' }))).toEqual([expect.stringMatching(/whole level/)]);
    expect(errorsOf(config(a, 'homeassistant/sensor/w6/config', { stat_t: '#' }))).toEqual([expect.stringMatching(/every topic/)]);
    expect(errorsOf(config(a, 'homeassistant/sensor/w3/config', { stat_t: 'a\u0000b' }))).toEqual([expect.stringMatching(/NUL/)]);
    expect(errorsOf(config(a, 'homeassistant/sensor/w4/config', { stat_t: '' }))).toEqual([expect.stringMatching(/empty/)]);
  });

  it('markup in names is kept as plain text', () => {
    const a = new HaDiscoveryAdapter();
    const d = lastDevice(config(a, 'homeassistant/sensor/m/config', { name: '<img src=x onerror=alert(1)>', stat_t: 'm', dev: { ids: ['m'], name: '<b>Dev</b>' } }));
    expect(d.name).toBe('<b>Dev</b>');
    expect(d.properties[0]?.name).toBe('<b>Dev</b> <img src=x onerror=alert(1)>');
  });

  it('payloads that do not parse, and payloads over 256 KB', () => {
    const a = esphome();
    expect(msg(a, 'kitchen-fan/number/fan_speed/state', 'fast')).toEqual([
      { kind: 'value-error', deviceId: FAN, propertyId: 'a4cf12deadbenumberfan_speed', error: '"fast" is not a number', raw: 'fast' },
    ]);
    expect(errorsOf(msg(a, 'kitchen-fan/number/fan_speed/state', '150'))).toEqual(['out of range 0..100']);
    expect(errorsOf(msg(a, 'kitchen-fan/switch/relay/state', 'on'))).toEqual(['"on" is neither "ON" nor "OFF"']);
    expect(errorsOf(msg(a, 'kitchen-fan/light/strip/state', 'ON'))).toEqual(['state is not a JSON object', 'state is not a JSON object']);
    const big = new Uint8Array(256 * 1024 + 1).fill(0x31);
    expect(a.handleMessage('kitchen-fan/number/fan_speed/state', big, true)).toEqual([
      {
        kind: 'value-error',
        deviceId: FAN,
        propertyId: 'a4cf12deadbenumberfan_speed',
        error: 'payload of 262145 bytes is larger than 256 KB; not shown in full',
        raw: '1'.repeat(200),
      },
    ]);
    expect(msg(a, 'kitchen-fan/number/fan_speed/state', '')).toEqual([]);
  });

  it('one device\'s bad config does not touch another device', () => {
    const a = esphome();
    config(a, 'homeassistant/sensor/other/t/config', { stat_t: 'other/t', uniq_id: 'ot', dev: { ids: ['other'] } });
    const events = [
      ...config(a, 'homeassistant/sensor/other/t/config', '{"broken'),
      ...config(a, 'homeassistant/sensor/other/u/config', { stat_t: 'other/u', min: 'x', uniq_id: 'ou', dev: { ids: ['other'] } }),
    ];
    expect(events.every((e) => (e.kind === 'device' ? e.device.id : e.deviceId) === 'ha:other')).toBe(true);
    expect(values(msg(a, 'kitchen-fan/select/mode/state', 'Low'))).toEqual({ a4cf12deadbeselectmode: 'Low' });
  });

  it('duplicate unique_ids inside one device: the later entity is left out with an error', () => {
    const a = new HaDiscoveryAdapter();
    config(a, 'homeassistant/sensor/d/a/config', { stat_t: 'a', uniq_id: 'same', dev: { ids: ['d'] } });
    const events = config(a, 'homeassistant/sensor/d/b/config', { stat_t: 'b', uniq_id: 'same', dev: { ids: ['d'] } });
    expect(events).toEqual([{ kind: 'device-error', deviceId: 'ha:d', error: expect.stringMatching(/already used/) }]);
    expect(msg(a, 'b', 'x')).toEqual([]);
    expect(values(msg(a, 'a', 'x'))).toEqual({ same: 'x' });
  });
});
