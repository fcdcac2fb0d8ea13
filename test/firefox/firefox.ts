// Driving Debian's Firefox ESR with puppeteer-core over WebDriver BiDi, and the few
// queries the smoke needs. Never downloads a browser: FIREFOX_PATH or /usr/bin/firefox-esr.
//
// Finding elements by role and accessible name: in Chromium (CDP) puppeteer's
// `::-p-aria(…)` pierces shadow roots, but over BiDi it is Firefox's
// `browsingContext.locateNodes` accessibility locator, which searches only the
// light tree of the node it starts from. Every Holdfast control lives in a Lit
// shadow root, so each ARIA query here starts with puppeteer's deep descendant
// combinator `>>>`, which runs it from the document and from every shadow root.
import puppeteer, { type Browser, type BrowserContext, type ElementHandle, type Page } from 'puppeteer-core';

export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** Polling assertions give up after this long unless told otherwise (the e2e suite's expect timeout). */
export const DEFAULT_TIMEOUT_MS = 10_000;

export async function launchFirefox(): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    // The smoke sets its own timeouts; a hung BiDi command should still fail rather than wait forever.
    protocolTimeout: 60_000,
  });
}

/**
 * A new tab that records uncaught page errors (a Firefox-only exception is
 * exactly what this smoke is for). tsx compiles functions passed to
 * page.evaluate with esbuild's keepNames, which wraps named inner functions in
 * `__name(…)`: define it in every document so such functions run there too.
 */
export async function newPage(browser: Browser | BrowserContext, errors: string[]): Promise<Page> {
  const page = await browser.newPage();
  // A tablet in landscape: the header shows every tool (below 1200 px some fold behind "Tools").
  await page.setViewport({ width: 1280, height: 800 });
  await page.evaluateOnNewDocument('globalThis.__name ??= (fn) => fn;');
  // Elements found in the previous document must not answer for the new one.
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) forget(page);
  });
  page.on('pageerror', (e) => {
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    if (!FIREFOX_NETWORK_REPORTS.some((r) => r.test(message))) errors.push(`${page.url()}: ${message}`);
  });
  return page;
}

/**
 * Firefox reports a WebSocket that fails to connect, or that a reload cuts,
 * as a script error of the page (BiDi log type "javascript", so puppeteer's
 * 'pageerror'), although no script threw: the console handles both (its
 * socket's error and close events). They are expected whenever the smoke cuts
 * the network, so they are not counted as page errors.
 */
const FIREFOX_NETWORK_REPORTS = [/can’t establish a connection to the server at wss?:\/\//, /The connection to wss?:\/\/\S+ was interrupted while the page was loading/];

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A selector for the element with this ARIA role and exact accessible name, in any shadow root. */
export function byRole(role: string, name: string): string {
  return `>>> ::-p-aria([name=${quote(name)}][role=${quote(role)}])`;
}

/** A selector for the smallest elements whose text contains `text` (puppeteer's text query pierces shadow roots). */
export function byText(text: string): string {
  return `::-p-text(${quote(text)})`;
}

export class TimeoutError extends Error {}

/**
 * Poll `probe` until `accept` says yes (every 100 ms, up to `timeout`); fail
 * with what it saw last. The only way this smoke waits for the app.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T>, accept: (v: T) => boolean, timeout = DEFAULT_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      lastError = undefined;
      if (accept(last)) return last;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const seen = lastError !== undefined ? `error: ${lastError instanceof Error ? lastError.message.split('\n')[0] : String(lastError)}` : `last saw ${JSON.stringify(last)}`;
      throw new TimeoutError(`timed out after ${timeout} ms waiting for ${what} (${seen})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The element with this role and name, once it is in the page. */
export async function find(page: Page, role: string, name: string, timeout = DEFAULT_TIMEOUT_MS): Promise<ElementHandle> {
  const handle = await page.waitForSelector(byRole(role, name), { timeout });
  if (!handle) throw new Error(`no ${role} "${name}"`);
  return handle;
}

/**
 * A deep ARIA query takes 2–3 s here: puppeteer runs Firefox's accessibility
 * locator once per shadow root (the console has about 20), each through
 * several BiDi round trips, although one locate takes a few milliseconds.
 * Too slow to poll, so a poll finds the element by role and name once and
 * then reads that element while it stays in the document; once Lit replaces
 * or removes it, or the page navigates, the next read queries again. (The
 * smoke reads only elements whose name does not change while they exist.)
 */
const found = new WeakMap<Page, Map<string, ElementHandle>>();

function forget(page: Page): void {
  const cache = found.get(page);
  found.delete(page);
  for (const h of cache?.values() ?? []) void h.dispose().catch(() => {});
}

async function current(page: Page, role: string, name: string): Promise<ElementHandle | null> {
  const selector = byRole(role, name);
  let cache = found.get(page);
  if (!cache) found.set(page, (cache = new Map()));
  const cached = cache.get(selector);
  if (cached && (await cached.evaluate((el) => el.isConnected).catch(() => false))) return cached;
  cache.delete(selector);
  await cached?.dispose().catch(() => {});
  const handle = await page.$(selector);
  if (handle) cache.set(selector, handle);
  return handle;
}

/** Text content of the element with this role and name ('' while there is none). */
export async function textOf(page: Page, role: string, name: string): Promise<string> {
  const handle = await current(page, role, name);
  if (!handle) return '';
  return (await handle.evaluate((el) => el.textContent ?? '')).replace(/\s+/g, ' ').trim();
}

/** The value of the form control with this role and name (null while there is none). */
export async function valueOf(page: Page, role: string, name: string): Promise<string | null> {
  const handle = await current(page, role, name);
  if (!handle) return null;
  return handle.evaluate((el) => (el as HTMLInputElement).value);
}

/** Wait until the control with this role and name shows `value`. */
export async function expectValue(page: Page, role: string, name: string, value: string, timeout = DEFAULT_TIMEOUT_MS): Promise<void> {
  await waitFor(`${role} "${name}" to show ${value}`, () => valueOf(page, role, name), (v) => v === value, timeout);
}

/** Wait until the element with this role and name contains (or, with `absent`, no longer contains) `text`. */
export async function expectText(page: Page, role: string, name: string, text: string | RegExp, opts: { absent?: boolean; timeout?: number } = {}): Promise<string> {
  const has = (t: string): boolean => (typeof text === 'string' ? t.includes(text) : text.test(t));
  return waitFor(`${role} "${name}" ${opts.absent ? 'not ' : ''}to contain ${String(text)}`, () => textOf(page, role, name), (t) => has(t) !== !!opts.absent, opts.timeout);
}

/** Texts of the visible elements that contain `text`, in any shadow root. */
export async function visibleTexts(page: Page, text: string): Promise<string[]> {
  const handles = await page.$$(byText(text));
  const out: string[] = [];
  for (const h of handles) {
    if (await h.isVisible()) out.push((await h.evaluate((el) => el.textContent ?? '')).replace(/\s+/g, ' ').trim());
    await h.dispose();
  }
  return out;
}

/** Wait until some visible element's text contains `text` and matches `pattern`; returns that text. */
export async function expectVisibleText(page: Page, text: string, pattern: RegExp = /[\s\S]*/, timeout = DEFAULT_TIMEOUT_MS): Promise<string> {
  const texts = await waitFor(`visible text "${text}" matching ${String(pattern)}`, () => visibleTexts(page, text), (ts) => ts.some((t) => pattern.test(t)), timeout);
  return texts.find((t) => pattern.test(t)) ?? '';
}

/** Click the element with this role and name once it is there (puppeteer's locator waits for it to be visible, stable and enabled). */
export async function click(page: Page, role: string, name: string, timeout = DEFAULT_TIMEOUT_MS): Promise<void> {
  await page.locator(byRole(role, name)).setTimeout(timeout).click();
}

/** Type a number into a spinbutton and commit it with Enter, as an operator does. */
export async function setNumber(page: Page, name: string, value: number): Promise<void> {
  await page.locator(byRole('spinbutton', name)).fill(String(value));
  const input = await find(page, 'spinbutton', name);
  try {
    await input.press('Enter');
  } finally {
    await input.dispose();
  }
}
