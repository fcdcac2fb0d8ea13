import { describe, expect, it } from 'vitest';
import { hasQuerySource } from '../../src/conventions/adapter.js';
import { valuesEqual } from '../../src/model/values.js';
import { loadFixtures } from '../support/device-fixtures.js';
import { replayFixture, shownControls } from '../support/fixture-replay.js';

const fixtures = loadFixtures();

describe('real-world device corpus', () => {
  it('holds at least 40 fixtures, each naming its source', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(40);
    for (const { file, fixture } of fixtures) {
      expect(fixture.source, file).toMatch(/https?:\/\//);
      expect(fixture.title, file).not.toBe('');
    }
  });

  describe.each(fixtures.map((f) => [f.file, f.fixture] as const))('%s', (_file, fixture) => {
    const replay = replayFixture(fixture);

    it('shows the devices and controls an operator should see', () => {
      expect([...replay.devices.keys()].sort()).toEqual(fixture.expect.devices.map((d) => d.name).sort());
      for (const want of fixture.expect.devices) {
        const shown = replay.devices.get(want.name)!;
        expect(shown.schema.convention, want.name).toBe(want.convention);
        expect(shown.view.availability, want.name).toBe(want.availability ?? 'ready');
        if (want.error !== undefined) expect(shown.view.error ?? '', want.name).toContain(want.error);
        else expect(shown.view.error, want.name).toBeUndefined();
        if (want.note !== undefined) expect(shown.note ?? '', want.name).toContain(want.note);
        const controls = shownControls(shown);
        const label = (c: { name: string; group?: string }): string => `${c.group ? `${c.group} / ` : ''}${c.name}`;
        expect(controls.map(label).sort(), want.name).toEqual(want.controls.map(label).sort());
        for (const c of want.controls) {
          const got = controls.find((x) => x.name === c.name && x.group === c.group)!;
          const where = `${want.name}: ${label(c)}`;
          expect(got.kind, where).toBe(c.kind);
          if (c.options !== undefined) expect(got.schema.options, where).toEqual(c.options);
          expect(got.schema.reports ?? true, `${where} reports`).toBe(c.reports ?? true);
          expect(got.schema.queryable ?? false, `${where} queryable`).toBe(c.queryable ?? false);
          if (c.unit !== undefined) expect(got.schema.unit, where).toBe(c.unit);
          if (c.min !== undefined) expect(got.schema.min, where).toBe(c.min);
          if (c.max !== undefined) expect(got.schema.max, where).toBe(c.max);
          if (c.readOnlyReason !== undefined) expect(got.schema.readOnlyReason ?? '', where).toContain(c.readOnlyReason);
        }
        // Controls stay findable by role and name: unique within their group.
        const keys = controls.map(label);
        expect(new Set(keys).size, `${want.name}: duplicate control names`).toBe(keys.length);
      }
    });

    it.runIf((fixture.expect.values ?? []).length > 0)('shows the values the device reported', () => {
      for (const v of fixture.expect.values ?? []) {
        const { device, property } = replay.control(v);
        const shown = device.view.values.get(property.id)?.value ?? null;
        expect(valuesEqual(shown, v.value) || shown === v.value, `${v.device}: ${v.control} = ${String(shown)}, want ${String(v.value)}`).toBe(true);
      }
    });

    it.runIf((fixture.expect.commands ?? []).length > 0)('sends each device the command it expects', () => {
      for (const c of fixture.expect.commands ?? []) {
        const { device, property } = replay.control(c);
        const result = replay.router.encodeSet(device.schema.id, property.id, c.value);
        expect(result, `${c.device}: ${c.control} ← ${String(c.value)}`).toEqual({ ok: true, command: { topic: c.topic, payload: c.payload, retain: false } });
      }
    });

    it.runIf((fixture.expect.queries ?? []).length > 0)('asks the device for its value the way its firmware answers', () => {
      for (const q of fixture.expect.queries ?? []) {
        const { device, property } = replay.control(q);
        expect(property.queryable, `${q.device}: ${q.control} queryable`).toBe(true);
        const result = replay.router.encodeQuery(device.schema.id, property.id);
        expect(result, `${q.device}: ${q.control} query`).toEqual({ ok: true, command: { topic: q.topic, payload: q.payload, retain: false } });
      }
    });
  });

  it('every queryable control has an adapter that can ask', () => {
    for (const { fixture } of fixtures) {
      const replay = replayFixture(fixture);
      for (const d of replay.devices.values()) {
        for (const p of d.schema.properties.filter((x) => x.queryable)) {
          const adapter = replay.router.adapterFor(d.schema.id);
          expect(adapter && hasQuerySource(adapter), `${d.schema.name}: ${p.name}`).toBe(true);
        }
      }
    }
  });
});
