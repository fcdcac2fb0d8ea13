/** Copy-on-write updates of outbox entries (entries are immutable records). */
import type { OutboxEntry } from './types.js';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** Optional fields that describe the last judgement and must not outlive it. */
export type JudgementField = 'reason' | 'fresh';

/** A new entry with `changes` applied and `drop` fields removed. */
export function updateEntry(
  entry: OutboxEntry,
  changes: Partial<OutboxEntry>,
  drop: readonly JudgementField[] = [],
): OutboxEntry {
  const next: Writable<OutboxEntry> = { ...entry, ...changes };
  if (drop.includes('reason')) delete next.reason;
  if (drop.includes('fresh')) delete next.fresh;
  return next;
}
