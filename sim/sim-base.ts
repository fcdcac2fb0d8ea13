// Shared plumbing for the simulated devices other than the VP4 (sim/vp4.ts):
// one MQTT connection with a last will, reconnect after the broker goes away,
// an announce on every (re)connect, and publishing only while announced so
// nothing stale is queued across an outage. Subclasses add the protocol.

import mqtt, { type MqttClient } from 'mqtt';
import type { PanelResult, PropertyValue } from './vp4.js';

export type { PanelResult, PropertyValue };

/** What the stack, the control server and the tests need from any simulated device. */
export interface SimDevice {
  readonly deviceId: string;
  /** Connect and announce; resolves once the first announce is acknowledged. */
  start(): Promise<void>;
  /** Clean shutdown: say goodbye, then DISCONNECT (so the broker does not publish the will). */
  stop(): Promise<void>;
  /** Power cut: drop the socket so the broker publishes the will. */
  kill(): void;
  /** A person at the hardware front panel changes a setting. */
  panelSet(propertyId: string, raw: string | number | boolean): PanelResult;
  /** Current values, keyed by the property ids the console shows. */
  snapshot(): Record<string, PropertyValue>;
}

export interface SimBaseOptions {
  brokerUrl: string;
  deviceId: string;
  /** Delay between reconnect attempts after the broker goes away. */
  reconnectMs?: number;
  log?: (line: string) => void;
}

export interface SimMessage {
  readonly topic: string;
  readonly payload: string;
}

export abstract class MqttSimDevice implements SimDevice {
  readonly deviceId: string;
  protected readonly log: (line: string) => void;
  private readonly brokerUrl: string;
  private readonly reconnectMs: number;
  private client: MqttClient | undefined;
  private online = false;
  private running = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private lastError = '';
  private startWaiter: { resolve: () => void; reject: (e: Error) => void; promise: Promise<void> } | undefined;

  protected constructor(opts: SimBaseOptions) {
    this.deviceId = opts.deviceId;
    this.brokerUrl = opts.brokerUrl;
    this.reconnectMs = opts.reconnectMs ?? 1000;
    this.log = opts.log ?? (() => {});
  }

  /** Retained last will, published by the broker when the connection drops. */
  protected abstract will(): SimMessage;
  /** Published (retained) by stop() before a clean DISCONNECT. */
  protected abstract goodbye(): SimMessage;
  /** Subscribe to commands, then publish everything retained. Called on every (re)connect. */
  protected abstract announce(client: MqttClient): Promise<void>;
  protected abstract onMessage(topic: string, payload: string, retained: boolean): void;
  abstract panelSet(propertyId: string, raw: string | number | boolean): PanelResult;
  abstract snapshot(): Record<string, PropertyValue>;

  get connected(): boolean {
    return this.online;
  }

  start(): Promise<void> {
    if (this.running) return this.startWaiter?.promise ?? Promise.resolve();
    this.running = true;
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => {});
    this.startWaiter = { resolve, reject, promise };
    this.connect();
    return promise;
  }

  async stop(): Promise<void> {
    const client = this.halt('stopped');
    if (!client) return;
    if (client.connected) {
      const bye = this.goodbye();
      await withTimeout(client.publishAsync(bye.topic, bye.payload, { qos: 1, retain: true }).then(() => {}), 1000).catch(() => {});
      await withTimeout(client.endAsync(false), 1000).catch(() => {});
    }
    client.end(true);
    this.log(`[${this.deviceId}] stopped`);
  }

  kill(): void {
    const client = this.halt('killed');
    client?.end(true);
    this.log(`[${this.deviceId}] killed (broker will publish the last will)`);
  }

  /** A timer that stop()/kill() cancel. */
  protected every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.add(t);
  }

  protected after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** Publish only while connected and announced; while offline the state is kept for the next announce. */
  protected publish(topic: string, payload: string, retain = true): void {
    const client = this.client;
    if (!client || !this.online) return;
    client.publish(topic, payload, { qos: 1, retain }, (err) => {
      if (err && this.client === client) this.log(`[${this.deviceId}] publish ${topic} failed: ${err.message}`);
    });
  }

  protected get isRunning(): boolean {
    return this.running;
  }

  private halt(why: string): MqttClient | undefined {
    this.running = false;
    this.online = false;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.startWaiter?.reject(new Error(`${this.deviceId} ${why} before it was ready`));
    this.startWaiter = undefined;
    const client = this.client;
    this.client = undefined;
    return client;
  }

  private connect(): void {
    const will = this.will();
    // A fresh client per connection, mqtt.js reconnect off: its store would replay stale publishes.
    const client = mqtt.connect(this.brokerUrl, {
      clientId: `sim-${this.deviceId}`,
      protocolVersion: 4,
      clean: true,
      keepalive: 10,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      resubscribe: false,
      will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => {
      if (this.client !== client) return;
      this.lastError = '';
      this.online = true;
      void this.announce(client)
        .then(() => {
          if (this.client !== client) return;
          this.log(`[${this.deviceId}] ready on ${this.brokerUrl}`);
          this.startWaiter?.resolve();
          this.startWaiter = undefined;
        })
        .catch((err: unknown) => {
          this.log(`[${this.deviceId}] announce failed: ${err instanceof Error ? err.message : String(err)}`);
        });
    });
    client.on('message', (topic, payload, packet) => {
      if (this.client !== client) return;
      this.onMessage(topic, payload.toString('utf8'), packet.retain);
    });
    client.on('error', (err) => {
      if (err.message !== this.lastError) {
        this.lastError = err.message;
        this.log(`[${this.deviceId}] broker ${this.brokerUrl}: ${err.message}`);
      }
    });
    client.on('close', () => {
      if (this.client !== client) return;
      if (this.online) this.log(`[${this.deviceId}] connection lost; retrying every ${this.reconnectMs} ms`);
      this.online = false;
      client.end(true);
      this.client = undefined;
      if (this.running) {
        this.reconnectTimer = setTimeout(() => {
          if (this.running) this.connect();
        }, this.reconnectMs);
      }
    });
  }
}

/** Publish a batch of retained messages and wait for all acknowledgements. */
export async function publishAll(client: MqttClient, messages: readonly SimMessage[], retain = true): Promise<void> {
  await Promise.all(messages.map((m) => client.publishAsync(m.topic, m.payload, { qos: 1, retain })));
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => {
      reject(new Error('timeout'));
    }, ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Integer from panel or payload text; null when it is not one. */
export function toInteger(raw: string | number | boolean): number | null {
  if (typeof raw === 'number') return Number.isInteger(raw) ? raw : null;
  if (typeof raw === 'string' && /^[-+]?\d+$/.test(raw.trim())) return Number(raw.trim());
  return null;
}

export function toNumber(raw: string | number | boolean): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : null;
  if (typeof raw === 'string' && raw.trim() !== '') {
    const n = Number(raw.trim());
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

export function toBoolean(raw: string | number | boolean, on: readonly string[] = ['true', 'on', 'ON', '1'], off: readonly string[] = ['false', 'off', 'OFF', '0']): boolean | null {
  if (typeof raw === 'boolean') return raw;
  const s = String(raw).trim();
  if (on.includes(s)) return true;
  if (off.includes(s)) return false;
  return null;
}
