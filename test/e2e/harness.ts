import { test as base, expect, type Locator, type Page, type Worker } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import mqtt from 'mqtt';
import { startStack, type BrokerKind, type Stack } from '../../sim/stack.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';

export { expect };

// The static server's CSP lists only the brokers it knows; tests reach brokers through proxies on random loopback ports.
process.env.HOLDFAST_CSP_CONNECT = 'ws://127.0.0.1:* http://127.0.0.1:*';

/**
 * Worker-scoped option: which broker the stack runs. playwright.config.ts sets
 * it per project (`aedes`, `mosquitto`), so every spec runs against both:
 *   npx playwright test --project=mosquitto
 */
export interface HarnessWorkerOptions {
  brokerKind: BrokerKind;
}

export interface Console {
  readonly stack: Stack;
  /** Sits between the browser and the broker: cut the console's network here, the devices stay connected. */
  readonly proxy: FaultProxy;
  /** The console's URL, pointed at the broker through the proxy. */
  readonly url: string;
  /** Which broker this run uses (the Playwright project). */
  readonly brokerKind: BrokerKind;
  /**
   * Every `/set` the broker routed, in order: the protocol-level spy. On
   * Mosquitto the spy is a separate MQTT client, so it may lag a moment;
   * await settle() first when asserting that something was NOT sent.
   */
  sets(propertyId?: string): { topic: string; payload: string }[];
  /** Resolves once every publish the broker routed so far is visible to sets(). */
  settle(): Promise<void>;
  /**
   * First visit in a fresh browser profile: follow the provisioning link and accept its new broker.
   * `query` adds settings such as "&backoffMaxMs=1000".
   */
  open(page: Page, query?: string): Promise<void>;
}

export interface HarnessTestOptions {
  /** Also run the Homie 4, Home Assistant and mapped simulated devices (off: most specs are about the VP4). */
  extraDevices: boolean;
}

export const test = base.extend<{ hf: Console } & HarnessTestOptions, HarnessWorkerOptions>({
  brokerKind: ['aedes', { option: true, scope: 'worker' }],
  extraDevices: [false, { option: true }],
  hf: async ({ brokerKind, extraDevices }, use, testInfo) => {
    const stack = await startStack({ broker: brokerKind, extraDevices, distDir: resolve('dist'), webPort: 0, brokerPort: 0, controlPort: 0, temperatureIntervalMs: 60_000 });
    const target = new URL(stack.brokerWsUrl);
    const proxy = await startFaultProxy({ targetHost: target.hostname, targetPort: Number(target.port) });
    const url = `${stack.appUrl}?broker=${encodeURIComponent(proxy.url('/'))}`;
    const sets = (propertyId?: string) =>
      stack.broker.publishes
        .filter((p) => p.topic.endsWith('/set') && (!propertyId || p.topic.endsWith(`/${propertyId}/set`)))
        .map((p) => ({ topic: p.topic, payload: p.payload }));
    const open = async (page: Page, query = ''): Promise<void> => {
      await page.goto(url + query);
      await page.getByRole('button', { name: 'Add and connect' }).click();
    };
    await use({ stack, proxy, url, brokerKind, sets, settle: () => stack.broker.settle(), open });
    // A failure on the real broker is much easier to read with the broker's own account of it.
    if (testInfo.status !== testInfo.expectedStatus && stack.broker.kind === 'mosquitto') {
      await testInfo.attach('mosquitto.log', { body: stack.broker.log(), contentType: 'text/plain' });
    }
    await proxy.close();
    await stack.stop();
  },
});

/** Cut the console's broker connection for real: drop live sockets and refuse new ones. */
export function cutNetwork(proxy: FaultProxy): void {
  proxy.refuse();
  proxy.drop();
}

export async function expectConnected(page: Page): Promise<void> {
  await expect(page.getByRole('status', { name: 'Connection' })).toContainText('Connected', { timeout: 20_000 });
}

export async function setNumber(page: Page | Locator, name: string, value: number): Promise<void> {
  const input = page.getByRole('spinbutton', { name });
  await input.fill(String(value));
  await input.press('Enter');
}

/** Values the device shows at its own panel (not through the broker). */
export function deviceValue(stack: Stack, propertyId: string): unknown {
  return stack.devices.get('vp4')?.snapshot()[propertyId];
}

/** Choose the theme in Settings (it lives there, so the header stays one row). */
export async function setTheme(page: Page, theme: 'system' | 'dark' | 'light'): Promise<void> {
  const settings = page.getByRole('button', { name: 'Settings', exact: true });
  await settings.click();
  await page.getByRole('combobox', { name: 'Theme' }).selectOption(theme);
  await settings.click();
}

/** Import the incident VP4's mapping through the Connection panel, as an operator would. */
export async function importExampleMapping(page: Page): Promise<void> {
  const mapping = readFileSync(new URL('../../examples/vp4-mapping.json', import.meta.url), 'utf8');
  await page.getByRole('button', { name: 'Connection', exact: true }).click();
  await page.getByRole('textbox', { name: 'Mapping JSON' }).fill(mapping);
  await page.getByRole('button', { name: 'Import pasted mapping' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Mapping imported: 1 device' })).toBeVisible();
  await page.getByRole('button', { name: 'Connection', exact: true }).click();
  await expectConnected(page);
}

// ---- Shared helpers for the undo, blind-window, evidence and corpus specs ----

/**
 * Open a device's page from the device list (its list button starts with the name, then its availability).
 * While devices are still being discovered the list re-sorts under the pointer, so a click may land on a
 * neighbour: click again until the device's own heading shows.
 */
export async function selectDevice(page: Page, name: string): Promise<void> {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const button = page.getByRole('navigation', { name: 'Devices' }).getByRole('button', { name: new RegExp(`^${escaped} `) });
  const heading = page.getByRole('heading', { name, level: 2, exact: true });
  await expect(async () => {
    await button.click();
    await expect(heading).toBeVisible({ timeout: 1_000 });
  }).toPass();
}

/** Save the operator's name in the header (what "Send anyway by …" records). */
export async function saveOperatorName(page: Page, name: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Your name' }).fill(name);
  await page.getByRole('button', { name: 'Save name' }).click();
}

/** Cut the console's network at the proxy and wait until the console says it is not connected. */
export async function goOffline(page: Page, hf: Console): Promise<void> {
  cutNetwork(hf.proxy);
  await expect(page.getByRole('status', { name: 'Connection' })).not.toContainText('Connected');
}

/** The Undo toast about one setting: the status line that starts with its name (after "Queued: " or "Sending "). */
export function undoToast(page: Page, settingName: string): Locator {
  const name = settingName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return page.getByRole('status').filter({ hasText: new RegExp(`^\\s*(Queued: |Sending )?${name}`) });
}

export interface MqttPublisher {
  /** Publish at QoS 1 and wait for the broker's PUBACK. `retain` defaults to false. */
  publish(topic: string, payload: string, opts?: { retain?: boolean }): Promise<void>;
  /** Remove a retained message at the broker (an empty retained publish). */
  clearRetained(topic: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A separate MQTT client on the broker's TCP listener with the device login,
 * like real hardware (or a tool on the broker's host) would be: for fixtures
 * and for changing retained state behind the console's back.
 */
export async function mqttPublisher(stack: Stack): Promise<MqttPublisher> {
  const url = stack.brokerTcpUrl;
  if (!url) throw new Error('the stack has no TCP listener for a publisher');
  const client = await mqtt.connectAsync(url, {
    ...stack.broker.credentials('device'),
    clientId: `e2e-publisher-${Math.random().toString(16).slice(2, 10)}`,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
  });
  client.on('error', () => {});
  const publish = async (topic: string, payload: string, opts: { retain?: boolean } = {}): Promise<void> => {
    await client.publishAsync(topic, payload, { qos: 1, retain: opts.retain ?? false });
  };
  return {
    publish,
    clearRetained: (topic) => publish(topic, '', { retain: true }),
    close: async () => {
      await client.endAsync(true).catch(() => {});
    },
  };
}

/** The engine worker of a leader tab (it runs the connection, the evidence and the planner). */
function engineWorker(page: Page): Worker {
  const w = page.workers().find((x) => x.url().includes('/assets/worker-'));
  if (!w) throw new Error(`no engine worker in ${page.url()} (workers: ${page.workers().map((x) => x.url()).join(', ') || 'none'})`);
  return w;
}

/**
 * Has the engine worker received this message? Read from the traffic log in
 * IndexedDB, from inside the worker's own thread, so it answers while the
 * page's main thread is blocked. The log is written in half-second batches,
 * so a true answer means the engine handled the message a while ago.
 */
export async function engineHeard(page: Page, topic: string, payload: string): Promise<boolean> {
  return engineWorker(page).evaluate(
    ([t, p]) =>
      new Promise<boolean>((resolve, reject) => {
        const open = indexedDB.open('holdfast');
        open.onerror = () => reject(open.error ?? new Error('indexedDB.open failed'));
        open.onsuccess = () => {
          const db = open.result;
          const all = db.transaction('traffic', 'readonly').objectStore('traffic').getAll();
          all.onerror = () => {
            db.close();
            reject(all.error ?? new Error('reading the traffic log failed'));
          };
          all.onsuccess = () => {
            db.close();
            resolve((all.result as { direction: string; topic: string; payload: string }[]).some((r) => r.direction === 'in' && r.topic === t && r.payload === p));
          };
        };
      }),
    [topic, payload] as const,
  );
}

export interface BlockedEditResult {
  /** What the control showed when the blocked task began, and when the edit was dispatched (the same: nothing rendered in between). */
  readonly shownAtStart: string;
  readonly shownAtEdit: string;
}

/**
 * The blind window, for real: one task on the page's main thread busy-loops
 * for `busyMs`, then waits (a synchronous request to a gate in this process)
 * until `whileBlocked` has finished (e.g. the hardware changed a value and the
 * engine worker, which runs on, has received it), and then, still in the
 * same task and before anything could render, sets `control`'s value and
 * fires `change`, as an operator's commit would. The control's base is
 * therefore the value it had rendered, not the one the engine knows.
 */
export async function editInBlockedTask(
  control: Locator,
  value: string,
  opts: { busyMs: number; whileBlocked: () => Promise<void> },
): Promise<BlockedEditResult> {
  let blocked!: () => void;
  const isBlocked = new Promise<void>((resolve) => (blocked = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const gate: Server = createServer((req, res) => {
    const answer = (): void => {
      res.writeHead(200, { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' });
      res.end('ok');
    };
    if (req.url?.startsWith('/blocked')) {
      blocked();
      answer();
    } else if (req.url?.startsWith('/release')) {
      void released.then(answer);
    } else {
      res.writeHead(404, { 'Access-Control-Allow-Origin': '*' });
      res.end();
    }
  });
  await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
  const { port } = gate.address() as AddressInfo;
  const handle = await control.elementHandle();
  if (!handle) throw new Error('the control to edit is not in the page');
  try {
    const task = handle.evaluate(
      (input, a) => {
        const el = input as HTMLInputElement;
        const gateGet = (path: string): void => {
          const xhr = new XMLHttpRequest();
          xhr.open('GET', `${a.gate}${path}`, false);
          xhr.send();
        };
        const shownAtStart = el.value;
        gateGet('/blocked');
        const end = performance.now() + a.busyMs;
        while (performance.now() < end) {
          // The page's main thread does nothing else: no message, no render.
        }
        gateGet('/release');
        const shownAtEdit = el.value;
        el.value = a.value;
        el.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
        el.dispatchEvent(new Event('change', { bubbles: true, composed: true }));
        return { shownAtStart, shownAtEdit };
      },
      { gate: `http://127.0.0.1:${port}`, busyMs: opts.busyMs, value },
    );
    // If the task failed before blocking, report that rather than wait forever.
    await Promise.race([isBlocked, task.then(() => { throw new Error('the blocked task ended before it reached the gate'); })]);
    try {
      await opts.whileBlocked();
    } finally {
      release();
    }
    return await task;
  } finally {
    release();
    await handle.dispose();
    gate.closeAllConnections();
    await new Promise<void>((resolve) => gate.close(() => resolve()));
  }
}
