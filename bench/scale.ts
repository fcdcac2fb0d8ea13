// The scale scenario: the same console and the same publisher, on a site of
// `large` devices against one of `small` devices (P retained properties
// each). The console shows one device in the middle of the site (its
// remembered last device, so the order in which the broker replays the site
// cannot flatter it). Measured: from CONNACK (at the engine worker) to every
// control the page renders for that device showing a value received on this
// connection, in the DOM; and the JS heap of the page and the worker once the
// whole device list is in.
//
// Each site is its own broker and its own origin (its own storage and service
// worker). Visits alternate between the sites so drifting load on the
// machine falls on both.

import type { BrowserContext } from '@playwright/test';
import { startBroker, type EmbeddedBroker } from '../sim/broker.js';
import { startStaticServer, type StaticServer } from '../sim/static-server.js';
import { BenchPublisher, deviceId } from './publisher.js';
import { evaluate, heapAfterGc, holdfastPage, log, median, sleep, waitFor, waitForCount, type HoldfastPage } from './util.js';

export interface ScaleVisit {
  /** CONNACK at the worker → the viewed device's rendered controls all show this session's values. */
  ms: number;
  /** Navigation → CONNACK at the worker (reading the cache and starting the worker come first). */
  navigationToConnackMs: number;
  /** Controls rendered for the viewed device. */
  controls: number;
  /** At the worker, from CONNACK: the viewed device's description applied, its first and last value of this session applied. */
  worker: { describedMs: number | null; firstValueMs: number | null; lastValueMs: number | null; values: number };
}

export interface ScaleResult {
  smallSiteMs: number;
  largeSiteMs: number;
  ratio: number;
  /** Page + worker JS heap after GC on the large site, the device list complete. */
  heapBytes: number;
  devices: { small: number; large: number };
  props: number;
  visits: { small: ScaleVisit[]; large: ScaleVisit[] };
  heap: { small: { page: number; worker: number }; large: { page: number; worker: number } };
}

export interface ScaleSite {
  readonly devices: number;
  readonly viewed: string;
  readonly broker: EmbeddedBroker;
  readonly publisher: BenchPublisher;
  readonly web: StaticServer;
  /** Resolves when the retained installation is at the broker. */
  readonly published: Promise<void>;
  close(): Promise<void>;
}

/** Start a site and begin publishing it (so it can fill while other scenarios run). */
export async function startScaleSite(devices: number, props: number, dist: string): Promise<ScaleSite> {
  const broker = await startBroker({ host: '127.0.0.1', wsPort: 0, tcpPort: 0 });
  const publisher = await BenchPublisher.connect(broker.tcpUrl!, devices, props);
  const web = await startStaticServer({ root: dist, port: 0, config: { brokerUrl: broker.wsUrl } });
  return {
    devices,
    viewed: deviceId(Math.floor(devices / 2)),
    broker,
    publisher,
    web,
    published: publisher.publishInstallation(),
    async close() {
      await publisher.close();
      await web.close().catch(() => {});
      await broker.close();
    },
  };
}

async function open(context: BrowserContext, site: ScaleSite): Promise<HoldfastPage> {
  const hf = await holdfastPage(context, { sample: [site.viewed], samplingFromStart: true });
  await hf.page.goto(`${site.web.url}?bench=1`);
  return hf;
}

/** First visit of a site: install the service worker, learn the site, remember the middle device as the one shown. */
async function prepare(context: BrowserContext, site: ScaleSite, props: number): Promise<void> {
  const hf = await open(context, site);
  try {
    await waitFor(hf.page, `window.__hfProbe?.console?.client.devices.size >= ${site.devices}`, 180_000, `the ${site.devices}-device list`);
    await evaluate(hf.page, `window.__hfProbe.console.showDevice(${JSON.stringify(site.viewed)})`);
    await waitFor(hf.page, `window.__hfProbe.console.settings.get('lastDevice').then((v) => v === ${JSON.stringify(site.viewed)})`, 10_000, 'the shown device to be remembered');
    const w = await hf.engine();
    await waitFor(w, `self.__hfProbe.freshValues(${JSON.stringify(site.viewed)}).fresh >= ${props}`, 60_000, 'the shown device’s values');
    await waitFor(hf.page, '!!navigator.serviceWorker.controller', 30_000, 'the service worker');
    await w.evaluate('self.__hfProbe.flushCache().then(() => true)');
  } finally {
    await hf.close();
  }
}

async function visit(context: BrowserContext, site: ScaleSite, heap: boolean): Promise<{ visit: ScaleVisit; heap?: { page: number; worker: number } }> {
  const hf = await open(context, site);
  try {
    const w = await hf.engine();
    const viewed = JSON.stringify(site.viewed);
    // Done when the page knows its session and every control it renders for the device shows a value of it.
    const doneExpr = `(() => { const p = window.__hfProbe; const s = p.session(); const shown = p.shown(${viewed}); return s !== null && shown.length > 0 && shown.every((c) => c.session === s); })()`;
    await waitFor(hf.page, doneExpr, 120_000, `the values of ${site.viewed}`);
    // The virtualizer may add controls a frame later: wait until what is shown stops changing.
    let last = '';
    for (let i = 0; i < 40; i++) {
      await sleep(100);
      const now = await evaluate<string>(hf.page, `JSON.stringify(window.__hfProbe.shown(${viewed}))`);
      if (now === last && (await evaluate<boolean>(hf.page, doneExpr))) break;
      last = now;
    }
    const shown = await evaluate<Array<{ propertyId: string; session: string; at: number }>>(hf.page, `window.__hfProbe.shown(${viewed})`);
    const clocks = await hf.clocks();
    const connack = await w.evaluate<number>('self.__hfProbe.connectedAt.at(-1)');
    const seen = await w.evaluate<{ described: number[]; arrivals: Array<[string, unknown, boolean, number]> }>(
      `({ described: self.__hfProbe.described.get(${viewed}) ?? [], arrivals: self.__hfProbe.arrivals.get(${viewed}) ?? [] })`,
    );
    const afterConnack = (ts: number[]): number[] => ts.filter((t) => t >= connack).map((t) => t - connack);
    const valueTimes = afterConnack(seen.arrivals.map(([, , , t]) => t));
    const describedTimes = afterConnack(seen.described);
    const navStart = await evaluate<number>(hf.page, 'performance.timeOrigin');
    // On one clock: the worker's CONNACK put on the page's.
    const connackOnPage = connack - clocks.worker.offsetMs + clocks.page.offsetMs;
    const domDone = Math.max(...shown.map((c) => c.at));
    const result: { visit: ScaleVisit; heap?: { page: number; worker: number } } = {
      visit: {
        ms: domDone - connackOnPage,
        navigationToConnackMs: connackOnPage - navStart,
        controls: shown.length,
        worker: {
          describedMs: describedTimes[0] ?? null,
          firstValueMs: valueTimes.length > 0 ? Math.min(...valueTimes) : null,
          lastValueMs: valueTimes.length > 0 ? Math.max(...valueTimes) : null,
          values: valueTimes.length,
        },
      },
    };
    if (heap) {
      await waitFor(hf.page, `window.__hfProbe.console.client.devices.size >= ${site.devices}`, 120_000, `the ${site.devices}-device list`).catch(() => {});
      await waitFor(w, `self.__hfProbe.deviceCount() >= ${site.devices}`, 60_000, 'the worker to know every device').catch(() => {});
      // The always-on replay (every device's $state and $description) is over when nothing arrives for a second.
      await waitForCount(w, 'self.__hfProbe.lastApplyAt', Infinity, 1000, 60_000);
      result.heap = { page: await heapAfterGc(context, hf.page), worker: await w.heapAfterGc() };
    }
    return result;
  } finally {
    await hf.close();
  }
}

export async function runScale(context: BrowserContext, small: ScaleSite, large: ScaleSite, props: number, runs: number): Promise<ScaleResult> {
  await Promise.all([small.published, large.published]);
  log(`scale: first visits of the ${small.devices}- and ${large.devices}-device sites…`);
  await prepare(context, small, props);
  await prepare(context, large, props);
  const visits: ScaleResult['visits'] = { small: [], large: [] };
  const heap: ScaleResult['heap'] = { small: { page: NaN, worker: NaN }, large: { page: NaN, worker: NaN } };
  for (let i = 0; i < runs; i++) {
    // Alternate which site goes first, so a trend in the machine's load does not favour either.
    const order: Array<['small' | 'large', ScaleSite]> = i % 2 === 0 ? [['small', small], ['large', large]] : [['large', large], ['small', small]];
    for (const [name, site] of order) {
      const r = await visit(context, site, i === runs - 1);
      visits[name].push(r.visit);
      if (r.heap) heap[name] = r.heap;
      const wk = r.visit.worker;
      log(
        `  ${name} site (${site.devices} devices): CONNACK → values in the DOM ${r.visit.ms.toFixed(0)} ms (${r.visit.controls} controls); ` +
          `at the worker: description ${wk.describedMs?.toFixed(0) ?? '–'} ms, values ${wk.firstValueMs?.toFixed(0) ?? '–'}–${wk.lastValueMs?.toFixed(0) ?? '–'} ms (${wk.values})`,
      );
    }
  }
  const smallSiteMs = median(visits.small.map((v) => v.ms));
  const largeSiteMs = median(visits.large.map((v) => v.ms));
  return {
    smallSiteMs,
    largeSiteMs,
    ratio: largeSiteMs / smallSiteMs,
    heapBytes: heap.large.page + heap.large.worker,
    devices: { small: small.devices, large: large.devices },
    props,
    visits,
    heap,
  };
}
