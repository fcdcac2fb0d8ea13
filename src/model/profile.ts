import { msg } from '@lit/localize';
import { parseBrokerUrl } from './broker-url.js';

export type ProtocolPreference = 'auto' | 4 | 5;

/** A named broker the operator can connect to. The password is never part of it. */
export interface ConnectionProfile {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  readonly username: string;
  /** Only when ticked is the password stored (encrypted) on this device. */
  readonly rememberPassword: boolean;
  readonly clientIdPrefix: string;
  readonly protocol: ProtocolPreference;
  readonly keepaliveSeconds: number;
}

export type ProfileInput = { readonly [K in keyof Omit<ConnectionProfile, 'id'>]?: unknown };
export type ProfileErrors = Partial<Record<keyof ConnectionProfile, string>>;
export type ProfileResult = { readonly ok: true; readonly profile: Omit<ConnectionProfile, 'id'> } | { readonly ok: false; readonly errors: ProfileErrors };

export const DEFAULT_PROFILE: Omit<ConnectionProfile, 'id' | 'url' | 'name'> = {
  username: '',
  rememberPassword: false,
  clientIdPrefix: 'holdfast',
  protocol: 'auto',
  keepaliveSeconds: 30,
};

const CLIENT_ID_PREFIX = /^[A-Za-z0-9_-]{1,23}$/;

/** Check a profile from the form or a link; every bad field gets its own message. */
export function validateProfile(input: ProfileInput): ProfileResult {
  const errors: ProfileErrors = {};
  const url = parseBrokerUrl(typeof input.url === 'string' ? input.url : '');
  if (!url.ok) errors.url = url.error;
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  const username = typeof input.username === 'string' ? input.username.trim() : '';
  if (username.length > 256) errors.username = msg('The user name is too long');
  const clientIdPrefix = typeof input.clientIdPrefix === 'string' && input.clientIdPrefix.trim() !== '' ? input.clientIdPrefix.trim() : DEFAULT_PROFILE.clientIdPrefix;
  // MQTT 3.1.1 only guarantees 23-character client IDs; we append "-" and 8 hex digits.
  if (!CLIENT_ID_PREFIX.test(clientIdPrefix)) errors.clientIdPrefix = msg('Use 1–23 letters, digits, "-" or "_"');
  else if (clientIdPrefix.length > 14) errors.clientIdPrefix = msg('Use at most 14 characters (a unique suffix is added per tab)');
  const protocolRaw = input.protocol ?? 'auto';
  const protocol: ProtocolPreference | null = protocolRaw === 'auto' || protocolRaw === '' ? 'auto' : Number(protocolRaw) === 5 ? 5 : Number(protocolRaw) === 4 ? 4 : null;
  if (protocol === null) errors.protocol = msg('Choose automatic, MQTT 5 or MQTT 3.1.1');
  const keepaliveRaw = input.keepaliveSeconds ?? DEFAULT_PROFILE.keepaliveSeconds;
  const keepaliveSeconds = typeof keepaliveRaw === 'number' ? keepaliveRaw : Number(String(keepaliveRaw).trim() || NaN);
  if (!Number.isInteger(keepaliveSeconds) || keepaliveSeconds < 5 || keepaliveSeconds > 600) errors.keepaliveSeconds = msg('Keepalive must be a whole number of seconds from 5 to 600');
  if (Object.keys(errors).length > 0 || !url.ok || protocol === null) return { ok: false, errors };
  return {
    ok: true,
    profile: {
      name: name || new URL(url.url).host,
      url: url.url,
      username,
      rememberPassword: input.rememberPassword === true || input.rememberPassword === 'on',
      clientIdPrefix,
      protocol,
      keepaliveSeconds,
    },
  };
}

export function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(b64: string): string {
  const bin = atob(b64.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/** A link that provisions a tablet with this profile. It never carries a password. */
export function profileLink(profile: ConnectionProfile, appUrl: string): string {
  const shared = {
    name: profile.name,
    url: profile.url,
    username: profile.username,
    clientIdPrefix: profile.clientIdPrefix,
    protocol: profile.protocol,
    keepaliveSeconds: profile.keepaliveSeconds,
  };
  const link = new URL(appUrl);
  link.search = '';
  link.hash = '';
  link.searchParams.set('profile', toBase64Url(JSON.stringify(shared)));
  return link.href;
}

/** Read `?profile=` or `?broker=` from a provisioning link. */
export function profileFromLink(params: URLSearchParams): ProfileResult | null {
  const encoded = params.get('profile');
  if (encoded) {
    let data: unknown;
    try {
      data = JSON.parse(fromBase64Url(encoded));
    } catch {
      return { ok: false, errors: { url: msg('The profile link is damaged; ask for a new one') } };
    }
    if (typeof data !== 'object' || data === null) return { ok: false, errors: { url: msg('The profile link is damaged; ask for a new one') } };
    // A link can never turn on password saving on someone's tablet.
    return validateProfile({ ...(data as ProfileInput), rememberPassword: false });
  }
  const broker = params.get('broker');
  if (broker !== null) return validateProfile({ url: broker });
  return null;
}
