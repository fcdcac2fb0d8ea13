/**
 * Reading a discovery payload: abbreviations (abbreviations.ts), the `~`
 * base topic, and typed option readers that coerce the way voluptuous does in
 * Home Assistant (`cv.string` turns `true` into "True"). A reader that cannot
 * accept an option throws ConfigError; the adapter turns that into a
 * device-error for that entity only.
 */
import { topicProblem } from '../adapter.js';
import { parseNumber } from '../../model/values.js';
import { ABBREVIATIONS, DEVICE_ABBREVIATIONS, ORIGIN_ABBREVIATIONS } from './abbreviations.js';
import { pyFloatText } from './python.js';
import { compileTemplate, type CompiledTemplate, type TemplateError } from './templates.js';
import { filterProblem } from './topic-index.js';

export type Config = Record<string, unknown>;

export function isRecord(x: unknown): x is Config {
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

export class ConfigError extends Error {}

/** cv.string: numbers and booleans become text the way Python prints them. */
export function asText(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return Number.isInteger(v) ? String(v) : pyFloatText(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  throw new ConfigError(`${what} must be text`);
}

export function optText(cfg: Config, key: string, dflt: string): string;
export function optText(cfg: Config, key: string): string | undefined;
export function optText(cfg: Config, key: string, dflt?: string): string | undefined {
  const v = cfg[key];
  if (v === undefined || v === null) return dflt;
  return asText(v, key);
}

/** A payload option whose `null` means "this action does not exist" (e.g. a valve without payload_stop). */
export function optPayload(cfg: Config, key: string, dflt: string | null): string | null {
  if (key in cfg && cfg[key] === null) return null;
  return optText(cfg, key) ?? dflt;
}

export function optNumber(cfg: Config, key: string, dflt: number): number;
export function optNumber(cfg: Config, key: string): number | undefined;
export function optNumber(cfg: Config, key: string, dflt?: number): number | undefined {
  const v = cfg[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const n = parseNumber(v.trim());
    if (n !== null) return n;
  }
  throw new ConfigError(`${key} must be a number`);
}

/** cv.boolean for options such as `optimistic`. */
export function optBoolean(cfg: Config, key: string, dflt: boolean): boolean {
  const v = cfg[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on', 'enable'].includes(t)) return true;
    if (['0', 'false', 'no', 'off', 'disable'].includes(t)) return false;
  }
  throw new ConfigError(`${key} must be true or false`);
}

/** A list of texts (select options, fan preset modes …); each item coerced like cv.string. */
export function optTextList(cfg: Config, key: string): string[] | undefined {
  const v = cfg[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new ConfigError(`${key} must be a list`);
  return v.map((o, i) => asText(o, `${key}[${i}]`));
}

/** A topic that is published to: exact, never a wildcard. */
export function optTopic(cfg: Config, key: string): string | undefined {
  const v = cfg[key];
  if (v === undefined || v === null) return undefined;
  const problem = topicProblem(v);
  if (problem !== null) throw new ConfigError(`${key} ${problem}`);
  return v as string;
}

/** A topic that is subscribed to: an exact topic or an MQTT filter (OpenMQTTGateway's `+/+/BTtoMQTT/…`). */
export function optFilter(cfg: Config, key: string): string | undefined {
  const v = cfg[key];
  if (v === undefined || v === null) return undefined;
  const problem = filterProblem(v);
  if (problem !== null) throw new ConfigError(`${key} ${problem}`);
  return v as string;
}

/** A template option, compiled: usable, or kept with the reason it cannot be evaluated. */
export type Tpl =
  | { readonly ok: true; readonly source: string; readonly compiled: CompiledTemplate }
  | { readonly ok: false; readonly source: string; readonly error: TemplateError };

/** `names`: further variables HA gives this option's template (e.g. `position`). */
export function optTemplate(cfg: Config, key: string, names: readonly string[] = []): Tpl | undefined {
  const v = cfg[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ConfigError(`${key} must be a template string`);
  const compiled = compileTemplate(v, names);
  return compiled.ok ? { ok: true, source: v, compiled } : { ok: false, source: v, error: compiled.error };
}
