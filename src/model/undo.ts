/**
 * Undo, tied to what became of the edit. Undo must never write a value the
 * operator saw before an outage over what the device does now: while the edit
 * is pending it withdraws it (nothing is published); once the device confirmed
 * it, Undo is a new edit back to the previous value, judged like any other
 * against the confirmed value; after any other end there is nothing to undo.
 */
import type { BaseValue, OutboxEntry, PropertyValue } from './types.js';

export type UndoOffer =
  /** pending: Undo cancels it */
  | { readonly kind: 'cancel' }
  /** in flight: no Undo until the device answers */
  | { readonly kind: 'wait' }
  /** confirmed (or sent to a device that cannot confirm): Undo sends `previous`, based on what was confirmed */
  | { readonly kind: 'revert'; readonly previous: PropertyValue }
  /** discarded, cancelled, rejected, unconfirmed, or nothing to go back to */
  | { readonly kind: 'none' };

export function undoOffer(entry: OutboxEntry): UndoOffer {
  switch (entry.state) {
    case 'queued':
    case 'checking':
    case 'held':
    case 'unverified':
      return { kind: 'cancel' };
    case 'sending':
    case 'sent':
      return { kind: 'wait' };
    case 'confirmed':
    case 'sent-unconfirmable':
      // Confirmed because the device already showed it: the edit changed nothing, so nothing to undo.
      if (entry.reason?.code === 'already-shown' || entry.base.value === null) return { kind: 'none' };
      return { kind: 'revert', previous: entry.base.value };
    default:
      return { kind: 'none' };
  }
}

/**
 * The base of a revert: the value the device confirmed (what the toast shows),
 * on the session the operator tapped Undo in. If the device moved since, the
 * planner sees a report that differs and discards the revert, visibly.
 */
export function revertBase(entry: OutboxEntry, liveSession: string | null): BaseValue {
  return { value: entry.desired, receivedAt: entry.updatedAt, session: liveSession, renderedIn: liveSession };
}
