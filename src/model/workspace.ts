/**
 * The operator's workspace: named views of controls pinned from any device,
 * and scenes (saved values of a view's settings, recalled through the outbox
 * like any edit). Pure: data, checks and the recall preview.
 */
import { msg, str } from '@lit/localize';
import { formatNumber } from '../i18n/format.js';
import type { PropertySchema, PropertyValue } from './types.js';
import { valuesEqual } from './values.js';

export type Density = 'comfortable' | 'compact';

export type ViewItem =
  | { readonly kind: 'control'; readonly id: string; readonly deviceId: string; readonly propertyId: string }
  | { readonly kind: 'heading'; readonly id: string; readonly text: string };

export interface View {
  readonly id: string;
  readonly name: string;
  readonly items: readonly ViewItem[];
  /** Views default to compact: a row per control. */
  readonly density: Density;
  readonly updatedAt: number;
}

export interface SceneValue {
  readonly deviceId: string;
  readonly propertyId: string;
  readonly value: PropertyValue;
}

export interface Scene {
  readonly id: string;
  readonly name: string;
  readonly viewId: string;
  readonly values: readonly SceneValue[];
  readonly createdAt: number;
}

/** Above this many properties a device page defaults to compact rows. */
export const COMPACT_AFTER = 12;

export const MAX_VIEW_ITEMS = 500;
export const MAX_NAME = 80;

/** A field's problem in a view, scene or configuration file: where (a JSON path) and what. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly FieldError[] };

const isRecord = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

function text(raw: unknown, path: string, errors: FieldError[], max = MAX_NAME): string {
  if (typeof raw !== 'string' || raw.trim() === '') {
    errors.push({ path, message: msg('must be non-empty text') });
    return '';
  }
  if (raw.length > max) errors.push({ path, message: msg(str`must be at most ${formatNumber(max)} characters`) });
  return raw.trim().slice(0, max);
}

function id(raw: unknown, path: string, errors: FieldError[]): string {
  if (typeof raw !== 'string' || !/^[A-Za-z0-9_.:/-]{1,200}$/.test(raw)) {
    errors.push({ path, message: msg('must be an id of letters, digits and _.:/-') });
    return '';
  }
  return raw;
}

function value(raw: unknown, path: string, errors: FieldError[]): PropertyValue {
  if (typeof raw === 'string' && raw.length <= 10_000) return raw;
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
  if (typeof raw === 'boolean') return raw;
  errors.push({ path, message: msg('must be text, a finite number or true/false') });
  return '';
}

/** Check a view from a link, a file or storage; every bad field gets its own error. */
export function checkView(raw: unknown, path = 'view'): Checked<View> {
  const errors: FieldError[] = [];
  if (!isRecord(raw)) return { ok: false, errors: [{ path, message: msg('must be an object') }] };
  const items: ViewItem[] = [];
  if (!Array.isArray(raw['items'])) errors.push({ path: `${path}.items`, message: msg('must be a list') });
  else if (raw['items'].length > MAX_VIEW_ITEMS) errors.push({ path: `${path}.items`, message: msg(str`must have at most ${formatNumber(MAX_VIEW_ITEMS)} entries`) });
  else
    raw['items'].forEach((it: unknown, i) => {
      const p = `${path}.items[${i}]`;
      if (!isRecord(it)) return errors.push({ path: p, message: msg('must be an object') });
      const itemId = id(it['id'], `${p}.id`, errors);
      if (it['kind'] === 'heading') items.push({ kind: 'heading', id: itemId, text: text(it['text'], `${p}.text`, errors) });
      else if (it['kind'] === 'control') items.push({ kind: 'control', id: itemId, deviceId: id(it['deviceId'], `${p}.deviceId`, errors), propertyId: id(it['propertyId'], `${p}.propertyId`, errors) });
      else errors.push({ path: `${p}.kind`, message: msg('must be "control" or "heading"') });
      return undefined;
    });
  const seen = new Set<string>();
  for (const it of items) {
    if (seen.has(it.id)) errors.push({ path: `${path}.items`, message: msg(str`the id "${it.id}" is used twice`) });
    seen.add(it.id);
  }
  const density = raw['density'] === undefined ? 'compact' : raw['density'];
  if (density !== 'compact' && density !== 'comfortable') errors.push({ path: `${path}.density`, message: msg('must be "compact" or "comfortable"') });
  const view: View = {
    id: id(raw['id'], `${path}.id`, errors),
    name: text(raw['name'], `${path}.name`, errors),
    items,
    density: density === 'comfortable' ? 'comfortable' : 'compact',
    updatedAt: typeof raw['updatedAt'] === 'number' && Number.isFinite(raw['updatedAt']) ? raw['updatedAt'] : 0,
  };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: view };
}

export function checkScene(raw: unknown, path = 'scene'): Checked<Scene> {
  const errors: FieldError[] = [];
  if (!isRecord(raw)) return { ok: false, errors: [{ path, message: msg('must be an object') }] };
  const values: SceneValue[] = [];
  if (!Array.isArray(raw['values'])) errors.push({ path: `${path}.values`, message: msg('must be a list') });
  else if (raw['values'].length > MAX_VIEW_ITEMS) errors.push({ path: `${path}.values`, message: msg(str`must have at most ${formatNumber(MAX_VIEW_ITEMS)} entries`) });
  else
    raw['values'].forEach((v: unknown, i) => {
      const p = `${path}.values[${i}]`;
      if (!isRecord(v)) return errors.push({ path: p, message: msg('must be an object') });
      values.push({ deviceId: id(v['deviceId'], `${p}.deviceId`, errors), propertyId: id(v['propertyId'], `${p}.propertyId`, errors), value: value(v['value'], `${p}.value`, errors) });
      return undefined;
    });
  const scene: Scene = {
    id: id(raw['id'], `${path}.id`, errors),
    name: text(raw['name'], `${path}.name`, errors),
    viewId: id(raw['viewId'], `${path}.viewId`, errors),
    values,
    createdAt: typeof raw['createdAt'] === 'number' && Number.isFinite(raw['createdAt']) ? raw['createdAt'] : 0,
  };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: scene };
}

/** Can a control be part of a scene? Settable, writable, and not a momentary command. */
export function sceneable(p: PropertySchema | undefined): boolean {
  return p !== undefined && p.settable && !p.momentary && p.readOnlyReason === undefined;
}

/** One line of a recall's preview: what the control shows now, and what the scene would set. */
export interface RecallChange {
  readonly deviceId: string;
  readonly propertyId: string;
  /** What the operator sees now (null: unknown). */
  readonly now: PropertyValue | null;
  readonly target: PropertyValue;
}

export interface RecallPreview {
  readonly changes: readonly RecallChange[];
  /** Already equal: nothing to send. */
  readonly same: readonly SceneValue[];
  /** No longer settable or gone from the device (not sent, said so). */
  readonly unavailable: readonly SceneValue[];
}

/**
 * What recalling a scene would change, from what the operator sees now:
 * settings already equal are skipped, settings that can no longer be set are
 * listed apart. Each change is then an ordinary edit whose base is `now`.
 */
export function previewRecall(scene: Scene, shown: (deviceId: string, propertyId: string) => { readonly schema: PropertySchema | undefined; readonly value: PropertyValue | null }): RecallPreview {
  const changes: RecallChange[] = [];
  const same: SceneValue[] = [];
  const unavailable: SceneValue[] = [];
  for (const v of scene.values) {
    const s = shown(v.deviceId, v.propertyId);
    if (!sceneable(s.schema)) unavailable.push(v);
    else if (s.value !== null && valuesEqual(s.value, v.value)) same.push(v);
    else changes.push({ deviceId: v.deviceId, propertyId: v.propertyId, now: s.value, target: v.value });
  }
  return { changes, same, unavailable };
}

/** A view as it travels in a link or a QR code: compact JSON, no secrets (a view holds none). */
export function viewLinkPayload(view: View): string {
  return JSON.stringify({ id: view.id, name: view.name, density: view.density, items: view.items });
}

/** Move an item one place up (-1) or down (+1); the keyboard alternative to dragging. */
export function moveItem(items: readonly ViewItem[], itemId: string, by: -1 | 1): ViewItem[] {
  const i = items.findIndex((it) => it.id === itemId);
  const j = i + by;
  if (i === -1 || j < 0 || j >= items.length) return [...items];
  const next = [...items];
  [next[i], next[j]] = [next[j]!, next[i]!];
  return next;
}

/** Move an item to a new index (the end of a drag). */
export function placeItem(items: readonly ViewItem[], itemId: string, index: number): ViewItem[] {
  const i = items.findIndex((it) => it.id === itemId);
  if (i === -1) return [...items];
  const next = [...items];
  const [it] = next.splice(i, 1);
  next.splice(Math.max(0, Math.min(next.length, index)), 0, it!);
  return next;
}
