// Which brokers the integration suites run against. Default: both, so CI
// covers the embedded aedes (MQTT 3.1.1) and a real Mosquitto 2 (MQTT 5,
// password file, ACL). A developer without Mosquitto, or chasing one broker's
// bug, narrows it: HOLDFAST_BROKERS=aedes npx vitest run test/integration
//
// The Playwright suite selects brokers by project instead:
//   npx playwright test --project=mosquitto

import { BROKER_KINDS, type BrokerKind } from '../../sim/stack.js';

export type { BrokerKind };

/** Parse a comma-separated broker list; unknown names fail loudly rather than silently running nothing. */
export function parseBrokers(spec: string | undefined): BrokerKind[] {
  const names = (spec ?? BROKER_KINDS.join(','))
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const unknown = names.filter((n) => !(BROKER_KINDS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new Error(`HOLDFAST_BROKERS: unknown broker ${unknown.map((u) => JSON.stringify(u)).join(', ')}; use a comma-separated list of ${BROKER_KINDS.join(', ')}`);
  }
  const kinds = [...new Set(names)] as BrokerKind[];
  if (kinds.length === 0) throw new Error(`HOLDFAST_BROKERS is empty; use a comma-separated list of ${BROKER_KINDS.join(', ')}`);
  return kinds;
}

/** The brokers selected for this run, in a stable order. */
export const BROKERS: readonly BrokerKind[] = parseBrokers(process.env['HOLDFAST_BROKERS']);

export function brokerSelected(kind: BrokerKind): boolean {
  return BROKERS.includes(kind);
}
