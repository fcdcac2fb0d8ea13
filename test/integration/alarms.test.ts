import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../sim/stack.js';
import type { AlarmView } from '../../src/model/alarms.js';
import { BROKERS } from '../support/brokers.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { NodeConsole, until } from '../support/node-console.js';

/**
 * Alarms and the audit through the real console and engine host (in-process,
 * the worker's code) against each real broker, with the hardware changed at
 * the simulated VP4's panel and the console's network cut at a TCP proxy.
 */
const VP4 = 'homie5:vp4';
const PHASE_H = 'genlock/phase-h';
let stack: Stack;
let proxy: FaultProxy;
let hub: NodeConsole | undefined;
let dbCounter = 0;

function newHub(): NodeConsole {
  hub = new NodeConsole({ dbName: `holdfast-alarms-it-${process.pid}-${++dbCounter}`, host: { engine: { quietMs: 300, echoDeadlineMs: 2000 } } });
  return hub;
}

/** Resolve with the first alarm list the console shows that satisfies `pick`. */
function alarmsUntil(h: NodeConsole, pick: (views: readonly AlarmView[]) => boolean, timeoutMs = 10_000): Promise<readonly AlarmView[]> {
  return new Promise((resolve, reject) => {
    let off: () => void = () => undefined;
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out; alarms: ${JSON.stringify(h.console.client.alarms.map((v) => v.state))}`));
    }, timeoutMs);
    off = h.console.client.subscribeAlarms((views) => {
      if (!views || !pick(views)) return;
      clearTimeout(timer);
      queueMicrotask(() => off());
      resolve(views);
    });
  });
}

const connected = (h: NodeConsole) => until(h, (s) => s.connection?.status === 'open' && s.status?.live === true && s.devices.get(VP4)?.values.get(PHASE_H)?.value === 22);
const rule = { id: 'phase-high', deviceId: VP4, kind: 'above', propertyId: PHASE_H, threshold: 90, hysteresis: 5, minDurationMs: 0, severity: 'critical' };
const state = (views: readonly AlarmView[]) => views.find((v) => v.rule.id === 'phase-high')?.state;

describe.each(BROKERS)('alarms and audit through the engine host against %s', (brokerKind) => {
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

  it('raises a threshold alarm on a hardware-side change, records the acknowledgement by name, holds in the band, clears', async () => {
    const h = newHub();
    await h.start({ defaultBrokerUrl: proxy.url('/') });
    await h.console.setOperatorName('Dana');
    await connected(h);
    expect(await h.console.alarms.saveRule(rule)).toMatchObject({ ok: true });
    await alarmsUntil(h, (v) => state(v)?.status === 'normal' && state(v)?.stale === null);

    stack.setFromPanel('vp4', PHASE_H, 120);
    const raised = state(await alarmsUntil(h, (v) => state(v)?.status === 'active'))!;
    expect(raised.reading).toMatchObject({ kind: 'value', value: 120 });

    await h.console.alarms.acknowledge(raised.alarmId!, 'phase-high');
    const acked = state(await alarmsUntil(h, (v) => state(v)?.status === 'acknowledged'))!;
    expect(acked.ack?.by).toBe('Dana');
    expect(acked.alarmId).toBe(raised.alarmId);

    // Inside the hysteresis band (85 < 87 ≤ 90): still listed, still acknowledged.
    stack.setFromPanel('vp4', PHASE_H, 87);
    await alarmsUntil(h, (v) => {
      const reading = state(v)?.reading;
      return reading?.kind === 'value' && reading.value === 87;
    });
    expect(state(h.console.client.alarms)?.status).toBe('acknowledged');

    stack.setFromPanel('vp4', PHASE_H, 80);
    await alarmsUntil(h, (v) => state(v)?.status === 'normal');
    await h.host!.stop().then(() => undefined);
    const history = (await h.db.alarmHistory.toArray()).filter((r) => r.ruleId === 'phase-high').map((r) => [r.event, r.by ?? null]);
    expect(history).toEqual([
      ['raised', null],
      ['acknowledged', 'Dana'],
      ['cleared', null],
    ]);
  });

  it('with the network cut while the value crosses the threshold, nothing changes until fresh data, then the right one', async () => {
    const h = newHub();
    await h.start({ defaultBrokerUrl: proxy.url('/') });
    await connected(h);
    await h.console.alarms.saveRule(rule);
    await alarmsUntil(h, (v) => state(v)?.status === 'normal' && state(v)?.stale === null);

    proxy.refuse();
    proxy.drop();
    const cut = state(await alarmsUntil(h, (v) => state(v)?.stale?.reason === 'disconnected'))!;
    expect(cut.status).toBe('normal');
    stack.setFromPanel('vp4', PHASE_H, 150);
    // The console cannot have heard it; its state is the last known one, and says so.
    expect(state(h.console.client.alarms)).toMatchObject({ status: 'normal', stale: { reason: 'disconnected' }, reading: { value: 22 } });

    proxy.pass();
    const after = state(await alarmsUntil(h, (v) => state(v)?.status === 'active', 20_000))!;
    expect(after.stale).toBeNull();
    expect(after.reading).toMatchObject({ kind: 'value', value: 150 });
    // No raise was recorded before the fresh report.
    const raisedAt = after.raisedAt!;
    expect(raisedAt).toBeGreaterThan(cut.stale!.since);
  });

  it('audits the incident: a stale edit discarded, with who, base and its age, desired and the device value; no secrets', async () => {
    const h = newHub();
    await h.start({ defaultBrokerUrl: proxy.url('/') });
    await h.console.setOperatorName('Dana');
    await connected(h);
    proxy.refuse();
    proxy.drop();
    await until(h, (s) => s.connection?.status !== 'open');
    stack.setFromPanel('vp4', PHASE_H, -25);
    const queued = await h.edit(VP4, PHASE_H, 25);
    expect(queued.action).toBe('insert');
    proxy.pass();
    const discarded = await until(h, (s) => s.outbox.find((e) => e.state === 'discarded'), 15_000);
    await h.reapply(discarded.seq!, VP4, PHASE_H);
    await until(h, (s) => s.devices.get(VP4)?.values.get(PHASE_H)?.value === 25 && s.outbox.length === 0, 15_000);
    await h.host!.stop();
    const records = JSON.parse(await h.console.audit.export({}, 'json')) as { records: { cmdId: string }[] };
    const [first, second] = await Promise.all(records.records.map((r) => h.console.audit.store.get(r.cmdId)));
    expect(first).toMatchObject({
      operator: 'Dana',
      console: 'holdfast',
      deviceName: 'VP4 Video Processor',
      propertyName: 'Genlock phase H',
      base: { value: 22 },
      desired: 25,
      state: 'discarded',
      reason: 'device-changed',
      deviceValue: { value: -25 },
    });
    expect(first!.steps.map((s) => [s.state, s.dismissed ?? false])).toEqual([
      ['queued', false],
      ['discarded', false],
      ['discarded', true],
    ]);
    expect(first!.taps.map((t) => [t.kind, t.operator, t.newCmdId])).toEqual([['re-apply', 'Dana', second!.cmdId]]);
    expect(second).toMatchObject({ follows: { cmdId: first!.cmdId, kind: 're-apply' }, state: 'confirmed', base: { value: -25 }, echo: { value: 25 }, puback: { code: 0 } });
    // A fast echo can confirm the entry before its PUBACK is processed: then there is no "sent" step, but the PUBACK is kept.
    expect(['queued sending sent confirmed', 'queued sending confirmed']).toContain(second!.steps.map((s) => s.state).join(' '));
    const all = (await h.console.audit.export({}, 'json')) + (await h.console.audit.export({}, 'csv'));
    expect(all).not.toContain(proxy.url('/'));
    expect(all.toLowerCase()).not.toContain('password');
  });
});
