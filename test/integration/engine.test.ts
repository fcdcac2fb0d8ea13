import 'fake-indexeddb/auto';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../sim/stack.js';
import type { OutboxEntry, OutboxState } from '../../src/model/types.js';
import { reasonText } from '../../src/ui/entry-text.js';
import { BROKERS } from '../support/brokers.js';
import { NodeConsole, until, type ConsoleView } from '../support/node-console.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';

/**
 * The real console and engine host (Console → client → EngineHost → OutboxEngine → mqtt.js) against each real
 * broker (embedded aedes, MQTT 3.1.1; Mosquitto 2, MQTT 5 with an ACL) and
 * the simulated vp4, with the network cut at a TCP proxy. IndexedDB is
 * fake-indexeddb here; the browser suite covers the real one.
 */
const VP4 = 'homie5:vp4';
let stack: Stack;
let proxy: FaultProxy;
let hub: NodeConsole | undefined;
let dbCounter = 0;

function newHub(): NodeConsole {
  hub = new NodeConsole({ dbName: `holdfast-it-${process.pid}-${++dbCounter}`, host: { engine: { quietMs: 300, echoDeadlineMs: 2000 } } });
  return hub;
}

const connected = (s: ConsoleView) => s.connection?.status === 'open' && s.status?.live === true;
const value = (s: ConsoleView, prop: string) => s.devices.get(VP4)?.values.get(prop)?.value;
/** Sets the broker routed; waits for the spy first, since on Mosquitto it is a separate client. */
async function sets(prop: string): Promise<string[]> {
  await stack.broker.settle();
  return stack.broker.publishes.filter((p) => p.topic.endsWith(`/${prop}/set`)).map((p) => p.payload);
}
const entryIn = (state: OutboxState) => (s: ConsoleView) => s.outbox.find((e) => e.state === state);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wipe retained topics, as a broker restart without persistence would. */
async function clearRetained(topics: string[]): Promise<void> {
  // As the device: on Mosquitto only it may write status topics.
  const client = await mqtt.connectAsync(stack.broker.tcpUrl, { protocolVersion: 4, ...stack.broker.credentials('device') });
  for (const t of topics) await client.publishAsync(t, '', { retain: true, qos: 1 });
  await client.endAsync();
}

async function settledEntries(h: NodeConsole): Promise<OutboxEntry[]> {
  return h.db.outbox.toArray();
}

describe.each(BROKERS)('outbox engine against %s', (brokerKind) => {
  beforeEach(async () => {
    stack = await startStack({ broker: brokerKind, brokerPort: 0, controlPort: 0, temperatureIntervalMs: 60_000 });
    const target = new URL(stack.brokerWsUrl);
    proxy = await startFaultProxy({ targetHost: target.hostname, targetPort: Number(target.port) });
  });

  afterEach(async () => {
    await hub?.dispose();
    hub = undefined;
    await proxy.close();
    await stack.stop();
  });

  // aedes refuses an MQTT 5 CONNECT; Mosquitto takes it. Either way the version that worked is remembered.
  const expectedVersion = brokerKind === 'aedes' ? 4 : 5;
  it(`${brokerKind === 'aedes' ? 'falls back to MQTT 3.1.1' : 'uses MQTT 5'} on ${brokerKind} and remembers it`, async () => {
    const h = newHub();
    await h.start({ defaultBrokerUrl: proxy.url('/') });
    await until(h, connected);
    expect(h.state.connection?.protocolVersion).toBe(expectedVersion);
    expect(await h.settings.get('protocolByBroker')).toEqual({ [h.console.profiles.active!.url]: expectedVersion });
    const log = h.state.connection?.log.map((l) => l.message) ?? [];
    expect(log.some((m) => /falling back to (MQTT )?3\.1\.1/.test(m))).toBe(brokerKind === 'aedes');
  });

  it('discards an edit whose base went stale offline, publishing nothing', async () => {
    const h = newHub();
    await h.start({ defaultBrokerUrl: proxy.url('/') });
    await until(h, (s) => connected(s) && value(s, 'genlock/phase-h') === 22);
    proxy.refuse();
    proxy.drop();
    await until(h, (s) => !connected(s));
    stack.setFromPanel('vp4', 'genlock/phase-h', -25);
    const queued = await h.edit(VP4, 'genlock/phase-h', 25);
    expect(queued.action).toBe('insert');
    proxy.pass();
    const discarded = await until(h, entryIn('discarded'), 15_000);
    expect(discarded).toMatchObject({ desired: 25, base: { value: 22 }, fresh: -25 });
    expect(await sets('genlock/phase-h')).toEqual([]);

    await h.reapply(discarded.seq!, VP4, 'genlock/phase-h');
    await until(h, (s) => value(s, 'genlock/phase-h') === 25 && s.outbox.length === 0);
    expect(await sets('genlock/phase-h')).toEqual(['25']);
  });

  it('sends an online edit at once and confirms it by the echo', async () => {
    const h = newHub();
    await h.start({ defaultBrokerUrl: proxy.url('/') });
    await until(h, (s) => connected(s) && value(s, 'genlock/phase-v') === 0);
    await h.edit(VP4, 'genlock/phase-v', 17);
    await until(h, (s) => value(s, 'genlock/phase-v') === 17 && s.outbox.length === 0);
    const rows = await settledEntries(h);
    expect(rows.map((r) => r.state)).toEqual(['confirmed']);
    expect(await sets('genlock/phase-v')).toEqual(['17']);
  });

  it('after a crash, an entry left "sending" is re-judged, never blindly resent', async () => {
    // A previous leader died after writing "sending"; the device meanwhile shows the desired value.
    const first = newHub();
    await first.db.outbox.add({
      cmdId: 'crash-1',
      deviceId: VP4,
      propertyId: 'genlock/phase-h',
      desired: 40,
      base: { value: 22, receivedAt: Date.now() - 10_000, session: 'earlier', renderedIn: 'earlier' },
      state: 'sending',
      createdAt: Date.now() - 10_000,
      updatedAt: Date.now() - 9_000,
      attempts: 1,
    });
    await first.db.outbox.add({
      cmdId: 'crash-2',
      deviceId: VP4,
      propertyId: 'genlock/phase-v',
      desired: 9,
      base: { value: 0, receivedAt: Date.now() - 10_000, session: 'earlier', renderedIn: 'earlier' },
      state: 'sent',
      createdAt: Date.now() - 10_000,
      updatedAt: Date.now() - 9_000,
      attempts: 1,
    });
    stack.setFromPanel('vp4', 'genlock/phase-h', 40);
    await first.start({ defaultBrokerUrl: proxy.url('/') });
    await until(first, (s) => connected(s));
    await until(first, (s) => value(s, 'genlock/phase-v') === 9, 15_000);
    await sleep(500);
    const rows = await settledEntries(first);
    expect(rows.find((r) => r.cmdId === 'crash-1')?.state).toBe('confirmed');
    expect(rows.find((r) => r.cmdId === 'crash-2')?.state).toBe('confirmed');
    // crash-1 was already applied: no publish; crash-2 still matched its base: exactly one.
    expect(await sets('genlock/phase-h')).toEqual([]);
    expect(await sets('genlock/phase-v')).toEqual(['9']);
  });

  it('holds an edit while the device is gone, and never sends it', async () => {
    const h = newHub();
    await h.start({ defaultBrokerUrl: proxy.url('/') });
    await until(h, (s) => connected(s) && value(s, 'genlock/phase-h') === 22);
    proxy.refuse();
    proxy.drop();
    await until(h, (s) => !connected(s));
    // The device goes away for good and its retained status is wiped.
    await stack.devices.get('vp4')!.stop();
    await clearRetained(['homie/5/vp4/genlock/phase-h', 'homie/5/vp4/genlock/phase-h/$target']);
    await h.edit(VP4, 'genlock/phase-h', 5);
    proxy.pass();
    // The device announced it is disconnected: its last report is no safe base, so the edit waits for it.
    const held = await until(h, entryIn('held'), 15_000);
    expect(reasonText(held.reason!, { schema: undefined, deviceName: 'VP4', live: true })).toMatch(/not available/);
    await sleep(1000);
    expect(await sets('genlock/phase-h')).toEqual([]);
  });

  it('ends an edit unverified, saying why, when the device is there but never reports the setting after reconnecting', async () => {
    const h = newHub();
    await h.start({ defaultBrokerUrl: proxy.url('/') });
    await until(h, (s) => connected(s) && value(s, 'genlock/phase-h') === 22);
    proxy.refuse();
    proxy.drop();
    await until(h, (s) => !connected(s));
    // The broker loses the retained status (a restart without persistence); the device stays up but quiet.
    await clearRetained(['homie/5/vp4/genlock/phase-h', 'homie/5/vp4/genlock/phase-h/$target']);
    await h.edit(VP4, 'genlock/phase-h', 5);
    proxy.pass();
    const unverified = await until(h, entryIn('unverified'), 15_000);
    expect(reasonText(unverified.reason!, { schema: undefined, deviceName: 'VP4', live: true })).toMatch(/did not report/);
    expect(await sets('genlock/phase-h')).toEqual([]);
    // Send anyway is the operator's explicit choice: then it goes, once.
    await h.console.sendAnyway(unverified.seq!);
    await until(h, (s) => value(s, 'genlock/phase-h') === 5 && s.outbox.length === 0, 15_000);
    expect(await sets('genlock/phase-h')).toEqual(['5']);
  });
});
