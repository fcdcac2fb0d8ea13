import { cutNetwork, deviceValue, expect, expectConnected, setNumber, test } from './harness.js';

test.describe('offline outbox and reconnect reconciliation', () => {
  test('the incident: a stale edit is discarded visibly, never published, and re-applied on request', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    const phaseH = page.getByRole('spinbutton', { name: 'Genlock phase H' });
    await expect(phaseH).toHaveValue('22');

    // 1–2. The console shows 22, then the WiFi drops.
    cutNetwork(hf.proxy);
    await expect(page.getByRole('status', { name: 'Connection' })).not.toContainText('Connected');
    // 3. Someone at the hardware sets -25.
    expect(hf.stack.setFromPanel('vp4', 'genlock/phase-h', -25)).toMatchObject({ ok: true });
    // 4. The operator touches the form.
    await setNumber(page, 'Genlock phase H', 25);
    await expect(page.getByText(/Queued: 25 °, will be checked against the device/)).toBeVisible();

    // 5. The console reconnects.
    hf.proxy.pass();
    await expectConnected(page);
    const card = page.getByRole('group', { name: 'Not sent: Genlock phase H' });
    await expect(card).toBeVisible({ timeout: 15_000 });
    await expect(card).toContainText('was 22 ° when you edited');
    await expect(card).toContainText('you set 25 °');
    await expect(card).toContainText('device is now -25 °');
    await expect(phaseH).toHaveValue('-25');
    // 6. The hardware was never touched: neither 22 nor 25 was published.
    expect(hf.sets('genlock/phase-h')).toEqual([]);
    expect(deviceValue(hf.stack, 'genlock/phase-h')).toBe(-25);

    await card.getByRole('button', { name: 'Re-apply on current value' }).click();
    await expect.poll(() => deviceValue(hf.stack, 'genlock/phase-h')).toBe(25);
    await expect(phaseH).toHaveValue('25');
    await expect(card).toHaveCount(0);
    expect(hf.sets('genlock/phase-h').map((s) => s.payload)).toEqual(['25']);
    expect(hf.sets().some((s) => s.payload === '22')).toBe(false);
  });

  test('an edit queued offline is sent exactly once after reconnect when the device did not change', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    await expect(page.getByRole('spinbutton', { name: 'Genlock phase V' })).toHaveValue('0');
    cutNetwork(hf.proxy);
    await expect(page.getByRole('status', { name: 'Connection' })).not.toContainText('Connected');
    await setNumber(page, 'Genlock phase V', 12);
    await expect(page.getByText(/Queued: 12 °/)).toBeVisible();
    expect(hf.sets('genlock/phase-v')).toEqual([]);

    hf.proxy.pass();
    await expectConnected(page);
    await expect.poll(() => deviceValue(hf.stack, 'genlock/phase-v')).toBe(12);
    await expect(page.getByText(/Queued: 12|Sending 12|Sent 12/)).toHaveCount(0);
    // Give a duplicate every chance to appear before counting.
    await page.waitForTimeout(1000);
    expect(hf.sets('genlock/phase-v').map((s) => s.payload)).toEqual(['12']);
  });

  test('coalescing: editing back to the original value cancels the queued edit', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    await expect(page.getByRole('spinbutton', { name: 'Genlock phase V' })).toHaveValue('0');
    cutNetwork(hf.proxy);
    await expect(page.getByRole('status', { name: 'Connection' })).not.toContainText('Connected');
    await setNumber(page, 'Genlock phase V', 30);
    await expect(page.getByText(/Queued: 30 °/)).toBeVisible();
    await setNumber(page, 'Genlock phase V', 45);
    await expect(page.getByText(/Queued: 45 °/)).toBeVisible();
    await setNumber(page, 'Genlock phase V', 0);
    await expect(page.getByText(/Queued:/)).toHaveCount(0);
    hf.proxy.pass();
    await expectConnected(page);
    await page.waitForTimeout(2000);
    expect(hf.sets('genlock/phase-v')).toEqual([]);
  });

  test('a reload while offline keeps three pending edits, and they reconcile on reconnect', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    await expect(page.getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue('22');
    cutNetwork(hf.proxy);
    await expect(page.getByRole('status', { name: 'Connection' })).not.toContainText('Connected');
    await setNumber(page, 'Genlock phase H', 30);
    await setNumber(page, 'Genlock phase V', -5);
    await page.getByRole('combobox', { name: 'Genlock source' }).selectOption('sdi-1');
    await expect(page.getByText(/^Queued:/)).toHaveCount(3);

    await page.reload();
    await expect(page.getByText(/^Queued:/)).toHaveCount(3);
    await page.getByRole('button', { name: /Outbox/ }).click();
    await expect(page.getByRole('heading', { name: 'Outbox: 3 edits' })).toBeVisible();

    // Meanwhile the hardware changed one of them.
    hf.stack.setFromPanel('vp4', 'genlock/phase-v', 7);
    hf.proxy.pass();
    await expectConnected(page);
    await expect.poll(() => deviceValue(hf.stack, 'genlock/phase-h')).toBe(30);
    await expect.poll(() => deviceValue(hf.stack, 'genlock/source')).toBe('sdi-1');
    await expect(page.getByRole('group', { name: 'Not sent: Genlock phase V' })).toBeVisible();
    expect(deviceValue(hf.stack, 'genlock/phase-v')).toBe(7);
    expect(hf.sets('genlock/phase-v')).toEqual([]);
    expect(hf.sets('genlock/phase-h').map((s) => s.payload)).toEqual(['30']);
    expect(hf.sets('genlock/source').map((s) => s.payload)).toEqual(['sdi-1']);
  });

  test('two tabs: one publish per edit, and the other tab takes over when the leader closes', async ({ page, context, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    const second = await context.newPage();
    await second.goto(hf.url);
    await expect(second.getByRole('status', { name: 'Connection' })).toContainText('via another tab');
    await expect(second.getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue('22');

    await setNumber(page, 'Genlock phase H', 11);
    await setNumber(second, 'Genlock phase V', 33);
    await expect.poll(() => deviceValue(hf.stack, 'genlock/phase-h')).toBe(11);
    await expect.poll(() => deviceValue(hf.stack, 'genlock/phase-v')).toBe(33);
    await expect(second.getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue('11');

    // The leader closes; the follower must take over the connection and the outbox.
    await page.close();
    await expect(second.getByRole('status', { name: 'Connection' })).toHaveText(/^Connected/, { timeout: 10_000 });
    await setNumber(second, 'Genlock phase H', -3);
    await expect.poll(() => deviceValue(hf.stack, 'genlock/phase-h')).toBe(-3);
    await second.waitForTimeout(1000);
    expect(hf.sets('genlock/phase-h').map((s) => s.payload)).toEqual(['11', '-3']);
    expect(hf.sets('genlock/phase-v').map((s) => s.payload)).toEqual(['33']);
  });
});
