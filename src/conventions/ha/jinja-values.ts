/**
 * The runtime values of @huggingface/jinja, seen the way Python sees them.
 * The library exports its interpreter but not its value classes, so their
 * constructors are taken from values it makes itself (Environment.set
 * converts plain JS values). Printing follows Python's str()/repr(), which
 * is what Home Assistant renders: `True`, `None`, `21.0`, `{'a': 1}`.
 */
import { Environment } from '@huggingface/jinja';
import { pyFloatText, pyJsonNumber, pyStrRepr } from './python.js';

/** A library runtime value: its class name in `type`, its JS payload in `value`. */
export interface JValue {
  readonly type: string;
  readonly value: unknown;
  __bool__(): { readonly value: boolean };
}

type JValueClass = new (value?: unknown) => JValue;

/** Environment.set converts a JS value; each conversion gets its own scope, as set() declares a variable. */
const EnvironmentClass = Environment as unknown as new () => { set(name: string, value: unknown): unknown };
const convert = (x: unknown): JValue => new EnvironmentClass().set('_', x) as JValue;
const classOf = (sample: unknown): JValueClass => (convert(sample) as unknown as { constructor: JValueClass }).constructor;

const StringClass = classOf('');
const IntegerClass = classOf(1);
const FloatClass = classOf(0.5);
const BooleanClass = classOf(true);
const NullClass = classOf(null);
const ArrayClass = classOf([]);
const ObjectClass = classOf({});

export const jString = (s: string): JValue => new StringClass(s);
export const jInt = (n: number): JValue => new IntegerClass(n === 0 ? 0 : n);
export const jFloat = (n: number): JValue => new FloatClass(n);
export const jBool = (b: boolean): JValue => new BooleanClass(b);
export const jNone = (): JValue => new NullClass(null);
export const jArray = (items: readonly JValue[]): JValue => new ArrayClass([...items]);
export const jObject = (entries: ReadonlyMap<string, JValue>): JValue => new ObjectClass(new Map(entries));

/** A plain JS value (e.g. parsed JSON) as a runtime value; own keys only. */
export function fromJs(x: unknown): JValue {
  return convert(x);
}

export const isUndefined = (v: JValue): boolean => v.type === 'UndefinedValue';
export const isNone = (v: JValue): boolean => v.type === 'NullValue';
export const isString = (v: JValue): v is JValue & { readonly value: string } => v.type === 'StringValue';
export const isBool = (v: JValue): v is JValue & { readonly value: boolean } => v.type === 'BooleanValue';
export const isInt = (v: JValue): v is JValue & { readonly value: number } => v.type === 'IntegerValue';
export const isFloat = (v: JValue): v is JValue & { readonly value: number } => v.type === 'FloatValue';
export const isNumber = (v: JValue): v is JValue & { readonly value: number } => isInt(v) || isFloat(v);
const isList = (v: JValue): v is JValue & { readonly value: readonly JValue[] } => v.type === 'ArrayValue' || v.type === 'TupleValue';
const isMapping = (v: JValue): v is JValue & { readonly value: ReadonlyMap<string, JValue> } =>
  v.type === 'ObjectValue' || v.type === 'KeywordArgumentsValue';

/** Python truthiness, as the library implements it per type. */
export const truthy = (v: JValue): boolean => v.__bool__().value;

/** Why a template could not be compiled or rendered; callers branch on the code, never on the text. */
export type TemplateErrorCode =
  /** a construct or name Holdfast does not evaluate (Home Assistant state, macros, an unknown filter) */
  | 'unsupported'
  /** not valid Jinja */
  | 'syntax'
  /** longer than templates are allowed to be */
  | 'too-long'
  /** it read a value that is not there (Holdfast never prints or converts one) */
  | 'undefined'
  /** a filter refused its input, as Home Assistant's would (e.g. `int` of "abc" without a default) */
  | 'invalid-input'
  /** it ran too long or printed too much */
  | 'budget'
  /** the interpreter failed on it */
  | 'runtime';

export class TemplateFailure extends Error {
  constructor(
    readonly code: TemplateErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const undefinedFailure = (): TemplateFailure => new TemplateFailure('undefined', 'a value it reads is undefined');

/** Python str(): what `{{ … }}` prints. An undefined value is never printed (Holdfast is strict here). */
export function pyText(v: JValue): string {
  if (isString(v)) return v.value;
  if (isBool(v)) return v.value ? 'True' : 'False';
  if (isInt(v)) return String(v.value);
  if (isFloat(v)) return pyFloatText(v.value);
  if (isNone(v)) return 'None';
  if (isUndefined(v)) throw undefinedFailure();
  if (v.type === 'TupleValue' && isList(v)) return `(${v.value.map(pyRepr).join(', ')}${v.value.length === 1 ? ',' : ''})`;
  if (isList(v)) return `[${v.value.map(pyRepr).join(', ')}]`;
  if (isMapping(v)) return `{${[...v.value].map(([k, x]) => `${pyStrRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  throw new TemplateFailure('invalid-input', `a ${v.type} cannot be printed`);
}

/** Python repr(): strings quoted, the rest as str(). */
export function pyRepr(v: JValue): string {
  return isString(v) ? pyStrRepr(v.value) : pyText(v);
}

export interface JsonStyle {
  /** Jinja's tojson sorts keys (its json.dumps_kwargs policy); HA's to_json (orjson) keeps their order. */
  readonly sortKeys: boolean;
  /** json.dumps separators ", " and ": " (Jinja) or orjson's compact form (HA). */
  readonly spaced: boolean;
  /** Jinja's tojson escapes <, >, & and ' for HTML. */
  readonly htmlSafe: boolean;
  /** Python's ensure_ascii: non-ASCII characters as \u escapes (Jinja's tojson, HA's to_json(ensure_ascii=True)). */
  readonly asciiOnly: boolean;
}

function jsonString(s: string, style: JsonStyle): string {
  const text = JSON.stringify(s);
  if (!style.htmlSafe && !style.asciiOnly) return text;
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if ((style.htmlSafe && (ch === '<' || ch === '>' || ch === '&' || ch === "'")) || code > 0x7e) {
      // Astral characters become a surrogate pair, as Python's ensure_ascii writes them.
      for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out;
}

/** JSON text of a runtime value, as Jinja's `tojson` or HA's `to_json` writes it. */
export function toJsonText(v: JValue, style: JsonStyle): string {
  const [comma, colon] = style.spaced ? [', ', ': '] : [',', ':'];
  if (isString(v)) return jsonString(v.value, style);
  if (isBool(v)) return v.value ? 'true' : 'false';
  if (isNumber(v)) return pyJsonNumber(v.value, isFloat(v));
  if (isNone(v)) return 'null';
  if (isList(v)) return `[${v.value.map((x) => toJsonText(x, style)).join(comma)}]`;
  if (isMapping(v)) {
    const entries = [...v.value];
    if (style.sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${jsonString(k, style)}${colon}${toJsonText(x, style)}`).join(comma)}}`;
  }
  if (isUndefined(v)) throw undefinedFailure();
  throw new TemplateFailure('invalid-input', `a ${v.type} is not JSON serializable`);
}
