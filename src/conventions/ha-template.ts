/**
 * A small, safe subset of Home Assistant's Jinja templates, for discovery
 * `value_template` / `command_template` and friends. No eval, no Function:
 * a hand-written lexer and parser over a closed grammar.
 *
 * Supported:
 *   text with any number of `{{ … }}` holes (also `{{- … -}}` whitespace control)
 *   expressions: `value`, `value_json`, `value_json.a.b`, `value_json['x']`,
 *                `value_json["x"]`, `value_json[0]`
 *   filters:     `| int`, `| int(default)`, `| float`, `| float(default)`,
 *                `| round`, `| round(n)` (0 <= n <= 15), chained left to right
 *
 * Anything else (`{% if %}`, `{# … #}`, other filters, function or method
 * calls, `states(…)`, arithmetic, comparisons) does not compile: the caller
 * marks the entity "template not supported" instead of guessing.
 *
 * Rendering follows Python/Jinja as Home Assistant runs it: `True`/`False`/
 * `None`, floats always with a fractional part (`21.0`), HA's `int` (which
 * fails without a default), HA's `round` (float() first, round half to even,
 * precision 0 gives an int). Known difference: a JSON number is an int when
 * it is integral (`21.0` in a payload renders as `21`), since JSON.parse does
 * not keep the distinction; objects render as JSON, not as Python reprs.
 */

export interface TemplateInput {
  /** The payload (value templates) or the value being sent (command templates), as text. */
  readonly value: string;
  /** The payload parsed as JSON; undefined when it is not JSON. */
  readonly value_json?: unknown;
}

export type RenderResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly error: string };

export interface CompiledTemplate {
  readonly ok: true;
  readonly source: string;
  /** Whether rendering needs `value_json` (so callers parse JSON only when needed). */
  readonly usesValueJson: boolean;
  render(input: TemplateInput): RenderResult;
}

export type CompileResult = CompiledTemplate | { readonly ok: false; readonly error: string };

/** Longer templates are refused outright; discovery templates are short. */
export const MAX_TEMPLATE_CHARS = 4096;
const MAX_FILTERS = 16;
const MAX_ACCESSORS = 32;

type Filter =
  | { readonly name: 'int'; readonly fallback?: Val }
  | { readonly name: 'float'; readonly fallback?: Val }
  | { readonly name: 'round'; readonly precision: number };

type Accessor = { readonly key: string } | { readonly index: number };

interface Expr {
  readonly root: 'value' | 'value_json';
  readonly path: readonly Accessor[];
  readonly filters: readonly Filter[];
}

type Part = { readonly text: string } | { readonly expr: Expr };

/** A Jinja value as Python would hold it. */
type Val =
  | { readonly t: 'str'; readonly s: string }
  | { readonly t: 'int'; readonly n: number }
  | { readonly t: 'float'; readonly n: number }
  | { readonly t: 'bool'; readonly b: boolean }
  | { readonly t: 'none' }
  | { readonly t: 'obj'; readonly v: unknown };

class Unsupported extends Error {}

type Token =
  | { readonly k: 'ident'; readonly s: string }
  | { readonly k: 'str'; readonly s: string }
  | { readonly k: 'num'; readonly n: number; readonly integral: boolean }
  | { readonly k: 'punct'; readonly s: '.' | '[' | ']' | '(' | ')' | '|' | ',' }
  | { readonly k: 'end'; readonly trimAfter: boolean };

/** Tokens of one `{{ … }}` starting at `from` (just after `{{` and an optional `-`). */
function lexExpression(src: string, from: number): { tokens: Token[]; next: number } {
  const tokens: Token[] = [];
  let i = from;
  while (i < src.length) {
    const c = src.charAt(i);
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '-' && src.startsWith('}}', i + 1)) {
      tokens.push({ k: 'end', trimAfter: true });
      return { tokens, next: i + 3 };
    }
    if (c === '}' && src.charAt(i + 1) === '}') {
      tokens.push({ k: 'end', trimAfter: false });
      return { tokens, next: i + 2 };
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < src.length && /[A-Za-z0-9_]/.test(src.charAt(j))) j++;
      tokens.push({ k: 'ident', s: src.slice(i, j) });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src.charAt(i + 1)))) {
      let j = i + 1;
      while (j < src.length && /[0-9]/.test(src.charAt(j))) j++;
      let integral = true;
      if (src.charAt(j) === '.' && /[0-9]/.test(src.charAt(j + 1))) {
        integral = false;
        j++;
        while (j < src.length && /[0-9]/.test(src.charAt(j))) j++;
      }
      const n = Number(src.slice(i, j));
      if (!Number.isFinite(n)) throw new Unsupported(`number ${src.slice(i, j)}`);
      tokens.push({ k: 'num', n, integral });
      i = j;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let s = '';
      while (j < src.length && src.charAt(j) !== c) {
        if (src.charAt(j) === '\\') {
          const e = src.charAt(j + 1);
          if (e === '\\' || e === "'" || e === '"') s += e;
          else if (e === 'n') s += '\n';
          else if (e === 't') s += '\t';
          else throw new Unsupported(`escape \\${e} in a string`);
          j += 2;
          continue;
        }
        s += src.charAt(j);
        j++;
      }
      if (j >= src.length) throw new Unsupported('unterminated string');
      tokens.push({ k: 'str', s });
      i = j + 1;
      continue;
    }
    if (c === '.' || c === '[' || c === ']' || c === '(' || c === ')' || c === '|' || c === ',') {
      tokens.push({ k: 'punct', s: c });
      i++;
      continue;
    }
    throw new Unsupported(`"${c}"`);
  }
  throw new Unsupported('missing "}}"');
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos] ?? { k: 'end', trimAfter: false };
  }
  private take(): Token {
    const t = this.peek();
    this.pos++;
    return t;
  }
  private isPunct(s: string): boolean {
    const t = this.peek();
    return t.k === 'punct' && t.s === s;
  }
  private expectPunct(s: string): void {
    const t = this.take();
    if (t.k !== 'punct' || t.s !== s) throw new Unsupported(`expected "${s}"`);
  }

  parseExpr(): Expr {
    const head = this.take();
    if (head.k !== 'ident' || (head.s !== 'value' && head.s !== 'value_json')) {
      throw new Unsupported(head.k === 'ident' ? `"${head.s}"` : 'expression');
    }
    const root = head.s;
    const path: Accessor[] = [];
    while (this.isPunct('.') || this.isPunct('[')) {
      if (root === 'value') throw new Unsupported('attributes of value');
      if (path.length >= MAX_ACCESSORS) throw new Unsupported('path too long');
      const p = this.take();
      if (p.k === 'punct' && p.s === '.') {
        const key = this.take();
        if (key.k !== 'ident') throw new Unsupported('attribute name');
        path.push({ key: key.s });
      } else {
        const key = this.take();
        if (key.k === 'str') path.push({ key: key.s });
        else if (key.k === 'num' && key.integral && key.n >= 0) path.push({ index: key.n });
        else throw new Unsupported('subscript');
        this.expectPunct(']');
      }
    }
    if (this.isPunct('(')) throw new Unsupported('function calls');
    const filters: Filter[] = [];
    while (this.isPunct('|')) {
      this.take();
      if (filters.length >= MAX_FILTERS) throw new Unsupported('too many filters');
      filters.push(this.parseFilter());
    }
    const end = this.take();
    if (end.k !== 'end') throw new Unsupported(end.k === 'ident' ? `"${end.s}"` : 'operators');
    return { root, path, filters };
  }

  private parseFilter(): Filter {
    const name = this.take();
    if (name.k !== 'ident') throw new Unsupported('filter');
    const args: Token[] = [];
    if (this.isPunct('(')) {
      this.take();
      while (!this.isPunct(')')) {
        const a = this.take();
        if (a.k !== 'num' && a.k !== 'str') throw new Unsupported(`arguments of ${name.s}`);
        args.push(a);
        if (this.isPunct(',')) this.take();
        else if (!this.isPunct(')')) throw new Unsupported(`arguments of ${name.s}`);
      }
      this.take();
    }
    switch (name.s) {
      case 'int':
      case 'float': {
        if (args.length > 1) throw new Unsupported(`${name.s} with ${args.length} arguments`);
        const a = args[0];
        if (a === undefined) return { name: name.s };
        const fallback: Val = a.k === 'str' ? { t: 'str', s: a.s } : a.k === 'num' ? (a.integral ? { t: 'int', n: a.n } : { t: 'float', n: a.n }) : { t: 'none' };
        return { name: name.s, fallback };
      }
      case 'round': {
        if (args.length > 1) throw new Unsupported('round with a method');
        const a = args[0];
        if (a === undefined) return { name: 'round', precision: 0 };
        if (a.k !== 'num' || !a.integral || a.n < 0 || a.n > 15) throw new Unsupported('round precision (0..15)');
        return { name: 'round', precision: a.n };
      }
      default:
        throw new Unsupported(`filter "${name.s}"`);
    }
  }
}

function parseTemplate(src: string): Part[] {
  const parts: Part[] = [];
  let text = '';
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    if (src.startsWith('{%', i) || src.startsWith('{#', i)) {
      throw new Unsupported(src.startsWith('{%', i) ? 'statements ({% … %})' : 'comments ({# … #})');
    }
    if (src.startsWith('{{', i)) {
      let start = i + 2;
      if (src.charAt(start) === '-') {
        text = text.replace(/\s+$/, '');
        start++;
      }
      if (text !== '') parts.push({ text });
      text = '';
      const { tokens, next } = lexExpression(src, start);
      const end = tokens[tokens.length - 1];
      trimNext = end?.k === 'end' && end.trimAfter;
      parts.push({ expr: new Parser(tokens).parseExpr() });
      i = next;
      continue;
    }
    const c = src.charAt(i);
    i++;
    // `-}}` removes the whitespace that follows the hole.
    if (trimNext && /\s/.test(c)) continue;
    trimNext = false;
    text += c;
  }
  if (text !== '') parts.push({ text });
  return parts;
}

// ---- evaluation ----

type Eval = { readonly ok: true; readonly v: Val } | { readonly ok: false; readonly error: string };

function fromJson(x: unknown): Val {
  if (x === null) return { t: 'none' };
  if (typeof x === 'string') return { t: 'str', s: x };
  if (typeof x === 'boolean') return { t: 'bool', b: x };
  if (typeof x === 'number') return Number.isInteger(x) ? { t: 'int', n: x } : { t: 'float', n: x };
  return { t: 'obj', v: x };
}

const PY_INT = /^[-+]?\d+$/;
const PY_FLOAT = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** Python float(str): surrounding whitespace allowed, also inf/nan. */
function pyFloatOf(s: string): number | null {
  const t = s.trim();
  if (PY_FLOAT.test(t)) return Number(t);
  const l = t.toLowerCase().replace(/^[-+]/, '');
  if (l === 'inf' || l === 'infinity') return t.startsWith('-') ? -Infinity : Infinity;
  if (l === 'nan') return NaN;
  return null;
}

function describe(v: Val): string {
  const text = show(v);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function toInt(v: Val): number | null {
  switch (v.t) {
    case 'int':
      return v.n;
    case 'float':
      return Number.isFinite(v.n) ? Math.trunc(v.n) : null;
    case 'bool':
      return v.b ? 1 : 0;
    case 'str': {
      const t = v.s.trim();
      if (PY_INT.test(t)) {
        const n = Number(t);
        return Number.isSafeInteger(n) ? n : null;
      }
      // Jinja's int() falls back to int(float(x)).
      const f = pyFloatOf(t);
      return f !== null && Number.isFinite(f) && Math.abs(f) <= Number.MAX_SAFE_INTEGER ? Math.trunc(f) : null;
    }
    default:
      return null;
  }
}

function toFloat(v: Val): number | null {
  switch (v.t) {
    case 'int':
    case 'float':
      return v.n;
    case 'bool':
      return v.b ? 1 : 0;
    case 'str':
      return pyFloatOf(v.s);
    default:
      return null;
  }
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

function applyFilter(v: Val, f: Filter): Eval {
  switch (f.name) {
    case 'int': {
      const n = toInt(v);
      if (n !== null) return { ok: true, v: { t: 'int', n: n === 0 ? 0 : n } };
      if (f.fallback) return { ok: true, v: f.fallback };
      return { ok: false, error: `int got invalid input ${describe(v)}` };
    }
    case 'float': {
      const n = toFloat(v);
      if (n !== null) return { ok: true, v: { t: 'float', n } };
      if (f.fallback) return { ok: true, v: f.fallback };
      return { ok: false, error: `float got invalid input ${describe(v)}` };
    }
    case 'round': {
      const n = toFloat(v);
      if (n === null) return { ok: false, error: `round got invalid input ${describe(v)}` };
      const r = pyRound(n, f.precision);
      if (f.precision === 0) {
        if (!Number.isFinite(r)) return { ok: false, error: `round got invalid input ${describe(v)}` };
        return { ok: true, v: { t: 'int', n: Math.trunc(r) === 0 ? 0 : Math.trunc(r) } };
      }
      return { ok: true, v: { t: 'float', n: r } };
    }
  }
}

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

function show(v: Val): string {
  switch (v.t) {
    case 'str':
      return v.s;
    case 'int':
      return String(v.n);
    case 'float':
      return pyFloatText(v.n);
    case 'bool':
      return v.b ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'obj':
      return JSON.stringify(v.v) ?? '';
  }
}

function pathText(path: readonly Accessor[]): string {
  return path.map((a) => ('key' in a ? (/^[A-Za-z_]\w*$/.test(a.key) ? `.${a.key}` : `[${JSON.stringify(a.key)}]`) : `[${a.index}]`)).join('');
}

function evaluate(expr: Expr, input: TemplateInput): Eval {
  let v: Val;
  if (expr.root === 'value') v = { t: 'str', s: input.value };
  else {
    if (input.value_json === undefined) return { ok: false, error: 'payload is not JSON, so value_json is undefined' };
    let cur: unknown = input.value_json;
    for (let i = 0; i < expr.path.length; i++) {
      const a = expr.path[i]!;
      let next: unknown;
      if ('key' in a) {
        // Own properties only: "__proto__" or "constructor" must not reach Object.prototype.
        next = cur !== null && typeof cur === 'object' && !Array.isArray(cur) && Object.prototype.hasOwnProperty.call(cur, a.key)
          ? (cur as Record<string, unknown>)[a.key]
          : undefined;
      } else {
        next = Array.isArray(cur) && a.index < cur.length ? (cur[a.index] as unknown) : undefined;
      }
      if (next === undefined) return { ok: false, error: `value_json${pathText(expr.path.slice(0, i + 1))} is undefined` };
      cur = next;
    }
    v = fromJson(cur);
  }
  for (const f of expr.filters) {
    const r = applyFilter(v, f);
    if (!r.ok) return r;
    v = r.v;
  }
  return { ok: true, v };
}

/** Compile a template once; render it per message. Never throws. */
export function compileTemplate(src: string): CompileResult {
  if (typeof src !== 'string') return { ok: false, error: 'template must be text' };
  if (src.length > MAX_TEMPLATE_CHARS) return { ok: false, error: `template longer than ${MAX_TEMPLATE_CHARS} characters` };
  let parts: Part[];
  try {
    // Jinja drops a single trailing newline by default.
    parts = parseTemplate(src.endsWith('\n') ? src.slice(0, -1) : src);
  } catch (e) {
    if (e instanceof Unsupported) return { ok: false, error: `unsupported: ${e.message}` };
    return { ok: false, error: `unsupported: ${e instanceof Error ? e.message : String(e)}` };
  }
  const usesValueJson = parts.some((p) => 'expr' in p && p.expr.root === 'value_json');
  return {
    ok: true,
    source: src,
    usesValueJson,
    render(input: TemplateInput): RenderResult {
      let out = '';
      for (const p of parts) {
        if ('text' in p) {
          out += p.text;
          continue;
        }
        const r = evaluate(p.expr, input);
        if (!r.ok) return r;
        out += show(r.v);
      }
      return { ok: true, text: out };
    },
  };
}

/** Parse a payload for `value_json`: undefined when it is not JSON (as in Home Assistant). */
export function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
