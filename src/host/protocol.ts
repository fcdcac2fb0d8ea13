/**
 * The typed messages between an engine host (a PWA leader tab's worker, the
 * extension's service worker, a Background Sync run, a Node process) and its
 * clients (console pages). Defined once, used on both sides. Everything here
 * is structured-clone data: it crosses postMessage, BroadcastChannel and
 * chrome.runtime ports unchanged.
 *
 * Flow control: the host sends a client at most one diff at a time and waits
 * for its `ack` (sent after the page rendered it), so a burst of thousands of
 * messages becomes one diff per frame, holding only what the client shows.
 */
import type { ConnectionState } from '../mqtt/connection.js';
import type { AlarmView } from '../model/alarms.js';
import type { PresenceInfo } from '../model/presence.js';
import type { ReplayState } from '../model/plan.js';
import type { ReportedValue } from '../model/types.js';
import type { DeviceDetail, DeviceSummary } from '../status/device-states.js';

export const PROTOCOL_VERSION = 1;

/** What a client shows, so the host sends only that. */
export interface Interest {
  /** Devices whose schema and details are shown (a device page, a view). */
  readonly devices: readonly string[];
  /** Properties whose values are shown, as "deviceId\u0000propertyId". */
  readonly values: readonly string[];
}

/** The engine host's own state, for the status bar and diagnostics. */
export interface HostStatus {
  /** The open session's id (null while not connected): controls pass it with an edit as `renderedIn`. */
  readonly session: string | null;
  /** The session's subscriptions are acknowledged: status is flowing. */
  readonly live: boolean;
  /** Devices whose values are subscribed right now (on screen, pending edits, alarms, grace period). */
  readonly subscribedDevices: number;
  /** Why the host is not connecting, if it is not. */
  readonly idleReason: HostIdleReason | null;
  /** Which kind of host runs the engine. */
  readonly kind: HostKind;
  /** Locked observer mode: nothing is published (edits wait until it is unlocked). */
  readonly locked: boolean;
}

export type HostKind = 'worker' | 'extension' | 'background-sync' | 'node';

export type HostIdleReason =
  /** no broker profile yet */
  | 'no-profile'
  /** the profile has a user name and no password is known to this host */
  | 'needs-password'
  /** a provisioning link waits for the operator's yes */
  | 'link-pending';

/** Per device, how much of its status reported on this session: "37 of 40 settings reported on this connection". */
export interface DeviceCompleteness {
  readonly reported: number;
  readonly expected: number;
  /** Not reported although the convention says the broker retains them. */
  readonly missingRetained: number;
  /** Whether more may still arrive ('waiting') or the replay is over. */
  readonly replay: ReplayState;
}

export interface Diff {
  readonly type: 'diff';
  readonly seq: number;
  readonly status?: HostStatus;
  readonly connection?: ConnectionState;
  readonly presence?: readonly PresenceInfo[];
  /** Every alarm rule with its state (every client gets these: the header badge counts them). */
  readonly alarms?: readonly AlarmView[];
  /** Changed or new devices of the list (every client gets these). */
  readonly summaries?: readonly DeviceSummary[];
  readonly removed?: readonly string[];
  /** Details of watched devices that changed. */
  readonly details?: readonly DeviceDetail[];
  /** Watched values that changed: [deviceId, propertyId, value or null when unknown]. */
  readonly values?: readonly (readonly [string, string, ReportedValue | null])[];
  /** Watched devices' completeness on this session. */
  readonly completeness?: readonly (readonly [string, DeviceCompleteness | null])[];
}

export type HostToClient =
  | Diff
  /** A (new) host is up: clients say hello again and re-send what the host needs from them. */
  | { readonly type: 'host-ready'; readonly hostId: string; readonly version: number }
  /** The host needs this session's password for a profile (a page typed it; it is never stored unasked). */
  | { readonly type: 'need-password'; readonly profileId: string };

export type ClientToHost =
  | { readonly type: 'hello'; readonly clientId: string; readonly version: number; readonly interest: Interest }
  | { readonly type: 'bye'; readonly clientId: string }
  | { readonly type: 'interest'; readonly clientId: string; readonly interest: Interest }
  /** The client rendered diff `seq`: the next one may be sent. */
  | { readonly type: 'ack'; readonly clientId: string; readonly seq: number }
  /** Settings in storage changed (profiles, conventions, operator name): read them again. */
  | { readonly type: 'config-changed'; readonly clientId: string }
  /** The outbox changed in storage (an edit, Send anyway, Undo, Dismiss): plan now. */
  | { readonly type: 'outbox-changed'; readonly clientId: string }
  /** Alarm rules or acknowledgements changed in storage: read them again. */
  | { readonly type: 'alarms-changed'; readonly clientId: string }
  /** A password typed this session, kept only in memory (same-origin channels only). */
  | { readonly type: 'password'; readonly clientId: string; readonly profileId: string; readonly password: string }
  | { readonly type: 'retry'; readonly clientId: string }
  /** Which control this operator is editing (presence, advisory). */
  | { readonly type: 'editing'; readonly clientId: string; readonly editing: PresenceInfo['editing'] };

/** Addressing on a shared channel (BroadcastChannel): who a message is for or from. */
export type Envelope =
  | { readonly to: 'host'; readonly msg: ClientToHost }
  | { readonly to: 'clients'; readonly msg: HostToClient }
  | { readonly to: 'client'; readonly clientId: string; readonly msg: HostToClient };

export const valueKey = (deviceId: string, propertyId: string): string => `${deviceId}\u0000${propertyId}`;

export function splitValueKey(key: string): readonly [string, string] {
  const i = key.indexOf('\u0000');
  return [key.slice(0, i), key.slice(i + 1)];
}
