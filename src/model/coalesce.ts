/**
 * Turning an operator's edit into an outbox change. Pure: the caller looks up
 * the existing entries and writes the result in one durable transaction.
 */
import { IN_FLIGHT_STATES, PENDING_STATES } from './types.js';
import type { BaseValue, OutboxEntry, PropertyValue, ReportedValue } from './types.js';
import { updateEntry } from './outbox-entry.js';
import { valuesEqual } from './values.js';

export interface EditIntent {
  readonly cmdId: string;
  readonly deviceId: string;
  readonly propertyId: string;
  readonly desired: PropertyValue;
  /** What the operator's control rendered (see `baseFromShown`). */
  readonly base: BaseValue;
  readonly now: number;
}

export type CoalesceResult =
  | { readonly action: 'insert'; readonly entry: OutboxEntry }
  | { readonly action: 'replace'; readonly entry: OutboxEntry }
  /** An unverified edit is replaced by a new one: the operator looked again, so the new base is what counts. */
  | { readonly action: 'supersede'; readonly entry: OutboxEntry; readonly superseded: OutboxEntry }
  | { readonly action: 'cancel'; readonly entry: OutboxEntry }
  | { readonly action: 'noop' };

/** What a control shows for a property. */
export type ShownValue =
  /** the device's report */
  | { readonly kind: 'reported'; readonly reported: ReportedValue }
  /** an edit in progress (queued or in flight): the control shows its desired value */
  | { readonly kind: 'intent'; readonly value: PropertyValue }
  | { readonly kind: 'unknown' };

/**
 * The base of an edit: exactly what the control rendered. `liveSession` is
 * the connection session while it rendered, or null when what it showed
 * could not be current (not connected, or the device away).
 */
export function baseFromShown(shown: ShownValue, liveSession: string | null): BaseValue {
  switch (shown.kind) {
    case 'reported':
      return { value: shown.reported.value, receivedAt: shown.reported.receivedAt, session: shown.reported.session, renderedIn: liveSession };
    case 'intent':
      return { value: shown.value, receivedAt: null, session: null, renderedIn: liveSession };
    case 'unknown':
      return { value: null, receivedAt: null, session: null, renderedIn: liveSession };
  }
}

/**
 * The base of Re-apply on a conflict card: the card shows "device is now X"
 * (the value the edit was judged against, on the live session), so X is what
 * the operator saw. If the device moved again since, the planner discards
 * the re-apply too, visibly.
 */
export function conflictBase(discarded: OutboxEntry, liveSession: string | null): BaseValue | null {
  if (discarded.state !== 'discarded' || discarded.fresh === undefined || discarded.fresh === null) return null;
  return { value: discarded.fresh, receivedAt: discarded.updatedAt, session: liveSession, renderedIn: liveSession };
}

/** The entry an edit of this property may merge into: not yet attempted, not in flight. */
export function mergeable(entries: readonly OutboxEntry[]): OutboxEntry | undefined {
  // An entry that was already attempted (recovered after a crash) may have reached the device:
  // a new edit must not rewrite its intent, so it becomes an entry of its own.
  return entries.find((e) => (PENDING_STATES.includes(e.state) || e.state === 'unverified') && e.attempts === 0 && !e.dismissed);
}

/** Is anything of this property in flight? Then a new edit waits for it to end. */
export function inFlightOf(entries: readonly OutboxEntry[]): OutboxEntry | undefined {
  return entries.find((e) => IN_FLIGHT_STATES.includes(e.state));
}

/**
 * Merge an edit into the not-yet-sent entry for the same property, if any
 * (see `mergeable`); an entry in any other state is treated as absent.
 */
export function coalesce(unsent: OutboxEntry | undefined, intent: EditIntent): CoalesceResult {
  const fresh = (): OutboxEntry => ({
    cmdId: intent.cmdId,
    deviceId: intent.deviceId,
    propertyId: intent.propertyId,
    desired: intent.desired,
    base: intent.base,
    state: 'queued',
    createdAt: intent.now,
    updatedAt: intent.now,
    attempts: 0,
  });
  const target = unsent !== undefined && mergeable([unsent]) === unsent ? unsent : undefined;
  if (target === undefined) {
    if (valuesEqual(intent.desired, intent.base.value)) return { action: 'noop' };
    return { action: 'insert', entry: fresh() };
  }
  if (target.deviceId !== intent.deviceId || target.propertyId !== intent.propertyId) {
    throw new RangeError(`coalesce: entry ${target.cmdId} is for ${target.deviceId} ${target.propertyId}, not ${intent.deviceId} ${intent.propertyId}`);
  }
  if (target.state === 'unverified') {
    const superseded = updateEntry(target, { state: 'cancelled', reason: { code: 'superseded' }, updatedAt: intent.now });
    if (valuesEqual(intent.desired, intent.base.value)) return { action: 'cancel', entry: superseded };
    return { action: 'supersede', entry: fresh(), superseded };
  }
  // The first base stays: it is what the operator originally changed from, and the stale check must use it.
  const replaced = updateEntry(target, { desired: intent.desired, updatedAt: intent.now });
  if (valuesEqual(intent.desired, target.base.value)) {
    return { action: 'cancel', entry: updateEntry(replaced, { state: 'cancelled', reason: { code: 'changed-back' } }) };
  }
  return { action: 'replace', entry: replaced };
}
