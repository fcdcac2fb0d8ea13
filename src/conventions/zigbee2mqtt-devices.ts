/**
 * Zigbee2MQTT's retained device list, `<base>/bridge/devices`, to device
 * schemas. Pure. Shape: lib/extension/bridge.ts publishDevices() and
 * https://www.zigbee2mqtt.io/guide/usage/mqtt_topics_and_messages.html#zigbee2mqtt-bridge-devices
 */
import { checkSchema } from '../model/schema-check.js';
import type { DeviceSchema } from '../model/types.js';
import { previewText, topicProblem } from './adapter.js';
import { isRecord, parseExposes, type Z2mControl } from './zigbee2mqtt-exposes.js';

export const ZIGBEE2MQTT_CONVENTION = 'zigbee2mqtt';

export interface Z2mDevice {
  readonly ieee: string;
  readonly friendlyName: string;
  /** The friendly name works as a topic: its state is read and commands are sent. */
  readonly routable: boolean;
  readonly schema: DeviceSchema;
  readonly controls: ReadonlyMap<string, Z2mControl>;
  /** Controls the state message carries. */
  readonly published: readonly Z2mControl[];
  /** Device-level problems in words; empty when none. */
  readonly errors: readonly string[];
}

export type DeviceList =
  | { readonly ok: true; readonly devices: readonly Z2mDevice[]; readonly problems: readonly string[] }
  | { readonly ok: false; readonly error: string };

export function deviceIdOf(ieee: string): string {
  return `${ZIGBEE2MQTT_CONVENTION}:${ieee}`;
}

/** Zigbee2MQTT's own friendly-name rules (lib/util/utils.ts validateFriendlyName), plus MQTT's. */
function friendlyNameProblem(name: string): string | null {
  if (name.startsWith('/') || name.endsWith('/')) return 'starts or ends with /';
  if (/\/\d*$/.test(name)) return 'ends with "/<digits>", which Zigbee2MQTT reads as an endpoint';
  return topicProblem(name);
}

/** Why a device has no definition, in the words an operator needs. */
function missingDefinitionReason(entry: Record<string, unknown>): string {
  const state = entry['interview_state'];
  if (state === 'PENDING' || state === 'IN_PROGRESS' || entry['interviewing'] === true) {
    return 'Zigbee2MQTT is still interviewing this device; its controls appear when the interview completes.';
  }
  if (state === 'FAILED' || entry['interview_completed'] === false) {
    return 'Zigbee2MQTT could not interview this device, so it does not know what it can do; re-pair it or interview it again in Zigbee2MQTT.';
  }
  return `Zigbee2MQTT does not support this device${typeof entry['model_id'] === 'string' ? ` (model "${previewText(entry['model_id'])}")` : ''}, so it has no controls.`;
}

function parseEntry(entry: Record<string, unknown>, ieee: string): Z2mDevice {
  const rawName = entry['friendly_name'];
  const nameProblem = typeof rawName !== 'string' ? 'is missing' : friendlyNameProblem(rawName);
  const friendlyName = typeof rawName === 'string' && rawName !== '' ? rawName : ieee;
  const errors: string[] = [];
  if (nameProblem !== null) errors.push(`friendly_name ${nameProblem}; Holdfast cannot read or control the device until it is renamed in Zigbee2MQTT.`);

  const definition = entry['definition'];
  let readOnly: string | undefined;
  if (entry['supported'] === false && isRecord(definition)) {
    const model = typeof definition['model'] === 'string' ? ` (model "${previewText(definition['model'])}")` : '';
    errors.push(`Zigbee2MQTT does not support this device${model}; its values come from a definition Zigbee2MQTT generated, so it is read-only here.`);
    readOnly = 'Zigbee2MQTT does not support this device';
  } else if (entry['disabled'] === true) {
    errors.push('The device is disabled in Zigbee2MQTT.');
    readOnly = 'disabled in Zigbee2MQTT';
  }
  if (nameProblem !== null) readOnly = 'its friendly name cannot be used as an MQTT topic';

  let controls: readonly Z2mControl[] = [];
  let note: string | undefined;
  if (!isRecord(definition)) {
    errors.push(missingDefinitionReason(entry));
  } else {
    const parsed = parseExposes(definition['exposes'], readOnly);
    controls = parsed.controls;
    if (parsed.problems.length > 0) errors.push(`Some exposes were not understood: ${parsed.problems.join('; ')}`);
    if (parsed.unknown.length > 0) note = `Not shown (expose types this console does not know): ${parsed.unknown.join(', ')}.`;
  }
  const schema: DeviceSchema = {
    id: deviceIdOf(ieee),
    name: friendlyName,
    convention: ZIGBEE2MQTT_CONVENTION,
    properties: controls.map((c) => c.schema),
    // Zigbee2MQTT's Home Assistant discovery names the device "zigbee2mqtt_<ieee>" (homeassistant.ts getDevicePayload).
    aliases: [`zigbee2mqtt_${ieee}`, ieee],
    ...(note !== undefined ? { note } : {}),
  };
  errors.push(...checkSchema(schema));
  return {
    ieee,
    friendlyName,
    routable: nameProblem === null,
    schema,
    controls: new Map(controls.map((c) => [c.schema.id, c])),
    published: controls.filter((c) => c.published),
    errors,
  };
}

/** The devices of a bridge/devices document; the coordinator is not a device an operator controls. */
export function parseDeviceList(text: string): DeviceList {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `bridge/devices is not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!Array.isArray(doc)) return { ok: false, error: 'bridge/devices is not a JSON list of devices' };
  const devices: Z2mDevice[] = [];
  const problems: string[] = [];
  const ieees = new Set<string>();
  const names = new Set<string>();
  doc.forEach((entry: unknown, i) => {
    if (!isRecord(entry)) {
      problems.push(`entry ${i + 1} is not a JSON object`);
      return;
    }
    if (entry['type'] === 'Coordinator') return;
    const ieee = entry['ieee_address'];
    if (typeof ieee !== 'string' || !/^0x[0-9a-fA-F]{1,16}$/.test(ieee)) {
      problems.push(`entry ${i + 1} has no IEEE address like 0x00158d00018255df`);
      return;
    }
    if (ieees.has(ieee)) {
      problems.push(`${ieee} is listed twice; the first entry is used`);
      return;
    }
    ieees.add(ieee);
    let device = parseEntry(entry, ieee);
    if (device.routable && names.has(device.friendlyName)) {
      // Two devices cannot share a state topic: neither message could be told apart.
      device = { ...device, routable: false, errors: [...device.errors, `another device is also named "${previewText(device.friendlyName)}"; rename one in Zigbee2MQTT.`] };
    }
    if (device.routable) names.add(device.friendlyName);
    devices.push(device);
  });
  return { ok: true, devices, problems };
}
