/**
 * What a host reads from storage before it connects: the active profile, its
 * password (remembered, or typed this session and handed over by a page),
 * and the conventions settings. A host of any kind (worker, extension
 * service worker, Background Sync) reads the same settings the pages write.
 */
import type { AdapterOptions } from '../conventions/registry.js';
import { parseMapping } from '../conventions/mapped.js';
import type { ConnectionProfile } from '../model/profile.js';
import type { SecretStore } from '../store/secrets.js';
import type { SettingsStore } from '../store/settings.js';
import type { HostIdleReason } from './protocol.js';

export interface HostConfig {
  readonly profile: ConnectionProfile | null;
  readonly password: string | undefined;
  readonly conventions: AdapterOptions;
  readonly operatorName: string;
  /** Locked observer mode: the host publishes nothing (no sets, presence or heartbeat). */
  readonly locked: boolean;
  /** Why it must not connect now; null when it can. */
  readonly idleReason: HostIdleReason | null;
}

export const DEFAULT_HA_PREFIX = 'homeassistant';

export async function readConventions(settings: SettingsStore): Promise<AdapterOptions> {
  const [mapping, haPrefix, homieRoots, homieScan, z2mBase] = await Promise.all([
    settings.get('mapping'),
    settings.get('haPrefix'),
    settings.get('homieRoots'),
    settings.get('homieScan'),
    settings.get('z2mBase'),
  ]);
  const checked = mapping ? parseMapping(mapping) : null;
  return {
    haPrefix: haPrefix ?? DEFAULT_HA_PREFIX,
    ...(checked?.ok ? { mapping: checked.mapping } : {}),
    ...(homieRoots ? { homieRoots } : {}),
    ...(homieScan !== undefined ? { homieScan } : {}),
    ...(z2mBase ? { z2mBase } : {}),
  };
}

export async function readHostConfig(settings: SettingsStore, secrets: SecretStore, sessionPasswords: ReadonlyMap<string, string>): Promise<HostConfig> {
  const [profiles, activeProfileId, operatorName, conventions, locked] = await Promise.all([
    settings.get('profiles'),
    settings.get('activeProfileId'),
    settings.get('operatorName'),
    readConventions(settings),
    settings.get('locked'),
  ]);
  const profile = (profiles ?? []).find((p) => p.id === activeProfileId) ?? null;
  let password: string | undefined;
  if (profile?.username) password = sessionPasswords.get(profile.id) ?? (profile.rememberPassword ? await secrets.load(profile.id) : undefined);
  const idleReason: HostIdleReason | null = !profile ? 'no-profile' : profile.username && password === undefined ? 'needs-password' : null;
  return { profile, password, conventions, operatorName: operatorName ?? '', locked: locked === true, idleReason };
}

/** Two configs need the same connection (same broker, credentials and options). */
export function sameConnection(a: HostConfig, b: HostConfig): boolean {
  return JSON.stringify(a.profile) === JSON.stringify(b.profile) && a.password === b.password && a.idleReason === b.idleReason && a.locked === b.locked;
}

export function sameConventions(a: HostConfig, b: HostConfig): boolean {
  return JSON.stringify(a.conventions) === JSON.stringify(b.conventions);
}
