// Simulated ESPHome-style ceiling fan controller announcing itself through
// Home Assistant MQTT discovery (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery),
// with abbreviated keys and an availability list, as ESPHome firmware does.
//
//   homeassistant/<component>/esp-fan/<object_id>/config   retained discovery configs
//   esp-fan/<component>/<object_id>/state                 retained states
//   esp-fan/<component>/<object_id>/command                commands (non-retained)
//   esp-fan/status                                         "online"; last will "offline"
//
// Entities: number fan_speed (0..100 %, step 5), switch light (ON/OFF),
// select fan_mode (Normal/Breeze/Sleep), sensor motor_temperature (°C, drifts),
// button restart (payload PRESS; the fan goes offline for a moment).
// Commands outside the entity's range or options are ignored, as ESPHome does;
// accepted ones are echoed by publishing the state topic (even when unchanged).
// A Home Assistant birth message ("online" on homeassistant/status) makes the
// device publish its configs and states again.

import type { MqttClient } from 'mqtt';
import { MqttSimDevice, publishAll, toBoolean, toNumber, type PanelResult, type PropertyValue, type SimMessage } from './sim-base.js';

export interface HaDeviceOptions {
  brokerUrl: string;
  deviceId?: string;
  prefix?: string;
  temperatureIntervalMs?: number;
  restartMs?: number;
  reconnectMs?: number;
  log?: (line: string) => void;
}

const MODES = ['Normal', 'Breeze', 'Sleep'];

export class HaDevice extends MqttSimDevice {
  readonly prefix: string;
  private readonly temperatureIntervalMs: number;
  private readonly restartMs: number;
  private fanSpeed = 40;
  private light = false;
  private fanMode = 'Normal';
  private motorTemperature = 38.2;
  private restarting = false;

  constructor(opts: HaDeviceOptions) {
    super({ brokerUrl: opts.brokerUrl, deviceId: opts.deviceId ?? 'esp-fan', ...(opts.reconnectMs !== undefined ? { reconnectMs: opts.reconnectMs } : {}), ...(opts.log ? { log: opts.log } : {}) });
    this.prefix = opts.prefix ?? 'homeassistant';
    this.temperatureIntervalMs = opts.temperatureIntervalMs ?? 3000;
    this.restartMs = opts.restartMs ?? 1500;
  }

  override start(): Promise<void> {
    const first = !this.isRunning;
    const started = super.start();
    if (first) {
      this.every(this.temperatureIntervalMs, () => {
        this.motorTemperature = Math.round(Math.min(60, Math.max(30, this.motorTemperature + (Math.random() - 0.5) * 0.6)) * 10) / 10;
        this.publish(this.topic('sensor', 'motor_temperature', 'state'), this.motorTemperature.toFixed(1));
      });
    }
    return started;
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
    const dev = { ids: ['a4cf12f00d42'], name: 'Ceiling fan (ESPHome)', mf: 'espressif', mdl: 'esp32dev', sw: 'esphome v2025.2.0 (holdfast-sim)' };
    const avty = [{ t: this.statusTopic }];
    const entity = (component: string, objectId: string, body: Record<string, unknown>): SimMessage => ({
      topic: `${this.prefix}/${component}/${this.deviceId}/${objectId}/config`,
      payload: JSON.stringify({ ...body, avty, uniq_id: `${this.deviceId}-${objectId}`, dev }),
    });
    return [
      entity('number', 'fan_speed', {
        name: 'Fan speed',
        stat_t: this.topic('number', 'fan_speed', 'state'),
        cmd_t: this.topic('number', 'fan_speed', 'command'),
        min: 0,
        max: 100,
        step: 5,
        unit_of_meas: '%',
        mode: 'slider',
        ic: 'mdi:fan',
      }),
      entity('switch', 'light', {
        name: 'Light',
        stat_t: this.topic('switch', 'light', 'state'),
        cmd_t: this.topic('switch', 'light', 'command'),
      }),
      entity('select', 'fan_mode', {
        name: 'Fan mode',
        stat_t: this.topic('select', 'fan_mode', 'state'),
        cmd_t: this.topic('select', 'fan_mode', 'command'),
        ops: MODES,
      }),
      entity('sensor', 'motor_temperature', {
        name: 'Motor temperature',
        stat_t: this.topic('sensor', 'motor_temperature', 'state'),
        unit_of_meas: '°C',
        dev_cla: 'temperature',
        stat_cla: 'measurement',
        ent_cat: 'diagnostic',
      }),
      entity('button', 'restart', {
        name: 'Restart',
        cmd_t: this.topic('button', 'restart', 'command'),
        dev_cla: 'restart',
        ent_cat: 'config',
      }),
    ];
  }

  private states(): SimMessage[] {
    return [
      { topic: this.topic('number', 'fan_speed', 'state'), payload: String(this.fanSpeed) },
      { topic: this.topic('switch', 'light', 'state'), payload: this.light ? 'ON' : 'OFF' },
      { topic: this.topic('select', 'fan_mode', 'state'), payload: this.fanMode },
      { topic: this.topic('sensor', 'motor_temperature', 'state'), payload: this.motorTemperature.toFixed(1) },
    ];
  }

  protected async announce(client: MqttClient): Promise<void> {
    await client.subscribeAsync([`${this.deviceId}/+/+/command`, `${this.prefix}/status`], { qos: 1 });
    await publishAll(client, [...this.configs(), ...this.states()]);
    if (!this.restarting) await publishAll(client, [{ topic: this.statusTopic, payload: 'online' }]);
  }

  protected onMessage(topic: string, payload: string, retained: boolean): void {
    if (topic === `${this.prefix}/status`) {
      if (payload === 'online') {
        for (const m of [...this.configs(), ...this.states()]) this.publish(m.topic, m.payload);
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
    const key = { fan_speed: 'number/fan_speed', light: 'switch/light', fan_mode: 'select/fan_mode', restart: 'button/restart' }[propertyId];
    if (key === undefined) {
      const why = propertyId === 'motor_temperature' ? 'not settable (it is a reading)' : 'no such property (fan_speed, light, fan_mode, restart)';
      return { ok: false, error: `refused "${String(raw)}" for ${propertyId}: ${why}` };
    }
    if (key === 'switch/light') {
      const b = toBoolean(raw);
      return b === null ? { ok: false, error: `refused "${String(raw)}" for light: not on or off` } : this.apply(key, b ? 'ON' : 'OFF', 'front panel');
    }
    return this.apply(key, key === 'button/restart' ? 'PRESS' : String(raw), 'front panel');
  }

  snapshot(): Record<string, PropertyValue> {
    return { fan_speed: this.fanSpeed, light: this.light, fan_mode: this.fanMode, motor_temperature: this.motorTemperature };
  }

  private apply(key: string, payload: string, source: string): PanelResult {
    switch (key) {
      case 'number/fan_speed': {
        const n = toNumber(payload);
        if (n === null || n < 0 || n > 100) return { ok: false, error: `refused "${payload}" for fan_speed: not a number in 0..100` };
        this.fanSpeed = n;
        this.publish(this.topic('number', 'fan_speed', 'state'), String(n));
        this.log(`[${this.deviceId}] fan_speed = ${n} (${source})`);
        return { ok: true, value: n };
      }
      case 'switch/light': {
        if (payload !== 'ON' && payload !== 'OFF' && payload !== 'TOGGLE') return { ok: false, error: `refused "${payload}" for light: not ON, OFF or TOGGLE` };
        this.light = payload === 'TOGGLE' ? !this.light : payload === 'ON';
        this.publish(this.topic('switch', 'light', 'state'), this.light ? 'ON' : 'OFF');
        this.log(`[${this.deviceId}] light = ${this.light ? 'ON' : 'OFF'} (${source})`);
        return { ok: true, value: this.light };
      }
      case 'select/fan_mode': {
        if (!MODES.includes(payload)) return { ok: false, error: `refused "${payload}" for fan_mode: not one of ${MODES.join(', ')}` };
        this.fanMode = payload;
        this.publish(this.topic('select', 'fan_mode', 'state'), payload);
        this.log(`[${this.deviceId}] fan_mode = ${payload} (${source})`);
        return { ok: true, value: payload };
      }
      case 'button/restart': {
        if (payload !== 'PRESS') return { ok: false, error: `refused "${payload}" for restart: the button takes PRESS` };
        this.restart(source);
        return { ok: true, value: true };
      }
      default:
        return { ok: false, error: `refused "${payload}" on ${key}: no such entity` };
    }
  }

  private restart(source: string): void {
    this.log(`[${this.deviceId}] restarting (${source})`);
    this.restarting = true;
    this.publish(this.statusTopic, 'offline');
    this.after(this.restartMs, () => {
      this.restarting = false;
      this.publish(this.statusTopic, 'online');
      this.log(`[${this.deviceId}] restart complete`);
    });
  }
}
