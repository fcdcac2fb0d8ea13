/**
 * Single-control components: number, select, switch, text, button, scene,
 * sensor, binary_sensor. Defaults are HA's (number min 1, max 100, step 1;
 * switch ON/OFF; text 0..255 characters; button PRESS; scene ON).
 */
import type { PropertyValue } from '../../model/types.js';
import { ConfigError, optFilter, optNumber, optTemplate, optText, optTextList, optTopic } from './config.js';
import { momentaryPart, numberPart, onOff, readingPart, selectPart } from './build-parts.js';
import { PAYLOAD_NONE, quote, reader, reports, settability, withSettable, writer, type Build, type PropDef } from './entity.js';

export function buildNumber(b: Build): PropDef[] {
  const unit = optText(b.cfg, 'unit_of_measurement');
  return [
    numberPart(b, {
      keys: { state: 'state_topic', command: 'command_topic', value: 'value_template', commandTemplate: 'command_template' },
      datatype: 'float',
      min: optNumber(b.cfg, 'min', 1),
      max: optNumber(b.cfg, 'max', 100),
      step: optNumber(b.cfg, 'step', 1),
      ...(unit !== undefined ? { unit } : {}),
      reset: optText(b.cfg, 'payload_reset', PAYLOAD_NONE),
    }),
  ];
}

export function buildSelect(b: Build): PropDef[] {
  const options = optTextList(b.cfg, 'options');
  if (options === undefined) throw new ConfigError('options must be a list');
  return [
    selectPart(b, {
      keys: { state: 'state_topic', command: 'command_topic', value: 'value_template', commandTemplate: 'command_template' },
      options,
      // HA: a payload of "none" (any case) resets the selection.
      resets: ['None', 'none', 'NONE'],
    }),
  ];
}

export function buildSwitch(b: Build): PropDef[] {
  const payloadOn = optText(b.cfg, 'payload_on', 'ON');
  const payloadOff = optText(b.cfg, 'payload_off', 'OFF');
  return [
    onOff(b, {
      keys: { state: 'state_topic', command: 'command_topic', value: 'value_template' },
      payloadOn,
      payloadOff,
      stateOn: optText(b.cfg, 'state_on', payloadOn),
      stateOff: optText(b.cfg, 'state_off', payloadOff),
    }),
  ];
}

/** HA's text entity: min/max length and an optional pattern, checked before anything is sent. */
export function buildText(b: Build): PropDef[] {
  const { cfg } = b;
  const stateTopic = optFilter(cfg, 'state_topic');
  const commandTopic = optTopic(cfg, 'command_topic');
  if (commandTopic === undefined) throw new ConfigError('command_topic is required');
  const valueTpl = optTemplate(cfg, 'value_template');
  const commandTpl = optTemplate(cfg, 'command_template');
  const min = optNumber(cfg, 'min', 0);
  const max = optNumber(cfg, 'max', 255);
  if (min > max) throw new ConfigError(`min ${min} is greater than max ${max}`);
  const patternText = optText(cfg, 'pattern');
  let pattern: RegExp | undefined;
  if (patternText !== undefined) {
    try {
      pattern = new RegExp(`^(?:${patternText})$`, 'u');
    } catch {
      throw new ConfigError(`pattern ${quote(patternText)} is not a regular expression Holdfast can check`);
    }
  }
  const s = settability(b, commandTopic, [valueTpl, commandTpl]);
  const schema = withSettable({ id: b.id, datatype: 'string', momentary: false, ...reports(cfg, stateTopic, s) }, s);
  const send = writer(commandTopic, commandTpl, 'command_template');
  return [
    {
      schema,
      ...(stateTopic !== undefined ? { stateTopic } : {}),
      // A text entity's state is any text, "None" included.
      read: reader(valueTpl, 'value_template', (t) => ({ ok: true, value: t })),
      write: (v: PropertyValue) => {
        const text = String(v);
        const length = [...text].length;
        if (length < min || length > max) return { ok: false, error: `must be ${min} to ${max} characters long` };
        if (pattern !== undefined && !pattern.test(text)) return { ok: false, error: `must match the pattern ${quote(patternText ?? '')}` };
        return send(text, text);
      },
    },
  ];
}

export function buildButton(b: Build): PropDef[] {
  return [momentaryPart(b, { commandKey: 'command_topic', commandTemplateKey: 'command_template', actions: [{ label: 'Press', payload: optText(b.cfg, 'payload_press', 'PRESS') }] })];
}

export function buildScene(b: Build): PropDef[] {
  return [momentaryPart(b, { commandKey: 'command_topic', actions: [{ label: 'Activate', payload: optText(b.cfg, 'payload_on', 'ON') }] })];
}

/** HA expects a number when a sensor has a unit, a state class, a display precision or a numeric device class. */
function isNumericSensor(b: Build): boolean {
  const deviceClass = optText(b.cfg, 'device_class');
  const unit = optText(b.cfg, 'unit_of_measurement');
  if (deviceClass !== undefined && ['date', 'enum', 'timestamp'].includes(deviceClass)) return false;
  return (
    deviceClass !== undefined || (unit !== undefined && unit !== '') || optText(b.cfg, 'state_class') !== undefined || b.cfg['suggested_display_precision'] !== undefined
  );
}

export function buildSensor(b: Build): PropDef[] {
  const unit = optText(b.cfg, 'unit_of_measurement');
  const def = readingPart(b, { stateKey: 'state_topic', valueKey: 'value_template', numeric: isNumericSensor(b), ...(unit !== undefined ? { unit } : {}), required: true });
  return def ? [def] : [];
}

export function buildBinarySensor(b: Build): PropDef[] {
  const on = optText(b.cfg, 'payload_on', 'ON');
  const off = optText(b.cfg, 'payload_off', 'OFF');
  const def = onOff(b, { keys: { state: 'state_topic', value: 'value_template' }, payloadOn: on, payloadOff: off });
  if (def.stateTopic === undefined) throw new ConfigError('state_topic is required');
  return [def];
}
