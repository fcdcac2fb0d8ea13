// The Firefox smoke: a few of the e2e suite's essentials in Debian's Firefox ESR (puppeteer-core over
// WebDriver BiDi), on a real stack, once per broker (aedes and Mosquitto, like the e2e suite).
//
//   npm run test:firefox                        # builds dist/, then every case on both brokers
//   npx tsx test/firefox/run.ts incident        # only the cases whose name contains "incident"
//   HOLDFAST_BROKERS=mosquitto npx tsx test/firefox/run.ts
//   HOLDFAST_DIST=/some/dir npx tsx test/firefox/run.ts   # serve another build (default dist/)
//
// Needs `npm run build` first (npm run test:firefox does it). Exits non-zero if any case fails.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, BrowserContext } from 'puppeteer-core';
import { startStack, type BrokerKind, type Stack } from '../../sim/stack.js';
import { BROKERS } from '../support/brokers.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
// cases.ts imports test/e2e/harness.ts (cutNetwork, deviceValue), which also widens the static server's CSP
// (HOLDFAST_CSP_CONNECT) to the loopback proxies, as for the e2e suite.
import { CASES, type SmokeContext } from './cases.js';
import { FIREFOX_PATH, launchFirefox } from './firefox.js';

/** A case that has not finished by then has hung: fail it rather than the whole run. */
const CASE_TIMEOUT_MS = 90_000;
/** The console's client ids: its profile's prefix ("holdfast") and 8 hex digits (src/mqtt/connection.ts). The publish spy is holdfast-spy-…. */
const CONSOLE_CLIENT_ID = /^holdfast-[0-9a-f]{8}$/;

interface Result {
  readonly broker: BrokerKind;
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: string;
}

/**
 * The console's clients as the broker sees them. aedes: its 'client' event
 * (a CONNECT accepted) and its table of connected clients. Mosquitto: its own
 * log (log_type all), "New client connected … as <id>" for each CONNECT and a
 * line for each way a client goes.
 */
function watchConsoleClients(stack: Stack): SmokeContext['consoleClients'] {
  const b = stack.broker;
  if (b.kind === 'mosquitto') {
    return () => {
      const connects: string[] = [];
      const connected = new Set<string>();
      for (const line of b.log().split('\n')) {
        const connect = /New client connected from \S+ as (\S+) /.exec(line)?.[1];
        const gone = /Client (\S+) (?:closed its connection|disconnected|has exceeded timeout)|Socket error on client (\S+),/.exec(line);
        if (connect && CONSOLE_CLIENT_ID.test(connect)) {
          connects.push(connect);
          connected.add(connect);
        } else if (gone) connected.delete(gone[1] ?? gone[2] ?? '');
      }
      return { connects, connected: [...connected] };
    };
  }
  const connects: string[] = [];
  b.aedes.on('client', (client) => {
    if (CONSOLE_CLIENT_ID.test(client.id)) connects.push(client.id);
  });
  // aedes keeps its connected clients in `clients` (by id), which its typings leave out.
  const table = (): Record<string, unknown> => (b.aedes as unknown as { clients: Record<string, unknown> }).clients;
  return () => ({ connects: [...connects], connected: Object.keys(table()).filter((id) => CONSOLE_CLIENT_ID.test(id)) });
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function runCase(browser: Browser, broker: BrokerKind, c: (typeof CASES)[number], distDir: string): Promise<Result> {
  const started = Date.now();
  let stack: Stack | undefined;
  let proxy: FaultProxy | undefined;
  let context: BrowserContext | undefined;
  const pageErrors: string[] = [];
  try {
    stack = await startStack({ broker, extraDevices: false, distDir, webPort: 0, brokerPort: 0, controlPort: 0, temperatureIntervalMs: 60_000 });
    const consoleClients = watchConsoleClients(stack);
    const target = new URL(stack.brokerWsUrl);
    proxy = await startFaultProxy({ targetHost: target.hostname, targetPort: Number(target.port) });
    // A fresh profile per case (its own storage, service worker and Web Locks): a new user context of the one browser.
    context = await browser.createBrowserContext();
    const ctx: SmokeContext = {
      brokerKind: broker,
      stack,
      proxy,
      url: `${stack.appUrl}?broker=${encodeURIComponent(proxy.url('/'))}`,
      browser: context,
      pageErrors,
      consoleClients,
    };
    await withTimeout(c.run(ctx), CASE_TIMEOUT_MS, 'the case');
    if (pageErrors.length > 0) throw new Error(`uncaught page errors:\n      ${pageErrors.join('\n      ')}`);
    return { broker, name: c.name, ok: true, ms: Date.now() - started };
  } catch (err) {
    let error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    if (pageErrors.length > 0 && !error.includes('uncaught page errors')) error += `\n      uncaught page errors:\n      ${pageErrors.join('\n      ')}`;
    if (stack?.broker.kind === 'mosquitto') error += `\n      mosquitto log (tail):\n      ${stack.broker.log().trim().split('\n').slice(-15).join('\n      ')}`;
    return { broker, name: c.name, ok: false, ms: Date.now() - started, error };
  } finally {
    await context?.close().catch(() => {});
    await proxy?.close().catch(() => {});
    await stack?.stop().catch(() => {});
  }
}

async function main(): Promise<number> {
  const filter = process.argv.slice(2).join(' ').trim();
  const distDir = resolve(process.env.HOLDFAST_DIST ?? 'dist');
  if (!existsSync(resolve(distDir, 'index.html')) || !existsSync(resolve(distDir, 'sw.js'))) {
    console.error(`No built console in ${distDir}: run \`npm run build\` first (npm run test:firefox does).`);
    return 1;
  }
  if (!existsSync(FIREFOX_PATH)) {
    console.error(`Firefox not found at ${FIREFOX_PATH}. Install it with: sudo apt-get install -y firefox-esr (or set FIREFOX_PATH)`);
    return 1;
  }
  const cases = CASES.filter((c) => !filter || c.name.includes(filter));
  if (cases.length === 0) {
    console.error(`No case matches "${filter}". Cases:\n  ${CASES.map((c) => c.name).join('\n  ')}`);
    return 1;
  }
  console.log(`Firefox smoke: ${cases.length} case(s) × ${BROKERS.join(', ')} in ${FIREFOX_PATH}, serving ${distDir}`);
  const results: Result[] = [];
  // One Firefox for the run; each case gets a user context of its own (a fresh profile: storage, service
  // worker, Web Locks), which saves a launch per case. If Firefox itself dies, the next case starts a new one.
  let browser = await launchFirefox();
  console.log(`${await browser.version()}, WebDriver BiDi`);
  try {
    for (const broker of BROKERS) {
      for (const c of cases) {
        if (!browser.connected) browser = await launchFirefox();
        const r = await runCase(browser, broker, c, distDir);
        results.push(r);
        console.log(`  ${r.ok ? '✓ pass' : '✗ FAIL'}  [${broker}] ${c.name} (${(r.ms / 1000).toFixed(1)} s)`);
        if (r.error) console.log(`      ${r.error.split('\n').join('\n      ')}`);
      }
    }
  } finally {
    await browser.close().catch(() => {});
  }
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) {
    console.log('\nFailed:');
    for (const r of failed) console.log(`  [${r.broker}] ${r.name}`);
  }
  console.log(`\nfirefox: ${results.length - failed.length} passed, ${failed.length} failed`);
  return failed.length > 0 ? 1 : 0;
}

process.exitCode = await main().catch((err: unknown) => {
  console.error(err);
  return 1;
});
