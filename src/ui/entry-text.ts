import type { OutboxEntry, PropertySchema } from '../model/types.js';
import { formatValue } from '../model/values.js';

/** An outbox entry's state in words, for its control and the outbox panel. */
export function describeEntry(entry: OutboxEntry, schema: PropertySchema | undefined, live: boolean): string {
  const v = schema ? formatValue(schema, entry.desired) : String(entry.desired);
  switch (entry.state) {
    case 'queued':
      return live ? `Queued: ${v}` : `Queued: ${v}, will be checked against the device when the connection returns`;
    case 'reconciling':
      return `Checking ${v} against the device…`;
    case 'sending':
      return `Sending ${v}…`;
    case 'sent':
      return `Sent ${v}, waiting for the device to confirm${entry.reason ? ` (${entry.reason})` : ''}`;
    case 'confirmed':
      return `Confirmed ${v}`;
    case 'discarded':
      return `Not sent: ${entry.reason ?? 'the device changed'}`;
    case 'unverified':
      return `Held, not sent: ${entry.reason ?? 'no fresh value from the device'}`;
    case 'rejected':
      return `Rejected: ${entry.reason ?? 'the broker refused it'}`;
    case 'unconfirmed':
      return `Not confirmed: ${entry.reason ?? 'no echo from the device'}`;
    case 'cancelled':
      return `Cancelled: ${entry.reason ?? ''}`;
  }
}
