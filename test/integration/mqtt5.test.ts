import 'fake-indexeddb/auto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type MosquittoStackBroker, type Stack } from '../../sim/stack.js';
import { describeEntry } from '../../src/ui/entry-text.js';
import { NodeConsole, until, type ConsoleView } from '../support/node-console.js';
import type { OutboxEntry, OutboxState } from '../../src/model/types.js';
import { brokerSelected } from '../support/brokers.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';

/**
 * What only an MQTT 5 broker can tell the console, checked against a real
 * Mosquitto 2 (aedes speaks 3.1.1 only): PUBACK reason codes 0x87 (the ACL
 * refused the set) and 0x10 (nobody subscribes to the set topic), and the
 * user properties that travel with every set. The real Hub runs in Node with
 * fake-indexeddb; its sets reach Mosquitto through a fault proxy and the
 * WebSocket bridge, anonymously, like the browser's.
 *
 * The devices under test are published from here (as user `device`), so the
 * simulated VP4's schema stays as it is:
 *   homie5:locked  restricted/x, settable, listening on its set topic; the
 *                  ACL lets the console write only genlock/output/system sets.
 *   homie5:mute    output/level, settable and allowed, but nothing subscribes
 *                  to its set topic. The stack's spy is narrowed for that,
 *                  since a spy on `#` would itself be a matching subscriber.
 */
const LOCKED = 'homie5:locked';
const MUTE = 'homie5:mute';
const VP4 = 'homie5:vp4';
const LOCKED_SET = 'homie/5/locked/restricted/x/set';
const MUTE_SET = 'homie/5/mute/output/level/set';
const ECHO_DEADLINE_MS = 2000;

let stack: Stack;
let broker: MosquittoStackBroker;
let proxy: FaultProxy;
let hub: NodeConsole | undefined;
const fakes: MqttClient[] = [];
let dbCounter = 0;

const connected = (s: ConsoleView) => s.connection?.status === 'open' && s.status?.live === true;
const value = (s: ConsoleView, device: string, prop: string) => s.devices.get(device)?.values.get(prop)?.value;
const entryIn = (state: OutboxState) => (s: ConsoleView) => s.outbox.find((e) => e.state === state);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** An entry's state in the words the operator reads. */
const words = (e: OutboxEntry) => describeEntry(e, { schema: undefined, deviceName: e.deviceId, live: true });
/** For conditions outside the console's view (the spy's record). */
async function poll(ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/$]/g, '\\$&');

function newHub(): NodeConsole {
  hub = new NodeConsole({ dbName: `holdfast-mqtt5-${process.pid}-${++dbCounter}`, host: { engine: { quietMs: 300, echoDeadlineMs: ECHO_DEADLINE_MS } } });
  return hub;
}

/** Mosquitto's log lines matching a pattern (log_type all, so every PUBLISH and PUBACK is there). */
function logLines(pattern: RegExp): string[] {
  return broker.log().split('\n').filter((l) => pattern.test(l));
}

/** A minimal Homie 5 device with one settable integer, published retained by user `device`. */
async function fakeDevice(id: string, nodeId: string, propId: string, opts: { listen: boolean }): Promise<{ client: MqttClient; received: string[] }> {
  const client = await mqtt.connectAsync(broker.tcpUrl, { ...broker.credentials('device'), clientId: `fake-${id}`, protocolVersion: 5, reconnectPeriod: 0 });
  fakes.push(client);
  const received: string[] = [];
  const base = `homie/5/${id}`;
  if (opts.listen) {
    client.on('message', (topic, payload) => received.push(`${topic} ${payload.toString()}`));
    await client.subscribeAsync(`${base}/+/+/set`, { qos: 1 });
  }
  const description = {
    homie: '5.0',
    version: 1,
    name: `Fake ${id}`,
    nodes: { [nodeId]: { name: nodeId, properties: { [propId]: { name: `${nodeId} ${propId}`, datatype: 'integer', settable: true } } } },
  };
  const retained = { qos: 1 as const, retain: true };
  await client.publishAsync(`${base}/$state`, 'init', retained);
  await client.publishAsync(`${base}/$description`, JSON.stringify(description), retained);
  await client.publishAsync(`${base}/${nodeId}/${propId}`, '1', retained);
  await client.publishAsync(`${base}/$state`, 'ready', retained);
  return { client, received };
}

describe.skipIf(!brokerSelected('mosquitto'))('MQTT 5 reason codes and user properties against Mosquitto 2', () => {
  beforeEach(async () => {
    stack = await startStack({
      broker: 'mosquitto',
      brokerPort: 0,
      controlPort: 0,
      temperatureIntervalMs: 60_000,
      // Everything these tests look at, but not homie/5/mute/…: see the 0x10 test.
      spyTopics: ['homie/5/vp4/#', 'homie/5/locked/#', 'holdfast/#'],
    });
    if (stack.broker.kind !== 'mosquitto') throw new Error('expected a Mosquitto stack');
    broker = stack.broker;
    const target = new URL(stack.brokerWsUrl);
    proxy = await startFaultProxy({ targetHost: target.hostname, targetPort: Number(target.port) });
  });

  afterEach(async () => {
    await hub?.dispose();
    hub = undefined;
    for (const c of fakes.splice(0)) await c.endAsync(true);
    await proxy.close();
    await stack.stop();
  });

  it('rejects a set the ACL refuses (PUBACK 0x87) with the reason in words, and never retries it', async () => {
    const locked = await fakeDevice('locked', 'restricted', 'x', { listen: true });
    const h = newHub();
    await h.start({ defaultBrokerUrl: proxy.url('/') });
    await until(h, (s) => connected(s) && value(s, LOCKED, 'restricted/x') === 1);
    expect(h.state.connection?.protocolVersion).toBe(5);

    await h.edit(LOCKED, 'restricted/x', 2);
    const rejected = await until(h, entryIn('rejected'));
    expect(words(rejected)).toBe(`Rejected: not authorized to publish to ${LOCKED_SET}`);
    expect(rejected.attempts).toBe(1);

    // Past the echo deadline, and through a reconnect: still rejected, still one attempt.
    await sleep(ECHO_DEADLINE_MS + 300);
    proxy.refuse();
    proxy.drop();
    await until(h, (s) => !connected(s));
    proxy.pass();
    await until(h, (s) => connected(s) && value(s, LOCKED, 'restricted/x') === 1, 15_000);
    await sleep(500);
    const rows = await h.db.outbox.toArray();
    expect(rows.map((r) => [r.state, r.attempts])).toEqual([['rejected', 1]]);

    // At the broker: exactly one PUBLISH arrived, was denied, and was answered with 0x87 (135).
    const denied = logLines(new RegExp(`Denied PUBLISH from .*'${escape(LOCKED_SET)}'`));
    expect(denied).toHaveLength(1);
    const clientId = /Denied PUBLISH from (\S+) /.exec(denied[0] ?? '')?.[1] ?? '';
    expect(clientId).toMatch(/^holdfast-/);
    expect(logLines(new RegExp(`Sending PUBACK to ${escape(clientId)} \\(m\\d+, rc135\\)`))).toHaveLength(1);
    // Refused, so never routed: neither the listening device nor the spy saw it.
    await broker.settle();
    expect(locked.received).toEqual([]);
    expect(broker.publishes.filter((p) => p.topic === LOCKED_SET)).toEqual([]);
    expect(value(h.state, LOCKED, 'restricted/x')).toBe(1);
  });

  it('says "no device is listening" when nobody subscribes to the set topic (PUBACK 0x10)', async () => {
    await fakeDevice('mute', 'output', 'level', { listen: false });
    const h = newHub();
    await h.start({ defaultBrokerUrl: proxy.url('/') });
    await until(h, (s) => connected(s) && value(s, MUTE, 'output/level') === 1);

    await h.edit(MUTE, 'output/level', 5);
    const sent = await until(h, (s) => s.outbox.find((e) => e.state === 'sent' && e.noSubscribersOn));
    expect(words(sent)).toContain(`no device is listening on ${MUTE_SET}`);
    expect(sent.attempts).toBe(1);
    // Mosquitto accepted it (not denied) and answered 0x10 (16).
    expect(logLines(new RegExp(`Denied PUBLISH .*'${escape(MUTE_SET)}'`))).toEqual([]);
    expect(logLines(new RegExp(`Received PUBLISH from holdfast-\\S+ .*'${escape(MUTE_SET)}'`))).toHaveLength(1);
    expect(logLines(/Sending PUBACK to holdfast-\S+ \(m\d+, rc16\)/)).toHaveLength(1);

    // No echo can come: at the deadline it is shown as unconfirmed, still saying why, and it is not resent.
    const unconfirmed = await until(h, entryIn('unconfirmed'), ECHO_DEADLINE_MS + 3000);
    expect(unconfirmed.attempts).toBe(1);
    expect(words(unconfirmed)).toContain(`no device is listening on ${MUTE_SET}`);
    expect(words(unconfirmed)).toContain('no confirmation from the device');
    expect(logLines(new RegExp(`Received PUBLISH from holdfast-\\S+ .*'${escape(MUTE_SET)}'`))).toHaveLength(1);
  });

  it('sends the command id and the base as MQTT 5 user properties', async () => {
    const h = newHub();
    await h.start({ defaultBrokerUrl: proxy.url('/') });
    await until(h, (s) => connected(s) && value(s, VP4, 'genlock/phase-v') === 0);
    expect(h.state.connection?.protocolVersion).toBe(5);

    await h.edit(VP4, 'genlock/phase-v', 17);
    await until(h, (s) => value(s, VP4, 'genlock/phase-v') === 17 && s.outbox.length === 0);
    const [row] = (await h.db.outbox.toArray()) as [OutboxEntry];
    expect(row.state).toBe('confirmed');
    await broker.settle();
    const set = broker.publishes.filter((p) => p.topic === 'homie/5/vp4/genlock/phase-v/set');
    expect(set).toHaveLength(1);
    expect(set[0]).toMatchObject({ clientId: null, payload: '17', qos: 1, retain: false });
    expect(set[0]?.userProperties).toEqual({ 'holdfast-cmd-id': row.cmdId, 'holdfast-base': '0' });
    // The device subscribes with MQTT 3.1.1, which has no user properties: Mosquitto drops them for it and it still acts.
    expect(stack.devices.get('vp4')?.snapshot()['genlock/phase-v']).toBe(17);

    // A momentary command has no base to be stale against: only the command id travels.
    await h.edit(VP4, 'system/reboot', true);
    await poll(() => broker.publishes.some((p) => p.topic === 'homie/5/vp4/system/reboot/set'));
    const reboot = broker.publishes.find((p) => p.topic === 'homie/5/vp4/system/reboot/set');
    // A reboot has no state to echo: it ends "sent" at its PUBACK, with no deadline to wait out.
    let rebootRow: OutboxEntry | undefined;
    const rebootDeadline = Date.now() + 5000;
    while (!(rebootRow = (await h.db.outbox.toArray()).find((r) => r.propertyId === 'system/reboot' && r.state === 'sent-unconfirmable')) && Date.now() < rebootDeadline) await sleep(50);
    if (!rebootRow) throw new Error('the reboot did not end sent');
    expect(rebootRow.propertyId).toBe('system/reboot');
    expect(reboot?.userProperties).toEqual({ 'holdfast-cmd-id': rebootRow.cmdId });
  });
});
