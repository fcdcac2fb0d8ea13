import type { Console } from './app/console.js';
import type { EngineHost } from './host/engine-host.js';

type BenchProbe<T> = (target: T) => void;

function injectedProbe<T>(): BenchProbe<T> | null {
  const probe = (globalThis as { __holdfastBench?: BenchProbe<T> }).__holdfastBench;
  return typeof probe === 'function' ? probe : null;
}

/**
 * Opt-in hook for `npm run bench`: with `?bench` in the URL, the Console is handed
 * to a probe the benchmark injected before the page loaded (bench/page/probe.js).
 * The probe does all the timing itself by subscribing to the Console's client, so the
 * app carries this one check and no measurement code. Without both the
 * parameter and an injected probe, nothing happens.
 */
export function offerToBench(hub: Console): void {
  const probe = injectedProbe<Console>();
  if (probe && new URLSearchParams(location.search).has('bench')) probe(hub);
}

/**
 * The engine worker's side of the same hook (src/host/worker.ts): when the
 * init options say `bench` and the benchmark injected a probe into the
 * worker (bench/page/worker-probe.js), the EngineHost is handed to it before
 * it starts. Nothing else; without both, nothing happens.
 */
export function offerHostToBench(host: EngineHost, requested: boolean | undefined): void {
  const probe = injectedProbe<EngineHost>();
  if (probe && requested === true) probe(host);
}
