import { describe, expect, it } from 'vitest';
import type { AdapterEvent } from '../../src/conventions/adapter.js';
import { HaDiscoveryAdapter } from '../../src/conventions/ha/adapter.js';
import { friendlyName, ownName } from '../../src/conventions/ha/naming.js';
import { filterMatches, filterProblem } from '../../src/conventions/ha/topic-index.js';
import type { DeviceSchema } from '../../src/model/types.js';

const enc = new TextEncoder();
const send = (a: HaDiscoveryAdapter, topic: string, body: unknown, retained = true): AdapterEvent[] =>
  a.handleMessage(topic, enc.encode(typeof body === 'string' ? body : JSON.stringify(body)), retained);
const lastDevice = (events: AdapterEvent[]): DeviceSchema => {
  const d = events.flatMap((e) => (e.kind === 'device' ? [e.device] : [])).at(-1);
  if (!d) throw new Error(`no device event in ${JSON.stringify(events)}`);
  return d;
};
const names = (d: DeviceSchema): string[] => d.properties.map((p) => p.name);
const availabilities = (events: AdapterEvent[]): string[] => events.flatMap((e) => (e.kind === 'availability' ? [e.availability] : []));

describe('naming (naming.ts)', () => {
  const withDevice = { hasDevice: true, deviceName: 'Bedroom', fallback: 'obj' };
  it('own part: name, null, device class, default name', () => {
    expect(ownName({ name: 'Reading lamp' }, 'switch')).toBe('Reading lamp');
    expect(ownName({ name: null }, 'switch')).toBeNull();
    expect(ownName({ device_class: 'temperature' }, 'sensor')).toBe('Temperature');
    expect(ownName({ device_class: 'restart' }, 'button')).toBe('Restart');
    expect(ownName({ device_class: 'enum' }, 'sensor')).toBe('MQTT Sensor');
    // A device class without a name leaves the entity unnamed: it shows its device's name.
    expect(ownName({ device_class: 'no_such_class' }, 'sensor')).toBeNull();
    expect(ownName({ device_class: 'constructor' }, 'binary_sensor')).toBeNull();
    // Device classes name entities only on the platforms HA does it for.
    expect(ownName({ device_class: 'blind' }, 'cover')).toBe('MQTT Cover');
    expect(ownName({}, 'light:json')).toBe('MQTT JSON Light');
    expect(ownName({}, 'device_tracker')).toBeNull();
    expect(ownName({ name: '' }, 'switch')).toBeNull();
    expect(ownName({ name: 7 }, 'sensor')).toBe('7');
  });

  it('friendly name: device + own part, device alone, own alone', () => {
    expect(friendlyName('Temperature', withDevice)).toBe('Bedroom Temperature');
    expect(friendlyName(null, withDevice)).toBe('Bedroom');
    // As HA since 2024.2: a name equal to the device name is not collapsed.
    expect(friendlyName('Bedroom', withDevice)).toBe('Bedroom Bedroom');
    expect(friendlyName('Garden', { hasDevice: false, fallback: 'obj' })).toBe('Garden');
    expect(friendlyName(null, { hasDevice: false, fallback: 'obj' })).toBe('obj');
    expect(friendlyName('Temperature', { hasDevice: true, fallback: 'obj' })).toBe('Temperature');
  });

  it('names follow a device name that arrives with a later config', () => {
    const a = new HaDiscoveryAdapter();
    const first = lastDevice(send(a, 'homeassistant/sensor/h/config', { dev_cla: 'humidity', stat_t: 's', uniq_id: 'h', dev: { ids: ['d1'] } }));
    expect(names(first)).toEqual(['Humidity']);
    const later = lastDevice(send(a, 'homeassistant/sensor/t/config', { dev_cla: 'temperature', stat_t: 's', uniq_id: 't', dev: { ids: ['d1'], name: 'Bedroom' } }));
    expect(names(later).sort()).toEqual(['Bedroom Humidity', 'Bedroom Temperature']);
  });

  it('names that would repeat inside a device get the object id', () => {
    const a = new HaDiscoveryAdapter();
    send(a, 'homeassistant/switch/d/relay1/config', { name: null, cmd_t: 'r1', uniq_id: 'r1', dev: { ids: ['d'], name: 'Plug' } });
    const d = lastDevice(send(a, 'homeassistant/switch/d/relay2/config', { name: null, cmd_t: 'r2', uniq_id: 'r2', dev: { ids: ['d'], name: 'Plug' } }));
    expect(names(d).sort()).toEqual(['Plug (relay1)', 'Plug (relay2)']);
  });
});

describe('availability', () => {
  it('an entity without availability is available at once', () => {
    const a = new HaDiscoveryAdapter();
    expect(availabilities(send(a, 'homeassistant/sensor/s/config', { stat_t: 's', uniq_id: 's' }))).toEqual(['ready']);
  });

  it('a configured availability decides; until it is heard the device is unknown', () => {
    const a = new HaDiscoveryAdapter();
    send(a, 'homeassistant/sensor/d/a/config', { stat_t: 's', uniq_id: 'a', dev: { ids: ['d'] } });
    const withAvailability = send(a, 'homeassistant/sensor/d/b/config', { stat_t: 's', avty_t: 'd/lwt', uniq_id: 'b', dev: { ids: ['d'] } });
    expect(availabilities(withAvailability)).toEqual(['unknown']);
    expect(availabilities(send(a, 'd/lwt', 'offline'))).toEqual(['disconnected']);
    expect(availabilities(send(a, 'd/lwt', 'online'))).toEqual(['ready']);
    // Removing the entity with availability leaves one that is always available.
    send(a, 'd/lwt', 'offline');
    expect(availabilities(send(a, 'homeassistant/sensor/d/b/config', ''))).toEqual(['ready']);
  });
});

describe('wildcard state topics (OpenMQTTGateway)', () => {
  it('filters are valid only as whole levels and never match everything', () => {
    expect(filterProblem('+/+/BTtoMQTT/A4C138B2C3D4')).toBeNull();
    expect(filterProblem('home/#')).toBeNull();
    expect(filterProblem('home/#/x')).toMatch(/last level/);
    expect(filterProblem('+/#')).toMatch(/every topic/);
    expect(filterMatches('+/+/BTtoMQTT/X', 'home/gw/BTtoMQTT/X')).toBe(true);
    expect(filterMatches('+/+/BTtoMQTT/X', 'home/BTtoMQTT/X')).toBe(false);
    expect(filterMatches('+/x', '$SYS/x')).toBe(false);
  });

  it('subscribes to the filter while its device is needed and routes every matching topic to the entity', () => {
    const a = new HaDiscoveryAdapter();
    send(a, 'homeassistant/sensor/X-tempc/config', { stat_t: '+/+/BTtoMQTT/X', val_tpl: '{{ value_json.tempc | is_defined }}', unit_of_meas: '°C', uniq_id: 'X-tempc', dev: { ids: ['X'], name: 'Thermo' } });
    expect(a.deviceSubscriptions('ha:X')).toEqual(['+/+/BTtoMQTT/X']);
    expect(a.handles('home/gw1/BTtoMQTT/X')).toBe(true);
    expect(a.handles('home/gw1/BTtoMQTT/Y')).toBe(false);
    const events = [...send(a, 'home/gw1/BTtoMQTT/X', { tempc: 20.5 }, false), ...send(a, 'office/gw2/BTtoMQTT/X', { tempc: 21 }, false)];
    expect(events.flatMap((e) => (e.kind === 'value' ? [e.value] : []))).toEqual([20.5, 21]);
  });
});

describe('Tasmota queries', () => {
  const relay = { name: 'Relay', stat_t: 'tele/t1/STATE', cmd_t: 'cmnd/t1/POWER', val_tpl: '{{value_json.POWER}}', uniq_id: 'C0FFEE_RL_1', dev: { ids: ['C0FFEE'] } };
  const status = { name: 'Tasmota status', stat_t: 'tele/t1/HASS_STATE', val_tpl: "{{value_json['RSSI']}}", unit_of_meas: '%', uniq_id: 'C0FFEE_status', dev: { ids: ['C0FFEE'], name: 'Tasmota', mf: 'Tasmota', sw: '12.5.0(tasmota)' } };

  it('is queryable once the device is known to be Tasmota, and only for state on tele/STATE', () => {
    const a = new HaDiscoveryAdapter();
    const before = lastDevice(send(a, 'homeassistant/switch/C0FFEE_RL_1/config', relay));
    expect(before.properties[0]?.queryable).toBeUndefined();
    expect(a.encodeQuery('ha:C0FFEE', 'C0FFEE_RL_1')).toBeNull();
    const after = lastDevice(send(a, 'homeassistant/sensor/C0FFEE_status/config', status));
    expect(after.properties.find((p) => p.id === 'C0FFEE_RL_1')?.queryable).toBe(true);
    expect(after.properties.find((p) => p.id === 'C0FFEE_status')?.queryable).toBeUndefined();
    expect(a.encodeQuery('ha:C0FFEE', 'C0FFEE_RL_1')).toEqual({ ok: true, command: { topic: 'cmnd/t1/STATE', payload: '', retain: false } });
    expect(a.encodeQuery('ha:C0FFEE', 'C0FFEE_status')).toBeNull();
  });

  it('other firmware with the same topic shape is not asked', () => {
    const a = new HaDiscoveryAdapter();
    send(a, 'homeassistant/switch/x/config', { ...relay, uniq_id: 'x', dev: { ids: ['other'], mf: 'Espressif' } });
    expect(a.encodeQuery('ha:other', 'x')).toBeNull();
  });
});

describe('aliases', () => {
  it('identifiers as given, connections as type:value, from every entity of the device', () => {
    const a = new HaDiscoveryAdapter();
    send(a, 'homeassistant/sensor/d/a/config', { stat_t: 's', uniq_id: 'a', dev: { ids: ['zigbee2mqtt_0x01'], name: 'Lamp' } });
    const d = lastDevice(send(a, 'homeassistant/sensor/d/b/config', { stat_t: 's', uniq_id: 'b', dev: { ids: ['zigbee2mqtt_0x01'], cns: [['mac', '00:11'], ['zigbee', '0x01']] } }));
    expect(d.aliases).toEqual(['mac:00:11', 'zigbee2mqtt_0x01', 'zigbee:0x01']);
  });
});

describe('more components', () => {
  it('fan: on/off, speed in the device\'s own levels, preset, oscillation, direction', () => {
    const a = new HaDiscoveryAdapter();
    const d = lastDevice(
      send(a, 'homeassistant/fan/f/config', {
        name: 'Fan',
        cmd_t: 'f/set',
        stat_t: 'f/state',
        pct_cmd_t: 'f/pct/set',
        pct_stat_t: 'f/pct',
        spd_rng_max: 6,
        pr_mode_cmd_t: 'f/preset/set',
        pr_mode_stat_t: 'f/preset',
        pr_modes: ['auto', 'sleep'],
        osc_cmd_t: 'f/osc/set',
        osc_stat_t: 'f/osc',
        dir_cmd_t: 'f/dir/set',
        dir_stat_t: 'f/dir',
        uniq_id: 'fan1',
        dev: { ids: ['k'], name: 'Kitchen' },
      }),
    );
    expect(d.properties.map((p) => [p.name, p.datatype, p.max])).toEqual([
      ['Kitchen Fan', 'boolean', undefined],
      ['Kitchen Fan Speed', 'integer', 6],
      ['Kitchen Fan Preset mode', 'enum', undefined],
      ['Kitchen Fan Oscillation', 'boolean', undefined],
      ['Kitchen Fan Direction', 'enum', undefined],
    ]);
    expect(a.encodeSet('ha:k', 'fan1/oscillation', true)).toMatchObject({ ok: true, command: { topic: 'f/osc/set', payload: 'oscillate_on' } });
    expect(a.encodeSet('ha:k', 'fan1/direction', 'reverse')).toMatchObject({ ok: true, command: { topic: 'f/dir/set', payload: 'reverse' } });
    expect(a.encodeSet('ha:k', 'fan1/speed', 7)).toMatchObject({ ok: false });
  });

  it('lock: moving states are skipped, a jam is a value error', () => {
    const a = new HaDiscoveryAdapter();
    send(a, 'homeassistant/lock/l/config', { name: 'Door', cmd_t: 'l/set', stat_t: 'l/state', uniq_id: 'l' });
    expect(send(a, 'l/state', 'LOCKING')).toEqual([]);
    expect(send(a, 'l/state', 'JAMMED')).toEqual([{ kind: 'value-error', deviceId: 'ha:l', propertyId: 'l', error: 'the lock reports it is jammed', raw: 'JAMMED' }]);
  });

  it('valve reporting its position is a position number; text checks length and pattern before sending', () => {
    const a = new HaDiscoveryAdapter();
    const v = lastDevice(send(a, 'homeassistant/valve/v/config', { name: 'Valve', cmd_t: 'v/set', stat_t: 'v/state', pos: true, uniq_id: 'v' }));
    expect(v.properties.map((p) => [p.name, p.min, p.max])).toEqual([['Valve Position', 0, 100]]);
    expect(a.encodeSet('ha:v', 'v/position', 40)).toMatchObject({ ok: true, command: { topic: 'v/set', payload: '40' } });
    send(a, 'homeassistant/text/t/config', { name: 'Code', cmd_t: 't/set', stat_t: 't/state', min: 2, max: 4, ptrn: '[0-9]+', uniq_id: 't' });
    expect(a.encodeSet('ha:t', 't', '12a')).toMatchObject({ ok: false, error: expect.stringMatching(/pattern/) });
    expect(a.encodeSet('ha:t', 't', '12345')).toMatchObject({ ok: false, error: expect.stringMatching(/2 to 4 characters/) });
    expect(a.encodeSet('ha:t', 't', '1234')).toMatchObject({ ok: true, command: { payload: '1234' } });
  });

  it('scene is a momentary command; update, event and device_tracker are read', () => {
    const a = new HaDiscoveryAdapter();
    const scene = lastDevice(send(a, 'homeassistant/scene/s/config', { name: 'Movie', cmd_t: 's/set', uniq_id: 's' }));
    expect(scene.properties[0]).toMatchObject({ momentary: true, settable: true });
    expect(a.encodeSet('ha:s', 's', true)).toMatchObject({ ok: true, command: { topic: 's/set', payload: 'ON' } });
    send(a, 'homeassistant/update/u/config', { dev_cla: 'firmware', stat_t: 'u/state', uniq_id: 'u', dev: { ids: ['n'], name: 'Node' } });
    const update = send(a, 'u/state', { installed_version: '1.2', latest_version: '1.3' });
    expect(update.flatMap((e) => (e.kind === 'value' ? [[e.propertyId, e.value]] : []))).toEqual([
      ['u/installed', '1.2'],
      ['u/latest', '1.3'],
    ]);
    send(a, 'homeassistant/event/e/config', { name: 'Doorbell', stat_t: 'e/state', evt_typ: ['press', 'hold'], uniq_id: 'e' });
    expect(send(a, 'e/state', { event_type: 'press' })).toMatchObject([{ kind: 'value', value: 'press' }]);
    expect(send(a, 'e/state', { event_type: 'spin' })).toMatchObject([{ kind: 'value-error' }]);
    send(a, 'homeassistant/device_tracker/p/config', { name: 'Phone', stat_t: 'p/state', uniq_id: 'p' });
    expect(send(a, 'p/state', 'not_home')).toMatchObject([{ kind: 'value', value: 'not_home' }]);
  });
});
