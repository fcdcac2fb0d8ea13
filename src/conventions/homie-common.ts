/**
 * What the Homie 5 and Homie 3/4 adapters share: topic ids, base topics
 * (configured roots and roots found by the discovery scan), the check of the
 * version a device announces, node groups, and the number and enum formats.
 * Pure: no I/O.
 */
import { previewText } from './adapter.js';
import type { PropertyGroup, PropertySchema } from '../model/types.js';
import { parseNumber } from '../model/values.js';

/** The base topic every Homie version defaults to. Devices under it keep their plain ids ("homie5:vp4"). */
export const DEFAULT_HOMIE_ROOT = 'homie';

export interface HomieAdapterOptions {
  /** Base topics always subscribed. Default ["homie"]. */
  readonly roots?: readonly string[];
  /** Discover devices under any other base topic with the convention's discovery filter. Default true. */
  readonly scan?: boolean;
}

/** A topic level usable as an id: no separators, wildcards, NUL or reserved `$`. */
export function isUsableId(id: string): boolean {
  return id !== '' && !id.startsWith('$') && !/[/+#]/.test(id) && !id.includes('\u0000');
}

/**
 * Configured base topics, checked: one or more levels without wildcards. A
 * bad one is a configuration mistake, reported when the adapter is built.
 */
export function checkRoots(roots: readonly string[] | undefined): readonly string[] {
  const out: string[] = [];
  for (const raw of roots ?? [DEFAULT_HOMIE_ROOT]) {
    const root = raw.replace(/\/+$/, '');
    if (root === '' || root.split('/').some((level) => level === '' || /[+#]/.test(level) || level.includes('\u0000'))) {
      throw new RangeError(`Homie root ${JSON.stringify(raw)} is not a topic prefix`);
    }
    if (!out.includes(root)) out.push(root);
  }
  return out;
}

/**
 * The part of a device's id that names it across base topics: the device id
 * under the default root (so existing ids and stored edits stay valid),
 * "<root>/<device>" under any other.
 */
export function nativeId(root: string, device: string): string {
  return root === DEFAULT_HOMIE_ROOT ? device : `${root}/${device}`;
}

/** The inverse of nativeId: device ids never contain "/", roots may. */
export function splitNativeId(native: string): { readonly root: string; readonly device: string } {
  const cut = native.lastIndexOf('/');
  return cut === -1 ? { root: DEFAULT_HOMIE_ROOT, device: native } : { root: native.slice(0, cut), device: native.slice(cut + 1) };
}

/** Where a topic sits: its base topic, the device level, and the levels below the device. */
export interface DeviceTopic {
  readonly root: string;
  /** Not checked: a configured root owns every topic below it, usable or not. */
  readonly device: string;
  readonly rest: readonly string[];
  /** Under a root from the options (always subscribed) rather than one found by the scan. */
  readonly configured: boolean;
}

/**
 * Finds the base topic and device of a topic. `versionLevel` is the fixed
 * level between root and device ("5" for Homie 5), null for Homie 3/4.
 * A configured root wins (the longest, for nested ones); otherwise the first
 * level is the root, as the scan filters `+/+/$homie` and `+/5/+/$state` see it.
 */
export class HomieTopics {
  private readonly longestFirst: readonly string[];

  constructor(
    configured: readonly string[],
    private readonly versionLevel: string | null,
  ) {
    this.longestFirst = [...configured].sort((a, b) => b.length - a.length);
  }

  locate(topic: string): DeviceTopic | null {
    for (const root of this.longestFirst) {
      if (topic.startsWith(`${root}/`)) return this.below(root, topic.slice(root.length + 1).split('/'), true);
    }
    const [root = '', ...levels] = topic.split('/');
    if (!isUsableId(root)) return null;
    const at = this.below(root, levels, false);
    return at !== null && isUsableId(at.device) ? at : null;
  }

  private below(root: string, levels: readonly string[], configured: boolean): DeviceTopic | null {
    if (this.versionLevel === null) {
      const [device, ...rest] = levels;
      return device === undefined ? null : { root, device, rest, configured };
    }
    const [version, device, ...rest] = levels;
    return version !== this.versionLevel || device === undefined ? null : { root, device, rest, configured };
  }
}

/**
 * Devices the scan found under roots that are not configured, and the
 * filters each needs beyond the scan filter. Bounded, so a flood of stray
 * discovery topics cannot grow subscriptions without end. `Level` says how
 * much of a device is read (e.g. only `$name` for an unsupported version).
 */
export class FoundDevices<Level extends string> {
  private readonly found = new Map<string, { readonly root: string; readonly device: string; readonly level: Level }>();
  private cached: readonly string[] | null = null;

  constructor(
    private readonly max: number,
    private readonly filtersFor: (root: string, device: string, level: Level) => readonly string[],
  ) {}

  has(root: string, device: string): boolean {
    return this.found.has(key(root, device));
  }

  /** false when the bound is reached and the device is not known yet. */
  learn(root: string, device: string, level: Level): boolean {
    const k = key(root, device);
    const known = this.found.get(k);
    if (known?.level === level) return true;
    if (known === undefined && this.found.size >= this.max) return false;
    this.found.set(k, { root, device, level });
    this.cached = null;
    return true;
  }

  forget(root: string, device: string): void {
    if (this.found.delete(key(root, device))) this.cached = null;
  }

  /** Every found device's filters; cached, as the router asks after each message. */
  filters(): readonly string[] {
    this.cached ??= [...this.found.values()].flatMap((d) => this.filtersFor(d.root, d.device, d.level));
    return this.cached;
  }
}

/**
 * The base topic and device of one of an adapter's device ids, if the
 * adapter reads that device's topics: under a configured root (whether or
 * not it has described itself yet), or under another root once the scan
 * found it. null for anything else, so no filter is made for it.
 */
export function readableDevice(
  deviceId: string,
  convention: string,
  roots: readonly string[],
  found: { has(root: string, device: string): boolean },
): { readonly root: string; readonly device: string } | null {
  if (!deviceId.startsWith(`${convention}:`)) return null;
  const at = splitNativeId(deviceId.slice(convention.length + 1));
  if (!isUsableId(at.device)) return null;
  return roots.includes(at.root) || found.has(at.root, at.device) ? at : null;
}

function key(root: string, device: string): string {
  return `${root}\u0000${device}`;
}

// ---- announced versions ----

export type HomieLayout = 'homie5' | 'homie4';

/** Why a device's announced version cannot be read, as facts; versionProblemText words it. */
export type VersionProblem =
  /** a version no Holdfast adapter reads (2.0.1, 6.0) or not a version at all */
  | { readonly code: 'unsupported-version'; readonly announced: string }
  /** a version Holdfast reads, announced in the other version's topic layout */
  | { readonly code: 'wrong-layout'; readonly announced: string; readonly layout: HomieLayout };

const VERSION_TEXT = /^\d+(\.\d+)*$/;
const SUPPORTED = 'Homie 3.0, 4.0 and 5.x';

/** null when the layout reads this version: 3.x/4.x for `$homie`, 5.x for `$description.homie`. */
export function checkAnnouncedVersion(announced: string, layout: HomieLayout): VersionProblem | null {
  const major = VERSION_TEXT.test(announced) ? announced.split('.')[0] : undefined;
  const reads = layout === 'homie5' ? ['5'] : ['3', '4'];
  if (major !== undefined && reads.includes(major)) return null;
  if (major === '5' || major === '3' || major === '4') return { code: 'wrong-layout', announced, layout };
  return { code: 'unsupported-version', announced };
}

export function versionProblemText(p: VersionProblem): string {
  const shown = VERSION_TEXT.test(p.announced) ? p.announced : JSON.stringify(p.announced.slice(0, 40));
  if (p.code === 'unsupported-version') return `announces Homie ${shown}; Holdfast reads ${SUPPORTED}`;
  return p.layout === 'homie4'
    ? `announces Homie ${shown} with $homie, the Homie 3/4 layout; Homie 5 devices are read from <root>/5/<device>/$description`
    : `$description declares Homie ${shown}; Homie 3/4 devices are read from <root>/<device>/$homie`;
}

// ---- formats and groups ----

/** The node a property belongs to, shown as its group: controls need unique names only within it. */
export function nodeGroup(nodeId: string, name: string | undefined): PropertyGroup {
  return { id: nodeId, name: name !== undefined && name.trim() !== '' ? name : nodeId };
}

export type RangeResult = { readonly ok: true; readonly value: Pick<PropertySchema, 'min' | 'max' | 'step'> } | { readonly ok: false; readonly error: string };

/** `[min]:[max][:step]` for integer and float properties; `label` is "format" (Homie 5) or "$format" (Homie 3/4). */
export function parseRangeFormat(id: string, datatype: 'integer' | 'float', format: string, label: string): RangeResult {
  const parts = format.split(':');
  if (parts.length < 2 || parts.length > 3) return { ok: false, error: `${id}: ${label} "${previewText(format)}" is not [min]:[max][:step]` };
  const numbers: (number | undefined)[] = [];
  for (const part of parts) {
    const text = part.trim();
    if (text === '') {
      numbers.push(undefined);
      continue;
    }
    const n = parseNumber(text);
    if (n === null || (datatype === 'integer' && !Number.isInteger(n))) {
      return { ok: false, error: `${id}: ${label} "${previewText(format)}" has "${previewText(text)}", which is not ${datatype === 'integer' ? 'a whole number' : 'a number'}` };
    }
    numbers.push(n);
  }
  const [min, max, step] = numbers;
  return { ok: true, value: { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), ...(step !== undefined ? { step } : {}) } };
}

/**
 * Enum values from a format, in order, whitespace kept (Homie 5 says it is
 * significant). Homie 3.0.1 escapes a comma inside a value as ",,"
 * ("Escape , by using ,,"); Homie 4.0 and 5 have no escape.
 */
export function enumValues(format: string | undefined, commaEscape: boolean): string[] {
  if (format === undefined || format === '') return [];
  if (!commaEscape) return format.split(',');
  const values: string[] = [];
  let current = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== ',') current += c;
    else if (format[i + 1] === ',') {
      current += ',';
      i++;
    } else {
      values.push(current);
      current = '';
    }
  }
  values.push(current);
  return values;
}
