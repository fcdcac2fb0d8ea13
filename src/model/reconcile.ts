/**
 * The outbox entry's life after it is queued: judging it against fresh device
 * status, and folding in PUBACKs, echoes, deadlines and crash recovery. Every
 * function returns a new entry (or the same one when nothing applies), so the
 * engine can persist the result before acting on it.
 */
import { IN_FLIGHT_STATES, PENDING_STATES } from './types.js';
import type { OutboxEntry, PropertyValue } from './types.js';
import { updateEntry } from './outbox-entry.js';
import { valuesEqual } from './values.js';

export type FreshLookup =
  /** reported since this connection started */
  | { readonly status: 'fresh'; readonly value: PropertyValue }
  /** device not settled yet: keep waiting */
  | { readonly status: 'pending' }
  /** device settled (quiet period passed) without reporting this property */
  | { readonly status: 'unknown' };

export type Decision =
  | { readonly next: 'confirmed'; readonly fresh: PropertyValue; readonly reason: string }
  | { readonly next: 'send'; readonly fresh: PropertyValue | null }
  | { readonly next: 'discarded'; readonly fresh: PropertyValue; readonly reason: string }
  | { readonly next: 'unverified'; readonly reason: string }
  | { readonly next: 'wait' };

export const REASONS = {
  alreadyShown: 'the device already shows this value',
  unknownAfterReconnect: 'the device did not report this setting after reconnecting; held, not sent',
  confirmedByEcho: 'confirmed by the device',
  noConfirmation: 'no confirmation from the device within the deadline',
  interrupted: 'interrupted while sending; will be checked against the device before anything is sent',
  deviceAway: 'the device is not available, so its last report may be out of date; held, will be checked when it returns',
  earlierAttempt: 'an earlier attempt may still reach the device; checked again once it would have been confirmed',
} as const;

/**
 * Judge a pending entry against what the device reports now. Only a device
 * that still shows the operator's base gets the edit; anything else is
 * surfaced, never overwritten.
 */
export function decide(entry: OutboxEntry, fresh: FreshLookup, ctx: { readonly momentary: boolean; readonly away?: boolean }): Decision {
  if (!PENDING_STATES.includes(entry.state)) return { next: 'wait' };
  // A momentary command has no state to be stale against; the engine only asks while connected.
  if (ctx.momentary) return { next: 'send', fresh: null };
  if (fresh.status === 'pending') return { next: 'wait' };
  if (fresh.status === 'unknown') return { next: 'unverified', reason: REASONS.unknownAfterReconnect };
  // Lost, disconnected, asleep or starting: what it last reported is no safe base (its panel may have moved unheard).
  if (ctx.away) return { next: 'unverified', reason: REASONS.deviceAway };
  if (valuesEqual(fresh.value, entry.desired)) {
    return { next: 'confirmed', fresh: fresh.value, reason: REASONS.alreadyShown };
  }
  if (valuesEqual(fresh.value, entry.base.value)) return { next: 'send', fresh: fresh.value };
  return {
    next: 'discarded',
    fresh: fresh.value,
    reason: `the device changed to ${String(fresh.value)} while you were offline (you saw ${
      entry.base.value === null ? 'no value' : String(entry.base.value)
    })`,
  };
}

/**
 * Apply a decision. 'send' becomes the durable 'sending' state, written before
 * the publish so a crash can never turn into a blind resend. A decision for an
 * entry that is no longer pending (raced with another writer) changes nothing.
 */
export function applyDecision(entry: OutboxEntry, d: Decision, now: number): OutboxEntry {
  if (d.next === 'wait' || !PENDING_STATES.includes(entry.state)) return entry;
  switch (d.next) {
    case 'confirmed':
    case 'discarded':
      return updateEntry(entry, { state: d.next, fresh: d.fresh, reason: d.reason, updatedAt: now });
    case 'send':
      return updateEntry(entry, { state: 'sending', fresh: d.fresh, attempts: entry.attempts + 1, updatedAt: now }, [
        'reason',
      ]);
    case 'unverified':
      return updateEntry(entry, { state: 'unverified', fresh: null, reason: d.reason, updatedAt: now });
  }
}

const REASON_CODE_TEXT: ReadonlyMap<number, string> = new Map([
  [0x00, 'success'],
  [0x10, 'no matching subscribers'],
  [0x80, 'unspecified error'],
  [0x83, 'implementation specific error'],
  [0x87, 'not authorized'],
  [0x90, 'topic name invalid'],
  [0x91, 'packet identifier in use'],
  [0x97, 'quota exceeded'],
  [0x99, 'payload format invalid'],
]);

/** MQTT 5 PUBACK reason code in words. */
export function reasonCodeText(code: number): string {
  return REASON_CODE_TEXT.get(code) ?? `reason code 0x${code.toString(16).padStart(2, '0')}`;
}

/** The broker's PUBACK for the entry's publish. */
export function onPuback(entry: OutboxEntry, reasonCode: number | undefined, topic: string, now: number): OutboxEntry {
  // Only the first PUBACK of a 'sending' entry counts; a late one must not undo an echo's confirmation.
  if (entry.state !== 'sending') return entry;
  const code = reasonCode ?? 0;
  if (code >= 0x80) {
    const reason =
      code === 0x87
        ? `not authorized to publish to ${topic}`
        : REASON_CODE_TEXT.has(code)
          ? reasonCodeText(code)
          : `refused by the broker (${reasonCodeText(code)})`;
    return updateEntry(entry, { state: 'rejected', reason, updatedAt: now });
  }
  if (code === 0x10) {
    // Accepted, but nobody subscribed: the echo will likely never come; say why early.
    return updateEntry(entry, { state: 'sent', reason: `no device is listening on ${topic}`, updatedAt: now });
  }
  return updateEntry(entry, { state: 'sent', updatedAt: now }, ['reason']);
}

/** A status message for the entry's property arrived while it was in flight. */
export function onEcho(entry: OutboxEntry, echoed: PropertyValue, now: number): OutboxEntry {
  if (!IN_FLIGHT_STATES.includes(entry.state) || !valuesEqual(echoed, entry.desired)) return entry;
  return updateEntry(entry, { state: 'confirmed', reason: REASONS.confirmedByEcho, updatedAt: now });
}

/** The echo deadline passed. */
export function onEchoDeadline(entry: OutboxEntry, lastReported: PropertyValue | undefined, now: number): OutboxEntry {
  if (!IN_FLIGHT_STATES.includes(entry.state)) return entry;
  const base =
    lastReported === undefined
      ? REASONS.noConfirmation
      : `${REASONS.noConfirmation}; device reports ${String(lastReported)}`;
  // Keep what the broker told us at PUBACK (e.g. "no device is listening"): it explains the silence.
  const reason = entry.state === 'sent' && entry.reason ? `${entry.reason}; ${base}` : base;
  return updateEntry(entry, { state: 'unconfirmed', reason, updatedAt: now });
}

/**
 * On start, an entry left in flight may or may not have reached the device.
 * It goes back to 'queued' so `decide` checks it against fresh status: if the
 * device shows it, it is confirmed; if the device moved on, it is discarded.
 */
export function recoverAfterCrash(entry: OutboxEntry, now: number): OutboxEntry {
  if (!IN_FLIGHT_STATES.includes(entry.state)) return entry;
  return updateEntry(entry, { state: 'queued', reason: REASONS.interrupted, updatedAt: now }, ['fresh']);
}
