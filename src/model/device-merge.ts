/**
 * One physical device can be announced by two conventions on the same broker
 * (Zigbee2MQTT publishes both its own `bridge/devices` and Home Assistant
 * discovery). The operator sees it once, read through the convention that
 * ranks first, with a note that says so. Pure: the status pipeline and the
 * fixture tests share it.
 */
import type { DeviceSchema } from './types.js';

/** Native formats describe a device more exactly than HA discovery's projection of it. */
export const CONVENTION_RANK: readonly string[] = ['mapped', 'homie5', 'homie4', 'zigbee2mqtt', 'ha'];

const CONVENTION_NAMES: Readonly<Record<string, string>> = {
  mapped: 'the custom topic mapping',
  homie5: 'Homie 5',
  homie4: 'Homie 4',
  zigbee2mqtt: "Zigbee2MQTT's own device list",
  ha: 'Home Assistant discovery',
};

export function conventionName(convention: string): string {
  return CONVENTION_NAMES[convention] ?? convention;
}

function rank(convention: string): number {
  const i = CONVENTION_RANK.indexOf(convention);
  return i === -1 ? CONVENTION_RANK.length : i;
}

export interface MergeResult {
  /** Device ids hidden because another convention announces the same device; value: the id shown instead. */
  readonly hidden: ReadonlyMap<string, string>;
  /** Notes for the devices shown in their place, by device id. */
  readonly notes: ReadonlyMap<string, string>;
}

/**
 * Which devices to hide. Two devices are the same when their alias sets meet;
 * the one whose convention ranks first stays (ties: the smaller id, so the
 * choice is stable across reloads).
 */
export function mergeDevices(schemas: Iterable<DeviceSchema>): MergeResult {
  const byAlias = new Map<string, DeviceSchema>();
  const hidden = new Map<string, string>();
  const notes = new Map<string, string>();
  const sorted = [...schemas].sort((a, b) => rank(a.convention) - rank(b.convention) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const schema of sorted) {
    const aliases = schema.aliases ?? [];
    const winner = aliases.map((a) => byAlias.get(a)).find((d) => d !== undefined && d.id !== schema.id);
    if (winner) {
      hidden.set(schema.id, winner.id);
      const also = notes.get(winner.id);
      const text = `Also announced through ${conventionName(schema.convention)}; shown from ${conventionName(winner.convention)}.`;
      notes.set(winner.id, also && !also.includes(conventionName(schema.convention)) ? `${also} ${text}` : (also ?? text));
      continue;
    }
    for (const a of aliases) if (!byAlias.has(a)) byAlias.set(a, schema);
  }
  return { hidden, notes };
}
