/**
 * What a component builder makes of one discovery config: property
 * definitions that know their state topic, how to read a payload and how to
 * write a value. Shared reading and writing helpers live here too.
 */
import type { PropertySchema, PropertyValue } from '../../model/types.js';
import { parsePayload, parseNumber } from '../../model/values.js';
import { optBoolean, type Config, type Tpl } from './config.js';
import { jsonOf, type TemplateInput } from './templates.js';

export type Read = { readonly ok: true; readonly value: PropertyValue } | { readonly ok: false; readonly error: string } | { readonly skip: true };
export type Write = { readonly ok: true; readonly topic: string; readonly payload: string } | { readonly ok: false; readonly error: string };

/** A property's schema before the adapter names it and says whether it can be queried. */
export type PropBase = Omit<PropertySchema, 'name' | 'queryable'>;

export interface PropDef {
  readonly schema: PropBase;
  /** Added to the entity's friendly name for a sub-control ("Speed"); absent for its main control. */
  readonly part?: string;
  /** Exact topic or MQTT filter its state arrives on. */
  readonly stateTopic?: string;
  /** Where its sets go (for firmware that can be asked for a value through it, see tasmota.ts). */
  readonly commandTopic?: string;
  readonly read?: (text: string) => Read;
  readonly write?: (value: PropertyValue) => Write;
}

/** What a builder gets: the expanded config and where its properties live. */
export interface Build {
  readonly component: string;
  readonly cfg: Config;
  /** The entity's property id (unique_id, or "<component>/<discovery id>"). */
  readonly id: string;
  /** Why a command topic may not be written to (HA's birth topic, a config topic), or null. */
  readonly commandGuard: (topic: string) => string | null;
}

export const PAYLOAD_NONE = 'None';

export function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

export function unsupportedReason(tpl: Tpl & { readonly ok: false }): string {
  return `template not supported (${tpl.error.message}): ${tpl.source}`;
}

export interface Settability {
  readonly settable: boolean;
  readonly readOnlyReason?: string;
}

/** Settable when there is a usable command topic and every template it needs can be evaluated. */
export function settability(b: Build, commandTopic: string | undefined, templates: readonly (Tpl | undefined)[]): Settability {
  const unsupported = templates.find((t): t is Tpl & { ok: false } => t !== undefined && !t.ok);
  if (unsupported) return { settable: false, readOnlyReason: unsupportedReason(unsupported) };
  if (commandTopic === undefined) return { settable: false };
  const guard = b.commandGuard(commandTopic);
  if (guard !== null) return { settable: false, readOnlyReason: guard };
  return { settable: true };
}

/**
 * HA "optimistic": no state topic, or `optimistic: true`. Still settable; the
 * schema says the device does not report it, so a set ends "sent; the device
 * does not report it" instead of waiting for an echo that never comes.
 */
export function reports(cfg: Config, stateTopic: string | undefined, s: Settability): { reports?: false } {
  if (!s.settable) return {};
  return stateTopic === undefined || optBoolean(cfg, 'optimistic', false) ? { reports: false } : {};
}

export function withSettable(base: Omit<PropBase, 'settable'>, s: Settability): PropBase {
  return { ...base, settable: s.settable, ...(s.readOnlyReason !== undefined ? { readOnlyReason: s.readOnlyReason } : {}) };
}

type Variables = Readonly<Record<string, string | number | boolean>>;

function input(tpl: Tpl & { ok: true }, value: string | number | boolean, variables: Variables | undefined): TemplateInput {
  const extra = variables !== undefined ? { variables } : {};
  if (!tpl.compiled.usesValueJson || typeof value !== 'string') return { value, ...extra };
  const json = jsonOf(value);
  return json === undefined ? { value, ...extra } : { value, value_json: json, ...extra };
}

export function renderTemplate(
  tpl: Tpl,
  value: string | number | boolean,
  what: string,
  variables?: Variables,
): { ok: true; text: string } | { ok: false; error: string } {
  if (!tpl.ok) return { ok: false, error: unsupportedReason(tpl) };
  const r = tpl.compiled.render(input(tpl, value, variables));
  return r.ok ? r : { ok: false, error: `${what}: ${r.error.message}` };
}

/** Apply an optional value template, then the component's own reading. */
export function reader(tpl: Tpl | undefined, what: string, inner: (text: string) => Read): (text: string) => Read {
  if (tpl === undefined) return inner;
  return (text) => {
    const r = renderTemplate(tpl, text, what);
    return r.ok ? inner(r.text) : r;
  };
}

/**
 * Publish a value to a topic, through an optional command template (which gets the typed value, as in HA;
 * `variable` also names it, as HA's cover gives set_position_template its `position`).
 */
export function writer(topic: string, tpl: Tpl | undefined, what: string, variable?: string): (value: string | number | boolean, text: string) => Write {
  return (value, text) => {
    if (tpl === undefined) return { ok: true, topic, payload: text };
    const r = renderTemplate(tpl, value, what, variable !== undefined ? { [variable]: value } : undefined);
    return r.ok ? { ok: true, topic, payload: r.text } : r;
  };
}

/** HA passes a number to command templates as an int when it is whole. */
export function numberText(n: number): string {
  return Object.is(n, -0) ? '0' : String(n);
}

export function readOnOff(on: string, off: string): (text: string) => Read {
  return (text) => {
    if (text === on) return { ok: true, value: true };
    if (text === off) return { ok: true, value: false };
    if (text === PAYLOAD_NONE || text === '') return { skip: true };
    return { ok: false, error: `${quote(text)} is neither ${quote(on)} nor ${quote(off)}` };
  };
}

export function readBy(schema: PropBase, trim: boolean): (text: string) => Read {
  return (text) => {
    const t = trim ? text.trim() : text;
    if (t === PAYLOAD_NONE || t === '') return { skip: true };
    const r = parsePayload({ ...schema, name: schema.id }, t);
    return r.ok ? { ok: true, value: r.value } : { ok: false, error: r.error };
  };
}

export function readWholeNumber(schema: PropBase): (text: string) => Read {
  const parse = readBy(schema, true);
  return (text) => {
    const t = text.trim();
    if (t === PAYLOAD_NONE || t === '') return { skip: true };
    const n = parseNumber(t);
    if (n === null || !Number.isInteger(n)) return { ok: false, error: `${quote(t)} is not a whole number` };
    return parse(String(n));
  };
}

/** One key of a JSON state object (JSON lights, Zigbee2MQTT-style state). */
export function readJsonKey(key: string, inner: (v: unknown) => Read): (text: string) => Read {
  return (text) => {
    const parsed = jsonOf(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false, error: 'state is not a JSON object' };
    const v = Object.prototype.hasOwnProperty.call(parsed, key) ? (parsed as Record<string, unknown>)[key] : undefined;
    if (v === undefined || v === null) return { skip: true };
    return inner(v);
  };
}
