import type { PropertySchema } from './types.js';

/** Which control a property gets, decided from its schema alone. */
export type ControlKind =
  /** number input plus a slider when the range is known */
  | { readonly kind: 'number'; readonly min?: number; readonly max?: number; readonly step: number | 'any'; readonly slider: boolean }
  | { readonly kind: 'select'; readonly options: readonly string[] }
  | { readonly kind: 'switch' }
  | { readonly kind: 'text' }
  /** non-settable, or settable but unsafe to write (e.g. an unsupported template) */
  | { readonly kind: 'readonly'; readonly reason?: string }
  /** non-retained: a command, confirmed first and never queued offline */
  | { readonly kind: 'momentary' };

export function controlKind(p: PropertySchema): ControlKind {
  if (!p.settable || p.readOnlyReason) return p.readOnlyReason ? { kind: 'readonly', reason: p.readOnlyReason } : { kind: 'readonly' };
  if (p.momentary) return { kind: 'momentary' };
  switch (p.datatype) {
    case 'integer':
    case 'float':
      return {
        kind: 'number',
        ...(p.min !== undefined ? { min: p.min } : {}),
        ...(p.max !== undefined ? { max: p.max } : {}),
        step: p.step ?? (p.datatype === 'integer' ? 1 : 'any'),
        slider: p.min !== undefined && p.max !== undefined,
      };
    case 'enum':
      return { kind: 'select', options: p.options ?? [] };
    case 'boolean':
      return { kind: 'switch' };
    default:
      return { kind: 'text' };
  }
}
