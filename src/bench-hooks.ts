import type { Hub } from './engine/hub.js';

type BenchProbe = (hub: Hub) => void;

/**
 * Opt-in hook for `npm run bench`: with `?bench` in the URL, the Hub is handed
 * to a probe the benchmark injected before the page loaded (bench/page/probe.js).
 * The probe does all the timing itself by wrapping the Hub's stores, so the
 * app carries this one check and no measurement code. Without both the
 * parameter and an injected probe, nothing happens.
 */
export function offerToBench(hub: Hub): void {
  const probe = (globalThis as { __holdfastBench?: BenchProbe }).__holdfastBench;
  if (typeof probe === 'function' && new URLSearchParams(location.search).has('bench')) probe(hub);
}
