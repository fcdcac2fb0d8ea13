/**
 * Payload parsing, encoding, validation and display for property values.
 * The payload rules are Homie 5's (the strictest convention we speak); other
 * adapters reuse them after mapping their own payloads to these datatypes.
 */
import type { PropertySchema, PropertyValue } from './types.js';

export type ValueResult = { readonly ok: true; readonly value: PropertyValue } | { readonly ok: false; readonly error: string };

const INTEGER_PATTERN = /^[-+]?\d+$/;
// Homie 5 floats: digits, one optional '.', optional exponent. No NaN/Infinity, no spaces.
const FLOAT_PATTERN = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
// ISO 8601 calendar date with optional time, extended (2025-05-11T10:20:30.5+02:00) or basic (20250511T102030Z) form.
const DATETIME_EXTENDED = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;
const DATETIME_BASIC = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(?:(\d{2})(?:[.,]\d+)?)?(Z|[+-]\d{2}(?:\d{2})?)?)?$/;
// ISO 8601 duration; Homie 5 examples are PT12H5M46S, the general form also allows dates and weeks.
const DURATION_PATTERN = /^P(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:[.,]\d+)?S)?)?$/;

const COLOR_RANGES: Readonly<Record<ColorFormat, readonly (readonly [number, number])[]>> = {
  rgb: [
    [0, 255],
    [0, 255],
    [0, 255],
  ],
  hsv: [
    [0, 360],
    [0, 100],
    [0, 100],
  ],
  xyz: [
    [0, 1],
    [0, 1],
  ],
};
type ColorFormat = 'rgb' | 'hsv' | 'xyz';
const COLOR_FORMATS: readonly ColorFormat[] = ['rgb', 'hsv', 'xyz'];

/** Relative tolerance under which two numbers are the same value (float round-trips, step arithmetic). */
const RELATIVE_TOLERANCE = 1e-9;

function ok(value: PropertyValue): ValueResult {
  return { ok: true, value };
}
function fail(error: string): ValueResult {
  return { ok: false, error };
}

/** Quote and shorten a payload for an error sentence. */
function quote(raw: string): string {
  return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
}

export function rangeText(schema: Pick<PropertySchema, 'min' | 'max'>): string {
  return `${schema.min ?? ''}..${schema.max ?? ''}`;
}

function checkRange(schema: PropertySchema, n: number): string | null {
  if ((schema.min !== undefined && n < schema.min) || (schema.max !== undefined && n > schema.max)) {
    return `out of range ${rangeText(schema)}`;
  }
  return null;
}

function parseInteger(raw: string): { n: number } | { error: string } {
  if (!INTEGER_PATTERN.test(raw)) return { error: `${quote(raw)} is not a whole number` };
  const n = Number(raw);
  // Homie allows 64-bit integers; beyond 2^53 a JS number would silently change the value.
  if (!Number.isSafeInteger(n)) return { error: `${quote(raw)} is too large to show exactly` };
  return { n: n === 0 ? 0 : n };
}

function parseFloatText(raw: string): { n: number } | { error: string } {
  if (!FLOAT_PATTERN.test(raw)) return { error: `${quote(raw)} is not a number` };
  const n = Number(raw);
  if (!Number.isFinite(n)) return { error: `${quote(raw)} is too large` };
  return { n };
}

/** A number written by Homie float rules (as in payloads and formats), or null. */
export function parseNumber(text: string): number | null {
  const parsed = parseFloatText(text);
  return 'error' in parsed ? null : parsed.n;
}

/** The colour formats a property accepts, most preferred first. */
export function colorFormats(schema: Pick<PropertySchema, 'format'>): readonly ColorFormat[] {
  if (schema.format === undefined || schema.format.trim() === '') return COLOR_FORMATS;
  const listed = schema.format.split(',').map((s) => s.trim());
  return COLOR_FORMATS.filter((f) => listed.includes(f)).sort((a, b) => listed.indexOf(a) - listed.indexOf(b));
}

function parseColor(schema: PropertySchema, raw: string): ValueResult {
  const allowed = colorFormats(schema);
  const parts = raw.split(',');
  let format: ColorFormat | undefined;
  let numbers: string[];
  const head = parts[0] ?? '';
  if ((COLOR_FORMATS as readonly string[]).includes(head)) {
    format = head as ColorFormat;
    numbers = parts.slice(1);
  } else {
    // Homie 3/4 and some devices send bare "r,g,b": read it as the preferred 3-number format.
    format = allowed.find((f) => f !== 'xyz' && COLOR_RANGES[f].length === parts.length);
    numbers = parts;
    if (format === undefined) return fail(`${quote(raw)} is not a colour (${allowed.join(', ')})`);
  }
  if (!allowed.includes(format)) return fail(`colour format ${format} is not supported here (${allowed.join(', ')})`);
  const ranges = COLOR_RANGES[format];
  if (numbers.length !== ranges.length) {
    return fail(`${format} colour needs ${ranges.length} numbers, got ${numbers.length}`);
  }
  const canonical: number[] = [];
  for (let i = 0; i < ranges.length; i++) {
    const text = numbers[i] ?? '';
    const range = ranges[i] ?? [0, 0];
    const parsed = parseFloatText(text);
    if ('error' in parsed) return fail(`${format} colour: ${parsed.error}`);
    if (parsed.n < range[0] || parsed.n > range[1]) {
      return fail(`${format} colour: ${text} is out of range ${range[0]}..${range[1]}`);
    }
    canonical.push(parsed.n === 0 ? 0 : parsed.n);
  }
  // Canonical Homie 5 form carries the format prefix, so devices and echoes compare as equal strings.
  return ok([format, ...canonical.map(String)].join(','));
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function parseDatetime(raw: string): ValueResult {
  const m = DATETIME_EXTENDED.exec(raw) ?? DATETIME_BASIC.exec(raw);
  if (m === null) return fail(`${quote(raw)} is not an ISO 8601 date and time`);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return fail(`${quote(raw)} is not a calendar date`);
  }
  // 24:00 is ISO's end of day; 60 seconds allows a leap second.
  if (hour > 24 || minute > 59 || second > 60 || (hour === 24 && (minute > 0 || second > 0))) {
    return fail(`${quote(raw)} is not a valid time of day`);
  }
  return ok(raw);
}

function parseDuration(raw: string): ValueResult {
  // The pattern alone would accept "P" and "PT": at least one component is required.
  if (!DURATION_PATTERN.test(raw) || raw === 'P' || raw.endsWith('T')) {
    return fail(`${quote(raw)} is not an ISO 8601 duration like PT12H5M46S`);
  }
  return ok(raw);
}

function parseJson(raw: string): ValueResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    return fail(`not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  // Homie 5: JSON payloads are arrays or objects; scalars have their own datatypes.
  if (parsed === null || typeof parsed !== 'object') return fail('JSON payload must be an object or an array');
  return ok(JSON.stringify(parsed));
}

/** Parse a payload received from a device, by the property's datatype. */
export function parsePayload(schema: PropertySchema, raw: string): ValueResult {
  switch (schema.datatype) {
    case 'integer': {
      const parsed = parseInteger(raw);
      if ('error' in parsed) return fail(parsed.error);
      const rangeError = checkRange(schema, parsed.n);
      return rangeError === null ? ok(parsed.n) : fail(rangeError);
    }
    case 'float': {
      const parsed = parseFloatText(raw);
      if ('error' in parsed) return fail(parsed.error);
      const rangeError = checkRange(schema, parsed.n);
      return rangeError === null ? ok(parsed.n === 0 ? 0 : parsed.n) : fail(rangeError);
    }
    case 'boolean':
      if (raw === 'true') return ok(true);
      if (raw === 'false') return ok(false);
      return fail(`${quote(raw)} is not true or false`);
    case 'enum': {
      const options = schema.options ?? [];
      // Homie 5: enum matching is case- and whitespace-sensitive.
      if (options.includes(raw)) return ok(raw);
      return fail(`${quote(raw)} is not one of: ${options.join(', ')}`);
    }
    case 'string':
      return ok(raw);
    case 'color':
      return parseColor(schema, raw);
    case 'datetime':
      return parseDatetime(raw);
    case 'duration':
      return parseDuration(raw);
    case 'json':
      return parseJson(raw);
  }
}

/** Shortest text that reads back as the same number; never exponent-free guessing. */
function numberText(n: number): string {
  return Object.is(n, -0) ? '0' : String(n);
}

/** Canonical payload text for publishing a value. */
export function encodePayload(schema: PropertySchema, value: PropertyValue): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    return schema.datatype === 'integer' ? numberText(Math.round(value)) : numberText(value);
  }
  return value;
}

function decimalsOf(n: number): number {
  const text = String(n);
  const exp = /e-(\d+)$/.exec(text);
  if (exp !== null) return Number(exp[1]) + (text.split('e')[0]?.split('.')[1]?.length ?? 0);
  return text.split('.')[1]?.length ?? 0;
}

/** Round to the precision of the step so 0.1 + 0.2 shows as 0.3. */
function roundToStepPrecision(n: number, step: number): number {
  const decimals = Math.min(15, decimalsOf(step));
  return Number(n.toFixed(decimals));
}

function checkStep(schema: PropertySchema, n: number): string | null {
  const step = schema.step;
  if (step === undefined || !(step > 0)) return null;
  // Homie 5: the step base is min, else max, else 0.
  const origin = schema.min ?? schema.max ?? 0;
  const steps = (n - origin) / step;
  const nearest = Math.round(steps);
  if (Math.abs(steps - nearest) <= 1e-9 * Math.max(1, Math.abs(steps))) return null;
  const below = roundToStepPrecision(origin + Math.floor(steps) * step, step);
  const above = roundToStepPrecision(origin + Math.ceil(steps) * step, step);
  return `must be in steps of ${step} from ${origin}; nearest are ${below} and ${above}`;
}

/** Remove typing noise; never for strings and enums, where whitespace is part of the value. */
function normalizeTyped(schema: PropertySchema, text: string): string {
  if (schema.datatype === 'color') return text.replace(/\s+/g, '');
  if (schema.datatype === 'datetime' || schema.datatype === 'duration') return text.trim();
  return text;
}

function coerceText(input: unknown): string | null {
  if (typeof input === 'string') return input;
  if (typeof input === 'number' || typeof input === 'boolean') return String(input);
  return null;
}

function coerceNumber(schema: PropertySchema, input: unknown): { n: number } | { error: string } {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return { error: 'must be a finite number' };
    if (schema.datatype === 'integer' && !Number.isInteger(input)) return { error: 'must be a whole number' };
    if (schema.datatype === 'integer' && !Number.isSafeInteger(input)) return { error: 'too large to send exactly' };
    return { n: input };
  }
  if (typeof input === 'string') {
    const text = input.trim();
    if (text === '') return { error: 'a number is required' };
    return schema.datatype === 'integer' ? parseInteger(text) : parseFloatText(text);
  }
  return { error: schema.datatype === 'integer' ? 'must be a whole number' : 'must be a number' };
}

/**
 * Validate a value typed by the operator. Inputs come loosely typed from form
 * controls, so numbers may arrive as strings; the result is the typed value.
 */
export function validateValue(schema: PropertySchema, input: unknown): ValueResult {
  if (schema.readOnlyReason !== undefined) return fail(`read-only: ${schema.readOnlyReason}`);
  if (!schema.settable) return fail('read-only');
  switch (schema.datatype) {
    case 'integer':
    case 'float': {
      const coerced = coerceNumber(schema, input);
      if ('error' in coerced) return fail(coerced.error);
      const n = coerced.n === 0 ? 0 : coerced.n;
      const error = checkRange(schema, n) ?? checkStep(schema, n);
      return error === null ? ok(n) : fail(error);
    }
    case 'boolean':
      if (typeof input === 'boolean') return ok(input);
      if (input === 'true' || input === 'false') return ok(input === 'true');
      return fail('must be true or false');
    case 'json':
      if (input !== null && typeof input === 'object') {
        return ok(JSON.stringify(input));
      }
      return typeof input === 'string' ? parseJson(input) : fail('must be a JSON object or array');
    case 'enum':
    case 'string':
    case 'color':
    case 'datetime':
    case 'duration': {
      const text = coerceText(input);
      if (text === null) return fail('must be text');
      return parsePayload(schema, normalizeTyped(schema, text));
    }
  }
}

/** Whether two values are the same for confirmation and stale checks. */
export function valuesEqual(a: PropertyValue | null | undefined, b: PropertyValue | null | undefined): boolean {
  if (a === null || a === undefined || b === null || b === undefined) {
    return (a === null || a === undefined) && (b === null || b === undefined);
  }
  if (typeof a === 'number' && typeof b === 'number') {
    if (Object.is(a, b)) return true;
    return Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
  }
  return a === b;
}

function booleanLabels(schema: PropertySchema): readonly [string, string] {
  // Homie 5 boolean format "false-label,true-label", e.g. "close,open".
  const parts = schema.format?.split(',');
  if (parts !== undefined && parts.length === 2 && parts[0] !== undefined && parts[1] !== undefined) {
    const [off, on] = [parts[0].trim(), parts[1].trim()];
    if (off !== '' && on !== '') return [off, on];
  }
  return ['Off', 'On'];
}

function numberForDisplay(schema: PropertySchema, n: number): string {
  if (schema.datatype === 'integer') return numberText(n);
  if (schema.step !== undefined && schema.step > 0) return numberText(roundToStepPrecision(n, schema.step));
  // 12 significant digits hides binary float noise (0.30000000000000004) without hiding real precision.
  return numberText(Number(n.toPrecision(12)));
}

/** Display text of a value, with its unit; "—" when there is none. */
export function formatValue(schema: PropertySchema, value: PropertyValue | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const unit = schema.unit !== undefined && schema.unit !== '' ? ` ${schema.unit}` : '';
  if (typeof value === 'boolean') {
    const [off, on] = booleanLabels(schema);
    return value ? on : off;
  }
  if (typeof value === 'number') return `${numberForDisplay(schema, value)}${unit}`;
  if (value === '') return '(empty)';
  if (schema.datatype === 'integer' || schema.datatype === 'float') return `${value}${unit}`;
  return value;
}
