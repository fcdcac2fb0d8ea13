import { chromium, type BrowserContext, type Locator, type Page, type Worker } from '@playwright/test';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test as harness } from '../harness.js';

export { expect };
export { cutNetwork, deviceValue, setNumber } from '../harness.js';

/** Built by `npm run build:extension` (npm run test:e2e builds it first). */
export const EXTENSION_DIR = resolve('dist-extension');

export interface OutboxRow {
  readonly seq: number;
  readonly cmdId: string;
  readonly deviceId: string;
  readonly propertyId: string;
  readonly state: string;
  readonly desired: unknown;
  readonly fresh?: unknown;
  readonly attempts: number;
  readonly dismissed?: boolean;
}

export interface LifecycleEvent {
  readonly at: number;
  readonly event: string;
}

/** The extension loaded in its own Chromium profile, and what a test reads of it. */
export interface Extension {
  readonly context: BrowserContext;
  readonly id: string;
  /** chrome-extension://<id>/<path> */
  url(path: string): string;
  /**
   * The console page: the page the side panel shows (and the full tab). At
   * side-panel width unless `wide`. `query` adds e.g. "&heartbeatIntervalMs=600000".
   */
  open(query?: string, opts?: { wide?: boolean }): Promise<Page>;
  /** First run: open the page with a provisioning link to the broker (through the fault proxy) and accept it. */
  connect(query?: string, opts?: { wide?: boolean; keepaliveSeconds?: number }): Promise<Page>;
  /** The service worker running now (waits for one to start). */
  worker(): Promise<Worker>;
  /** Stop the service worker the way DevTools does (ServiceWorker.stopAllWorkers); resolves once it is stopped. */
  stopWorker(): Promise<void>;
  /**
   * Watch whether the service worker runs, over DevTools (a Playwright Worker outlives a stopped
   * worker). Uses an about:blank tab, which is no console page: close() the watch to close it.
   */
  watchWorker(): Promise<WorkerWatch>;
  outbox(): Promise<OutboxRow[]>;
  /** The service worker's own account of what it did (chrome.storage.local). */
  lifecycle(): Promise<LifecycleEvent[]>;
  badge(): Promise<string>;
  /** Ids of the notifications shown now. */
  notifications(): Promise<string[]>;
  /** Console errors of the extension's pages and worker (a CSP violation would show here). */
  readonly errors: string[];
}

const CONSOLE = 'console.html';

export interface WorkerWatch {
  /** The worker's running status now, as DevTools reports it ('running', 'stopped', …). */
  readonly status: string;
  /** Stop it (ServiceWorker.stopAllWorkers) and wait until it is stopped. */
  stop(): Promise<void>;
  /** Resolves once the worker's status is `status`. */
  until(status: 'running' | 'stopped', timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface LaunchOptions {
  readonly executablePath?: string;
  readonly args?: readonly string[];
}

/** The browser options of the Playwright project (Debian's Chromium and the usual flags). */
export function projectLaunchOptions(testInfo: { project: { use: { launchOptions?: LaunchOptions } } }): LaunchOptions {
  return testInfo.project.use.launchOptions ?? {};
}

/**
 * Chromium with the built extension in the profile `dir` (persistent: the
 * extension's storage outlives a browser restart on the same dir).
 * `brokerUrl` is where connect() points the console.
 */
export async function launchExtension(dir: string, launch: LaunchOptions, brokerUrl: string): Promise<Extension & { close(): Promise<void> }> {
  if (!existsSync(join(EXTENSION_DIR, 'manifest.json'))) throw new Error('dist-extension/ is missing: run npm run build:extension first');
  const context = await chromium.launchPersistentContext(dir, {
    headless: true,
    ...(launch.executablePath ? { executablePath: launch.executablePath } : {}),
    args: [...(launch.args ?? []), `--disable-extensions-except=${EXTENSION_DIR}`, `--load-extension=${EXTENSION_DIR}`],
  });
  const errors: string[] = [];
  const watch = (w: Worker): void => {
    w.on('console', (m) => {
      if (m.type() === 'error') errors.push(`worker: ${m.text()}`);
    });
  };
  context.on('serviceworker', watch);
  context.on('page', (p) => {
    p.on('console', (m) => {
      if (m.type() === 'error') errors.push(`page: ${m.text()}`);
    });
    p.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  });
  const isOurs = (w: Worker): boolean => w.url().startsWith('chrome-extension://') && w.url().endsWith('/service-worker.js');
  const first = context.serviceWorkers().find(isOurs) ?? (await context.waitForEvent('serviceworker', { predicate: isOurs }));
  watch(first);
  const id = new URL(first.url()).host;
  const url = (path: string): string => `chrome-extension://${id}/${path}`;
  const worker = async (): Promise<Worker> => context.serviceWorkers().find(isOurs) ?? (await context.waitForEvent('serviceworker', { predicate: isOurs, timeout: 20_000 }));
  const open = async (query = '', opts: { wide?: boolean } = {}): Promise<Page> => {
    const page = await context.newPage();
    await page.setViewportSize(opts.wide ? { width: 1280, height: 800 } : { width: 400, height: 900 });
    await page.goto(url(`${CONSOLE}${query ? `?${query.replace(/^[?&]/, '')}` : ''}`));
    return page;
  };
  const watchWorker = async (): Promise<WorkerWatch> => {
    const blank = await context.newPage();
    const cdp = await context.newCDPSession(blank);
    let status = 'unknown';
    let stops = 0;
    cdp.on('ServiceWorker.workerVersionUpdated', (e) => {
      const ours = e.versions.filter((v) => v.scriptURL === url('service-worker.js'));
      if (ours.length === 0) return;
      const now = ours.some((v) => v.runningStatus === 'running') ? 'running' : ours.some((v) => v.runningStatus === 'starting') ? 'starting' : (ours.at(-1)?.runningStatus ?? status);
      if (now === 'stopped' && status !== 'stopped') stops++;
      status = now;
    });
    await cdp.send('ServiceWorker.enable');
    const until = async (want: 'running' | 'stopped', timeoutMs = 10_000): Promise<void> => {
      await expect.poll(() => status, { timeout: timeoutMs, message: `the service worker to be ${want}` }).toBe(want);
    };
    return {
      get status() {
        return status;
      },
      async stop() {
        const before = stops;
        await cdp.send('ServiceWorker.stopAllWorkers');
        // An open console page reconnects at once, which starts it again: seen stopped once is enough.
        await expect.poll(() => stops, { message: 'the service worker to stop' }).toBeGreaterThan(before);
      },
      until,
      async close() {
        await cdp.detach().catch(() => undefined);
        await blank.close();
      },
    };
  };
  const inWorker = async <T>(fn: () => Promise<T>): Promise<T> => (await worker()).evaluate(fn);
  return {
    context,
    id,
    url,
    open,
    async connect(query = '', opts = {}) {
      const profile = Buffer.from(JSON.stringify({ name: 'Simulated site', url: brokerUrl, keepaliveSeconds: opts.keepaliveSeconds ?? 30 })).toString('base64url');
      const page = await open(`profile=${profile}${query ? `&${query.replace(/^[?&]/, '')}` : ''}`, opts);
      await page.getByRole('button', { name: 'Add and connect' }).click();
      await expect(page.getByRole('status', { name: 'Connection' })).toContainText('Connected', { timeout: 20_000 });
      return page;
    },
    worker,
    async stopWorker() {
      const watch = await watchWorker();
      try {
        await watch.stop();
      } finally {
        await watch.close();
      }
    },
    watchWorker,
    outbox: () =>
      inWorker(
        () =>
          new Promise<OutboxRow[]>((res, rej) => {
            const req = indexedDB.open('holdfast');
            req.onerror = () => rej(req.error);
            req.onsuccess = () => {
              const db = req.result;
              const all = db.transaction('outbox').objectStore('outbox').getAll();
              all.onerror = () => rej(all.error);
              all.onsuccess = () => {
                db.close();
                res(all.result as OutboxRow[]);
              };
            };
          }),
      ),
    lifecycle: () =>
      inWorker(async () => {
        const c = (globalThis as unknown as { chrome: { storage: { local: { get(k: string): Promise<Record<string, unknown>> } } } }).chrome;
        return ((await c.storage.local.get('lifecycle')).lifecycle as LifecycleEvent[] | undefined) ?? [];
      }),
    badge: () =>
      inWorker(async () => {
        const c = (globalThis as unknown as { chrome: { action: { getBadgeText(d: object): Promise<string> } } }).chrome;
        return c.action.getBadgeText({});
      }),
    notifications: () =>
      inWorker(async () => {
        const c = (globalThis as unknown as { chrome: { notifications: { getAll(): Promise<Record<string, boolean>> } } }).chrome;
        return Object.keys(await c.notifications.getAll());
      }),
    errors,
    close: () => context.close(),
  };
}

export const test = harness.extend<{ ext: Extension }>({
  ext: async ({ hf }, use, testInfo) => {
    const dir = await mkdtemp(join(tmpdir(), 'holdfast-ext-'));
    const ext = await launchExtension(dir, projectLaunchOptions(testInfo), hf.proxy.url('/'));
    await use(ext);
    await ext.close();
    await rm(dir, { recursive: true, force: true });
  },
});

/** Close every console page of the extension (the side panel's page, tabs). */
export async function closeAllPages(ext: Extension): Promise<void> {
  for (const p of ext.context.pages()) await p.close();
}

/**
 * Open (or close) a header tool: Connection, Diagnostics, Traffic log, Settings, Audit. Below
 * 1200 px (the side panel, a narrow tab) they fold behind "Tools", which closes again on a choice.
 */
export async function tool(page: Page, name: 'Connection' | 'Diagnostics' | 'Traffic log' | 'Settings' | 'Audit'): Promise<void> {
  const button = page.getByRole('button', { name, exact: true });
  if (!(await button.isVisible())) await page.getByRole('button', { name: 'Tools', exact: true }).click();
  await button.click();
}

/** The theme, from Settings (as harness.ts's setTheme, at any width). */
export async function setTheme(page: Page, theme: 'system' | 'dark' | 'light'): Promise<void> {
  await tool(page, 'Settings');
  await page.getByRole('combobox', { name: 'Theme' }).selectOption(theme);
  await tool(page, 'Settings');
}

/** Who else is connected (hf-presence), shown: below 1200 px it sits behind "Tools", which this opens. */
export async function presence(page: Page): Promise<Locator> {
  const shown = page.locator('hf-presence');
  const tools = page.getByRole('button', { name: 'Tools', exact: true });
  if (!(await shown.isVisible()) && (await tools.isVisible()) && (await tools.getAttribute('aria-expanded')) !== 'true') await tools.click();
  return shown;
}

export const byProperty = (rows: readonly OutboxRow[]): Record<string, OutboxRow> => Object.fromEntries(rows.map((r) => [r.propertyId, r]));

/**
 * The real side panel. Playwright does not attach to a side panel's page,
 * so it is opened the way an operator opens it (a click: chrome.sidePanel.open
 * needs a user gesture) and driven over DevTools directly: evaluate in it,
 * type into it, take its screenshot.
 */
export interface SidePanel {
  /** Evaluate an expression in the panel's page (awaited, returned by value). */
  evaluate<T>(expression: string): Promise<T>;
  /** Focus the input whose accessible name is `label` (anywhere in the shadow roots), replace its text and press Enter. */
  fill(label: string, text: string): Promise<void>;
  /** The value of that input, or null while it is not rendered. */
  value(label: string): Promise<string | null>;
  /** Visible text of the whole panel, shadow roots included. */
  text(): Promise<string>;
  screenshot(path: string): Promise<void>;
  close(): Promise<void>;
}

const DEEP = `(() => {
  const all = (root, out = []) => { for (const el of root.querySelectorAll('*')) { out.push(el); if (el.shadowRoot) all(el.shadowRoot, out); } return out; };
  const text = (root) => { let s = ''; for (const n of root.childNodes) { if (n.nodeType === 3) s += n.textContent; else if (n.nodeType === 1) { const el = n; if (el.shadowRoot) s += ' ' + text(el.shadowRoot); s += ' ' + text(el); } } return s; };
  return { find: (label) => all(document).find((el) => el.matches('input[type=number]') && el.getAttribute('aria-label') === label) ?? null, text: () => text(document.body).replace(/\\s+/g, ' ') };
})()`;

export async function openSidePanel(ext: Extension): Promise<SidePanel> {
  const browser = ext.context.browser();
  if (!browser) throw new Error('no browser to open a side panel in');
  const cdp = await browser.newBrowserCDPSession();
  const panelUrl = ext.url(CONSOLE);
  // Any extension tab can open it, from a click.
  const opener = await ext.open('', { wide: true });
  await opener.evaluate(() => {
    const b = document.createElement('button');
    b.textContent = 'Open the side panel';
    b.onclick = () => {
      const c = (globalThis as unknown as { chrome: { windows: { getCurrent(): Promise<{ id: number }> }; sidePanel: { open(p: { windowId: number }): Promise<void> } } }).chrome;
      void c.windows.getCurrent().then((w) => c.sidePanel.open({ windowId: w.id }));
    };
    document.body.prepend(b);
  });
  await opener.getByRole('button', { name: 'Open the side panel' }).click();
  // The panel's page is the console.html target Playwright did not attach to (it attaches to every page of its own).
  let targetId: string | undefined;
  await expect
    .poll(async () => {
      const infos = (await cdp.send('Target.getTargets')).targetInfos as { targetId: string; type: string; url: string; attached: boolean }[];
      targetId = infos.find((t) => t.type === 'page' && t.url.startsWith(panelUrl) && !t.attached)?.targetId;
      return targetId ?? null;
    })
    .not.toBeNull();
  await opener.close();
  const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId: targetId!, flatten: false })) as { sessionId: string };
  let nextId = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  cdp.on('Target.receivedMessageFromTarget', (e: { sessionId: string; message: string }) => {
    if (e.sessionId !== sessionId) return;
    const m = JSON.parse(e.message) as { id?: number; result?: unknown; error?: { message: string } };
    const p = m.id !== undefined ? pending.get(m.id) : undefined;
    if (!p) return;
    pending.delete(m.id!);
    if (m.error) p.reject(new Error(m.error.message));
    else p.resolve(m.result);
  });
  const send = <T>(method: string, params: object = {}): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
    });
  const evaluate = async <T>(expression: string): Promise<T> => {
    const r = await send<{ result: { value: T }; exceptionDetails?: { text: string } }>('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) throw new Error(`side panel: ${r.exceptionDetails.text}`);
    return r.result.value;
  };
  return {
    evaluate,
    async fill(label, text) {
      const found = await evaluate<boolean>(`(() => { const el = ${DEEP}.find(${JSON.stringify(label)}); if (!el) return false; el.focus(); el.select(); return true; })()`);
      if (!found) throw new Error(`side panel: no input named ${label}`);
      await send('Input.insertText', { text });
      await send('Input.dispatchKeyEvent', { type: 'keyDown', key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13, text: '\r' });
      await send('Input.dispatchKeyEvent', { type: 'keyUp', key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13 });
    },
    value: (label) => evaluate<string | null>(`${DEEP}.find(${JSON.stringify(label)})?.value ?? null`),
    text: () => evaluate<string>(`${DEEP}.text()`),
    async screenshot(path) {
      const { data } = await send<{ data: string }>('Page.captureScreenshot', { format: 'png' });
      const { writeFile } = await import('node:fs/promises');
      await writeFile(path, Buffer.from(data, 'base64'));
    },
    async close() {
      await cdp.detach().catch(() => undefined);
    },
  };
}
