import { describe, expect, it } from 'vitest';
import { baseForEdit, coalesce } from '../../src/model/coalesce.js';
import type { EditIntent } from '../../src/model/coalesce.js';
import type { OutboxEntry, ReportedValue } from '../../src/model/types.js';

const reported: ReportedValue = { value: 22, receivedAt: 1000, retained: true };

function entry(over: Partial<OutboxEntry> = {}): OutboxEntry {
  return {
    seq: 7,
    cmdId: 'c-first',
    deviceId: 'homie5:vp4',
    propertyId: 'genlock/phase-h',
    desired: 30,
    base: { value: 22, receivedAt: 1000 },
    state: 'queued',
    createdAt: 2000,
    updatedAt: 2000,
    attempts: 0,
    ...over,
  };
}

function intent(desired: EditIntent['desired'], over: Partial<EditIntent> = {}): EditIntent {
  return {
    cmdId: 'c-new',
    deviceId: 'homie5:vp4',
    propertyId: 'genlock/phase-h',
    desired,
    base: { value: 22, receivedAt: 1000 },
    now: 5000,
    ...over,
  };
}

describe('baseForEdit', () => {
  it('uses the reported value and its time', () => {
    expect(baseForEdit(reported, undefined)).toEqual({ value: 22, receivedAt: 1000 });
  });

  it('uses the desired value of an in-flight entry, since that is what the control shows', () => {
    expect(baseForEdit(reported, entry({ state: 'sending' }))).toEqual({ value: 30, receivedAt: null });
    expect(baseForEdit(reported, entry({ state: 'sent' }))).toEqual({ value: 30, receivedAt: null });
  });

  it('ignores an entry that is not in flight', () => {
    expect(baseForEdit(reported, entry({ state: 'confirmed' }))).toEqual({ value: 22, receivedAt: 1000 });
  });

  it('has no value when nothing was reported', () => {
    expect(baseForEdit(undefined, undefined)).toEqual({ value: null, receivedAt: null });
  });
});

describe('coalesce', () => {
  it('does nothing when the edit equals what the operator saw', () => {
    expect(coalesce(undefined, intent(22))).toEqual({ action: 'noop', reason: 'already the value' });
    expect(coalesce(undefined, intent(22.0000000000001))).toEqual({ action: 'noop', reason: 'already the value' });
  });

  it('inserts a fresh queued entry', () => {
    const r = coalesce(undefined, intent(-25));
    expect(r).toEqual({
      action: 'insert',
      entry: {
        cmdId: 'c-new',
        deviceId: 'homie5:vp4',
        propertyId: 'genlock/phase-h',
        desired: -25,
        base: { value: 22, receivedAt: 1000 },
        state: 'queued',
        createdAt: 5000,
        updatedAt: 5000,
        attempts: 0,
      },
    });
    if (r.action === 'insert') expect('seq' in r.entry).toBe(false);
  });

  it('inserts when nothing was reported (base null)', () => {
    const r = coalesce(undefined, intent(5, { base: { value: null, receivedAt: null } }));
    expect(r.action).toBe('insert');
  });

  it('replaces desired on the unsent entry but keeps its first base, seq and cmdId', () => {
    const unsent = entry({ state: 'unverified', reason: 'held', fresh: null, attempts: 0 });
    const r = coalesce(unsent, intent(40, { base: { value: 30, receivedAt: 4000 } }));
    expect(r.action).toBe('replace');
    if (r.action !== 'replace') return;
    expect(r.entry).toEqual({
      seq: 7,
      cmdId: 'c-first',
      deviceId: 'homie5:vp4',
      propertyId: 'genlock/phase-h',
      desired: 40,
      base: { value: 22, receivedAt: 1000 },
      state: 'queued',
      createdAt: 2000,
      updatedAt: 5000,
      attempts: 0,
    });
    expect('reason' in r.entry).toBe(false);
    expect(unsent.desired).toBe(30);
    expect(unsent.state).toBe('unverified');
  });

  it('cancels when the edit goes back to the first base', () => {
    const r = coalesce(entry({ state: 'reconciling' }), intent(22, { base: { value: 30, receivedAt: null } }));
    expect(r).toEqual({
      action: 'cancel',
      entry: {
        ...entry(),
        desired: 22,
        state: 'cancelled',
        reason: 'changed back to the value it had when you edited',
        updatedAt: 5000,
      },
    });
  });

  it('treats an entry that is no longer pending as absent', () => {
    const r = coalesce(entry({ state: 'sent' }), intent(35, { base: { value: 30, receivedAt: null } }));
    expect(r.action).toBe('insert');
    if (r.action === 'insert') expect(r.entry.cmdId).toBe('c-new');
  });

  it('refuses to merge entries of different properties', () => {
    expect(() => coalesce(entry(), intent(1, { propertyId: 'other/prop' }))).toThrow(RangeError);
  });
});
