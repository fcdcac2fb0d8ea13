import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileTemplate, jsonOf, pyFloatText, pyRound, type TemplateInput } from '../../src/conventions/ha-template.js';

function render(src: string, input: TemplateInput): string {
  const t = compileTemplate(src);
  if (!t.ok) throw new Error(`did not compile: ${t.error}`);
  const r = t.render(input);
  if (!r.ok) throw new Error(`did not render: ${r.error}`);
  return r.text;
}

function renderError(src: string, input: TemplateInput): string {
  const t = compileTemplate(src);
  if (!t.ok) throw new Error(`did not compile: ${t.error}`);
  const r = t.render(input);
  if (r.ok) throw new Error(`rendered ${r.text}`);
  return r.error;
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
  it('value_json on a payload that is not JSON', () => {
    expect(renderError('{{ value_json.a }}', { value: 'not json' })).toMatch(/not JSON/);
  });
  it('a missing key', () => {
    expect(renderError('{{ value_json.a.b }}', json('{"a":{}}'))).toMatch(/value_json\.a\.b is undefined/);
  });
  it('prototype keys are not keys of the payload', () => {
    expect(renderError('{{ value_json.__proto__ }}', json('{}'))).toMatch(/undefined/);
    expect(renderError('{{ value_json.constructor }}', json('{}'))).toMatch(/undefined/);
  });
  it('int without a default on text (Home Assistant raises too)', () => {
    expect(renderError('{{ value | int }}', { value: 'abc' })).toMatch(/int got invalid input/);
    expect(renderError('{{ value | float }}', { value: 'abc' })).toMatch(/float got invalid input/);
  });
});

describe('unsupported templates do not compile', () => {
  it.each([
    '{% if value == "1" %}ON{% else %}OFF{% endif %}',
    '{# comment #}{{ value }}',
    '{{ states("sensor.x") }}',
    '{{ value | upper }}',
    '{{ value | default(0) }}',
    '{{ value.split(",")[0] }}',
    '{{ value_json.a + 1 }}',
    '{{ value_json.a * 2 }}',
    '{{ value == "ON" }}',
    '{{ now() }}',
    '{{ value | round(1, "floor") }}',
    '{{ value',
    '{{ "unterminated }}',
    '{{ }}',
    '{{ value_json.0 }}',
  ])('%s', (src) => {
    const t = compileTemplate(src);
    expect(t.ok).toBe(false);
    if (!t.ok) expect(t.error).toMatch(/^unsupported: /);
  });

  it('refuses very long templates', () => {
    expect(compileTemplate(`{{ value }}${'x'.repeat(5000)}`).ok).toBe(false);
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
        } else expect(t.error).toMatch(/^unsupported|template/);
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
