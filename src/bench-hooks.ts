import type { Console } from './app/console.js';

type BenchProbe = (console: Console) => void;

/**
 * Opt-in hook for `npm run bench`: with `?bench` in the URL, the Console is handed
 * to a probe the benchmark injected before the page loaded (bench/page/probe.js).
 * The probe does all the timing itself by subscribing to the Console's client, so the
 * app carries this one check and no measurement code. Without both the
 * parameter and an injected probe, nothing happens.
 */
export function offerToBench(hub: Console): void {
  const probe = (globalThis as { __holdfastBench?: BenchProbe }).__holdfastBench;
  if (typeof probe === 'function' && new URLSearchParams(location.search).has('bench')) probe(hub);
}
