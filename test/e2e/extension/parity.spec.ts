import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EXTENSION_DIR, deviceValue, expect, setNumber, setTheme, test, tool } from './fixture.js';
import { expectNoAxeViolations } from '../../support/axe.js';

/**
 * The same Lit UI in the extension's page: every panel opens and passes axe,
 * in both themes; history, traffic log, diagnostics, profile links and
 * deep links to a control work. (Broker-independent: once, on aedes.)
 */

test.describe('extension: parity with the PWA', () => {
  test.skip(({ brokerKind }) => brokerKind !== 'aedes', 'the UI does not depend on the broker');

  test('the build: an MV3 manifest for Chrome 116+, a strict CSP, no remote code or eval; a broker is asked for when its profile is saved', async ({ ext }) => {
    const manifest = JSON.parse(readFileSync(join(EXTENSION_DIR, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      manifest_version: 3,
      minimum_chrome_version: '116',
      background: { service_worker: 'service-worker.js', type: 'module' },
      side_panel: { default_path: 'console.html' },
      action: {},
      content_security_policy: { extension_pages: "script-src 'self'; object-src 'self'" },
    });
    expect(manifest.permissions).toEqual(expect.arrayContaining(['storage', 'notifications', 'alarms']));
    // Brokers are optional: nothing is asked for up front.
    expect(manifest.host_permissions).toBeUndefined();
    expect(manifest.optional_host_permissions).toEqual(expect.arrayContaining(['ws://*/*', 'wss://*/*']));
    // Everything the extension runs is in it: no eval, no Function constructor, no script from elsewhere.
    const scripts = [join(EXTENSION_DIR, 'service-worker.js'), ...readdirSync(join(EXTENSION_DIR, 'assets')).filter((f) => f.endsWith('.js')).map((f) => join(EXTENSION_DIR, 'assets', f))];
    for (const file of scripts) {
      const code = readFileSync(file, 'utf8');
      expect(code, file).not.toMatch(/\beval\(|\bnew Function\(|importScripts\(\s*['"]https?:/);
    }
    expect(readFileSync(join(EXTENSION_DIR, 'console.html'), 'utf8')).not.toMatch(/<script[^>]+src="(https?:)?\/\//);

    // The real chrome.permissions, watched: the broker's origins are asked for inside the operator's Save, not before.
    const granted = async (): Promise<string[]> => (await (await ext.worker()).evaluate(() => (globalThis as unknown as { chrome: { permissions: { getAll(): Promise<{ origins: string[] }> } } }).chrome.permissions.getAll())).origins;
    expect(await granted()).toEqual([]);
    const page = await ext.open(`profile=${Buffer.from(JSON.stringify({ name: 'Simulated site', url: 'ws://127.0.0.1:1884/' })).toString('base64url')}`);
    await expect(page.getByRole('button', { name: 'Add and connect' })).toBeVisible();
    await page.evaluate(() => {
      const w = globalThis as unknown as { asked: string[][]; chrome: { permissions: { request(p: { origins: string[] }): Promise<boolean> } } };
      const request = w.chrome.permissions.request.bind(w.chrome.permissions);
      w.asked = [];
      w.chrome.permissions.request = (p) => {
        w.asked.push(p.origins);
        return request(p);
      };
    });
    expect(await page.evaluate(() => (globalThis as unknown as { asked: string[][] }).asked)).toEqual([]);
    await page.getByRole('button', { name: 'Add and connect' }).click();
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { asked: string[][] }).asked)).toEqual([['ws://127.0.0.1/*', 'http://127.0.0.1/*']]);
    // Headless Chromium has no one to answer the prompt: nothing is granted, and the console carries on.
    expect(await granted()).toEqual([]);
    expect(ext.errors).toEqual([]);
  });

  test('panels, themes, history, traffic log, profile link and a deep link to a control, accessibly', async ({ ext, hf }) => {
    test.setTimeout(90_000);
    const page = await ext.connect();
    await page.getByRole('button', { name: 'Not now' }).click();
    await expect(page.getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue('22');
    await setTheme(page, 'light');
    await expectNoAxeViolations(page, 'side panel (light)');
    await setTheme(page, 'dark');
    await expectNoAxeViolations(page, 'side panel (dark)');
    // The theme is the extension's, shared by its pages.
    const tab = await ext.open('', { wide: true });
    await expect.poll(() => tab.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');

    // History and the traffic log, from the same stores as the PWA's.
    for (const v of [10, -5]) {
      hf.stack.setFromPanel('vp4', 'genlock/phase-h', v);
      await expect(page.getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue(String(v));
      await page.waitForTimeout(600);
    }
    await page.getByRole('button', { name: 'Show Genlock phase H history' }).click();
    await expect(page.getByRole('figure', { name: 'Genlock phase H history' }).locator('canvas')).toBeVisible();
    await page.getByRole('button', { name: 'Hide Genlock phase H history' }).click();
    await setNumber(page, 'Genlock phase V', 3);
    await expect.poll(() => deviceValue(hf.stack, 'genlock/phase-v')).toBe(3);
    await tool(page, 'Traffic log');
    await expect(page.getByRole('list', { name: 'Messages' })).toContainText('homie/5/vp4/genlock/phase-v/set 3');
    await tool(page, 'Traffic log');

    // Outbox and Alarms stay in the header row (their names carry counts); the others fold behind Tools at this width.
    for (const panel of ['Outbox', 'Alarms'] as const) {
      const button = page.getByRole('button', { name: new RegExp(`^${panel}\\b`) });
      await button.click();
      await expectNoAxeViolations(page, `${panel} panel`);
      await button.click();
    }
    await page.getByRole('button', { name: 'Tools', exact: true }).click();
    await expectNoAxeViolations(page, 'Tools menu');
    await page.getByRole('button', { name: 'Tools', exact: true }).click();
    for (const panel of ['Connection', 'Diagnostics', 'Traffic log', 'Settings', 'Audit'] as const) {
      await tool(page, panel);
      await expectNoAxeViolations(page, `${panel} panel`);
      await tool(page, panel);
    }

    // A profile link shared from the extension opens in the extension.
    await tool(page, 'Connection');
    await page.getByRole('button', { name: 'Share Simulated site' }).click();
    const link = await page.getByRole('group', { name: 'Share Simulated site' }).getByRole('textbox').inputValue();
    expect(link.startsWith(ext.url('console.html?profile='))).toBe(true);

    // A deep link to a control (what a notification opens) selects the device and focuses the control.
    const deep = await ext.open(`#device=${encodeURIComponent('homie5:vp4')}&property=${encodeURIComponent('genlock/phase-v')}`, { wide: true });
    await expect(deep.getByRole('spinbutton', { name: 'Genlock phase V' })).toBeFocused();
    expect(ext.errors).toEqual([]);
  });
});
