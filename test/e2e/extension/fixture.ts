import { chromium, type BrowserContext, type Page, type Worker } from '@playwright/test';
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
  /** Stop the service worker the way DevTools does (ServiceWorker.stopAllWorkers). */
  stopWorker(): Promise<void>;
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
      const blank = await context.newPage();
      try {
        const cdp = await context.newCDPSession(blank);
        await cdp.send('ServiceWorker.enable');
        await cdp.send('ServiceWorker.stopAllWorkers');
      } finally {
        await blank.close();
      }
    },
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

export const byProperty = (rows: readonly OutboxRow[]): Record<string, OutboxRow> => Object.fromEntries(rows.map((r) => [r.propertyId, r]));
