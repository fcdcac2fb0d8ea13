import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { HostClient } from '../../src/client/host-client.js';
import { brokerOrigins } from '../../src/extension/permissions.js';
import { attentionNotice, batchNotice, controlHash, noticeId, noticeTarget } from '../../src/extension/outcomes.js';
import { Supervisor, WAKE_ALARM } from '../../src/extension/supervisor.js';
import { RuntimePortHub, runtimePortTransport } from '../../src/host/ports.js';
import type { ClientToHost, HostToClient } from '../../src/host/protocol.js';
import type { OutboxEntry, PropertySchema } from '../../src/model/types.js';
import { inServiceWorker, keepaliveTimers } from '../../src/mqtt/connection.js';
import { HoldfastDb } from '../../src/store/db.js';
import { OutboxStore } from '../../src/store/outbox.js';
import { FakePlatform, FakeRuntime } from '../support/fake-chrome.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('keepalive timers', () => {
  it('worker timers only where a page can start a Worker; native in workers, service workers and Node', () => {
    expect(keepaliveTimers({ Worker: function Worker() {}, document: {} })).toBe('worker');
    // A dedicated worker has Worker but no document; a service worker has neither.
    expect(keepaliveTimers({ Worker: function Worker() {} })).toBe('native');
    expect(keepaliveTimers({})).toBe('native');
    expect(keepaliveTimers()).toBe('native');
  });

  it('knows a service worker scope', () => {
    expect(inServiceWorker()).toBe(false);
    class ServiceWorkerGlobalScope {}
    const g = globalThis as { ServiceWorkerGlobalScope?: unknown };
    g.ServiceWorkerGlobalScope = ServiceWorkerGlobalScope;
    try {
      expect(inServiceWorker(new ServiceWorkerGlobalScope())).toBe(true);
      expect(inServiceWorker({})).toBe(false);
    } finally {
      delete g.ServiceWorkerGlobalScope;
    }
  });
});

describe('broker origins (optional host permissions)', () => {
  it('asks for the WebSocket origin and the probe\u2019s http(s) origin, any port', () => {
    expect(brokerOrigins('ws://127.0.0.1:9001/')).toEqual(['ws://127.0.0.1/*', 'http://127.0.0.1/*']);
    expect(brokerOrigins('wss://broker.example.com/mqtt')).toEqual(['wss://broker.example.com/*', 'https://broker.example.com/*']);
    expect(brokerOrigins('ws://[::1]:9001')).toEqual(['ws://[::1]/*', 'http://[::1]/*']);
    expect(brokerOrigins('mqtt://x')).toEqual([]);
    expect(brokerOrigins('not a url')).toEqual([]);
  });
});

describe('outcome notifications', () => {
  const schema: PropertySchema = { id: 'genlock/phase-h', name: 'Genlock phase H', datatype: 'integer', settable: true, retained: true, unit: '°' } as PropertySchema;
  const entry = (over: Partial<OutboxEntry>): OutboxEntry => ({
    seq: 1,
    cmdId: 'c1',
    deviceId: 'homie5:vp4',
    propertyId: 'genlock/phase-h',
    desired: 30,
    base: { value: 22, receivedAt: 1, session: 's1', renderedIn: null },
    state: 'queued',
    createdAt: 1,
    updatedAt: 2,
    attempts: 0,
    ...over,
  });
  const naming = { deviceName: 'VP4 Video Processor', schema };

  it('a discarded edit says was / you set / device is now, by name, and links to its control', () => {
    const n = attentionNotice(entry({ state: 'discarded', fresh: -25, reason: { code: 'device-changed', now: -25 } }), naming)!;
    expect(n.title).toBe('VP4 Video Processor: Genlock phase H not sent');
    expect(n.message).toBe('Someone changed it at the device first. Was 22 ° when you edited; you set 30 °; device is now -25 °.');
    expect(n.attention).toBe(true);
    expect(noticeTarget(n.id)).toEqual({ deviceId: 'homie5:vp4', propertyId: 'genlock/phase-h' });
    expect(controlHash('homie5:vp4', 'genlock/phase-h')).toBe('#device=homie5%3Avp4&property=genlock%2Fphase-h');
  });

  it('unverified and rejected say why; confirmed and pending ones are not told one by one', () => {
    expect(attentionNotice(entry({ state: 'unverified', reason: { code: 'cannot-check', retained: true } }), naming)?.message).toMatch(/^You set 30 °, but .*Send anyway or Dismiss\.$/);
    expect(attentionNotice(entry({ state: 'rejected', reason: { code: 'broker-refused', reasonCode: 0x87 } }), naming)?.title).toBe('VP4 Video Processor: Genlock phase H rejected');
    expect(attentionNotice(entry({ state: 'confirmed' }), naming)).toBeNull();
    expect(attentionNotice(entry({ state: 'queued' }), naming)).toBeNull();
  });

  it('confirmations come as one batch', () => {
    const v: PropertySchema = { ...schema, id: 'genlock/phase-v', name: 'Genlock phase V' };
    const one = batchNotice([[entry({ state: 'confirmed' }), naming]])!;
    expect(one.title).toBe('VP4 Video Processor: Genlock phase H confirmed');
    expect(one.message).toBe('Genlock phase H 30 °, sent while no console was open.');
    const two = batchNotice([
      [entry({ state: 'confirmed' }), naming],
      [entry({ cmdId: 'c2', propertyId: 'genlock/phase-v', desired: 12, state: 'confirmed' }), { ...naming, schema: v }],
    ])!;
    expect(two.title).toBe('VP4 Video Processor: 2 changes confirmed');
    expect(two.message).toBe('Genlock phase H 30 °; Genlock phase V 12 °. Sent while no console was open.');
    expect(batchNotice([])).toBeNull();
    expect(noticeTarget(noticeId('batch', 'c|1', 'a|b', 'p'))).toEqual({ deviceId: 'a|b', propertyId: 'p' });
    expect(noticeTarget('someone-else')).toBeNull();
  });
});

describe('chrome.runtime ports', () => {
  it('each port is one client; replies go to its own port; a closed page says goodbye; a late port hears the host is up', async () => {
    const runtime = new FakeRuntime();
    const hub = new RuntimePortHub();
    runtime.started();
    runtime.onConnect.addListener((p) => hub.add(p));
    const seen: ClientToHost[] = [];
    const endpoint = hub.endpoint();
    endpoint.listen((msg, reply) => {
      seen.push(msg);
      if (msg.type === 'hello') reply({ type: 'need-password', profileId: msg.clientId });
    });
    const a = runtimePortTransport(() => runtime.connect({ name: 'holdfast' }));
    const b = runtimePortTransport(() => runtime.connect({ name: 'holdfast' }));
    const gotA: HostToClient[] = [];
    const gotB: HostToClient[] = [];
    a.listen((m) => gotA.push(m));
    b.listen((m) => gotB.push(m));
    a.send({ type: 'hello', clientId: 'A', version: 1, interest: { devices: [], values: [] } });
    b.send({ type: 'hello', clientId: 'B', version: 1, interest: { devices: [], values: [] } });
    await until('both pages', () => hub.size === 2 && gotA.length === 1 && gotB.length === 1);
    expect(gotA).toEqual([{ type: 'need-password', profileId: 'A' }]);
    expect(gotB).toEqual([{ type: 'need-password', profileId: 'B' }]);

    endpoint.broadcast({ type: 'host-ready', hostId: 'h1', version: 1 });
    await until('the broadcast', () => gotA.length === 2 && gotB.length === 2);
    const c = runtimePortTransport(() => runtime.connect({ name: 'holdfast' }));
    const gotC: HostToClient[] = [];
    c.listen((m) => gotC.push(m));
    await until('the late page to hear the host is up', () => gotC.length === 1);
    expect(gotC[0]).toEqual({ type: 'host-ready', hostId: 'h1', version: 1 });

    a.close();
    await until('A to be gone', () => hub.size === 2);
    expect(seen.filter((m) => m.type === 'bye').map((m) => m.clientId)).toEqual(['A']);
    b.close();
    c.close();
  });

  it('a page reconnects by itself when the worker stops, keeps what it said meanwhile, and says hello to the new host', async () => {
    const runtime = new FakeRuntime();
    let hub = new RuntimePortHub();
    let heard: ClientToHost[] = [];
    const boot = (): void => {
      hub = new RuntimePortHub();
      heard = [];
      runtime.onConnect.addListener((p) => hub.add(p));
      runtime.started();
      const endpoint = hub.endpoint();
      endpoint.listen((m) => heard.push(m));
      endpoint.broadcast({ type: 'host-ready', hostId: 'new', version: 1 });
    };
    runtime.wake = boot;
    boot();
    const client = new HostClient('page-1');
    client.attach(runtimePortTransport(() => runtime.connect({ name: 'holdfast' }), { retryMs: 5 }));
    await until('hello', () => heard.some((m) => m.type === 'hello'));
    runtime.stopped();
    client.send({ type: 'outbox-changed', clientId: 'page-1' });
    await until('a new worker to hear the page', () => heard.some((m) => m.type === 'hello') && heard.some((m) => m.type === 'outbox-changed'), 5000);
    expect(hub.size).toBe(1);
    client.dispose();
  });
});

describe('the service worker supervisor', () => {
  let n = 0;
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  function setup(): { runtime: FakeRuntime; hub: RuntimePortHub; platform: FakePlatform; supervisor: Supervisor; dbName: string } {
    const dbName = `ext-unit-${process.pid}-${++n}`;
    const runtime = new FakeRuntime();
    const hub = new RuntimePortHub();
    const platform = new FakePlatform();
    runtime.onConnect.addListener((p) => hub.add(p));
    runtime.started();
    const supervisor = new Supervisor({ hub, platform, dbName, idleGraceMs: 50 });
    cleanups.push(async () => {
      await supervisor.terminate();
      platform.dispose();
      await new Promise<void>((r) => {
        const req = indexedDB.deleteDatabase(dbName);
        req.onsuccess = req.onerror = req.onblocked = () => r();
      });
    });
    return { runtime, hub, platform, supervisor, dbName };
  }

  it('runs no host with nothing to do; one while a page is connected; stops it when the last page leaves', async () => {
    const { runtime, platform, supervisor } = setup();
    supervisor.start('test');
    await supervisor.settled();
    expect(supervisor.current).toBeNull();
    const page = runtimePortTransport(() => runtime.connect({ name: 'holdfast' }));
    await until('a host for the page', () => supervisor.current !== null);
    expect(supervisor.current?.status().kind).toBe('extension');
    page.close();
    await until('the host to stop', () => supervisor.current === null);
    const events = (platform.store.get('lifecycle') as { event: string }[]).map((e) => e.event);
    expect(events).toEqual(['worker started (test)', 'host started (1 page open, 0 outstanding)', 'host stopped: no console page is open and nothing is waiting to be sent']);
    expect(await platform.alarms.get(WAKE_ALARM)).toBeUndefined();
  });

  it('with entries outstanding and no page, runs a host and keeps the wake alarm; the badge counts what needs attention', async () => {
    const { platform, supervisor, dbName } = setup();
    const db = new HoldfastDb(dbName);
    cleanups.push(() => db.close());
    const outbox = new OutboxStore(db);
    const base = { value: 0, receivedAt: 1, session: 's', renderedIn: 's' };
    await outbox.enqueue({ deviceId: 'homie5:vp4', propertyId: 'genlock/phase-v', desired: 12, base });
    const discarded = await outbox.enqueue({ deviceId: 'homie5:vp4', propertyId: 'genlock/phase-h', desired: 30, base });
    if (discarded.action === 'noop') throw new Error('not queued');
    await db.outbox.update(discarded.entry.seq!, { state: 'discarded', fresh: -25 });
    supervisor.start('alarm');
    await until('a host for the queued edit', () => supervisor.current !== null);
    await supervisor.settled();
    expect((await platform.alarms.get(WAKE_ALARM))?.periodInMinutes).toBe(0.5);
    expect(platform.badgeText).toBe('1');
    expect(platform.title).toMatch(/^Holdfast: 1 change needs attention; /);
  });
});
