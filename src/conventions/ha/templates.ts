/**
 * Home Assistant discovery templates (`value_template`, `command_template`,
 * availability templates …), evaluated by @huggingface/jinja: a Jinja
 * lexer, parser and tree-walking interpreter that needs no eval or Function,
 * so the console's strict CSP holds. On top of it, Holdfast adds what HA
 * adds to Jinja (template-filters.ts) and three rules of its own:
 *
 *   - Checked before use: a template naming anything Holdfast cannot
 *     evaluate (HA state such as `states()` or `now()`, macros, an unknown
 *     filter, test or method) does not compile, so the entity is read-only
 *     with the template shown — decided once, at discovery, not per message.
 *   - Strict: printing or converting an undefined value is an error (HA logs
 *     a warning and prints ""), so a renamed JSON key is a visible value
 *     error, never an empty or zero value.
 *   - Bounded: every render has a step budget, `range()` is capped, and the
 *     output is capped, so no template can hang or flood the console.
 *
 * Output is Python's str() of the value, as HA renders it (`True`, `None`,
 * `21.0`). Known difference: JSON numbers lose int/float (a payload's `21.0`
 * is the int 21 here, so it prints "21").
 */
import { Environment, Interpreter, parse, tokenize } from '@huggingface/jinja';
import { HA_FILTERS, HA_FUNCTIONS, type CallArgs } from './template-filters.js';
import { isString, isUndefined, jString, pyText, TemplateFailure, type JValue, type TemplateErrorCode } from './jinja-values.js';

export type { TemplateErrorCode } from './jinja-values.js';

export interface TemplateError {
  readonly code: TemplateErrorCode;
  readonly message: string;
}

export interface TemplateInput {
  /** The payload (value templates), or the value being sent (command templates), typed as HA passes it. */
  readonly value: string | number | boolean;
  /** The payload parsed as JSON; absent when it is not JSON (then `value_json` is undefined, as in HA). */
  readonly value_json?: unknown;
  /** Further variables an option's template gets in HA (a cover's set_position_template has `position`). */
  readonly variables?: Readonly<Record<string, string | number | boolean>>;
}

export type RenderResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly error: TemplateError };

export interface CompiledTemplate {
  readonly ok: true;
  readonly source: string;
  /** Whether rendering reads `value_json` (so callers parse JSON only when needed). */
  readonly usesValueJson: boolean;
  render(input: TemplateInput): RenderResult;
}

export type CompileResult = CompiledTemplate | { readonly ok: false; readonly source: string; readonly error: TemplateError };

/** Longer templates are refused outright; discovery templates are short. */
export const MAX_TEMPLATE_CHARS = 4096;
/** Interpreter steps per render: far above any real template, far below a hang. */
export const MAX_STEPS = 20_000;
/** Characters a render may produce (and any string it builds on the way). */
export const MAX_OUTPUT_CHARS = 64 * 1024;

/**
 * The library's types, as far as they are used here. Its .d.ts files import each other without file
 * extensions, which NodeNext resolution (sim, e2e, bench) cannot follow; these keep both builds typed alike.
 */
interface JinjaEnvironment {
  set(name: string, value: unknown): unknown;
  readonly tests: ReadonlyMap<string, unknown>;
}
interface JinjaInterpreter {
  evaluate(statement: unknown, environment: JinjaEnvironment): unknown;
  run(program: unknown): unknown;
}
const EnvironmentClass = Environment as unknown as new () => JinjaEnvironment;
const InterpreterClass = Interpreter as unknown as new (environment: JinjaEnvironment) => JinjaInterpreter;
const parseTemplate = parse as unknown as (tokens: unknown) => unknown;
const tokenizeTemplate = tokenize as unknown as (source: string, options: { trim_blocks: boolean; lstrip_blocks: boolean }) => unknown;

/** The parts of the library's AST nodes that are read here (they are plain objects with a `type`). */
interface AstNode {
  readonly type: string;
  readonly [field: string]: unknown;
}

const PRINT = 'HoldfastPrint';
const EVALUATED = 'HoldfastEvaluated';

const EXPRESSIONS = new Set([
  'IntegerLiteral',
  'FloatLiteral',
  'StringLiteral',
  'ArrayLiteral',
  'TupleLiteral',
  'ObjectLiteral',
  'Identifier',
  'CallExpression',
  'MemberExpression',
  'UnaryExpression',
  'BinaryExpression',
  'FilterExpression',
  'TestExpression',
  'SelectExpression',
  'Ternary',
]);
const STATEMENTS = new Set(['Program', 'If', 'For', 'Set', 'Comment', 'Break', 'Continue']);
/** Jinja built-in filters the library implements as Jinja does, for the types discovery templates use. */
const LIBRARY_FILTERS = new Set(['abs', 'capitalize', 'first', 'items', 'join', 'last', 'length', 'list', 'reverse', 'sort', 'string', 'title', 'trim', 'unique']);
/** Methods of str and dict the library implements. */
const METHODS = new Set(['upper', 'lower', 'strip', 'lstrip', 'rstrip', 'title', 'capitalize', 'split', 'startswith', 'endswith', 'replace', 'get', 'keys', 'values', 'items']);
const TESTS = new Set(new EnvironmentClass().tests.keys());
const JINJA_CONSTANTS: readonly (readonly [string, boolean | null])[] = [
  ['true', true],
  ['True', true],
  ['false', false],
  ['False', false],
  ['none', null],
  ['None', null],
];
const CONSTANTS = new Set(JINJA_CONSTANTS.map(([name]) => name));
const INPUTS = new Set(['value', 'value_json']);

const isNode = (x: unknown): x is AstNode => typeof x === 'object' && x !== null && typeof (x as { type?: unknown }).type === 'string';
const nodes = (x: unknown): AstNode[] => (Array.isArray(x) ? x.filter(isNode) : isNode(x) ? [x] : []);
const unsupported = (message: string): TemplateFailure => new TemplateFailure('unsupported', message);

function nameOf(node: unknown): string | undefined {
  if (!isNode(node)) return undefined;
  if (node.type === 'Identifier') return typeof node['value'] === 'string' ? node['value'] : undefined;
  if (node.type === 'CallExpression') return nameOf(node['callee']);
  return undefined;
}

/** The names a template binds with `set` and `for` (Jinja scoping is looser than a check needs to be). */
function boundNames(node: AstNode, out: Set<string>): Set<string> {
  if (node.type === 'Set') for (const n of identifiersIn(node['assignee'])) out.add(n);
  if (node.type === 'For') {
    for (const n of identifiersIn(node['loopvar'])) out.add(n);
    out.add('loop');
  }
  for (const value of Object.values(node)) {
    if (value instanceof Map) for (const [k, v] of value) for (const n of [...nodes(k), ...nodes(v)]) boundNames(n, out);
    else for (const n of nodes(value)) boundNames(n, out);
  }
  return out;
}

function identifiersIn(x: unknown): string[] {
  if (!isNode(x)) return [];
  if (x.type === 'Identifier') return typeof x['value'] === 'string' ? [x['value']] : [];
  return nodes(x['value']).flatMap(identifiersIn);
}

interface CheckState {
  readonly bound: ReadonlySet<string>;
  readonly names: ReadonlySet<string>;
  usesValueJson: boolean;
}

/** Refuse what cannot be evaluated; wrap each printed expression so it prints as Python does. */
function checkBlock(body: unknown, state: CheckState): void {
  if (!Array.isArray(body)) return;
  body.forEach((statement: unknown, i) => {
    if (!isNode(statement)) throw unsupported('an unknown construct');
    checkNode(statement, state);
    if (EXPRESSIONS.has(statement.type)) body[i] = { type: PRINT, expression: statement };
  });
}

function checkNode(node: AstNode, state: CheckState): void {
  const walk = (x: unknown): void => {
    if (x instanceof Map) for (const [k, v] of x) [...nodes(k), ...nodes(v)].forEach(walk);
    else nodes(x).forEach((n) => checkNode(n, state));
  };
  switch (node.type) {
    case 'Program':
      return checkBlock(node['body'], state);
    case 'If':
      walk(node['test']);
      checkBlock(node['body'], state);
      return checkBlock(node['alternate'], state);
    case 'For':
      walk(node['iterable']);
      checkBlock(node['body'], state);
      return checkBlock(node['defaultBlock'], state);
    case 'Set':
      walk(node['value']);
      return checkBlock(node['body'], state);
    case 'Comment':
    case 'Break':
    case 'Continue':
    case 'IntegerLiteral':
    case 'FloatLiteral':
    case 'StringLiteral':
      return;
    case 'Identifier': {
      const name = nameOf(node) ?? '';
      if (name === 'value_json') state.usesValueJson = true;
      if (INPUTS.has(name) || CONSTANTS.has(name) || state.bound.has(name) || state.names.has(name)) return;
      throw unsupported(`"${name}" (only value and value_json are known outside Home Assistant)`);
    }
    case 'MemberExpression':
      walk(node['object']);
      if (node['computed'] === true) walk(node['property']);
      return;
    case 'CallExpression': {
      const callee = node['callee'];
      if (isNode(callee) && callee.type === 'MemberExpression' && callee['computed'] !== true) {
        const method = nameOf(callee['property']) ?? '';
        if (!METHODS.has(method)) throw unsupported(`the method .${method}()`);
        walk(callee['object']);
      } else {
        const name = nameOf(callee) ?? '';
        if (!HA_FUNCTIONS.has(name)) throw unsupported(name === '' ? 'calling an expression' : `the function ${name}()`);
      }
      return walk(node['args']);
    }
    case 'FilterExpression': {
      const name = nameOf(node['filter']) ?? '';
      if (!HA_FILTERS.has(name) && !LIBRARY_FILTERS.has(name)) throw unsupported(`the filter "${name}"`);
      walk(node['operand']);
      const filter = node['filter'];
      if (isNode(filter) && filter.type === 'CallExpression') walk(filter['args']);
      return;
    }
    case 'TestExpression': {
      const name = nameOf(node['test']) ?? '';
      if (!TESTS.has(name)) throw unsupported(`the test "is ${name}"`);
      return walk(node['operand']);
    }
    case 'KeywordArgumentExpression':
      return walk(node['value']);
    case 'UnaryExpression':
      return walk(node['argument']);
    case 'BinaryExpression':
      walk(node['left']);
      return walk(node['right']);
    case 'SelectExpression':
      walk(node['lhs']);
      return walk(node['test']);
    case 'Ternary':
      walk(node['condition']);
      walk(node['trueExpr']);
      return walk(node['falseExpr']);
    case 'SliceExpression':
      walk(node['start']);
      walk(node['stop']);
      return walk(node['step']);
    case 'ObjectLiteral': {
      // The library's dicts are keyed by text; Python's `{0: 'off'}` or `{None: None}` would fail on every render.
      const entries = node['value'];
      if (entries instanceof Map && [...entries.keys()].some((k) => !isNode(k) || k.type !== 'StringLiteral')) throw unsupported('a dict with keys that are not text');
      return walk(entries);
    }
    case 'ArrayLiteral':
    case 'TupleLiteral':
      return walk(node['value']);
    default:
      throw unsupported(STATEMENTS.has(node.type) ? node.type : `{% ${node.type} %}`);
  }
}

/** "value_json.a.b" for messages about undefined values; "a value" when the expression is more than a path. */
function describe(node: unknown): string {
  if (!isNode(node)) return 'a value';
  if (node.type === 'Identifier') return nameOf(node) ?? 'a value';
  if (node.type === 'MemberExpression') {
    const base = describe(node['object']);
    const property = node['property'];
    if (base === 'a value' || !isNode(property)) return 'a value';
    if (node['computed'] !== true) return `${base}.${nameOf(property) ?? '?'}`;
    if (property.type === 'StringLiteral' || property.type === 'IntegerLiteral') return `${base}[${JSON.stringify(property['value'])}]`;
  }
  return 'a value';
}

/** The library's interpreter with Holdfast's hooks: a step budget, HA filters, strict undefined, Python printing. */
class HaInterpreter extends InterpreterClass {
  private steps = 0;
  private printed = 0;

  override evaluate(statement: unknown, environment: JinjaEnvironment): unknown {
    if (++this.steps > MAX_STEPS) throw new TemplateFailure('budget', `ran more than ${MAX_STEPS} steps`);
    const node = statement as unknown as AstNode | undefined;
    const result = node === undefined ? super.evaluate(statement, environment) : this.hooked(node, environment);
    const value = result as unknown as JValue;
    if (isString(value) && value.value.length > MAX_OUTPUT_CHARS) throw new TemplateFailure('budget', `made a text longer than ${MAX_OUTPUT_CHARS} characters`);
    return result;
  }

  private run1(node: unknown, environment: JinjaEnvironment): JValue {
    return this.evaluate(node, environment) as JValue;
  }

  private hooked(node: AstNode, environment: JinjaEnvironment): unknown {
    const out = (v: JValue): unknown => v;
    switch (node.type) {
      case EVALUATED:
        return out(node['value'] as JValue);
      case PRINT: {
        const expression = node['expression'];
        const v = this.run1(expression, environment);
        if (isUndefined(v)) throw new TemplateFailure('undefined', `${describe(expression)} is undefined`);
        const text = pyText(v);
        this.printed += text.length;
        if (this.printed > MAX_OUTPUT_CHARS) throw new TemplateFailure('budget', `printed more than ${MAX_OUTPUT_CHARS} characters`);
        return out(jString(text));
      }
      case 'MemberExpression': {
        // Jinja: an attribute of an undefined value is an error, not another undefined value.
        const object = this.run1(node['object'], environment);
        if (isUndefined(object)) throw new TemplateFailure('undefined', `${describe(node['object'])} is undefined`);
        return super.evaluate({ ...node, object: { type: EVALUATED, value: object } }, environment);
      }
      case 'FilterExpression': {
        const filter = HA_FILTERS.get(nameOf(node['filter']) ?? '');
        if (filter === undefined) break;
        const operand = this.run1(node['operand'], environment);
        const f = node['filter'];
        const args = isNode(f) && f.type === 'CallExpression' ? this.callArgs(f['args'], environment) : { positional: [], keyword: new Map() };
        return out(filter(operand, args, describe(node['operand'])));
      }
      case 'CallExpression': {
        const fn = HA_FUNCTIONS.get(nameOf(node['callee']) ?? '');
        if (fn === undefined) break;
        const args = this.callArgs(node['args'], environment);
        return out(fn(args, describe(nodes(node['args'])[0])));
      }
    }
    return super.evaluate(node, environment);
  }

  private callArgs(list: unknown, environment: JinjaEnvironment): CallArgs {
    const positional: JValue[] = [];
    const keyword = new Map<string, JValue>();
    for (const arg of nodes(list)) {
      if (arg.type === 'KeywordArgumentExpression') keyword.set(nameOf(arg['key']) ?? '', this.run1(arg['value'], environment));
      else positional.push(this.run1(arg, environment));
    }
    return { positional, keyword };
  }
}

function failure(e: unknown): TemplateError {
  if (e instanceof TemplateFailure) return { code: e.code, message: e.message };
  // Deep recursion in the library surfaces as a RangeError; anything else is its own runtime error.
  if (e instanceof RangeError) return { code: 'budget', message: 'nested too deeply' };
  return { code: 'runtime', message: e instanceof Error ? e.message : String(e) };
}

/** Compile a template once; render it per message. Never throws. `names`: the option's further variables. */
export function compileTemplate(source: string, names: readonly string[] = []): CompileResult {
  if (typeof source !== 'string') return { ok: false, source: String(source), error: { code: 'syntax', message: 'a template must be text' } };
  if (source.length > MAX_TEMPLATE_CHARS) {
    return { ok: false, source, error: { code: 'too-long', message: `longer than ${MAX_TEMPLATE_CHARS} characters` } };
  }
  let program: unknown;
  try {
    // Home Assistant's Jinja environment keeps the defaults: no trim_blocks, no lstrip_blocks.
    program = parseTemplate(tokenizeTemplate(source, { trim_blocks: false, lstrip_blocks: false }));
  } catch (e) {
    return { ok: false, source, error: { code: 'syntax', message: e instanceof Error ? e.message : String(e) } };
  }
  const state: CheckState = { bound: boundNames(program as AstNode, new Set()), names: new Set(names), usesValueJson: false };
  try {
    checkNode(program as AstNode, state);
  } catch (e) {
    return { ok: false, source, error: failure(e) };
  }
  return {
    ok: true,
    source,
    usesValueJson: state.usesValueJson,
    render(input: TemplateInput): RenderResult {
      const env = new EnvironmentClass();
      // The library's own globals are not loaded (range() is Holdfast's, bounded); Jinja's constants are.
      for (const [name, v] of JINJA_CONSTANTS) env.set(name, v);
      env.set('value', input.value);
      if (input.value_json !== undefined) env.set('value_json', input.value_json);
      for (const [name, v] of Object.entries(input.variables ?? {})) if (!INPUTS.has(name)) env.set(name, v);
      try {
        const result = new HaInterpreter(env).run(program) as JValue;
        return { ok: true, text: isString(result) ? result.value : pyText(result) };
      } catch (e) {
        return { ok: false, error: failure(e) };
      }
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
