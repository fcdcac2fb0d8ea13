import { describe, expect, it } from 'vitest';
import { chooseLocale, isLocale, LANGUAGE_NAMES, SOURCE_LOCALE } from '../../src/i18n/locales.js';

describe('chooseLocale', () => {
  it('takes the operator’s choice over the browser’s languages', () => {
    expect(chooseLocale('de', ['en-US', 'en'])).toBe('de');
    expect(chooseLocale('en', ['de-DE', 'de'])).toBe('en');
    expect(chooseLocale('en-XA', ['de'])).toBe('en-XA');
  });

  it("'auto' follows the browser's languages, by language", () => {
    expect(chooseLocale('auto', ['de-AT', 'en'])).toBe('de');
    expect(chooseLocale('auto', ['de'])).toBe('de');
    expect(chooseLocale('auto', ['en-GB', 'de'])).toBe('en');
    expect(chooseLocale('auto', ['DE-ch'])).toBe('de');
  });

  it('takes the first of the browser’s languages it has, else English', () => {
    expect(chooseLocale('auto', ['fr', 'de-AT'])).toBe('de');
    expect(chooseLocale('auto', ['fr'])).toBe('en');
    expect(chooseLocale('auto', ['fr-FR', 'es'])).toBe(SOURCE_LOCALE);
    expect(chooseLocale('auto', [])).toBe('en');
  });

  it('an exact tag wins over its language (the pseudo-locale for tests)', () => {
    expect(chooseLocale('auto', ['en-XA', 'en'])).toBe('en-XA');
  });

  it('ignores a stored choice it does not know', () => {
    expect(chooseLocale('fr', ['de-AT'])).toBe('de');
    expect(chooseLocale('de-AT', ['fr'])).toBe('en');
    expect(chooseLocale(undefined, ['de'])).toBe('de');
    expect(chooseLocale(null, [])).toBe('en');
    expect(chooseLocale(42, ['en'])).toBe('en');
    expect(chooseLocale({ locale: 'de' }, [])).toBe('en');
  });
});

describe('the language menu', () => {
  it('names every language it offers in itself, and offers only real locales (not the pseudo-locale)', () => {
    expect(LANGUAGE_NAMES).toEqual({ en: 'English', de: 'Deutsch' });
    for (const code of Object.keys(LANGUAGE_NAMES)) expect(isLocale(code)).toBe(true);
    expect(Object.keys(LANGUAGE_NAMES)).not.toContain('en-XA');
  });
});
