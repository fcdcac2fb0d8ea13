// The benchmark's devices: one fast Node mqtt.js client over TCP that plays
// N Homie 5 devices with P properties each (retained description, $state
// ready and values), streams status at a fixed rate, changes values behind
// the console's back, and echoes /set commands like a real device.

import mqtt, { type MqttClient } from 'mqtt';
import { nodeEpoch } from './cdp.js';

export const ROOT = 'homie';

export type Kind = 'int' | 'float' | 'enum' | 'bool';
export type Value = number | string | boolean;

/** A realistic mix: mostly settable integers (number + slider), some read-only sensors, enums and switches. */
export function kindOf(index: number): Kind {
  const k = index % 10;
  return k <= 5 ? 'int' : k <= 7 ? 'float' : k === 8 ? 'enum' : 'bool';
}

const ENUM_OPTIONS = ['auto', 'manual', 'off', 'standby'];
export const INT_MAX = 1000;

export function deviceNative(d: number): string {
  return `bench-${String(d).padStart(3, '0')}`;
}

/** Holdfast's device id for a Homie 5 device. */
export function deviceId(d: number): string {
  return `homie5:${deviceNative(d)}`;
}

/** "node/property", as in the topic and Holdfast's property id. */
export function propertyId(p: number): string {
  return `n${Math.floor(p / 10)}/p${p % 10}`;
}

export function valueTopic(d: number, p: number): string {
  return `${ROOT}/5/${deviceNative(d)}/${propertyId(p)}`;
}

function encode(v: Value): string {
  return typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(1) : String(v);
}

function description(d: number, props: number): string {
  const nodes: Record<string, { name: string; properties: Record<string, Record<string, unknown>> }> = {};
  for (let p = 0; p < props; p++) {
    const nodeId = `n${Math.floor(p / 10)}`;
    const node = (nodes[nodeId] ??= { name: `Bank ${Math.floor(p / 10)}`, properties: {} });
    const name = `Setting ${String(p).padStart(3, '0')}`;
    const kind = kindOf(p);
    node.properties[`p${p % 10}`] =
      kind === 'int'
        ? { name, datatype: 'integer', format: `0:${INT_MAX}`, settable: true }
        : kind === 'float'
          ? { name, datatype: 'float', unit: '°C' }
          : kind === 'enum'
            ? { name, datatype: 'enum', format: ENUM_OPTIONS.join(','), settable: true }
            : { name, datatype: 'boolean', settable: true };
  }
  return JSON.stringify({ homie: '5.0', version: 1, name: `Bench device ${String(d).padStart(3, '0')}`, nodes });
}

/** Deterministic pseudo-random numbers, so every run publishes the same sequence. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SetRecord {
  readonly topic: string;
  readonly payload: string;
  readonly at: number;
}

export class BenchPublisher {
  /** Current value per property topic: what the "devices" show. */
  readonly values = new Map<string, Value>();
  /** Every /set the devices received, in order. */
  readonly sets: SetRecord[] = [];
  /** While recording: [topic, payload, nodeEpoch()] of each stream publish to one of these topics. */
  readonly log: Array<[string, string, number]> = [];
  private recording: ReadonlySet<string> | null = null;
  private readonly random = rng(42);
  private echo = false;

  private constructor(
    private readonly client: MqttClient,
    readonly devices: number,
    readonly props: number,
  ) {
    client.on('message', (topic, payload) => {
      if (!topic.endsWith('/set')) return;
      const text = payload.toString('utf8');
      this.sets.push({ topic, payload: text, at: Date.now() });
      if (!this.echo) return;
      // Like a device: apply and report the new value (retained), which confirms the console's edit.
      const target = topic.slice(0, -'/set'.length);
      const current = this.values.get(target);
      if (current === undefined) return;
      const v: Value = typeof current === 'number' ? Number(text) : typeof current === 'boolean' ? text === 'true' : text;
      this.values.set(target, v);
      client.publish(target, encode(v), { qos: 0, retain: true });
    });
  }

  static async connect(tcpUrl: string, devices: number, props: number, login: { username?: string; password?: string } = {}): Promise<BenchPublisher> {
    const client = await mqtt.connectAsync(tcpUrl, {
      ...login,
      clientId: `bench-devices-${process.pid}`,
      protocolVersion: 4,
      clean: true,
      keepalive: 30,
      reconnectPeriod: 0,
    });
    client.on('error', () => {});
    const pub = new BenchPublisher(client, devices, props);
    await client.subscribeAsync(`${ROOT}/5/+/+/+/set`, { qos: 1 });
    return pub;
  }

  /** Log when each stream message to one of these topics is published (null: stop). */
  record(topics: ReadonlySet<string> | null): void {
    this.recording = topics;
  }

  /** Answer /set with the new value (as a device would); off by default so nothing else changes status. */
  setEcho(on: boolean): void {
    this.echo = on;
  }

  private randomValue(p: number): Value {
    const r = this.random();
    switch (kindOf(p)) {
      case 'int':
        return Math.floor(r * (INT_MAX + 1));
      case 'float':
        return Math.round(r * 1000) / 10;
      case 'enum':
        return ENUM_OPTIONS[Math.floor(r * ENUM_OPTIONS.length)] ?? 'auto';
      case 'bool':
        return r < 0.5;
    }
  }

  /** Messages a subscriber gets for the retained installation: description, $state and every value per device. */
  get retainedCount(): number {
    return this.devices * (this.props + 2);
  }

  /** Publish the whole installation as retained messages; resolves when the broker has acknowledged it. */
  async publishInstallation(): Promise<void> {
    for (let d = 0; d < this.devices; d++) {
      const base = `${ROOT}/5/${deviceNative(d)}`;
      this.client.publish(`${base}/$description`, description(d, this.props), { qos: 0, retain: true });
      for (let p = 0; p < this.props; p++) {
        const v = this.randomValue(p);
        const topic = valueTopic(d, p);
        this.values.set(topic, v);
        this.client.publish(topic, encode(v), { qos: 0, retain: true });
      }
      this.client.publish(`${base}/$state`, 'ready', { qos: 0, retain: true });
      // Let the socket drain now and then instead of buffering the whole installation in memory.
      if (d % 10 === 9) await this.flush();
    }
    await this.flush();
  }

  /** A QoS 1 round trip: everything published before it has been processed by the broker. */
  async flush(): Promise<void> {
    await this.client.publishAsync(`bench/flush`, '', { qos: 1 });
  }

  /**
   * Sustained status at `rate` msg/s for `seconds`, round-robin over a
   * shuffled list of every property (retained, like a real device's reports).
   * Returns what was actually sent and over how long.
   */
  async stream(rate: number, seconds: number, onTick?: (sent: number) => void): Promise<{ sent: number; ms: number }> {
    const topics: Array<[string, number]> = [];
    for (let d = 0; d < this.devices; d++) for (let p = 0; p < this.props; p++) topics.push([valueTopic(d, p), p]);
    for (let i = topics.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [topics[i], topics[j]] = [topics[j]!, topics[i]!];
    }
    const total = Math.round(rate * seconds);
    const start = performance.now();
    let sent = 0;
    while (sent < total) {
      // Catch up to where the schedule says we should be; timers on a busy machine are late, not lost.
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      for (; sent < due; sent++) {
        const [topic, p] = topics[sent % topics.length]!;
        let v = this.randomValue(p);
        // A report that repeats the value would be invisible in the DOM; make every one a change.
        if (v === this.values.get(topic)) v = typeof v === 'boolean' ? !v : typeof v === 'number' ? (v + 1) % (INT_MAX + 1) : v === 'auto' ? 'manual' : 'auto';
        this.values.set(topic, v);
        const payload = encode(v);
        this.client.publish(topic, payload, { qos: 0, retain: true });
        if (this.recording?.has(topic)) this.log.push([topic, payload, nodeEpoch()]);
      }
      onTick?.(sent);
      await new Promise((r) => setTimeout(r, 4));
    }
    const ms = performance.now() - start;
    await this.flush();
    return { sent, ms };
  }

  /** Change a value at the device (e.g. someone at its front panel), as a retained report. */
  async change(topic: string, value: Value): Promise<void> {
    this.values.set(topic, value);
    await this.client.publishAsync(topic, encode(value), { qos: 1, retain: true });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true).catch(() => {});
  }
}
