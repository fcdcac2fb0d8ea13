// Shared pieces of the benchmark scenarios: statistics, polling, and
// Holdfast pages with the probes injected (bench/page/probe.js in the page,
// bench/page/worker-probe.js in its engine worker).

import type { BrowserContext, Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './build.js';
import { clockOffset, PageWorkers, type ClockOffset, type WorkerTarget } from './cdp.js';

const startedAt = Date.now();
export const log = (line: string): void => console.log(`[bench ${String(Math.round((Date.now() - startedAt) / 1000)).padStart(3)} s] ${line}`);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile; Infinity entries (a sample that never completed) count as the largest. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export interface Task {
  start: number;
  duration: number;
}

export function longest(tasks: readonly Task[], from = -Infinity, to = Infinity): { max: number; over50: number } {
  const inWindow = tasks.filter((t) => t.start + t.duration >= from && t.start <= to);
  return { max: Math.max(0, ...inWindow.map((t) => t.duration)), over50: inWindow.filter((t) => t.duration > 50).length };
}

/** Something that evaluates an expression string: a page, or a worker over CDP. */
export interface Evaluator {
  evaluate<T>(expression: string): Promise<T>;
}

/** Evaluate an expression in a page (strings, so nothing depends on how this file was transpiled). */
export function evaluate<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}

export function pageEvaluator(page: Page): Evaluator {
  return { evaluate: <T>(expression: string) => evaluate<T>(page, expression) };
}

/** Poll an expression (which may return a promise) until it is truthy. */
export async function waitFor(on: Page | Evaluator, expression: string, timeoutMs: number, what: string): Promise<void> {
  const e: Evaluator = 'goto' in on ? pageEvaluator(on) : on;
  const deadline = Date.now() + timeoutMs;
  while (!(await e.evaluate<unknown>(expression).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** Wait until a counter reaches `target`, or stops moving for `quietMs` (then something was lost: report what arrived). */
export async function waitForCount(on: Page | Evaluator, expression: string, target: number, quietMs: number, timeoutMs: number): Promise<number> {
  const e: Evaluator = 'goto' in on ? pageEvaluator(on) : on;
  const start = Date.now();
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const n = await e.evaluate<number>(expression);
    if (n >= target) return n;
    if (n !== last) {
      last = n;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > quietMs) return n;
    if (Date.now() - start > timeoutMs) return n;
    await sleep(25);
  }
}

export async function heapAfterGc(context: BrowserContext, page: Page): Promise<number> {
  const cdp = await context.newCDPSession(page);
  try {
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    return usedSize;
  } finally {
    await cdp.detach().catch(() => {});
  }
}

/** Main-thread busy time (all tasks) from Chromium's own counters; read() is ms since start(). */
export async function mainThreadTimer(context: BrowserContext, page: Page): Promise<{ read(): Promise<number> }> {
  // One session throughout: enabling the domain again would restart the counters.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const now = async (): Promise<number> => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return (metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN) * 1000;
  };
  const start = await now();
  return {
    async read() {
      const ms = (await now()) - start;
      await cdp.detach().catch(() => {});
      return ms;
    },
  };
}

/** Deterministic pseudo-random numbers (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What the probes are told before the page loads. */
export interface ProbeConfig {
  /** Devices the engine processes whatever the page shows (a bench-only interest source, like an alarm rule). */
  readonly watch?: readonly string[];
  /** Devices whose value arrivals the worker logs while sampling. */
  readonly sample?: readonly string[];
  /** Sample from the start (before the first connection), not only between `sampling = true` and `false`. */
  readonly samplingFromStart?: boolean;
}

const probeScript = readFileSync(join(repoRoot, 'bench', 'page', 'probe.js'), 'utf8');
const workerProbeScript = readFileSync(join(repoRoot, 'bench', 'page', 'worker-probe.js'), 'utf8');

/** A Holdfast page with the probes in place, and its engine worker once it runs. */
export interface HoldfastPage {
  readonly page: Page;
  readonly workers: PageWorkers;
  /** The engine worker (waits for it to start and take the probe). */
  engine(): Promise<WorkerTarget>;
  /** The page's and the worker's clock offsets from Node, now. */
  clocks(): Promise<{ page: ClockOffset; worker: ClockOffset }>;
  /**
   * Make it the active tab again (after another page opened). Chromium keeps a background tab "visible"
   * under Playwright's flags but draws only the active one, so a background page gets ~1 animation frame
   * a second, and Holdfast applies the host's diffs in animation frames.
   */
  front(): Promise<void>;
  close(): Promise<void>;
}

export async function holdfastPage(context: BrowserContext, config: ProbeConfig = {}): Promise<HoldfastPage> {
  const page = await context.newPage();
  await page.addInitScript({ content: `window.__hfBenchConfig = ${JSON.stringify(config)}; window.__hfWorkerProbeSource = ${JSON.stringify(workerProbeScript)};` });
  await page.addInitScript({ content: probeScript });
  page.on('pageerror', (err) => log(`page error: ${err.message}`));
  // The active tab (see front()).
  await page.bringToFront();
  const workers = await PageWorkers.attach(context, page);
  let engine: WorkerTarget | null = null;
  const hf: HoldfastPage = {
    page,
    workers,
    async engine() {
      if (!engine || engine.gone) engine = await workers.engine();
      return engine;
    },
    async clocks() {
      const w = await hf.engine();
      return { page: await clockOffset(() => evaluate<number>(page, 'performance.timeOrigin + performance.now()')), worker: await w.clock() };
    },
    async front() {
      await page.bringToFront();
    },
    async close() {
      await workers.detach();
      await page.close();
    },
  };
  return hf;
}
