// The Firefox smoke's cases: the e2e suite's essentials (test/e2e/console.spec.ts,
// outbox.spec.ts), on a real stack, in Firefox ESR. Each case gets a fresh stack, fault
// proxy and browser profile from run.ts.
import type { BrowserContext, Page } from 'puppeteer-core';
import { browserFeatures, describeBrowserFeature, probeBrowserEnvironment, type BrowserFeatureId } from '../../src/app/browser-features.js';
import type { BrokerKind, Stack } from '../../sim/stack.js';
import { cutNetwork, deviceValue } from '../e2e/harness.js';
import type { FaultProxy } from '../support/fault-proxy.js';
import { byRole, click, expectText, expectValue, expectVisibleText, find, newPage, setNumber, waitFor } from './firefox.js';

export interface SmokeContext {
  readonly brokerKind: BrokerKind;
  readonly stack: Stack;
  /** Between Firefox and the broker: cut the console's network here, the devices stay connected. */
  readonly proxy: FaultProxy;
  /** The console's URL, pointed at the broker through the proxy. */
  readonly url: string;
  /** This case's own browser profile (a user context of the one Firefox): open its tabs here. */
  readonly browser: BrowserContext;
  /** Uncaught errors of every page the case opened; a case with any fails. */
  readonly pageErrors: string[];
  /** The console's MQTT clients as the broker counts them: every CONNECT it accepted since the stack started, and those still connected (client ids). */
  consoleClients(): { readonly connects: readonly string[]; readonly connected: readonly string[] };
}

export interface SmokeCase {
  readonly name: string;
  run(ctx: SmokeContext): Promise<void>;
}

class AssertionError extends Error {}

function check(ok: boolean, message: string): void {
  if (!ok) throw new AssertionError(message);
}

function equal(actual: unknown, expected: unknown, what: string): void {
  check(JSON.stringify(actual) === JSON.stringify(expected), `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/** Every `/set` the broker routed (optionally only those whose topic contains `filter`). Await stack.broker.settle() first. */
function sets(stack: Stack, filter = ''): { topic: string; payload: string }[] {
  return stack.broker.publishes.filter((p) => p.topic.endsWith('/set') && p.topic.includes(filter)).map((p) => ({ topic: p.topic, payload: p.payload }));
}

/** First visit in a fresh profile: follow the provisioning link and accept its broker (harness.ts `open`). */
async function open(ctx: SmokeContext, page: Page): Promise<void> {
  await page.goto(ctx.url);
  await click(page, 'button', 'Add and connect');
}

async function expectConnected(page: Page): Promise<void> {
  await expectText(page, 'status', 'Connection', 'Connected', { timeout: 20_000 });
}

async function expectNotConnected(page: Page): Promise<void> {
  await expectText(page, 'status', 'Connection', 'Connected', { absent: true });
}

/** Has the engine written this value of the VP4 to the last-known cache (IndexedDB) yet? */
function cachedValue(page: Page, propertyId: string): Promise<unknown> {
  return page.evaluate(
    (prop) =>
      new Promise<unknown>((resolve, reject) => {
        const req = indexedDB.open('holdfast');
        req.onerror = () => reject(req.error ?? new Error('indexedDB.open failed'));
        req.onsuccess = () => {
          const db = req.result;
          // Keyed by the convention's id for the device ("homie5:vp4").
          const get = db.transaction('snapshots', 'readonly').objectStore('snapshots').get('homie5:vp4');
          get.onerror = () => {
            db.close();
            reject(get.error ?? new Error('reading the status cache failed'));
          };
          get.onsuccess = () => {
            db.close();
            const rec = get.result as { values?: [string, { value: unknown }][] } | undefined;
            resolve(rec?.values?.find(([p]) => p === prop)?.[1].value ?? null);
          };
        };
      }),
    propertyId,
  );
}

export const CASES: readonly SmokeCase[] = [
  {
    name: 'connect: the Connection status says Connected',
    async run(ctx) {
      const page = await newPage(ctx.browser, ctx.pageErrors);
      await open(ctx, page);
      const status = await expectText(page, 'status', 'Connection', 'Connected', { timeout: 20_000 });
      check(status.includes(ctx.brokerKind === 'mosquitto' ? 'MQTT 5' : 'MQTT 3.1.1'), `Connection status "${status}" names the protocol the broker speaks`);
      // Through the link's broker (the proxy), not the one config.json named before the link was accepted.
      await waitFor('one console socket at the proxy', () => Promise.resolve(ctx.proxy.connectionCount()), (n) => n === 1);
      await expectText(page, 'status', 'VP4 Video Processor availability', 'Online');
    },
  },
  {
    name: 'live values: a change at the hardware panel shows in the control',
    async run(ctx) {
      const page = await newPage(ctx.browser, ctx.pageErrors);
      await open(ctx, page);
      await expectConnected(page);
      await expectValue(page, 'spinbutton', 'Genlock phase H', '22');
      equal(ctx.stack.setFromPanel('vp4', 'genlock/phase-h', 40).ok, true, 'setFromPanel');
      await expectValue(page, 'spinbutton', 'Genlock phase H', '40');
      await expectValue(page, 'slider', 'Genlock phase H', '40');
    },
  },
  {
    name: 'the incident: an edit made offline against a value the hardware changed is discarded, never sent',
    async run(ctx) {
      const page = await newPage(ctx.browser, ctx.pageErrors);
      await open(ctx, page);
      await expectConnected(page);
      await expectValue(page, 'spinbutton', 'Genlock phase H', '22');

      // The console shows 22, then the network drops for real (at the proxy: sockets destroyed, new ones refused).
      cutNetwork(ctx.proxy);
      await expectNotConnected(page);
      // Someone at the hardware sets -25.
      equal(ctx.stack.setFromPanel('vp4', 'genlock/phase-h', -25).ok, true, 'setFromPanel');
      // The operator touches the form.
      await setNumber(page, 'Genlock phase H', 25);
      await expectVisibleText(page, 'Queued: 25 °', /will be checked against the device/);

      // The network returns.
      ctx.proxy.pass();
      await expectConnected(page);
      const card = byRole('group', 'Not sent: Genlock phase H');
      await page.waitForSelector(card, { timeout: 15_000 });
      for (const line of ['was 22 ° when you edited', 'you set 25 °', 'device is now -25 °']) {
        await expectText(page, 'group', 'Not sent: Genlock phase H', line);
      }
      await expectValue(page, 'spinbutton', 'Genlock phase H', '-25');
      // The hardware was never touched: no /set for genlock at all.
      await ctx.stack.broker.settle();
      equal(sets(ctx.stack, 'genlock'), [], 'the /set publishes the broker routed for genlock');
      equal(deviceValue(ctx.stack, 'genlock/phase-h'), -25, 'the VP4 panel');
    },
  },
  {
    name: 'offline reload: the service worker serves the shell with last-known values and their age',
    async run(ctx) {
      const page = await newPage(ctx.browser, ctx.pageErrors);
      await open(ctx, page);
      await expectConnected(page);
      await expectValue(page, 'spinbutton', 'Genlock phase H', '22');
      // Once the worker controls the page, a reload can be served from its cache.
      await page.evaluate(async () => {
        await navigator.serviceWorker.ready;
      });
      await page.reload();
      await waitFor('the service worker to control the page', () => page.evaluate(() => !!navigator.serviceWorker.controller), (v) => v);
      await expectConnected(page);
      await waitFor('the last-known Genlock phase H to reach IndexedDB', () => cachedValue(page, 'genlock/phase-h'), (v) => v === 22);

      // Cut the broker connection, then stop everything: broker, devices and the web server.
      cutNetwork(ctx.proxy);
      await ctx.stack.stop();
      await page.reload();
      equal(await page.title(), 'Holdfast', 'the page title (served by the service worker)');
      await find(page, 'heading', 'Holdfast');
      await expectValue(page, 'spinbutton', 'Genlock phase H', '22');
      await expectVisibleText(page, 'last seen', /last seen .*ago/);
      await expectNotConnected(page);
    },
  },
  {
    name: 'two tabs: one broker connection, both show live values',
    async run(ctx) {
      const first = await newPage(ctx.browser, ctx.pageErrors);
      await open(ctx, first);
      await expectConnected(first);
      await expectValue(first, 'spinbutton', 'Genlock phase H', '22');
      // (A first visit connects once to the broker config.json names, then to the link's: the proxy.)
      const connectsBefore = ctx.consoleClients().connects.length;
      const proxyConnections = ctx.proxy.totalConnections();

      const second = await newPage(ctx.browser, ctx.pageErrors);
      await second.goto(ctx.url);
      await expectText(second, 'status', 'Connection', 'via another tab');
      await expectValue(second, 'spinbutton', 'Genlock phase H', '22');

      equal(ctx.stack.setFromPanel('vp4', 'genlock/phase-h', 33).ok, true, 'setFromPanel');
      await expectValue(second, 'spinbutton', 'Genlock phase H', '33');
      await expectValue(first, 'spinbutton', 'Genlock phase H', '33');

      // Counted at the broker: no console CONNECT since the second tab came, one console client connected;
      // and at the proxy in front of it (the console's only way to the broker), one socket all along.
      const clients = ctx.consoleClients();
      equal(clients.connects.slice(connectsBefore), [], 'console CONNECTs the broker accepted since the second tab opened');
      equal(clients.connected.length, 1, `console clients connected to the broker (${clients.connected.join(', ')})`);
      equal(ctx.proxy.connectionCount(), 1, 'open console sockets at the proxy');
      equal(ctx.proxy.totalConnections(), proxyConnections, 'console sockets opened since the second tab came');
      await expectText(first, 'status', 'Connection', 'via another tab', { absent: true });
    },
  },
  {
    name: 'browser features: Background Sync and the extension are reported not available',
    async run(ctx) {
      const page = await newPage(ctx.browser, ctx.pageErrors);
      await open(ctx, page);
      await expectConnected(page);
      // The very detection Settings uses (hf-browser-support), run in this Firefox page.
      const env = await page.evaluate(probeBrowserEnvironment);
      const features = new Map(browserFeatures(env).map((f) => [f.id, f]));
      const line = (id: BrowserFeatureId): string => {
        const f = features.get(id);
        return f ? describeBrowserFeature(f) : `(no ${id})`;
      };
      check(line('background-sync').startsWith('Background Sync: not available.'), `Background Sync line: "${line('background-sync')}"`);
      check(line('extension').includes(': not available.'), `extension line: "${line('extension')}"`);
      // What Firefox ESR does have, and the app relies on.
      for (const id of ['persistent-storage', 'strict-durability', 'web-locks'] as const) check(line(id).endsWith(': available.'), `${id} line: "${line(id)}"`);

      // And what the operator sees today: the Connection panel's background-sending box is off, disabled and says why.
      await click(page, 'button', 'Connection');
      const box = await find(page, 'checkbox', 'Send queued changes in the background when the connection returns (Chromium)');
      equal(await box.evaluate((el) => ({ checked: (el as HTMLInputElement).checked, disabled: (el as HTMLInputElement).disabled })), { checked: false, disabled: true }, 'the background-sending checkbox');
      await box.dispose();
      await expectVisibleText(page, 'This browser cannot do this', /queued changes are sent when the console is next open/);
      // Settings says the same, in words.
      await click(page, 'button', 'Connection');
      await click(page, 'button', 'Settings');
      await expectText(page, 'list', 'Browser features', /Background Sync: not available\./);
    },
  },
];
