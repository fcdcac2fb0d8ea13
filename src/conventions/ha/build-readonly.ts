/**
 * Components that are only read here: update (installed and latest version),
 * event (the last event type) and device_tracker (home, not_home or a zone).
 * An update's install command is not offered.
 */
import { ConfigError, optFilter, optText, optTextList } from './config.js';
import { readingPart } from './build-parts.js';
import { PAYLOAD_NONE, quote, readJsonKey, type Build, type PropDef, type Read } from './entity.js';
import { jsonOf } from './templates.js';

const text = (v: unknown): Read => (typeof v === 'string' || typeof v === 'number' ? { ok: true, value: String(v) } : { ok: false, error: `${quote(JSON.stringify(v))} is not a version` });

export function buildUpdate(b: Build): PropDef[] {
  const defs: PropDef[] = [];
  // HA: a JSON object state carries installed_version (and maybe latest_version); other text is the installed version.
  const installed = readingPart(b, {
    suffix: '/installed',
    part: 'Installed version',
    stateKey: 'state_topic',
    valueKey: 'value_template',
    numeric: false,
    required: false,
    read: (t) => {
      if (t === '' || t === PAYLOAD_NONE) return { skip: true };
      const json = jsonOf(t);
      return json !== null && typeof json === 'object' && !Array.isArray(json) ? readJsonKey('installed_version', text)(t) : { ok: true, value: t };
    },
  });
  if (installed) defs.push(installed);
  const latestTopic = optFilter(b.cfg, 'latest_version_topic');
  const latest = readingPart(
    b,
    latestTopic !== undefined
      ? { suffix: '/latest', part: 'Latest version', stateKey: 'latest_version_topic', valueKey: 'latest_version_template', numeric: false, required: false }
      : { suffix: '/latest', part: 'Latest version', stateKey: 'state_topic', valueKey: 'value_template', numeric: false, required: false, read: readJsonKey('latest_version', text) },
  );
  if (latest && (latestTopic !== undefined || installed)) defs.push(latest);
  if (defs.length === 0) throw new ConfigError('state_topic or latest_version_topic is required');
  return defs;
}

export function buildEvent(b: Build): PropDef[] {
  const types = optTextList(b.cfg, 'event_types');
  if (types === undefined || types.length === 0) throw new ConfigError('event_types must be a non-empty list');
  const def = readingPart(b, {
    stateKey: 'state_topic',
    valueKey: 'value_template',
    numeric: false,
    required: true,
    read: readJsonKey('event_type', (v) =>
      typeof v === 'string' && types.includes(v) ? { ok: true, value: v } : { ok: false, error: `event_type ${quote(String(v))} is not one of its event_types` },
    ),
  });
  return def ? [def] : [];
}

export function buildDeviceTracker(b: Build): PropDef[] {
  const home = optText(b.cfg, 'payload_home', 'home');
  const notHome = optText(b.cfg, 'payload_not_home', 'not_home');
  const reset = optText(b.cfg, 'payload_reset', PAYLOAD_NONE);
  if (b.cfg['state_topic'] === undefined) throw new ConfigError('state_topic is required here (location attributes alone are not shown)');
  const def = readingPart(b, {
    stateKey: 'state_topic',
    valueKey: 'value_template',
    numeric: false,
    required: true,
    // HA's states: home, not_home, or the name of a zone.
    read: (t) => (t === reset || t === '' ? { skip: true } : { ok: true, value: t === home ? 'home' : t === notHome ? 'not_home' : t }),
  });
  return def ? [def] : [];
}
