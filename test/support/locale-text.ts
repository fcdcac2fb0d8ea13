// The console's own words in each of its languages, read from xliff/ (what
// the build compiles into src/i18n/generated/): tests find controls by the
// name an operator reads in that language.

import { readFileSync } from 'node:fs';
import { decode, dictionaryKey, units } from '../../scripts/xliff.js';

export type TestLocale = 'en' | 'de' | 'en-XA';

const cache = new Map<TestLocale, ReadonlyMap<string, string>>();

/** English message ("Not sent: {0}") → its text in `locale`, placeholders as {0}, {1}…. */
export function messages(locale: TestLocale): ReadonlyMap<string, string> {
  let m = cache.get(locale);
  if (!m) {
    const xliff = locale === 'en' ? null : readFileSync(`xliff/${locale}.xlf`, 'utf8');
    m = new Map(xliff ? units(xliff).map((u) => [dictionaryKey(u.source), u.target ? dictionaryKey(u.target) : dictionaryKey(u.source)] as const) : []);
    cache.set(locale, m);
  }
  return m;
}

/** What the console says for this English message in `locale`, with its placeholders filled in. */
export function say(locale: TestLocale, english: string, ...args: readonly (string | number)[]): string {
  const text = locale === 'en' ? english : messages(locale).get(english);
  if (text === undefined) throw new Error(`no message ${JSON.stringify(english)} in xliff/${locale}.xlf`);
  return text.replace(/\{(\d+)\}/g, (all, n: string) => (args[Number(n)] !== undefined ? String(args[Number(n)]) : all));
}

/** The parts of a message that are text (no placeholders, no markup), as the page shows them. */
export function textParts(message: string): string[] {
  return decode(message)
    .split(/\{\d+\}/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
