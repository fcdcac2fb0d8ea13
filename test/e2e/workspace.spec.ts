import { mkdirSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { BenchPublisher } from '../../bench/publisher.js';
import { cutNetwork, expect, expectConnected, selectDevice, setNumber, setTheme, test } from './harness.js';
import { expectNoAxeViolations } from '../support/axe.js';

test.use({ extraDevices: true });

const VIEW = 'Rack A';

async function dismissWelcome(page: Page): Promise<void> {
  await page.getByRole('region', { name: 'Welcome to Holdfast' }).getByRole('button', { name: 'Not now' }).click();
}

async function createView(page: Page, name: string): Promise<void> {
  await page.getByRole('textbox', { name: 'New view name' }).fill(name);
  await page.getByRole('button', { name: 'Create view' }).click();
  await expect(page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name })).toBeVisible();
}

/** "Add to view" on a control (inside `scope`, e.g. a node's group), into `view`. */
async function pin(scope: Page | Locator, control: string, view: string): Promise<void> {
  // Compact rows keep a control's tools behind "More".
  const more = scope.getByRole('button', { name: `More for ${control}`, exact: true });
  if ((await more.count()) > 0 && (await more.getAttribute('aria-expanded')) !== 'true') await more.click();
  await scope.getByRole('button', { name: `Add ${control} to a view` }).click();
  await scope.getByRole('group', { name: `Add ${control} to a view` }).getByRole('button', { name: view, exact: true }).click();
}

async function openView(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name, exact: true }).click();
  await expect(page.getByRole('heading', { name, level: 2 })).toBeVisible();
}

/** The view's item for one device's control: the group labelled with the device (and its node, after " · "). */
function item(page: Page, device: string): Locator {
  const escaped = device.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return page.getByRole('list', { name: `${VIEW} controls` }).getByRole('group', { name: new RegExp(`^${escaped}( · .*)?$`) });
}

/** Three devices of three conventions: the VP4 (Homie 5), the mixer's channel 2 (Homie 5 node), the fan (HA discovery). */
async function buildView(page: Page): Promise<void> {
  await createView(page, VIEW);
  await selectDevice(page, 'VP4 Video Processor');
  await pin(page, 'Genlock phase H', VIEW);
  await selectDevice(page, 'Desk lamp (Homie 4)');
  await pin(page, 'Dimmer', VIEW);
  await selectDevice(page, 'Ceiling fan (ESPHome)');
  await pin(page, 'Ceiling fan (ESPHome) Fan speed', VIEW);
  await openView(page, VIEW);
}

test.describe("the operator's workspace", () => {
  test('a view of three conventions survives an offline reload, with aged values; layout by keyboard', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    await dismissWelcome(page);
    await buildView(page);
    await expect(item(page, 'VP4 Video Processor').getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue('22');
    await expect(item(page, 'Desk lamp (Homie 4)').getByRole('spinbutton', { name: 'Dimmer' })).toHaveValue('60');
    await expect(item(page, 'Ceiling fan (ESPHome)').getByRole('spinbutton', { name: 'Ceiling fan (ESPHome) Fan speed' })).toHaveValue('40');

    // Reorder with the keyboard alternative to dragging, and add a heading.
    await page.getByRole('button', { name: 'Edit layout' }).click();
    await item(page, 'Ceiling fan (ESPHome)').getByRole('button', { name: 'Move Ceiling fan (ESPHome) Fan speed up' }).click();
    await page.getByRole('textbox', { name: 'New heading' }).fill('Cooling');
    await page.getByRole('button', { name: 'Add heading' }).click();
    const list = page.getByRole('list', { name: `${VIEW} controls` });
    await expect(list.getByRole('listitem')).toHaveCount(4);
    await expect(list.getByRole('listitem').nth(1)).toContainText('Fan speed');
    await expect(list.getByRole('heading', { name: 'Cooling' })).toBeVisible();
    await page.getByRole('button', { name: 'Edit layout' }).click();

    // Offline, then reload: the view and its last-known values are there, with their age, and marked stale.
    cutNetwork(hf.proxy);
    await page.context().setOffline(true);
    await page.reload();
    await openView(page, VIEW);
    const phase = item(page, 'VP4 Video Processor');
    await expect(phase.getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue('22');
    await expect(phase).toContainText(/Stale: last seen \d+ s ago|last seen/);
    await expect(list.getByRole('listitem').nth(1)).toContainText('Fan speed');
    await page.context().setOffline(false);
    hf.proxy.pass();
  });

  test('a scene recalled during an outage: the setting changed at the hardware is discarded and shown, the rest sent once', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    await dismissWelcome(page);
    await buildView(page);
    await page.getByRole('button', { name: 'Save current values as a scene…' }).click();
    await page.getByRole('textbox', { name: 'Scene name' }).fill('Morning');
    await page.getByRole('button', { name: 'Save scene' }).click();
    await expect(page.getByRole('button', { name: 'Recall Morning…' })).toBeVisible();

    // Move everything away from the scene while connected (as the shift goes on).
    await setNumber(item(page, 'VP4 Video Processor'), 'Genlock phase H', 5);
    await setNumber(item(page, 'Desk lamp (Homie 4)'), 'Dimmer', 20);
    await setNumber(item(page, 'Ceiling fan (ESPHome)'), 'Ceiling fan (ESPHome) Fan speed', 70);
    await expect.poll(() => hf.stack.devices.get('vp4')!.snapshot()['genlock/phase-h']).toBe(5);
    await expect.poll(() => hf.stack.extraDevices.get('lamp4')!.snapshot()['light/dimmer']).toBe(20);
    await expect.poll(() => hf.stack.extraDevices.get('esp-fan')!.snapshot()['fan_speed']).toBe(70);
    await hf.settle();
    const before = hf.stack.broker.publishes.length;

    // The outage: recall, and someone turns the VP4's knob meanwhile.
    cutNetwork(hf.proxy);
    await expect(page.getByRole('status', { name: 'Connection' })).not.toContainText('Connected');
    await page.getByRole('button', { name: 'Recall Morning…' }).click();
    const recall = page.getByRole('group', { name: 'Recall Morning' });
    await expect(recall.getByRole('row')).toHaveCount(4);
    await expect(recall).toContainText('VP4 Video Processor: Genlock phase H');
    await recall.getByRole('button', { name: 'Recall 3 changes' }).click();
    await expect(recall.getByRole('cell', { name: /^Queued/ })).toHaveCount(3);
    expect(hf.stack.setFromPanel('vp4', 'genlock/phase-h', -25)).toMatchObject({ ok: true });
    hf.proxy.pass();
    await expectConnected(page);

    await expect(recall.getByRole('cell', { name: /^Not sent: the device changed to -25/ })).toBeVisible({ timeout: 20_000 });
    await expect(recall.getByRole('cell', { name: /^Confirmed/ })).toHaveCount(2, { timeout: 20_000 });
    await expect(item(page, 'VP4 Video Processor').getByRole('group', { name: 'Not sent: Genlock phase H' })).toBeVisible();
    await hf.settle();
    const sets = hf.stack.broker.publishes.slice(before).filter((p) => p.topic.endsWith('/set') || p.topic.endsWith('/command'));
    expect(sets.filter((p) => p.topic.includes('genlock'))).toEqual([]);
    expect(sets.filter((p) => p.topic === 'homie/lamp4/light/dimmer/set').map((p) => p.payload)).toEqual(['60']);
    expect(sets.filter((p) => p.topic.includes('fan_speed')).map((p) => p.payload)).toEqual(['40']);
    expect(hf.stack.devices.get('vp4')!.snapshot()['genlock/phase-h']).toBe(-25);
  });

  test('a locked console publishes nothing and has no enabled input; the PIN unlocks it', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    await dismissWelcome(page);
    await selectDevice(page, 'VP4 Video Processor');
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByRole('textbox', { name: 'PIN' }).fill('2468');
    await page.getByRole('button', { name: 'Set PIN' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'PIN saved.' })).toBeVisible();
    await hf.settle();
    const before = hf.stack.broker.publishes.length;
    await page.getByRole('button', { name: 'Lock this console' }).click();
    await expect(page.getByRole('status', { name: 'Lock' })).toHaveText('Locked: view only');
    await page.getByRole('button', { name: 'Settings', exact: true }).click();

    // The hardware still shows here, live.
    hf.stack.setFromPanel('vp4', 'genlock/phase-h', 17);
    await expect(page.getByRole('textbox', { name: 'Genlock phase H' })).toHaveValue('17 °');
    // Nothing on the main screen can be edited.
    const snapshot = await page.locator('body').ariaSnapshot();
    const inputs = snapshot.split('\n').filter((l) => /- (spinbutton|slider|textbox|combobox|switch|checkbox)\b/.test(l) && !/\[disabled\]/.test(l));
    expect(inputs).toEqual([]);
    await expect(page.getByRole('spinbutton')).toHaveCount(0);
    // Wait past a heartbeat interval and a presence change: nothing left this console.
    await page.waitForTimeout(2000);
    await hf.settle();
    const fromConsole = hf.stack.broker.publishes.slice(before).filter((p) => p.topic.startsWith('holdfast/') || p.topic.endsWith('/set'));
    expect(fromConsole.filter((p) => !p.topic.startsWith('holdfast/presence/') || p.payload !== '')).toEqual([]);

    await page.getByRole('button', { name: 'Unlock…' }).click();
    await page.getByRole('textbox', { name: 'PIN' }).fill('1111');
    await page.getByRole('button', { name: 'Unlock', exact: true }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'That PIN is not right.' })).toBeVisible();
    await page.getByRole('textbox', { name: 'PIN' }).fill('2468');
    await page.getByRole('button', { name: 'Unlock', exact: true }).click();
    await expect(page.getByRole('status', { name: 'Lock' })).toHaveCount(0);
    await setNumber(page, 'Genlock phase H', 3);
    await expect.poll(() => hf.stack.devices.get('vp4')!.snapshot()['genlock/phase-h']).toBe(3);
  });

  test('export, wipe storage, import: the installation is back, after a preview', async ({ page, hf }) => {
    await hf.open(page);
    await expectConnected(page);
    await dismissWelcome(page);
    await buildView(page);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByRole('textbox', { name: 'Name shown to other operators' }).fill('Dana');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export configuration' }).click();
    const file = await (await download).path();
    const text = (await import('node:fs')).readFileSync(file, 'utf8');
    const json = JSON.parse(text) as { format: string; views: { name: string }[]; profiles: Record<string, unknown>[] };
    expect(json.format).toBe('holdfast-config');
    expect(json.views.map((v) => v.name)).toEqual([VIEW]);
    expect(text).not.toMatch(/password"\s*:/);

    // Wipe everything this origin stored, as a new tablet would have.
    await page.evaluate(async () => {
      const dbs = await indexedDB.databases();
      await Promise.all(dbs.map((d) => new Promise((r) => { const q = indexedDB.deleteDatabase(d.name!); q.onsuccess = q.onerror = q.onblocked = r; })));
      localStorage.clear();
    });
    await page.goto(hf.url);
    await page.getByRole('button', { name: 'Add and connect' }).click();
    await expectConnected(page);
    await expect(page.getByRole('navigation', { name: 'Views' }).getByRole('listitem')).toHaveCount(0);
    await dismissWelcome(page);

    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    // A hostile or broken file: per-field errors, nothing changes.
    await page.getByLabel('Import configuration').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ format: 'holdfast-config', version: 1, views: [{ id: 'x', name: '', items: 'no' }], profiles: [{ id: 'p', url: 'http://nope', password: 'secret' }] })) });
    const alert = page.getByRole('alert').filter({ hasText: 'The file was not imported' });
    await expect(alert).toContainText('views[0].name must be non-empty text');
    await expect(alert).toContainText('profiles[0].password passwords are never part of a configuration file');
    await page.getByLabel('Import configuration').setInputFiles({ name: 'holdfast.json', mimeType: 'application/json', buffer: Buffer.from(text) });
    const preview = page.getByRole('group', { name: 'Import preview' });
    await expect(preview).toContainText(`View ${VIEW}: added`);
    await preview.getByRole('button', { name: 'Import and replace' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Imported.' })).toBeVisible();
    await expect(page.getByRole('textbox', { name: 'Name shown to other operators' })).toHaveValue('Dana');
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await openView(page, VIEW);
    await expect(item(page, 'VP4 Video Processor').getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue('22');
    await expectConnected(page);
  });

  test('compact density shows at least 24 controls at 1280×800, with 44 px targets; axe in both themes', async ({ page, hf }) => {
    test.skip(hf.brokerKind !== 'aedes', 'layout does not depend on the broker');
    const pub = await BenchPublisher.connect(hf.stack.brokerTcpUrl!, 1, 40, hf.stack.broker.credentials('device'));
    try {
      await pub.publishInstallation();
      await page.setViewportSize({ width: 1280, height: 800 });
      // A view of 30 controls, arriving as a shared view link (the way a shift's layout travels).
      const items = Array.from({ length: 30 }, (_, i) => ({ kind: 'control', id: `i${i}`, deviceId: 'homie5:bench-000', propertyId: `n${Math.floor(i / 10)}/p${i % 10}` }));
      const link = Buffer.from(JSON.stringify({ id: 'bench-view', name: 'Bench rack', density: 'compact', items })).toString('base64url');
      await page.goto(`${hf.url}&view=${link}`);
      await page.getByRole('button', { name: 'Add and connect' }).click();
      await expectConnected(page);
      await dismissWelcome(page);
      await expect(page.getByRole('heading', { name: 'Bench rack', level: 2 })).toBeVisible();
      await expect(page.getByRole('spinbutton', { name: 'Setting 000' })).toBeVisible();
      await page.waitForTimeout(500);
      const inView = await page.evaluate(() => {
        const walk = (root: Document | ShadowRoot): Element[] => [...root.querySelectorAll('*')].flatMap((el) => [el, ...(el.shadowRoot ? walk(el.shadowRoot) : [])]);
        return walk(document).filter((el) => el.tagName === 'HF-PROPERTY-CONTROL' && (() => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight && r.height > 0; })()).length;
      });
      await page.screenshot({ path: '/tmp/compact.png' });
      expect(inView).toBeGreaterThanOrEqual(24);
      // Touch targets stay ≥ 44 px in compact rows.
      const small = await page.evaluate(() => {
        const walk = (root: Document | ShadowRoot): Element[] => [...root.querySelectorAll('*')].flatMap((el) => [el, ...(el.shadowRoot ? walk(el.shadowRoot) : [])]);
        return walk(document)
          .filter((el) => ['BUTTON', 'INPUT', 'SELECT'].includes(el.tagName) && (el as HTMLInputElement).type !== 'hidden')
          .map((el) => ({ r: el.getBoundingClientRect(), what: `${el.tagName} ${el.getAttribute('aria-label') ?? el.textContent?.trim() ?? ''}` }))
          .filter(({ r }) => r.width > 0 && r.height > 0 && r.top < innerHeight && r.bottom > 0 && r.height < 44)
          .map(({ what, r }) => `${what}: ${Math.round(r.height)} px`);
      });
      expect(small).toEqual([]);
      // The device page of a device with more than 12 settings is compact by default too.
      await selectDevice(page, 'Bench device 000');
      await expect(page.getByRole('button', { name: 'Compact rows' })).toHaveAttribute('aria-pressed', 'true');
      for (const theme of ['dark', 'light'] as const) {
        await setTheme(page, theme);
        await expectNoAxeViolations(page, `a compact device page (${theme})`);
      }
    } finally {
      await pub.close();
    }
  });

  test('views, scenes, settings and the lock pass axe in both themes; the README screenshot of a view', async ({ page, hf }) => {
    test.skip(hf.brokerKind !== 'aedes', 'the UI does not depend on the broker');
    await page.setViewportSize({ width: 1280, height: 800 });
    await hf.open(page);
    await expectConnected(page);
    await dismissWelcome(page);
    await buildView(page);
    const mixer = async (channel: string): Promise<void> => {
      await selectDevice(page, '8-channel audio mixer');
      const group = page.getByRole('group', { name: channel, exact: true });
      await pin(group, 'Level', VIEW);
      await pin(group, 'Mute', VIEW);
    };
    for (const ch of ['Channel 1', 'Channel 2', 'Channel 3', 'Channel 4']) await mixer(ch);
    await selectDevice(page, 'Studio light');
    await pin(page, 'Brightness', VIEW);
    await openView(page, VIEW);
    await page.getByRole('button', { name: 'Save current values as a scene…' }).click();
    for (const theme of ['dark', 'light'] as const) {
      await setTheme(page, theme);
      await expectNoAxeViolations(page, `a view (${theme})`);
    }
    await page.getByRole('button', { name: 'Cancel' }).click();
    await setTheme(page, 'dark');
    mkdirSync('docs/screenshots', { recursive: true });
    await page.screenshot({ path: 'docs/screenshots/view-compact.png' });
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await expectNoAxeViolations(page, 'Settings');
    // Keyboard only: Edit layout, Move up, by Tab and Enter.
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const edit = page.getByRole('button', { name: 'Edit layout' });
    await edit.focus();
    await page.keyboard.press('Enter');
    await expect(edit).toHaveAttribute('aria-pressed', 'true');
    await page.keyboard.press('Tab');
    await expect(page.getByRole('textbox', { name: 'New heading' })).toBeVisible();
  });
});
