import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from '../../../sim/stack.js';
import { EXTENSION_DIR, byProperty, deviceValue, expect, launchExtension, projectLaunchOptions, setNumber, test } from './fixture.js';
import { launchUnobserved } from './unobserved.js';

/**
 * The service worker's lifetime, unobserved. Under Playwright a DevTools
 * session is attached to the worker and Chromium then never stops it, so
 * this spec hands the profile to a Chromium that nothing attaches to
 * (unobserved.ts) and watches the worker come and go from outside.
 *
 * An edit waits for a device that is away; the worker holds the
 * connection for it with no page open. The application heartbeat is tuned
 * off (10 min) and the wake alarm to 10 min, so the only traffic is MQTT's
 * own keepalive (10 s), run by native timers inside the worker: if those
 * did not run, or did not count as activity, Chromium would stop the worker
 * within 30 s and the WebSocket would close.
 */

const KEEPALIVE_S = 10;
const WATCH_MS = 40_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** PINGREQs the broker received from Holdfast consoles (devices are "sim-…", Mosquitto's spy sends none). */
function pingCounter(stack: Stack): () => number {
  if (stack.broker.kind === 'aedes') {
    let n = 0;
    stack.broker.aedes.on('ping', (_packet, client) => {
      if (client.id.startsWith('holdfast-')) n++;
    });
    return () => n;
  }
  const broker = stack.broker;
  const count = (): number => (broker.log().match(/Received PINGREQ from holdfast-[0-9a-f]{8}\b/g) ?? []).length;
  const before = count();
  return () => count() - before;
}

test.describe('extension: the worker unobserved', () => {
  test('an edit for an absent device keeps the worker and its one connection alive on MQTT keepalive alone, no page open; then it is sent once, and the worker disconnects and stops', async ({ hf }, testInfo) => {
    test.setTimeout(200_000);
    const launch = projectLaunchOptions(testInfo);
    const dir = await mkdtemp(join(tmpdir(), 'holdfast-ext-idle-'));
    const device = hf.stack.devices.get('vp4')!;
    try {
      // ---- with Playwright: connect, the device goes away, an edit is held for it ----
      const ext = await launchExtension(dir, launch, hf.proxy.url('/'));
      const page = await ext.connect('backoffMaxMs=1000&probeIntervalMs=200&heartbeatIntervalMs=600000&wakeMinutes=10', { keepaliveSeconds: KEEPALIVE_S });
      await expect(page.getByRole('spinbutton', { name: 'Genlock phase V' })).toHaveValue('0');
      device.kill();
      await expect(page.getByRole('status', { name: 'VP4 Video Processor availability' })).not.toHaveText('Online');
      await setNumber(page, 'Genlock phase V', 12);
      await expect(page.getByText(/^Held: 12/)).toBeVisible();
      expect((await ext.outbox()).map((r) => r.state)).toEqual(['held']);
      await ext.close();
      await expect.poll(() => hf.proxy.connectionCount()).toBe(0);

      // ---- unobserved: the browser starts again with the profile, and nothing attaches to the worker ----
      const raw = await launchUnobserved({ executablePath: launch.executablePath ?? '/usr/bin/chromium', args: launch.args ?? [], userDataDir: dir, extensionDir: EXTENSION_DIR });
      try {
        await raw.until('the worker to start with the browser', () => raw.workerRunning(), 20_000);
        // It found the held edit in the outbox and connected for it.
        await expect.poll(() => hf.proxy.connectionCount(), { timeout: 20_000 }).toBe(1);
        const connections = hf.proxy.totalConnections();
        const pings = pingCounter(hf.stack);
        await sleep(WATCH_MS);
        expect(raw.workerRunning(), 'the worker was stopped although its connection was active').toBe(true);
        expect([raw.starts, raw.stops]).toEqual([1, 0]);
        expect(hf.proxy.totalConnections(), 'the same WebSocket all along').toBe(connections);
        expect(hf.proxy.connectionCount()).toBe(1);
        expect(pings()).toBeGreaterThanOrEqual(Math.floor(WATCH_MS / 1000 / KEEPALIVE_S) - 1);
        await hf.settle();
        expect(hf.sets()).toEqual([]);

        // The device returns: the held edit is judged on fresh status and sent, once.
        await device.start();
        await expect.poll(() => deviceValue(hf.stack, 'genlock/phase-v'), { timeout: 20_000 }).toBe(12);
        // Nothing left to do: the worker says goodbye to the broker, and Chromium stops it (about 30 s idle).
        await expect.poll(() => hf.proxy.connectionCount(), { timeout: 20_000 }).toBe(0);
        await raw.until('the idle worker to be stopped', () => raw.stops === 1 && !raw.workerRunning(), 60_000);
        await hf.settle();
        expect(hf.sets().map((s) => `${s.topic} ${s.payload}`)).toEqual(['homie/5/vp4/genlock/phase-v/set 12']);
      } finally {
        await raw.close();
      }

      // ---- with Playwright again: what the worker recorded ----
      const after = await launchExtension(dir, launch, hf.proxy.url('/'));
      try {
        expect(byProperty(await after.outbox())['genlock/phase-v']).toMatchObject({ state: 'confirmed', desired: 12, attempts: 1 });
        const events = (await after.lifecycle()).map((e) => e.event);
        // Phase one's worker was "installed"; the next start is the unobserved browser's.
        const i = events.indexOf('worker started (an event woke it)');
        expect(events.slice(i, i + 4)).toEqual([
          'worker started (an event woke it)',
          'host started (0 pages open, 1 outstanding)',
          'told the operator: VP4 Video Processor: Genlock phase V confirmed: Genlock phase V 12 °, sent while no console was open.',
          'host stopped: no console page is open and nothing is waiting to be sent',
        ]);
      } finally {
        await after.close();
      }
    } finally {
      if (!device.connected) await device.start().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
