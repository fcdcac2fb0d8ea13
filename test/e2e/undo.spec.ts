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

import { deviceValue, expect, expectConnected, goOffline, selectDevice, setNumber, test, undoToast } from './harness.js';

const TRIM = 'genlock/phase-v';
const NAME = 'Genlock phase V';

test.describe('Undo follows what became of the edit', () => {
  test('the issue: an offline edit discarded on reconnect no longer offers Undo, never says it was set, and nothing is published', async ({ page, hf }) => {
    // Reconnect promptly once the network is back, so the toast is still up when the outcome arrives.
    await hf.open(page, '&backoffMaxMs=1000');
    await expectConnected(page);
    const trim = page.getByRole('spinbutton', { name: NAME });
    await expect(trim).toHaveValue('0');

    await goOffline(page, hf);
    await setNumber(page, NAME, 5);
    await expect(undoToast(page, NAME)).toContainText(`Queued: ${NAME} → 5 °`);
    await expect(undoToast(page, NAME).getByRole('button', { name: 'Undo' })).toBeVisible();

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
    // The toast hides a few seconds after the edit's last change; while it is still up it tells the outcome.
    const stillUp = undoToast(page, NAME);
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
    await expect(undoToast(page, NAME)).toContainText(`Queued: ${NAME} → 5 °`);
    await undoToast(page, NAME).getByRole('button', { name: 'Undo' }).click();

    await expect(page.getByText(/^Queued:/)).toHaveCount(0);
    await expect(page.getByRole('button', { name: /^Outbox/ })).toHaveAccessibleName(/0 pending/);
    await expect(trim).toHaveValue('0');

    hf.proxy.pass();
    await expectConnected(page);
    // A later edit of another setting goes out and is confirmed: the outbox has been through a pass since the reconnect.
    await setNumber(page, 'Genlock phase H', 30);
    await expect.poll(() => deviceValue(hf.stack, 'genlock/phase-h')).toBe(30);
    await expect(undoToast(page, 'Genlock phase H')).toHaveText(/^\s*Genlock phase H is 30 ° \(confirmed\)/);

    await hf.settle();
    expect(hf.sets(TRIM)).toEqual([]);
    expect(deviceValue(hf.stack, TRIM)).toBe(0);
    await expect(trim).toHaveValue('0');
  });

  test('editing a pending setting again brings the toast back, and its Undo withdraws the edit as it now stands', async ({ page, hf }) => {
    await hf.open(page, '&backoffMaxMs=1000');
    await expectConnected(page);
    await expect(page.getByRole('spinbutton', { name: NAME })).toHaveValue('0');

    await goOffline(page, hf);
    await setNumber(page, NAME, 5);
    await expect(undoToast(page, NAME)).toContainText(`Queued: ${NAME} → 5 °`);
    // The operator leaves it; the toast goes after a few seconds. The edit is still queued.
    await expect(undoToast(page, NAME)).toHaveCount(0, { timeout: 15_000 });
    await expect(page.getByText(/^Queued: 5 °/)).toBeVisible();

    // A second edit of the same setting (merged into the queued one): a new offer of Undo.
    await setNumber(page, NAME, 8);
    await expect(undoToast(page, NAME)).toContainText(`Queued: ${NAME} → 8 °`);
    await undoToast(page, NAME).getByRole('button', { name: 'Undo' }).click();
    await expect(page.getByText(/^Queued:/)).toHaveCount(0);

    hf.proxy.pass();
    await expectConnected(page);
    await setNumber(page, 'Genlock phase H', 30);
    await expect(undoToast(page, 'Genlock phase H')).toHaveText(/^\s*Genlock phase H is 30 ° \(confirmed\)/);
    await hf.settle();
    expect(hf.sets(TRIM)).toEqual([]);
    expect(deviceValue(hf.stack, TRIM)).toBe(0);
  });

  test('after a confirmed edit the toast says so, and Undo sends the previous value exactly once', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    const trim = page.getByRole('spinbutton', { name: NAME });
    await expect(trim).toHaveValue('0');

    await setNumber(page, NAME, 5);
    await expect(undoToast(page, NAME)).toHaveText(new RegExp(`^\\s*${NAME} is 5 ° \\(confirmed\\)`));
    expect(deviceValue(hf.stack, TRIM)).toBe(5);
    await undoToast(page, NAME).getByRole('button', { name: 'Undo' }).click();

    await expect.poll(() => deviceValue(hf.stack, TRIM)).toBe(0);
    await expect(trim).toHaveValue('0');
    await expect(page.getByRole('group', { name: `Not sent: ${NAME}` })).toHaveCount(0);
    await hf.settle();
    expect(hf.sets(TRIM).map((s) => s.payload)).toEqual(['5', '0']);
  });

  test('if the hardware moved after the confirmation, Undo is discarded with the card and publishes nothing', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    const trim = page.getByRole('spinbutton', { name: NAME });
    await expect(trim).toHaveValue('0');

    await setNumber(page, NAME, 5);
    await expect(undoToast(page, NAME)).toHaveText(new RegExp(`^\\s*${NAME} is 5 ° \\(confirmed\\)`));

    // Someone at the panel moves it on; the console shows it before the operator taps Undo.
    expect(hf.stack.setFromPanel('vp4', TRIM, -7)).toMatchObject({ ok: true });
    await expect(trim).toHaveValue('-7');
    await undoToast(page, NAME).getByRole('button', { name: 'Undo' }).click();

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

test.describe('Undo across devices', () => {
  test.use({ extraDevices: true });

  test('a queued edit of another device gets its own toast and Undo, which withdraws that edit only', async ({ page, hf }) => {
    await hf.open(page, '&backoffMaxMs=1000');
    await expectConnected(page);
    // Two switches that report only when they change: each is switched off at the device, and the console hears it.
    await selectDevice(page, 'Desk plug');
    const plug = page.getByRole('switch', { name: 'Desk plug Desk plug' });
    expect(hf.stack.setFromPanel('tasmota-plug', 'POWER', false)).toMatchObject({ ok: true });
    await expect(plug).toHaveAttribute('aria-checked', 'false');
    await selectDevice(page, 'Garden pump');
    const pump = page.getByRole('switch', { name: 'Garden pump Pump' });
    expect(hf.stack.setFromPanel('garden-pump', 'pump', false)).toMatchObject({ ok: true });
    await expect(pump).toHaveAttribute('aria-checked', 'false');

    await goOffline(page, hf);
    await selectDevice(page, 'Desk plug');
    await plug.click();
    await expect(undoToast(page, 'Desk plug Desk plug')).toHaveText(/^\s*Queued: Desk plug Desk plug → On\s*Undo\s*$/);
    // Straight on to the other device, while the first toast is still up: the same kind of edit, the same value.
    await selectDevice(page, 'Garden pump');
    await pump.click();
    const pumpToast = undoToast(page, 'Garden pump Pump');
    await expect(pumpToast).toHaveText(/^\s*Queued: Garden pump Pump → On\s*Undo\s*$/);
    await pumpToast.getByRole('button', { name: 'Undo' }).click();
    await expect(page.getByRole('button', { name: /^Outbox/ })).toHaveAccessibleName(/1 pending/);
    await expect(pump).toHaveAttribute('aria-checked', 'false');

    hf.proxy.pass();
    await expectConnected(page);
    // The plug's edit is still there: asked, found as the operator saw it, sent. The pump's was withdrawn.
    await expect.poll(() => hf.stack.extraDevices.get('tasmota-plug')!.snapshot()['POWER']).toBe(true);
    await hf.settle();
    const commands = hf.stack.broker.publishes.filter((p) => p.topic === 'cmnd/tasmota_5F2A1C/POWER' || (p.topic.startsWith('garden-pump/') && p.topic.endsWith('/command')));
    expect(commands.map((p) => `${p.topic} ${p.payload}`)).toEqual(['cmnd/tasmota_5F2A1C/POWER ON']);
    expect(hf.stack.extraDevices.get('garden-pump')!.snapshot()['pump']).toBe(false);
  });
});
