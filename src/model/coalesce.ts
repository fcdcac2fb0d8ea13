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
  /** What the operator saw when editing (see `baseForEdit`). */
  readonly base: BaseValue;
  readonly now: number;
}

export type CoalesceResult =
  | { readonly action: 'insert'; readonly entry: OutboxEntry }
  | { readonly action: 'replace'; readonly entry: OutboxEntry }
  | { readonly action: 'cancel'; readonly entry: OutboxEntry }
  | { readonly action: 'noop'; readonly reason: string };

export const CANCELLED_REASON = 'changed back to the value it had when you edited';
export const NOOP_REASON = 'already the value';

/**
 * The value the operator was looking at. While an entry is in flight the
 * control shows its desired value, so a follow-up edit is relative to that,
 * not to the (older) reported value.
 */
export function baseForEdit(reported: ReportedValue | undefined, inFlight: OutboxEntry | undefined): BaseValue {
  if (inFlight !== undefined && IN_FLIGHT_STATES.includes(inFlight.state)) {
    return { value: inFlight.desired, receivedAt: null };
  }
  if (reported !== undefined) return { value: reported.value, receivedAt: reported.receivedAt };
  return { value: null, receivedAt: null };
}

/**
 * Merge an edit into the not-yet-sent entry for the same property, if any.
 * `unsent` must be that entry (state queued/reconciling/unverified); an entry
 * in any other state is not mergeable and is treated as absent.
 */
export function coalesce(unsent: OutboxEntry | undefined, intent: EditIntent): CoalesceResult {
  const mergeable = unsent !== undefined && PENDING_STATES.includes(unsent.state) ? unsent : undefined;
  if (mergeable === undefined) {
    if (valuesEqual(intent.desired, intent.base.value)) return { action: 'noop', reason: NOOP_REASON };
    return {
      action: 'insert',
      entry: {
        cmdId: intent.cmdId,
        deviceId: intent.deviceId,
        propertyId: intent.propertyId,
        desired: intent.desired,
        base: intent.base,
        state: 'queued',
        createdAt: intent.now,
        updatedAt: intent.now,
        attempts: 0,
      },
    };
  }
  if (mergeable.deviceId !== intent.deviceId || mergeable.propertyId !== intent.propertyId) {
    throw new RangeError(
      `coalesce: entry ${mergeable.cmdId} is for ${mergeable.deviceId} ${mergeable.propertyId}, not ${intent.deviceId} ${intent.propertyId}`,
    );
  }
  // The first base stays: it is what the operator originally changed from, and the stale check must use it.
  const replaced = updateEntry(mergeable, { desired: intent.desired, state: 'queued', updatedAt: intent.now }, [
    'reason',
    'fresh',
  ]);
  if (valuesEqual(intent.desired, mergeable.base.value)) {
    return { action: 'cancel', entry: updateEntry(replaced, { state: 'cancelled', reason: CANCELLED_REASON }) };
  }
  return { action: 'replace', entry: replaced };
}
