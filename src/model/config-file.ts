/**
 * One configuration file for an installation: profiles (never passwords),
 * the custom-topic mapping, conventions settings, views, scenes and settings.
 * Versioned; its JSON Schema is docs/holdfast-config.schema.json, and
 * `checkConfigFile` enforces the same rules with an error per field (no
 * schema compiler: those generate code, which the strict CSP forbids).
 * Pure: reading, checking and previewing; the app applies it.
 */
import { msg, str } from '@lit/localize';
import { parseMapping, type MappingFile } from '../conventions/mapped.js';
import { formatNumber } from '../i18n/format.js';
import { checkRules } from './alarms.js';
import { validateProfile, type ConnectionProfile } from './profile.js';
import { checkScene, checkView, type Density, type FieldError, type Scene, type View } from './workspace.js';

export const CONFIG_FORMAT = 'holdfast-config';
export const CONFIG_VERSION = 1;
/** A file this large is not a configuration. */
export const MAX_CONFIG_BYTES = 5 * 1024 * 1024;

export interface ConventionsSettings {
  readonly haPrefix: string;
  readonly homieRoots: readonly string[];
  readonly homieScan: boolean;
  readonly z2mBase: string;
  readonly mapping: MappingFile | null;
}

export interface ConsoleSettings {
  readonly operatorName: string;
  readonly theme: 'system' | 'dark' | 'light';
  readonly backgroundSync: boolean;
  /** Per device page, when the operator chose a density other than the default. */
  readonly deviceDensity: Readonly<Record<string, Density>>;
}

export interface ConfigFile {
  readonly format: typeof CONFIG_FORMAT;
  readonly version: typeof CONFIG_VERSION;
  readonly exportedAt: string;
  readonly profiles: readonly ConnectionProfile[];
  readonly activeProfileId: string | null;
  readonly conventions: ConventionsSettings;
  readonly views: readonly View[];
  readonly scenes: readonly Scene[];
  readonly settings: ConsoleSettings;
  /** Alarm rules, as the alarm model checks them (kept as given here; src/model/alarms.ts owns their shape). */
  readonly alarms: readonly unknown[];
}

export type ConfigCheck = { readonly ok: true; readonly config: ConfigFile } | { readonly ok: false; readonly errors: readonly FieldError[] };

const isRecord = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
/** A base topic: no wildcards, no NUL, no leading or trailing "/". */
function baseTopic(v: unknown): v is string {
  return typeof v === 'string' && v !== '' && !/[#+]/.test(v) && !v.includes('\0') && !v.startsWith('/') && !v.endsWith('/');
}

/** Profiles in a file carry no password and never turn password saving on. */
export function exportedProfile(p: ConnectionProfile): ConnectionProfile {
  return { id: p.id, name: p.name, url: p.url, username: p.username, rememberPassword: false, clientIdPrefix: p.clientIdPrefix, protocol: p.protocol, keepaliveSeconds: p.keepaliveSeconds };
}

/** Read a file's text: valid JSON within the size limit, then checked field by field. */
export function readConfigFile(text: string): ConfigCheck {
  if (text.length > MAX_CONFIG_BYTES) return { ok: false, errors: [{ path: '', message: msg(str`is larger than ${formatNumber(MAX_CONFIG_BYTES / 1024 / 1024)} MB`) }] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, errors: [{ path: '', message: msg(str`is not valid JSON (${err instanceof Error ? err.message : String(err)})`) }] };
  }
  return checkConfigFile(json);
}

export function checkConfigFile(raw: unknown): ConfigCheck {
  const errors: FieldError[] = [];
  if (!isRecord(raw)) return { ok: false, errors: [{ path: '', message: msg('must be a JSON object') }] };
  if (raw['format'] !== CONFIG_FORMAT) errors.push({ path: 'format', message: msg(str`must be "${CONFIG_FORMAT}"`) });
  if (raw['version'] !== CONFIG_VERSION) errors.push({ path: 'version', message: msg(str`must be ${CONFIG_VERSION} (this console reads version ${CONFIG_VERSION})`) });

  const profiles: ConnectionProfile[] = [];
  const rawProfiles = raw['profiles'] ?? [];
  if (!Array.isArray(rawProfiles)) errors.push({ path: 'profiles', message: msg('must be a list') });
  else
    rawProfiles.forEach((p: unknown, i) => {
      const path = `profiles[${i}]`;
      if (!isRecord(p)) return errors.push({ path, message: msg('must be an object') });
      if ('password' in p) errors.push({ path: `${path}.password`, message: msg('passwords are never part of a configuration file') });
      const id = p['id'];
      if (typeof id !== 'string' || id === '' || id.length > 100) errors.push({ path: `${path}.id`, message: msg('must be a non-empty id') });
      const v = validateProfile({ ...p, rememberPassword: false });
      if (!v.ok) for (const [field, message] of Object.entries(v.errors)) errors.push({ path: `${path}.${field}`, message: message ?? msg('is not valid') });
      else if (typeof id === 'string') profiles.push({ ...v.profile, id });
      return undefined;
    });
  const ids = profiles.map((p) => p.id);
  if (new Set(ids).size !== ids.length) errors.push({ path: 'profiles', message: msg('two profiles have the same id') });
  const activeProfileId = raw['activeProfileId'] ?? null;
  if (activeProfileId !== null && (typeof activeProfileId !== 'string' || !ids.includes(activeProfileId))) errors.push({ path: 'activeProfileId', message: msg('must be the id of one of the profiles, or null') });

  const c = raw['conventions'] ?? {};
  let conventions: ConventionsSettings = { haPrefix: 'homeassistant', homieRoots: ['homie'], homieScan: true, z2mBase: 'zigbee2mqtt', mapping: null };
  if (!isRecord(c)) errors.push({ path: 'conventions', message: msg('must be an object') });
  else {
    const base = (key: string, dflt: string): string => {
      const v = c[key] ?? dflt;
      if (!baseTopic(v)) {
        errors.push({ path: `conventions.${key}`, message: msg('must be a topic prefix without wildcards or leading/trailing "/"') });
        return dflt;
      }
      return v;
    };
    const roots = c['homieRoots'] ?? ['homie'];
    let homieRoots: string[] = ['homie'];
    if (!Array.isArray(roots) || roots.length === 0 || roots.some((r) => !baseTopic(r))) errors.push({ path: 'conventions.homieRoots', message: msg('must be a non-empty list of base topics without wildcards') });
    else homieRoots = roots as string[];
    const scan = c['homieScan'] ?? true;
    if (typeof scan !== 'boolean') errors.push({ path: 'conventions.homieScan', message: msg('must be true or false') });
    let mapping: MappingFile | null = null;
    if (c['mapping'] !== undefined && c['mapping'] !== null) {
      const m = parseMapping(c['mapping']);
      if (m.ok) mapping = m.mapping;
      else for (const e of m.errors) errors.push({ path: 'conventions.mapping', message: e });
    }
    conventions = { haPrefix: base('haPrefix', 'homeassistant'), homieRoots, homieScan: scan === true, z2mBase: base('z2mBase', 'zigbee2mqtt'), mapping };
  }

  const views: View[] = [];
  const rawViews = raw['views'] ?? [];
  if (!Array.isArray(rawViews)) errors.push({ path: 'views', message: msg('must be a list') });
  else
    rawViews.forEach((v: unknown, i) => {
      const r = checkView(v, `views[${i}]`);
      if (r.ok) views.push(r.value);
      else errors.push(...r.errors);
    });
  const scenes: Scene[] = [];
  const rawScenes = raw['scenes'] ?? [];
  if (!Array.isArray(rawScenes)) errors.push({ path: 'scenes', message: msg('must be a list') });
  else
    rawScenes.forEach((s: unknown, i) => {
      const r = checkScene(s, `scenes[${i}]`);
      if (!r.ok) return errors.push(...r.errors);
      if (!views.some((v) => v.id === r.value.viewId)) errors.push({ path: `scenes[${i}].viewId`, message: msg('must be the id of one of the views') });
      scenes.push(r.value);
      return undefined;
    });

  const s = raw['settings'] ?? {};
  let settings: ConsoleSettings = { operatorName: '', theme: 'system', backgroundSync: false, deviceDensity: {} };
  if (!isRecord(s)) errors.push({ path: 'settings', message: msg('must be an object') });
  else {
    const name = s['operatorName'] ?? '';
    if (typeof name !== 'string' || name.length > 60) errors.push({ path: 'settings.operatorName', message: msg(str`must be text of at most ${formatNumber(60)} characters`) });
    const theme = s['theme'] ?? 'system';
    if (theme !== 'system' && theme !== 'dark' && theme !== 'light') errors.push({ path: 'settings.theme', message: msg('must be "system", "dark" or "light"') });
    const bg = s['backgroundSync'] ?? false;
    if (typeof bg !== 'boolean') errors.push({ path: 'settings.backgroundSync', message: msg('must be true or false') });
    const dd = s['deviceDensity'] ?? {};
    const deviceDensity: Record<string, Density> = {};
    if (!isRecord(dd)) errors.push({ path: 'settings.deviceDensity', message: msg('must be an object') });
    else
      for (const [k, v] of Object.entries(dd)) {
        if (v === 'compact' || v === 'comfortable') deviceDensity[k] = v;
        else errors.push({ path: `settings.deviceDensity.${k}`, message: msg('must be "compact" or "comfortable"') });
      }
    settings = { operatorName: typeof name === 'string' ? name.trim() : '', theme: theme === 'dark' || theme === 'light' ? theme : 'system', backgroundSync: bg === true, deviceDensity };
  }
  const alarms = raw['alarms'] ?? [];
  if (!Array.isArray(alarms)) errors.push({ path: 'alarms', message: msg('must be a list') });
  else {
    // Checked here too, so a preview never accepts rules the import would then refuse.
    const checked = checkRules(alarms);
    if (!checked.ok) for (const e of checked.errors) errors.push({ path: `alarms[${e.index}].${e.field}`, message: msg(str`is not valid (${e.error})`) });
  }

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    config: {
      format: CONFIG_FORMAT,
      version: CONFIG_VERSION,
      exportedAt: typeof raw['exportedAt'] === 'string' ? raw['exportedAt'] : '',
      profiles,
      activeProfileId: activeProfileId as string | null,
      conventions,
      views,
      scenes,
      settings,
      alarms: alarms as unknown[],
    },
  };
}

/** One line of an import's preview. */
export interface ConfigChange {
  readonly area: 'profiles' | 'conventions' | 'views' | 'scenes' | 'settings' | 'alarms';
  readonly what: 'added' | 'changed' | 'removed';
  readonly name: string;
}

function diffById<T extends { readonly id: string; readonly name: string }>(area: ConfigChange['area'], now: readonly T[], next: readonly T[]): ConfigChange[] {
  const out: ConfigChange[] = [];
  for (const n of next) {
    const c = now.find((x) => x.id === n.id);
    if (!c) out.push({ area, what: 'added', name: n.name });
    else if (JSON.stringify(c) !== JSON.stringify(n)) out.push({ area, what: 'changed', name: n.name });
  }
  for (const c of now) if (!next.some((n) => n.id === c.id)) out.push({ area, what: 'removed', name: c.name });
  return out;
}

/** What importing `next` over `now` would change: shown to the operator before anything is overwritten. */
export function previewConfig(now: ConfigFile, next: ConfigFile): ConfigChange[] {
  const out: ConfigChange[] = [...diffById('profiles', now.profiles.map(exportedProfile), next.profiles.map(exportedProfile))];
  if (now.activeProfileId !== next.activeProfileId) out.push({ area: 'profiles', what: 'changed', name: msg('active connection') });
  const cn = now.conventions;
  const cx = next.conventions;
  for (const key of ['haPrefix', 'homieRoots', 'homieScan', 'z2mBase'] as const) {
    if (JSON.stringify(cn[key]) !== JSON.stringify(cx[key])) out.push({ area: 'conventions', what: 'changed', name: key });
  }
  if (JSON.stringify(cn.mapping) !== JSON.stringify(cx.mapping)) out.push({ area: 'conventions', what: cx.mapping === null ? 'removed' : cn.mapping === null ? 'added' : 'changed', name: msg('custom-topic mapping') });
  out.push(...diffById('views', now.views, next.views), ...diffById('scenes', now.scenes, next.scenes));
  for (const key of ['operatorName', 'theme', 'backgroundSync', 'deviceDensity'] as const) {
    if (JSON.stringify(now.settings[key]) !== JSON.stringify(next.settings[key])) out.push({ area: 'settings', what: 'changed', name: key });
  }
  if (JSON.stringify(now.alarms) !== JSON.stringify(next.alarms)) out.push({ area: 'alarms', what: 'changed', name: msg(str`${formatNumber(next.alarms.length)} alarm rules`) });
  return out;
}
