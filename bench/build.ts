// Make sure dist/ holds a production build of the current sources: the
// benchmarks measure what ships, and must work from a fresh clone.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const distDir = join(repoRoot, 'dist');

/** Inputs of the build; dist/ older than any of them is rebuilt. */
const INPUTS = ['src', 'sw', 'public', 'index.html', 'manifest.json', 'vite.config.ts', 'package-lock.json'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Why dist/ must be (re)built, or null if it is current. */
export function buildReason(): string | null {
  const index = join(distDir, 'index.html');
  if (!existsSync(index)) return 'dist/ has no build';
  const built = statSync(index).mtimeMs;
  const changed = INPUTS.find((p) => newestMtime(join(repoRoot, p)) > built);
  return changed ? `${changed} changed since the last build` : null;
}

/** Build with the project's own Vite config (also builds the service worker) when missing, stale or forced. */
export function ensureBuild(opts: { force?: boolean; log?: (line: string) => void } = {}): void {
  const reason = opts.force ? 'asked to (--build)' : buildReason();
  if (reason === null) return;
  opts.log?.(`Building dist/ (${reason})…`);
  const vite = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`vite build failed (exit ${result.status ?? result.signal})`);
}
