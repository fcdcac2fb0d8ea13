/**
 * What the extension tells an operator whose console is closed: one
 * notification per edit that needs them (discarded, unverified, rejected,
 * unconfirmed) and one for a batch of confirmations, each naming the device,
 * the setting and the outcome. Pure: names and schemas come from the status
 * cache the engine host keeps.
 */
import { ATTENTION_STATES, type OutboxEntry, type OutboxState, type PropertySchema } from '../model/types.js';
import { formatValue } from '../model/values.js';
import { reasonText } from '../ui/entry-text.js';

/** How a device and its setting are called, from the status cache (either may be missing). */
export interface Naming {
  readonly deviceName: string;
  readonly schema: PropertySchema | undefined;
}

export interface Notice {
  /** Also the notification's id: it carries where a click opens the console. */
  readonly id: string;
  readonly title: string;
  readonly message: string;
  /** The control a click opens. */
  readonly deviceId: string;
  readonly propertyId: string;
  /** Stays until the operator acts on it (edits that need them). */
  readonly attention: boolean;
}

/** Outcomes told one by one: each needs the operator. */
export const NOTIFY_ONE_BY_ONE: readonly OutboxState[] = ATTENTION_STATES;
/** Outcomes told together, as a batch. */
export const NOTIFY_AS_BATCH: readonly OutboxState[] = ['confirmed', 'sent-unconfirmable'];

const ID_PREFIX = 'holdfast';

/** A notification id that names the control to open: holdfast|<kind>|<cmdId>|<deviceId>|<propertyId>. */
export function noticeId(kind: 'one' | 'batch', cmdId: string, deviceId: string, propertyId: string): string {
  return [ID_PREFIX, kind, cmdId, deviceId, propertyId].map(encodeURIComponent).join('|');
}

/** Where a notification's click leads, or null if the id is not one of ours. */
export function noticeTarget(id: string): { deviceId: string; propertyId: string } | null {
  const parts = id.split('|').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return '';
    }
  });
  if (parts.length !== 5 || parts[0] !== ID_PREFIX || !parts[3] || !parts[4]) return null;
  return { deviceId: parts[3], propertyId: parts[4] };
}

/** The console page's fragment that opens a device and focuses one of its controls. */
export function controlHash(deviceId: string, propertyId: string): string {
  return `#device=${encodeURIComponent(deviceId)}&property=${encodeURIComponent(propertyId)}`;
}

function show(n: Naming, v: OutboxEntry['desired'] | null | undefined): string {
  return n.schema ? formatValue(n.schema, v ?? null) : v === null || v === undefined ? 'unknown' : String(v);
}

function setting(e: OutboxEntry, n: Naming): string {
  return n.schema?.name ?? e.propertyId;
}

/** The notification for one edit that needs the operator; null for states told otherwise. */
export function attentionNotice(e: OutboxEntry, n: Naming): Notice | null {
  if (!NOTIFY_ONE_BY_ONE.includes(e.state)) return null;
  const name = setting(e, n);
  const ctx = { schema: n.schema, deviceName: n.deviceName, live: true };
  const why = e.reason ? reasonText(e.reason, ctx) : null;
  const base = { id: noticeId('one', e.cmdId, e.deviceId, e.propertyId), deviceId: e.deviceId, propertyId: e.propertyId, attention: true };
  switch (e.state) {
    case 'discarded':
      return {
        ...base,
        title: `${n.deviceName}: ${name} not sent`,
        message: `Someone changed it at the device first. Was ${show(n, e.base.value)} when you edited; you set ${show(n, e.desired)}; device is now ${show(n, e.fresh)}.`,
      };
    case 'unverified':
      return {
        ...base,
        title: `${n.deviceName}: ${name} not sent yet`,
        message: `You set ${show(n, e.desired)}, but ${why ?? 'nothing could check it against the device'}. Open the console to Send anyway or Dismiss.`,
      };
    case 'rejected':
      return { ...base, title: `${n.deviceName}: ${name} rejected`, message: `You set ${show(n, e.desired)}: ${why ?? 'the broker refused it'}.` };
    case 'unconfirmed':
      return { ...base, title: `${n.deviceName}: ${name} not confirmed`, message: `Sent ${show(n, e.desired)}; ${why ?? 'the device did not confirm it'}.` };
    default:
      return null;
  }
}

/** One notification for edits that were confirmed (or sent where the device cannot confirm) while no console was open. */
export function batchNotice(done: readonly (readonly [OutboxEntry, Naming])[]): Notice | null {
  const first = done[0];
  if (!first) return null;
  const devices = new Set(done.map(([e]) => e.deviceId));
  const item = ([e, n]: readonly [OutboxEntry, Naming]): string =>
    `${devices.size > 1 ? `${n.deviceName} ` : ''}${setting(e, n)} ${show(n, e.desired)}${e.state === 'sent-unconfirmable' ? ' (sent; the device does not report it)' : ''}`;
  const [e, n] = first;
  const title = done.length === 1 ? `${n.deviceName}: ${setting(e, n)} confirmed` : devices.size === 1 ? `${n.deviceName}: ${done.length} changes confirmed` : `${done.length} changes confirmed`;
  return {
    id: noticeId('batch', e.cmdId, e.deviceId, e.propertyId),
    title,
    message: done.length === 1 ? `${item(first)}, sent while no console was open.` : `${done.map(item).join('; ')}. Sent while no console was open.`,
    deviceId: e.deviceId,
    propertyId: e.propertyId,
    attention: false,
  };
}
