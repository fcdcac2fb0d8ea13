import { allLocales, sourceLocale } from './generated/locale-codes.js';

/** A language the console is translated into (the pseudo-locale en-XA included, for tests). */
export type Locale = (typeof allLocales)[number];
/** What the operator chose in Settings: follow the browser, or one language. */
export type LanguageChoice = 'auto' | Locale;

export const SOURCE_LOCALE: Locale = sourceLocale;
/** Shown in the language menu, each in its own language (device-independent names). en-XA is for tests only. */
export const LANGUAGE_NAMES: Readonly<Record<Exclude<Locale, 'en-XA'>, string>> = { en: 'English', de: 'Deutsch' };

export function isLocale(s: unknown): s is Locale {
  return typeof s === 'string' && (allLocales as readonly string[]).includes(s);
}

/**
 * The locale to show: the operator's choice, else the first of the browser's
 * languages we have (by language, so de-AT is de), else English. Pure: runs
 * in the page, the engine worker and Node.
 */
export function chooseLocale(choice: unknown, languages: readonly string[]): Locale {
  if (choice !== 'auto' && isLocale(choice)) return choice;
  for (const tag of languages) {
    if (isLocale(tag)) return tag;
    const language = tag.split('-')[0]?.toLowerCase();
    const match = allLocales.find((l) => l === language);
    if (match) return match;
  }
  return SOURCE_LOCALE;
}
