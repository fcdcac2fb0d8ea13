export type ThemePreference = 'system' | 'dark' | 'light';

const KEY = 'holdfast-theme';
const lightQuery = (): MediaQueryList | null => (typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: light)') : null);

/** Read synchronously (localStorage, not IndexedDB) so the first paint already has the right theme. */
export function themePreference(): ThemePreference {
  const v = localStorage.getItem(KEY);
  return v === 'dark' || v === 'light' ? v : 'system';
}

function apply(pref: ThemePreference): void {
  const effective = pref === 'system' ? (lightQuery()?.matches ? 'light' : 'dark') : pref;
  document.documentElement.dataset.theme = effective;
}

export function setThemePreference(pref: ThemePreference): void {
  if (pref === 'system') localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, pref);
  apply(pref);
}

/** Apply the saved preference now and follow the system while it is "system". */
export function initTheme(): void {
  apply(themePreference());
  lightQuery()?.addEventListener('change', () => {
    if (themePreference() === 'system') apply('system');
  });
}
