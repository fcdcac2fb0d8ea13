/**
 * The conventions settings, on the page: an imported custom-topic mapping,
 * the Home Assistant discovery prefix, Homie base topics and root scan, the
 * Zigbee2MQTT base topic. Stored in IndexedDB; the engine host reads them and
 * rebuilds its adapters (a rebuild reconnects and re-reads all status).
 */
import { msg, str } from '@lit/localize';
import { parseMapping, type MappingFile } from '../conventions/mapped.js';
import { DEFAULT_HA_PREFIX } from '../host/config.js';
import type { HoldfastDb } from '../store/db.js';
import type { SettingsStore } from '../store/settings.js';
import { Store } from './store.js';

export interface ConventionsState {
  readonly mapping: MappingFile | null;
  readonly haPrefix: string;
  readonly homieRoots: readonly string[];
  readonly homieScan: boolean;
  readonly z2mBase: string;
}

export type ImportMappingResult = { readonly ok: true; readonly devices: number } | { readonly ok: false; readonly errors: readonly string[] };
export type TopicSettingResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

const topicPrefixError = (): string => msg('Use a topic prefix without wildcards or leading/trailing "/", e.g. homeassistant');

/** A base topic an operator may type: no wildcards, no NUL, no leading or trailing "/". */
export function checkBaseTopic(value: string): string | null {
  const p = value.trim();
  return !p || /[#+]/.test(p) || p.includes('\0') || p.startsWith('/') || p.endsWith('/') ? null : p;
}

export class ConventionsConfig {
  readonly state = new Store<ConventionsState>({ mapping: null, haPrefix: DEFAULT_HA_PREFIX, homieRoots: ['homie'], homieScan: true, z2mBase: 'zigbee2mqtt' });

  constructor(
    private readonly db: HoldfastDb,
    private readonly settings: SettingsStore,
    private readonly changed: () => void,
  ) {}

  /** Read the settings; the hosting server may ship a mapping (npm start ships the incident's VP4 example). */
  async load(defaultMapping?: unknown): Promise<void> {
    let stored = await this.settings.get('mapping');
    if (stored === undefined && defaultMapping !== undefined) {
      const parsed = parseMapping(defaultMapping);
      if (parsed.ok) {
        stored = parsed.mapping;
        await this.settings.set('mapping', stored);
        this.changed();
      }
    }
    const checked = stored ? parseMapping(stored) : null;
    const [haPrefix, homieRoots, homieScan, z2mBase] = await Promise.all([this.settings.get('haPrefix'), this.settings.get('homieRoots'), this.settings.get('homieScan'), this.settings.get('z2mBase')]);
    this.state.patch({
      mapping: checked?.ok ? checked.mapping : null,
      haPrefix: haPrefix ?? DEFAULT_HA_PREFIX,
      homieRoots: homieRoots ?? ['homie'],
      homieScan: homieScan ?? true,
      z2mBase: z2mBase ?? 'zigbee2mqtt',
    });
  }

  /** Import a custom-topic mapping (pasted or from a file); nothing changes unless it is valid. */
  async importMapping(text: string): Promise<ImportMappingResult> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      return { ok: false, errors: [msg(str`not valid JSON: ${err instanceof Error ? err.message : String(err)}`)] };
    }
    const parsed = parseMapping(json);
    if (!parsed.ok) return { ok: false, errors: parsed.errors };
    await this.settings.set('mapping', parsed.mapping);
    this.state.patch({ mapping: parsed.mapping });
    this.changed();
    return { ok: true, devices: parsed.mapping.devices.length };
  }

  async removeMapping(): Promise<void> {
    await this.db.settings.delete('mapping');
    this.state.patch({ mapping: null });
    this.changed();
  }

  async setHaPrefix(prefix: string): Promise<TopicSettingResult> {
    const p = checkBaseTopic(prefix);
    if (p === null) return { ok: false, error: topicPrefixError() };
    await this.settings.set('haPrefix', p);
    this.state.patch({ haPrefix: p });
    this.changed();
    return { ok: true };
  }

  /** Homie base topics, comma-separated, and whether other roots are found by a scan. */
  async setHomie(roots: string, scan: boolean): Promise<TopicSettingResult> {
    const list = roots.split(',').map((r) => checkBaseTopic(r));
    if (list.length === 0 || list.some((r) => r === null)) return { ok: false, error: msg('Use base topics without wildcards, separated by commas, e.g. homie, valetudo') };
    const homieRoots = [...new Set(list as string[])];
    await this.settings.set('homieRoots', homieRoots);
    await this.settings.set('homieScan', scan);
    this.state.patch({ homieRoots, homieScan: scan });
    this.changed();
    return { ok: true };
  }

  async setZ2mBase(base: string): Promise<TopicSettingResult> {
    const p = checkBaseTopic(base);
    if (p === null) return { ok: false, error: msg('Use a base topic without wildcards, e.g. zigbee2mqtt') };
    await this.settings.set('z2mBase', p);
    this.state.patch({ z2mBase: p });
    this.changed();
    return { ok: true };
  }
}
