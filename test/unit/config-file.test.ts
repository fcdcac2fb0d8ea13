// The configuration file: the checker (src/model/config-file.ts) against
// well-formed, malformed and hostile files, and the published JSON Schema
// (docs/holdfast-config.schema.json) agreeing with it on what a valid file is.
// Ajv compiles the schema to code: fine here in Node, which is why the app
// itself checks files by hand (its CSP forbids generated code).

import Ajv2020 from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkConfigFile, CONFIG_FORMAT, CONFIG_VERSION, MAX_CONFIG_BYTES, previewConfig, readConfigFile, type ConfigFile } from '../../src/model/config-file.js';

const schema = JSON.parse(readFileSync(new URL('../../docs/holdfast-config.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const mapping = JSON.parse(readFileSync(new URL('../../examples/vp4-mapping.json', import.meta.url), 'utf8')) as unknown;
const ajv = new Ajv2020({ allErrors: true, strict: false });
const validate = ajv.compile(schema);

/** An installation as the console exports it: every area filled. */
function installation(): Record<string, unknown> {
  return {
    format: CONFIG_FORMAT,
    version: CONFIG_VERSION,
    exportedAt: '2026-12-01T10:00:00.000Z',
    profiles: [
      { id: 'p1', name: 'Studio A', url: 'ws://broker.local:9001/', username: 'operator', rememberPassword: false, clientIdPrefix: 'holdfast', protocol: 'auto', keepaliveSeconds: 30 },
      { id: 'p2', name: 'OB van', url: 'wss://ob.example.net/mqtt', username: '', rememberPassword: false, clientIdPrefix: 'ob-van', protocol: 5, keepaliveSeconds: 60 },
    ],
    activeProfileId: 'p1',
    conventions: { haPrefix: 'homeassistant', homieRoots: ['homie', 'site/a'], homieScan: true, z2mBase: 'zigbee2mqtt', mapping },
    views: [
      {
        id: 'rack-a',
        name: 'Rack A',
        density: 'compact',
        updatedAt: 1764583200000,
        items: [
          { kind: 'heading', id: 'h1', text: 'Genlock' },
          { kind: 'control', id: 'c1', deviceId: 'homie5:vp4', propertyId: 'genlock/phase-h' },
          { kind: 'control', id: 'c2', deviceId: 'zigbee2mqtt:0x000b57fffec6a5b3', propertyId: 'brightness' },
        ],
      },
    ],
    scenes: [{ id: 's1', name: 'Morning show', viewId: 'rack-a', createdAt: 1764583200000, values: [{ deviceId: 'homie5:vp4', propertyId: 'genlock/phase-h', value: -25 }] }],
    settings: { operatorName: 'Dana', theme: 'dark', backgroundSync: false, deviceDensity: { 'homie5:mixer8': 'compact' } },
    alarms: [
      { id: 'a1', kind: 'above', deviceId: 'homie5:vp4', propertyId: 'system/temperature', severity: 'warning', threshold: 60, hysteresis: 2, minDurationMs: 5000 },
      { id: 'a2', kind: 'equals', deviceId: 'homie5:vp4', propertyId: 'genlock/source', severity: 'info', value: 'internal', minDurationMs: 0 },
      { id: 'a3', kind: 'unavailable', deviceId: 'homie5:vp4', severity: 'critical', minDurationMs: 10000 },
      { id: 'a4', kind: 'older-than', deviceId: 'homie5:vp4', propertyId: 'system/temperature', severity: 'warning', maxAgeMs: 120000 },
    ],
  };
}

/** The paths of a failed check. */
function paths(raw: unknown): string[] {
  const r = checkConfigFile(raw);
  return r.ok ? [] : r.errors.map((e) => e.path);
}

function withPatch(patch: (c: Record<string, unknown>) => void): Record<string, unknown> {
  const c = installation();
  patch(c);
  return c;
}

describe('a well-formed file', () => {
  it('is accepted by the checker and by the JSON Schema, and survives a round trip unchanged', () => {
    const raw = installation();
    expect(validate(raw), JSON.stringify(validate.errors)).toBe(true);
    const r = readConfigFile(JSON.stringify(raw));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const again = readConfigFile(JSON.stringify(r.config));
    expect(again.ok && again.config).toEqual(r.config);
    expect(validate(JSON.parse(JSON.stringify(r.config)))).toBe(true);
  });

  it('previews exactly what importing it would change, and nothing for the same file', () => {
    const a = checkConfigFile(installation());
    const b = checkConfigFile(withPatch((c) => ((c['settings'] as Record<string, unknown>)['theme'] = 'light')));
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(previewConfig(a.config, a.config)).toEqual([]);
    expect(previewConfig(a.config, b.config)).toEqual([{ area: 'settings', what: 'changed', name: 'theme' }]);
    const noViews: ConfigFile = { ...a.config, views: [], scenes: [] };
    expect(previewConfig(a.config, noViews)).toEqual([
      { area: 'views', what: 'removed', name: 'Rack A' },
      { area: 'scenes', what: 'removed', name: 'Morning show' },
    ]);
  });

  it('fills the defaults of a minimal file', () => {
    const r = checkConfigFile({ format: CONFIG_FORMAT, version: CONFIG_VERSION });
    expect(r.ok && r.config.conventions).toEqual({ haPrefix: 'homeassistant', homieRoots: ['homie'], homieScan: true, z2mBase: 'zigbee2mqtt', mapping: null });
    expect(r.ok && r.config.profiles).toEqual([]);
  });
});

describe('a malformed file gets an error per field, by its JSON path', () => {
  it.each([
    ['not JSON', '{"format": "holdfast-config",', ['']],
    ['a list, not an object', '[]', ['']],
    ['another format', JSON.stringify({ format: 'other', version: 1 }), ['format']],
    ['a newer version', JSON.stringify({ format: CONFIG_FORMAT, version: 2 }), ['version']],
  ])('%s', (_what, text, expected) => {
    const r = readConfigFile(text);
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual(expected);
  });

  it('is too large to be a configuration', () => {
    const r = readConfigFile(' '.repeat(MAX_CONFIG_BYTES + 1));
    expect(r.ok ? null : r.errors[0]!.message).toMatch(/larger than 5 MB/);
  });

  it('names every bad field at once', () => {
    const bad = withPatch((c) => {
      (c['profiles'] as Record<string, unknown>[])[1]!['url'] = 'http://not-a-broker';
      (c['profiles'] as Record<string, unknown>[])[0]!['keepaliveSeconds'] = 2;
      c['activeProfileId'] = 'nobody';
      (c['conventions'] as Record<string, unknown>)['haPrefix'] = 'home/#';
      (c['conventions'] as Record<string, unknown>)['homieRoots'] = [];
      ((c['views'] as Record<string, unknown>[])[0]!['items'] as Record<string, unknown>[])[1]!['kind'] = 'chart';
      (c['scenes'] as Record<string, unknown>[])[0]!['viewId'] = 'gone';
      (c['settings'] as Record<string, unknown>)['theme'] = 'neon';
      (c['alarms'] as Record<string, unknown>[])[0]!['threshold'] = 'hot';
    });
    expect(paths(bad)).toEqual(
      expect.arrayContaining([
        'profiles[1].url',
        'profiles[0].keepaliveSeconds',
        'activeProfileId',
        'conventions.haPrefix',
        'conventions.homieRoots',
        'views[0].items[1].kind',
        'scenes[0].viewId',
        'settings.theme',
        'alarms[0].threshold',
      ]),
    );
    // The published schema refuses it too (it cannot see cross-references such as scenes[0].viewId, the checker does).
    expect(validate(bad)).toBe(false);
  });

  it('refuses two profiles, or two items of a view, with the same id', () => {
    const twoProfiles = withPatch((c) => ((c['profiles'] as Record<string, unknown>[])[1]!['id'] = 'p1'));
    expect(paths(twoProfiles)).toContain('profiles');
    const twoItems = withPatch((c) => (((c['views'] as Record<string, unknown>[])[0]!['items'] as Record<string, unknown>[])[2]!['id'] = 'c1'));
    expect(paths(twoItems)).toContain('views[0].items');
  });
});

describe('a hostile file', () => {
  it('cannot carry a password, or turn password saving on', () => {
    const r = checkConfigFile(withPatch((c) => ((c['profiles'] as Record<string, unknown>[])[0]!['password'] = 'hunter2')));
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toContain('profiles[0].password');
    const remember = checkConfigFile(withPatch((c) => ((c['profiles'] as Record<string, unknown>[])[0]!['rememberPassword'] = true)));
    expect(remember.ok && remember.config.profiles[0]!.rememberPassword).toBe(false);
  });

  it('cannot pollute prototypes through its keys', () => {
    const text = JSON.stringify(installation()).replace('"deviceDensity":{', '"deviceDensity":{"__proto__":{"polluted":"yes"},"constructor":"compact",');
    const r = readConfigFile(text);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    // An object where a density belongs is an error, not a prototype.
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toContain('settings.deviceDensity.__proto__');
  });

  it('cannot smuggle wildcards or NUL into topic prefixes, or subscribe to everything', () => {
    for (const prefix of ['#', '+', 'a/+/b', '/leading', 'trailing/', 'nul\u0000byte', '']) {
      expect(paths(withPatch((c) => ((c['conventions'] as Record<string, unknown>)['z2mBase'] = prefix)))).toContain('conventions.z2mBase');
    }
  });

  it('keeps markup in names as text (rendered as text by Lit, never as HTML) and bounds its length', () => {
    const r = checkConfigFile(withPatch((c) => ((c['views'] as Record<string, unknown>[])[0]!['name'] = '<img src=x onerror=alert(1)>')));
    expect(r.ok && r.config.views[0]!.name).toBe('<img src=x onerror=alert(1)>');
    expect(paths(withPatch((c) => ((c['views'] as Record<string, unknown>[])[0]!['name'] = 'x'.repeat(81))))).toContain('views[0].name');
    expect(paths(withPatch((c) => ((c['views'] as Record<string, unknown>[])[0]!['items'] = Array.from({ length: 501 }, (_, i) => ({ kind: 'heading', id: `h${i}`, text: 'x' })))))).toContain('views[0].items');
  });

  it('refuses ids that are not plain (no spaces, no control characters, nothing but letters, digits and _.:/-)', () => {
    // Ids are keys, never paths: "homie5:site/vp4" is an id, so "/" and "." are allowed.
    for (const bad of ['a b', 'x\n', '', 'é', '<script>', 'x'.repeat(201)]) {
      expect(paths(withPatch((c) => ((c['views'] as Record<string, unknown>[])[0]!['id'] = bad)))).toContain('views[0].id');
    }
  });

  it('never throws, whatever JSON it is given (fast-check)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const r = checkConfigFile(v);
        return r.ok || r.errors.every((e) => typeof e.path === 'string' && typeof e.message === 'string');
      }),
      { numRuns: 500 },
    );
    // Nor for files that look almost right: a valid installation with one field replaced by anything.
    const keys = ['profiles', 'activeProfileId', 'conventions', 'views', 'scenes', 'settings', 'alarms', 'exportedAt'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue(), (key, v) => {
        const r = checkConfigFile(withPatch((c) => (c[key] = v)));
        return r.ok || r.errors.length > 0;
      }),
      { numRuns: 500 },
    );
  });
});
