import { chromium, type BrowserContext, type Page, type Worker } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cutNetwork, deviceValue, expect, expectConnected, setNumber, test, type Console } from './harness.js';

/**
 * Background Sync in the real service worker: a persistent profile (so the
 * worker and its registration outlive the page), the sync event dispatched
 * through DevTools the way Chromium fires it when connectivity returns.
 */

const TAG = 'holdfast-outbox';
const TOGGLE = 'Send queued changes in the background when the connection returns (Chromium)';

interface OutboxRow {
  readonly propertyId: string;
  readonly state: string;
  readonly desired: unknown;
  readonly fresh?: unknown;
  readonly attempts: number;
}

async function launch(testInfo: { project: { use: { launchOptions?: { executablePath?: string; args?: string[] } } } }, dir: string): Promise<BrowserContext> {
  const launch = testInfo.project.use.launchOptions ?? {};
  return chromium.launchPersistentContext(dir, { headless: true, ...(launch.executablePath ? { executablePath: launch.executablePath } : {}), args: launch.args ?? [] });
}

/** The console, connected, controlled by its service worker (the first install claims the page). */
async function openConsole(page: Page, hf: Console): Promise<void> {
  await hf.open(page);
  await expectConnected(page);
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  await expect(page.getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue('22');
}

/** The operator's switch for background sending, where the console shows it (the Connection panel). */
async function backgroundToggle(page: Page) {
  await page.getByRole('button', { name: 'Connection', exact: true }).click();
  const toggle = page.getByRole('checkbox', { name: TOGGLE });
  await expect(toggle, '<hf-background-sync-toggle> belongs in the Connection panel').toBeVisible();
  return toggle;
}

/** Cut the broker away and queue three edits; the hardware then changes one of them behind the console's back. */
async function queueEditsOffline(page: Page, hf: Console): Promise<void> {
  cutNetwork(hf.proxy);
  await expect(page.getByRole('status', { name: 'Connection' })).not.toContainText('Connected');
  await setNumber(page, 'Genlock phase H', 30);
  await setNumber(page, 'Genlock phase V', 12);
  await page.getByRole('combobox', { name: 'Genlock source' }).selectOption('sdi-1');
  await expect(page.getByText(/^Queued:/)).toHaveCount(3);
  expect(hf.stack.setFromPanel('vp4', 'genlock/phase-h', -25)).toMatchObject({ ok: true });
}

async function serviceWorker(context: BrowserContext): Promise<Worker> {
  const existing = context.serviceWorkers().find((w) => w.url().endsWith('/sw.js'));
  return existing ?? (await context.waitForEvent('serviceworker', (w) => w.url().endsWith('/sw.js')));
}

/**
 * Fire the sync event in the real worker and wait for its handler to finish.
 * DevTools answers dispatchSyncEvent before the event is handled, so the
 * promise the handler passes to waitUntil is captured first: it says whether
 * the handler finished cleanly or asked the browser to retry.
 */
async function dispatchSync(context: BrowserContext, appUrl: string): Promise<string> {
  const sw = await serviceWorker(context);
  await sw.evaluate(() => {
    type WaitUntil = (this: Event, p: Promise<unknown>) => void;
    const scope = globalThis as unknown as { ExtendableEvent: { prototype: { waitUntil: WaitUntil } }; __syncSettled?: Promise<string> };
    const proto = scope.ExtendableEvent.prototype;
    const original = proto.waitUntil;
    scope.__syncSettled = new Promise<string>((resolve) => {
      proto.waitUntil = function (this: Event, p: Promise<unknown>) {
        if (this.type === 'sync') {
          proto.waitUntil = original;
          p.then(
            () => resolve('resolved'),
            (err: unknown) => resolve(`rejected: ${err instanceof Error ? err.message : String(err)}`),
          );
        }
        original.call(this, p);
      };
    });
  });
  // Any page will do for a DevTools session; about:blank is not one of the console's clients.
  const blank = await context.newPage();
  try {
    const cdp = await context.newCDPSession(blank);
    const origin = new URL(appUrl).origin;
    const registration = new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }: { registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] }) => {
        const r = registrations.find((x) => x.scopeURL === `${origin}/` && !x.isDeleted);
        if (r) resolve(r.registrationId);
      });
    });
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.dispatchSyncEvent', { origin, registrationId: await registration, tag: TAG, lastChance: false });
    return await sw.evaluate(() => (globalThis as unknown as { __syncSettled: Promise<string> }).__syncSettled);
  } finally {
    await blank.close();
  }
}

/** The outbox as stored, read with plain IndexedDB in a page of the console's origin. */
async function outboxRows(page: Page): Promise<OutboxRow[]> {
  return page.evaluate(
    () =>
      new Promise<OutboxRow[]>((resolve, reject) => {
        const open = indexedDB.open('holdfast');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const read = db.transaction('outbox').objectStore('outbox').getAll();
          read.onerror = () => reject(read.error);
          read.onsuccess = () => {
            db.close();
            resolve(read.result as OutboxRow[]);
          };
        };
      }),
  );
}

const byProperty = (rows: OutboxRow[]) => Object.fromEntries(rows.map((r) => [r.propertyId, r]));

test.describe('background sync (Chromium)', () => {
  let dir = '';
  let context: BrowserContext | null = null;

  test.beforeEach(async ({ browserName }, testInfo) => {
    test.skip(browserName !== 'chromium', 'Background Sync is Chromium-only');
    dir = await mkdtemp(join(tmpdir(), 'holdfast-bgsync-'));
    context = await launch(testInfo, dir);
  });

  test.afterEach(async () => {
    await context?.close();
    context = null;
    await rm(dir, { recursive: true, force: true });
  });

  test('with the setting on, the worker sends the non-stale edits once after the console closed, and discards the stale one', async ({ hf }) => {
    const ctx = context!;
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    await openConsole(page, hf);
    const toggle = await backgroundToggle(page);
    await expect(toggle).not.toBeChecked();
    await toggle.check();
    await expect(toggle).toBeChecked();
    await page.getByRole('button', { name: 'Connection', exact: true }).click();

    await queueEditsOffline(page, hf);
    // The page asked the browser to wake the worker once it is online (Chromium already tried while the
    // page was open; the worker left the work to the page and asked to be retried).
    const syncTags = () =>
      page.evaluate(async () => {
        const registration = (await navigator.serviceWorker.ready) as ServiceWorkerRegistration & { sync: { getTags(): Promise<string[]> } };
        return registration.sync.getTags();
      });
    await expect.poll(syncTags).toContain(TAG);

    // The operator closes the console; the connection comes back while nothing of Holdfast is open.
    await page.close();
    hf.proxy.pass();
    expect(await dispatchSync(ctx, hf.url)).toBe('resolved');

    expect(deviceValue(hf.stack, 'genlock/phase-v')).toBe(12);
    expect(deviceValue(hf.stack, 'genlock/source')).toBe('sdi-1');
    expect(deviceValue(hf.stack, 'genlock/phase-h')).toBe(-25);
    await hf.settle();
    expect(hf.sets('genlock/phase-v').map((s) => s.payload)).toEqual(['12']);
    expect(hf.sets('genlock/source').map((s) => s.payload)).toEqual(['sdi-1']);
    expect(hf.sets('genlock/phase-h')).toEqual([]);

    // The next time the console opens, the outbox says what happened, and nothing is sent again.
    const next = await ctx.newPage();
    await next.goto(hf.url);
    const rows = byProperty(await outboxRows(next));
    expect(rows['genlock/phase-v']).toMatchObject({ state: 'confirmed', desired: 12, attempts: 1 });
    expect(rows['genlock/source']).toMatchObject({ state: 'confirmed', desired: 'sdi-1', attempts: 1 });
    expect(rows['genlock/phase-h']).toMatchObject({ state: 'discarded', desired: 30, fresh: -25, attempts: 0 });
    await expectConnected(next);
    await expect(next.getByRole('group', { name: 'Not sent: Genlock phase H' })).toContainText('device is now -25 °');
    // The traffic log keeps the worker's sends, marked as such.
    await next.getByRole('button', { name: 'Traffic log' }).click();
    const sent = next.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter({ hasText: 'homie/5/vp4/genlock/phase-v/set 12' });
    await expect(sent).toHaveCount(1);
    await expect(sent).toContainText('sent in the background');
    await hf.settle();
    expect(hf.sets().map((s) => `${s.topic} ${s.payload}`)).toEqual(['homie/5/vp4/genlock/phase-v/set 12', 'homie/5/vp4/genlock/source/set sdi-1']);
  });

  test('while a console is open, the worker leaves the outbox to it and asks to be retried; each edit is sent once', async ({ hf }) => {
    const ctx = context!;
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    await openConsole(page, hf);
    const toggle = await backgroundToggle(page);
    await toggle.check();
    await expect(toggle).toBeChecked();
    await page.getByRole('button', { name: 'Connection', exact: true }).click();
    await queueEditsOffline(page, hf);

    // Chromium fires the sync whenever it thinks it is online, console open or not. The open console leads,
    // so the worker must not even try (it would connect through the same cut proxy and time out instead).
    expect(await dispatchSync(ctx, hf.url)).toMatch(/^rejected: background send will be retried: a console page (is open|leads)/);
    hf.proxy.pass();
    await expectConnected(page);
    await expect.poll(() => deviceValue(hf.stack, 'genlock/phase-v')).toBe(12);
    await expect.poll(() => deviceValue(hf.stack, 'genlock/source')).toBe('sdi-1');
    await expect(page.getByRole('group', { name: 'Not sent: Genlock phase H' })).toBeVisible();
    await hf.settle();
    expect(hf.sets().map((s) => `${s.topic} ${s.payload}`)).toEqual(['homie/5/vp4/genlock/phase-v/set 12', 'homie/5/vp4/genlock/source/set sdi-1']);
  });

  test('with the setting off (the default), the sync handler sends nothing and leaves the outbox as it was', async ({ hf }) => {
    const ctx = context!;
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    await openConsole(page, hf);
    await expect(await backgroundToggle(page)).not.toBeChecked();
    await page.getByRole('button', { name: 'Connection', exact: true }).click();

    await queueEditsOffline(page, hf);
    await page.close();
    hf.proxy.pass();
    // Fired by hand: with the setting off the page never registers one.
    expect(await dispatchSync(ctx, hf.url)).toBe('resolved');

    await hf.settle();
    expect(hf.sets()).toEqual([]);
    expect(deviceValue(hf.stack, 'genlock/phase-v')).toBe(0);
    expect(deviceValue(hf.stack, 'genlock/source')).toBe('ref-in');
    const sw = await serviceWorker(ctx);
    // Read in the worker's own scope: opening the console would reconcile the outbox itself.
    const rows = await sw.evaluate(
      () =>
        new Promise<{ propertyId: string; state: string }[]>((resolve, reject) => {
          const open = indexedDB.open('holdfast');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const read = open.result.transaction('outbox').objectStore('outbox').getAll();
            read.onerror = () => reject(read.error);
            read.onsuccess = () => {
              open.result.close();
              resolve(read.result as { propertyId: string; state: string }[]);
            };
          };
        }),
    );
    expect(rows.map((r) => [r.propertyId, r.state]).sort()).toEqual([
      ['genlock/phase-h', 'queued'],
      ['genlock/phase-v', 'queued'],
      ['genlock/source', 'queued'],
    ]);
  });
});
