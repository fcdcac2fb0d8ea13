import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from '@playwright/test';
import { cutNetwork, expect, expectConnected, test } from './harness.js';

const status = (page: Page) => page.getByRole('status', { name: 'Connection' });

async function diagnostics(page: Page) {
  const open = page.getByRole('button', { name: 'Diagnostics', exact: true });
  if ((await open.getAttribute('aria-expanded')) !== 'true') await open.click();
  return page.getByRole('region', { name: 'Connection diagnostics' });
}

/** The value shown for one term of the diagnostics list. */
async function diagnosticValue(page: Page, term: string): Promise<string> {
  const panel = await diagnostics(page);
  return (await panel.locator('dt', { hasText: term }).locator('xpath=following-sibling::dd[1]').textContent()) ?? '';
}

test.describe('connection management', () => {
  test('backoff never gives up across 10+ failed attempts, and connects when the broker is back', async ({ page, hf }) => {
    // Probing off: this is about the backoff itself (with the probe, attempts wait for it while nothing answers).
    await hf.open(page, '&backoffInitialMs=100&backoffMaxMs=400&probeIntervalMs=0');
    await expectConnected(page);
    cutNetwork(hf.proxy);
    await expect.poll(async () => Number(await diagnosticValue(page, 'Attempts since last good session')), { timeout: 30_000 }).toBeGreaterThanOrEqual(10);
    await expect(status(page)).not.toContainText('Not connected');
    hf.proxy.pass();
    await expectConnected(page);
    expect(await diagnosticValue(page, 'Attempts since last good session')).toBe('0');
    expect(await diagnosticValue(page, 'Sessions since start')).toBe('2');
    // The page was never reloaded: the same document kept retrying.
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);
  });

  test('a stalled connection is caught by the heartbeat and reconnected', async ({ page, hf }) => {
    await hf.open(page, '&heartbeatIntervalMs=1000&heartbeatTimeoutMs=1500&backoffMaxMs=500');
    await expectConnected(page);
    await expect.poll(async () => diagnosticValue(page, 'Round-trip time')).toMatch(/\d+ ms/);
    // The proxy keeps the socket open but forwards nothing: a half-open connection.
    hf.proxy.stall();
    await expect(status(page)).not.toContainText('Connected', { timeout: 15_000 });
    await expect((await diagnostics(page)).getByRole('list', { name: 'Connection events' })).toContainText('heartbeat timed out');
    hf.proxy.pass();
    await expectConnected(page);
  });

  test('a refused WebSocket upgrade is diagnosed as such', async ({ page, hf }) => {
    // A server that speaks HTTP but refuses the upgrade, like a proxy that blocks WebSockets.
    const server = createServer((_req, res) => res.writeHead(404).end('not here'));
    server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      await hf.open(page);
      await expectConnected(page);
      await page.getByRole('button', { name: 'Connection', exact: true }).click();
      await page.getByRole('button', { name: 'Add a connection' }).click();
      await page.getByRole('textbox', { name: 'Broker URL' }).fill(`ws://127.0.0.1:${port}/wrong-path`);
      await page.getByRole('button', { name: 'Connect', exact: true }).click();
      await expect.poll(async () => diagnosticValue(page, 'Last error'), { timeout: 15_000 }).toContain('refused the WebSocket upgrade');
      expect(await diagnosticValue(page, 'Last error')).toContain('Check the path');
    } finally {
      server.close();
    }
  });

  test('nothing listening is diagnosed as unreachable', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    cutNetwork(hf.proxy);
    await expect.poll(async () => diagnosticValue(page, 'Last error'), { timeout: 15_000 }).toContain('Nothing answered');
  });

  test('banners: nothing for a blip, "Reconnecting…" after 2 s, the offline notice after 30 s', async ({ page, hf }) => {
    test.setTimeout(90_000);
    await hf.open(page, '&backoffInitialMs=200&backoffMaxMs=1000');
    await expectConnected(page);
    const reconnecting = page.getByText(/^Reconnecting…/);
    const offline = page.getByRole('region', { name: 'Offline notice' });

    // A blip: drop the socket, the console is back well within 2 s; no banner may appear.
    await page.evaluate(() => {
      (window as unknown as { bannerSeen: boolean }).bannerSeen = false;
      new MutationObserver(() => {
        const app = document.querySelector('hf-app');
        const banner = app?.shadowRoot?.querySelector('hf-connection-banner');
        if (banner?.shadowRoot?.querySelector('.banner')) (window as unknown as { bannerSeen: boolean }).bannerSeen = true;
      }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    hf.proxy.drop();
    await expect(status(page)).not.toContainText('Connected');
    await expectConnected(page);
    await page.waitForTimeout(2500);
    await expect(reconnecting).toHaveCount(0);

    // A real outage.
    cutNetwork(hf.proxy);
    const cutAt = Date.now();
    await expect(reconnecting).toBeVisible({ timeout: 10_000 });
    expect(Date.now() - cutAt).toBeGreaterThanOrEqual(1_900);
    await expect(offline).toBeVisible({ timeout: 40_000 });
    expect(Date.now() - cutAt).toBeGreaterThanOrEqual(29_000);
    await expect(offline).toContainText('your changes are kept and will be checked against the devices when the connection returns');
    await offline.getByRole('button', { name: 'Show diagnostics' }).click();
    await expect(page.getByRole('region', { name: 'Connection diagnostics' })).toBeVisible();
    hf.proxy.pass();
    await expectConnected(page);
    await expect(offline).toHaveCount(0);
  });

  test('presence: a second console sees the first appear, edit and leave', async ({ browser, hf }) => {
    const a = await browser.newContext();
    const b = await browser.newContext();
    const pa = await a.newPage();
    const pb = await b.newPage();
    await hf.open(pb);
    await expectConnected(pb);
    await pb.getByRole('button', { name: 'Not now' }).click();
    await expect(pb.getByText('No other consoles')).toBeVisible();

    await hf.open(pa);
    await expectConnected(pa);
    await pa.getByRole('textbox', { name: 'Your name' }).fill('Dana');
    await pa.getByRole('button', { name: 'Save name' }).click();
    await expect(pb.getByText('Also connected: Dana')).toBeVisible();

    await pa.getByRole('spinbutton', { name: 'Genlock phase H' }).focus();
    await expect(pb.getByText('Dana is editing Genlock phase H')).toBeVisible();
    await pa.getByRole('button', { name: 'Outbox' }).focus();
    await expect(pb.getByText('Dana is editing Genlock phase H')).toHaveCount(0);

    await a.close();
    await expect(pb.getByText('No other consoles')).toBeVisible({ timeout: 15_000 });
    await b.close();
  });

  test('profiles: share as a link and QR code; the link asks before connecting to a new host', async ({ page, browser, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    await page.getByRole('button', { name: 'Connection', exact: true }).click();
    const profiles = page.getByRole('region', { name: 'Connections' });
    await expect(profiles.getByRole('listitem')).toHaveCount(2);
    const active = profiles.getByRole('listitem').filter({ hasText: '(active)' });
    await active.getByRole('button', { name: /^Share/ }).click();
    const share = page.getByRole('group', { name: /^Share/ });
    const link = await share.getByRole('textbox').inputValue();
    expect(link).toContain('?profile=');
    await expect(share.getByRole('img', { name: /QR code/ })).toBeVisible();

    const other = await browser.newContext();
    const tablet = await other.newPage();
    await tablet.goto(link);
    await expect(tablet.getByRole('group', { name: 'Connect to a new broker?' })).toContainText(hf.proxy.url('/'));
    await expect(tablet.getByRole('status', { name: 'Connection' })).not.toContainText('Connected');
    await tablet.getByRole('button', { name: 'Add and connect' }).click();
    await expectConnected(tablet);
    await other.close();
  });
});
