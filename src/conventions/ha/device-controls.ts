/**
 * Entities as the adapter keeps them, and the controls a device shows for them.
 */
import type { PropertySchema } from '../../model/types.js';
import type { AvailConfig, AvailState } from './availability.js';
import type { PropDef } from './entity.js';
import { controlName, friendlyName, type OwnName } from './naming.js';
import { tasmotaQueryTopic } from './tasmota.js';

export interface Entity {
  readonly key: string;
  readonly deviceId: string;
  readonly own: OwnName;
  readonly hasDevice: boolean;
  /** device.name when the config gives one. */
  readonly deviceName?: string;
  readonly aliases: readonly string[];
  readonly tasmota: boolean;
  /** Shown where HA has no name: the discovery object id. */
  readonly fallbackName: string;
  readonly props: readonly PropDef[];
  readonly availability: AvailConfig | null;
  readonly avail: AvailState;
}

export interface Shown {
  readonly entityKey: string;
  readonly def: PropDef;
  readonly schema: PropertySchema;
  /** Tasmota: where to ask for its state. */
  readonly queryTopic?: string;
}

export interface DeviceControls {
  readonly shown: Shown[];
  readonly standaloneName?: string;
  readonly aliases: Set<string>;
}

/**
 * A device's controls, named now that its name is known (a later config may bring it), with names kept
 * unique inside the device; entities whose property ids clash with an earlier one are left out with an error.
 */
export function deviceControls(entities: readonly Entity[], deviceName: string | undefined, errors: string[]): DeviceControls {
  const tasmota = entities.some((e) => e.tasmota);
  const aliases = new Set(entities.flatMap((e) => e.aliases));
  const ids = new Set<string>();
  const shown: Shown[] = [];
  let standaloneName: string | undefined;
  for (const e of entities) {
    const clash = e.props.find((p) => ids.has(p.schema.id));
    if (clash !== undefined) {
      errors.push(`${e.key}: property id ${JSON.stringify(clash.schema.id)} is already used by another entity of this device`);
      continue;
    }
    const friendly = friendlyName(e.own, { hasDevice: e.hasDevice, ...(deviceName !== undefined ? { deviceName } : {}), fallback: e.fallbackName });
    if (!e.hasDevice) standaloneName ??= friendly;
    for (const def of e.props) {
      ids.add(def.schema.id);
      const queryTopic = tasmota ? tasmotaQueryTopic(def) : undefined;
      const schema: PropertySchema = { ...def.schema, name: controlName(friendly, def.part), ...(queryTopic !== undefined ? { queryable: true } : {}) };
      shown.push({ entityKey: e.key, def, schema, ...(queryTopic !== undefined ? { queryTopic } : {}) });
    }
  }
  const counts = new Map<string, number>();
  for (const s of shown) counts.set(s.schema.name, (counts.get(s.schema.name) ?? 0) + 1);
  const unique = shown.map((s) => {
    if ((counts.get(s.schema.name) ?? 0) < 2) return s;
    const objectId = entities.find((e) => e.key === s.entityKey)?.fallbackName ?? s.schema.id;
    return { ...s, schema: { ...s.schema, name: `${s.schema.name} (${objectId})` } };
  });
  return { shown: unique, ...(standaloneName !== undefined ? { standaloneName } : {}), aliases };
}

