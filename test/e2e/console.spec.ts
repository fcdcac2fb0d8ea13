import { cutNetwork, deviceValue, expect, expectConnected, setNumber, test } from './harness.js';

test.describe('foundation: vp4 over the embedded broker', () => {
  test('shows vp4, confirms an edit by echo, and follows the hardware panel', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    await expect(page.getByRole('heading', { name: 'VP4 Video Processor' })).toBeVisible();
    await expect(page.getByRole('status', { name: 'VP4 Video Processor availability' })).toHaveText('Online');

    const phaseH = page.getByRole('spinbutton', { name: 'Genlock phase H' });
    await expect(phaseH).toHaveValue('22');
    await expect(page.getByRole('slider', { name: 'Genlock phase H' })).toHaveValue('22');
    await expect(page.getByRole('combobox', { name: 'Genlock source' })).toHaveValue('ref-in');
    await expect(page.getByRole('switch', { name: 'Test pattern' })).toHaveAttribute('aria-checked', 'false');
    await expect(page.getByRole('textbox', { name: 'Temperature' })).toHaveValue(/°C/);

    await setNumber(page, 'Genlock phase H', -10);
    await expect.poll(() => deviceValue(hf.stack, 'genlock/phase-h')).toBe(-10);
    await expect(phaseH).toHaveValue('-10');
    // Confirmed by the echo: nothing left pending on the control.
    await expect(page.getByText(/Sending|waiting for the device/)).toHaveCount(0);
    expect(hf.sets('genlock/phase-h').map((s) => s.payload)).toEqual(['-10']);

    await page.getByRole('switch', { name: 'Test pattern' }).click();
    await expect.poll(() => deviceValue(hf.stack, 'output/test-pattern')).toBe(true);
    await expect(page.getByRole('switch', { name: 'Test pattern' })).toHaveAttribute('aria-checked', 'true');

    await page.getByRole('combobox', { name: 'Output format' }).selectOption('2160p50');
    await expect.poll(() => deviceValue(hf.stack, 'output/format')).toBe('2160p50');

    // A person at the hardware panel changes it behind the console's back.
    expect(hf.stack.setFromPanel('vp4', 'genlock/phase-h', 40)).toMatchObject({ ok: true });
    await expect(phaseH).toHaveValue('40');
  });

  test('out-of-range input gets a clear error and is never sent', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    await setNumber(page, 'Genlock phase H', 500);
    await expect(page.getByRole('alert')).toContainText('180');
    expect(hf.sets('genlock/phase-h')).toEqual([]);
    expect(deviceValue(hf.stack, 'genlock/phase-h')).toBe(22);
  });

  test('a bad broker URL gets a clear error', async ({ page, hf }) => {
    await hf.open(page);
    await page.getByRole('button', { name: 'Connection', exact: true }).click();
    await page.getByRole('button', { name: 'Add a connection' }).click();
    await page.getByRole('textbox', { name: 'Broker URL' }).fill('mqtt://10.0.0.1:1883');
    await page.getByRole('textbox', { name: 'Client-ID prefix' }).fill('bad prefix!');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Browsers cannot open mqtt://' })).toBeVisible();
    await expect(page.getByRole('alert').filter({ hasText: 'letters, digits' })).toBeVisible();
    await expect(page.getByRole('textbox', { name: 'Broker URL' })).toHaveAttribute('aria-invalid', 'true');
    // Nothing changed: still connected to the broker it had.
    await expectConnected(page);
  });

  test('offline reload shows the app shell with last-known values and their age', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    await expect(page.getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue('22');
    // Wait for the service worker to control the page, so a reload can be served from its cache.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await page.reload();
    await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
    await expectConnected(page);
    // Let the status cache reach IndexedDB.
    await page.waitForTimeout(1500);

    cutNetwork(hf.proxy);
    await hf.stack.stop();
    await page.context().setOffline(true);
    const shell = await page.reload();
    // The service worker served the shell with the last-known values already in its HTML (sw/first-paint-shell.ts).
    expect(shell?.fromServiceWorker()).toBe(true);
    expect(await shell?.text()).toMatch(/<hf-app><div class="first-paint"[^>]*>.*Starting: last-known values.*<li>VP4 Video Processor<\/li>/s);
    await expect(page).toHaveTitle('Holdfast');
    await expect(page.getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue('22');
    await expect(page.getByText(/last seen .*ago/).first()).toBeVisible();
    await expect(page.getByRole('status', { name: 'Connection' })).not.toContainText('Connected');
    await page.context().setOffline(false);
  });
});
