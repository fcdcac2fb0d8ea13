import { readFileSync } from 'node:fs';
import { messages, say, textParts, type TestLocale } from '../support/locale-text.js';
import { cutNetwork, expect, setNumber, test, type Console } from './harness.js';
import { expectNoAxeViolations } from '../support/axe.js';

// Every screen, shown in the pseudo-locale and in German.
//
// en-XA wraps each message in ⟦…⟧ with accented letters (scripts/i18n.ts), so
// any of the console's own words that did not go through msg() stands out as
// plain English. What may be plain: what the devices and the broker said
// (names, units, enum values, topics: every word the broker routed), and
// what is marked translate="no" (the traffic and connection logs, raw
// protocol records, English by design: docs/i18n.md).
//
// de-DE: no text on any screen is an English message whose German differs.
// Both: zero axe violations, and <html lang> says the language shown.

/** Text the page shows, per shadow root (its text nodes in order) and per label attribute. */
interface ShownText {
  readonly where: string;
  readonly text: string;
}

/** Runs in the page: every visible text node and label, shadow roots included, translate="no" subtrees left out. */
function collectShownText(): ShownText[] {
  const out: { where: string; text: string }[] = [];
  const ATTRS = ['aria-label', 'title', 'placeholder', 'alt', 'aria-description'];
  const visible = (el: Element): boolean => (el instanceof HTMLOptionElement ? visible(el.closest('select') ?? el.parentElement!) : el.checkVisibility({ visibilityProperty: true }));
  const name = (el: Element): string => {
    const host = (el.getRootNode() as ShadowRoot).host;
    return `${host ? `${host.tagName.toLowerCase()} › ` : ''}${el.tagName.toLowerCase()}`;
  };
  const walkRoot = (root: Document | ShadowRoot): void => {
    const texts: string[] = [];
    const walk = (node: Node): void => {
      for (const child of node.childNodes) {
        if (child.nodeType === Node.TEXT_NODE) {
          const parent = child.parentElement;
          if (parent && child.textContent!.trim() && visible(parent)) texts.push(child.textContent!);
          continue;
        }
        if (!(child instanceof Element)) continue;
        if (['STYLE', 'SCRIPT', 'TEMPLATE', 'NOSCRIPT'].includes(child.tagName)) continue;
        if (visible(child)) for (const a of ATTRS) {
          const v = child.getAttribute(a);
          if (v?.trim()) out.push({ where: `${name(child)}[${a}]`, text: v });
        }
        if (child.shadowRoot) walkRoot(child.shadowRoot);
        if (child.getAttribute('translate') === 'no') continue;
        walk(child);
      }
    };
    walk(root);
    const host = root instanceof ShadowRoot ? root.host.tagName.toLowerCase() : 'document';
    if (texts.length > 0) out.push({ where: host, text: texts.join(' ') });
  };
  walkRoot(document);
  return out;
}

/** Every word the broker routed (topics and payloads): what the devices themselves say. */
function deviceWords(hf: Console): Set<string> {
  const words = new Set<string>();
  // The custom topic mapping the stack's legacy VP4 is read through: the operator's own configuration.
  add(readFileSync('examples/vp4-mapping.json', 'utf8'));
  function add(s: string): void {
    for (const w of s.split(/[^\p{L}\p{N}]+/u)) if (w) words.add(w.toLowerCase());
    // Names a convention builds from ids ("living_room" → "Living room") and camelCase keys.
    for (const w of s.replace(/([a-z])([A-Z])/g, '$1 $2').split(/[^\p{L}\p{N}]+/u)) if (w) words.add(w.toLowerCase());
  }
  for (const p of hf.stack.broker.publishes) {
    add(p.topic);
    add(p.payload);
  }
  return words;
}

/**
 * Not the console's words in any language: the product, the language names, protocol names; and
 * what Intl words (Intl.RelativeTimeFormat has no data for en-XA, so ages read "17 sec. ago").
 */
const NOT_OURS = new Set(['holdfast', 'english', 'deutsch', 'mqtt', 'ws', 'wss', 'http', 'https', 'json', 'id', 'ago', 'sec', 'min', 'hr']);

/** The text left once every ⟦…⟧ is taken out (they nest: a message inside another's placeholder). */
function outsidePseudo(text: string): string {
  let depth = 0;
  let rest = '';
  for (const ch of text) {
    if (ch === '⟦') depth++;
    else if (ch === '⟧') depth = Math.max(0, depth - 1);
    else if (depth === 0) rest += ch;
  }
  return rest;
}

/** Words an operator would read as untranslated console text. */
function plainWords(shown: readonly ShownText[], known: Set<string>): string[] {
  const found: string[] = [];
  for (const s of shown) {
    const rest = outsidePseudo(s.text);
    const words = (rest.match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => /\p{L}/u.test(w)).filter((w) => w.length > 1 && !known.has(w.toLowerCase()) && !NOT_OURS.has(w.toLowerCase()));
    if (words.length > 0) found.push(`${s.where}: "${rest.replace(/\s+/g, ' ').trim().slice(0, 160)}" (${[...new Set(words)].join(', ')})`);
  }
  return found;
}

/** English messages whose German differs, as whole texts: a node showing one of them was not translated. */
function englishOnly(): Map<string, string> {
  const de = messages('de');
  const germanTexts = new Set([...de.values()].flatMap(textParts));
  const out = new Map<string, string>();
  for (const [en, target] of de) {
    if (en === target || /\{\d+\}/.test(en)) continue;
    if (germanTexts.has(en) || en.length < 3) continue; // also German ("Name", "Status"), or too short to tell
    out.set(en, target);
  }
  return out;
}

function untranslated(shown: readonly ShownText[], english: Map<string, string>, known: Set<string>): string[] {
  const found: string[] = [];
  for (const s of shown) {
    for (const part of s.text.split(/\s{2,}|\n/)) {
      const t = part.trim();
      if (english.has(t) && !t.split(/\s+/).every((w) => known.has(w.toLowerCase()))) found.push(`${s.where}: "${t}" (German: "${english.get(t)}")`);
    }
  }
  return found;
}

const LOCALES: readonly { browser: string; locale: TestLocale; lang: string }[] = [
  { browser: 'en-XA', locale: 'en-XA', lang: 'en-XA' },
  { browser: 'de-DE', locale: 'de', lang: 'de' },
];

for (const { browser, locale, lang } of LOCALES) {
  test.describe(`the console in ${browser}`, () => {
    test.skip(({ brokerKind }) => brokerKind !== 'aedes', 'the words do not depend on the broker');
    test.use({ locale: browser, extraDevices: true });

    test('every screen speaks the language, and passes axe', async ({ page, hf }) => {
      test.setTimeout(240_000);
      const t = (english: string, ...args: (string | number)[]): string => say(locale, english, ...args);
      const english = englishOnly();
      const problems: string[] = [];
      /** What the operator typed (a view's name) is theirs, in whatever language they wrote it. */
      const typed = new Set<string>();
      const check = async (screen: string): Promise<void> => {
        await page.waitForTimeout(300); // let a render triggered by the last step land
        const shown = (await page.evaluate(collectShownText)) as ShownText[];
        const known = new Set([...deviceWords(hf), ...typed]);
        const found = locale === 'en-XA' ? plainWords(shown, known) : untranslated(shown, english, known);
        problems.push(...found.map((f) => `${screen} › ${f}`));
        await expectNoAxeViolations(page, `${screen} (${browser})`);
      };

      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(hf.url);
      await check('provisioning link');
      await page.getByRole('button', { name: t('Add and connect') }).click();
      const vp4 = page.getByRole('navigation', { name: t('Devices') }).getByRole('button', { name: /^VP4 Video Processor/ });
      await vp4.click({ timeout: 20_000 });
      await expect(page.getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue('22', { timeout: 20_000 });
      await expect(page.locator('html')).toHaveAttribute('lang', lang);
      await check('console, first visit');
      await page.getByRole('button', { name: t('Not now') }).click();

      // Every device's page: each convention's controls, states and notes.
      const list = page.getByRole('navigation', { name: t('Devices') });
      const devices = list.getByRole('button');
      await expect.poll(() => devices.count(), { timeout: 20_000 }).toBeGreaterThan(5);
      for (let i = 0; i < (await devices.count()); i++) {
        await devices.nth(i).click();
        await expect(page.getByRole('heading', { level: 2 }).first()).toBeVisible();
        await check(`device ${i + 1}`);
      }

      // Every panel of the header.
      for (const panel of ['Outbox', 'Connection', 'Diagnostics', 'Traffic log', 'Settings', 'Alarms', 'Audit']) {
        const button = page.getByRole('button', { name: t(panel), exact: panel !== 'Outbox' && panel !== 'Alarms' });
        await button.click();
        await check(`${panel} panel`);
        await button.click();
      }

      // Forms: a new alarm rule; a new view, its layout editor and scenes.
      const alarms = page.getByRole('button', { name: t('Alarms'), exact: false });
      await alarms.click();
      await page.getByRole('button', { name: t('Add alarm rule…') }).click();
      await check('alarm rule form');
      await alarms.click();
      typed.add('shift');
      await page.getByRole('textbox', { name: t('New view name') }).fill('Shift');
      await page.getByRole('button', { name: t('Create view') }).click();
      await page.getByRole('button', { name: t('Edit layout') }).click();
      await check('a new view, editing its layout');

      // The outage: the banner with its diagnosis, then the incident's conflict card.
      await vp4.click();
      cutNetwork(hf.proxy);
      await expect(page.getByRole('button', { name: t('Retry now') })).toBeVisible({ timeout: 20_000 });
      hf.stack.setFromPanel('vp4', 'genlock/phase-h', -25);
      await setNumber(page, 'Genlock phase H', 25);
      await check('reconnecting, an edit queued');
      hf.proxy.pass();
      await expect(page.getByRole('group', { name: t('Not sent: {0}', 'Genlock phase H') })).toBeVisible({ timeout: 20_000 });
      await check('conflict card');
      const outbox = page.getByRole('button', { name: t('Outbox'), exact: false });
      await outbox.click();
      await check('outbox with a discarded edit');
      await outbox.click();

      expect(problems, locale === 'en-XA' ? 'console text that did not go through msg()' : 'English text on a German screen').toEqual([]);
    });
  });
}
