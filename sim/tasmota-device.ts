// Simulated Tasmota smart plug (one relay) with Tasmota's legacy Home Assistant
// discovery, SetOption19 1 (tasmota/tasmota_xdrv_driver/xdrv_12_home_assistant.ino:
// HAssAnnounceRelayLight, HAssAnnounceDeviceInfoAndStatusSensor, HAssPublishStatus).
// Topic "tasmota_5F2A1C", FullTopic "%prefix%/%topic%/":
//
//   homeassistant/switch/5F2A1C_RL_1/config     the relay: stat_t tele/…/STATE, val_tpl {{value_json.POWER}}
//   homeassistant/sensor/5F2A1C_status/config   the status sensor that carries the device info
//   tele/tasmota_5F2A1C/LWT                     "Online", retained; last will "Offline"
//   cmnd/tasmota_5F2A1C/POWER                   ON | OFF | TOGGLE (also 1 / 0 / 2); empty: report the state
//   stat/tasmota_5F2A1C/RESULT                  {"POWER":"ON"}   after every POWER command, empty included
//   stat/tasmota_5F2A1C/POWER                   ON               likewise
//   tele/tasmota_5F2A1C/STATE                   {"Time":…,"POWER":"ON",…} on connect, every TelePeriod and
//                                               on each change (SetOption59, which discovery forces on)
//   tele/tasmota_5F2A1C/HASS_STATE              the status sensor's attributes, every TelePeriod
//
// None of the state is retained (SetOption4 / PowerRetain off). An empty POWER
// command answers on stat/…/RESULT and stat/…/POWER only: ExecuteCommandPower with
// POWER_SHOW_STATE publishes the power state, and tele/STATE only follows a change.
// A Home Assistant birth message (homeassistant/status "online") re-announces.

import type { MqttClient } from 'mqtt';
import { MqttSimDevice, publishAll, toBoolean, type PanelResult, type PropertyValue, type SimMessage } from './sim-base.js';

export interface TasmotaDeviceOptions {
  brokerUrl: string;
  deviceId?: string;
  haPrefix?: string;
  /** Tasmota's TelePeriod (default 300 s). */
  telePeriodMs?: number;
  reconnectMs?: number;
  log?: (line: string) => void;
}

const CHIP_ID = '5F2A1C';
const DEVICE_NAME = 'Desk plug';
const VERSION = '14.4.1(tasmota)';

export class TasmotaDevice extends MqttSimDevice {
  readonly topic: string;
  readonly haPrefix: string;
  private readonly telePeriodMs: number;
  private readonly startedAt = Date.now();
  private power = false;

  constructor(opts: TasmotaDeviceOptions) {
    super({ brokerUrl: opts.brokerUrl, deviceId: opts.deviceId ?? 'tasmota-plug', ...(opts.reconnectMs !== undefined ? { reconnectMs: opts.reconnectMs } : {}), ...(opts.log ? { log: opts.log } : {}) });
    this.topic = `tasmota_${CHIP_ID}`;
    this.haPrefix = opts.haPrefix ?? 'homeassistant';
    this.telePeriodMs = opts.telePeriodMs ?? 300_000;
  }

  override start(): Promise<void> {
    const first = !this.isRunning;
    const started = super.start();
    if (first) {
      this.every(this.telePeriodMs, () => {
        this.publishTeleState();
        this.publish(this.t('tele', 'HASS_STATE'), this.hassState(), false);
      });
    }
    return started;
  }

  private t(prefix: 'cmnd' | 'stat' | 'tele', command: string): string {
    return `${prefix}/${this.topic}/${command}`;
  }

  protected will(): SimMessage {
    return { topic: this.t('tele', 'LWT'), payload: 'Offline' };
  }

  protected goodbye(): SimMessage {
    return this.will();
  }

  /** The configs exactly as the HASS_DISCOVER_* format strings build them (abbreviated keys, their order). */
  private discovery(): SimMessage[] {
    const lwt = { avty_t: this.t('tele', 'LWT'), pl_avail: 'Online', pl_not_avail: 'Offline' };
    const relay = {
      name: DEVICE_NAME,
      stat_t: this.t('tele', 'STATE'),
      ...lwt,
      cmd_t: this.t('cmnd', 'POWER'),
      pl_off: 'OFF',
      pl_on: 'ON',
      val_tpl: '{{value_json.POWER}}',
      uniq_id: `${CHIP_ID}_RL_1`,
      dev: { ids: [CHIP_ID] },
    };
    const status = {
      name: `${DEVICE_NAME} status`,
      stat_t: this.t('tele', 'HASS_STATE'),
      ...lwt,
      json_attr_t: this.t('tele', 'HASS_STATE'),
      unit_of_meas: '%',
      val_tpl: "{{value_json['RSSI']}}",
      ic: 'mdi:information-outline',
      uniq_id: `${CHIP_ID}_status`,
      dev: { ids: [CHIP_ID], name: DEVICE_NAME, mdl: 'Sonoff Basic', sw: VERSION, mf: 'Tasmota' },
    };
    return [
      { topic: `${this.haPrefix}/switch/${CHIP_ID}_RL_1/config`, payload: JSON.stringify(relay) },
      { topic: `${this.haPrefix}/sensor/${CHIP_ID}_status/config`, payload: JSON.stringify(status) },
    ];
  }

  private uptime(): { text: string; seconds: number } {
    const seconds = Math.floor((Date.now() - this.startedAt) / 1000);
    const d = Math.floor(seconds / 86400);
    const hms = new Date((seconds % 86400) * 1000).toISOString().slice(11, 19);
    return { text: `${d}T${hms}`, seconds };
  }

  private teleState(): string {
    const up = this.uptime();
    return JSON.stringify({
      Time: new Date().toISOString().slice(0, 19),
      Uptime: up.text,
      UptimeSec: up.seconds,
      Heap: 26,
      SleepMode: 'Dynamic',
      Sleep: 50,
      LoadAvg: 19,
      MqttCount: 1,
      POWER: this.power ? 'ON' : 'OFF',
      Wifi: { AP: 1, SSId: 'holdfast-sim', BSSId: '00:00:5E:00:53:01', Channel: 6, Mode: '11n', RSSI: 100, Signal: -45, LinkCount: 1, Downtime: '0T00:00:03' },
    });
  }

  private hassState(): string {
    const up = this.uptime();
    return JSON.stringify({
      Version: VERSION,
      BuildDateTime: '2025-01-20T10:00:00',
      'Module or Template': 'Sonoff Basic',
      RestartReason: 'Software/System restart',
      Uptime: up.text,
      Hostname: `tasmota-${CHIP_ID}-0540`,
      IPAddress: '192.0.2.40',
      RSSI: '100',
      'Signal (dBm)': '-45',
      'WiFi LinkCount': 1,
      'WiFi Downtime': '0T00:00:03',
      'MQTT Disconnect Count': 0,
      LoadAvg: 19,
    });
  }

  private publishTeleState(): void {
    this.publish(this.t('tele', 'STATE'), this.teleState(), false);
  }

  /** MqttPublishPowerState: stat/RESULT as JSON, then stat/POWER as plain text. */
  private publishPowerState(): void {
    const word = this.power ? 'ON' : 'OFF';
    this.publish(this.t('stat', 'RESULT'), JSON.stringify({ POWER: word }), false);
    this.publish(this.t('stat', 'POWER'), word, false);
  }

  protected async announce(client: MqttClient): Promise<void> {
    await client.subscribeAsync([this.t('cmnd', 'POWER'), this.t('cmnd', 'POWER1'), this.t('cmnd', 'STATE'), `${this.haPrefix}/status`], { qos: 1 });
    await publishAll(client, [{ topic: this.t('tele', 'LWT'), payload: 'Online' }, ...this.discovery()]);
    await publishAll(client, [{ topic: this.t('tele', 'STATE'), payload: this.teleState() }, { topic: this.t('tele', 'HASS_STATE'), payload: this.hassState() }], false);
  }

  protected onMessage(topic: string, payload: string, retained: boolean): void {
    if (topic === `${this.haPrefix}/status`) {
      if (payload === 'online') for (const m of this.discovery()) this.publish(m.topic, m.payload);
      return;
    }
    if (topic === this.t('cmnd', 'STATE') && !retained) {
      // The State command (with SetOption59, which discovery turns on) publishes tele/STATE: how Holdfast asks.
      this.publish(this.t('stat', 'RESULT'), this.teleState(), false);
      this.publishTeleState();
      return;
    }
    if (topic !== this.t('cmnd', 'POWER') && topic !== this.t('cmnd', 'POWER1')) return;
    if (retained) {
      this.log(`[${this.deviceId}] ignored a retained (old) command on ${topic}: "${payload}"`);
      return;
    }
    const r = this.command(payload, 'MQTT command');
    if (!r.ok) this.log(`[${this.deviceId}] ${r.error}`);
  }

  /** Tasmota's POWER command: case-insensitive words or 0/1/2; empty only reports. */
  private command(payload: string, source: string): PanelResult {
    const word = payload.trim().toUpperCase();
    if (word === '') {
      this.publishPowerState();
      return { ok: true, value: this.power };
    }
    const next = word === 'ON' || word === '1' ? true : word === 'OFF' || word === '0' ? false : word === 'TOGGLE' || word === '2' ? !this.power : null;
    if (next === null) {
      // Tasmota answers an unknown parameter with the current state, changing nothing.
      this.publishPowerState();
      return { ok: false, error: `refused "${payload}" for POWER: not ON, OFF or TOGGLE` };
    }
    this.power = next;
    this.log(`[${this.deviceId}] POWER = ${next ? 'ON' : 'OFF'} (${source})`);
    this.publishPowerState();
    // SetOption59: a change is also sent as tele/STATE, the topic the discovery config reads.
    this.publishTeleState();
    return { ok: true, value: next };
  }

  panelSet(propertyId: string, raw: string | number | boolean): PanelResult {
    if (propertyId.toUpperCase() !== 'POWER') return { ok: false, error: `refused "${String(raw)}" for ${propertyId}: no such property (POWER)` };
    const b = typeof raw === 'string' && raw.trim().toUpperCase() === 'TOGGLE' ? null : toBoolean(raw);
    return this.command(b === null ? String(raw) : b ? 'ON' : 'OFF', 'button');
  }

  snapshot(): Record<string, PropertyValue> {
    return { POWER: this.power };
  }
}
