/**
 * Components HA shows as one entity but that are several controls here:
 * fan (on/off, speed, preset mode, oscillation, direction), cover and valve
 * (open/stop/close actions, state, position), lock (locked + open) and
 * climate (mode, target temperature, current temperature, fan/swing/preset
 * modes, action, humidity). Sub-controls are named "<entity> <part>".
 */
import type { PropertyValue } from '../../model/types.js';
import { ConfigError, optBoolean, optFilter, optNumber, optPayload, optTemplate, optText, optTextList, optTopic } from './config.js';
import { momentaryPart, numberPart, onOff, readingPart, selectPart, type Action, type Keys } from './build-parts.js';
import { PAYLOAD_NONE, quote, reader, reports, settability, withSettable, writer, type Build, type PropDef, type Read } from './entity.js';

const present = (b: Build, ...keys: string[]): boolean => keys.some((k) => b.cfg[k] !== undefined && b.cfg[k] !== null);

/** Option names for `<prefix>_state_topic`, `<prefix>_command_topic` and their templates. */
function keysFor(prefix: string, valueSuffix: 'value_template' | 'state_template'): Keys {
  return {
    state: `${prefix}_state_topic`,
    command: `${prefix}_command_topic`,
    value: `${prefix}_${valueSuffix}`,
    commandTemplate: `${prefix}_command_template`,
  };
}

export function buildFan(b: Build): PropDef[] {
  const { cfg } = b;
  if (optTopic(cfg, 'command_topic') === undefined) throw new ConfigError('command_topic is required');
  const defs: PropDef[] = [
    onOff(b, {
      keys: { state: 'state_topic', command: 'command_topic', value: 'state_value_template', commandTemplate: 'command_template' },
      payloadOn: optText(cfg, 'payload_on', 'ON'),
      payloadOff: optText(cfg, 'payload_off', 'OFF'),
    }),
  ];
  if (present(b, 'percentage_state_topic', 'percentage_command_topic')) {
    const low = optNumber(cfg, 'speed_range_min', 1);
    const high = optNumber(cfg, 'speed_range_max', 100);
    if (!Number.isInteger(low) || !Number.isInteger(high) || low < 1 || high < low) throw new ConfigError('speed_range_min..speed_range_max must be whole numbers from 1 up');
    // The device's own speed levels (0 = off), not HA's rounded percentage: what is sent is what it echoes.
    defs.push(
      numberPart(b, {
        suffix: '/speed',
        part: 'Speed',
        keys: keysFor('percentage', 'value_template'),
        datatype: 'integer',
        min: 0,
        max: high,
        step: 1,
        ...(low === 1 && high === 100 ? { unit: '%' } : {}),
        reset: optText(cfg, 'payload_reset_percentage', PAYLOAD_NONE),
      }),
    );
  }
  const presets = optTextList(cfg, 'preset_modes') ?? [];
  if (presets.length > 0 && present(b, 'preset_mode_state_topic', 'preset_mode_command_topic')) {
    const reset = optText(cfg, 'payload_reset_preset_mode', PAYLOAD_NONE);
    defs.push(selectPart(b, { suffix: '/preset_mode', part: 'Preset mode', keys: keysFor('preset_mode', 'value_template'), options: presets, resets: [reset] }));
  }
  if (present(b, 'oscillation_state_topic', 'oscillation_command_topic')) {
    defs.push(
      onOff(b, {
        suffix: '/oscillation',
        part: 'Oscillation',
        keys: keysFor('oscillation', 'value_template'),
        payloadOn: optText(cfg, 'payload_oscillation_on', 'oscillate_on'),
        payloadOff: optText(cfg, 'payload_oscillation_off', 'oscillate_off'),
      }),
    );
  }
  if (present(b, 'direction_state_topic', 'direction_command_topic')) {
    defs.push(selectPart(b, { suffix: '/direction', part: 'Direction', keys: keysFor('direction', 'value_template'), options: ['forward', 'reverse'] }));
  }
  return defs;
}

/** HA's state names for the payloads an openable device reports, from its `state_*` options. */
function openableStates(b: Build, names: readonly string[]): (text: string) => Read {
  const table = new Map<string, string>();
  for (const name of names) table.set(optText(b.cfg, `state_${name}`, name), name);
  return (text) => {
    if (text === '' || text === PAYLOAD_NONE) return { skip: true };
    const state = table.get(text);
    return state !== undefined ? { ok: true, value: state } : { ok: false, error: `${quote(text)} is not one of ${[...table.keys()].map(quote).join(', ')}` };
  };
}

function actions(b: Build, defaults: Readonly<Record<'open' | 'close' | 'stop', string | null>>): Action[] {
  const out: Action[] = [];
  for (const [label, key, dflt] of [
    ['Open', 'payload_open', defaults.open],
    ['Close', 'payload_close', defaults.close],
    ['Stop', 'payload_stop', defaults.stop],
  ] as const) {
    const payload = optPayload(b.cfg, key, dflt);
    if (payload !== null) out.push({ label, payload });
  }
  return out;
}

function positionPart(b: Build, keys: Keys): PropDef {
  const open = optNumber(b.cfg, 'position_open', 100);
  const closed = optNumber(b.cfg, 'position_closed', 0);
  const [min, max] = open >= closed ? [closed, open] : [open, closed];
  // The device's own position range; HA rescales it to 0..100, which would not round-trip exactly.
  return numberPart(b, { suffix: '/position', part: 'Position', keys, datatype: 'integer', min, max, step: 1, ...(min === 0 && max === 100 ? { unit: '%' } : {}) });
}

export function buildCover(b: Build): PropDef[] {
  const defs: PropDef[] = [];
  const acts = actions(b, { open: 'OPEN', close: 'CLOSE', stop: 'STOP' });
  if (optTopic(b.cfg, 'command_topic') !== undefined && acts.length > 0) defs.push(momentaryPart(b, { commandKey: 'command_topic', actions: acts }));
  const state = readingPart(b, {
    suffix: '/state',
    part: 'State',
    stateKey: 'state_topic',
    valueKey: 'value_template',
    numeric: false,
    required: false,
    read: openableStates(b, ['open', 'opening', 'closed', 'closing', 'stopped']),
  });
  if (state) defs.push(state);
  if (present(b, 'position_topic', 'set_position_topic')) {
    defs.push(
      positionPart(b, { state: 'position_topic', command: 'set_position_topic', value: 'position_template', commandTemplate: 'set_position_template', commandVariable: 'position' }),
    );
  }
  return defs;
}

export function buildValve(b: Build): PropDef[] {
  const defs: PropDef[] = [];
  const reportsPosition = optBoolean(b.cfg, 'reports_position', false);
  if (reportsPosition) {
    defs.push(positionPart(b, { state: 'state_topic', command: 'command_topic', value: 'value_template', commandTemplate: 'command_template' }));
    const stop = optPayload(b.cfg, 'payload_stop', null);
    if (stop !== null && optTopic(b.cfg, 'command_topic') !== undefined) {
      defs.push(momentaryPart(b, { suffix: '/stop', part: 'Stop', commandKey: 'command_topic', actions: [{ label: 'Stop', payload: stop }] }));
    }
    return defs;
  }
  const acts = actions(b, { open: 'OPEN', close: 'CLOSE', stop: null });
  if (optTopic(b.cfg, 'command_topic') !== undefined && acts.length > 0) {
    defs.push(momentaryPart(b, { commandKey: 'command_topic', commandTemplateKey: 'command_template', actions: acts }));
  }
  const state = readingPart(b, {
    suffix: '/state',
    part: 'State',
    stateKey: 'state_topic',
    valueKey: 'value_template',
    numeric: false,
    required: false,
    read: openableStates(b, ['open', 'opening', 'closed', 'closing']),
  });
  if (state) defs.push(state);
  return defs;
}

/** A lock is "locked" on or off; moving states are skipped, and a jam is a value error the operator sees. */
export function buildLock(b: Build): PropDef[] {
  const { cfg } = b;
  const stateTopic = optFilter(cfg, 'state_topic');
  const commandTopic = optTopic(cfg, 'command_topic');
  if (commandTopic === undefined) throw new ConfigError('command_topic is required');
  const valueTpl = optTemplate(cfg, 'value_template');
  const commandTpl = optTemplate(cfg, 'command_template');
  const lock = optText(cfg, 'payload_lock', 'LOCK');
  const unlock = optText(cfg, 'payload_unlock', 'UNLOCK');
  const states = new Map<string, Read>([
    [optText(cfg, 'state_locked', 'LOCKED'), { ok: true, value: true }],
    [optText(cfg, 'state_unlocked', 'UNLOCKED'), { ok: true, value: false }],
    [optText(cfg, 'state_open', 'OPEN'), { ok: true, value: false }],
    [optText(cfg, 'state_locking', 'LOCKING'), { skip: true }],
    [optText(cfg, 'state_unlocking', 'UNLOCKING'), { skip: true }],
    [optText(cfg, 'state_opening', 'OPENING'), { skip: true }],
    [optText(cfg, 'state_jammed', 'JAMMED'), { ok: false, error: 'the lock reports it is jammed' }],
  ]);
  const s = settability(b, commandTopic, [valueTpl, commandTpl]);
  const send = writer(commandTopic, commandTpl, 'command_template');
  const defs: PropDef[] = [
    {
      schema: withSettable({ id: b.id, datatype: 'boolean', momentary: false, ...reports(cfg, stateTopic, s) }, s),
      ...(stateTopic !== undefined ? { stateTopic } : {}),
      read: reader(valueTpl, 'value_template', (t) => states.get(t) ?? (t === '' || t === PAYLOAD_NONE ? { skip: true } : { ok: false, error: `${quote(t)} is not a lock state` })),
      write: (v: PropertyValue) => (v === true ? send(lock, lock) : send(unlock, unlock)),
    },
  ];
  // HA offers "open" only when the config names its payload.
  const open = optText(cfg, 'payload_open');
  if (open !== undefined) defs.push(momentaryPart(b, { suffix: '/open', part: 'Open', commandKey: 'command_topic', commandTemplateKey: 'command_template', actions: [{ label: 'Open', payload: open }] }));
  return defs;
}

const CLIMATE_MODES = ['auto', 'off', 'cool', 'heat', 'dry', 'fan_only'];
const CLIMATE_FAN_MODES = ['auto', 'low', 'medium', 'high'];
const CLIMATE_SWING_MODES = ['on', 'off'];

export function buildClimate(b: Build): PropDef[] {
  const { cfg } = b;
  const defs: PropDef[] = [];
  const unitText = optText(cfg, 'temperature_unit');
  const unit = unitText === 'C' ? '°C' : unitText === 'F' ? '°F' : undefined;
  const selects: [string, string, string, readonly string[]][] = [
    ['mode', 'Mode', 'modes', CLIMATE_MODES],
    ['fan_mode', 'Fan mode', 'fan_modes', CLIMATE_FAN_MODES],
    ['swing_mode', 'Swing mode', 'swing_modes', CLIMATE_SWING_MODES],
    ['preset_mode', 'Preset', 'preset_modes', []],
  ];
  for (const [prefix, part, listKey, dflt] of selects) {
    const options = optTextList(cfg, listKey) ?? dflt;
    if (options.length === 0 || !present(b, `${prefix}_state_topic`, `${prefix}_command_topic`)) continue;
    const keys = { ...keysFor(prefix, 'state_template'), ...(prefix === 'preset_mode' ? { value: 'preset_mode_value_template' } : {}) };
    defs.push(selectPart(b, { suffix: `/${prefix}`, part, keys, options, resets: ['None', ''] }));
  }
  if (present(b, 'temperature_state_topic', 'temperature_command_topic')) {
    defs.push(
      numberPart(b, {
        suffix: '/temperature',
        part: 'Target temperature',
        keys: keysFor('temperature', 'state_template'),
        datatype: 'float',
        min: optNumber(cfg, 'min_temp', unit === '°F' ? 45 : 7),
        max: optNumber(cfg, 'max_temp', unit === '°F' ? 95 : 35),
        step: optNumber(cfg, 'temp_step', 1),
        ...(unit !== undefined ? { unit } : {}),
      }),
    );
  }
  if (present(b, 'target_humidity_state_topic', 'target_humidity_command_topic')) {
    defs.push(
      numberPart(b, {
        suffix: '/target_humidity',
        part: 'Target humidity',
        keys: keysFor('target_humidity', 'state_template'),
        datatype: 'float',
        min: optNumber(cfg, 'min_humidity', 30),
        max: optNumber(cfg, 'max_humidity', 99),
        step: 1,
        unit: '%',
      }),
    );
  }
  const readings: [string, string, string, boolean, string | undefined][] = [
    ['current_temperature', 'Current temperature', 'current_temperature_template', true, unit],
    ['current_humidity', 'Current humidity', 'current_humidity_template', true, '%'],
    ['action', 'Action', 'action_template', false, undefined],
  ];
  for (const [prefix, part, valueKey, numeric, readingUnit] of readings) {
    const def = readingPart(b, { suffix: `/${prefix}`, part, stateKey: `${prefix}_topic`, valueKey, numeric, ...(readingUnit ? { unit: readingUnit } : {}), required: false });
    if (def) defs.push(def);
  }
  if (present(b, 'power_command_topic')) {
    defs.push(
      onOff(b, {
        suffix: '/power',
        part: 'Power',
        keys: { command: 'power_command_topic', commandTemplate: 'power_command_template' },
        payloadOn: optText(cfg, 'payload_on', 'ON'),
        payloadOff: optText(cfg, 'payload_off', 'OFF'),
      }),
    );
  }
  if (defs.length === 0) throw new ConfigError('no mode, temperature or other topic that Holdfast can show');
  return defs;
}
