/**
 * An entry's life after the planner sent it: PUBACKs, echoes, deadlines and
 * crash recovery. Every function returns a new entry (or the same one when
 * nothing applies), so the engine can persist the result before acting on it.
 */
import { IN_FLIGHT_STATES } from './types.js';
import type { OutboxEntry, PropertyValue } from './types.js';
import { updateEntry } from './outbox-entry.js';
import { valuesEqual } from './values.js';

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

/** MQTT 5 PUBACK reason code in words (for logs; the UI words EntryReason itself). */
export function reasonCodeText(code: number): string {
  return REASON_CODE_TEXT.get(code) ?? `reason code 0x${code.toString(16).padStart(2, '0')}`;
}

/**
 * The broker's PUBACK for the entry's publish. `confirmable`: the device
 * reports this setting, so an echo can confirm it; otherwise the edit ends
 * "sent; the device does not report it".
 */
export function onPuback(entry: OutboxEntry, reasonCode: number | undefined, topic: string, confirmable: boolean, now: number): OutboxEntry {
  // Only the first PUBACK of a 'sending' entry counts; a late one must not undo an echo's confirmation.
  if (entry.state !== 'sending') return entry;
  const code = reasonCode ?? 0;
  if (code >= 0x80) {
    return updateEntry(entry, { state: 'rejected', reason: code === 0x87 ? { code: 'not-authorized', topic } : { code: 'broker-refused', reasonCode: code }, updatedAt: now });
  }
  // 0x10: accepted, but nobody subscribed: the echo will likely never come; say why early.
  const noSubscribers = code === 0x10 ? { noSubscribersOn: topic } : {};
  if (!confirmable) return updateEntry(entry, { state: 'sent-unconfirmable', reason: { code: 'does-not-report' }, ...noSubscribers, updatedAt: now });
  return updateEntry(entry, { state: 'sent', ...noSubscribers, updatedAt: now }, ['reason']);
}

/** A status message for the entry's property arrived while it was in flight. */
export function onEcho(entry: OutboxEntry, echoed: PropertyValue, now: number): OutboxEntry {
  if (!IN_FLIGHT_STATES.includes(entry.state) || !valuesEqual(echoed, entry.desired)) return entry;
  return updateEntry(entry, { state: 'confirmed', reason: { code: 'confirmed-by-echo' }, updatedAt: now });
}

/** The echo deadline passed. */
export function onEchoDeadline(entry: OutboxEntry, lastReported: PropertyValue | undefined, now: number): OutboxEntry {
  if (!IN_FLIGHT_STATES.includes(entry.state)) return entry;
  return updateEntry(entry, { state: 'unconfirmed', reason: { code: 'no-confirmation', ...(lastReported !== undefined ? { reported: lastReported } : {}) }, updatedAt: now });
}

/**
 * On start, or when a session ends, an entry left in flight may or may not
 * have reached the device. It goes back to 'queued' so the planner checks it
 * against fresh status: if the device shows it, it is confirmed; if the
 * device moved on, it is discarded. An entry that was asking a device goes
 * back too (the question is asked again on the new session).
 */
export function recoverAfterCrash(entry: OutboxEntry, now: number): OutboxEntry {
  if (!IN_FLIGHT_STATES.includes(entry.state)) return entry;
  // A Send anyway approved one send, which may have reached the device: sending again needs a new tap.
  const { sentAnywayBy: _used, ...rest } = entry;
  return updateEntry(rest, { state: 'queued', reason: { code: 'interrupted' }, updatedAt: now }, ['fresh']);
}

/** The adapter could not encode the set (schema changed, value no longer valid). */
export function onEncodeFailure(entry: OutboxEntry, detail: string, now: number): OutboxEntry {
  if (entry.state !== 'sending') return entry;
  return updateEntry(entry, { state: 'rejected', reason: { code: 'cannot-encode', detail }, updatedAt: now });
}
