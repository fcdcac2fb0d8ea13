// The whole simulated installation in one call: broker, devices, device
// control server and (optionally) the web console. Used by `npm start`,
// integration/e2e tests and benchmarks. Port 0 means "pick a free port".
//
// Two brokers, one shape (`stack.broker`):
//   aedes      embedded, in this process, MQTT 3.1.1 only, no authentication.
//              Its publish spy is aedes' own 'publish' event.
//   mosquitto  Mosquitto 2.0 from the system (MQTT 5, password file, ACL; see
//              test/support/mosquitto.ts) behind a WebSocket bridge. Devices
//              log in as user `device`. The publish spy is an MQTT 5 client
//              (user `spy`) subscribed to `#`, so it records only what the
//              broker ACCEPTED AND ROUTED: an ACL-denied publish never shows
//              up in `publishes` (count those in mosquitto's log instead).
//              Records have clientId null (a subscriber cannot see the
//              publisher) and carry MQTT 5 user properties.

import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import type { Aedes } from 'aedes';
import type { Mosquitto } from '../test/support/mosquitto.js';
import { startBroker, type EmbeddedBroker, type RecordedPublish } from './broker.js';
import { startControlServer, type ControlServer } from './control.js';
import { startStaticServer, type StaticServer } from './static-server.js';
import { Vp4Device, type PanelResult } from './vp4.js';
import { HaDevice } from './ha-device.js';
import { Homie4Device } from './homie4-device.js';
import type { SimDevice } from './sim-base.js';
import { Vp4MappedDevice } from './vp4-mapped.js';
import { Zigbee2mqttDevice } from './zigbee2mqtt-device.js';
import { TasmotaDevice } from './tasmota-device.js';
import { Mixer8Device } from './mixer8.js';
import { GardenPumpDevice } from './garden-pump.js';

export type BrokerKind = 'aedes' | 'mosquitto';
export const BROKER_KINDS: readonly BrokerKind[] = ['aedes', 'mosquitto'];

export type BrokerRole = 'device' | 'spy' | 'operator';
export interface BrokerCredentials {
  username?: string;
  password?: string;
}

/** What tests and tools may rely on, whichever broker runs. */
export interface StackBroker {
  readonly kind: BrokerKind;
  /** Where browsers and the console connect (MQTT over WebSocket). */
  readonly wsUrl: string;
  /** Where devices and command-line tools connect (MQTT over TCP). */
  readonly tcpUrl: string;
  /**
   * Every non-$SYS publish the broker routed since start (kept across
   * restarts), oldest first. Tests may clear it (publishes.length = 0).
   */
  readonly publishes: RecordedPublish[];
  /** Call fn for each recorded publish; returns an unsubscribe function. */
  onPublish(fn: (p: RecordedPublish) => void): () => void;
  /**
   * Resolves once every publish the broker routed before the call is in
   * `publishes`. Immediate on aedes; on Mosquitto the spy is a separate
   * client, so call this before asserting that something was NOT sent.
   */
  settle(): Promise<void>;
  /** The login for a role; empty on aedes, which has no authentication. */
  credentials(role: BrokerRole): BrokerCredentials;
  /** Stop and start on the same ports. Retained messages are lost, as in a broker without persistence. */
  restart(): Promise<void>;
  /** Freeze the broker (sockets stay open, nothing is answered); Mosquitto only. */
  pause?(): void;
  resume?(): void;
  close(): Promise<void>;
}

export interface AedesStackBroker extends StackBroker {
  readonly kind: 'aedes';
  /** The current aedes instance (a new one after restart()). */
  readonly aedes: Aedes;
}

export interface MosquittoStackBroker extends StackBroker {
  readonly kind: 'mosquitto';
  readonly mosquitto: Mosquitto;
  pause(): void;
  resume(): void;
  /** Mosquitto's own log (log_type all), e.g. to count "Denied PUBLISH" lines. */
  log(): string;
}

export interface StackOptions {
  host?: string;
  webPort?: number;
  /** The WebSocket port browsers use (Mosquitto: the bridge's port). */
  brokerPort?: number;
  brokerTcpPort?: number;
  controlPort?: number;
  /** Which broker to run (default aedes). Mosquitto listens on loopback only, whatever `host` says. */
  broker?: BrokerKind;
  /**
   * Mosquitto only: the filters the publish spy subscribes to (default ['#']).
   * A subscriber to `#` matches every topic, so Mosquitto never answers
   * PUBACK 0x10 "no matching subscribers" while it runs; a test of 0x10
   * narrows this.
   */
  spyTopics?: string[];
  /** Built PWA directory; omit to run without a web server. */
  distDir?: string;
  /** Start the simulated devices (default true). */
  devices?: boolean;
  /**
   * With `devices`, also start the devices of the other conventions (default
   * true): lamp4 (Homie 4), esp-fan (Home Assistant discovery, ESPHome style)
   * and cy-vp4 (legacy text protocol, read through examples/vp4-mapping.json).
   * Also studio-light (a Zigbee2MQTT bridge with one bulb, plus the HA discovery
   * Zigbee2MQTT publishes for it) and tasmota-plug (Tasmota, legacy HA discovery).
   * And mixer8 (Homie 5: eight channels with Level and Mute, a non-retained scene recall).
   * And garden-pump (ESPHome through Home Assistant discovery with `retain: false`: its
   * state is not retained and it cannot be asked for it).
   */
  extraDevices?: boolean;
  temperatureIntervalMs?: number;
  log?: (line: string) => void;
}

export interface Stack {
  appUrl?: string;
  brokerWsUrl: string;
  brokerTcpUrl?: string;
  controlUrl: string;
  broker: AedesStackBroker | MosquittoStackBroker;
  devices: Map<string, Vp4Device>;
  /** The other conventions' devices (see StackOptions.extraDevices); the control server serves them too. */
  extraDevices: Map<string, SimDevice>;
  /** Change a setting at a device's hardware panel (behind the console's back). */
  setFromPanel(deviceId: string, propertyId: string, value: string | number | boolean): PanelResult;
  /**
   * Stop and start the broker on the same ports. Resolves once it listens
   * again (and, on Mosquitto, the spy is subscribed); the devices reconnect
   * on their own about a second later, or before it resolves with
   * `{ devicesReady: true }`.
   */
  restartBroker(opts?: { devicesReady?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

function exampleMapping(): unknown {
  return JSON.parse(readFileSync(new URL('../examples/vp4-mapping.json', import.meta.url), 'utf8')) as unknown;
}

const DEVICE_START_TIMEOUT_MS = 10_000;

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => {});
  const devices = new Map<string, Vp4Device>();
  const extraDevices = new Map<string, SimDevice>();
  let broker: AedesStackBroker | MosquittoStackBroker | undefined;
  let control: ControlServer | undefined;
  let web: StaticServer | undefined;

  const stopAll = async (): Promise<void> => {
    // Devices first, so their "disconnected" state reaches the broker before it closes.
    await Promise.all([...devices.values(), ...extraDevices.values()].map((d) => d.stop().catch(() => {})));
    await Promise.all([control?.close(), web?.close()]);
    await broker?.close();
  };

  const waitForDevices = async (what: string): Promise<void> => {
    await Promise.all(
      [...devices.values()].map((d) => timeout(d.start(), DEVICE_START_TIMEOUT_MS, `device ${d.deviceId} did not connect to ${what}`)),
    );
  };

  try {
    broker =
      opts.broker === 'mosquitto'
        ? await startMosquittoBroker({
            wsPort: opts.brokerPort ?? 0,
            tcpPort: opts.brokerTcpPort ?? 0,
            spyTopics: opts.spyTopics ?? ['#'],
          })
        : await startAedesBroker({
            host,
            // Devices speak plain MQTT over TCP, like real hardware would.
            wsPort: opts.brokerPort ?? 0,
            tcpPort: opts.brokerTcpPort ?? 0,
          });
    const device = broker.credentials('device');
    const deviceUrl = withCredentials(broker.tcpUrl, device);

    if (opts.devices ?? true) {
      const vp4 = new Vp4Device({
        brokerUrl: deviceUrl,
        deviceId: 'vp4',
        log,
        ...(opts.temperatureIntervalMs !== undefined ? { temperatureIntervalMs: opts.temperatureIntervalMs } : {}),
      });
      devices.set(vp4.deviceId, vp4);
      await waitForDevices(broker.tcpUrl);
    }

    if ((opts.devices ?? true) && (opts.extraDevices ?? true)) {
      const interval = opts.temperatureIntervalMs !== undefined ? { temperatureIntervalMs: opts.temperatureIntervalMs } : {};
      for (const d of [
        new Homie4Device({ brokerUrl: deviceUrl, log }),
        new HaDevice({ brokerUrl: deviceUrl, log, ...interval }),
        new Vp4MappedDevice({ brokerUrl: deviceUrl, log, ...interval }),
        new Zigbee2mqttDevice({ brokerUrl: deviceUrl, log }),
        new TasmotaDevice({ brokerUrl: deviceUrl, log }),
        new Mixer8Device({ brokerUrl: deviceUrl, log }),
        new GardenPumpDevice({ brokerUrl: deviceUrl, log }),
      ]) {
        extraDevices.set(d.deviceId, d);
      }
      const what = broker.tcpUrl;
      await Promise.all(
        [...extraDevices.values()].map((d) => timeout(d.start(), DEVICE_START_TIMEOUT_MS, `device ${d.deviceId} did not connect to ${what}`)),
      );
    }

    // The control server bypasses MQTT, so it stays on loopback whatever --host says.
    control = await startControlServer({ host: '127.0.0.1', port: opts.controlPort ?? 0, devices: new Map([...devices, ...extraDevices]) });

    if (opts.distDir !== undefined) {
      web = await startStaticServer({
        root: opts.distDir,
        host,
        port: opts.webPort ?? 0,
        // The incident's VP4 speaks plain text topics: ship its mapping so the console knows it from the first start.
        config: { brokerUrl: broker.wsUrl, ...(extraDevices.has('cy-vp4') ? { mapping: exampleMapping() } : {}) },
      });
    }
  } catch (err) {
    await stopAll();
    throw err;
  }

  const b = broker;
  let stopping: Promise<void> | undefined;
  return {
    ...(web ? { appUrl: web.url } : {}),
    brokerWsUrl: b.wsUrl,
    brokerTcpUrl: b.tcpUrl,
    controlUrl: control.url,
    broker: b,
    devices,
    extraDevices,
    setFromPanel(deviceId, propertyId, value) {
      const d = devices.get(deviceId) ?? extraDevices.get(deviceId);
      if (!d) return { ok: false, error: `unknown device "${deviceId}"` };
      return d.panelSet(propertyId, value);
    },
    async restartBroker(restartOpts = {}) {
      const all = [...devices.values(), ...extraDevices.values()].filter(isConnected);
      await b.restart();
      if (!restartOpts.devicesReady) return;
      // A device only notices the restart when its socket closes, so a `connected` read at once may
      // be stale: wait to see each one drop and come back (its reconnect delay is about a second).
      const dropped = new Set<string>();
      const deadline = Date.now() + DEVICE_START_TIMEOUT_MS;
      for (;;) {
        for (const d of all) if (!isConnected(d)) dropped.add(d.deviceId);
        const waiting = all.filter((d) => !dropped.has(d.deviceId) || !isConnected(d));
        if (waiting.length === 0) return;
        if (Date.now() > deadline) {
          throw new Error(`${waiting.map((d) => d.deviceId).join(', ')} did not reconnect to ${b.tcpUrl} after the broker restarted`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop() {
      stopping ??= stopAll();
      return stopping;
    },
  };
}

/** SimDevice doesn't promise `connected` (every current one has it); one without it is not waited for. */
function isConnected(d: SimDevice | Vp4Device): boolean {
  return 'connected' in d && d.connected === true;
}

/** mqtt.js reads a login from the URL, so devices need no credential options of their own. */
function withCredentials(url: string, creds: BrokerCredentials): string {
  if (!creds.username) return url;
  const u = new URL(url);
  u.username = creds.username;
  u.password = creds.password ?? '';
  return u.toString().replace(/\/$/, '');
}

/** Fan out one recorded publish to the stack-level record and its listeners. */
function recorder(): {
  publishes: RecordedPublish[];
  record(p: RecordedPublish): void;
  onPublish(fn: (p: RecordedPublish) => void): () => void;
} {
  const publishes: RecordedPublish[] = [];
  const listeners = new Set<(p: RecordedPublish) => void>();
  return {
    publishes,
    record(p) {
      publishes.push(p);
      for (const fn of listeners) {
        try {
          fn(p);
        } catch {
          // A faulty listener must not break the others or the spy.
        }
      }
    },
    onPublish(fn) {
      listeners.add(fn);
      return () => {
        listeners.delete(fn);
      };
    },
  };
}

async function startAedesBroker(o: { host: string; wsPort: number; tcpPort: number }): Promise<AedesStackBroker> {
  const rec = recorder();
  let inner: EmbeddedBroker;
  let unwire: () => void = () => {};
  const wire = (b: EmbeddedBroker): void => {
    unwire = b.onPublish((p) => {
      // The stack-level array is the record (it survives restarts); don't keep a second copy.
      b.publishes.length = 0;
      rec.record(p);
    });
  };
  inner = await startBroker({ host: o.host, wsPort: o.wsPort, tcpPort: o.tcpPort });
  wire(inner);
  // Restarts reuse the ports the first start picked.
  const wsPort = Number(new URL(inner.wsUrl).port);
  const tcpUrl = inner.tcpUrl ?? '';
  const tcpPort = Number(new URL(tcpUrl).port);
  let closed = false;
  return {
    kind: 'aedes',
    wsUrl: inner.wsUrl,
    tcpUrl,
    get aedes() {
      return inner.aedes;
    },
    publishes: rec.publishes,
    onPublish: rec.onPublish,
    // aedes records in its own publish pipeline, before delivering to subscribers.
    settle: () => new Promise<void>((resolve) => setImmediate(resolve)),
    credentials: () => ({}),
    async restart() {
      if (closed) throw new Error('the broker was closed');
      unwire();
      await inner.close();
      inner = await startBroker({ host: o.host, wsPort, tcpPort });
      wire(inner);
    },
    close() {
      closed = true;
      unwire();
      return inner.close();
    },
  };
}

interface Spy {
  settle(): Promise<void>;
  close(): Promise<void>;
}

const SETTLE_TIMEOUT_MS = 5_000;

/**
 * The Mosquitto publish spy: an MQTT 5 subscriber. Retain-as-published keeps
 * the publisher's retain flag, and retain-handling 2 skips retained replays
 * on subscribe, so every message it gets is one the broker just routed.
 */
async function startSpy(url: string, creds: BrokerCredentials, topics: readonly string[], record: (p: RecordedPublish) => void): Promise<Spy> {
  const clientId = `holdfast-spy-${Math.random().toString(16).slice(2, 10)}`;
  const marker = `holdfast-spy/${clientId}/settle`;
  const waiting = new Map<string, () => void>();
  let seq = 0;
  const client: MqttClient = await mqtt.connectAsync(url, {
    ...creds,
    clientId,
    protocolVersion: 5,
    clean: true,
    // No keepalive: a test may freeze the broker (SIGSTOP) for longer than any sane interval.
    keepalive: 0,
    reconnectPeriod: 250,
    connectTimeout: 5_000,
  });
  client.on('error', () => {});
  // Attached before subscribing, so nothing routed after SUBACK can be missed.
  client.on('message', (topic, payload, packet) => {
    if (topic === marker) {
      const text = payload.toString('utf8');
      waiting.get(text)?.();
      waiting.delete(text);
      return;
    }
    const userProperties = packet.properties?.userProperties;
    record({
      at: Date.now(),
      clientId: null,
      topic,
      payload: payload.toString('utf8'),
      retain: packet.retain,
      qos: packet.qos,
      ...(userProperties ? { userProperties } : {}),
    });
  });
  const subscriptions: Record<string, { qos: 2; rap: true; rh: 2 }> = {};
  for (const t of [...topics, marker]) subscriptions[t] = { qos: 2, rap: true, rh: 2 };
  const granted = await client.subscribeAsync(subscriptions);
  const refused = granted.filter((g) => g.qos >= 0x80);
  if (refused.length > 0) {
    await client.endAsync(true);
    throw new Error(`the broker refused the publish spy's subscription to ${refused.map((g) => g.topic).join(', ')}`);
  }
  return {
    async settle() {
      // Mosquitto delivers to one client in the order it routed: once our own
      // marker comes back, everything routed before it has arrived too.
      const token = String(++seq);
      const back = new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => {
          waiting.delete(token);
          reject(new Error(`the publish spy did not settle within ${SETTLE_TIMEOUT_MS} ms (is the broker paused?)`));
        }, SETTLE_TIMEOUT_MS);
        waiting.set(token, () => {
          clearTimeout(t);
          resolve();
        });
      });
      // Only the marker's return counts; a publish that never completes (broker frozen) ends in the timeout.
      client.publishAsync(marker, token, { qos: 1 }).catch(() => {});
      await back;
    },
    async close() {
      await client.endAsync(true).catch(() => {});
    },
  };
}

async function startMosquittoBroker(o: { wsPort: number; tcpPort: number; spyTopics: readonly string[] }): Promise<MosquittoStackBroker> {
  // Loaded on demand: `npm start` never needs the test tooling.
  const { startMosquitto } = await import('../test/support/mosquitto.js');
  const mosquitto = await startMosquitto({ port: o.tcpPort, wsPort: o.wsPort });
  const rec = recorder();
  const spyCreds = { username: mosquitto.users.spy.username, password: mosquitto.users.spy.password };
  let spy: Spy;
  try {
    spy = await startSpy(mosquitto.tcpUrl, spyCreds, o.spyTopics, rec.record);
  } catch (err) {
    await mosquitto.stop();
    throw err;
  }
  const credentials = (role: BrokerRole): BrokerCredentials => {
    const u = mosquitto.users[role];
    return { username: u.username, password: u.password };
  };
  return {
    kind: 'mosquitto',
    wsUrl: mosquitto.wsUrl,
    tcpUrl: mosquitto.tcpUrl,
    mosquitto,
    publishes: rec.publishes,
    onPublish: rec.onPublish,
    settle: () => spy.settle(),
    credentials,
    log: () => mosquitto.log(),
    async restart() {
      await spy.close();
      await mosquitto.restart();
      // A fresh spy right away: devices wait about a second before reconnecting, so it sees their announce.
      spy = await startSpy(mosquitto.tcpUrl, spyCreds, o.spyTopics, rec.record);
    },
    pause: () => { mosquitto.pause(); },
    resume: () => { mosquitto.resume(); },
    async close() {
      await spy.close();
      await mosquitto.stop();
    },
  };
}

function timeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => { clearTimeout(t); }),
    new Promise<never>((_, reject) => {
      t = setTimeout(() => { reject(new Error(message)); }, ms);
    }),
  ]);
}
