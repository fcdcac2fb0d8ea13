import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AdapterEvent } from '../../src/conventions/adapter.js';
import { extract, MappedAdapter, parseMapping, parsePattern, renderSetTemplate, type MappingFile } from '../../src/conventions/mapped.js';
import { createAdapters } from '../../src/conventions/registry.js';
import { ConventionRouter } from '../../src/status/router.js';

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);

const EXAMPLE: unknown = JSON.parse(readFileSync(new URL('../../examples/vp4-mapping.json', import.meta.url), 'utf8'));
const VP4 = 'mapped:cy-vp4';

function example(): MappedAdapter {
  const parsed = parseMapping(EXAMPLE);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return new MappedAdapter(parsed.mapping);
}
function values(events: AdapterEvent[]): Record<string, unknown> {
  return Object.fromEntries(events.flatMap((e) => (e.kind === 'value' ? [[e.propertyId, e.value]] : [])));
}
function errorsOf(events: AdapterEvent[]): string[] {
  return events.flatMap((e) => (e.kind === 'device-error' || e.kind === 'value-error' ? [e.error] : []));
}
function mapping(properties: unknown[], extra: Record<string, unknown> = {}): unknown {
  return { version: 1, devices: [{ id: 'd', name: 'D', properties, ...extra }] };
}
function errors(json: unknown): string[] {
  const r = parseMapping(json);
  return r.ok ? [] : r.errors;
}

describe('the incident device (examples/vp4-mapping.json)', () => {
  it('parses, and names every status and availability topic: availability always, status per device', () => {
    const a = example();
    expect(a.convention).toBe('mapped');
    expect(a.subscriptions()).toEqual(['cy-vp4/videoproc/status/online']);
    expect([...a.deviceSubscriptions(VP4)].sort()).toEqual([
      'cy-vp4/videoproc/status/config/output_format',
      'cy-vp4/videoproc/status/config/test_pattern',
      'cy-vp4/videoproc/status/info',
      'cy-vp4/videoproc/status/volatile/genlock_phase',
      'cy-vp4/videoproc/status/volatile/temperature',
    ]);
    expect(a.handles('cy-vp4/videoproc/status/volatile/genlock_phase')).toBe(true);
    expect(a.handles('cy-vp4/videoproc/action/set/genlock')).toBe(false);
  });

  it('status "-25 10": the first token is the genlock phase (h), the second (v)', () => {
    const a = example();
    const events = a.handleMessage('cy-vp4/videoproc/status/volatile/genlock_phase', bytes('-25 10'), true);
    expect(events[0]).toMatchObject({ kind: 'device', device: { id: VP4, name: 'VP4 (legacy text protocol)', convention: 'mapped' } });
    expect(events.slice(1)).toEqual([
      { kind: 'value', deviceId: VP4, propertyId: 'genlock-phase', value: -25, retained: true },
      { kind: 'value', deviceId: VP4, propertyId: 'genlock-phase-v', value: 10, retained: true },
    ]);
    // The schema is announced once.
    expect(a.handleMessage('cy-vp4/videoproc/status/volatile/genlock_phase', bytes('-24 10'), false).map((e) => e.kind)).toEqual(['value', 'value']);
  });

  it('set: genlock 22 10', () => {
    const a = example();
    expect(a.encodeSet(VP4, 'genlock-phase', 22)).toEqual({
      ok: true,
      command: { topic: 'cy-vp4/videoproc/action/set/genlock', payload: 'genlock 22 10', retain: false },
    });
    expect(a.encodeSet(VP4, 'genlock-phase', '-25')).toMatchObject({ ok: true, command: { payload: 'genlock -25 10' } });
    expect(a.encodeSet(VP4, 'genlock-phase', 181)).toMatchObject({ ok: false, error: expect.stringMatching(/out of range -180..180/) });
    expect(a.encodeSet(VP4, 'genlock-phase', 1.5)).toMatchObject({ ok: false });
    expect(a.encodeSet(VP4, 'genlock-phase-v', 3)).toEqual({ ok: false, error: 'Genlock phase (v): read-only' });
  });

  it('the other properties: enum, boolean words, regex, JSON path, momentary command', () => {
    const a = example();
    expect(values(a.handleMessage('cy-vp4/videoproc/status/config/output_format', bytes('2160p50'), true))).toEqual({ 'output-format': '2160p50' });
    expect(values(a.handleMessage('cy-vp4/videoproc/status/config/test_pattern', bytes('testpattern on'), true))).toEqual({ 'test-pattern': true });
    expect(values(a.handleMessage('cy-vp4/videoproc/status/volatile/temperature', bytes('temp=41.5C'), true))).toEqual({ temperature: 41.5 });
    expect(values(a.handleMessage('cy-vp4/videoproc/status/info', bytes('{"firmware":{"version":"2.1.4"},"model":"VP4"}'), true))).toEqual({ firmware: '2.1.4' });
    expect(a.encodeSet(VP4, 'output-format', '1080p50')).toMatchObject({ ok: true, command: { topic: 'cy-vp4/videoproc/action/set/output_format', payload: 'format 1080p50' } });
    expect(a.encodeSet(VP4, 'test-pattern', false)).toMatchObject({ ok: true, command: { payload: 'testpattern off' } });
    expect(a.encodeSet(VP4, 'reboot', true)).toMatchObject({ ok: true, command: { topic: 'cy-vp4/videoproc/action/reboot', payload: 'reboot' } });
    expect(a.schemaOf(VP4)?.properties.find((p) => p.id === 'reboot')).toMatchObject({ settable: true, retained: false });
    expect(a.schemaOf(VP4)?.properties.find((p) => p.id === 'test-pattern')).toMatchObject({ format: 'off,on' });
  });

  it('availability: online / offline (last will)', () => {
    const a = example();
    const events = a.handleMessage('cy-vp4/videoproc/status/online', bytes('online'), true);
    expect(events.at(-1)).toEqual({ kind: 'availability', deviceId: VP4, availability: 'ready' });
    expect(a.handleMessage('cy-vp4/videoproc/status/online', bytes('offline'), true)).toEqual([{ kind: 'availability', deviceId: VP4, availability: 'disconnected' }]);
    expect(a.handleMessage('cy-vp4/videoproc/status/online', bytes('booting'), true)).toEqual([]);
  });

  it('comes first in the registry, so its topics win even under homie/', () => {
    const m: MappingFile = {
      version: 1,
      devices: [{ id: 'x', name: 'X', properties: [{ id: 'p', name: 'P', datatype: 'string', retained: true, status: { topic: 'homie/x/n/p', pattern: 'whole' } }] }],
    };
    const router = new ConventionRouter(createAdapters({ mapping: m }));
    expect(values(router.route('homie/x/n/p', bytes('hello'), true))).toEqual({ p: 'hello' });
  });
});

describe('payload patterns', () => {
  it('token:N', () => {
    expect(extract({ kind: 'token', index: 2 }, '  a   b\tc ')).toEqual({ ok: true, text: 'c' });
    expect(extract({ kind: 'token', index: 3 }, 'a b c')).toEqual({ ok: false, error: 'payload has no token 3 (it has 3)' });
  });
  it('json:a.b.0', () => {
    const p = parsePattern('json:a.b.0');
    if (!p.ok) throw new Error(p.error);
    expect(extract(p.pattern, '{"a":{"b":[7,8]}}')).toEqual({ ok: true, text: '7' });
    expect(extract(p.pattern, '{"a":{}}')).toEqual({ ok: false, error: 'payload has no a.b.0' });
    expect(extract(p.pattern, 'nope')).toEqual({ ok: false, error: 'payload is not valid JSON' });
    const proto = parsePattern('json:__proto__');
    if (!proto.ok) throw new Error(proto.error);
    expect(extract(proto.pattern, '{}')).toMatchObject({ ok: false });
  });
  it('regex: with exactly one group', () => {
    const p = parsePattern('regex:^phase=(-?\\d+)');
    if (!p.ok) throw new Error(p.error);
    expect(extract(p.pattern, 'phase=-12;lock=1')).toEqual({ ok: true, text: '-12' });
    expect(extract(p.pattern, 'lock=1')).toEqual({ ok: false, error: 'payload does not match the pattern' });
    expect(parsePattern('regex:(a)(b)')).toEqual({ ok: false, error: 'regex must have exactly one capture group, it has 2' });
    expect(parsePattern('regex:abc')).toMatchObject({ ok: false });
    expect(parsePattern('regex:(unclosed')).toMatchObject({ ok: false, error: expect.stringMatching(/does not compile/) });
    expect(parsePattern('regex:^(a+)+$')).toMatchObject({ ok: false, error: expect.stringMatching(/exponential/) });
  });
  it('whole, and unknown patterns', () => {
    expect(extract({ kind: 'whole' }, ' as is ')).toEqual({ ok: true, text: ' as is ' });
    expect(parsePattern('token:x')).toMatchObject({ ok: false });
    expect(parsePattern('xpath://a')).toMatchObject({ ok: false });
  });
  it('set templates: {value} only, doubled braces are literal', () => {
    expect(renderSetTemplate('genlock {value} 10', '22')).toBe('genlock 22 10');
    expect(renderSetTemplate('{{"phase": {value}}}', '5')).toBe('{"phase": 5}');
    expect(renderSetTemplate('{value}/{value}', 'x')).toBe('x/x');
  });
});

describe('parseMapping errors are path-qualified', () => {
  it('types and required fields', () => {
    expect(errors(mapping([{ id: 'p', datatype: 'integer', min: 'low', status: { topic: 't' } }]))).toEqual(['devices[0].properties[0].min: must be a number']);
    expect(errors(mapping([{ datatype: 'integer', status: { topic: 't' } }]))).toEqual(['devices[0].properties[0].id: is required']);
    expect(errors(mapping([{ id: 'p', datatype: 'decimal', status: { topic: 't' } }]))).toEqual([expect.stringMatching(/^devices\[0\]\.properties\[0\]\.datatype: must be one of/)]);
    expect(errors({ version: 2, devices: [] })).toEqual(['version: must be 1, not 2']);
    expect(errors({ version: 1 })).toEqual(['devices: must be a list']);
    expect(errors([])).toEqual(['mapping: must be a JSON object']);
    expect(errors(null)).toEqual(['mapping: must be a JSON object']);
  });

  it('contradictions: min > max, enum without options, duplicate ids', () => {
    expect(errors(mapping([{ id: 'p', datatype: 'integer', min: 5, max: 1, status: { topic: 't' } }]))).toEqual(['devices[0].properties[0]: min 5 is greater than max 1']);
    expect(errors(mapping([{ id: 'p', datatype: 'enum', options: [], status: { topic: 't' } }]))).toEqual(['devices[0].properties[0]: enum has no values']);
    expect(errors(mapping([{ id: 'p', datatype: 'enum', status: { topic: 't' } }]))).toEqual(['devices[0].properties[0].options: is required for an enum']);
    expect(
      errors(mapping([
        { id: 'p', datatype: 'string', status: { topic: 't' } },
        { id: 'p', datatype: 'string', status: { topic: 'u' } },
      ])),
    ).toEqual(['devices[0].properties[1].id: "p" is used by another property']);
    expect(errors({ version: 1, devices: [{ id: 'd', name: 'D', properties: [] }, { id: 'd', name: 'E', properties: [] }] })).toEqual(['devices[1].id: "d" is used by another device']);
  });

  it('topics: wildcards and NUL are errors', () => {
    expect(errors(mapping([{ id: 'p', datatype: 'string', status: { topic: 'vp4/+/phase' } }]))).toEqual(['devices[0].properties[0].status.topic: "vp4/+/phase" contains an MQTT wildcard (+ or #)']);
    expect(errors(mapping([{ id: 'p', datatype: 'string', retained: false, set: { topic: 'vp4/#' } }]))).toEqual(['devices[0].properties[0].set.topic: "vp4/#" contains an MQTT wildcard (+ or #)']);
    expect(errors(mapping([], { availability: { topic: 'a/+' } }))).toEqual(['devices[0].availability.topic: "a/+" contains an MQTT wildcard (+ or #)']);
    expect(errors(mapping([{ id: 'p', datatype: 'string', status: { topic: 'a\u0000b' } }]))).toEqual(['devices[0].properties[0].status.topic: contains a NUL character']);
  });

  it('templates, patterns, unknown keys and the confirmability rule', () => {
    expect(errors(mapping([{ id: 'p', datatype: 'string', status: { topic: 't' }, set: { topic: 's', template: 'x {val}' } }]))).toEqual([
      'devices[0].properties[0].set.template: only {value} may appear in braces (write {{ and }} for literal braces)',
    ]);
    expect(errors(mapping([{ id: 'p', datatype: 'string', status: { topic: 't', pattern: 'token:-1' } }]))).toEqual([expect.stringMatching(/^devices\[0\]\.properties\[0\]\.status\.pattern: /)]);
    expect(errors(mapping([{ id: 'p', datatype: 'string', status: { topic: 't' }, retain: true }]))).toEqual(['devices[0].properties[0].retain: is not a known key']);
    expect(errors(mapping([{ id: 'p', datatype: 'string', set: { topic: 's' } }]))).toEqual([
      'devices[0].properties[0]: a settable property without status must be momentary ("retained": false): its value could never be confirmed',
    ]);
    expect(errors(mapping([{ id: 'p', datatype: 'string' }]))).toEqual(['devices[0].properties[0]: needs a status, a set, or both']);
    expect(errors(mapping([{ id: 'bad id', datatype: 'string', status: { topic: 't' } }]))).toEqual([expect.stringMatching(/^devices\[0\]\.properties\[0\]\.id: /)]);
    expect(errors({ version: 1, devices: [{ id: 'a:b', name: 'X', properties: [] }] })).toEqual([expect.stringMatching(/^devices\[0\]\.id: /)]);
    expect(errors({ version: 1, $comment: 'fine', devices: [] })).toEqual([]);
  });

  it('the adapter refuses an unchecked mapping', () => {
    expect(() => new MappedAdapter({ version: 1, devices: [{ id: 'd', name: 'D', properties: [{ id: 'p', name: 'P', datatype: 'integer', retained: true, min: 3, max: 1, status: { topic: 't', pattern: 'whole' } }] }] })).toThrow(/invalid mapping/);
  });
});

describe('bad payloads are value-errors of that property only', () => {
  it('type mismatches, missing tokens, unknown boolean words, huge payloads', () => {
    const a = example();
    const phase = a.handleMessage('cy-vp4/videoproc/status/volatile/genlock_phase', bytes('abc'), true);
    expect(errorsOf(phase)).toEqual(['"abc" is not a whole number', 'payload has no token 1 (it has 1)']);
    expect(errorsOf(a.handleMessage('cy-vp4/videoproc/status/volatile/genlock_phase', bytes('999 0'), true))).toEqual(['out of range -180..180']);
    expect(errorsOf(a.handleMessage('cy-vp4/videoproc/status/config/test_pattern', bytes('testpattern maybe'), true))).toEqual(['"maybe" is neither "on" nor "off"']);
    expect(errorsOf(a.handleMessage('cy-vp4/videoproc/status/volatile/temperature', bytes('temp=hot'), true))).toEqual(['payload does not match the pattern']);
    const big = new Uint8Array(256 * 1024 + 10).fill(0x61);
    expect(errorsOf(a.handleMessage('cy-vp4/videoproc/status/volatile/temperature', big, true))).toEqual(['payload of 262154 bytes is larger than 256 KB; not shown in full']);
    expect(a.handleMessage('cy-vp4/videoproc/status/volatile/temperature', new Uint8Array(0), true)).toEqual([]);
    // A regex over a long hostile payload still returns promptly (patterns with nested repetition are refused).
    const t0 = Date.now();
    a.handleMessage('cy-vp4/videoproc/status/volatile/temperature', bytes(`temp=${'1'.repeat(200_000)}x`), true);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('markup in names is plain text', () => {
    const r = parseMapping(mapping([{ id: 'p', name: '<img src=x onerror=alert(1)>', datatype: 'string', status: { topic: 't' } }]));
    expect(r.ok && r.mapping.devices[0]?.properties[0]?.name).toBe('<img src=x onerror=alert(1)>');
  });

  it('two devices sharing a status topic each read their own property', () => {
    const r = parseMapping({
      version: 1,
      devices: [
        { id: 'a', name: 'A', properties: [{ id: 'x', datatype: 'integer', status: { topic: 'shared', pattern: 'json:a' } }] },
        { id: 'b', name: 'B', properties: [{ id: 'x', datatype: 'integer', status: { topic: 'shared', pattern: 'json:b' } }] },
      ],
    });
    if (!r.ok) throw new Error(r.errors.join());
    const a = new MappedAdapter(r.mapping);
    const events = a.handleMessage('shared', bytes('{"a":1,"b":"two"}'), true).filter((e) => e.kind !== 'device');
    expect(events).toEqual([
      { kind: 'value', deviceId: 'mapped:a', propertyId: 'x', value: 1, retained: true },
      { kind: 'value-error', deviceId: 'mapped:b', propertyId: 'x', error: '"two" is not a whole number', raw: '{"a":1,"b":"two"}' },
    ]);
  });
});
