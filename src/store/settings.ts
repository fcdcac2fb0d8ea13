import type { MappingFile } from '../conventions/mapped.js';
import type { LanguageChoice } from '../i18n/locales.js';
import type { ConnectionProfile } from '../model/profile.js';
import type { Density } from '../model/workspace.js';
import type { HoldfastDb } from './db.js';

/** A lock PIN, as stored: a salted PBKDF2-SHA-256 hash, never the PIN. */
export interface PinHash {
  readonly salt: Uint8Array<ArrayBuffer>;
  readonly hash: Uint8Array<ArrayBuffer>;
  readonly iterations: number;
}

/** Typed keys for the settings table. */
export interface SettingsSchema {
  profiles: readonly ConnectionProfile[];
  activeProfileId: string;
  /** MQTT version that last worked, per broker URL ('auto' learns it). */
  protocolByBroker: Record<string, 4 | 5>;
  /** Shown to other operators in presence; asked once. */
  operatorName: string;
  /** The operator answered the name question (even with "not now"). */
  operatorNameAsked: boolean;
  /** Custom-topic mapping (checked by parseMapping before it is stored). */
  mapping: MappingFile;
  haPrefix: string;
  /** Homie base topics (default ["homie"]) and whether any other root is discovered by a cheap scan. */
  homieRoots: readonly string[];
  homieScan: boolean;
  /** Zigbee2MQTT base topic (default "zigbee2mqtt"). */
  z2mBase: string;
  /** The device page shown last: the first paint shows it again. */
  lastDevice: string;
  /** The view shown last, if the operator was on a view. */
  lastView: string;
  /** Per device page, the density the operator chose (default: compact above 12 properties). */
  deviceDensity: Record<string, Density>;
  /** Locked observer mode, and the PIN that unlocks it (a salted hash only). */
  locked: boolean;
  lockPin: PinHash;
  /** The one-time welcome was answered. */
  welcomed: boolean;
  /** Let the service worker send queued changes when the connection returns with no console open (Chromium). Off unless set. */
  backgroundSync: boolean;
  /** Play a tone (Web Audio) / vibrate when an alarm is raised. Off unless set; never before the operator touched the page. */
  alarmSound: boolean;
  alarmVibrate: boolean;
  /** The rules the server's configuration ships were imported once (the operator's copy rules from then on). */
  alarmRulesSeeded: boolean;
  /** The language chosen in Settings for this browser ('auto': follow the browser's languages). */
  language: LanguageChoice;
}

export class SettingsStore {
  constructor(private readonly db: HoldfastDb) {}

  async get<K extends keyof SettingsSchema>(key: K): Promise<SettingsSchema[K] | undefined> {
    const row = await this.db.settings.get(key);
    return row?.value as SettingsSchema[K] | undefined;
  }

  async set<K extends keyof SettingsSchema>(key: K, value: SettingsSchema[K]): Promise<void> {
    await this.db.settings.put({ key, value });
  }
}
