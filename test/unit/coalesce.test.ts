import { describe, expect, it } from 'vitest';
import { baseFromShown, coalesce, inFlightOf, mergeable, type EditIntent } from '../../src/model/coalesce.js';
import { revertBase, undoOffer } from '../../src/model/undo.js';
import { base, entry, reported } from '../support/model-fixtures.js';

function intent(desired: EditIntent['desired'], over: Partial<EditIntent> = {}): EditIntent {
  return { cmdId: 'c-new', deviceId: 'homie5:vp4', propertyId: 'genlock/phase-h', desired, base: base(22, 's1'), now: 5000, ...over };
}

describe('baseFromShown: the base is exactly what the control rendered', () => {
  it('keeps a reported value with its provenance and the live session it was shown in', () => {
    expect(baseFromShown({ kind: 'reported', reported: reported(22, 's0', 900) }, 's1')).toEqual({ value: 22, receivedAt: 900, session: 's0', renderedIn: 's1' });
  });
  it('an edit in progress is shown as its intent, with no report behind it', () => {
    expect(baseFromShown({ kind: 'intent', value: 30 }, 's1')).toEqual({ value: 30, receivedAt: null, session: null, renderedIn: 's1' });
  });
  it('unknown stays unknown, and a control shown while not live says so', () => {
    expect(baseFromShown({ kind: 'unknown' }, null)).toEqual({ value: null, receivedAt: null, session: null, renderedIn: null });
  });
});

describe('coalesce', () => {
  it('inserts a new queued entry', () => {
    const r = coalesce(undefined, intent(30));
    expect(r).toEqual({ action: 'insert', entry: expect.objectContaining({ cmdId: 'c-new', desired: 30, base: base(22, 's1'), state: 'queued', attempts: 0, createdAt: 5000 }) });
  });

  it('does nothing when the edit equals what the operator saw', () => {
    expect(coalesce(undefined, intent(22))).toEqual({ action: 'noop' });
  });

  it('replaces desired in an unsent entry and keeps the first base, cmdId and state', () => {
    const first = entry({ desired: 30, base: base(22, 's0'), state: 'checking', askedAt: 4000 });
    const r = coalesce(first, intent(40, { base: base(30, 's1') }));
    expect(r).toEqual({ action: 'replace', entry: { ...first, desired: 40, updatedAt: 5000 } });
  });

  it('cancels when edited back to the first base', () => {
    const r = coalesce(entry({ desired: 30 }), intent(22, { base: base(30, 's1') }));
    expect(r).toMatchObject({ action: 'cancel', entry: { state: 'cancelled', reason: { code: 'changed-back' } } });
  });

  it('supersedes an unverified entry with the new base (the operator looked again)', () => {
    const old = entry({ state: 'unverified', reason: { code: 'cannot-check', retained: false } });
    const r = coalesce(old, intent(31, { base: base(25, 's2') }));
    expect(r).toMatchObject({ action: 'supersede', superseded: { cmdId: 'c1', state: 'cancelled', reason: { code: 'superseded' } }, entry: { cmdId: 'c-new', desired: 31, base: base(25, 's2') } });
  });

  it('never merges into an entry that was attempted or is in flight', () => {
    for (const e of [entry({ attempts: 1 }), entry({ state: 'sending', attempts: 1 }), entry({ state: 'sent', attempts: 1 })]) {
      expect(coalesce(e, intent(31)).action).toBe('insert');
      expect(mergeable([e])).toBeUndefined();
    }
    expect(inFlightOf([entry(), entry({ state: 'sent' })])?.state).toBe('sent');
  });

  it('refuses to merge an entry of another property', () => {
    expect(() => coalesce(entry({ propertyId: 'x' }), intent(31))).toThrow(RangeError);
  });
});

describe('undo, tied to the outcome', () => {
  it('withdraws while pending, waits while in flight, reverts once confirmed, and has nothing after other ends', () => {
    expect(undoOffer(entry({ state: 'queued' }))).toEqual({ kind: 'cancel' });
    expect(undoOffer(entry({ state: 'held' }))).toEqual({ kind: 'cancel' });
    expect(undoOffer(entry({ state: 'sending' }))).toEqual({ kind: 'wait' });
    expect(undoOffer(entry({ state: 'confirmed', reason: { code: 'confirmed-by-echo' } }))).toEqual({ kind: 'revert', previous: 22 });
    for (const state of ['discarded', 'rejected', 'cancelled', 'unconfirmed'] as const) expect(undoOffer(entry({ state }))).toEqual({ kind: 'none' });
  });
  it('has nothing to undo when the device already showed the value, or nothing was shown before', () => {
    expect(undoOffer(entry({ state: 'confirmed', reason: { code: 'already-shown' } }))).toEqual({ kind: 'none' });
    expect(undoOffer(entry({ state: 'confirmed', base: base(null, 's1') }))).toEqual({ kind: 'none' });
  });
  it('a revert is based on the confirmed value, seen on the live session', () => {
    expect(revertBase(entry({ state: 'confirmed', desired: 5, updatedAt: 9000 }), 's3')).toEqual({ value: 5, receivedAt: 9000, session: 's3', renderedIn: 's3' });
  });
});
