/**
 * Lights, default and JSON schema: on/off, brightness (0..brightness_scale)
 * and the effect list. Colour and colour temperature are not shown.
 */
import type { PropertyValue } from '../../model/types.js';
import { ConfigError, optFilter, optNumber, optText, optTextList, optTopic } from './config.js';
import { numberPart, onOff, selectPart } from './build-parts.js';
import { quote, readJsonKey, readWholeNumber, reports, settability, withSettable, type Build, type PropDef, type Read } from './entity.js';

const BRIGHTNESS_MODES = ['brightness', 'color_temp', 'hs', 'xy', 'rgb', 'rgbw', 'rgbww', 'white'];

function brightnessScale(b: Build): number {
  const scale = optNumber(b.cfg, 'brightness_scale', 255);
  if (!Number.isInteger(scale) || scale < 1) throw new ConfigError('brightness_scale must be a whole number of at least 1');
  return scale;
}

export function buildLight(b: Build): PropDef[] {
  const schemaKind = optText(b.cfg, 'schema', 'default');
  if (schemaKind === 'json') return buildJsonLight(b);
  if (schemaKind !== 'default' && schemaKind !== 'basic') {
    throw new ConfigError(`light schema ${quote(schemaKind)} is not supported (default and json are)`);
  }
  if (optTopic(b.cfg, 'command_topic') === undefined) throw new ConfigError('command_topic is required');
  const defs: PropDef[] = [
    onOff(b, {
      keys: { state: 'state_topic', command: 'command_topic', value: 'state_value_template' },
      payloadOn: optText(b.cfg, 'payload_on', 'ON'),
      payloadOff: optText(b.cfg, 'payload_off', 'OFF'),
    }),
  ];
  if (b.cfg['brightness_state_topic'] !== undefined || b.cfg['brightness_command_topic'] !== undefined) {
    defs.push(
      numberPart(b, {
        suffix: '/brightness',
        part: 'Brightness',
        keys: { state: 'brightness_state_topic', command: 'brightness_command_topic', value: 'brightness_value_template', commandTemplate: 'brightness_command_template' },
        datatype: 'integer',
        min: 0,
        max: brightnessScale(b),
      }),
    );
  }
  const effects = optTextList(b.cfg, 'effect_list');
  if (effects !== undefined && effects.length > 0 && (b.cfg['effect_state_topic'] !== undefined || b.cfg['effect_command_topic'] !== undefined)) {
    defs.push(
      selectPart(b, {
        suffix: '/effect',
        part: 'Effect',
        keys: { state: 'effect_state_topic', command: 'effect_command_topic', value: 'effect_value_template', commandTemplate: 'effect_command_template' },
        options: effects,
      }),
    );
  }
  return defs;
}

/** The JSON schema: one state topic with {"state":"ON","brightness":…}; commands are JSON objects too. */
function buildJsonLight(b: Build): PropDef[] {
  const { cfg } = b;
  const stateTopic = optFilter(cfg, 'state_topic');
  const commandTopic = optTopic(cfg, 'command_topic');
  if (commandTopic === undefined) throw new ConfigError('command_topic is required');
  const modes = optTextList(cfg, 'supported_color_modes') ?? [];
  const hasBrightness = cfg['brightness'] === true || modes.some((m) => BRIGHTNESS_MODES.includes(m));
  const s = settability(b, commandTopic, []);
  const base = reports(cfg, stateTopic, s);
  const at = stateTopic !== undefined ? { stateTopic } : {};
  const onOffRead = readJsonKey('state', (v): Read => {
    if (v === 'ON') return { ok: true, value: true };
    if (v === 'OFF') return { ok: true, value: false };
    return { ok: false, error: `state ${quote(typeof v === 'string' ? v : JSON.stringify(v))} is neither "ON" nor "OFF"` };
  });
  const defs: PropDef[] = [
    {
      schema: withSettable({ id: b.id, datatype: 'boolean', momentary: false, ...base }, s),
      ...at,
      read: onOffRead,
      write: (v) => ({ ok: true, topic: commandTopic, payload: JSON.stringify({ state: v === true ? 'ON' : 'OFF' }) }),
    },
  ];
  if (hasBrightness) {
    const schema = withSettable({ id: `${b.id}/brightness`, datatype: 'integer', momentary: false, min: 0, max: brightnessScale(b), ...base }, s);
    const check = readWholeNumber(schema);
    defs.push({
      schema,
      part: 'Brightness',
      ...at,
      read: readJsonKey('brightness', (v) => (typeof v === 'number' ? check(String(v)) : { ok: false, error: `brightness ${quote(JSON.stringify(v))} is not a number` })),
      write: (v: PropertyValue) => ({ ok: true, topic: commandTopic, payload: JSON.stringify({ state: 'ON', brightness: v }) }),
    });
  }
  const effects = optTextList(cfg, 'effect_list');
  if (cfg['effect'] === true && effects !== undefined && effects.length > 0) {
    const schema = withSettable({ id: `${b.id}/effect`, datatype: 'enum', momentary: false, options: effects, ...base }, s);
    defs.push({
      schema,
      part: 'Effect',
      ...at,
      read: readJsonKey('effect', (v) =>
        typeof v === 'string' && effects.includes(v) ? { ok: true, value: v } : { ok: false, error: `effect ${quote(String(v))} is not in effect_list` },
      ),
      write: (v: PropertyValue) => ({ ok: true, topic: commandTopic, payload: JSON.stringify({ state: 'ON', effect: v }) }),
    });
  }
  return defs;
}
