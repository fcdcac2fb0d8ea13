import 'fake-indexeddb/auto';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../sim/stack.js';
import { HostClient } from '../../src/client/host-client.js';
import type { EngineHost } from '../../src/host/engine-host.js';
import { inProcessLauncher } from '../../src/host/in-process.js';
import { baseFromShown } from '../../src/model/coalesce.js';
import { validateProfile } from '../../src/model/profile.js';
import type { OutboxEntry, OutboxState } from '../../src/model/types.js';
import { HoldfastDb } from '../../src/store/db.js';
import { SettingsStore } from '../../src/store/settings.js';
import { reasonText } from '../../src/ui/entry-text.js';
import { BROKERS } from '../support/brokers.js';
import { NodeConsole, until, type ConsoleView } from '../support/node-console.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { waitFor } from '../support/wait.js';

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

/** An engine host and one page of it, without the NodeConsole that watches every device. */
interface BareConsole {
  readonly host: EngineHost;
  readonly client: HostClient;
  stop(): Promise<void>;
}
let bare: BareConsole | undefined;

/** A host connected to the stack's broker, with a page that shows nothing yet. */
async function startBareConsole(): Promise<BareConsole> {
  const dbName = `holdfast-it-bare-${process.pid}-${++dbCounter}`;
  const profile = validateProfile({ name: 'Stack broker', url: stack.brokerWsUrl });
  if (!profile.ok) throw new Error(`profile: ${JSON.stringify(profile.errors)}`);
  // What a page stores before its host starts: the profile to connect with.
  const seed = new HoldfastDb(dbName);
  const settings = new SettingsStore(seed);
  await settings.set('profiles', [{ ...profile.profile, id: 'stack' }]);
  await settings.set('activeProfileId', 'stack');
  seed.close();
  const hosts: EngineHost[] = [];
  const launched = await inProcessLauncher({ dbName, engine: { quietMs: 300, echoDeadlineMs: 2000 }, graceMs: 500 }, (h) => hosts.push(h)).launch();
  const host = hosts[0];
  if (host === undefined) throw new Error('the launcher started no host');
  const client = new HostClient();
  client.attach(launched.transport);
  return {
    host,
    client,
    async stop() {
      client.dispose();
      await launched.stop();
    },
  };
}

/** Topics the console received, from its own traffic log (written every half second). */
async function receivedTopics(host: EngineHost): Promise<string[]> {
  await sleep(700);
  return [...new Set((await host.db.traffic.toArray()).filter((r) => r.direction === 'in').map((r) => r.topic))];
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
    await bare?.stop();
    bare = undefined;
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
    // crash-1 was already applied: confirmed, no publish.
    await waitFor('crash-1 confirmed', async () => (await first.db.outbox.get({ cmdId: 'crash-1' }))?.state === 'confirmed', 15_000);
    // crash-2's device shows its base again: its earlier attempt never arrived, or arrived and was changed back.
    // Nothing tells the two apart, so it is the operator's call, and nothing is sent until they make it.
    const cut = await until(first, entryIn('unverified'), 15_000);
    expect(cut).toMatchObject({ cmdId: 'crash-2', reason: { code: 'outcome-unknown', shown: 0 } });
    await sleep(500);
    expect(await sets('genlock/phase-h')).toEqual([]);
    expect(await sets('genlock/phase-v')).toEqual([]);
    await first.console.sendAnyway(cut.seq!);
    await until(first, (s) => value(s, 'genlock/phase-v') === 9 && s.outbox.length === 0, 15_000);
    expect((await first.db.outbox.get({ cmdId: 'crash-2' }))?.state).toBe('confirmed');
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

  /** Phase H edited to 5 offline while the broker loses its retained status (a restart without persistence), the device up but quiet. */
  async function editUnverifiedAfterReconnect(): Promise<{ h: NodeConsole; unverified: OutboxEntry }> {
    const h = newHub();
    await h.start({ defaultBrokerUrl: proxy.url('/') });
    await until(h, (s) => connected(s) && value(s, 'genlock/phase-h') === 22);
    proxy.refuse();
    proxy.drop();
    await until(h, (s) => !connected(s));
    await clearRetained(['homie/5/vp4/genlock/phase-h', 'homie/5/vp4/genlock/phase-h/$target']);
    await h.edit(VP4, 'genlock/phase-h', 5);
    proxy.pass();
    return { h, unverified: await until(h, entryIn('unverified'), 15_000) };
  }

  it('ends an edit unverified, saying why, when the device is there but never reports the setting after reconnecting', async () => {
    const { h, unverified } = await editUnverifiedAfterReconnect();
    expect(reasonText(unverified.reason!, { schema: undefined, deviceName: 'VP4', live: true })).toMatch(/did not report/);
    expect(await sets('genlock/phase-h')).toEqual([]);
    // Send anyway is the operator's explicit choice: then it goes, once.
    await h.console.sendAnyway(unverified.seq!);
    await until(h, (s) => value(s, 'genlock/phase-h') === 5 && s.outbox.length === 0, 15_000);
    expect(await sets('genlock/phase-h')).toEqual(['5']);
  });

  it('decides an unverified edit once the device reports the setting after all, by the same rule', async () => {
    const { h } = await editUnverifiedAfterReconnect();
    // Someone moves the setting at the panel: the device reports, and what the operator saw (22) is stale.
    stack.setFromPanel('vp4', 'genlock/phase-h', -25);
    const discarded = await waitFor('the edit decided', async () => (await h.db.outbox.toArray()).find((r) => r.state === 'discarded'), 15_000);
    expect(discarded.reason).toEqual({ code: 'device-changed', now: -25 });
    expect(await sets('genlock/phase-h')).toEqual([]);
  });

  it('keeps a setting busy while another host left an entry of it in flight, and recovers that entry once no host can own it', async () => {
    const h = newHub();
    await h.start({ defaultBrokerUrl: proxy.url('/') });
    await until(h, (s) => connected(s) && value(s, 'genlock/phase-h') === 22);
    // A closed leader's worker that ran on for a moment: its "sending" row lands after this host recovered.
    const now = Date.now();
    await h.db.outbox.add({
      cmdId: 'late-1',
      deviceId: VP4,
      propertyId: 'genlock/phase-h',
      desired: 40,
      base: { value: 22, receivedAt: now - 1000, session: 'earlier', renderedIn: 'earlier' },
      state: 'sending',
      createdAt: now - 1000,
      updatedAt: now,
      attempts: 1,
      lastAttemptAt: now,
    });
    await h.edit(VP4, 'genlock/phase-h', 5);
    await sleep(1500);
    // Not judged beside the other host's edit: one write per setting at a time.
    expect(await sets('genlock/phase-h')).toEqual([]);
    expect((await h.db.outbox.toArray()).find((r) => r.desired === 5)?.state).toBe('queued');
    // After two echo deadlines no host can still move it on: it is judged again. The device shows its base, which
    // does not say whether the cut-off attempt arrived, so it is not sent again; the later edit, made from 22, goes.
    await until(h, (s) => value(s, 'genlock/phase-h') === 5, 15_000);
    const rows = await waitFor('both entries ended', async () => {
      const all = await h.db.outbox.toArray();
      return all.every((r) => r.state === 'confirmed' || r.state === 'discarded') && all.length === 2 ? all : undefined;
    }, 15_000);
    expect(rows.find((r) => r.desired === 5)?.state).toBe('confirmed');
    // Once the device reports 5, the other host's 40 was made from a value it no longer shows.
    expect(rows.find((r) => r.cmdId === 'late-1')?.reason).toEqual({ code: 'device-changed', now: 5 });
    expect(await sets('genlock/phase-h')).toEqual(['5']);
  });

  it("subscribes a device's values only while it is needed: shown on a page, or with an edit queued", async () => {
    const LAMP4 = 'homie4:lamp4';
    const MIXER8 = 'homie5:mixer8';
    bare = await startBareConsole();
    const { host, client } = bare;
    // A tablet on VP4's page: the other devices are in its list, but not on screen.
    client.subscribeValue(VP4, 'genlock/phase-h', () => undefined);
    await waitFor('VP4 on screen', () => client.status?.live === true && client.value(VP4, 'genlock/phase-h')?.value === 22);
    await waitFor('the device list', () => client.devices.has(LAMP4) && client.devices.has(MIXER8));
    expect(client.status?.subscribedDevices).toBe(1);
    // Behind the console's back the mixer changes; the broker routes it, but not to this console.
    expect(stack.setFromPanel('mixer8', 'ch1/level', -20)).toMatchObject({ ok: true });
    await waitFor('the broker to route the change', async () => {
      await stack.broker.settle();
      return stack.broker.publishes.some((p) => p.topic === 'homie/5/mixer8/ch1/level' && p.payload === '-20');
    });
    const before = await receivedTopics(host);
    expect(before).toContain('homie/5/vp4/genlock/phase-h');
    expect(before).toContain('homie/5/mixer8/$description');
    expect(before).toContain('homie/lamp4/light/$properties');
    const values = (topics: readonly string[], base: string): string[] => topics.filter((t) => t.startsWith(base) && !t.split('/').some((level) => level.startsWith('$')));
    expect(values(before, 'homie/5/mixer8/')).toEqual([]);
    expect(values(before, 'homie/lamp4/')).toEqual([]);

    // The lamp is shown: its retained values come now.
    client.subscribeValue(LAMP4, 'light/power', () => undefined);
    await waitFor("the lamp's power", () => client.value(LAMP4, 'light/power'));
    expect(client.status?.subscribedDevices).toBe(2);

    // An edit of the mixer queued on an earlier session, from what the operator saw then (-10): nobody shows the mixer,
    // yet the edit needs its values, so they are subscribed and the edit is judged on them: the device moved on.
    const queued = await host.outbox.enqueue({
      deviceId: MIXER8,
      propertyId: 'ch1/level',
      desired: -5,
      base: baseFromShown({ kind: 'reported', reported: { value: -10, receivedAt: Date.now() - 60_000, retained: true, session: 'yesterday' } }, null),
    });
    expect(queued.action).toBe('insert');
    client.send({ type: 'outbox-changed', clientId: client.clientId });
    const discarded = await waitFor('the edit judged', async () => (await host.db.outbox.toArray()).find((e) => e.deviceId === MIXER8 && e.state === 'discarded'), 15_000);
    expect(discarded).toMatchObject({ desired: -5, base: { value: -10 }, fresh: -20 });
    expect(await sets('ch1/level')).toEqual([]);
    expect(values(await receivedTopics(host), 'homie/5/mixer8/')).toContain('homie/5/mixer8/ch1/level');
  });
});
