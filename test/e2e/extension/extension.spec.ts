import type { Page } from '@playwright/test';
import type { Stack } from '../../../sim/stack.js';
import { byProperty, closeAllPages, cutNetwork, deviceValue, expect, openSidePanel, presence, setNumber, test, tool, type Extension } from './fixture.js';

/**
 * The console as a Chromium extension: its service worker runs the engine
 * host and holds the broker connection; the side panel's page and full tabs
 * follow it over chrome.runtime ports. Every spec runs on both brokers.
 */

const SHOT = 'docs/screenshots/extension-side-panel.png';
/** Short retries, so "the broker is back" is noticed at once (as the PWA's specs tune it). */
const FAST = 'backoffMaxMs=1000&probeIntervalMs=200';

async function expectConnected(page: Page): Promise<void> {
  await expect(page.getByRole('status', { name: 'Connection' })).toContainText('Connected', { timeout: 20_000 });
}

async function expectOffline(page: Page): Promise<void> {
  await expect(page.getByRole('status', { name: 'Connection' })).not.toContainText('Connected', { timeout: 20_000 });
}

/** The worker's notifications so far, as it logged them ("told the operator: <title>: <message>"). */
async function told(ext: Extension): Promise<string[]> {
  return (await ext.lifecycle()).map((e) => e.event).filter((e) => e.startsWith('told the operator: ')).map((e) => e.slice('told the operator: '.length));
}

/** The device acts on sets only after `ms`, so a set can be routed and not yet confirmed (as real hardware). */
function slowDevice(stack: Stack, ms: number): void {
  const vp4 = stack.devices.get('vp4') as unknown as { onMessage(topic: string, payload: string, retained: boolean): void };
  const onMessage = vp4.onMessage.bind(vp4);
  vp4.onMessage = (topic, payload, retained) => {
    if (topic.endsWith('/set')) setTimeout(() => onMessage(topic, payload, retained), ms);
    else onMessage(topic, payload, retained);
  };
}

test.describe('extension: the service worker holds the connection and the outbox', () => {
  test('the side panel shows the devices; an edit is sent once and confirmed', async ({ ext, hf, brokerKind }) => {
    // The extension loads cleanly: no manifest errors or install warnings.
    const extensions = await ext.context.newPage();
    await extensions.goto('chrome://extensions');
    const info = await extensions.evaluate(
      () =>
        new Promise<{ name: string; installWarnings: unknown[]; manifestErrors: unknown[] }[]>((resolve) =>
          (globalThis as unknown as { chrome: { developerPrivate: { getExtensionsInfo(o: object, cb: (i: never) => void): void } } }).chrome.developerPrivate.getExtensionsInfo({ includeDisabled: true }, resolve),
        ),
    );
    expect(info.filter((e) => e.name === 'Holdfast operator console').map((e) => [e.installWarnings, e.manifestErrors])).toEqual([[[], []]]);
    await extensions.close();

    // First run in a tab: the broker from a provisioning link; then the operator opens the side panel.
    const tab = await ext.connect();
    await tab.getByRole('button', { name: 'Not now' }).click();
    const panel = await openSidePanel(ext);
    await tab.close();
    await expect.poll(() => panel.value('Genlock phase H')).toBe('22');
    await expect.poll(() => panel.value('Genlock phase V')).toBe('0');
    await expect.poll(() => panel.text()).toMatch(/Connected \(MQTT (3\.1\.1|5)\).*VP4 Video Processor Online/);

    await panel.fill('Genlock phase V', '12');
    await expect.poll(() => deviceValue(hf.stack, 'genlock/phase-v')).toBe(12);
    await expect.poll(async () => byProperty(await ext.outbox())['genlock/phase-v']?.state).toBe('confirmed');
    await expect.poll(() => panel.text()).toContain('Genlock phase V is 12 ° (confirmed)');
    await hf.settle();
    expect(hf.sets('genlock/phase-v').map((s) => s.payload)).toEqual(['12']);
    if (brokerKind === 'aedes') {
      await panel.evaluate('(document.activeElement?.blur(), scrollTo(0, 0), true)');
      await panel.screenshot(SHOT);
    }

    // The page is a follower of the worker, which says so; the extension has no Background Sync to turn on.
    const page = await ext.open();
    await expectConnected(page);
    await tool(page, 'Diagnostics');
    await expect(page.getByRole('region', { name: 'Connection diagnostics' })).toContainText("follows the extension's service worker, which holds the connection");
    await expect(page.getByRole('region', { name: 'Connection diagnostics' })).toContainText(/keepalive 25 s on native timers/);
    await tool(page, 'Diagnostics');
    await tool(page, 'Connection');
    await expect(page.getByRole('region', { name: 'Background sending' })).toContainText('even with no console open');
    await expect(page.getByRole('checkbox', { name: /Send queued changes in the background/ })).toHaveCount(0);
    // Both the side panel and the tab follow the one worker: one connection.
    expect(hf.proxy.connectionCount()).toBe(1);
    await panel.close();
    expect(ext.errors).toEqual([]);
  });

  test('every page closed and nothing queued: a change at the hardware and a cut broker path publish nothing', async ({ ext, hf }) => {
    const page = await ext.connect(FAST);
    await expect(page.getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue('22');
    await closeAllPages(ext);
    // Nothing to do: the worker says goodbye to the broker.
    await expect.poll(async () => (await ext.lifecycle()).some((e) => e.event.startsWith('host stopped: no console page is open'))).toBe(true);
    await expect.poll(() => hf.proxy.connectionCount()).toBe(0);
    const attempts = hf.proxy.totalConnections();

    expect(hf.stack.setFromPanel('vp4', 'genlock/phase-h', -25)).toMatchObject({ ok: true });
    cutNetwork(hf.proxy);
    await new Promise((r) => setTimeout(r, 1500));
    hf.proxy.pass();
    await new Promise((r) => setTimeout(r, 2500));
    await hf.settle();
    expect(hf.sets()).toEqual([]);
    expect(hf.proxy.totalConnections()).toBe(attempts);

    // A page opened later shows the hardware's value, and still nothing is sent.
    const next = await ext.open();
    await expectConnected(next);
    await expect(next.getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue('-25');
    await hf.settle();
    expect(hf.sets()).toEqual([]);
    expect(await ext.outbox()).toEqual([]);
  });

  test('two edits queued offline, the page closed, one changed at the hardware: the stale one is discarded and told, the other sent once and confirmed, with no page open', async ({ ext, hf }) => {
    const page = await ext.connect(FAST);
    await expect(page.getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue('22');
    cutNetwork(hf.proxy);
    await expectOffline(page);
    await setNumber(page, 'Genlock phase H', 30);
    await setNumber(page, 'Genlock phase V', 12);
    // "Queued" is said only after the entries are in the outbox the worker reads.
    await expect(page.getByText(/^Queued:/)).toHaveCount(2);
    expect((await ext.outbox()).map((r) => r.state)).toEqual(['queued', 'queued']);
    await closeAllPages(ext);

    expect(hf.stack.setFromPanel('vp4', 'genlock/phase-h', -25)).toMatchObject({ ok: true });
    hf.proxy.pass();
    await expect.poll(() => deviceValue(hf.stack, 'genlock/phase-v'), { timeout: 20_000 }).toBe(12);
    await expect.poll(async () => byProperty(await ext.outbox())['genlock/phase-v']?.state).toBe('confirmed');
    const rows = byProperty(await ext.outbox());
    expect(rows['genlock/phase-h']).toMatchObject({ state: 'discarded', desired: 30, fresh: -25, attempts: 0 });
    expect(rows['genlock/phase-v']).toMatchObject({ state: 'confirmed', desired: 12, attempts: 1 });
    expect(deviceValue(hf.stack, 'genlock/phase-h')).toBe(-25);
    expect(ext.context.pages()).toHaveLength(0);

    // The operator is told, by name: the discarded edit with was / you set / device is now, and the confirmation.
    await expect.poll(() => told(ext)).toHaveLength(2);
    const notes = await told(ext);
    expect(notes).toContain('VP4 Video Processor: Genlock phase H not sent: Someone changed it at the device first. Was 22 ° when you edited; you set 30 °; device is now -25 °.');
    expect(notes).toContain('VP4 Video Processor: Genlock phase V confirmed: Genlock phase V 12 °, sent while no console was open.');
    expect(await ext.notifications()).toHaveLength(2);
    expect(await ext.badge()).toBe('1');
    await new Promise((r) => setTimeout(r, 1000));
    await hf.settle();
    expect(hf.sets().map((s) => `${s.topic} ${s.payload}`)).toEqual(['homie/5/vp4/genlock/phase-v/set 12']);

    // Clicking the notification opens the console at that control, with its card.
    const discarded = (await ext.notifications()).find((id) => id.includes(encodeURIComponent('genlock/phase-h')));
    expect(discarded).toBeDefined();
    const opened = ext.context.waitForEvent('page');
    await (await ext.worker()).evaluate((id) => (globalThis as unknown as { holdfast: { notificationClicked(id: string): Promise<void> } }).holdfast.notificationClicked(id), discarded!);
    const tab = await opened;
    expect(tab.url()).toBe(ext.url(`console.html#device=${encodeURIComponent('homie5:vp4')}&property=${encodeURIComponent('genlock/phase-h')}`));
    await expect(tab.getByRole('spinbutton', { name: 'Genlock phase H' })).toBeFocused();
    await expect(tab.getByRole('group', { name: 'Not sent: Genlock phase H' })).toContainText('device is now -25 °');
    await tab.getByRole('group', { name: 'Not sent: Genlock phase H' }).getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => ext.badge()).toBe('');
    expect(ext.errors).toEqual([]);
  });

  test('the service worker stopped mid-flight restarts: nothing is sent twice and nothing is lost', async ({ ext, hf }) => {
    const page = await ext.connect(FAST);
    await expect(page.getByRole('spinbutton', { name: 'Genlock phase V' })).toHaveValue('0');
    slowDevice(hf.stack, 2500);
    const starts = (await ext.lifecycle()).filter((e) => e.event.startsWith('worker started')).length;
    // The moment the broker routes the set, and before the device acts on it, the worker is stopped.
    let stopping: Promise<void> | null = null;
    const off = hf.stack.broker.onPublish((p) => {
      if (p.topic === 'homie/5/vp4/genlock/phase-v/set' && !stopping) stopping = ext.stopWorker();
    });
    await setNumber(page, 'Genlock phase V', 7);
    await expect.poll(() => stopping !== null).toBe(true);
    await stopping;
    off();
    // The page's port dropped with the worker; reconnecting started a new one, which judged the entry again.
    await expect.poll(async () => (await ext.lifecycle()).filter((e) => e.event.startsWith('worker started')).length, { timeout: 20_000 }).toBe(starts + 1);
    await expectConnected(page);
    await expect.poll(() => deviceValue(hf.stack, 'genlock/phase-v'), { timeout: 15_000 }).toBe(7);
    await expect.poll(async () => byProperty(await ext.outbox())['genlock/phase-v']?.state, { timeout: 15_000 }).toBe('confirmed');
    await expect(page.getByRole('spinbutton', { name: 'Genlock phase V' })).toHaveValue('7');
    await new Promise((r) => setTimeout(r, 1500));
    await hf.settle();
    expect(hf.sets('genlock/phase-v').map((s) => s.payload)).toEqual(['7']);
    // Judged again after the restart, and confirmed by the device's report: published once, never again.
    expect(await ext.outbox()).toMatchObject([{ propertyId: 'genlock/phase-v', state: 'confirmed', attempts: 1 }]);
  });

  test('the worker stopped with no page open while an edit waits: the wake alarm starts it again, and the edit is sent once', async ({ ext, hf }) => {
    test.setTimeout(100_000);
    const page = await ext.connect(FAST);
    await expect(page.getByRole('spinbutton', { name: 'Genlock phase V' })).toHaveValue('0');
    cutNetwork(hf.proxy);
    await expectOffline(page);
    await setNumber(page, 'Genlock phase V', 9);
    await expect(page.getByText(/^Queued:/)).toHaveCount(1);
    await closeAllPages(ext);
    // The page set the wake alarm before it said "Queued"; the worker keeps it while the edit is outstanding.
    const worker = await ext.worker();
    const alarm = await worker.evaluate(() => (globalThis as unknown as { chrome: { alarms: { get(n: string): Promise<unknown> } } }).chrome.alarms.get('holdfast-wake'));
    expect(alarm).toMatchObject({ name: 'holdfast-wake', periodInMinutes: 0.5 });
    const starts = (await ext.lifecycle()).filter((e) => e.event.startsWith('worker started')).length;

    // Chrome stops the worker (as after an update or a crash): no console page, no port, nothing left to wake it but the alarm.
    const watch = await ext.watchWorker();
    await watch.stop();
    const stopped = Date.now();
    hf.proxy.pass();
    await watch.until('running', 45_000);
    // Chrome runs alarms at most every 30 s: the restart is the alarm's.
    expect(Date.now() - stopped).toBeLessThan(40_000);
    await watch.close();
    await expect.poll(() => deviceValue(hf.stack, 'genlock/phase-v'), { timeout: 20_000 }).toBe(9);
    await expect.poll(async () => byProperty(await ext.outbox())['genlock/phase-v']?.state).toBe('confirmed');
    const events = (await ext.lifecycle()).map((e) => e.event);
    expect(events.filter((e) => e.startsWith('worker started'))).toHaveLength(starts + 1);
    expect(events.slice(events.findLastIndex((e) => e.startsWith('worker started')))).toEqual(
      expect.arrayContaining(['worker started (an event woke it)', 'host started (0 pages open, 1 outstanding)']),
    );
    expect(ext.context.pages()).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 1000));
    await hf.settle();
    expect(hf.sets().map((s) => `${s.topic} ${s.payload}`)).toEqual(['homie/5/vp4/genlock/phase-v/set 9']);
    expect(byProperty(await ext.outbox())['genlock/phase-v']).toMatchObject({ state: 'confirmed', desired: 9, attempts: 1 });
  });

  test('two pages at once: one broker connection, edits from both, each sent once', async ({ ext, hf }) => {
    const panel = await ext.connect();
    const tab = await ext.open('', { wide: true });
    await expectConnected(tab);
    await expect(tab.getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue('22');
    // Only the worker reaches the broker (the devices connect on their own, not through the proxy).
    expect(hf.proxy.connectionCount()).toBe(1);
    const connections = hf.proxy.totalConnections();

    await setNumber(panel, 'Genlock phase H', 5);
    await setNumber(tab, 'Genlock phase V', -7);
    await expect.poll(() => deviceValue(hf.stack, 'genlock/phase-h')).toBe(5);
    await expect.poll(() => deviceValue(hf.stack, 'genlock/phase-v')).toBe(-7);
    // Each page sees the other's edit confirmed.
    await expect(tab.getByRole('spinbutton', { name: 'Genlock phase H' })).toHaveValue('5');
    await expect(panel.getByRole('spinbutton', { name: 'Genlock phase V' })).toHaveValue('-7');
    await expect.poll(async () => (await ext.outbox()).map((r) => r.state)).toEqual(['confirmed', 'confirmed']);
    // One console on the broker: neither page sees the other as another operator.
    await expect(await presence(panel)).toHaveText('No other consoles');
    await expect(await presence(tab)).toHaveText('No other consoles');
    await hf.settle();
    expect(hf.sets().map((s) => `${s.topic} ${s.payload}`)).toEqual(['homie/5/vp4/genlock/phase-h/set 5', 'homie/5/vp4/genlock/phase-v/set -7']);
    expect(hf.proxy.totalConnections()).toBe(connections);
    expect(hf.proxy.connectionCount()).toBe(1);
  });
});
