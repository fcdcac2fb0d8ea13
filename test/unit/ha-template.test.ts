import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileTemplate, jsonOf, MAX_OUTPUT_CHARS, type TemplateInput } from '../../src/conventions/ha/templates.js';
import { pyFloatText, pyRound } from '../../src/conventions/ha/python.js';

function render(src: string, input: TemplateInput): string {
  const t = compileTemplate(src);
  if (!t.ok) throw new Error(`did not compile: ${t.error.message}`);
  const r = t.render(input);
  if (!r.ok) throw new Error(`did not render: ${r.error.message}`);
  return r.text;
}

function renderError(src: string, input: TemplateInput): string {
  const t = compileTemplate(src);
  if (!t.ok) throw new Error(`did not compile: ${t.error.message}`);
  const r = t.render(input);
  if (r.ok) throw new Error(`rendered ${r.text}`);
  return `${r.error.code}: ${r.error.message}`;
}

const json = (payload: string): TemplateInput => ({ value: payload, value_json: jsonOf(payload) });

describe('value templates (as firmware publishes them)', () => {
  it('{{ value }} and whitespace variants', () => {
    expect(render('{{ value }}', { value: '21.5' })).toBe('21.5');
    expect(render('{{value}}', { value: 'ON' })).toBe('ON');
    expect(render('{{\tvalue\n}}', { value: 'x' })).toBe('x');
  });

  it('Tasmota: {{value_json.POWER}} without spaces', () => {
    expect(render('{{value_json.POWER}}', json('{"Time":"2025-01-01T00:00:00","POWER":"ON"}'))).toBe('ON');
  });

  it('Zigbee2MQTT: nested paths, quoted keys, array indexes', () => {
    const payload = json('{"temperature":21.5,"update":{"state":"idle"},"color":{"x":0.3},"list":[5,6],"a b":"spaced"}');
    expect(render('{{ value_json.temperature }}', payload)).toBe('21.5');
    expect(render('{{ value_json.update.state }}', payload)).toBe('idle');
    expect(render("{{ value_json['color']['x'] }}", payload)).toBe('0.3');
    expect(render('{{ value_json["a b"] }}', payload)).toBe('spaced');
    expect(render('{{ value_json.list[1] }}', payload)).toBe('6');
  });

  it('renders JSON values the way Jinja prints Python values', () => {
    const payload = json('{"occupancy":true,"tamper":false,"battery":null}');
    expect(render('{{ value_json.occupancy }}', payload)).toBe('True');
    expect(render('{{ value_json.tamper }}', payload)).toBe('False');
    expect(render('{{ value_json.battery }}', payload)).toBe('None');
  });

  it('filters: int, float, round, chained', () => {
    expect(render('{{ value | int }}', { value: '42' })).toBe('42');
    expect(render('{{ value | int }}', { value: ' 3.9 ' })).toBe('3');
    expect(render('{{ value | int(0) }}', { value: 'n/a' })).toBe('0');
    expect(render('{{ value | float }}', { value: '21' })).toBe('21.0');
    expect(render('{{ value_json.t | float | round(1) }}', json('{"t":"21.456"}'))).toBe('21.5');
    expect(render('{{ value | round }}', { value: '2.5' })).toBe('2');
    expect(render('{{ value | round }}', { value: '3.5' })).toBe('4');
    expect(render('{{ value | round(2) }}', { value: '2.675' })).toBe('2.67');
    expect(render('{{ value|int|float }}', { value: '7' })).toBe('7.0');
  });

  it('{{- -}} trims the whitespace next to the hole', () => {
    expect(render('a  {{- value -}}  b', { value: 'X' })).toBe('aXb');
  });

  it('a single trailing newline is dropped, as Jinja does by default', () => {
    expect(render('{{ value }}\n', { value: 'x' })).toBe('x');
  });
});

describe('command templates', () => {
  it('text with one or more holes', () => {
    expect(render('{"brightness": {{ value }}}', { value: '128' })).toBe('{"brightness": 128}');
    expect(render('{"effect": "{{ value }}"}', { value: 'blink' })).toBe('{"effect": "blink"}');
    expect(render('{"a": {{ value | int }}, "b": {{ value }}}', { value: '5' })).toBe('{"a": 5, "b": 5}');
    expect(render('plain text', { value: '5' })).toBe('plain text');
  });
});

describe('render errors (never a guess)', () => {
  it('value_json on a payload that is not JSON is undefined, as in HA, and printing it is an error', () => {
    expect(renderError('{{ value_json.a }}', { value: 'not json' })).toBe('undefined: value_json is undefined');
  });
  it('a missing key', () => {
    expect(renderError('{{ value_json.a.b }}', json('{"a":{}}'))).toBe('undefined: value_json.a.b is undefined');
    // An attribute of an undefined value is an error at once (Jinja's Undefined), naming where it broke.
    expect(renderError('{{ value_json.a.b.c }}', json('{"a":{}}'))).toBe('undefined: value_json.a.b is undefined');
  });
  it('prototype keys are not keys of the payload', () => {
    expect(renderError('{{ value_json.__proto__ }}', json('{}'))).toMatch(/^undefined: /);
    expect(renderError('{{ value_json.constructor }}', json('{}'))).toMatch(/^undefined: /);
  });
  it('int, float, round and bool without a default on text (Home Assistant raises too)', () => {
    expect(renderError('{{ value | int }}', { value: 'abc' })).toMatch(/^invalid-input: int got invalid input 'abc'/);
    expect(renderError('{{ value | float }}', { value: 'abc' })).toMatch(/^invalid-input: float got invalid input/);
    expect(renderError('{{ value | round }}', { value: 'abc' })).toMatch(/^invalid-input: round got invalid input/);
    expect(renderError('{{ value | bool }}', { value: 'maybe' })).toMatch(/^invalid-input: bool got invalid input/);
  });
  it('is_defined raises on a missing key (HA: UndefinedError)', () => {
    expect(renderError('{{ value_json.val | is_defined }}', json('{"x":1}'))).toBe('undefined: value_json.val is undefined');
  });
});

describe('HA filters and functions', () => {
  it('defaults are returned instead of raising', () => {
    expect(render('{{ float("not_a_number", default="Invalid number!") }}', { value: '' })).toBe('Invalid number!');
    expect(render('{{ value | float(0) }}', { value: 'x' })).toBe('0');
    expect(render('{{ value | round(1, default=-1) }}', { value: 'x' })).toBe('-1');
    expect(render('{{ value | bool(none) | iif("on", "off", "unknown") }}', { value: 'maybe' })).toBe('unknown');
  });
  it('round modes', () => {
    expect(render('{{ value | round(1, "floor") }}', { value: '2.19' })).toBe('2.1');
    expect(render('{{ value | round(1, "ceil") }}', { value: '2.11' })).toBe('2.2');
    expect(render('{{ value | round(1, "half") }}', { value: '2.3' })).toBe('2.5');
  });
  it('iif as filter and function', () => {
    expect(render('{{ (value == "1") | iif("ON", "OFF") }}', { value: '1' })).toBe('ON');
    expect(render('{{ iif(value == "1", "ON", "OFF") }}', { value: '0' })).toBe('OFF');
    expect(render('{{ value_json.x | iif("yes", "no", "none") }}', json('{"x":null}'))).toBe('none');
  });
  it('bool and is_number follow cv.boolean and float()', () => {
    expect(render('{{ value | bool }}', { value: ' ON ' })).toBe('True');
    expect(render('{{ value | bool }}', { value: 'disable' })).toBe('False');
    expect(render('{{ is_number(value) }}', { value: 'nan' })).toBe('False');
    expect(render('{{ value | is_number }}', { value: '1e3' })).toBe('True');
  });
  it('json in and out', () => {
    expect(render('{{ (value | from_json).a }}', { value: '{"a": 2}' })).toBe('2');
    expect(render('{{ value | from_json(default="bad") }}', { value: '{' })).toBe('bad');
    expect(render('{{ value_json | to_json }}', json('{"b":1.5,"a":"é"}'))).toBe('{"b":1.5,"a":"é"}');
    expect(render('{{ value_json | to_json(ensure_ascii=True) }}', json('{"a":"é"}'))).toBe('{"a": "\\u00e9"}');
    expect(render('{{ value_json | tojson }}', json('{"b":"<x>","a":1}'))).toBe('{"a": 1, "b": "\\u003cx\\u003e"}');
  });
  it('text filters', () => {
    expect(render('{{ value | upper }}', { value: 'abc' })).toBe('ABC');
    expect(render('{{ value | lower }}', { value: 'ABC' })).toBe('abc');
    expect(render('{{ value | replace("a", "o", 1) }}', { value: 'banana' })).toBe('bonana');
    expect(render('{{ value_json.missing | default("n/a") }}', json('{}'))).toBe('n/a');
    expect(render('{{ value | default("n/a", true) }}', { value: '' })).toBe('n/a');
  });
  it('time', () => {
    expect(render('{{ value | int | timestamp_custom("%Y-%m-%d %H:%M:%S", false) }}', { value: '1719835200' })).toBe('2024-07-01 12:00:00');
    expect(render('{{ as_timestamp(value) }}', { value: '2024-07-01T12:00:00Z' })).toBe('1719835200.0');
    expect(renderError('{{ value | timestamp_custom("%Q") }}', { value: 5 })).toBe('unsupported: strftime directive %Q');
  });
  it('Jinja statements, tests, operators and methods now evaluate', () => {
    expect(render('{% if value == "1" %}ON{% else %}OFF{% endif %}', { value: '1' })).toBe('ON');
    expect(render('{# comment #}{{ value }}', { value: 'x' })).toBe('x');
    expect(render('{{ value.split(",")[0] }}', { value: 'a,b' })).toBe('a');
    expect(render('{{ value_json.a + 1 }}', json('{"a":1}'))).toBe('2');
    expect(render('{{ value == "ON" }}', { value: 'ON' })).toBe('True');
    expect(render("{{ 'on' if value_json.x is defined else 'off' }}", json('{}'))).toBe('off');
    expect(render('{% for i in range(3) %}{{ i }}{% endfor %}', { value: '' })).toBe('012');
  });
  it('further variables of an option (a cover\'s position)', () => {
    const t = compileTemplate('{ "position": {{ position }} }', ['position']);
    expect(t.ok && t.render({ value: 30, variables: { position: 30 } })).toEqual({ ok: true, text: '{ "position": 30 }' });
    expect(compileTemplate('{{ position }}').ok).toBe(false);
  });
});

describe('what is not evaluated', () => {
  it.each([
    ['{{ states("sensor.x") }}', 'unsupported'],
    ['{{ now() }}', 'unsupported'],
    ['{{ this.state }}', 'unsupported'],
    ['{{ state_attr(entity_id, "current_position") }}', 'unsupported'],
    ['{% macro m() %}x{% endmacro %}{{ m() }}', 'unsupported'],
    ['{{ value | sqrt }}', 'unsupported'],
    ['{{ value is search }}', 'unsupported'],
    ['{{ value.zfill(3) }}', 'unsupported'],
    ["{{ {0: 'off'}[value] }}", 'unsupported'],
    ['{{ value', 'syntax'],
    ['{{ "unterminated }}', 'syntax'],
    ['{{ }}', 'syntax'],
  ])('%s', (src, code) => {
    const t = compileTemplate(src);
    expect(t.ok).toBe(false);
    if (!t.ok) expect(t.error.code).toBe(code);
  });

  it('refuses very long templates', () => {
    const t = compileTemplate(`{{ value }}${'x'.repeat(5000)}`);
    expect(t.ok === false && t.error.code).toBe('too-long');
  });
});

describe('bounded', () => {
  it('long loops, huge strings and deep recursion end with a budget error', () => {
    expect(renderError('{% for i in range(100000) %}x{% endfor %}', { value: '' })).toMatch(/^budget: range\(\) of 100000/);
    expect(renderError('{% for i in range(1000) %}{% for j in range(1000) %}{{ j }}{% endfor %}{% endfor %}', { value: '' })).toMatch(/^budget: /);
    expect(renderError('{% set s = "x" %}{% for i in range(60) %}{% set s = s ~ s %}{% endfor %}{{ s | length }}', { value: '' })).toMatch(/^budget: /);
  });
  it('output is capped', () => {
    expect(renderError(`{% for i in range(1000) %}${'y'.repeat(100)}{% endfor %}`, { value: '' })).toMatch(/^budget: printed more than/);
    expect(MAX_OUTPUT_CHARS).toBe(65536);
  });
});

describe('Python number semantics', () => {
  it('round half to even on exact ties, exact binary value otherwise', () => {
    expect(pyRound(0.5, 0)).toBe(0);
    expect(pyRound(1.5, 0)).toBe(2);
    expect(pyRound(-2.5, 0)).toBe(-2);
    expect(pyRound(0.125, 2)).toBe(0.12);
    expect(pyRound(0.375, 2)).toBe(0.38);
    expect(pyRound(2.675, 2)).toBe(2.67);
    expect(pyRound(1.005, 2)).toBe(1);
  });

  it('float text like repr()', () => {
    expect(pyFloatText(25)).toBe('25.0');
    expect(pyFloatText(0.1)).toBe('0.1');
    expect(pyFloatText(1e-5)).toBe('1e-05');
    expect(pyFloatText(1e16)).toBe('1e+16');
    expect(pyFloatText(-0)).toBe('-0.0');
  });
});

describe('robustness', () => {
  it('compiling and rendering arbitrary text never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 50 }), (src, value) => {
        const t = compileTemplate(src);
        if (t.ok) {
          const r = t.render({ value, value_json: jsonOf(value) });
          expect(typeof r.ok).toBe('boolean');
        } else expect(['unsupported', 'syntax', 'too-long']).toContain(t.error.code);
      }),
      { numRuns: 1000 },
    );
  });

  it('template-like fragments never throw', () => {
    const piece = fc.constantFrom('{{', '}}', '{%', '%}', 'value', 'value_json', '.', '[', ']', "'a'", '"b"', '|', 'int', 'float', 'round', '(', ')', '2', '-', ' ', 'x', ',');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
        const t = compileTemplate(parts.join(''));
        if (t.ok) t.render({ value: '1', value_json: { a: 1, b: [1] } });
      }),
      { numRuns: 2000 },
    );
  });
});
