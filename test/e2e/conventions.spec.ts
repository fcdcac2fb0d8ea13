import type { Page } from '@playwright/test';
import { cutNetwork, expect, expectConnected, importExampleMapping, setNumber, test } from './harness.js';


test.use({ extraDevices: true });

async function selectDevice(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Devices' }).getByRole('button', { name: new RegExp(`^${name.replace(/[()]/g, '\\$&')}`) }).click();
  await expect(page.getByRole('heading', { name, level: 2 })).toBeVisible();
}

test('four conventions on one broker: offline edits, two hardware changes, the right sends and discards', async ({ page, hf }) => {
  const snap = (id: string) => (id === 'vp4' ? hf.stack.devices.get('vp4') : hf.stack.extraDevices.get(id))!.snapshot();
  await hf.open(page);
  await expectConnected(page);

  // The legacy text-protocol device needs its mapping, imported through the UI.
  await importExampleMapping(page);

  const cases = [
    { device: 'VP4 Video Processor', control: 'Genlock phase H', id: 'vp4', prop: 'genlock/phase-h', from: 22, to: 25, hardware: -25 },
    { device: 'Desk lamp (Homie 4)', control: 'Dimmer', id: 'lamp4', prop: 'light/dimmer', from: 60, to: 75, hardware: null },
    { device: 'Ceiling fan (ESPHome)', control: 'Ceiling fan (ESPHome) Fan speed', id: 'esp-fan', prop: 'fan_speed', from: 40, to: 55, hardware: 80 },
    { device: 'VP4 (legacy text protocol)', control: 'Genlock phase (h)', id: 'cy-vp4', prop: 'genlock-phase', from: 22, to: 30, hardware: null },
  ] as const;

  for (const c of cases) {
    await selectDevice(page, c.device);
    await expect(page.getByRole('spinbutton', { name: c.control })).toHaveValue(String(c.from));
  }

  cutNetwork(hf.proxy);
  await expect(page.getByRole('status', { name: 'Connection' })).not.toContainText('Connected');
  const before = hf.stack.broker.publishes.length;
  for (const c of cases) {
    await selectDevice(page, c.device);
    await setNumber(page, c.control, c.to);
    await expect(page.getByText(new RegExp(`^Queued: ${c.to}`))).toBeVisible();
  }
  for (const c of cases) if (c.hardware !== null) expect(hf.stack.setFromPanel(c.id, c.prop, c.hardware)).toMatchObject({ ok: true });

  hf.proxy.pass();
  await expectConnected(page);
  // Unchanged devices get the edit, in their own convention's command format.
  await expect.poll(() => snap('lamp4')['light/dimmer']).toBe(75);
  await expect.poll(() => snap('cy-vp4')['genlock-phase']).toBe(30);
  // Changed ones are discarded visibly, and keep the hardware's value.
  for (const c of cases.filter((x) => x.hardware !== null)) {
    await selectDevice(page, c.device);
    const card = page.getByRole('group', { name: `Not sent: ${c.control}` });
    await expect(card).toBeVisible();
    await expect(card).toContainText(`you set ${c.to}`);
    await expect(card).toContainText(`device is now ${c.hardware}`);
    expect(snap(c.id)[c.prop]).toBe(c.hardware);
  }
  await hf.settle();
  const sent = hf.stack.broker.publishes.slice(before).filter((p) => p.clientId === null || p.clientId.startsWith('holdfast'));
  const commands = sent.filter((p) => !p.topic.startsWith('holdfast/') && (p.topic.endsWith('/set') || p.topic.includes('/command') || p.topic.includes('/action/')));
  expect(commands.map((p) => `${p.topic} ${p.payload}`).sort()).toEqual(['cy-vp4/videoproc/action/set/genlock genlock 30 10', 'homie/lamp4/light/dimmer/set 75']);
  // Holdfast never speaks for Home Assistant itself.
  expect(hf.stack.broker.publishes.some((p) => p.topic === 'homeassistant/status')).toBe(false);
});
