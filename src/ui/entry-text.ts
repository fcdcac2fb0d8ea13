import type { EntryReason, OutboxEntry, PropertySchema } from '../model/types.js';
import { formatValue } from '../model/values.js';

export interface EntryTextContext {
  readonly schema: PropertySchema | undefined;
  readonly deviceName: string;
  /** The console is connected (queued entries are judged now, not "when the connection returns"). */
  readonly live: boolean;
}

function value(ctx: EntryTextContext, v: OutboxEntry['desired'] | null): string {
  return ctx.schema ? formatValue(ctx.schema, v) : v === null ? 'unknown' : String(v);
}

/** Why an entry is where it is, in words. */
export function reasonText(reason: EntryReason, ctx: EntryTextContext): string {
  const setting = ctx.schema?.name ?? 'this setting';
  switch (reason.code) {
    case 'already-shown':
      return 'the device already shows this value';
    case 'device-changed':
      return `the device changed to ${value(ctx, reason.now)} before your change was sent`;
    case 'cannot-check':
      return reason.retained
        ? `${ctx.deviceName} did not report ${setting} after reconnecting (the broker may have dropped its retained status), so Holdfast cannot check it`
        : `${ctx.deviceName} does not report ${setting} unless it changes, so Holdfast cannot check it`;
    case 'no-answer':
      return `${ctx.deviceName} did not answer when asked for ${setting} within ${Math.round(reason.waitedMs / 1000)} s, so Holdfast cannot check it`;
    case 'asking':
      return `asking ${ctx.deviceName} for its current ${setting}`;
    case 'device-away':
      return `${ctx.deviceName} is not available, so its last report may be out of date; it will be checked when the device returns`;
    case 'earlier-attempt':
      return 'an earlier attempt may still reach the device; checked again once it would have been confirmed';
    case 'interrupted':
      return 'interrupted while sending; it will be checked against the device before anything is sent';
    case 'reported-before-send':
      return 'the device reported a new value just before sending; checking again';
    case 'confirmed-by-echo':
      return 'confirmed by the device';
    case 'no-confirmation':
      return reason.reported === undefined
        ? 'no confirmation from the device within the deadline'
        : `no confirmation from the device within the deadline; it reports ${value(ctx, reason.reported)}`;
    case 'does-not-report':
      return `${ctx.deviceName} does not report ${setting}, so it cannot confirm it`;
    case 'not-authorized':
      return `not authorized to publish to ${reason.topic}`;
    case 'broker-refused':
      return `refused by the broker (reason code 0x${reason.reasonCode.toString(16).padStart(2, '0')})`;
    case 'cannot-encode':
      return `it could not be encoded for the device: ${reason.detail}`;
    case 'setting-gone':
      return `${ctx.deviceName} no longer has this setting`;
    case 'read-only':
      return reason.detail ?? `${setting} is read-only`;
    case 'momentary-not-replayed':
      return 'a momentary command is not replayed after the connection dropped';
    case 'changed-back':
      return 'changed back to the value it had when you edited';
    case 'withdrawn':
      return 'withdrawn by the operator';
    case 'undone':
      return 'undone before it was sent';
    case 'superseded':
      return 'replaced by a newer edit';
  }
}

/** An outbox entry's state in words, for its control and the outbox panel. */
export function describeEntry(entry: OutboxEntry, ctx: EntryTextContext): string {
  const v = value(ctx, entry.desired);
  const why = entry.reason ? reasonText(entry.reason, ctx) : null;
  const silent = entry.noSubscribersOn ? ` (no device is listening on ${entry.noSubscribersOn})` : '';
  switch (entry.state) {
    case 'queued':
      if (why && entry.reason?.code !== 'interrupted') return `Queued: ${v} (${why})`;
      return ctx.live ? `Queued: ${v}` : `Queued: ${v}, will be checked against the device when the connection returns`;
    case 'checking':
      return `Checking ${v}: ${why ?? 'asking the device for its current value'}…`;
    case 'held':
      return `Held: ${v}. ${why ?? ''}`.trim();
    case 'sending':
      return `Sending ${v}…`;
    case 'sent':
      return `Sent ${v}, waiting for the device to confirm${silent}`;
    case 'confirmed':
      return `Confirmed ${v}`;
    case 'sent-unconfirmable':
      return ctx.schema?.momentary ? `Sent ${v}` : `Sent ${v}; ${why ?? 'the device does not report it'}${silent}`;
    case 'discarded':
      return `Not sent: ${why ?? 'the device changed'}`;
    case 'unverified':
      return `Not sent yet: ${why ?? 'nothing could check it'}. Send anyway, or dismiss it.`;
    case 'rejected':
      return `Rejected: ${why ?? 'the broker refused it'}`;
    case 'unconfirmed':
      return `Not confirmed: ${why ?? 'no echo from the device'}${silent}`;
    case 'cancelled':
      return `Cancelled: ${why ?? ''}`;
  }
}
