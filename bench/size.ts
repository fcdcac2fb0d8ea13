// `npm run size`: what the console costs to load, from dist/, gzip -9 per
// chunk. "Initial" is what index.html loads before anything renders (its
// scripts, styles and modulepreloads, and every chunk they import
// statically); everything else is lazy. "App" is the part of the lazy
// chunks the initial code loads by itself (its own dynamic imports, and what
// those import statically): the console proper, which the entry loads once
// it has painted the last-known state. Exits 1 when bench/size-budget.json
// is exceeded.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { distDir, ensureBuild, repoRoot } from './build.js';

export interface ChunkSize {
  /** Path inside dist/, e.g. assets/index-AbC123xy.js */
  readonly file: string;
  /** The chunk's name without its content hash, e.g. "index", "mqtt". */
  readonly name: string;
  readonly bytes: number;
  readonly gzip: number;
}

export interface SizeReport {
  readonly initial: readonly ChunkSize[];
  readonly lazy: readonly ChunkSize[];
  /** The lazy chunks the initial code itself imports (the app after the first paint); also counted in `lazy`. */
  readonly app: readonly ChunkSize[];
  readonly serviceWorker: ChunkSize | null;
  readonly totals: { readonly initialJs: number; readonly initialCss: number; readonly lazy: number; readonly app: number };
}

export interface SizeBudget {
  /** gzip -9 bytes. */
  readonly initial: { readonly js: number; readonly css: number };
  /** The app the initial code loads by itself, in total. */
  readonly app?: number;
  /** Per lazy chunk, by name (hash stripped). */
  readonly chunks?: Readonly<Record<string, number>>;
  readonly lazyTotal?: number;
  readonly serviceWorker?: number;
}

export const budgetFile = join(repoRoot, 'bench', 'size-budget.json');

function chunkName(file: string): string {
  const base = file.split('/').pop() ?? file;
  // Vite names chunks <name>-<8-character hash>.<ext>; the hash may itself contain "-" or "_".
  return /^(.+?)-[\w-]{8}\.(?:js|css)$/.exec(base)?.[1] ?? base.replace(/\.(?:js|css)$/, '');
}

function sizeOf(root: string, file: string): ChunkSize {
  const buf = readFileSync(join(root, file));
  return { file, name: chunkName(file), bytes: buf.length, gzip: gzipSync(buf, { level: 9 }).length };
}

/** Static imports and re-exports of a built ES module (not import(), which is lazy by definition). */
const STATIC_IMPORT = /(?:^|[;}\s])(?:import|export)\s*(?:[\w$*{}\s,]*?from\s*)?["']([^"']+\.js)["']/g;
/** Dynamic imports with a literal specifier, e.g. import(`./app-bundle-AbC123xy.js`). */
const DYNAMIC_IMPORT = /\bimport\(\s*["'`]([^"'`$]+\.js)["'`]\s*\)/g;

function localPath(root: string, fromFile: string, spec: string): string | null {
  if (/^[a-z]+:/i.test(spec) || spec.startsWith('//')) return null;
  const abs = spec.startsWith('/') ? join(root, spec) : resolve(root, dirname(fromFile), spec);
  const rel = relative(root, abs);
  return rel.startsWith('..') ? null : rel.split('\\').join('/');
}

export function measureSize(root: string = distDir): SizeReport {
  const html = readFileSync(join(root, 'index.html'), 'utf8');
  const initial = new Set<string>();
  const queue: string[] = [];
  const add = (file: string | null): void => {
    if (file === null || initial.has(file) || !existsSync(join(root, file))) return;
    initial.add(file);
    if (file.endsWith('.js')) queue.push(file);
  };
  for (const m of html.matchAll(/<script\b[^>]*\bsrc=["']([^"']+)["'][^>]*>/g)) add(localPath(root, 'index.html', m[1]!));
  for (const m of html.matchAll(/<link\b[^>]*>/g)) {
    const tag = m[0];
    const rel = /\brel=["']([^"']+)["']/.exec(tag)?.[1] ?? '';
    const href = /\bhref=["']([^"']+)["']/.exec(tag)?.[1];
    if (href && (rel === 'stylesheet' || rel === 'modulepreload')) add(localPath(root, 'index.html', href));
  }
  while (queue.length > 0) {
    const file = queue.shift()!;
    const code = readFileSync(join(root, file), 'utf8');
    for (const m of code.matchAll(STATIC_IMPORT)) add(localPath(root, file, m[1]!));
  }
  // The app: what the initial code imports dynamically, with everything that imports statically.
  const app = new Set<string>();
  const appQueue: string[] = [];
  const addApp = (file: string | null): void => {
    if (file === null || initial.has(file) || app.has(file) || !existsSync(join(root, file))) return;
    app.add(file);
    appQueue.push(file);
  };
  for (const file of [...initial].filter((f) => f.endsWith('.js'))) {
    for (const m of readFileSync(join(root, file), 'utf8').matchAll(DYNAMIC_IMPORT)) addApp(localPath(root, file, m[1]!));
  }
  while (appQueue.length > 0) {
    const file = appQueue.shift()!;
    for (const m of readFileSync(join(root, file), 'utf8').matchAll(STATIC_IMPORT)) addApp(localPath(root, file, m[1]!));
  }
  const assets = existsSync(join(root, 'assets')) ? readdirSync(join(root, 'assets')).map((f) => `assets/${f}`) : [];
  const lazy = assets.filter((f) => /\.(?:js|css)$/.test(f) && !initial.has(f)).map((f) => sizeOf(root, f));
  const first = [...initial].map((f) => sizeOf(root, f));
  const sum = (list: readonly ChunkSize[], ext?: string): number => list.filter((c) => !ext || c.file.endsWith(ext)).reduce((n, c) => n + c.gzip, 0);
  const bySize = (a: ChunkSize, b: ChunkSize): number => b.gzip - a.gzip;
  const appChunks = lazy.filter((c) => app.has(c.file));
  return {
    initial: first.sort(bySize),
    lazy: lazy.sort(bySize),
    app: appChunks.sort(bySize),
    serviceWorker: existsSync(join(root, 'sw.js')) ? sizeOf(root, 'sw.js') : null,
    totals: { initialJs: sum(first, '.js'), initialCss: sum(first, '.css'), lazy: sum(lazy), app: sum(appChunks) },
  };
}

/** Every budget line the report exceeds, in words. */
export function overBudget(report: SizeReport, budget: SizeBudget): string[] {
  const over: string[] = [];
  const check = (what: string, actual: number, limit: number | undefined): void => {
    if (limit !== undefined && actual > limit) over.push(`${what}: ${kb(actual)} gzip is over its budget of ${kb(limit)}`);
  };
  check('initial JS', report.totals.initialJs, budget.initial.js);
  check('initial CSS', report.totals.initialCss, budget.initial.css);
  check('the app (loaded by the initial code)', report.totals.app, budget.app);
  check('lazy chunks in total', report.totals.lazy, budget.lazyTotal);
  for (const c of report.lazy) check(`lazy chunk "${c.name}"`, c.gzip, budget.chunks?.[c.name]);
  if (report.serviceWorker) check('service worker', report.serviceWorker.gzip, budget.serviceWorker);
  return over;
}

export function readBudget(): SizeBudget {
  return JSON.parse(readFileSync(budgetFile, 'utf8')) as SizeBudget;
}

export function kb(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} kB`;
}

export function formatSize(report: SizeReport, budget?: SizeBudget): string {
  const rows: string[][] = [['', 'minified', 'gzip -9', 'budget']];
  const chunkRow = (c: ChunkSize, limit?: number): string[] => [`  ${c.file}`, kb(c.bytes), kb(c.gzip), limit !== undefined ? kb(limit) : ''];
  rows.push(['Initial (loaded before the first render)', '', '', '']);
  for (const c of report.initial) rows.push(chunkRow(c));
  rows.push(['  = initial JS', '', kb(report.totals.initialJs), budget ? kb(budget.initial.js) : '']);
  rows.push(['  = initial CSS', '', kb(report.totals.initialCss), budget ? kb(budget.initial.css) : '']);
  rows.push(['The app (loaded by the initial code right after the first paint)', '', '', '']);
  for (const c of report.app) rows.push(chunkRow(c));
  rows.push(['  = the app', '', kb(report.totals.app), budget?.app !== undefined ? kb(budget.app) : '']);
  rows.push(['Lazy (loaded on demand; the app included)', '', '', '']);
  for (const c of report.lazy) rows.push(chunkRow(c, budget?.chunks?.[c.name]));
  rows.push(['  = lazy in total', '', kb(report.totals.lazy), budget?.lazyTotal !== undefined ? kb(budget.lazyTotal) : '']);
  if (report.serviceWorker) rows.push(['Service worker', '', '', ''], chunkRow(report.serviceWorker, budget?.serviceWorker));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd()).join('\n');
}

async function main(): Promise<void> {
  ensureBuild({ force: process.argv.includes('--build'), log: (l) => console.log(l) });
  const report = measureSize();
  const budget = readBudget();
  console.log(formatSize(report, budget));
  const over = overBudget(report, budget);
  if (over.length > 0) {
    console.error(`\nSize budget exceeded (${relative(repoRoot, budgetFile)}):\n${over.map((o) => `  - ${o}`).join('\n')}`);
    process.exit(1);
  }
  console.log(`\nWithin budget (${relative(repoRoot, budgetFile)}).`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
