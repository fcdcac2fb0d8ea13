// Simulated ESPHome irrigation pump with `retain: false` in its mqtt: config,
// announcing itself through Home Assistant MQTT discovery
// (https://esphome.io/components/mqtt.html: "retain (Optional, boolean): If all
// MQTT state messages should be retained. Defaults to true."; discovery
// messages stay retained, `discovery_retain` defaults to true).
//
//   homeassistant/<component>/garden-pump/<object_id>/config   retained discovery configs
//   garden-pump/<component>/<object_id>/state                 states, NOT retained: on connect and on each change
//   garden-pump/<component>/<object_id>/command                commands (non-retained)
//   garden-pump/status                                         "online", retained; last will "offline"
//
// Entities: switch pump (ON/OFF), number run_time (0..120 min, step 5).
// Nothing in Home Assistant discovery lets a console ask it for its state, and
// a console that connects later never hears the states it published before:
// an edit queued while the console was away cannot be checked against it.
// Accepted commands are echoed on the state topic, as ESPHome does.

import type { MqttClient } from 'mqtt';
import { MqttSimDevice, publishAll, toBoolean, toNumber, type PanelResult, type PropertyValue, type SimMessage } from './sim-base.js';

export interface GardenPumpOptions {
  brokerUrl: string;
  deviceId?: string;
  prefix?: string;
  reconnectMs?: number;
  log?: (line: string) => void;
}

const RUN_TIME = { min: 0, max: 120, step: 5 };

export class GardenPumpDevice extends MqttSimDevice {
  readonly prefix: string;
  private pump = false;
  private runTime = 30;

  constructor(opts: GardenPumpOptions) {
    super({ brokerUrl: opts.brokerUrl, deviceId: opts.deviceId ?? 'garden-pump', ...(opts.reconnectMs !== undefined ? { reconnectMs: opts.reconnectMs } : {}), ...(opts.log ? { log: opts.log } : {}) });
    this.prefix = opts.prefix ?? 'homeassistant';
  }

  private get statusTopic(): string {
    return `${this.deviceId}/status`;
  }

  private topic(component: string, objectId: string, kind: 'state' | 'command'): string {
    return `${this.deviceId}/${component}/${objectId}/${kind}`;
  }

  protected will(): SimMessage {
    return { topic: this.statusTopic, payload: 'offline' };
  }

  protected goodbye(): SimMessage {
    return { topic: this.statusTopic, payload: 'offline' };
  }

  /** Discovery configs, abbreviated the way ESPHome writes them. */
  private configs(): SimMessage[] {
    const dev = { ids: ['c8c9a3e1b2f0'], name: 'Garden pump', mf: 'espressif', mdl: 'esp32-c3-devkitm-1', sw: 'esphome v2025.2.0 (holdfast-sim)' };
    const avty = [{ t: this.statusTopic }];
    const entity = (component: string, objectId: string, body: Record<string, unknown>): SimMessage => ({
      topic: `${this.prefix}/${component}/${this.deviceId}/${objectId}/config`,
      payload: JSON.stringify({ ...body, avty, uniq_id: `${this.deviceId}-${objectId}`, dev }),
    });
    return [
      entity('switch', 'pump', {
        name: 'Pump',
        stat_t: this.topic('switch', 'pump', 'state'),
        cmd_t: this.topic('switch', 'pump', 'command'),
        ic: 'mdi:water-pump',
      }),
      entity('number', 'run_time', {
        name: 'Run time',
        stat_t: this.topic('number', 'run_time', 'state'),
        cmd_t: this.topic('number', 'run_time', 'command'),
        min: RUN_TIME.min,
        max: RUN_TIME.max,
        step: RUN_TIME.step,
        unit_of_meas: 'min',
        mode: 'box',
      }),
    ];
  }

  private states(): SimMessage[] {
    return [
      { topic: this.topic('switch', 'pump', 'state'), payload: this.pump ? 'ON' : 'OFF' },
      { topic: this.topic('number', 'run_time', 'state'), payload: String(this.runTime) },
    ];
  }

  protected async announce(client: MqttClient): Promise<void> {
    await client.subscribeAsync([`${this.deviceId}/+/+/command`, `${this.prefix}/status`], { qos: 1 });
    await publishAll(client, [...this.configs(), { topic: this.statusTopic, payload: 'online' }]);
    // retain: false: whoever subscribes later never hears these.
    await publishAll(client, this.states(), false);
  }

  protected onMessage(topic: string, payload: string, retained: boolean): void {
    if (topic === `${this.prefix}/status`) {
      if (payload === 'online') {
        for (const m of this.configs()) this.publish(m.topic, m.payload);
        for (const m of this.states()) this.publish(m.topic, m.payload, false);
      }
      return;
    }
    const parts = topic.split('/');
    if (parts.length !== 4 || parts[0] !== this.deviceId || parts[3] !== 'command') return;
    if (retained) {
      this.log(`[${this.deviceId}] ignored a retained (old) command on ${topic}: "${payload}"`);
      return;
    }
    const r = this.apply(`${parts[1] ?? ''}/${parts[2] ?? ''}`, payload, 'MQTT command');
    if (!r.ok) this.log(`[${this.deviceId}] ${r.error}`);
  }

  panelSet(propertyId: string, raw: string | number | boolean): PanelResult {
    if (propertyId === 'pump') {
      const b = toBoolean(raw);
      return b === null ? { ok: false, error: `refused "${String(raw)}" for pump: not on or off` } : this.apply('switch/pump', b ? 'ON' : 'OFF', 'front panel');
    }
    if (propertyId === 'run_time') return this.apply('number/run_time', String(raw), 'front panel');
    return { ok: false, error: `refused "${String(raw)}" for ${propertyId}: no such property (pump, run_time)` };
  }

  snapshot(): Record<string, PropertyValue> {
    return { pump: this.pump, run_time: this.runTime };
  }

  private apply(key: string, payload: string, source: string): PanelResult {
    switch (key) {
      case 'switch/pump': {
        if (payload !== 'ON' && payload !== 'OFF' && payload !== 'TOGGLE') return { ok: false, error: `refused "${payload}" for pump: not ON, OFF or TOGGLE` };
        this.pump = payload === 'TOGGLE' ? !this.pump : payload === 'ON';
        this.publish(this.topic('switch', 'pump', 'state'), this.pump ? 'ON' : 'OFF', false);
        this.log(`[${this.deviceId}] pump = ${this.pump ? 'ON' : 'OFF'} (${source})`);
        return { ok: true, value: this.pump };
      }
      case 'number/run_time': {
        const n = toNumber(payload);
        if (n === null || n < RUN_TIME.min || n > RUN_TIME.max) return { ok: false, error: `refused "${payload}" for run_time: not a number in ${RUN_TIME.min}..${RUN_TIME.max}` };
        this.runTime = n;
        this.publish(this.topic('number', 'run_time', 'state'), String(n), false);
        this.log(`[${this.deviceId}] run_time = ${n} (${source})`);
        return { ok: true, value: n };
      }
      default:
        return { ok: false, error: `refused "${payload}" on ${key}: no such entity` };
    }
  }
}
