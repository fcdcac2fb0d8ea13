// What the soak samples in the browser: JS heap after a forced GC (each page
// and the engine worker), the IndexedDB tables against their bounds, the DOM
// size, and the longest main-thread tasks.

import type { BrowserContext, Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { PageWorkers } from '../../bench/cdp.js';

export interface HeapSample {
  /** Minutes since the soak started. */
  readonly minute: number;
  /** Sum over the open pages and the engine worker, MB. */
  readonly totalMb: number;
  readonly parts: Readonly<Record<string, number>>;
}

/** Least-squares slope of y over x (per unit of x); 0 with fewer than two points. */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const MB = 1024 * 1024;

/**
 * Readings per sample, a second apart; the smallest counts. A leak is there
 * in every reading; what a path flap's replay or a table trim holds for a
 * moment is not (single readings showed such spikes of 2–3 MB).
 */
const READINGS = 3;
const READING_GAP_MS = 1000;

async function smallestOf(read: () => Promise<number>): Promise<number> {
  let least = Infinity;
  for (let i = 0; i < READINGS; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, READING_GAP_MS));
    least = Math.min(least, await read());
  }
  return least;
}

/** One page's JS heap after GC, MB (the smallest of a few readings). */
export async function pageHeapMb(context: BrowserContext, page: Page): Promise<number> {
  const cdp = await context.newCDPSession(page);
  try {
    return await smallestOf(async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      const { usedSize } = await cdp.send('Runtime.getHeapUsage');
      return usedSize / MB;
    });
  } finally {
    await cdp.detach().catch(() => {});
  }
}

/** The heap after GC of the page's dedicated workers (the engine's, in the leader tab), MB, the smallest of a few readings; null if it has none. */
export async function workerHeapMb(context: BrowserContext, page: Page): Promise<number | null> {
  const workers = await PageWorkers.attach(context, page);
  try {
    // Existing workers are announced right after auto-attach is switched on.
    await new Promise((r) => setTimeout(r, 300));
    const list = workers.list();
    if (list.length === 0) return null;
    let total = 0;
    for (const w of list) total += await smallestOf(() => w.heapAfterGc());
    return total / MB;
  } finally {
    await workers.detach().catch(() => {});
  }
}

export interface TableSize {
  readonly rows: number;
  /** Rows that count against the bound (all, or the finished ones). */
  readonly counted: number;
  /** Estimated from a sample of rows (JSON length), MB. */
  readonly mb: number;
}

/** Every table of the console's database: rows, and an estimate of its size. */
export function tableSizes(page: Page, finishedStates: readonly string[]): Promise<Record<string, TableSize>> {
  return page.evaluate(async (finished) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('holdfast');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const out: Record<string, { rows: number; counted: number; mb: number }> = {};
    const ask = <T>(r: IDBRequest<T>): Promise<T> => new Promise((resolve, reject) => ((r.onsuccess = () => resolve(r.result)), (r.onerror = () => reject(r.error))));
    for (const name of [...db.objectStoreNames]) {
      const store = db.transaction(name).objectStore(name);
      const rows = await ask(store.count());
      const sample = (await ask(store.getAll(null, 200))) as unknown[];
      const avg = sample.length === 0 ? 0 : sample.reduce<number>((s, r) => s + JSON.stringify(r).length, 0) / sample.length;
      let counted = rows;
      if (name === 'outbox') {
        const all = (await ask(store.getAll())) as { state: string }[];
        counted = all.filter((r) => finished.includes(r.state)).length;
      }
      out[name] = { rows, counted, mb: (rows * avg) / (1024 * 1024) };
    }
    db.close();
    return out;
  }, finishedStates);
}

/** Everything the origin stores (IndexedDB, the service worker's caches), MB. */
export function originUsageMb(page: Page): Promise<number> {
  return page.evaluate(async () => ((await navigator.storage.estimate()).usage ?? 0) / (1024 * 1024));
}

/** Elements in the document and every shadow root. */
export function domNodes(page: Page): Promise<number> {
  return page.evaluate(() => {
    const count = (root: Document | ShadowRoot): number => {
      let n = 0;
      for (const el of root.querySelectorAll('*')) n += 1 + (el.shadowRoot ? count(el.shadowRoot) : 0);
      return n;
    };
    return count(document);
  });
}

/**
 * Investigation aid, off by default: with SOAK_SNAPSHOTS=<dir> the soak
 * writes heap snapshots of each tab and its engine worker at the minutes in
 * SOAK_SNAPSHOT_MINUTES (e.g. "3,15"), for `tsx bench/heap-census.ts a b`.
 */
export async function writeHeapSnapshots(context: BrowserContext, page: Page, prefix: string): Promise<string[]> {
  const written: string[] = [];
  const cdp = await context.newCDPSession(page);
  try {
    const chunks: string[] = [];
    cdp.on('HeapProfiler.addHeapSnapshotChunk', (e) => chunks.push(e.chunk));
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    writeFileSync(`${prefix}-page.heapsnapshot`, chunks.join(''));
    written.push(`${prefix}-page.heapsnapshot`);
  } finally {
    await cdp.detach().catch(() => {});
  }
  const workers = await PageWorkers.attach(context, page);
  try {
    await new Promise((r) => setTimeout(r, 300));
    let i = 0;
    for (const w of workers.list()) {
      const file = `${prefix}-worker${i++}.heapsnapshot`;
      writeFileSync(file, await w.heapSnapshot());
      written.push(file);
    }
  } finally {
    await workers.detach().catch(() => {});
  }
  return written;
}
