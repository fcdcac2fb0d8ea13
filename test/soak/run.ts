// npm run soak -- --minutes N  (default 3: the CI version; the README's figure is --minutes 60)
//
// Runs test/soak/soak.spec.ts in Chromium against Mosquitto, then prints what
// it measured; the last line is exactly
//   soak: <minutes> min, heap slope <x> MB/h, db <y> MB, violations <n>

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '3' }, out: { type: 'string', default: 'test-results/soak.json' } } });
const minutes = Number(values.minutes);
if (!Number.isFinite(minutes) || minutes < 1) {
  console.error('soak: --minutes must be a whole number of minutes ≥ 1');
  process.exit(2);
}
const out = values.out!;
mkdirSync('test-results', { recursive: true });
rmSync(out, { force: true });

if (!existsSync('dist/index.html')) {
  const build = spawnSync('npx', ['vite', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const run = spawnSync('npx', ['playwright', 'test', '--config', 'playwright.soak.config.ts'], {
  stdio: 'inherit',
  env: { ...process.env, SOAK_MINUTES: String(minutes), SOAK_OUT: out },
});

interface SoakResult {
  minutes: number;
  properties: number;
  statusRate: number;
  edits: number;
  sets: number;
  flaps: number;
  heapSlopeMbPerHour: number;
  heap: { minute: number; totalMb: number; parts: Record<string, number> }[];
  dbMb: number;
  originUsageMb: number;
  tables: Record<string, { rows: number; counted: number; mb: number }>;
  bounds: Record<string, number | null>;
  overBound: string[];
  domNodes: { first: number; last: number; max: number };
  longestTasksMs: number[];
  longestSteadyTasksMs: number[];
  longtasks: number;
  settled: boolean;
  violations: number;
  findings: Record<string, string[]>;
  info: Record<string, number>;
}

if (!existsSync(out)) {
  console.error('soak: the run ended without a result (see the output above)');
  process.exit(run.status === 0 ? 1 : (run.status ?? 1));
}
const r = JSON.parse(readFileSync(out, 'utf8')) as SoakResult;
console.log('');
console.log(`soak: ${r.properties} properties, ${r.statusRate} status/s, ${r.edits} edits (${r.sets} sets), ${r.flaps} path flaps, the leader tab closed once`);
console.log(`soak: heap after GC by minute: ${r.heap.map((h) => `${h.minute}:${h.totalMb.toFixed(1)}`).join(' ')} MB`);
// Pages and the engine worker apart, with the tab names generalised (the leader moves when its tab closes).
const partsAt = (h: SoakResult['heap'][number] | undefined): string =>
  h ? Object.entries(h.parts).map(([k, v]) => `${k.replace(/\d+/, '#')} ${v.toFixed(1)}`).join(', ') : 'none';
console.log(`soak: heap by part, minute ${r.heap[Math.min(5, r.heap.length - 1)]?.minute ?? 0}: ${partsAt(r.heap[Math.min(5, r.heap.length - 1)])}; last: ${partsAt(r.heap.at(-1))} MB`);
for (const [name, t] of Object.entries(r.tables)) {
  const bound = r.bounds[name];
  console.log(`soak:   table ${name.padEnd(13)} ${String(t.rows).padStart(7)} rows ${t.mb.toFixed(2).padStart(7)} MB${bound === null || bound === undefined ? '' : `  (bound ${bound}${t.counted !== t.rows ? `, ${t.counted} counted` : ''})`}`);
}
console.log(`soak: origin storage ${r.originUsageMb.toFixed(1)} MB; DOM nodes ${r.domNodes.first} → ${r.domNodes.last} (max ${r.domNodes.max}); ${r.longtasks} long tasks, longest ${r.longestTasksMs.map((t) => t.toFixed(0)).join(', ')} ms (after start-up: ${r.longestSteadyTasksMs.map((t) => t.toFixed(0)).join(', ') || 'none'})`);
for (const [k, n] of Object.entries(r.info)) console.log(`soak:   ${k}: ${n}`);
for (const [c, list] of Object.entries(r.findings)) for (const v of list.slice(0, 10)) console.log(`soak: VIOLATION ${c}: ${v}`);
for (const o of r.overBound) console.log(`soak: OVER BOUND ${o}`);
console.log(`soak: ${r.minutes} min, heap slope ${r.heapSlopeMbPerHour.toFixed(2)} MB/h, db ${r.dbMb.toFixed(1)} MB, violations ${r.violations}`);
process.exit(run.status ?? 1);
