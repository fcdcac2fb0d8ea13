import { chromium } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './harness.js';

/**
 * Installability needs a persistent profile: a default Playwright context is
 * incognito-like and DevTools reports "in-incognito".
 */
test('meets Chromium installability criteria and serves the shell offline', async ({ hf, browserName }, testInfo) => {
  test.skip(browserName !== 'chromium');
  test.skip(testInfo.project.name !== 'aedes', 'installability does not depend on the broker');
  const dir = await mkdtemp(join(tmpdir(), 'holdfast-pwa-'));
  const launch = testInfo.project.use.launchOptions ?? {};
  const context = await chromium.launchPersistentContext(dir, { headless: true, ...(launch.executablePath ? { executablePath: launch.executablePath } : {}), args: launch.args ?? [] });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(hf.url);
    await page.getByRole('button', { name: 'Add and connect' }).click();
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    const cdp = await context.newCDPSession(page);
    const manifest = (await cdp.send('Page.getAppManifest')) as { errors: unknown[]; url: string };
    expect(manifest.url).toMatch(/manifest\.webmanifest$/);
    expect(manifest.errors).toEqual([]);
    await expect.poll(async () => ((await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: unknown[] }).installabilityErrors, { timeout: 15_000 }).toEqual([]);

    // Once the worker controls the page, a reload with the network cut is served from its cache.
    await page.reload();
    await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
    await context.setOffline(true);
    await page.reload();
    await expect(page).toHaveTitle('Holdfast');
    await expect(page.getByRole('heading', { name: 'Holdfast', level: 1 })).toBeVisible();
  } finally {
    await context.close();
    await rm(dir, { recursive: true, force: true });
  }
});
