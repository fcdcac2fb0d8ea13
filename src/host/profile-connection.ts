import type { ConnectionProfile } from '../model/profile.js';
import type { ConnectionOptions } from '../mqtt/connection.js';
import type { SettingsStore } from '../store/settings.js';

/**
 * The connection options a profile implies, including the MQTT version last
 * learned for its broker (and learning it again). Shared by the leader tab
 * and the service worker's background flush.
 */
export async function profileConnectionOptions(profile: ConnectionProfile, password: string | undefined, settings: SettingsStore): Promise<ConnectionOptions> {
  const url = profile.url;
  const remembered = (await settings.get('protocolByBroker')) ?? {};
  return {
    url,
    ...(profile.username ? { username: profile.username } : {}),
    ...(password ? { password } : {}),
    clientIdPrefix: profile.clientIdPrefix,
    keepaliveSeconds: profile.keepaliveSeconds,
    protocol: profile.protocol,
    ...(remembered[url] ? { rememberedVersion: remembered[url] } : {}),
    onVersionLearned: (version) => {
      if (remembered[url] !== version) void settings.set('protocolByBroker', { ...remembered, [url]: version });
    },
  };
}
