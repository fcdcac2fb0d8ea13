import { expect, expectConnected, test } from './harness.js';
test.use({ extraDevices: true });
test('explore', async ({ page, hf }) => {
  await hf.open(page);
  await expectConnected(page);
  const nav = page.getByRole('navigation', { name: 'Devices' });
  console.log(await nav.ariaSnapshot());
  for (const name of ['Studio light', 'Desk plug']) {
    await nav.getByRole('button', { name: new RegExp(`^${name}`) }).click();
    await expect(page.getByRole('heading', { name, level: 2 })).toBeVisible();
    await page.waitForTimeout(2500);
    console.log(await page.locator('body').ariaSnapshot());
  }
});
