/**
 * Home Assistant MQTT discovery adapter (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery).
 *
 * Config topics:
 *   <prefix>/<component>/[<node_id>/]<object_id>/config      one entity
 *   <prefix>/device/[<node_id>/]<object_id>/config           device-based: `dev`, `o`, `cmps`
 * Payloads may use the official abbreviations (ha-abbreviations.ts), `~` as a
 * base topic at the start or end of any `*_topic` value (and of availability
 * `topic`s), and an empty payload removes the entity (or, for a device config,
 * all its components). In a device config a component with only `p` is a
 * removal, a component missing from an update is removed, and the shared
 * options (availability*, command_topic, state_topic, payload_(not_)available,
 * qos, encoding, and here also `~`) are inherited unless the component sets them.
 *
 * Components: number, select, switch, light (default and `schema: json`),
 * sensor, binary_sensor, button. Others are ignored (not shown).
 *
 * Model: entities sharing `device.identifiers[0]` (else `connections[0]`) form
 * one device "ha:<identifier>"; an entity without a device is a device of its
 * own, "ha:<unique_id>" (or "ha:<component>/<discovery id>"). Property id =
 * unique_id, or "<component>/<discovery id>"; a default-schema or JSON light
 * adds "<id>/brightness". Names: entity name; `name: null` means the device's
 * name, as in HA; a missing name falls back to the object id.
 *
 * Safety rules beyond HA's:
 *   - A settable entity without a state topic (HA "optimistic") is read-only
 *     here: a change could never be confirmed by an echo.
 *   - A value or command template outside the supported subset (ha-template.ts)
 *     makes the entity read-only with "template not supported: <template>", and
 *     its values value-errors. Nothing is guessed.
 *   - Nothing is ever published to `<prefix>/status` (HA's birth topic) or to a
 *     discovery config topic; see refuseCommandTopic.
 *
 * State and availability topics are learned from configs, so subscriptions()
 * grows; takeResubscriptions() names already-subscribed topics that a new
 * entity started to read, so the broker re-sends their retained state.
 */
import {
  decodePayload,
  previewText,
  topicProblem,
  type AdapterEvent,
  type ConventionAdapter,
  type EncodeResult,
} from './adapter.js';
import { ABBREVIATIONS, DEVICE_ABBREVIATIONS, ORIGIN_ABBREVIATIONS } from './ha-abbreviations.js';
import { compileTemplate, jsonOf, type CompiledTemplate } from './ha-template.js';
import { MAX_DESCRIPTION_BYTES, MAX_VALUE_BYTES } from './homie5.js';
import { checkSchema } from '../model/schema-check.js';
import type { Availability, DeviceSchema, PropertySchema, PropertyValue } from '../model/types.js';
import { parseNumber, parsePayload, validateValue } from '../model/values.js';

export const HA_CONVENTION = 'ha';

export interface HaDiscoveryOptions {
  /** Discovery prefix. Default "homeassistant". */
  readonly prefix?: string;
}

export const HA_COMPONENTS = ['number', 'select', 'switch', 'light', 'sensor', 'binary_sensor', 'button'] as const;
export type HaComponent = (typeof HA_COMPONENTS)[number];

/** HA's shared options of a device-based config (discovery.py SHARED_OPTIONS), plus `~`. */
const SHARED_OPTIONS = [
  'availability',
  'availability_mode',
  'availability_template',
  'availability_topic',
  'command_topic',
  'encoding',
  'payload_available',
  'payload_not_available',
  'state_topic',
  'qos',
  '~',
] as const;

const DISCOVERY_LEVEL = /^[a-zA-Z0-9_-]+$/;
const COMPONENT_LEVEL = /^[a-zA-Z0-9_]+$/;
const PAYLOAD_NONE = 'None';
const LIGHT_BRIGHTNESS_MODES = ['brightness', 'color_temp', 'hs', 'xy', 'rgb', 'rgbw', 'rgbww', 'white'];
const NO_STATE_REASON = 'no state topic, so a change could never be confirmed';

type Config = Record<string, unknown>;

function isRecord(x: unknown): x is Config {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** Rename abbreviated keys; an abbreviation wins over its full name, as in HA. Own keys only. */
function expandKeys(obj: Config, table: Readonly<Record<string, string>>): Config {
  const plain: [string, unknown][] = [];
  const abbreviated: [string, unknown][] = [];
  for (const [k, v] of Object.entries(obj)) {
    const full = Object.prototype.hasOwnProperty.call(table, k) ? table[k] : undefined;
    if (full !== undefined && full !== k) abbreviated.push([full, v]);
    else plain.push([k, v]);
  }
  // fromEntries defines own properties, so a "__proto__" key stays a plain key.
  return Object.fromEntries([...plain, ...abbreviated]);
}

function expandAvailability(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((a) => (isRecord(a) ? expandKeys(a, ABBREVIATIONS) : a));
  return isRecord(v) ? expandKeys(v, ABBREVIATIONS) : v;
}

/** The full-name form of a discovery payload (HA's _replace_all_abbreviations). */
export function expandAbbreviations(obj: Config, componentOnly = false): Config {
  const out = expandKeys(obj, ABBREVIATIONS);
  if ('availability' in out) out['availability'] = expandAvailability(out['availability']);
  if (componentOnly) return out;
  if (isRecord(out['origin'])) out['origin'] = expandKeys(out['origin'], ORIGIN_ABBREVIATIONS);
  if (isRecord(out['device'])) out['device'] = expandKeys(out['device'], DEVICE_ABBREVIATIONS);
  const components = out['components'];
  if (isRecord(components)) {
    out['components'] = Object.fromEntries(
      Object.entries(components).map(([id, c]) => [id, isRecord(c) ? expandAbbreviations(c, true) : c]),
    );
  }
  return out;
}

function replaceBase(value: string, base: string): string {
  let v = value;
  if (v.startsWith('~')) v = base + v.slice(1);
  if (v.length > 0 && v.endsWith('~') && value.endsWith('~')) v = v.slice(0, -1) + base;
  return v;
}

/** Expand `~` at the start or end of `*topic` values and availability topics. */
export function expandBaseTopic(cfg: Config): { ok: true; cfg: Config } | { ok: false; error: string } {
  if (!('~' in cfg)) return { ok: true, cfg };
  const base = cfg['~'];
  if (typeof base !== 'string') return { ok: false, error: '"~" (base topic) must be a string' };
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(cfg)) {
    if (k === '~') continue;
    if (typeof v === 'string' && v !== '' && k.endsWith('topic')) out.push([k, replaceBase(v, base)]);
    else if (k === 'availability') {
      const list = Array.isArray(v) ? v : [v];
      const mapped = list.map((a) =>
        isRecord(a) && typeof a['topic'] === 'string' && a['topic'] !== '' ? { ...a, topic: replaceBase(a['topic'], base) } : a,
      );
      out.push([k, Array.isArray(v) ? mapped : mapped[0]]);
    } else out.push([k, v]);
  }
  return { ok: true, cfg: Object.fromEntries(out) };
}

// ---- typed option readers (voluptuous-like coercion) ----

class ConfigError extends Error {}

/** cv.string: numbers and booleans become text the way Python prints them. */
function asText(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  throw new ConfigError(`${what} must be text`);
}

function optText(cfg: Config, key: string, dflt: string): string;
function optText(cfg: Config, key: string): string | undefined;
function optText(cfg: Config, key: string, dflt?: string): string | undefined {
  const v = cfg[key];
  if (v === undefined || v === null) return dflt;
  return asText(v, key);
}

function optNumber(cfg: Config, key: string, dflt?: number): number | undefined {
  const v = cfg[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const n = parseNumber(v.trim());
    if (n !== null) return n;
  }
  throw new ConfigError(`${key} must be a number`);
}

function optTopic(cfg: Config, key: string): string | undefined {
  const v = cfg[key];
  if (v === undefined || v === null) return undefined;
  const problem = topicProblem(v);
  if (problem !== null) throw new ConfigError(`${key} ${problem}`);
  return v as string;
}

function optTemplate(cfg: Config, key: string): Tpl | undefined {
  const v = cfg[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ConfigError(`${key} must be a template string`);
  const compiled = compileTemplate(v);
  return compiled.ok ? { ok: true, source: v, compiled } : { ok: false, source: v };
}

type Tpl = { readonly ok: true; readonly source: string; readonly compiled: CompiledTemplate } | { readonly ok: false; readonly source: string };

// ---- entities ----

type Read = { readonly ok: true; readonly value: PropertyValue } | { readonly ok: false; readonly error: string } | { readonly skip: true };
type Write = { readonly ok: true; readonly topic: string; readonly payload: string } | { readonly ok: false; readonly error: string };

interface PropDef {
  readonly schema: PropertySchema;
  readonly stateTopic?: string;
  readonly read?: (text: string) => Read;
  readonly write?: (value: PropertyValue) => Write;
}

interface AvailTopic {
  readonly topic: string;
  readonly online: string;
  readonly offline: string;
  readonly template?: Tpl;
}

interface AvailConfig {
  readonly topics: readonly AvailTopic[];
  readonly mode: 'latest' | 'all' | 'any';
}

interface Entity {
  readonly key: string;
  readonly deviceId: string;
  /** device.name when the config gives one. */
  readonly deviceName?: string;
  /** The device's name when the entity has no `device` block (a device of its own). */
  readonly standaloneName?: string;
  readonly props: readonly PropDef[];
  readonly availability: AvailConfig | null;
  /** Per availability topic: last verdict (true = online). */
  readonly availState: Map<string, boolean>;
  latest?: boolean;
}

interface DeviceState {
  readonly id: string;
  name?: string;
  readonly entityKeys: Set<string>;
  readonly configErrors: Map<string, string>;
  emittedSchema?: string;
  emittedError?: string;
  availability?: Availability;
  schema?: DeviceSchema;
  propertyIndex: Map<string, { readonly entityKey: string; readonly def: PropDef }>;
}

function renderTemplate(tpl: Tpl, value: string, what: string): { ok: true; text: string } | { ok: false; error: string } {
  if (!tpl.ok) return { ok: false, error: `template not supported: ${tpl.source}` };
  const r = tpl.compiled.render({ value, ...(tpl.compiled.usesValueJson ? { value_json: jsonOf(value) } : {}) });
  return r.ok ? r : { ok: false, error: `${what}: ${r.error}` };
}

/** Apply an optional value template, then the component's own reading. */
function reader(tpl: Tpl | undefined, what: string, inner: (text: string) => Read): (text: string) => Read {
  if (tpl === undefined) return inner;
  return (text) => {
    const r = renderTemplate(tpl, text, what);
    return r.ok ? inner(r.text) : r;
  };
}

function writer(topic: string, tpl: Tpl | undefined, what: string): (text: string) => Write {
  return (text) => {
    if (tpl === undefined) return { ok: true, topic, payload: text };
    const r = renderTemplate(tpl, text, what);
    return r.ok ? { ok: true, topic, payload: r.text } : r;
  };
}

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function readOnOff(on: string, off: string): (text: string) => Read {
  return (text) => {
    if (text === on) return { ok: true, value: true };
    if (text === off) return { ok: true, value: false };
    if (text === PAYLOAD_NONE || text === '') return { skip: true };
    return { ok: false, error: `${quote(text)} is neither ${quote(on)} nor ${quote(off)}` };
  };
}

function readBy(schema: PropertySchema, trim: boolean): (text: string) => Read {
  return (text) => {
    const t = trim ? text.trim() : text;
    if (t === PAYLOAD_NONE || t === '') return { skip: true };
    const r = parsePayload(schema, t);
    return r.ok ? { ok: true, value: r.value } : { ok: false, error: r.error };
  };
}

function readWholeNumber(schema: PropertySchema): (text: string) => Read {
  return (text) => {
    const t = text.trim();
    if (t === PAYLOAD_NONE || t === '') return { skip: true };
    const n = parseNumber(t);
    if (n === null || !Number.isInteger(n)) return { ok: false, error: `${quote(t)} is not a whole number` };
    const r = parsePayload(schema, String(n));
    return r.ok ? { ok: true, value: r.value } : { ok: false, error: r.error };
  };
}

/** What each component needs to become properties. */
interface Build {
  readonly component: HaComponent;
  readonly cfg: Config;
  readonly id: string;
  readonly name: string;
  readonly commandGuard: (topic: string) => string | null;
}

function settability(
  build: Build,
  commandTopic: string | undefined,
  stateTopic: string | undefined,
  templates: readonly (Tpl | undefined)[],
): { settable: boolean; readOnlyReason?: string } {
  const unsupported = templates.find((t) => t !== undefined && !t.ok);
  if (unsupported) return { settable: false, readOnlyReason: `template not supported: ${unsupported.source}` };
  if (commandTopic === undefined) return { settable: false };
  const guard = build.commandGuard(commandTopic);
  if (guard !== null) return { settable: false, readOnlyReason: guard };
  if (stateTopic === undefined) return { settable: false, readOnlyReason: NO_STATE_REASON };
  return { settable: true };
}

function withSettable(base: Omit<PropertySchema, 'settable'>, s: { settable: boolean; readOnlyReason?: string }): PropertySchema {
  return { ...base, settable: s.settable, ...(s.readOnlyReason !== undefined ? { readOnlyReason: s.readOnlyReason } : {}) };
}

function buildNumber(b: Build): PropDef[] {
  const { cfg } = b;
  const stateTopic = optTopic(cfg, 'state_topic');
  const commandTopic = optTopic(cfg, 'command_topic');
  const valueTpl = optTemplate(cfg, 'value_template');
  const commandTpl = optTemplate(cfg, 'command_template');
  const unit = optText(cfg, 'unit_of_measurement');
  // HA number defaults: min 1, max 100, step 1.
  const min = optNumber(cfg, 'min', 1);
  const max = optNumber(cfg, 'max', 100);
  const step = optNumber(cfg, 'step', 1);
  const reset = optText(cfg, 'payload_reset', PAYLOAD_NONE);
  const schema = withSettable(
    {
      id: b.id,
      name: b.name,
      datatype: 'float',
      retained: true, momentary: false,
      ...(unit !== undefined && unit !== '' ? { unit } : {}),
      ...(min !== undefined ? { min } : {}),
      ...(max !== undefined ? { max } : {}),
      ...(step !== undefined ? { step } : {}),
    },
    settability(b, commandTopic, stateTopic, [valueTpl, commandTpl]),
  );
  const parse = readBy(schema, true);
  const send = commandTopic === undefined ? undefined : writer(commandTopic, commandTpl, 'command_template');
  return [
    {
      schema,
      ...(stateTopic !== undefined ? { stateTopic } : {}),
      read: reader(valueTpl, 'value_template', (t) => (t.trim() === reset ? { skip: true } : parse(t))),
      ...(send ? { write: (v: PropertyValue) => send(String(v)) } : {}),
    },
  ];
}

function buildSelect(b: Build): PropDef[] {
  const { cfg } = b;
  const stateTopic = optTopic(cfg, 'state_topic');
  const commandTopic = optTopic(cfg, 'command_topic');
  const valueTpl = optTemplate(cfg, 'value_template');
  const commandTpl = optTemplate(cfg, 'command_template');
  const raw = cfg['options'];
  if (!Array.isArray(raw)) throw new ConfigError('options must be a list');
  const options = raw.map((o, i) => asText(o, `options[${i}]`));
  const schema = withSettable(
    { id: b.id, name: b.name, datatype: 'enum', retained: true, momentary: false, options },
    settability(b, commandTopic, stateTopic, [valueTpl, commandTpl]),
  );
  const parse = readBy(schema, false);
  const send = commandTopic === undefined ? undefined : writer(commandTopic, commandTpl, 'command_template');
  return [
    {
      schema,
      ...(stateTopic !== undefined ? { stateTopic } : {}),
      // HA: a payload of "none" (any case) resets the selection.
      read: reader(valueTpl, 'value_template', (t) => (t.toLowerCase() === 'none' ? { skip: true } : parse(t))),
      ...(send ? { write: (v: PropertyValue) => send(String(v)) } : {}),
    },
  ];
}

function buildSwitch(b: Build): PropDef[] {
  const { cfg } = b;
  const stateTopic = optTopic(cfg, 'state_topic');
  const commandTopic = optTopic(cfg, 'command_topic');
  const valueTpl = optTemplate(cfg, 'value_template');
  const payloadOn = optText(cfg, 'payload_on', 'ON');
  const payloadOff = optText(cfg, 'payload_off', 'OFF');
  const stateOn = optText(cfg, 'state_on', payloadOn);
  const stateOff = optText(cfg, 'state_off', payloadOff);
  const schema = withSettable(
    { id: b.id, name: b.name, datatype: 'boolean', retained: true, momentary: false },
    settability(b, commandTopic, stateTopic, [valueTpl]),
  );
  return [
    {
      schema,
      ...(stateTopic !== undefined ? { stateTopic } : {}),
      read: reader(valueTpl, 'value_template', readOnOff(stateOn, stateOff)),
      ...(commandTopic !== undefined
        ? { write: (v: PropertyValue) => ({ ok: true as const, topic: commandTopic, payload: v === true ? payloadOn : payloadOff }) }
        : {}),
    },
  ];
}

function buildBinarySensor(b: Build): PropDef[] {
  const { cfg } = b;
  const stateTopic = optTopic(cfg, 'state_topic');
  if (stateTopic === undefined) throw new ConfigError('state_topic is required');
  const valueTpl = optTemplate(cfg, 'value_template');
  const on = optText(cfg, 'payload_on', 'ON');
  const off = optText(cfg, 'payload_off', 'OFF');
  const schema: PropertySchema = { id: b.id, name: b.name, datatype: 'boolean', settable: false, retained: true, momentary: false };
  return [{ schema, stateTopic, read: reader(valueTpl, 'value_template', readOnOff(on, off)) }];
}

function buildSensor(b: Build): PropDef[] {
  const { cfg } = b;
  const stateTopic = optTopic(cfg, 'state_topic');
  if (stateTopic === undefined) throw new ConfigError('state_topic is required');
  const valueTpl = optTemplate(cfg, 'value_template');
  const unit = optText(cfg, 'unit_of_measurement');
  const stateClass = optText(cfg, 'state_class');
  // HA requires a numeric state when a sensor has a unit or a state class.
  const numeric = (unit !== undefined && unit !== '') || stateClass !== undefined;
  const schema: PropertySchema = {
    id: b.id,
    name: b.name,
    datatype: numeric ? 'float' : 'string',
    settable: false,
    retained: true, momentary: false,
    ...(unit !== undefined && unit !== '' ? { unit } : {}),
  };
  return [{ schema, stateTopic, read: reader(valueTpl, 'value_template', readBy(schema, numeric)) }];
}

function buildButton(b: Build): PropDef[] {
  const { cfg } = b;
  const commandTopic = optTopic(cfg, 'command_topic');
  if (commandTopic === undefined) throw new ConfigError('command_topic is required');
  const commandTpl = optTemplate(cfg, 'command_template');
  const press = optText(cfg, 'payload_press', 'PRESS');
  const s = settability(b, commandTopic, commandTopic /* a button has no state to confirm */, [commandTpl]);
  // Momentary: retained false, no state; pressing sends payload_press through command_template.
  const schema = withSettable({ id: b.id, name: b.name, datatype: 'boolean', retained: false, momentary: true }, s);
  const send = writer(commandTopic, commandTpl, 'command_template');
  return [
    {
      schema,
      write: (v) => (v === true ? send(press) : { ok: false, error: `${b.name} is a button: it can only be pressed` }),
    },
  ];
}

function buildLight(b: Build): PropDef[] {
  const { cfg } = b;
  const schemaKind = optText(cfg, 'schema', 'default');
  const scale = optNumber(cfg, 'brightness_scale', 255);
  if (scale === undefined || !Number.isInteger(scale) || scale < 1) throw new ConfigError('brightness_scale must be a whole number of at least 1');
  const brightnessName = `${b.name} brightness`;
  const brightnessId = `${b.id}/brightness`;
  if (schemaKind === 'json') {
    const stateTopic = optTopic(cfg, 'state_topic');
    const commandTopic = optTopic(cfg, 'command_topic');
    if (commandTopic === undefined) throw new ConfigError('command_topic is required');
    const modes = cfg['supported_color_modes'];
    const hasBrightness =
      cfg['brightness'] === true || (Array.isArray(modes) && modes.some((m) => typeof m === 'string' && LIGHT_BRIGHTNESS_MODES.includes(m)));
    const s = settability(b, commandTopic, stateTopic, []);
    const onOff = withSettable({ id: b.id, name: b.name, datatype: 'boolean', retained: true, momentary: false }, s);
    const defs: PropDef[] = [
      {
        schema: onOff,
        ...(stateTopic !== undefined ? { stateTopic } : {}),
        read: (text) => {
          const parsed = jsonOf(text);
          if (!isRecord(parsed)) return { ok: false, error: 'state is not a JSON object' };
          const v = parsed['state'];
          if (v === undefined || v === null) return { skip: true };
          if (v === 'ON') return { ok: true, value: true };
          if (v === 'OFF') return { ok: true, value: false };
          return { ok: false, error: `state ${quote(typeof v === 'string' ? v : JSON.stringify(v))} is neither "ON" nor "OFF"` };
        },
        write: (v) => ({ ok: true, topic: commandTopic, payload: JSON.stringify({ state: v === true ? 'ON' : 'OFF' }) }),
      },
    ];
    if (hasBrightness) {
      const bri = withSettable({ id: brightnessId, name: brightnessName, datatype: 'integer', retained: true, momentary: false, min: 0, max: scale }, s);
      const check = readWholeNumber(bri);
      defs.push({
        schema: bri,
        ...(stateTopic !== undefined ? { stateTopic } : {}),
        read: (text) => {
          const parsed = jsonOf(text);
          if (!isRecord(parsed)) return { ok: false, error: 'state is not a JSON object' };
          const v = parsed['brightness'];
          if (v === undefined || v === null) return { skip: true };
          if (typeof v !== 'number') return { ok: false, error: `brightness ${quote(JSON.stringify(v))} is not a number` };
          return check(String(v));
        },
        write: (v) => ({ ok: true, topic: commandTopic, payload: JSON.stringify({ state: 'ON', brightness: v }) }),
      });
    }
    return defs;
  }
  if (schemaKind !== 'default') {
    throw new ConfigError(`light schema ${quote(schemaKind)} is not supported (default and json are)`);
  }
  const stateTopic = optTopic(cfg, 'state_topic');
  const commandTopic = optTopic(cfg, 'command_topic');
  if (commandTopic === undefined) throw new ConfigError('command_topic is required');
  const stateTpl = optTemplate(cfg, 'state_value_template');
  const payloadOn = optText(cfg, 'payload_on', 'ON');
  const payloadOff = optText(cfg, 'payload_off', 'OFF');
  const onOff = withSettable(
    { id: b.id, name: b.name, datatype: 'boolean', retained: true, momentary: false },
    settability(b, commandTopic, stateTopic, [stateTpl]),
  );
  const defs: PropDef[] = [
    {
      schema: onOff,
      ...(stateTopic !== undefined ? { stateTopic } : {}),
      read: reader(stateTpl, 'state_value_template', readOnOff(payloadOn, payloadOff)),
      write: (v) => ({ ok: true, topic: commandTopic, payload: v === true ? payloadOn : payloadOff }),
    },
  ];
  const briState = optTopic(cfg, 'brightness_state_topic');
  const briCommand = optTopic(cfg, 'brightness_command_topic');
  if (briState !== undefined || briCommand !== undefined) {
    const briValueTpl = optTemplate(cfg, 'brightness_value_template');
    const briCommandTpl = optTemplate(cfg, 'brightness_command_template');
    const bri = withSettable(
      { id: brightnessId, name: brightnessName, datatype: 'integer', retained: true, momentary: false, min: 0, max: scale },
      settability(b, briCommand, briState, [briValueTpl, briCommandTpl]),
    );
    const send = briCommand === undefined ? undefined : writer(briCommand, briCommandTpl, 'brightness_command_template');
    defs.push({
      schema: bri,
      ...(briState !== undefined ? { stateTopic: briState } : {}),
      read: reader(briValueTpl, 'brightness_value_template', readWholeNumber(bri)),
      ...(send ? { write: (v: PropertyValue) => send(String(v)) } : {}),
    });
  }
  return defs;
}

const BUILDERS: Record<HaComponent, (b: Build) => PropDef[]> = {
  number: buildNumber,
  select: buildSelect,
  switch: buildSwitch,
  light: buildLight,
  sensor: buildSensor,
  binary_sensor: buildBinarySensor,
  button: buildButton,
};

function parseAvailability(cfg: Config): AvailConfig | null {
  const list = cfg['availability'];
  const single = cfg['availability_topic'];
  if (list !== undefined && list !== null && single !== undefined && single !== null) {
    throw new ConfigError('availability and availability_topic cannot both be set');
  }
  const modeText = optText(cfg, 'availability_mode', 'latest');
  if (modeText !== 'latest' && modeText !== 'all' && modeText !== 'any') {
    throw new ConfigError(`availability_mode ${quote(modeText)} is not latest, all or any`);
  }
  const topics: AvailTopic[] = [];
  if (single !== undefined && single !== null) {
    const topic = optTopic(cfg, 'availability_topic') ?? '';
    const template = optTemplate(cfg, 'availability_template');
    topics.push({
      topic,
      online: optText(cfg, 'payload_available', 'online'),
      offline: optText(cfg, 'payload_not_available', 'offline'),
      ...(template ? { template } : {}),
    });
  } else if (list !== undefined && list !== null) {
    const entries = Array.isArray(list) ? list : [list];
    entries.forEach((entry, i) => {
      if (!isRecord(entry)) throw new ConfigError(`availability[${i}] must be an object`);
      const problem = topicProblem(entry['topic']);
      if (problem !== null) throw new ConfigError(`availability[${i}].topic ${problem}`);
      const template = optTemplate(entry, 'value_template');
      topics.push({
        topic: entry['topic'] as string,
        online: optText(entry, 'payload_available', 'online'),
        offline: optText(entry, 'payload_not_available', 'offline'),
        ...(template ? { template } : {}),
      });
    });
  }
  return topics.length === 0 ? null : { topics, mode: modeText };
}

function deviceNativeId(device: Config): string | undefined {
  const ids = device['identifiers'];
  const first = Array.isArray(ids) ? ids[0] : ids;
  if (typeof first === 'string' && first !== '') return first;
  if (typeof first === 'number' && Number.isFinite(first)) return String(first);
  const cns = device['connections'];
  if (Array.isArray(cns) && Array.isArray(cns[0])) {
    const [type, value] = cns[0] as unknown[];
    if (typeof type === 'string' && typeof value === 'string' && value !== '') return `${type}_${value}`;
  }
  return undefined;
}

function entityName(cfg: Config, deviceName: string | undefined, fallback: string): string {
  const v = cfg['name'];
  if (v === null) return deviceName ?? fallback;
  if (v === undefined) return fallback;
  const text = asText(v, 'name');
  return text.trim() === '' ? (deviceName ?? fallback) : text;
}

export class HaDiscoveryAdapter implements ConventionAdapter {
  readonly convention = HA_CONVENTION;
  readonly prefix: string;
  private readonly prefixSlash: string;
  private readonly statusTopic: string;
  private readonly entities = new Map<string, Entity>();
  private readonly devices = new Map<string, DeviceState>();
  /** Where a config error for an entity key is shown. */
  private readonly errorOwner = new Map<string, string>();
  /** Entity keys of each device-based config (`device/<discovery id>`). */
  private readonly deviceConfigs = new Map<string, Set<string>>();
  private readonly stateIndex = new Map<string, Set<string>>();
  private readonly availIndex = new Map<string, Set<string>>();
  private readonly resubscribe = new Set<string>();
  /** subscriptions() is asked after every message; rebuilt only when the learned topics change. */
  private subscriptionCache: readonly string[] | null = null;

  constructor(opts: HaDiscoveryOptions = {}) {
    const prefix = (opts.prefix ?? 'homeassistant').replace(/\/+$/, '');
    if (prefix === '' || /[+#]/.test(prefix) || prefix.includes('\u0000')) throw new RangeError(`discovery prefix ${JSON.stringify(opts.prefix)} is not a topic prefix`);
    this.prefix = prefix;
    this.prefixSlash = `${prefix}/`;
    this.statusTopic = `${prefix}/status`;
  }

  subscriptions(): readonly string[] {
    if (this.subscriptionCache === null) {
      const learned = new Set<string>([...this.stateIndex.keys(), ...this.availIndex.keys()]);
      this.subscriptionCache = [`${this.prefix}/+/+/config`, `${this.prefix}/+/+/+/config`, ...[...learned].sort()];
    }
    return this.subscriptionCache;
  }

  /** Already-subscribed topics a new entity reads: subscribe again so the broker re-sends their retained state. */
  takeResubscriptions(): readonly string[] {
    const topics = [...this.resubscribe];
    this.resubscribe.clear();
    return topics;
  }

  handles(topic: string): boolean {
    if (topic === this.statusTopic) return false;
    return topic.startsWith(this.prefixSlash) || this.stateIndex.has(topic) || this.availIndex.has(topic);
  }

  refuseCommandTopic(topic: string): string | null {
    if (topic === this.statusTopic) return `refusing to publish to ${topic}: it is Home Assistant's status (birth) topic`;
    if (topic.startsWith(this.prefixSlash) && topic.endsWith('/config')) {
      return `refusing to publish to ${topic}: it is a Home Assistant discovery config topic`;
    }
    return null;
  }

  /** The current schema of a device, if it has usable entities. */
  schemaOf(deviceId: string): DeviceSchema | undefined {
    return this.devices.get(deviceId)?.schema;
  }

  handleMessage(topic: string, payload: Uint8Array, retained: boolean): AdapterEvent[] {
    try {
      return this.route(topic, payload, retained);
    } catch (e) {
      return [{ kind: 'device-error', deviceId: `${HA_CONVENTION}:${topic}`, error: `could not handle ${topic}: ${e instanceof Error ? e.message : String(e)}` }];
    }
  }

  encodeSet(deviceId: string, propertyId: string, value: PropertyValue): EncodeResult {
    const device = this.devices.get(deviceId);
    if (device?.schema === undefined) return { ok: false, error: `unknown device ${deviceId}` };
    const entry = device.propertyIndex.get(propertyId);
    if (entry === undefined) return { ok: false, error: `${device.schema.name} has no property ${propertyId}` };
    const { def } = entry;
    const checked = validateValue(def.schema, value);
    if (!checked.ok) return { ok: false, error: `${def.schema.name}: ${checked.error}` };
    if (def.write === undefined) return { ok: false, error: `${def.schema.name}: read-only` };
    const out = def.write(checked.value);
    if (!out.ok) return { ok: false, error: `${def.schema.name}: ${out.error}` };
    const refusal = this.refuseCommandTopic(out.topic) ?? topicProblem(out.topic);
    if (refusal !== null) return { ok: false, error: refusal };
    return { ok: true, command: { topic: out.topic, payload: out.payload, retain: false } };
  }

  // ---- routing ----

  private route(topic: string, payload: Uint8Array, retained: boolean): AdapterEvent[] {
    if (topic === this.statusTopic) return [];
    const events: AdapterEvent[] = [];
    let handled = false;
    if (topic.startsWith(this.prefixSlash)) {
      const levels = topic.slice(this.prefixSlash.length).split('/');
      if ((levels.length === 3 || levels.length === 4) && levels[levels.length - 1] === 'config') {
        const [component = '', a = '', b] = levels;
        const nodeId = levels.length === 4 ? a : undefined;
        const objectId = levels.length === 4 ? (b ?? '') : a;
        if (COMPONENT_LEVEL.test(component) && DISCOVERY_LEVEL.test(objectId) && (nodeId === undefined || DISCOVERY_LEVEL.test(nodeId))) {
          handled = true;
          events.push(...this.onConfig(component, nodeId, objectId, payload));
        }
      }
    }
    if (!handled && (this.stateIndex.has(topic) || this.availIndex.has(topic))) events.push(...this.onState(topic, payload, retained));
    return events;
  }

  private onConfig(component: string, nodeId: string | undefined, objectId: string, payload: Uint8Array): AdapterEvent[] {
    const discoveryId = nodeId !== undefined ? `${nodeId}/${objectId}` : objectId;
    if (component === 'device') return this.onDeviceConfig(discoveryId, payload);
    if (!(HA_COMPONENTS as readonly string[]).includes(component)) return [];
    const key = `${component}/${discoveryId}`;
    const fallbackDevice = this.entities.get(key)?.deviceId ?? this.errorOwner.get(key) ?? `${HA_CONVENTION}:${key}`;
    if (payload.byteLength === 0) return this.removeEntities([key]);
    const decoded = decodePayload(payload, MAX_DESCRIPTION_BYTES);
    if ('error' in decoded) return this.setEntityError(key, fallbackDevice, `${key} config: ${decoded.error}`);
    let doc: unknown;
    try {
      doc = JSON.parse(decoded.text);
    } catch (e) {
      return this.setEntityError(key, fallbackDevice, `${key} config is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!isRecord(doc)) return this.setEntityError(key, fallbackDevice, `${key} config is not a JSON object`);
    const cfg = expandAbbreviations(doc);
    // A discovery migration hand-over is not a config.
    if ('migrate_discovery' in cfg) return [];
    return this.applyEntity(component as HaComponent, key, discoveryId, objectId, cfg, fallbackDevice);
  }

  private onDeviceConfig(discoveryId: string, payload: Uint8Array): AdapterEvent[] {
    const configKey = `device/${discoveryId}`;
    const previous = this.deviceConfigs.get(configKey) ?? new Set<string>();
    const fallbackDevice = this.errorOwner.get(configKey) ?? `${HA_CONVENTION}:${discoveryId}`;
    if (payload.byteLength === 0) {
      this.deviceConfigs.delete(configKey);
      return [...this.clearEntityError(configKey), ...this.removeEntities([...previous])];
    }
    const decoded = decodePayload(payload, MAX_DESCRIPTION_BYTES);
    let doc: unknown;
    let problem: string | null = null;
    if ('error' in decoded) problem = `device config ${discoveryId}: ${decoded.error}`;
    else {
      try {
        doc = JSON.parse(decoded.text);
      } catch (e) {
        problem = `device config ${discoveryId} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    if (problem === null && !isRecord(doc)) problem = `device config ${discoveryId} is not a JSON object`;
    const raw = isRecord(doc) ? doc : {};
    if (problem === null && ('migrate_discovery' in raw || 'migr_discvry' in raw)) return [];
    const cfg = expandAbbreviations(raw);
    const device = cfg['device'];
    const components = cfg['components'];
    if (problem === null && !isRecord(device)) problem = `device config ${discoveryId}: "device" (dev) must be an object`;
    if (problem === null && !isRecord(components)) problem = `device config ${discoveryId}: "components" (cmps) must be an object`;
    if (problem === null && isRecord(device) && deviceNativeId(device) === undefined) {
      problem = `device config ${discoveryId}: the device needs identifiers (ids) or connections (cns)`;
    }
    const deviceId = isRecord(device) && deviceNativeId(device) !== undefined ? `${HA_CONVENTION}:${deviceNativeId(device) ?? ''}` : fallbackDevice;
    if (problem !== null || !isRecord(components) || !isRecord(device)) {
      // Without a usable config none of its components may be written to.
      this.deviceConfigs.delete(configKey);
      return [...this.removeEntities([...previous]), ...this.setEntityError(configKey, deviceId, problem ?? 'invalid device config')];
    }
    const events: AdapterEvent[] = [...this.clearEntityError(configKey)];
    const current = new Set<string>();
    for (const [componentId, raw] of Object.entries(components)) {
      const key = `${configKey}#${componentId}`;
      if (!isRecord(raw)) {
        events.push(...this.setEntityError(key, deviceId, `${key}: component must be an object`));
        current.add(key);
        continue;
      }
      const platform = raw['platform'];
      const rest = Object.fromEntries(Object.entries(raw).filter(([k]) => k !== 'platform'));
      // A component with nothing but its platform is a removal.
      if (Object.keys(rest).length === 0) continue;
      if (typeof platform !== 'string') {
        events.push(...this.setEntityError(key, deviceId, `${key}: platform (p) is missing`));
        current.add(key);
        continue;
      }
      if (!(HA_COMPONENTS as readonly string[]).includes(platform)) continue;
      const merged: Config = { ...rest, device, ...(cfg['origin'] !== undefined ? { origin: cfg['origin'] } : {}) };
      for (const option of SHARED_OPTIONS) {
        if (option in cfg && !(option in merged)) merged[option] = cfg[option];
      }
      current.add(key);
      events.push(...this.applyEntity(platform as HaComponent, key, `${discoveryId}/${componentId}`, componentId, merged, deviceId));
    }
    const removed = [...previous].filter((k) => !current.has(k));
    this.deviceConfigs.set(configKey, current);
    events.push(...this.removeEntities(removed));
    return events;
  }

  private applyEntity(
    component: HaComponent,
    key: string,
    discoveryId: string,
    objectId: string,
    rawCfg: Config,
    fallbackDevice: string,
  ): AdapterEvent[] {
    const expanded = expandBaseTopic(rawCfg);
    if (!expanded.ok) return this.setEntityError(key, fallbackDevice, `${key}: ${expanded.error}`);
    const cfg = expanded.cfg;
    const device = isRecord(cfg['device']) ? cfg['device'] : undefined;
    const uniqueId = cfg['unique_id'];
    const uid = typeof uniqueId === 'string' && uniqueId !== '' ? uniqueId : typeof uniqueId === 'number' ? String(uniqueId) : undefined;
    const propertyId = uid ?? `${component}/${discoveryId}`;
    const native = device !== undefined ? deviceNativeId(device) : undefined;
    const deviceId = native !== undefined ? `${HA_CONVENTION}:${native}` : `${HA_CONVENTION}:${propertyId}`;
    let entity: Entity;
    try {
      const deviceNameRaw = device?.['name'];
      const deviceName = typeof deviceNameRaw === 'string' && deviceNameRaw.trim() !== '' ? deviceNameRaw : undefined;
      const fallbackName = typeof cfg['object_id'] === 'string' && cfg['object_id'] !== '' ? cfg['object_id'] : objectId;
      const name = entityName(cfg, deviceName, fallbackName);
      const props = BUILDERS[component]({
        component,
        cfg,
        id: propertyId,
        name,
        commandGuard: (t) => this.refuseCommandTopic(t),
      });
      const problems = checkSchema({ id: deviceId, name: deviceName ?? name, convention: HA_CONVENTION, properties: props.map((p) => p.schema) });
      if (problems.length > 0) throw new ConfigError(problems.join('; '));
      entity = {
        key,
        deviceId,
        ...(deviceName !== undefined ? { deviceName } : {}),
        ...(device === undefined ? { standaloneName: name } : {}),
        props,
        availability: parseAvailability(cfg),
        availState: new Map(),
      };
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const owner = this.entities.get(key)?.deviceId ?? deviceId;
      return this.setEntityError(key, owner, `${component} ${discoveryId}: ${e.message}`);
    }
    return this.upsert(entity);
  }

  // ---- entity bookkeeping ----

  private device(id: string): DeviceState {
    let d = this.devices.get(id);
    if (d === undefined) {
      d = { id, entityKeys: new Set(), configErrors: new Map(), propertyIndex: new Map() };
      this.devices.set(id, d);
    }
    return d;
  }

  private topicsOf(e: Entity): { state: string[]; avail: string[] } {
    const state = e.props.flatMap((p) => (p.stateTopic !== undefined ? [p.stateTopic] : []));
    const avail = e.availability?.topics.map((t) => t.topic) ?? [];
    return { state, avail };
  }

  private unindex(e: Entity): void {
    this.subscriptionCache = null;
    const { state, avail } = this.topicsOf(e);
    for (const [index, topics] of [
      [this.stateIndex, state],
      [this.availIndex, avail],
    ] as const) {
      for (const t of topics) {
        const set = index.get(t);
        set?.delete(e.key);
        if (set?.size === 0) index.delete(t);
      }
    }
  }

  private index(e: Entity, previous: Entity | undefined): void {
    this.subscriptionCache = null;
    const before = previous ? this.topicsOf(previous) : { state: [], avail: [] };
    const { state, avail } = this.topicsOf(e);
    const subscribedBefore = new Set([...state, ...avail].filter((t) => this.stateIndex.has(t) || this.availIndex.has(t)));
    for (const [index, topics, old] of [
      [this.stateIndex, state, before.state],
      [this.availIndex, avail, before.avail],
    ] as const) {
      for (const t of topics) {
        let set = index.get(t);
        if (set === undefined) {
          set = new Set();
          index.set(t, set);
        }
        set.add(e.key);
        // Already subscribed for someone else: ask the broker to re-send its retained message.
        if (subscribedBefore.has(t) && !old.includes(t)) this.resubscribe.add(t);
      }
    }
  }

  private upsert(entity: Entity): AdapterEvent[] {
    // An error this entity had on its own device is cleared by the rebuild below, in one event.
    const events: AdapterEvent[] = [...this.clearEntityError(entity.key, entity.deviceId)];
    const old = this.entities.get(entity.key);
    if (old !== undefined) this.unindex(old);
    if (old !== undefined && old.deviceId !== entity.deviceId) {
      this.entities.delete(entity.key);
      const oldDevice = this.devices.get(old.deviceId);
      oldDevice?.entityKeys.delete(entity.key);
      if (oldDevice) events.push(...this.rebuild(oldDevice));
    }
    // Keep the availability seen so far when only other options changed.
    if (old !== undefined && old.deviceId === entity.deviceId) {
      for (const t of entity.availability?.topics ?? []) {
        const seen = old.availState.get(t.topic);
        if (seen !== undefined) entity.availState.set(t.topic, seen);
      }
      if (old.latest !== undefined) entity.latest = old.latest;
    }
    this.entities.set(entity.key, entity);
    this.index(entity, old !== undefined && old.deviceId === entity.deviceId ? old : undefined);
    const device = this.device(entity.deviceId);
    device.entityKeys.add(entity.key);
    if (entity.deviceName !== undefined) device.name = entity.deviceName;
    events.push(...this.rebuild(device));
    return events;
  }

  private removeEntities(keys: readonly string[]): AdapterEvent[] {
    const events: AdapterEvent[] = [];
    const touched = new Set<DeviceState>();
    for (const key of keys) {
      events.push(...this.clearEntityError(key));
      const e = this.entities.get(key);
      if (e === undefined) continue;
      this.unindex(e);
      this.entities.delete(key);
      const d = this.devices.get(e.deviceId);
      if (d) {
        d.entityKeys.delete(key);
        touched.add(d);
      }
    }
    for (const d of touched) events.push(...this.rebuild(d));
    return events;
  }

  private setEntityError(key: string, deviceId: string, error: string): AdapterEvent[] {
    const events: AdapterEvent[] = [...this.clearEntityError(key)];
    // Without a usable config nothing may be written through it: drop the old entity.
    const old = this.entities.get(key);
    if (old !== undefined) {
      this.unindex(old);
      this.entities.delete(key);
      const d = this.devices.get(old.deviceId);
      if (d) {
        d.entityKeys.delete(key);
        if (d.id !== deviceId) events.push(...this.rebuild(d));
      }
    }
    const device = this.device(deviceId);
    device.configErrors.set(key, error);
    this.errorOwner.set(key, deviceId);
    events.push(...this.rebuild(device));
    return events;
  }

  /** Forget a config error; the owner device is rebuilt unless it is `rebuiltLater` by the caller. */
  private clearEntityError(key: string, rebuiltLater?: string): AdapterEvent[] {
    const owner = this.errorOwner.get(key);
    if (owner === undefined) return [];
    this.errorOwner.delete(key);
    const d = this.devices.get(owner);
    if (d === undefined || !d.configErrors.delete(key) || owner === rebuiltLater) return [];
    return this.rebuild(d);
  }

  /** Recompute a device's schema from its entities; emit what changed. */
  private rebuild(d: DeviceState): AdapterEvent[] {
    const events: AdapterEvent[] = [];
    const properties: PropertySchema[] = [];
    const index = new Map<string, { entityKey: string; def: PropDef }>();
    const errors = [...d.configErrors.values()];
    let standaloneName: string | undefined;
    for (const key of d.entityKeys) {
      const e = this.entities.get(key);
      if (e === undefined) continue;
      const clash = e.props.find((p) => index.has(p.schema.id));
      if (clash !== undefined) {
        errors.push(`${key}: property id ${JSON.stringify(clash.schema.id)} is already used by another entity of this device`);
        continue;
      }
      standaloneName ??= e.standaloneName;
      for (const def of e.props) {
        properties.push(def.schema);
        index.set(def.schema.id, { entityKey: key, def });
      }
    }
    const errorText = errors.length > 0 ? errors.join('; ') : undefined;
    if (properties.length === 0) {
      if (d.emittedSchema !== undefined) events.push({ kind: 'device-removed', deviceId: d.id });
      d.emittedSchema = undefined;
      d.schema = undefined;
      d.availability = undefined;
      d.propertyIndex = new Map();
      if (errorText === undefined) {
        this.devices.delete(d.id);
        d.emittedError = undefined;
        return events;
      }
      if (errorText !== d.emittedError) events.push({ kind: 'device-error', deviceId: d.id, error: errorText });
      d.emittedError = errorText;
      return events;
    }
    const name = d.name ?? standaloneName ?? d.id.slice(HA_CONVENTION.length + 1);
    const schema: DeviceSchema = { id: d.id, name, convention: HA_CONVENTION, properties };
    const text = JSON.stringify(schema);
    d.propertyIndex = index;
    if (text !== d.emittedSchema || (errorText === undefined && d.emittedError !== undefined)) {
      events.push({ kind: 'device', device: schema });
      d.emittedSchema = text;
      d.emittedError = undefined;
    }
    d.schema = schema;
    if (errorText !== undefined && errorText !== d.emittedError) {
      events.push({ kind: 'device-error', deviceId: d.id, error: errorText });
      d.emittedError = errorText;
    }
    // A device seen again after removal gets its availability re-announced.
    const availability = this.deviceAvailability(d);
    if (availability !== undefined && availability !== d.availability) {
      events.push({ kind: 'availability', deviceId: d.id, availability });
      d.availability = availability;
    }
    return events;
  }

  // ---- state and availability ----

  private onState(topic: string, payload: Uint8Array, retained: boolean): AdapterEvent[] {
    const events: AdapterEvent[] = [];
    const decoded = decodePayload(payload, MAX_VALUE_BYTES);
    for (const key of this.stateIndex.get(topic) ?? []) {
      const e = this.entities.get(key);
      const d = e ? this.devices.get(e.deviceId) : undefined;
      if (e === undefined || d?.schema === undefined) continue;
      for (const def of e.props) {
        if (def.stateTopic !== topic || def.read === undefined) continue;
        // The entity may be shadowed by a clashing one; only what the schema lists is reported.
        if (d.propertyIndex.get(def.schema.id)?.def !== def) continue;
        const propertyId = def.schema.id;
        if ('error' in decoded) {
          events.push({ kind: 'value-error', deviceId: d.id, propertyId, error: decoded.error, raw: decoded.raw });
          continue;
        }
        // An empty payload clears a retained topic; it is not a value.
        if (decoded.text === '') continue;
        const r = def.read(decoded.text);
        if ('skip' in r) continue;
        if (r.ok) events.push({ kind: 'value', deviceId: d.id, propertyId, value: r.value, retained });
        else events.push({ kind: 'value-error', deviceId: d.id, propertyId, error: r.error, raw: previewText(decoded.text) });
      }
    }
    const touched = new Set<DeviceState>();
    for (const key of this.availIndex.get(topic) ?? []) {
      const e = this.entities.get(key);
      if (e?.availability === undefined || e.availability === null || !('text' in decoded)) continue;
      for (const t of e.availability.topics) {
        if (t.topic !== topic) continue;
        let text = decoded.text;
        if (t.template !== undefined) {
          const r = renderTemplate(t.template, text, 'availability template');
          // An unusable availability template is ignored rather than guessed at.
          if (!r.ok) continue;
          text = r.text;
        }
        const verdict = text === t.online ? true : text === t.offline ? false : undefined;
        if (verdict === undefined) continue;
        e.availState.set(topic, verdict);
        e.latest = verdict;
      }
      const d = this.devices.get(e.deviceId);
      if (d) touched.add(d);
    }
    for (const d of touched) {
      if (d.schema === undefined) continue;
      const availability = this.deviceAvailability(d);
      if (availability !== undefined && availability !== d.availability) {
        events.push({ kind: 'availability', deviceId: d.id, availability });
        d.availability = availability;
      }
    }
    return events;
  }

  /** HA semantics per entity (latest / all / any); the device is online when every reporting entity is. */
  private deviceAvailability(d: DeviceState): Availability | undefined {
    let anyOnline = false;
    for (const key of d.entityKeys) {
      const e = this.entities.get(key);
      const cfg = e?.availability;
      if (e === undefined || cfg === undefined || cfg === null) continue;
      let verdict: boolean | undefined;
      if (cfg.mode === 'latest') verdict = e.latest;
      else {
        const states = cfg.topics.map((t) => e.availState.get(t.topic));
        if (cfg.mode === 'all') verdict = states.some((s) => s === false) ? false : states.every((s) => s === true) ? true : undefined;
        else verdict = states.some((s) => s === true) ? true : states.every((s) => s === false) ? false : undefined;
      }
      if (verdict === false) return 'disconnected';
      if (verdict === true) anyOnline = true;
    }
    return anyOnline ? 'ready' : undefined;
  }
}
