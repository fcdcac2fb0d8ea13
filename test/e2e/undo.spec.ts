// Undo tied to the edit's outcome (model/undo.ts). The issue: "The operator
// sees Trim = 0 and, while offline, sets it to 5. The hardware sets Trim to -7.
// On reconnect the edit is correctly discarded, and the conflict card shows.
// Tapping Undo publishes nothing." The VP4's Genlock phase V plays Trim: it
// shows 0 at start.
//
// Undo must never write a value the operator saw before an outage over what the
// device does now: while pending it withdraws the edit; once confirmed it is a
// new edit back to the previous value, judged against the confirmed one; after
// any other end it is not offered.

import type { Page } from '@playwright/test';
import { cutNetwork, deviceValue, expect, expectConnected, setNumber, test } from './harness.js';

const TRIM = 'genlock/phase-v';
const NAME = 'Genlock phase V';

/** The Undo toast about this setting (a status line; the Connection status is another). */
function toast(page: Page) {
  return page.getByRole('status').filter({ hasText: new RegExp(`^\\s*(Queued: |Sending )?${NAME}`) });
}

async function goOffline(page: Page, hf: { proxy: Parameters<typeof cutNetwork>[0] }): Promise<void> {
  cutNetwork(hf.proxy);
  await expect(page.getByRole('status', { name: 'Connection' })).not.toContainText('Connected');
}

test.describe('Undo follows what became of the edit', () => {
  test('the issue: an offline edit discarded on reconnect no longer offers Undo, never says it was set, and nothing is published', async ({ page, hf }) => {
    // Reconnect promptly once the network is back, so the toast is still up when the outcome arrives.
    await hf.open(page, '&backoffMaxMs=1000');
    await expectConnected(page);
    const trim = page.getByRole('spinbutton', { name: NAME });
    await expect(trim).toHaveValue('0');

    await goOffline(page, hf);
    await setNumber(page, NAME, 5);
    await expect(toast(page)).toContainText(`Queued: ${NAME} → 5 °`);
    await expect(toast(page).getByRole('button', { name: 'Undo' })).toBeVisible();

    // The hardware moves while the console is away.
    expect(hf.stack.setFromPanel('vp4', TRIM, -7)).toMatchObject({ ok: true });
    hf.proxy.pass();
    await expectConnected(page);

    const card = page.getByRole('group', { name: `Not sent: ${NAME}` });
    await expect(card).toBeVisible({ timeout: 15_000 });
    await expect(card).toContainText('was 0 ° when you edited');
    await expect(card).toContainText('you set 5 °');
    await expect(card).toContainText('device is now -7 °');
    await expect(trim).toHaveValue('-7');

    // Nothing to undo: the edit never reached the device. No Undo anywhere, and no claim that it was set.
    await expect(page.getByRole('button', { name: 'Undo' })).toHaveCount(0);
    const stillUp = toast(page);
    if ((await stillUp.count()) > 0) await expect(stillUp).toHaveText(new RegExp(`^\\s*${NAME} → 5 °: not set \\(the device changed to -7 °`));
    await expect(page.getByText(new RegExp(`${NAME} is 5|set to 5|Confirmed 5`))).toHaveCount(0);

    await hf.settle();
    expect(hf.sets(TRIM)).toEqual([]);
    expect(deviceValue(hf.stack, TRIM)).toBe(-7);
  });

  test('Undo while the edit is pending withdraws it: nothing is published after reconnect', async ({ page, hf }) => {
    await hf.open(page, '&backoffMaxMs=1000');
    await expectConnected(page);
    const trim = page.getByRole('spinbutton', { name: NAME });
    await expect(trim).toHaveValue('0');

    await goOffline(page, hf);
    await setNumber(page, NAME, 5);
    await expect(toast(page)).toContainText(`Queued: ${NAME} → 5 °`);
    await toast(page).getByRole('button', { name: 'Undo' }).click();

    await expect(page.getByText(/^Queued:/)).toHaveCount(0);
    await expect(page.getByText('Cancelled: undone before it was sent')).toBeVisible();
    await expect(trim).toHaveValue('0');

    hf.proxy.pass();
    await expectConnected(page);
    // A later edit of another setting goes out and is confirmed: the outbox has been through a pass since the reconnect.
    await setNumber(page, 'Genlock phase H', 30);
    await expect.poll(() => deviceValue(hf.stack, 'genlock/phase-h')).toBe(30);
    await expect(page.getByText('Confirmed 30 °')).toBeVisible();

    await hf.settle();
    expect(hf.sets(TRIM)).toEqual([]);
    expect(deviceValue(hf.stack, TRIM)).toBe(0);
    await expect(trim).toHaveValue('0');
  });

  test('after a confirmed edit the toast says so, and Undo sends the previous value exactly once', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    const trim = page.getByRole('spinbutton', { name: NAME });
    await expect(trim).toHaveValue('0');

    await setNumber(page, NAME, 5);
    await expect(toast(page)).toHaveText(new RegExp(`^\\s*${NAME} is 5 ° \\(confirmed\\)`));
    expect(deviceValue(hf.stack, TRIM)).toBe(5);
    await toast(page).getByRole('button', { name: 'Undo' }).click();

    await expect.poll(() => deviceValue(hf.stack, TRIM)).toBe(0);
    await expect(trim).toHaveValue('0');
    await expect(page.getByText('Confirmed 0 °')).toBeVisible();
    await hf.settle();
    expect(hf.sets(TRIM).map((s) => s.payload)).toEqual(['5', '0']);
  });

  test('if the hardware moved after the confirmation, Undo is discarded with the card and publishes nothing', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    const trim = page.getByRole('spinbutton', { name: NAME });
    await expect(trim).toHaveValue('0');

    await setNumber(page, NAME, 5);
    await expect(toast(page)).toHaveText(new RegExp(`^\\s*${NAME} is 5 ° \\(confirmed\\)`));

    // Someone at the panel moves it on; the console shows it before the operator taps Undo.
    expect(hf.stack.setFromPanel('vp4', TRIM, -7)).toMatchObject({ ok: true });
    await expect(trim).toHaveValue('-7');
    await toast(page).getByRole('button', { name: 'Undo' }).click();

    const card = page.getByRole('group', { name: `Not sent: ${NAME}` });
    await expect(card).toBeVisible();
    await expect(card).toContainText('was 5 ° when you edited');
    await expect(card).toContainText('you set 0 °');
    await expect(card).toContainText('device is now -7 °');
    await hf.settle();
    expect(hf.sets(TRIM).map((s) => s.payload)).toEqual(['5']);
    expect(deviceValue(hf.stack, TRIM)).toBe(-7);
    await expect(trim).toHaveValue('-7');
  });
});
