import { msg } from '@lit/localize';
import { currentLocale } from './localization.js';

// Numbers, times and ages in the operator's language (Intl), never by hand.
// Device-provided text (names, units, enum values) is shown as the device sends it.

const cache = new Map<string, Intl.NumberFormat | Intl.RelativeTimeFormat | Intl.DateTimeFormat>();
function cached<T extends Intl.NumberFormat | Intl.RelativeTimeFormat | Intl.DateTimeFormat>(key: string, make: (locale: string) => T): T {
  const locale = currentLocale();
  const k = `${locale}|${key}`;
  let f = cache.get(k) as T | undefined;
  if (!f) cache.set(k, (f = make(locale)));
  return f;
}

/** A value as the locale writes numbers (1 234,5 in German), with as many decimals as it has. */
export function formatNumber(value: number, maximumFractionDigits = 6): string {
  return cached(`n${maximumFractionDigits}`, (l) => new Intl.NumberFormat(l, { maximumFractionDigits, useGrouping: false })).format(value);
}

type AgeUnit = 'second' | 'minute' | 'hour' | 'day';
function ageParts(ms: number): [number, AgeUnit] {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return [s, 'second'];
  const m = Math.floor(s / 60);
  if (m < 60) return [m, 'minute'];
  const h = Math.floor(m / 60);
  if (h < 48) return [h, 'hour'];
  return [Math.floor(h / 24), 'day'];
}

/** How long ago: "just now", "5 sec. ago", "vor 3 Min.". */
export function formatAge(ms: number): string {
  const [n, unit] = ageParts(ms);
  if (unit === 'second' && n < 2) return msg('just now');
  return cached('age', (l) => new Intl.RelativeTimeFormat(l, { style: 'short', numeric: 'always' })).format(-n, unit);
}

/** How long: "5 sec", "3 Min." (a duration, not a time ago). */
export function formatDuration(ms: number): string {
  const [n, unit] = ageParts(ms);
  return cached(`d-${unit}`, (l) => new Intl.NumberFormat(l, { style: 'unit', unit, unitDisplay: 'short' })).format(n);
}

/** A clock time, 24-hour, with seconds: when something happened during the shift. */
export function formatTime(at: number): string {
  return cached('time', (l) => new Intl.DateTimeFormat(l, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })).format(at);
}

/** A date and time, for exports, history and the audit. */
export function formatDateTime(at: number): string {
  return cached('datetime', (l) => new Intl.DateTimeFormat(l, { dateStyle: 'short', timeStyle: 'medium', hour12: false })).format(at);
}
