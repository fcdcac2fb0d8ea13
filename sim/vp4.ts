// Simulated "VP4" video processor speaking Homie 5
// (https://homieiot.github.io/specification/ — v5).
//
// How the simulated device handles a set (homie/5/<id>/<node>/<prop>/set):
//
//   - Integers outside the range in "format" are CLAMPED to the range, as real
//     hardware knobs are, and the clamped value is what gets echoed.
//     "-500" for genlock/phase-h (format "-180:180") becomes -180.
//   - Malformed payloads are REFUSED: non-integer text for an integer, a value
//     that is not in an enum's list, a boolean other than "true" or "false".
//     The state is unchanged and nothing is echoed; instead the device
//     publishes the Homie 5 alert homie/5/<id>/$alert/set-refused (retained),
//     e.g. `refused "abc" for genlock/phase-h: not an integer`.
//   - Sets on a property that is not settable (system/temperature) or does not
//     exist are ignored, with the same alert.
//   - An accepted set is echoed by publishing …/<node>/<prop>/$target
//     (retained) with the target value, then the property topic (retained)
//     with the new value. The echo is published even when the value did not
//     change, so a controller can always confirm its command.
//   - system/reboot is a momentary command (retained: false): "true" makes
//     the device go $state init, then ready again; it has no value to echo.
//   - A set that arrives as a retained message (replayed by the broker on
//     subscribe) is ignored: it is an old command, not a current one.
//
// The hardware front panel (panelSet, used by `npm run device -- set …`)
// follows the same clamp/refuse rules; it publishes $target and the value
// together so $target never shows an older value than the property.
//
// On every (re)connect the device publishes $state init, $description, every
// retained value (and $target for settable ones), then $state ready. Its last
// will is $state "lost"; stop() publishes "disconnected" first.

import mqtt, { type MqttClient } from 'mqtt';

export type PropertyValue = number | string | boolean;
export type PanelResult =
  | { ok: true; value: PropertyValue; /** true when an integer was clamped to its range */ clamped?: boolean }
  | { ok: false; error: string };

export interface Vp4Options {
  brokerUrl: string;
  deviceId?: string;
  root?: string;
  temperatureIntervalMs?: number;
  /** How long a reboot keeps $state at "init". */
  rebootMs?: number;
  /** Delay between reconnect attempts after the broker goes away. */
  reconnectMs?: number;
  log?: (line: string) => void;
}

interface PropertySpec {
  id: string; // "node/property"
  name: string;
  datatype: 'integer' | 'float' | 'enum' | 'boolean';
  format?: string;
  unit?: string;
  settable: boolean;
  retained: boolean;
  initial?: PropertyValue;
}

const NODES: Record<string, string> = {
  genlock: 'Genlock',
  output: 'Output',
  system: 'System',
};

const PROPERTIES: PropertySpec[] = [
  { id: 'genlock/phase-h', name: 'Genlock phase H', datatype: 'integer', format: '-180:180', unit: '°', settable: true, retained: true, initial: 22 },
  { id: 'genlock/phase-v', name: 'Genlock phase V', datatype: 'integer', format: '-180:180', unit: '°', settable: true, retained: true, initial: 0 },
  { id: 'genlock/source', name: 'Genlock source', datatype: 'enum', format: 'internal,ref-in,sdi-1,sdi-2', settable: true, retained: true, initial: 'ref-in' },
  { id: 'output/format', name: 'Output format', datatype: 'enum', format: '1080i50,1080p50,1080p59.94,2160p50,2160p59.94', settable: true, retained: true, initial: '1080i50' },
  { id: 'output/test-pattern', name: 'Test pattern', datatype: 'boolean', settable: true, retained: true, initial: false },
  { id: 'system/temperature', name: 'Temperature', datatype: 'float', unit: '°C', settable: false, retained: true, initial: 41.5 },
  { id: 'system/reboot', name: 'Reboot', datatype: 'boolean', settable: true, retained: false },
];

const TEMP_MIN = 35;
const TEMP_MAX = 55;

type Parsed = { ok: true; value: PropertyValue; clamped: boolean } | { ok: false; reason: string };

/** Validate a raw value (MQTT payload text or panel input) against a property's schema. */
function parseValue(spec: PropertySpec, raw: string | number | boolean): Parsed {
  switch (spec.datatype) {
    case 'integer': {
      let n: number;
      if (typeof raw === 'number') {
        if (!Number.isInteger(raw)) return { ok: false, reason: 'not an integer' };
        n = raw;
      } else if (typeof raw === 'string' && /^-?\d+$/.test(raw)) {
        n = Number(raw);
      } else {
        return { ok: false, reason: 'not an integer' };
      }
      const [min, max] = (spec.format ?? '').split(':').map(Number);
      const lo = min ?? Number.NEGATIVE_INFINITY;
      const hi = max ?? Number.POSITIVE_INFINITY;
      const clampedValue = Math.min(hi, Math.max(lo, n));
      return { ok: true, value: clampedValue, clamped: clampedValue !== n };
    }
    case 'enum': {
      const options = (spec.format ?? '').split(',');
      const s = String(raw);
      if (typeof raw !== 'string' || !options.includes(s)) {
        return { ok: false, reason: `not one of ${options.join(', ')}` };
      }
      return { ok: true, value: s, clamped: false };
    }
    case 'boolean': {
      if (raw === true || raw === 'true') return { ok: true, value: true, clamped: false };
      if (raw === false || raw === 'false') return { ok: true, value: false, clamped: false };
      return { ok: false, reason: 'not "true" or "false"' };
    }
    case 'float': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n)) return { ok: false, reason: 'not a number' };
      return { ok: true, value: n, clamped: false };
    }
  }
}

function toPayload(spec: PropertySpec, value: PropertyValue): string {
  if (spec.datatype === 'float' && typeof value === 'number') return value.toFixed(1);
  return String(value);
}

/** Homie 5 wants an integer that changes whenever the description changes; a hash of it does that. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function buildDescription(): string {
  const nodes: Record<string, { name: string; properties: Record<string, Record<string, unknown>> }> = {};
  for (const spec of PROPERTIES) {
    const [nodeId, propId] = spec.id.split('/') as [string, string];
    const node = (nodes[nodeId] ??= { name: NODES[nodeId] ?? nodeId, properties: {} });
    // Only non-default flags are written out (Homie 5: settable defaults to false, retained to true).
    node.properties[propId] = {
      name: spec.name,
      datatype: spec.datatype,
      ...(spec.format !== undefined ? { format: spec.format } : {}),
      ...(spec.unit !== undefined ? { unit: spec.unit } : {}),
      ...(spec.settable ? { settable: true } : {}),
      ...(!spec.retained ? { retained: false } : {}),
    };
  }
  const body = { name: 'VP4 Video Processor', nodes };
  const version = fnv1a(JSON.stringify(body));
  return JSON.stringify({ homie: '5.0', version, ...body });
}

const DESCRIPTION = buildDescription();

export class Vp4Device {
  readonly deviceId: string;
  readonly root: string;
  private readonly brokerUrl: string;
  private readonly temperatureIntervalMs: number;
  private readonly rebootMs: number;
  private readonly reconnectMs: number;
  private readonly log: (line: string) => void;
  private readonly values = new Map<string, PropertyValue>();

  private client: MqttClient | undefined;
  /** True once the current connection has finished its announce and may publish live updates. */
  private online = false;
  private running = false;
  private tempTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private rebootTimer: NodeJS.Timeout | undefined;
  private lastError = '';
  private startWaiter: { resolve: () => void; reject: (e: Error) => void; promise: Promise<void> } | undefined;

  constructor(opts: Vp4Options) {
    this.brokerUrl = opts.brokerUrl;
    this.deviceId = opts.deviceId ?? 'vp4';
    this.root = opts.root ?? 'homie';
    this.temperatureIntervalMs = opts.temperatureIntervalMs ?? 3000;
    this.rebootMs = opts.rebootMs ?? 1500;
    this.reconnectMs = opts.reconnectMs ?? 1000;
    this.log = opts.log ?? (() => {});
    for (const spec of PROPERTIES) {
      if (spec.initial !== undefined) this.values.set(spec.id, spec.initial);
    }
  }

  /** homie/5/<id> */
  get baseTopic(): string {
    return `${this.root}/5/${this.deviceId}`;
  }

  /** True while connected to the broker and announced. */
  get connected(): boolean {
    return this.online;
  }

  /** Connect and announce; resolves once the first `$state ready` is acknowledged. */
  start(): Promise<void> {
    if (this.running) return this.startWaiter?.promise ?? Promise.resolve();
    this.running = true;
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Don't surface as an unhandled rejection when start() isn't awaited and stop() intervenes.
    promise.catch(() => {});
    this.startWaiter = { resolve, reject, promise };
    this.tempTimer = setInterval(() => { this.driftTemperature(); }, this.temperatureIntervalMs);
    this.tempTimer.unref();
    this.connect();
    return promise;
  }

  /** Clean shutdown: `$state disconnected`, then a proper DISCONNECT (so no will). */
  async stop(): Promise<void> {
    const client = this.halt('stopped');
    if (!client) return;
    if (client.connected) {
      await withTimeout(
        client.publishAsync(`${this.baseTopic}/$state`, 'disconnected', { qos: 1, retain: true }).then(() => {}),
        1000,
      ).catch(() => {});
      await withTimeout(client.endAsync(false), 1000).catch(() => {});
    }
    client.end(true);
    this.log(`[${this.deviceId}] stopped ($state disconnected)`);
  }

  /** Power cut / cable pulled: drop the socket without DISCONNECT so the broker publishes the will ("lost"). */
  kill(): void {
    const client = this.halt('killed');
    client?.end(true);
    this.log(`[${this.deviceId}] killed (broker will publish $state lost)`);
  }

  /** A person at the hardware front panel changes a setting. */
  panelSet(propertyId: string, raw: string | number | boolean): PanelResult {
    const spec = PROPERTIES.find((p) => p.id === propertyId);
    const shown = typeof raw === 'string' ? raw : String(raw);
    if (!spec) return { ok: false, error: `refused "${shown}" for ${propertyId}: no such property` };
    if (!spec.settable) return { ok: false, error: `refused "${shown}" for ${propertyId}: not settable (it is a reading)` };
    const parsed = parseValue(spec, raw);
    if (!parsed.ok) return { ok: false, error: `refused "${shown}" for ${propertyId}: ${parsed.reason}` };
    if (!spec.retained) {
      if (spec.id === 'system/reboot' && parsed.value === true) this.reboot('front panel');
      return { ok: true, value: parsed.value };
    }
    this.apply(spec, parsed.value, 'front panel');
    return parsed.clamped ? { ok: true, value: parsed.value, clamped: true } : { ok: true, value: parsed.value };
  }

  /** Current values of every retained property, keyed "node/property". */
  snapshot(): Record<string, PropertyValue> {
    return Object.fromEntries(this.values);
  }

  // ---- internals ----

  /** Stop timers and reconnects; returns the client (if any) for the caller to end. */
  private halt(why: string): MqttClient | undefined {
    this.running = false;
    this.online = false;
    clearInterval(this.tempTimer);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.rebootTimer);
    this.tempTimer = this.reconnectTimer = this.rebootTimer = undefined;
    this.startWaiter?.reject(new Error(`${this.deviceId} ${why} before it was ready`));
    this.startWaiter = undefined;
    const client = this.client;
    this.client = undefined;
    return client;
  }

  private connect(): void {
    // A fresh client per connection, with mqtt.js' own reconnect off: its
    // outgoing store would otherwise replay publishes from the previous
    // connection after the fresh announce, i.e. resend stale values.
    const client = mqtt.connect(this.brokerUrl, {
      clientId: `sim-${this.deviceId}`,
      protocolVersion: 4,
      clean: true,
      keepalive: 10,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      resubscribe: false,
      will: { topic: `${this.baseTopic}/$state`, payload: Buffer.from('lost'), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => {
      if (this.client !== client) return;
      this.lastError = '';
      void this.announce(client).catch((err: unknown) => {
        this.log(`[${this.deviceId}] announce failed: ${err instanceof Error ? err.message : String(err)}`);
      });
    });
    client.on('message', (topic, payload, packet) => {
      if (this.client !== client) return;
      this.onMessage(topic, payload.toString('utf8'), packet.retain);
    });
    client.on('error', (err) => {
      // Log an outage once, not on every retry.
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

  private async announce(client: MqttClient): Promise<void> {
    const base = this.baseTopic;
    const opts = { qos: 1 as const, retain: true };
    // Subscribe first so a set sent right after "ready" is never missed.
    await client.subscribeAsync(`${base}/+/+/set`, { qos: 1 });
    const sends: Promise<unknown>[] = [
      client.publishAsync(`${base}/$state`, 'init', opts),
      client.publishAsync(`${base}/$description`, DESCRIPTION, opts),
    ];
    for (const spec of PROPERTIES) {
      const value = this.values.get(spec.id);
      if (!spec.retained || value === undefined) continue;
      const payload = toPayload(spec, value);
      // Refresh $target too, so a retained $target from before never disagrees with the value.
      if (spec.settable) sends.push(client.publishAsync(`${base}/${spec.id}/$target`, payload, opts));
      sends.push(client.publishAsync(`${base}/${spec.id}`, payload, opts));
    }
    this.online = true;
    if (!this.rebootTimer) sends.push(client.publishAsync(`${base}/$state`, 'ready', opts));
    await Promise.all(sends);
    if (this.client !== client) return;
    this.log(`[${this.deviceId}] ready on ${this.brokerUrl} (${base})`);
    this.startWaiter?.resolve();
    this.startWaiter = undefined;
  }

  private onMessage(topic: string, payload: string, retained: boolean): void {
    const prefix = `${this.baseTopic}/`;
    if (!topic.startsWith(prefix) || !topic.endsWith('/set')) return;
    const propertyId = topic.slice(prefix.length, -'/set'.length);
    if (retained) {
      this.log(`[${this.deviceId}] ignored a retained (old) set for ${propertyId}: "${payload}"`);
      return;
    }
    const spec = PROPERTIES.find((p) => p.id === propertyId);
    if (!spec) {
      this.refuse(payload, propertyId, 'no such property');
      return;
    }
    if (!spec.settable) {
      this.refuse(payload, propertyId, 'not settable');
      return;
    }
    const parsed = parseValue(spec, payload);
    if (!parsed.ok) {
      this.refuse(payload, propertyId, parsed.reason);
      return;
    }
    if (!spec.retained) {
      if (spec.id === 'system/reboot' && parsed.value === true) this.reboot('MQTT set');
      return;
    }
    if (parsed.clamped) this.log(`[${this.deviceId}] clamped "${payload}" for ${spec.id} to ${String(parsed.value)}`);
    this.apply(spec, parsed.value, 'MQTT set');
  }

  private refuse(payload: string, propertyId: string, reason: string): void {
    const text = `refused "${payload}" for ${propertyId}: ${reason}`;
    this.log(`[${this.deviceId}] ${text}`);
    this.publish(`${this.baseTopic}/$alert/set-refused`, text, true);
  }

  /** Change a retained value and publish $target + value (the echo). */
  private apply(spec: PropertySpec, value: PropertyValue, source: string): void {
    this.values.set(spec.id, value);
    const payload = toPayload(spec, value);
    this.log(`[${this.deviceId}] ${spec.id} = ${payload} (${source})`);
    if (spec.settable) this.publish(`${this.baseTopic}/${spec.id}/$target`, payload, true);
    this.publish(`${this.baseTopic}/${spec.id}`, payload, true);
  }

  private reboot(source: string): void {
    this.log(`[${this.deviceId}] rebooting (${source})`);
    this.publish(`${this.baseTopic}/$state`, 'init', true);
    clearTimeout(this.rebootTimer);
    this.rebootTimer = setTimeout(() => {
      this.rebootTimer = undefined;
      this.publish(`${this.baseTopic}/$state`, 'ready', true);
      this.log(`[${this.deviceId}] reboot complete`);
    }, this.rebootMs);
  }

  private driftTemperature(): void {
    const spec = PROPERTIES.find((p) => p.id === 'system/temperature');
    const current = this.values.get('system/temperature');
    if (!spec || typeof current !== 'number') return;
    const next = Math.round(Math.min(TEMP_MAX, Math.max(TEMP_MIN, current + (Math.random() - 0.5) * 0.6)) * 10) / 10;
    this.values.set(spec.id, next);
    this.publish(`${this.baseTopic}/${spec.id}`, toPayload(spec, next), true);
  }

  /**
   * Publish only while connected and announced; while offline the state is
   * kept and the next announce publishes it, so nothing stale is queued.
   */
  private publish(topic: string, payload: string, retain: boolean): void {
    const client = this.client;
    if (!client || !this.online) return;
    client.publish(topic, payload, { qos: 1, retain }, (err) => {
      if (err && this.client === client) this.log(`[${this.deviceId}] publish ${topic} failed: ${err.message}`);
    });
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => { reject(new Error('timeout')); }, ms);
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
