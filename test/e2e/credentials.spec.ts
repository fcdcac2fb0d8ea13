import { MOSQUITTO_USERS } from '../support/mosquitto.js';
import { expect, expectConnected, test } from './harness.js';

test.describe('credentials (Mosquitto with a password file)', () => {
  test.skip(({ brokerKind }) => brokerKind !== 'mosquitto', 'aedes here has no password file');

  async function addProfile(page: import('@playwright/test').Page, url: string, username: string, password: string, remember: boolean) {
    await page.getByRole('button', { name: 'Connection', exact: true }).click();
    await page.getByRole('button', { name: 'Add a connection' }).click();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill(`${username} login`);
    await page.getByRole('textbox', { name: 'Broker URL' }).fill(url);
    await page.getByRole('textbox', { name: 'User name' }).fill(username);
    await page.getByLabel('Password', { exact: true }).fill(password);
    if (remember) await page.getByRole('checkbox', { name: 'Remember password on this device' }).check();
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
  }

  test('a wrong password is diagnosed, shows Retry, and causes no retry storm', async ({ page, hf }) => {
    const logs: string[] = [];
    page.on('console', (m) => logs.push(m.text()));
    await hf.open(page);
    await expectConnected(page);
    await addProfile(page, hf.proxy.url('/'), MOSQUITTO_USERS.operator.username, 'wrong-password', false);
    const status = page.getByRole('status', { name: 'Connection' });
    await expect(status).toContainText('Bad user name or password', { timeout: 15_000 });
    await expect(page.getByRole('button', { name: 'Retry' })).toBeVisible();
    const connectionsBefore = hf.proxy.totalConnections();
    await page.waitForTimeout(4000);
    expect(hf.proxy.totalConnections()).toBe(connectionsBefore);
    await page.getByRole('button', { name: 'Diagnostics', exact: true }).click();
    const panel = page.getByRole('region', { name: 'Connection diagnostics' });
    await expect(panel.locator('dt', { hasText: 'Attempts since last good session' }).locator('xpath=following-sibling::dd[1]')).toHaveText('1');
    // The password never appears in diagnostics or the console log.
    await expect(panel).not.toContainText('wrong-password');
    expect(logs.join('\n')).not.toContain('wrong-password');
  });

  test('the right password connects; it is stored only when asked, and encrypted', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    const { username, password } = MOSQUITTO_USERS.operator;
    await addProfile(page, hf.proxy.url('/'), username, password, true);
    await expect(page.getByRole('status', { name: 'Connection' })).toContainText('Connected (MQTT 5)', { timeout: 15_000 });
    // The default profile was already "Connected (MQTT 5)": wait for the new profile's secret row, not the status text.
    const readSettings = () =>
      page.evaluate(async () => {
        const req = indexedDB.open('holdfast');
        await new Promise((r) => (req.onsuccess = r));
        const tx = req.result.transaction('settings');
        const all = tx.objectStore('settings').getAll();
        await new Promise((r) => (all.onsuccess = r));
        return all.result as { key: string; value: unknown }[];
      });
    await expect.poll(async () => (await readSettings()).some((r) => r.key.startsWith('secret:')), { timeout: 15_000 }).toBe(true);
    const stored = await readSettings();
    const text = JSON.stringify(stored);
    expect(text).not.toContain(password);
    // After a reload the saved password reconnects without asking.
    await page.reload();
    await expect(page.getByRole('status', { name: 'Connection' })).toContainText('Connected (MQTT 5)', { timeout: 15_000 });
    await expect(page.getByText(/^Password for/)).toHaveCount(0);
  });
});
