import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PropertySchema, PropertyValue } from '../../src/model/types.js';
import { checkScene, checkView, moveItem, placeItem, previewRecall, sceneable, viewLinkPayload, type Scene, type ViewItem } from '../../src/model/workspace.js';
import { property } from '../support/model-fixtures.js';

const items = (n: number): ViewItem[] => Array.from({ length: n }, (_, i) => ({ kind: 'control', id: `i${i}`, deviceId: 'homie5:vp4', propertyId: `p${i}` }));

describe('views', () => {
  it('checks a view from a link: defaults to compact, keeps item order, refuses unknown kinds by path', () => {
    const ok = checkView({ id: 'v', name: ' Rack A ', items: [{ kind: 'heading', id: 'h', text: 'Genlock' }, ...items(2)] });
    expect(ok.ok && ok.value).toEqual({ id: 'v', name: 'Rack A', density: 'compact', updatedAt: 0, items: [{ kind: 'heading', id: 'h', text: 'Genlock' }, ...items(2)] });
    const bad = checkView({ id: 'v', name: 'x', items: [{ kind: 'iframe', id: 'f' }], density: 'huge' });
    expect(bad.ok ? [] : bad.errors.map((e) => e.path)).toEqual(['view.items[0].kind', 'view.density']);
  });

  it('travels in a link without anything but its layout', () => {
    const v = checkView({ id: 'v', name: 'Rack A', items: items(1), updatedAt: 5 });
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    const payload = JSON.parse(viewLinkPayload(v.value)) as Record<string, unknown>;
    expect(Object.keys(payload).sort()).toEqual(['density', 'id', 'items', 'name']);
    expect(checkView(payload).ok).toBe(true);
  });

  it('moves and places items as a permutation: nothing lost, nothing doubled (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.nat(), fc.integer({ min: -3, max: 25 }), fc.boolean(), (n, pick, index, up) => {
        const list = items(n);
        const id = list[pick % n]!.id;
        const moved = moveItem(list, id, up ? -1 : 1);
        const placed = placeItem(list, id, index);
        for (const out of [moved, placed]) expect(out.map((i) => i.id).sort()).toEqual(list.map((i) => i.id).sort());
        // Placing puts the item where asked (clamped to the list).
        expect(placed.findIndex((i) => i.id === id)).toBe(Math.max(0, Math.min(n - 1, index)));
        // A move swaps with one neighbour, or does nothing at the ends.
        const from = list.findIndex((i) => i.id === id);
        const to = from + (up ? -1 : 1);
        expect(moved.findIndex((i) => i.id === id)).toBe(to < 0 || to >= n ? from : to);
      }),
      { numRuns: 300 },
    );
  });
});

describe('scenes', () => {
  const scene = (values: Scene['values']): Scene => ({ id: 's', name: 'Show', viewId: 'v', values, createdAt: 0 });

  it('never holds a momentary command, a read-only or a missing setting', () => {
    expect(sceneable(property())).toBe(true);
    expect(sceneable(property({ momentary: true }))).toBe(false);
    expect(sceneable(property({ settable: false }))).toBe(false);
    expect(sceneable(property({ readOnlyReason: 'its command topic is refused' }))).toBe(false);
    expect(sceneable(undefined)).toBe(false);
  });

  it('previews what changes from what the operator sees now, skipping equal ones and saying what cannot be set', () => {
    const schemas: Record<string, PropertySchema | undefined> = { h: property({ id: 'h' }), v: property({ id: 'v' }), go: property({ id: 'go', momentary: true }), gone: undefined, u: property({ id: 'u' }) };
    const shown: Record<string, PropertyValue | null> = { h: 22, v: 5, go: null, gone: null, u: null };
    const p = previewRecall(
      scene([
        { deviceId: 'd', propertyId: 'h', value: -25 },
        { deviceId: 'd', propertyId: 'v', value: 5 },
        { deviceId: 'd', propertyId: 'go', value: true },
        { deviceId: 'd', propertyId: 'gone', value: 1 },
        { deviceId: 'd', propertyId: 'u', value: 3 },
      ]),
      (_d, id) => ({ schema: schemas[id], value: shown[id] ?? null }),
    );
    // "now" is the base each change's edit is queued with: what the control shows (unknown stays unknown).
    expect(p.changes).toEqual([
      { deviceId: 'd', propertyId: 'h', now: 22, target: -25 },
      { deviceId: 'd', propertyId: 'u', now: null, target: 3 },
    ]);
    expect(p.same.map((v) => v.propertyId)).toEqual(['v']);
    expect(p.unavailable.map((v) => v.propertyId)).toEqual(['go', 'gone']);
  });

  it('checks a scene per field', () => {
    const r = checkScene({ id: 's', name: '', viewId: 'v', values: [{ deviceId: 'd', propertyId: 'p', value: Number.NaN }, { deviceId: 'd', propertyId: 'p', value: { $gt: 1 } }] });
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual(['scene.values[0].value', 'scene.values[1].value', 'scene.name']);
  });
});
