// Simulated desk lamp speaking Homie 4.0.0 (https://homieiot.github.io/specification/spec-core-v4_0_0/).
//
//   homie/lamp4/$homie "4.0.0", $name, $state, $nodes "light", $implementation
//   ($extensions is left out: its empty value cannot be published retained)
//   homie/lamp4/light/$name, $type, $properties "power,dimmer"
//   homie/lamp4/light/power   boolean, settable           "true" / "false"
//   homie/lamp4/light/dimmer  integer, settable, 0:100 %   clamped to the range, like a real knob
//
// Sets arrive on homie/lamp4/light/<prop>/set (non-retained). An accepted set is
// echoed by publishing the property topic (retained), even when unchanged.
// Malformed payloads are ignored (Homie 4 has no way to report them); retained
// sets are ignored as old commands. Last will: $state "lost"; stop(): "disconnected".

import type { MqttClient } from 'mqtt';
import { MqttSimDevice, publishAll, toBoolean, toInteger, type PanelResult, type PropertyValue, type SimMessage } from './sim-base.js';

export interface Homie4DeviceOptions {
  brokerUrl: string;
  deviceId?: string;
  root?: string;
  reconnectMs?: number;
  log?: (line: string) => void;
}

interface Spec {
  readonly id: string;
  readonly name: string;
  readonly datatype: 'boolean' | 'integer';
  readonly format?: string;
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
}

const SPECS: readonly Spec[] = [
  { id: 'light/power', name: 'Power', datatype: 'boolean' },
  { id: 'light/dimmer', name: 'Dimmer', datatype: 'integer', format: '0:100', unit: '%', min: 0, max: 100 },
];

export class Homie4Device extends MqttSimDevice {
  readonly root: string;
  private readonly values = new Map<string, PropertyValue>([
    ['light/power', true],
    ['light/dimmer', 60],
  ]);

  constructor(opts: Homie4DeviceOptions) {
    super({ brokerUrl: opts.brokerUrl, deviceId: opts.deviceId ?? 'lamp4', ...(opts.reconnectMs !== undefined ? { reconnectMs: opts.reconnectMs } : {}), ...(opts.log ? { log: opts.log } : {}) });
    this.root = opts.root ?? 'homie';
  }

  get baseTopic(): string {
    return `${this.root}/${this.deviceId}`;
  }

  protected will(): SimMessage {
    return { topic: `${this.baseTopic}/$state`, payload: 'lost' };
  }

  protected goodbye(): SimMessage {
    return { topic: `${this.baseTopic}/$state`, payload: 'disconnected' };
  }

  protected async announce(client: MqttClient): Promise<void> {
    const base = this.baseTopic;
    await client.subscribeAsync(`${base}/+/+/set`, { qos: 1 });
    const m = (topic: string, payload: string): SimMessage => ({ topic: `${base}/${topic}`, payload });
    await publishAll(client, [m('$state', 'init')]);
    const attrs: SimMessage[] = [
      m('$homie', '4.0.0'),
      m('$name', 'Desk lamp (Homie 4)'),
      m('$implementation', 'holdfast-sim'),
      m('$nodes', 'light'),
      m('light/$name', 'Light'),
      m('light/$type', 'dimmable lamp'),
      m('light/$properties', 'power,dimmer'),
    ];
    for (const s of SPECS) {
      attrs.push(m(`${s.id}/$name`, s.name), m(`${s.id}/$datatype`, s.datatype), m(`${s.id}/$settable`, 'true'));
      if (s.format !== undefined) attrs.push(m(`${s.id}/$format`, s.format));
      if (s.unit !== undefined) attrs.push(m(`${s.id}/$unit`, s.unit));
      attrs.push(m(s.id, String(this.values.get(s.id))));
    }
    await publishAll(client, attrs);
    await publishAll(client, [m('$state', 'ready')]);
  }

  protected onMessage(topic: string, payload: string, retained: boolean): void {
    const prefix = `${this.baseTopic}/`;
    if (!topic.startsWith(prefix) || !topic.endsWith('/set')) return;
    const id = topic.slice(prefix.length, -'/set'.length);
    if (retained) {
      this.log(`[${this.deviceId}] ignored a retained (old) set for ${id}: "${payload}"`);
      return;
    }
    const spec = SPECS.find((s) => s.id === id);
    if (!spec) return;
    const r = this.accept(spec, payload, true);
    if (!r.ok) this.log(`[${this.deviceId}] ignored "${payload}" for ${id}: ${r.error}`);
  }

  panelSet(propertyId: string, raw: string | number | boolean): PanelResult {
    const spec = SPECS.find((s) => s.id === propertyId);
    if (!spec) return { ok: false, error: `refused "${String(raw)}" for ${propertyId}: no such property (${SPECS.map((s) => s.id).join(', ')})` };
    return this.accept(spec, raw, false);
  }

  snapshot(): Record<string, PropertyValue> {
    return Object.fromEntries(this.values);
  }

  private accept(spec: Spec, raw: string | number | boolean, strict: boolean): PanelResult {
    let value: PropertyValue;
    let clamped = false;
    if (spec.datatype === 'boolean') {
      // Homie payloads are exactly "true"/"false"; the panel is more forgiving.
      const b = strict ? (raw === 'true' ? true : raw === 'false' ? false : null) : toBoolean(raw);
      if (b === null) return { ok: false, error: `refused "${String(raw)}" for ${spec.id}: not true or false` };
      value = b;
    } else {
      const n = toInteger(raw);
      if (n === null) return { ok: false, error: `refused "${String(raw)}" for ${spec.id}: not an integer` };
      const c = Math.min(spec.max ?? n, Math.max(spec.min ?? n, n));
      clamped = c !== n;
      value = c;
    }
    this.values.set(spec.id, value);
    this.log(`[${this.deviceId}] ${spec.id} = ${String(value)}`);
    this.publish(`${this.baseTopic}/${spec.id}`, String(value));
    return clamped ? { ok: true, value, clamped: true } : { ok: true, value };
  }
}
