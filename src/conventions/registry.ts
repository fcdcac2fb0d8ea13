/**
 * The adapters the router tries, in order: specific before generic.
 *
 *   1. mapped   exact topics named in the mapping file (may lie anywhere, even under homie/)
 *   2. homie5   <root>/5/… under the configured roots, and devices the scan `+/5/+/$state` found elsewhere
 *   3. homie4   <root>/<device>/… except <root>/5/…, under the configured roots and devices the scan `+/+/$homie` found
 *   4. zigbee2mqtt  <base>/bridge/devices, <base>/bridge/state and the topics of the devices it lists
 *   5. ha       <prefix>/…/config and the state/availability topics its configs named
 *
 * The router gives a message to the first adapter whose handles() claims it.
 */
import type { ConventionAdapter } from './adapter.js';
import { HaDiscoveryAdapter } from './ha/adapter.js';
import { Homie4Adapter } from './homie4.js';
import { Homie5Adapter } from './homie5.js';
import { MappedAdapter, type MappingFile } from './mapped.js';
import { Zigbee2mqttAdapter } from './zigbee2mqtt.js';

export interface AdapterOptions {
  /** Home Assistant discovery prefix; default "homeassistant". */
  readonly haPrefix?: string;
  /** A mapping file already checked by parseMapping; without it there is no mapped adapter. */
  readonly mapping?: MappingFile;
  /** Homie base topics for Homie 5 and Homie 3/4, always subscribed; default ["homie"]. */
  readonly homieRoots?: readonly string[];
  /** Also discover Homie devices under any other base topic (`+/+/$homie`, `+/5/+/$state`); default true. */
  readonly homieScan?: boolean;
  /** Zigbee2MQTT base topic (its mqtt.base_topic); default "zigbee2mqtt". */
  readonly z2mBase?: string;
}

export function createAdapters(opts: AdapterOptions = {}): ConventionAdapter[] {
  const homie = { ...(opts.homieRoots !== undefined ? { roots: opts.homieRoots } : {}), ...(opts.homieScan !== undefined ? { scan: opts.homieScan } : {}) };
  return [
    ...(opts.mapping !== undefined ? [new MappedAdapter(opts.mapping)] : []),
    new Homie5Adapter(homie),
    new Homie4Adapter(homie),
    new Zigbee2mqttAdapter(opts.z2mBase !== undefined ? { base: opts.z2mBase } : {}),
    new HaDiscoveryAdapter(opts.haPrefix !== undefined ? { prefix: opts.haPrefix } : {}),
  ];
}
