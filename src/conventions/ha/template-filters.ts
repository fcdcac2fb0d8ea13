/**
 * Home Assistant's own template filters and functions
 * (homeassistant/helpers/template.py), with HA's semantics: `float`/`int`/
 * `round`/`bool`/`as_timestamp`/`timestamp_custom` raise on bad input unless
 * given a default; `int` is Jinja's do_int ("3.9" → 3). Jinja built-ins that
 * HA's real configs rely on and the library gets subtly wrong (`int` of "abc"
 * is 0 there) are implemented here too. An undefined operand is an error
 * except for `default`, `iif` and `is_defined` (which is what it is for).
 */
import { pyFloatOf, pyIntOf, pyRound } from './python.js';
import {
  fromJs,
  isBool,
  isInt,
  isNone,
  isNumber,
  isString,
  isUndefined,
  jBool,
  jFloat,
  jInt,
  jString,
  pyRepr,
  pyText,
  TemplateFailure,
  toJsonText,
  truthy,
  type JValue,
} from './jinja-values.js';

export interface CallArgs {
  readonly positional: readonly JValue[];
  readonly keyword: ReadonlyMap<string, JValue>;
}

/** `what` names the operand for messages, e.g. "value_json.hum". */
export type HaFilter = (operand: JValue, args: CallArgs, what: string) => JValue;
export type HaFunction = (args: CallArgs, what: string) => JValue;

const DATE_STR_FORMAT = '%Y-%m-%d %H:%M:%S';

function param(args: CallArgs, index: number, name: string): JValue | undefined {
  return args.positional[index] ?? args.keyword.get(name);
}

function shown(v: JValue): string {
  const text = isUndefined(v) ? 'Undefined' : pyRepr(v);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function noDefault(filter: string, v: JValue): TemplateFailure {
  return new TemplateFailure('invalid-input', `${filter} got invalid input ${shown(v)} and no default was given`);
}

function requireDefined(v: JValue, what: string): void {
  if (isUndefined(v)) throw new TemplateFailure('undefined', `${what} is undefined`);
}

/** Python float(x); null where Python raises ValueError or TypeError. */
function floatOf(v: JValue): number | null {
  if (isBool(v)) return v.value ? 1 : 0;
  if (isNumber(v)) return v.value;
  if (isString(v)) return pyFloatOf(v.value);
  return null;
}

function intInBase(text: string, base: number): number | null {
  let t = text.trim().toLowerCase().replace(/_/g, '');
  const sign = t.startsWith('-') ? -1 : 1;
  t = t.replace(/^[-+]/, '');
  const prefix = { 16: '0x', 8: '0o', 2: '0b' }[base];
  if (prefix !== undefined && t.startsWith(prefix)) t = t.slice(2);
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, base);
  if (t === '' || [...t].some((c) => !digits.includes(c))) return null;
  const n = parseInt(t, base) * sign;
  return Number.isSafeInteger(n) ? n : null;
}

/** Jinja's do_int: int(x, base) for text, int(x) otherwise, then int(float(x)); null = its default. */
function intOf(v: JValue, base: number): number | null {
  if (isBool(v)) return v.value ? 1 : 0;
  if (isInt(v)) return v.value;
  if (isString(v)) {
    const exact = base === 10 ? pyIntOf(v.value) : intInBase(v.value, base);
    if (exact !== null) return exact;
  }
  const f = floatOf(v);
  if (f === null) return null;
  if (!Number.isFinite(f)) throw new TemplateFailure('invalid-input', `int cannot convert ${shown(v)}`);
  return Math.trunc(f) === 0 ? 0 : Math.trunc(f);
}

const haFloat: HaFilter = (v, args, what) => {
  requireDefined(v, what);
  const n = floatOf(v);
  if (n !== null) return jFloat(n);
  const fallback = param(args, 0, 'default');
  if (fallback === undefined) throw noDefault('float', v);
  return fallback;
};

const haInt: HaFilter = (v, args, what) => {
  requireDefined(v, what);
  const baseArg = param(args, 1, 'base');
  const base = baseArg === undefined ? 10 : isInt(baseArg) ? baseArg.value : NaN;
  if (!(base === 10 || base === 16 || base === 8 || base === 2)) throw new TemplateFailure('unsupported', 'int with a base other than 2, 8, 10 or 16');
  const n = intOf(v, base);
  if (n !== null) return jInt(n);
  const fallback = param(args, 0, 'default');
  if (fallback === undefined) throw noDefault('int', v);
  return fallback;
};

const haRound: HaFilter = (v, args, what) => {
  requireDefined(v, what);
  const precisionArg = param(args, 0, 'precision');
  const methodArg = param(args, 1, 'method');
  const precision = precisionArg === undefined ? 0 : isInt(precisionArg) ? precisionArg.value : NaN;
  if (!(precision >= 0 && precision <= 15)) throw new TemplateFailure('unsupported', 'round with a precision outside 0..15');
  const method = methodArg === undefined ? 'common' : isString(methodArg) ? methodArg.value : '';
  const n = floatOf(v);
  if (n === null) {
    const fallback = param(args, 2, 'default');
    if (fallback === undefined) throw noDefault('round', v);
    return fallback;
  }
  const m = 10 ** precision;
  let r: number;
  if (method === 'ceil') r = Math.ceil(n * m) / m;
  else if (method === 'floor') r = Math.floor(n * m) / m;
  else if (method === 'half') r = pyRound(n * 2, 0) / 2;
  // HA: any other method name is "common" rounding.
  else r = pyRound(n, precision);
  if (precision !== 0) return jFloat(r);
  if (!Number.isFinite(r)) throw new TemplateFailure('invalid-input', `round cannot make a whole number of ${shown(v)}`);
  return jInt(Math.trunc(r));
};

const iif: HaFilter = (v, args) => {
  const ifNone = param(args, 2, 'if_none');
  if (isNone(v) && ifNone !== undefined) return ifNone;
  return truthy(v) ? (param(args, 0, 'if_true') ?? jBool(true)) : (param(args, 1, 'if_false') ?? jBool(false));
};

const isDefined: HaFilter = (v, _args, what) => {
  requireDefined(v, what);
  return v;
};

const fromJson: HaFilter = (v, args, what) => {
  requireDefined(v, what);
  if (isString(v)) {
    try {
      return fromJs(JSON.parse(v.value) as unknown);
    } catch {
      // falls through to the default
    }
  }
  const fallback = param(args, 0, 'default');
  if (fallback === undefined) throw noDefault('from_json', v);
  return fallback;
};

/** HA's to_json: orjson's compact form, or json.dumps' when ensure_ascii is asked for. */
const toJson: HaFilter = (v, args, what) => {
  requireDefined(v, what);
  const flag = (index: number, name: string): boolean => {
    const a = param(args, index, name);
    return a !== undefined && truthy(a);
  };
  if (flag(1, 'pretty_print')) throw new TemplateFailure('unsupported', 'to_json with pretty_print');
  const ascii = flag(0, 'ensure_ascii');
  return jString(toJsonText(v, { sortKeys: flag(2, 'sort_keys'), spaced: ascii, htmlSafe: false, asciiOnly: ascii }));
};

const jinjaToJson: HaFilter = (v, args, what) => {
  requireDefined(v, what);
  if (param(args, 0, 'indent') !== undefined) throw new TemplateFailure('unsupported', 'tojson with an indent');
  return jString(toJsonText(v, { sortKeys: true, spaced: true, htmlSafe: true, asciiOnly: true }));
};

function textFilter(apply: (s: string) => string): HaFilter {
  return (v, _args, what) => {
    requireDefined(v, what);
    return jString(apply(pyText(v)));
  };
}

const defaultFilter: HaFilter = (v, args) => {
  const fallback = param(args, 0, 'default_value') ?? jString('');
  const boolean = param(args, 1, 'boolean');
  if (isUndefined(v) || (boolean !== undefined && truthy(boolean) && !truthy(v))) return fallback;
  return v;
};

/** Python str.replace(old, new, count). */
function pyReplace(s: string, old: string, replacement: string, count: number): string {
  const parts = old === '' ? ['', ...s, ''] : s.split(old);
  if (count < 0 || count >= parts.length - 1) return parts.join(replacement);
  return parts.slice(0, count + 1).join(replacement) + old + parts.slice(count + 1).join(old);
}

const replaceFilter: HaFilter = (v, args, what) => {
  requireDefined(v, what);
  const old = param(args, 0, 'old');
  const replacement = param(args, 1, 'new');
  const count = param(args, 2, 'count');
  if (old === undefined || replacement === undefined) throw new TemplateFailure('invalid-input', 'replace needs the text to find and its replacement');
  const n = count === undefined || isNone(count) ? -1 : isInt(count) ? count.value : NaN;
  if (Number.isNaN(n)) throw new TemplateFailure('invalid-input', 'replace count must be a whole number');
  return jString(pyReplace(pyText(v), pyText(old), pyText(replacement), n));
};

/** cv.boolean, as HA's `bool` filter uses it; null when it raises. */
function booleanOf(v: JValue): boolean | null {
  if (isNone(v)) return false;
  if (isBool(v)) return v.value;
  if (isString(v)) {
    const t = v.value.toLowerCase().trim();
    if (['1', 'true', 'yes', 'on', 'enable'].includes(t)) return true;
    if (['0', 'false', 'no', 'off', 'disable'].includes(t)) return false;
    return null;
  }
  return isNumber(v) ? v.value !== 0 : null;
}

const boolFilter: HaFilter = (v, args, what) => {
  requireDefined(v, what);
  const b = booleanOf(v);
  if (b !== null) return jBool(b);
  const fallback = param(args, 0, 'default');
  if (fallback === undefined) throw noDefault('bool', v);
  return fallback;
};

const isNumberFilter: HaFilter = (v, _args, what) => {
  requireDefined(v, what);
  const n = floatOf(v);
  return jBool(n !== null && Number.isFinite(n));
};

const multiply: HaFilter = (v, args, what) => {
  requireDefined(v, what);
  const amount = param(args, 0, 'amount');
  const n = floatOf(v);
  if (amount === undefined || !isNumber(amount)) throw new TemplateFailure('invalid-input', 'multiply needs a number to multiply by');
  if (n === null) {
    const fallback = param(args, 1, 'default');
    if (fallback === undefined) throw noDefault('multiply', v);
    return fallback;
  }
  return isInt(amount) && isInt(v) ? jInt(n * amount.value) : jFloat(n * amount.value);
};

const ISO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6})\d*)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** HA's dt_util.parse_datetime for ISO 8601 text, then .timestamp(); a time without an offset is local. */
function timestampOf(text: string): number | null {
  const m = ISO_DATETIME.exec(text.trim());
  if (m === null) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const;
  let ms: number;
  if (zone === undefined) ms = new Date(...fields).getTime();
  else {
    ms = Date.UTC(...fields);
    if (zone.toUpperCase() !== 'Z') {
      const sign = zone.startsWith('-') ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60_000;
    }
  }
  const check = new Date(ms);
  if (Number.isNaN(ms) || (zone === undefined && check.getMonth() !== fields[1])) return null;
  return ms / 1000 + (frac === '' ? 0 : Number(`0.${frac}`));
}

const asTimestamp: HaFilter = (v, args, what) => {
  requireDefined(v, what);
  const t = isString(v) ? timestampOf(v.value) : null;
  if (t !== null) return jFloat(t);
  const fallback = param(args, 0, 'default');
  if (fallback === undefined) throw noDefault('as_timestamp', v);
  return fallback;
};

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Python strftime for the directives discovery templates use; any other directive is refused, not guessed. */
function strftime(date: Date, format: string, local: boolean): string {
  const get = local
    ? { y: date.getFullYear(), mo: date.getMonth(), d: date.getDate(), h: date.getHours(), mi: date.getMinutes(), s: date.getSeconds(), wd: date.getDay(), off: -date.getTimezoneOffset() }
    : { y: date.getUTCFullYear(), mo: date.getUTCMonth(), d: date.getUTCDate(), h: date.getUTCHours(), mi: date.getUTCMinutes(), s: date.getUTCSeconds(), wd: date.getUTCDay(), off: 0 };
  const two = (n: number): string => String(n).padStart(2, '0');
  const dayOfYear = Math.round((Date.UTC(get.y, get.mo, get.d) - Date.UTC(get.y, 0, 1)) / 86_400_000) + 1;
  const offset = `${get.off < 0 ? '-' : '+'}${two(Math.floor(Math.abs(get.off) / 60))}${two(Math.abs(get.off) % 60)}`;
  const table: Readonly<Record<string, string>> = {
    Y: String(get.y),
    y: two(get.y % 100),
    m: two(get.mo + 1),
    d: two(get.d),
    H: two(get.h),
    I: two(get.h % 12 === 0 ? 12 : get.h % 12),
    p: get.h < 12 ? 'AM' : 'PM',
    M: two(get.mi),
    S: two(get.s),
    f: String(date.getMilliseconds() * 1000).padStart(6, '0'),
    j: String(dayOfYear).padStart(3, '0'),
    a: DAYS[get.wd]!.slice(0, 3),
    A: DAYS[get.wd]!,
    b: MONTHS[get.mo]!.slice(0, 3),
    B: MONTHS[get.mo]!,
    w: String(get.wd),
    z: offset,
    '%': '%',
  };
  return format.replace(/%(.?)/g, (_, c: string) => {
    const text = table[c];
    if (text === undefined) throw new TemplateFailure('unsupported', `strftime directive %${c}`);
    return text;
  });
}

const timestampCustom: HaFilter = (v, args, what) => {
  requireDefined(v, what);
  const formatArg = param(args, 0, 'format_string');
  const localArg = param(args, 1, 'local');
  const format = formatArg === undefined ? DATE_STR_FORMAT : pyText(formatArg);
  const seconds = isNumber(v) || isBool(v) ? floatOf(v) : null;
  if (seconds === null || !Number.isFinite(seconds) || Math.abs(seconds) > 8.64e12) {
    const fallback = param(args, 2, 'default');
    if (fallback === undefined) throw noDefault('timestamp_custom', v);
    return fallback;
  }
  return jString(strftime(new Date(seconds * 1000), format, localArg === undefined || truthy(localArg)));
};

export const HA_FILTERS: ReadonlyMap<string, HaFilter> = new Map<string, HaFilter>([
  ['float', haFloat],
  ['int', haInt],
  ['round', haRound],
  ['iif', iif],
  ['is_defined', isDefined],
  ['from_json', fromJson],
  ['to_json', toJson],
  ['tojson', jinjaToJson],
  ['lower', textFilter((s) => s.toLowerCase())],
  ['upper', textFilter((s) => s.toUpperCase())],
  ['default', defaultFilter],
  ['d', defaultFilter],
  ['replace', replaceFilter],
  ['bool', boolFilter],
  ['is_number', isNumberFilter],
  ['multiply', multiply],
  ['as_timestamp', asTimestamp],
  ['timestamp_custom', timestampCustom],
]);

/** Global functions: HA makes most of its filters callable too (`float(value_json.pa)`, `iif(x, 'a', 'b')`). */
function asFunction(filter: HaFilter, name: string): HaFunction {
  return (args, what) => {
    const [first, ...rest] = args.positional;
    if (first === undefined) throw new TemplateFailure('invalid-input', `${name}() needs a value`);
    return filter(first, { positional: rest, keyword: args.keyword }, what);
  };
}

/** Jinja's range(), bounded: a template is not a place for long loops. */
export const MAX_RANGE = 1000;

const range: HaFunction = (args) => {
  const ints = args.positional.map((a) => (isInt(a) ? a.value : NaN));
  if (ints.length === 0 || ints.length > 3 || ints.some(Number.isNaN)) throw new TemplateFailure('invalid-input', 'range() takes one to three whole numbers');
  const [start, stop, step] = ints.length === 1 ? [0, ints[0]!, 1] : [ints[0]!, ints[1]!, ints[2] ?? 1];
  if (step === 0) throw new TemplateFailure('invalid-input', 'range() step must not be zero');
  const count = Math.max(0, Math.ceil((stop - start) / step));
  if (count > MAX_RANGE) throw new TemplateFailure('budget', `range() of ${count} items (at most ${MAX_RANGE})`);
  return fromJs(Array.from({ length: count }, (_, i) => start + i * step));
};

export const HA_FUNCTIONS: ReadonlyMap<string, HaFunction> = new Map<string, HaFunction>([
  ['float', asFunction(haFloat, 'float')],
  ['int', asFunction(haInt, 'int')],
  ['bool', asFunction(boolFilter, 'bool')],
  ['iif', asFunction(iif, 'iif')],
  ['is_number', asFunction(isNumberFilter, 'is_number')],
  ['as_timestamp', asFunction(asTimestamp, 'as_timestamp')],
  ['range', range],
]);
