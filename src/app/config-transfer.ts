/**
 * Export and import of the one configuration file (model/config-file.ts):
 * what is read from storage for an export, and what an import the operator
 * confirmed writes back. Passwords, the lock PIN and the outbox never travel.
 */
import { CONFIG_FORMAT, CONFIG_VERSION, exportedProfile, type ConfigFile, type ConsoleSettings } from '../model/config-file.js';
import type { HoldfastDb } from '../store/db.js';
import type { SecretStore } from '../store/secrets.js';
import type { SettingsStore } from '../store/settings.js';
import type { WorkspaceStore } from '../store/workspace.js';

/** Alarm rules are owned by the alarm model; the transfer only carries them. */
export interface AlarmRulesIo {
  export(): Promise<readonly unknown[]>;
  import(rules: readonly unknown[]): Promise<void>;
}

export class ConfigTransfer {
  constructor(
    private readonly db: HoldfastDb,
    private readonly settings: SettingsStore,
    private readonly secrets: SecretStore,
    private readonly workspace: WorkspaceStore,
    private readonly alarms: AlarmRulesIo | null,
  ) {}

  /** Everything this installation is made of. `theme` is the page's (kept outside IndexedDB for the first paint). */
  async export(theme: ConsoleSettings['theme']): Promise<ConfigFile> {
    const s = this.settings;
    const [profiles, activeProfileId, mapping, haPrefix, homieRoots, homieScan, z2mBase, operatorName, backgroundSync, deviceDensity, views, scenes, alarms] = await Promise.all([
      s.get('profiles'),
      s.get('activeProfileId'),
      s.get('mapping'),
      s.get('haPrefix'),
      s.get('homieRoots'),
      s.get('homieScan'),
      s.get('z2mBase'),
      s.get('operatorName'),
      s.get('backgroundSync'),
      s.get('deviceDensity'),
      this.workspace.views(),
      this.workspace.scenes(),
      this.alarms?.export() ?? Promise.resolve([]),
    ]);
    return {
      format: CONFIG_FORMAT,
      version: CONFIG_VERSION,
      exportedAt: new Date().toISOString(),
      profiles: (profiles ?? []).map(exportedProfile),
      activeProfileId: activeProfileId ?? null,
      conventions: { haPrefix: haPrefix ?? 'homeassistant', homieRoots: homieRoots ?? ['homie'], homieScan: homieScan ?? true, z2mBase: z2mBase ?? 'zigbee2mqtt', mapping: mapping ?? null },
      views,
      scenes,
      settings: { operatorName: operatorName ?? '', theme, backgroundSync: backgroundSync ?? false, deviceDensity: deviceDensity ?? {} },
      alarms,
    };
  }

  /** Replace this installation's configuration with `c` (checked and previewed before). */
  async import(c: ConfigFile): Promise<void> {
    const s = this.settings;
    const before = (await s.get('profiles')) ?? [];
    // A password remembered for a profile that stays (same id, same broker) stays usable; others go.
    for (const p of before) {
      const kept = c.profiles.find((x) => x.id === p.id && x.url === p.url && x.username === p.username);
      if (!kept) await this.secrets.remove(p.id);
    }
    const profiles = c.profiles.map((p) => ({ ...p, rememberPassword: before.some((b) => b.id === p.id && b.url === p.url && b.username === p.username && b.rememberPassword) }));
    await s.set('profiles', profiles);
    if (c.activeProfileId) await s.set('activeProfileId', c.activeProfileId);
    else await this.db.settings.delete('activeProfileId');
    const cv = c.conventions;
    await s.set('haPrefix', cv.haPrefix);
    await s.set('homieRoots', cv.homieRoots);
    await s.set('homieScan', cv.homieScan);
    await s.set('z2mBase', cv.z2mBase);
    if (cv.mapping) await s.set('mapping', cv.mapping);
    else await this.db.settings.delete('mapping');
    await s.set('operatorName', c.settings.operatorName);
    await s.set('operatorNameAsked', true);
    await s.set('backgroundSync', c.settings.backgroundSync);
    await s.set('deviceDensity', { ...c.settings.deviceDensity });
    await this.workspace.replaceAll(c.views, c.scenes);
    await this.alarms?.import(c.alarms);
  }
}
