import { msg, str } from '@lit/localize';
import { formatNumber } from '../i18n/format.js';
import type { EntryReason, EntryReasonCode, OutboxEntry, PropertySchema } from '../model/types.js';
import { formatValue } from '../model/values.js';

export interface EntryTextContext {
  readonly schema: PropertySchema | undefined;
  readonly deviceName: string;
  /** The console is connected (queued entries are judged now, not "when the connection returns"). */
  readonly live: boolean;
}

function value(ctx: EntryTextContext, v: OutboxEntry['desired'] | null): string {
  return ctx.schema ? formatValue(ctx.schema, v) : v === null ? msg('unknown') : String(v);
}

/** Why an entry is where it is, in words. */
export function reasonText(reason: EntryReason, ctx: EntryTextContext): string {
  const device = ctx.deviceName;
  // The setting's name when the schema is known; else each sentence says "this setting" in its own words.
  const setting = ctx.schema?.name;
  switch (reason.code) {
    case 'already-shown':
      return msg('the device already shows this value');
    case 'device-changed':
      return msg(str`the device changed to ${value(ctx, reason.now)} before your change was sent`);
    case 'cannot-check':
      if (reason.retained) {
        return setting !== undefined
          ? msg(str`${device} did not report ${setting} after reconnecting (the broker may have dropped its retained status), so Holdfast cannot check it`)
          : msg(str`${device} did not report this setting after reconnecting (the broker may have dropped its retained status), so Holdfast cannot check it`);
      }
      return setting !== undefined
        ? msg(str`${device} does not report ${setting} unless it changes, so Holdfast cannot check it`)
        : msg(str`${device} does not report this setting unless it changes, so Holdfast cannot check it`);
    case 'no-answer': {
      const seconds = formatNumber(Math.round(reason.waitedMs / 1000));
      return setting !== undefined
        ? msg(str`${device} did not answer when asked for ${setting} within ${seconds} s, so Holdfast cannot check it`)
        : msg(str`${device} did not answer when asked for this setting within ${seconds} s, so Holdfast cannot check it`);
    }
    case 'asking':
      return setting !== undefined ? msg(str`asking ${device} for its current ${setting}`) : msg(str`asking ${device} for its current this setting`);
    case 'device-away':
      return msg(str`${device} is not available, so its last report may be out of date; it will be checked when the device returns`);
    case 'earlier-attempt':
      return msg('an earlier attempt may still reach the device; checked again once it would have been confirmed');
    case 'interrupted':
      return msg('interrupted while sending; it will be checked against the device before anything is sent');
    case 'outcome-unknown':
      return msg(
        str`the connection dropped while it was being sent, and ${device} shows ${value(ctx, reason.shown)} again, the value you edited from: it never arrived, or it arrived and was changed back since`,
      );
    case 'reported-before-send':
      return msg('the device reported a new value just before sending; checking again');
    case 'confirmed-by-echo':
      return msg('confirmed by the device');
    case 'no-confirmation':
      return reason.reported === undefined
        ? msg('no confirmation from the device within the deadline')
        : msg(str`no confirmation from the device within the deadline; it reports ${value(ctx, reason.reported)}`);
    case 'does-not-report':
      return setting !== undefined ? msg(str`${device} does not report ${setting}, so it cannot confirm it`) : msg(str`${device} does not report this setting, so it cannot confirm it`);
    case 'not-authorized':
      return msg(str`not authorized to publish to ${reason.topic}`);
    case 'broker-refused': {
      // The MQTT reason code as the broker's documentation writes it (0x87), not a number to localize.
      const code = `0x${reason.reasonCode.toString(16).padStart(2, '0')}`;
      return msg(str`refused by the broker (reason code ${code})`);
    }
    case 'cannot-encode':
      return msg(str`it could not be encoded for the device: ${reason.detail}`);
    case 'setting-gone':
      return msg(str`${device} no longer has this setting`);
    case 'read-only':
      // The detail is the adapter's own explanation (produced with the schema, in the engine).
      return reason.detail ?? (setting !== undefined ? msg(str`${setting} is read-only`) : msg('this setting is read-only'));
    case 'momentary-not-replayed':
      return msg('a momentary command is not replayed after the connection dropped');
    case 'changed-back':
      return msg('changed back to the value it had when you edited');
    case 'withdrawn':
      return msg('withdrawn by the operator');
    case 'undone':
      return msg('undone before it was sent');
    case 'superseded':
      return msg('replaced by a newer edit');
  }
}

/** An outbox entry's state in words, for its control and the outbox panel. */
export function describeEntry(entry: OutboxEntry, ctx: EntryTextContext): string {
  const v = value(ctx, entry.desired);
  const why = entry.reason ? reasonText(entry.reason, ctx) : null;
  // Published where no device subscribes (MQTT 5 "no matching subscribers"): the topic, as on the wire.
  const topic = entry.noSubscribersOn;
  switch (entry.state) {
    case 'queued':
      if (why && entry.reason?.code !== 'interrupted') return msg(str`Queued: ${v} (${why})`);
      return ctx.live ? msg(str`Queued: ${v}`) : msg(str`Queued: ${v}, will be checked against the device when the connection returns`);
    case 'checking':
      return msg(str`Checking ${v}: ${why ?? msg('asking the device for its current value')}…`);
    case 'held':
      return why ? msg(str`Held: ${v}. ${why}`) : msg(str`Held: ${v}.`);
    case 'sending':
      return msg(str`Sending ${v}…`);
    case 'sent':
      return topic ? msg(str`Sent ${v}, waiting for the device to confirm (no device is listening on ${topic})`) : msg(str`Sent ${v}, waiting for the device to confirm`);
    case 'confirmed':
      return msg(str`Confirmed ${v}`);
    case 'sent-unconfirmable': {
      if (ctx.schema?.momentary) return msg(str`Sent ${v}`);
      const because = why ?? msg('the device does not report it');
      return topic ? msg(str`Sent ${v}; ${because} (no device is listening on ${topic})`) : msg(str`Sent ${v}; ${because}`);
    }
    case 'discarded':
      return msg(str`Not sent: ${why ?? msg('the device changed')}`);
    case 'unverified':
      // An earlier attempt went out and nothing confirmed or denied it: it may already have been applied.
      if (entry.attempts > 0) {
        return msg(str`Not sent again: ${why ?? msg('nothing could check it')}. An earlier attempt may already have reached the device, so Send anyway may apply it twice. Send anyway, or dismiss it.`);
      }
      return msg(str`Not sent yet: ${why ?? msg('nothing could check it')}. Send anyway, or dismiss it.`);
    case 'rejected':
      return msg(str`Rejected: ${why ?? msg('the broker refused it')}`);
    case 'unconfirmed': {
      const because = why ?? msg('no echo from the device');
      return topic ? msg(str`Not confirmed: ${because} (no device is listening on ${topic})`) : msg(str`Not confirmed: ${because}`);
    }
    case 'cancelled':
      return why ? msg(str`Cancelled: ${why}`) : msg('Cancelled');
  }
}

/** A reason by its code alone, as the audit keeps it (its facts are in the record's own columns). */
export function reasonCodeText(code: EntryReasonCode): string {
  switch (code) {
    case 'already-shown':
      return msg('the device already showed it');
    case 'device-changed':
      return msg('the device changed');
    case 'cannot-check':
      return msg('nothing could check it');
    case 'no-answer':
      return msg('the device did not answer');
    case 'asking':
      return msg('asking the device');
    case 'device-away':
      return msg('the device was away');
    case 'earlier-attempt':
      return msg('waiting for an earlier attempt');
    case 'interrupted':
      return msg('interrupted');
    case 'outcome-unknown':
      return msg('cut off, and the device showed the old value again');
    case 'reported-before-send':
      return msg('the device reported just before sending');
    case 'confirmed-by-echo':
      return msg('confirmed by the device');
    case 'no-confirmation':
      return msg('no confirmation in time');
    case 'does-not-report':
      return msg('the device does not report this setting');
    case 'not-authorized':
      return msg('the broker did not allow it');
    case 'broker-refused':
      return msg('the broker refused it');
    case 'cannot-encode':
      return msg('could not be encoded for the device');
    case 'setting-gone':
      return msg('the setting is gone');
    case 'read-only':
      return msg('read-only');
    case 'momentary-not-replayed':
      return msg('a command is never replayed');
    case 'changed-back':
      return msg('changed back');
    case 'withdrawn':
      return msg('withdrawn');
    case 'undone':
      return msg('undone');
    case 'superseded':
      return msg('replaced by a later edit');
  }
}
