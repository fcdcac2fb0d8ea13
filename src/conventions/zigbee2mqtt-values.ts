/**
 * Zigbee2MQTT JSON values to Holdfast values and back, per control codec.
 * State: `<base>/<name>` is one JSON object, each value at its feature's
 * property (nested for composites). Sets: `{"<property>": value}` on
 * `<base>/<name>/set`, nested the same way (publish.ts parseMessage).
 */
import type { PropertyValue } from '../model/types.js';
import { parsePayload, validateValue } from '../model/values.js';
import { isRecord, type BinaryValue, type ListItem, type Z2mControl } from './zigbee2mqtt-exposes.js';

export type ReadResult =
  | { readonly kind: 'value'; readonly value: PropertyValue }
  | { readonly kind: 'error'; readonly error: string }
  /** Not in this message, or null: Zigbee2MQTT does not know the value yet. */
  | { readonly kind: 'absent' };

export type WriteResult = { readonly ok: true; readonly json: unknown } | { readonly ok: false; readonly error: string };

/** The value at a path of a state object, or undefined. */
export function valueAt(state: Record<string, unknown>, path: readonly string[]): unknown {
  let cur: unknown = state;
  for (const key of path) {
    if (!isRecord(cur) || !Object.hasOwn(cur, key)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** `{"a": {"b": json}}` for the path ["a", "b"]. */
export function nestAt(path: readonly string[], json: unknown): Record<string, unknown> {
  let out: unknown = json;
  for (let i = path.length - 1; i >= 0; i--) out = { [path[i]!]: out };
  return out as Record<string, unknown>;
}

function shown(raw: unknown): string {
  const t = JSON.stringify(raw) ?? String(raw);
  return t.length > 60 ? `${t.slice(0, 60)}…` : t;
}

function fromParsed(result: ReturnType<typeof parsePayload>): ReadResult {
  return result.ok ? { kind: 'value', value: result.value } : { kind: 'error', error: result.error };
}

/** A value from a state message, checked against the control's schema. */
export function readValue(control: Z2mControl, raw: unknown): ReadResult {
  if (raw === undefined || raw === null) return { kind: 'absent' };
  const { codec, schema } = control;
  switch (codec.kind) {
    case 'binary':
      if (raw === codec.on) return { kind: 'value', value: true };
      if (raw === codec.off) return { kind: 'value', value: false };
      return { kind: 'error', error: `${shown(raw)} is neither ${shown(codec.on)} nor ${shown(codec.off)}` };
    case 'numeric': {
      if (typeof raw === 'string' && codec.presetNames.includes(raw)) {
        return { kind: 'error', error: `the device reports the preset "${raw}", which has no number to show` };
      }
      if (typeof raw !== 'number') return { kind: 'error', error: `${shown(raw)} is not a number` };
      // A preset (color_temp_startup 65535 "previous") is a real value even outside value_min..value_max.
      if (codec.presets.includes(raw)) return { kind: 'value', value: raw };
      return fromParsed(parsePayload(schema, String(raw)));
    }
    case 'enum': {
      const match = codec.values.find((v) => v === raw);
      if (match !== undefined) return { kind: 'value', value: String(match) };
      // Zigbee2MQTT clears `action` with "" after an event; that is no value, not a bad one.
      if (raw === '') return { kind: 'absent' };
      return { kind: 'error', error: `${shown(raw)} is not one of: ${codec.values.map(String).join(', ')}` };
    }
    case 'text':
      if (typeof raw === 'string') return { kind: 'value', value: raw };
      if (typeof raw === 'number' || typeof raw === 'boolean') return { kind: 'value', value: String(raw) };
      return { kind: 'error', error: `${shown(raw)} is not text` };
    case 'color-xy': {
      if (!isRecord(raw) || typeof raw['x'] !== 'number' || typeof raw['y'] !== 'number') {
        return { kind: 'error', error: `${shown(raw)} is not a colour {"x": …, "y": …}` };
      }
      return fromParsed(parsePayload(schema, `xyz,${raw['x']},${raw['y']}`));
    }
    case 'list':
      return Array.isArray(raw) ? { kind: 'value', value: JSON.stringify(raw) } : { kind: 'error', error: `${shown(raw)} is not a list` };
    case 'command':
      return { kind: 'absent' };
  }
}

function checkListItem(item: ListItem, x: unknown): string | null {
  switch (item.kind) {
    case 'number':
      if (typeof x !== 'number' || !Number.isFinite(x)) return `${shown(x)} is not a number`;
      if ((item.min !== undefined && x < item.min) || (item.max !== undefined && x > item.max)) return `${x} is out of range ${item.min ?? ''}..${item.max ?? ''}`;
      return null;
    case 'string':
      return typeof x === 'string' ? null : `${shown(x)} is not text`;
    case 'one-of':
      return item.values.some((v: BinaryValue) => v === x) ? null : `${shown(x)} is not one of: ${item.values.map((v) => shown(v)).join(', ')}`;
  }
}

/** The JSON to send for an operator's value (validated against the schema first). */
export function writeValue(control: Z2mControl, input: PropertyValue): WriteResult {
  const checked = validateValue(control.schema, input);
  if (!checked.ok) return { ok: false, error: checked.error };
  const value = checked.value;
  const { codec } = control;
  switch (codec.kind) {
    case 'binary':
      return { ok: true, json: value === true ? codec.on : codec.off };
    case 'numeric':
      return { ok: true, json: value };
    case 'enum':
      return { ok: true, json: codec.values.find((v) => String(v) === value) ?? value };
    case 'text':
      return { ok: true, json: value };
    case 'color-xy': {
      // validateValue returns the canonical "xyz,<x>,<y>".
      const [, x, y] = String(value).split(',');
      return { ok: true, json: { x: Number(x), y: Number(y) } };
    }
    case 'list': {
      const list: unknown = JSON.parse(String(value));
      if (!Array.isArray(list)) return { ok: false, error: 'must be a JSON list' };
      const item = codec.item;
      if (item === null) return { ok: false, error: 'a list of composite entries cannot be set here' };
      if (codec.lengthMin !== undefined && list.length < codec.lengthMin) return { ok: false, error: `needs at least ${codec.lengthMin} entries` };
      if (codec.lengthMax !== undefined && list.length > codec.lengthMax) return { ok: false, error: `takes at most ${codec.lengthMax} entries` };
      for (const [i, x] of list.entries()) {
        const problem = checkListItem(item, x);
        if (problem !== null) return { ok: false, error: `entry ${i + 1}: ${problem}` };
      }
      return { ok: true, json: list };
    }
    case 'command':
      return { ok: true, json: codec.value };
  }
}
