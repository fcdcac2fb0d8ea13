// --sabotage <kind>: break the console on purpose, to show each check can fail.
// Test-only monkey patches of prototypes; nothing in src/ changes.
//   stale-base     the session's evidence believes every cached value reported on this session,
//                  so edits are judged against what the console saw before a reconnect
//   applied-twice  every set the engine publishes is published a second time
//   not-ended      an entry that was sent never takes its echo or deadline
//   vanished       one acknowledged edit in three is deleted right after its write

import { SessionEvidence } from '../../src/model/evidence.js';
import { BrokerConnection } from '../../src/mqtt/connection.js';
import type { OutboxEntry } from '../../src/model/types.js';
import { OutboxStore } from '../../src/store/outbox.js';

export const SABOTAGE_KINDS = ['stale-base', 'applied-twice', 'not-ended', 'vanished'] as const;
export type SabotageKind = (typeof SABOTAGE_KINDS)[number];

/** Call after installConsoleSpy(), so the spy sees what the sabotaged engine does. */
export function sabotage(kind: SabotageKind): void {
  switch (kind) {
    case 'stale-base':
      SessionEvidence.prototype.hasReported = () => true;
      break;
    case 'applied-twice': {
      const publish = BrokerConnection.prototype.publish;
      BrokerConnection.prototype.publish = function (this: BrokerConnection, ...args: Parameters<BrokerConnection['publish']>) {
        const first = publish.apply(this, args);
        if (args[0].endsWith('/set')) publish.apply(this, args).catch(() => undefined);
        return first;
      };
      break;
    }
    case 'not-ended': {
      // Whichever way the engine writes (one compare-and-set, or functions applied to the latest versions).
      const stays = (from: OutboxEntry, to: OutboxEntry): boolean => from.state === 'sent' && to.state !== 'sent';
      const transition = OutboxStore.prototype.transition;
      OutboxStore.prototype.transition = function (this: OutboxStore, expected, next) {
        return stays(expected, next) ? Promise.resolve(false) : transition.call(this, expected, next);
      };
      const store = OutboxStore.prototype as unknown as Record<string, unknown>;
      const applyMany = store['applyMany'];
      if (typeof applyMany === 'function') {
        type Op = { seq: number; cmdId: string; fn: (latest: OutboxEntry) => OutboxEntry };
        store['applyMany'] = function (this: OutboxStore, ops: readonly Op[]) {
          const held = ops.map((op) => ({ ...op, fn: (latest: OutboxEntry) => (stays(latest, op.fn(latest)) ? latest : op.fn(latest)) }));
          return (applyMany as (ops: readonly Op[]) => Promise<unknown>).call(this, held);
        };
      }
      break;
    }
    case 'vanished': {
      const enqueue = OutboxStore.prototype.enqueue;
      let n = 0;
      OutboxStore.prototype.enqueue = async function (this: OutboxStore, ...args: Parameters<OutboxStore['enqueue']>) {
        const result = await enqueue.apply(this, args);
        if (result.action !== 'noop' && ++n % 3 === 0) {
          const db = (this as unknown as { db: { outbox: { where(i: string): { equals(v: string): { delete(): Promise<number> } } } } }).db;
          await db.outbox.where('cmdId').equals(result.entry.cmdId).delete();
        }
        return result;
      };
      break;
    }
  }
}
