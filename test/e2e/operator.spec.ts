import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { MOSQUITTO_USERS } from '../support/mosquitto.js';
import { expect, expectConnected, setNumber, test } from './harness.js';

async function download(page: Page, button: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  return readFile((await file.path())!, 'utf8');
}

test.describe('the operator’s tools', () => {
  test('traffic log: every message in and out, filterable, exported as text and JSON without secrets', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    let password: string | null = null;
    if (hf.brokerKind === 'mosquitto') {
      // Log in with a remembered password, so the export can be checked for it.
      ({ password } = MOSQUITTO_USERS.operator);
      await page.getByRole('button', { name: 'Connection', exact: true }).click();
      await page.getByRole('button', { name: 'Add a connection' }).click();
      await page.getByRole('textbox', { name: 'Broker URL' }).fill(hf.proxy.url('/'));
      await page.getByRole('textbox', { name: 'User name' }).fill(MOSQUITTO_USERS.operator.username);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('checkbox', { name: 'Remember password on this device' }).check();
      await page.getByRole('button', { name: 'Connect', exact: true }).click();
      await expect(page.getByRole('status', { name: 'Connection' })).toContainText('Connected (MQTT 5)', { timeout: 15_000 });
    }
    await setNumber(page, 'Genlock phase H', 12);
    await expect.poll(() => hf.stack.devices.get('vp4')!.snapshot()['genlock/phase-h']).toBe(12);

    await page.getByRole('button', { name: 'Traffic log' }).click();
    const log = page.getByRole('list', { name: 'Messages' });
    await expect(log).toContainText('OUT homie/5/vp4/genlock/phase-h/set 12');
    await expect(log).toContainText('IN homie/5/vp4/genlock/phase-h 12');
    await page.getByRole('searchbox', { name: 'Topic contains' }).fill('phase-h/set');
    await expect(log.getByRole('listitem')).toHaveCount(1);
    await expect(log).toContainText('edit ');

    const text = await download(page, 'Export as text');
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z OUT homie\/5\/vp4\/genlock\/phase-h\/set 12 {2}\(edit [0-9a-f]{8}, base 22; PUBACK received\)$/m);
    await page.getByRole('searchbox', { name: 'Topic contains' }).fill('');
    const json = JSON.parse(await download(page, 'Export as JSON')) as { direction: string; topic: string }[];
    expect(json.some((r) => r.direction === 'in' && r.topic === 'homie/5/vp4/$description')).toBe(true);
    if (password) {
      expect(text).not.toContain(password);
      expect(JSON.stringify(json)).not.toContain(password);
    }
  });

  test('value history survives a reload', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    for (const v of [5, 15, 25]) {
      hf.stack.setFromPanel('vp4', 'genlock/phase-v', v);
      await expect(page.getByRole('spinbutton', { name: 'Genlock phase V' })).toHaveValue(String(v));
      await page.waitForTimeout(600);
    }
    const trend = page.getByRole('img', { name: /^Genlock phase V trend: \d+ points/ });
    await expect(trend).toBeVisible();
    // History reaches disk every 2 s (newest point per property), so give it one flush.
    await page.waitForTimeout(2500);
    await page.reload();
    await expect(page.getByRole('img', { name: /^Genlock phase V trend: \d+ points from -?\d+ to 25/ })).toBeVisible();
  });
});
