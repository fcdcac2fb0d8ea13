/**
 * Discovery messages before they become entities: which config topic is
 * which, decoding a payload, splitting a device-based config (`cmps`) into
 * its components with the shared options, and a device block's identity.
 */
import { decodePayload } from '../adapter.js';
import { MAX_DESCRIPTION_BYTES } from '../homie5.js';
import { expandAbbreviations, isRecord, type Config } from './config.js';

/** HA's shared options of a device-based config (discovery.py SHARED_OPTIONS), plus `~`. */
const SHARED_OPTIONS = [
  'availability',
  'availability_mode',
  'availability_template',
  'availability_topic',
  'command_topic',
  'encoding',
  'payload_available',
  'payload_not_available',
  'state_topic',
  'qos',
  '~',
] as const;

const DISCOVERY_LEVEL = /^[a-zA-Z0-9_-]+$/;
const COMPONENT_LEVEL = /^[a-zA-Z0-9_]+$/;

export interface ConfigTopic {
  readonly component: string;
  readonly objectId: string;
  /** "<node_id>/<object_id>" or "<object_id>". */
  readonly discoveryId: string;
}

/** `<prefix>/<component>/[<node_id>/]<object_id>/config`, or null for any other topic. */
export function parseConfigTopic(rest: string): ConfigTopic | null {
  const levels = rest.split('/');
  if ((levels.length !== 3 && levels.length !== 4) || levels[levels.length - 1] !== 'config') return null;
  const [component = '', a = '', b = ''] = levels;
  const nodeId = levels.length === 4 ? a : undefined;
  const objectId = levels.length === 4 ? b : a;
  if (!COMPONENT_LEVEL.test(component) || !DISCOVERY_LEVEL.test(objectId) || (nodeId !== undefined && !DISCOVERY_LEVEL.test(nodeId))) return null;
  return { component, objectId, discoveryId: nodeId !== undefined ? `${nodeId}/${objectId}` : objectId };
}

export type Decoded = { readonly ok: true; readonly cfg: Config } | { readonly ok: false; readonly error: string };

/** A config payload as an expanded (full-name) JSON object. */
export function decodeConfig(payload: Uint8Array, what: string): Decoded {
  const decoded = decodePayload(payload, MAX_DESCRIPTION_BYTES);
  if ('error' in decoded) return { ok: false, error: `${what}: ${decoded.error}` };
  let doc: unknown;
  try {
    doc = JSON.parse(decoded.text);
  } catch (e) {
    return { ok: false, error: `${what} is not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!isRecord(doc)) return { ok: false, error: `${what} is not a JSON object` };
  return { ok: true, cfg: expandAbbreviations(doc) };
}

/** A discovery migration hand-over is not a config. */
export const isMigration = (cfg: Config): boolean => 'migrate_discovery' in cfg;

/** The device's id: its first identifier, else its first connection. */
export function deviceNativeId(device: Config): string | undefined {
  const ids = device['identifiers'];
  const first = Array.isArray(ids) ? ids[0] : ids;
  if (typeof first === 'string' && first !== '') return first;
  if (typeof first === 'number' && Number.isFinite(first)) return String(first);
  const cns = device['connections'];
  if (Array.isArray(cns) && Array.isArray(cns[0])) {
    const [type, value] = cns[0] as unknown[];
    if (typeof type === 'string' && typeof value === 'string' && value !== '') return `${type}_${value}`;
  }
  return undefined;
}

/**
 * Every name the device goes by: its identifiers, and its connections as
 * "type:value". A Zigbee2MQTT device's identifier `zigbee2mqtt_0x…` is also
 * an alias of its native Zigbee2MQTT device, so it is shown once.
 */
export function deviceAliases(device: Config): string[] {
  const out: string[] = [];
  const ids = device['identifiers'];
  for (const id of Array.isArray(ids) ? ids : [ids]) {
    if (typeof id === 'string' && id !== '') out.push(id);
    else if (typeof id === 'number' && Number.isFinite(id)) out.push(String(id));
  }
  const cns = device['connections'];
  if (Array.isArray(cns)) {
    for (const c of cns) {
      if (!Array.isArray(c)) continue;
      const [type, value] = c as unknown[];
      if (typeof type === 'string' && typeof value === 'string' && value !== '') out.push(`${type}:${value}`);
    }
  }
  return out;
}

export interface ComponentConfig {
  /** "device/<discovery id>#<component id>". */
  readonly key: string;
  readonly componentId: string;
  readonly platform: string;
  readonly cfg: Config;
}

export type DeviceConfig =
  | {
      readonly ok: true;
      readonly deviceId: string;
      readonly components: readonly ComponentConfig[];
      /** Components that are present but unusable (no platform, not an object). */
      readonly errors: readonly { readonly key: string; readonly error: string }[];
    }
  | { readonly ok: false; readonly deviceId?: string; readonly error: string };

/** Split a device-based config into component configs; a component with only `p` is a removal (left out). */
export function splitDeviceConfig(configKey: string, discoveryId: string, cfg: Config, convention: string): DeviceConfig {
  const device = cfg['device'];
  const components = cfg['components'];
  const what = `device config ${discoveryId}`;
  if (!isRecord(device)) return { ok: false, error: `${what}: "device" (dev) must be an object` };
  const native = deviceNativeId(device);
  const deviceId = native !== undefined ? `${convention}:${native}` : undefined;
  if (!isRecord(components)) return { ok: false, ...(deviceId ? { deviceId } : {}), error: `${what}: "components" (cmps) must be an object` };
  if (deviceId === undefined) return { ok: false, error: `${what}: the device needs identifiers (ids) or connections (cns)` };
  const out: ComponentConfig[] = [];
  const errors: { key: string; error: string }[] = [];
  for (const [componentId, raw] of Object.entries(components)) {
    const key = `${configKey}#${componentId}`;
    if (!isRecord(raw)) {
      errors.push({ key, error: `${key}: component must be an object` });
      continue;
    }
    const platform = raw['platform'];
    const rest = Object.fromEntries(Object.entries(raw).filter(([k]) => k !== 'platform'));
    if (Object.keys(rest).length === 0) continue;
    if (typeof platform !== 'string') {
      errors.push({ key, error: `${key}: platform (p) is missing` });
      continue;
    }
    const merged: Config = { ...rest, device, ...(cfg['origin'] !== undefined ? { origin: cfg['origin'] } : {}) };
    for (const option of SHARED_OPTIONS) if (option in cfg && !(option in merged)) merged[option] = cfg[option];
    out.push({ key, componentId, platform, cfg: merged });
  }
  return { ok: true, deviceId, components: out, errors };
}
