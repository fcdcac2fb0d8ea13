import { readFile } from 'node:fs/promises';
import type { Locator, Page } from '@playwright/test';
import { AUDIT_CSV_COLUMNS } from '../../src/model/audit.js';
import { parseCsv } from '../../src/model/csv.js';
import { MOSQUITTO_USERS } from '../support/mosquitto.js';
import { cutNetwork, expect, expectConnected, saveOperatorName, setNumber, test } from './harness.js';

async function download(page: Page, button: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  return readFile((await file.path())!, 'utf8');
}

/** The audit table's row for an edit of this setting (the header row has no cells). */
function auditRows(page: Page, setting: string): Locator {
  return page.getByRole('region', { name: 'Audit records' }).getByRole('row').filter({ has: page.getByRole('cell', { name: setting, exact: true }) });
}

const COLUMN = { operator: 1, device: 2, setting: 3, base: 4, desired: 5, deviceValue: 6, outcome: 7, states: 8, puback: 9, taps: 10 } as const;

test.describe('audit of edits', () => {
  test('the audit shows an incident-style discarded edit with base, desired and the device value; filters; CSV and JSON without secrets', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    await saveOperatorName(page, 'Dana');
    let password: string | null = null;
    if (hf.brokerKind === 'mosquitto') {
      // Logged in with a remembered password, so the exports can be checked for it.
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
    const phaseH = page.getByRole('spinbutton', { name: 'Genlock phase H' });
    await expect(phaseH).toHaveValue('22');

    // The incident: the console shows 22, the network drops, the hardware goes to -25, the operator sets 25.
    cutNetwork(hf.proxy);
    await expect(page.getByRole('status', { name: 'Connection' })).not.toContainText('Connected');
    expect(hf.stack.setFromPanel('vp4', 'genlock/phase-h', -25)).toMatchObject({ ok: true });
    await setNumber(page, 'Genlock phase H', 25);
    await expect(page.getByText(/Queued: 25 °, will be checked against the device/)).toBeVisible();
    hf.proxy.pass();
    await expectConnected(page);
    await expect(page.getByRole('group', { name: 'Not sent: Genlock phase H' })).toBeVisible({ timeout: 15_000 });
    expect(hf.sets('genlock/phase-h')).toEqual([]);

    await page.getByRole('button', { name: 'Audit', exact: true }).click();
    const row = auditRows(page, 'Genlock phase H');
    await expect(row).toHaveCount(1);
    const cells = row.getByRole('cell');
    await expect(cells.nth(COLUMN.operator)).toContainText('Dana');
    await expect(cells.nth(COLUMN.device)).toHaveText('VP4 Video Processor');
    await expect(cells.nth(COLUMN.base)).toContainText('22');
    await expect(cells.nth(COLUMN.base)).toContainText(/old$/);
    await expect(cells.nth(COLUMN.desired)).toHaveText('25');
    await expect(cells.nth(COLUMN.deviceValue)).toContainText('-25');
    await expect(cells.nth(COLUMN.outcome)).toContainText('discarded');
    await expect(cells.nth(COLUMN.outcome)).toContainText('the device changed');
    await expect(cells.nth(COLUMN.states).getByRole('listitem')).toHaveText([/^queued /, /^discarded /]);
    await expect(cells.nth(COLUMN.puback)).toHaveText('—');

    // Filters: operator, device, time range.
    const panel = page.getByRole('region', { name: 'Audit of edits' });
    await panel.getByRole('combobox', { name: 'Operator' }).selectOption('Dana');
    await expect(row).toHaveCount(1);
    await panel.getByRole('combobox', { name: 'Device' }).selectOption({ label: 'VP4 Video Processor' });
    await expect(row).toHaveCount(1);
    await panel.getByLabel('From', { exact: true }).fill('2999-01-01T00:00:00');
    await expect(row).toHaveCount(0);
    await expect(panel).toContainText('No edits recorded that match.');
    await panel.getByLabel('From', { exact: true }).fill('');
    await panel.getByLabel('To', { exact: true }).fill('2999-01-01T00:00:00');
    await expect(row).toHaveCount(1);

    const csv = parseCsv(await download(page, 'Export audit as CSV'));
    expect(csv[0]).toEqual([...AUDIT_CSV_COLUMNS]);
    expect(csv).toHaveLength(2);
    const record = Object.fromEntries(AUDIT_CSV_COLUMNS.map((c, i) => [c, csv[1]![i]]));
    expect(record).toMatchObject({ operator: 'Dana', device_name: 'VP4 Video Processor', setting: 'Genlock phase H', base_value: '22', desired: '25', device_value: '-25', state: 'discarded', reason: 'device-changed' });
    expect(record['states']).toMatch(/^queued \S+; discarded \S+ \(device-changed\)$/);
    const jsonText = await download(page, 'Export audit as JSON');
    const json = JSON.parse(jsonText) as { format: string; records: { operator: string; base: { value: unknown }; desired: unknown; deviceValue: { value: unknown }; state: string }[] };
    expect(json.format).toBe('holdfast-audit');
    expect(json.records).toMatchObject([{ operator: 'Dana', base: { value: 22 }, desired: 25, deviceValue: { value: -25 }, state: 'discarded' }]);
    // The audit holds no secrets and no broker address.
    for (const text of [jsonText, csv.flat().join(',')]) {
      if (password) expect(text).not.toContain(password);
      expect(text).not.toContain(hf.proxy.url('/'));
    }

    // Re-apply is a tap the audit records, with what it made.
    await page.getByRole('button', { name: 'Audit', exact: true }).click();
    await page.getByRole('group', { name: 'Not sent: Genlock phase H' }).getByRole('button', { name: 'Re-apply on current value' }).click();
    await expect.poll(() => hf.stack.devices.get('vp4')!.snapshot()['genlock/phase-h']).toBe(25);
    await page.getByRole('button', { name: 'Audit', exact: true }).click();
    await expect(row).toHaveCount(2);
    await expect(row.last().getByRole('cell').nth(COLUMN.taps)).toContainText('Re-apply by Dana');
    await expect(row.first().getByRole('cell').nth(COLUMN.outcome)).toContainText('confirmed');
    await expect(row.first().getByRole('cell').nth(COLUMN.puback)).toHaveText('0x00');
  });
});
