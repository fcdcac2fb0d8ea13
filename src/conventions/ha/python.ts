/**
 * Python's text forms of values, as Home Assistant produces them: discovery
 * options go through voluptuous' `cv.string` (so `true` in a config is the
 * text "True"), and templates render through Python's `str()`. Pure.
 */

/** Python repr of a float: always a fraction or an exponent, two-digit exponents. */
export function pyFloatText(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(n);
  let text: string;
  if (abs >= 1e16 || abs < 1e-4) text = n.toExponential();
  else {
    text = String(n);
    if (!text.includes('.') && !text.includes('e')) text += '.0';
  }
  return text.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Python's round(x, p): correctly rounded from the exact binary value, exact ties to even. */
export function pyRound(x: number, p: number): number {
  if (!Number.isFinite(x) || Math.abs(x) >= 1e21) return x;
  // toFixed rounds the exact binary value like Python, but sends exact ties away from zero.
  const rounded = Number(x.toFixed(p));
  // An exact tie has "5" then only zeros after digit p in its exact expansion (toFixed is exact up to 100 digits).
  const exact = Math.abs(x).toFixed(Math.min(100, p + 40));
  const fraction = exact.slice(exact.indexOf('.') + 1 + p);
  if (!/^50*$/.test(fraction)) return rounded;
  const m = 10 ** p;
  const lower = Math.floor(Math.abs(x) * m);
  const even = lower % 2 === 0 ? lower : lower + 1;
  const r = even / m;
  return x < 0 ? -r : r;
}

const PY_FLOAT = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const PY_INT = /^[-+]?\d+$/;

/** Python float(str): surrounding whitespace allowed, also inf/nan; null when Python raises. */
export function pyFloatOf(s: string): number | null {
  const t = s.trim().replace(/_/g, '');
  if (PY_FLOAT.test(t)) return Number(t);
  const l = t.toLowerCase().replace(/^[-+]/, '');
  if (l === 'inf' || l === 'infinity') return t.startsWith('-') ? -Infinity : Infinity;
  if (l === 'nan') return NaN;
  return null;
}

/** Python int(str) for base 10; null when Python raises or the result is not exact in a double. */
export function pyIntOf(s: string): number | null {
  const t = s.trim();
  if (!PY_INT.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

/** A string as Python's repr() writes it (single quotes unless the text has one and no double quote). */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch < ' ' || ch === '\u007f') out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** JSON text the way Python's json.dumps writes it (`, ` and `: ` separators; floats keep a fraction). */
export function pyJsonNumber(n: number, isFloat: boolean): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
  return isFloat ? pyFloatText(n) : String(n);
}
