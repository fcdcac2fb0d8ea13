import type { Locator, Page } from '@playwright/test';
import { cutNetwork, expect, expectConnected, saveOperatorName, test } from './harness.js';

const PHASE = 'genlock/phase-h';

/** The header's Alarms button: its name carries the count of active, unacknowledged alarms. */
function alarmsButton(page: Page): Locator {
  return page.getByRole('button', { name: /^Alarms/ });
}

async function openAlarms(page: Page): Promise<void> {
  const button = alarmsButton(page);
  if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
  await expect(page.getByRole('region', { name: /^Alarms:/ })).toBeVisible();
}

/** Fill the rule editor for "above <threshold>, hysteresis <h>" and save it. */
async function saveAboveRule(form: Locator, threshold: number, hysteresis: number): Promise<void> {
  await form.getByRole('combobox', { name: 'Alarm when' }).selectOption('above');
  await form.getByRole('spinbutton', { name: /^Threshold/ }).fill(String(threshold));
  await form.getByRole('spinbutton', { name: /^Hysteresis/ }).fill(String(hysteresis));
  await form.getByRole('combobox', { name: 'Severity' }).selectOption('critical');
  await form.getByRole('button', { name: 'Save alarm rule' }).click();
  await expect(form).toHaveCount(0);
}

const activeAlarm = (page: Page) => page.getByRole('list', { name: 'Active alarms' }).getByRole('group', { name: /Genlock phase H above 90 °/ });
const rule = (page: Page) => page.getByRole('list', { name: 'Alarm rules' }).getByRole('group', { name: /^Rule: .*Genlock phase H above 90 °/ });
const history = (page: Page) => page.getByRole('list', { name: 'Alarm history' });

test.describe('alarms with acknowledgement', () => {
  test('a threshold alarm raised by a hardware-side change, acknowledged by name in one tab and seen in the other, cleared past the hysteresis', async ({ page, context, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    await saveOperatorName(page, 'Dana');
    await expect(page.getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue('22');

    // The rule editor, reached from the property's own control.
    await page.getByRole('button', { name: 'Add alarm on Genlock phase H' }).click();
    const form = page.getByRole('region', { name: 'New alarm rule' });
    await expect(form.getByRole('combobox', { name: 'Setting' })).toHaveValue(PHASE);
    await saveAboveRule(form, 90, 5);
    await expect(rule(page)).toContainText('Normal; 22 °');
    await expect(alarmsButton(page)).toHaveAccessibleName(/: 0 active, not acknowledged/);

    const second = await context.newPage();
    await second.goto(hf.url);
    await expect(second.getByRole('status', { name: 'Connection' })).toContainText('via another tab');
    await openAlarms(second);

    // Someone turns the knob at the hardware.
    expect(hf.stack.setFromPanel('vp4', PHASE, 120)).toMatchObject({ ok: true });
    const alarm = activeAlarm(page);
    await expect(alarm).toContainText('Critical');
    await expect(alarm).toContainText('not acknowledged');
    await expect(alarm).toContainText(/Raised at \d{1,2}:\d{2}:\d{2}/);
    await expect(alarm).toContainText('Value: 120 °, received');
    await expect(alarmsButton(page)).toHaveAccessibleName(/: 1 active, not acknowledged/);
    await expect(activeAlarm(second)).toContainText('not acknowledged');

    await alarm.getByRole('button', { name: /^Acknowledge / }).click();
    await expect(alarm).toContainText('Acknowledged by Dana');
    await expect(alarmsButton(page)).toHaveAccessibleName(/: 0 active, not acknowledged/);
    // Every tab agrees: the host evaluated it and told them all.
    await expect(activeAlarm(second)).toContainText('Acknowledged by Dana');
    await expect(alarmsButton(second)).toHaveAccessibleName(/: 0 active, not acknowledged/);

    // Inside the hysteresis band it stays listed, acknowledged.
    hf.stack.setFromPanel('vp4', PHASE, 87);
    await expect(alarm).toContainText('Value: 87 °');
    await expect(alarm).toContainText('Acknowledged by Dana');

    hf.stack.setFromPanel('vp4', PHASE, 80);
    await expect(alarm).toHaveCount(0);
    await expect(page.getByRole('region', { name: /^Alarms:/ })).toContainText('No active alarms.');
    await expect(activeAlarm(second)).toHaveCount(0);
    await expect(history(page).getByRole('listitem')).toHaveText([/Cleared.*\(80 °\)/s, /Acknowledged.*by Dana/s, /Raised.*\(120 °\)/s]);
    await second.close();
  });

  test('the broker cut while the value crosses the threshold at the device: no alarm change until fresh data, then the right one', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    await expect(page.getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue('22');

    // The rule editor, reached from the alarm panel.
    await openAlarms(page);
    await page.getByRole('button', { name: 'Add alarm rule…' }).click();
    const form = page.getByRole('region', { name: 'New alarm rule' });
    await form.getByRole('combobox', { name: 'Device' }).selectOption({ label: 'VP4 Video Processor' });
    await form.getByRole('combobox', { name: 'Setting' }).selectOption({ label: 'Genlock phase H' });
    await saveAboveRule(form, 90, 5);
    await expect(rule(page)).toContainText('Normal; 22 °');

    cutNetwork(hf.proxy);
    await expect(page.getByRole('status', { name: 'Connection' })).not.toContainText('Connected');
    await expect(rule(page)).toContainText('Stale: last known state was normal (22 °');
    await expect(rule(page)).toContainText('the console is not connected');

    // The value crosses the threshold at the device while the console cannot hear it.
    expect(hf.stack.setFromPanel('vp4', PHASE, 150)).toMatchObject({ ok: true });
    await expect(rule(page)).toContainText('Stale: last known state was normal (22 °');
    await expect(page.getByRole('list', { name: 'Active alarms' })).toHaveCount(0);
    await expect(alarmsButton(page)).toHaveAccessibleName(/: 0 active, not acknowledged/);
    await expect(history(page)).toHaveCount(0);

    // Fresh data decides: raised, with the device's value.
    hf.proxy.pass();
    await expectConnected(page);
    const alarm = activeAlarm(page);
    await expect(alarm).toContainText('Value: 150 °', { timeout: 15_000 });
    await expect(alarmsButton(page)).toHaveAccessibleName(/: 1 active, not acknowledged/);
    await expect(history(page).getByRole('listitem')).toHaveText([/Raised.*\(150 °\)/s]);

    // And back: an active alarm is not cleared by a value the console cannot see either.
    cutNetwork(hf.proxy);
    await expect(alarm).toContainText('Stale: last known state was active (150 °', { timeout: 15_000 });
    hf.stack.setFromPanel('vp4', PHASE, 0);
    await expect(alarm).toContainText('Stale: last known state was active (150 °');
    await expect(alarmsButton(page)).toHaveAccessibleName(/: 1 active, not acknowledged/);
    hf.proxy.pass();
    await expectConnected(page);
    await expect(alarm).toHaveCount(0, { timeout: 15_000 });
    await expect(history(page).getByRole('listitem').first()).toHaveText(/Cleared.*\(0 °\)/s);
    await expect(history(page).getByRole('listitem').filter({ hasText: 'Raised' })).toHaveCount(1);
  });
});
