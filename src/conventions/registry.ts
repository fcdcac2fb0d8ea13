/**
 * The adapters the router tries, in order: specific before generic.
 *
 *   1. mapped   exact topics named in the mapping file (may lie anywhere, even under homie/)
 *   2. homie5   <root>/5/…
 *   3. homie4   <root>/… except <root>/5/…, and only devices whose $homie is 3.x or 4.x
 *   4. ha       <prefix>/…/config and the state/availability topics its configs named
 *
 * The router gives a message to the first adapter whose handles() claims it.
 */
import type { ConventionAdapter } from './adapter.js';
import { HaDiscoveryAdapter } from './ha-discovery.js';
import { Homie4Adapter } from './homie4.js';
import { Homie5Adapter } from './homie5.js';
import { MappedAdapter, type MappingFile } from './mapped.js';

export interface AdapterOptions {
  /** Home Assistant discovery prefix; default "homeassistant". */
  readonly haPrefix?: string;
  /** A mapping file already checked by parseMapping; without it there is no mapped adapter. */
  readonly mapping?: MappingFile;
  /** Homie base topic for Homie 5 and Homie 3/4; default "homie". */
  readonly homieRoot?: string;
}

export function createAdapters(opts: AdapterOptions = {}): ConventionAdapter[] {
  const root = opts.homieRoot !== undefined ? { root: opts.homieRoot } : {};
  return [
    ...(opts.mapping !== undefined ? [new MappedAdapter(opts.mapping)] : []),
    new Homie5Adapter(root),
    new Homie4Adapter(root),
    new HaDiscoveryAdapter(opts.haPrefix !== undefined ? { prefix: opts.haPrefix } : {}),
  ];
}
