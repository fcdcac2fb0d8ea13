import { test as base, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
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

export async function setNumber(page: Page, name: string, value: number): Promise<void> {
  const input = page.getByRole('spinbutton', { name });
  await input.fill(String(value));
  await input.press('Enter');
}

/** Values the device shows at its own panel (not through the broker). */
export function deviceValue(stack: Stack, propertyId: string): unknown {
  return stack.devices.get('vp4')?.snapshot()[propertyId];
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
