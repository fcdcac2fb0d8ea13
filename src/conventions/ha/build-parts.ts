/**
 * The controls HA components are made of: an on/off switch, a number, a
 * select, a momentary action, a read-only reading. Each takes the option
 * names its component uses (a fan's `percentage_state_topic`, a climate's
 * `mode_command_topic` …), so every component reads its options one way.
 */
import type { Datatype, PropertyValue } from '../../model/types.js';
import { ConfigError, optFilter, optTemplate, optTopic } from './config.js';
import {
  numberText,
  quote,
  readBy,
  reader,
  readOnOff,
  readWholeNumber,
  reports,
  settability,
  unsupportedReason,
  withSettable,
  writer,
  type Build,
  type PropDef,
  type Read,
} from './entity.js';

/** Option names of one control; `value`/`command` are the template options. */
export interface Keys {
  readonly state?: string;
  readonly command?: string;
  readonly value?: string;
  readonly commandTemplate?: string;
  /** The name HA also gives the value in the command template (`position`). */
  readonly commandVariable?: string;
}

export interface Part {
  /** Property id suffix ("/speed"); absent for the entity's main control. */
  readonly suffix?: string;
  /** Name part ("Speed"); absent for the entity's main control. */
  readonly part?: string;
}

const idOf = (b: Build, p: Part): string => b.id + (p.suffix ?? '');
const named = (p: Part): { part?: string } => (p.part !== undefined ? { part: p.part } : {});

/** Topics and templates of a control, read once. */
function topics(b: Build, keys: Keys) {
  const stateTopic = keys.state !== undefined ? optFilter(b.cfg, keys.state) : undefined;
  const commandTopic = keys.command !== undefined ? optTopic(b.cfg, keys.command) : undefined;
  const valueTpl = keys.value !== undefined ? optTemplate(b.cfg, keys.value) : undefined;
  const commandTpl = keys.commandTemplate !== undefined ? optTemplate(b.cfg, keys.commandTemplate, keys.commandVariable !== undefined ? [keys.commandVariable] : []) : undefined;
  return { stateTopic, commandTopic, valueTpl, commandTpl };
}

export interface OnOff extends Part {
  readonly keys: Keys;
  readonly payloadOn: string;
  readonly payloadOff: string;
  /** What the state topic says for on/off (HA's state_on/state_off), when it differs from the payloads. */
  readonly stateOn?: string;
  readonly stateOff?: string;
}

export function onOff(b: Build, o: OnOff): PropDef {
  const { stateTopic, commandTopic, valueTpl, commandTpl } = topics(b, o.keys);
  const s = settability(b, commandTopic, [valueTpl, commandTpl]);
  const schema = withSettable({ id: idOf(b, o), datatype: 'boolean', momentary: false, ...reports(b.cfg, stateTopic, s) }, s);
  // A command template gets the payload (payload_on / payload_off) as its value, as in HA's fan.
  const send = commandTopic === undefined ? undefined : writer(commandTopic, commandTpl, o.keys.commandTemplate ?? 'command_template');
  return {
    schema,
    ...named(o),
    ...(stateTopic !== undefined ? { stateTopic } : {}),
    ...(commandTopic !== undefined ? { commandTopic } : {}),
    read: reader(valueTpl, o.keys.value ?? 'value_template', readOnOff(o.stateOn ?? o.payloadOn, o.stateOff ?? o.payloadOff)),
    ...(send ? { write: (v: PropertyValue) => (v === true ? send(o.payloadOn, o.payloadOn) : send(o.payloadOff, o.payloadOff)) } : {}),
  };
}

export interface NumberPart extends Part {
  readonly keys: Keys;
  readonly datatype: Extract<Datatype, 'integer' | 'float'>;
  readonly min?: number;
  readonly max?: number;
  readonly step?: number;
  readonly unit?: string;
  /** A state payload that clears the value (HA's payload_reset …). */
  readonly reset?: string;
}

export function numberPart(b: Build, o: NumberPart): PropDef {
  const { stateTopic, commandTopic, valueTpl, commandTpl } = topics(b, o.keys);
  if (o.min !== undefined && o.max !== undefined && o.min > o.max) throw new ConfigError(`min ${o.min} is greater than max ${o.max}`);
  const s = settability(b, commandTopic, [valueTpl, commandTpl]);
  const schema = withSettable(
    {
      id: idOf(b, o),
      datatype: o.datatype,
      momentary: false,
      ...reports(b.cfg, stateTopic, s),
      ...(o.unit !== undefined && o.unit !== '' ? { unit: o.unit } : {}),
      ...(o.min !== undefined ? { min: o.min } : {}),
      ...(o.max !== undefined ? { max: o.max } : {}),
      ...(o.step !== undefined ? { step: o.step } : {}),
    },
    s,
  );
  const parse = o.datatype === 'integer' ? readWholeNumber(schema) : readBy(schema, true);
  const send = commandTopic === undefined ? undefined : writer(commandTopic, commandTpl, o.keys.commandTemplate ?? 'command_template', o.keys.commandVariable);
  return {
    schema,
    ...named(o),
    ...(stateTopic !== undefined ? { stateTopic } : {}),
    ...(commandTopic !== undefined ? { commandTopic } : {}),
    read: reader(valueTpl, o.keys.value ?? 'value_template', (t) => (o.reset !== undefined && t.trim() === o.reset ? { skip: true } : parse(t))),
    ...(send ? { write: (v: PropertyValue) => send(v, typeof v === 'number' ? numberText(v) : String(v)) } : {}),
  };
}

export interface SelectPart extends Part {
  readonly keys: Keys;
  readonly options: readonly string[];
  /** State payloads that clear the selection (HA's "None" for select, payload_reset_preset_mode …). */
  readonly resets?: readonly string[];
}

export function selectPart(b: Build, o: SelectPart): PropDef {
  const { stateTopic, commandTopic, valueTpl, commandTpl } = topics(b, o.keys);
  const s = settability(b, commandTopic, [valueTpl, commandTpl]);
  const schema = withSettable({ id: idOf(b, o), datatype: 'enum', momentary: false, options: o.options, ...reports(b.cfg, stateTopic, s) }, s);
  const parse = readBy(schema, false);
  const resets = o.resets ?? [];
  const send = commandTopic === undefined ? undefined : writer(commandTopic, commandTpl, o.keys.commandTemplate ?? 'command_template');
  return {
    schema,
    ...named(o),
    ...(stateTopic !== undefined ? { stateTopic } : {}),
    ...(commandTopic !== undefined ? { commandTopic } : {}),
    read: reader(valueTpl, o.keys.value ?? 'value_template', (t) => (resets.includes(t) ? { skip: true } : parse(t))),
    ...(send ? { write: (v: PropertyValue) => send(v, String(v)) } : {}),
  };
}

export interface Action {
  /** The button's label; the operator's value for it. */
  readonly label: string;
  readonly payload: string;
}

export interface MomentaryPart extends Part {
  readonly commandKey: string;
  readonly commandTemplateKey?: string;
  /** One action: a button. Several: one button each (a cover's Open / Stop / Close). */
  readonly actions: readonly Action[];
}

/** A command without state: confirmed by the operator first, never queued or replayed. */
export function momentaryPart(b: Build, o: MomentaryPart): PropDef {
  const commandTopic = optTopic(b.cfg, o.commandKey);
  if (commandTopic === undefined) throw new ConfigError(`${o.commandKey} is required`);
  const commandTpl = o.commandTemplateKey !== undefined ? optTemplate(b.cfg, o.commandTemplateKey) : undefined;
  const s = settability(b, commandTopic, [commandTpl]);
  const single = o.actions.length === 1 ? o.actions[0] : undefined;
  const schema = withSettable(
    { id: idOf(b, o), momentary: true, ...(single ? { datatype: 'boolean' } : { datatype: 'enum', options: o.actions.map((a) => a.label) }) },
    s,
  );
  const send = writer(commandTopic, commandTpl, o.commandTemplateKey ?? 'command_template');
  return {
    schema,
    ...named(o),
    write: (v) => {
      const action = single ? (v === true ? single : undefined) : o.actions.find((a) => a.label === v);
      if (action === undefined) return { ok: false, error: single ? 'it can only be pressed' : `${quote(String(v))} is not one of its actions` };
      return send(action.payload, action.payload);
    },
  };
}

export interface Reading extends Part {
  readonly stateKey: string;
  readonly valueKey?: string;
  readonly numeric: boolean;
  readonly unit?: string;
  readonly required: boolean;
  /** Turns the (templated) state text into a value; default: the number or the text. */
  readonly read?: (text: string) => Read;
}

/** A read-only value (sensor, a climate's current temperature, an update's installed version). */
export function readingPart(b: Build, o: Reading): PropDef | undefined {
  const stateTopic = optFilter(b.cfg, o.stateKey);
  if (stateTopic === undefined) {
    if (o.required) throw new ConfigError(`${o.stateKey} is required`);
    return undefined;
  }
  const valueTpl = o.valueKey !== undefined ? optTemplate(b.cfg, o.valueKey) : undefined;
  const schema = {
    id: idOf(b, o),
    datatype: o.numeric ? ('float' as const) : ('string' as const),
    settable: false,
    momentary: false,
    ...(o.unit !== undefined && o.unit !== '' ? { unit: o.unit } : {}),
    ...(valueTpl !== undefined && !valueTpl.ok ? { readOnlyReason: unsupportedReason(valueTpl) } : {}),
  };
  return { schema, ...named(o), stateTopic, read: reader(valueTpl, o.valueKey ?? 'value_template', o.read ?? readBy(schema, o.numeric)) };
}
