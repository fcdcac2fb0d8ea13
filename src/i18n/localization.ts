import { configureLocalization, LOCALE_STATUS_EVENT } from '@lit/localize';
import { sourceLocale, targetLocales } from './generated/locale-codes.js';
import { chooseLocale, SOURCE_LOCALE, type Locale } from './locales.js';

type TargetLocale = (typeof targetLocales)[number];

/** One lazily loaded chunk per language: English (the source) needs none. Adding a language adds a line here. */
const LOADERS: Readonly<Record<TargetLocale, () => Promise<{ templates: Record<string, unknown> }>>> = {
  de: () => import('./generated/de.js'),
  'en-XA': () => import('./generated/en-XA.js'),
};

let localization: ReturnType<typeof configureLocalization> | null = null;

function configured(): ReturnType<typeof configureLocalization> {
  localization ??= configureLocalization({
    sourceLocale,
    targetLocales,
    loadLocale: (locale) => LOADERS[locale as TargetLocale]() as ReturnType<Parameters<typeof configureLocalization>[0]['loadLocale']>,
  });
  return localization;
}

/** The locale messages are in now. */
export function currentLocale(): Locale {
  return localization ? (localization.getLocale() as Locale) : SOURCE_LOCALE;
}

/**
 * Show the console in the operator's language (their choice, else the
 * browser's): loads that language's chunk, then every localized element
 * renders again. In the page it also sets <html lang>, for screen readers
 * and hyphenation.
 */
export async function applyLanguage(choice: unknown, languages: readonly string[] = globalThis.navigator?.languages ?? []): Promise<Locale> {
  const locale = chooseLocale(choice, languages);
  if (locale !== currentLocale()) await configured().setLocale(locale);
  if (typeof document !== 'undefined') document.documentElement.lang = locale;
  return locale;
}

export { LOCALE_STATUS_EVENT };
