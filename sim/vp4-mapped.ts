// Simulated "cy-vp4": the same kind of video processor as sim/vp4.ts, but
// speaking its vendor's legacy text protocol instead of a convention. The
// console reads it through a mapping file (examples/vp4-mapping.json).
//
// Status (all retained):
//   cy-vp4/videoproc/status/online                    "online"; last will "offline"
//   cy-vp4/videoproc/status/volatile/genlock_phase    "<h> <v>"          e.g. "-25 10"
//   cy-vp4/videoproc/status/volatile/temperature      "temp=<c>C"        e.g. "temp=41.5C" (drifts)
//   cy-vp4/videoproc/status/config/output_format      "<format>"         e.g. "1080i50"
//   cy-vp4/videoproc/status/config/test_pattern       "testpattern on|off"
//   cy-vp4/videoproc/status/info                      {"firmware":{"version":"2.1.4"},"model":"VP4"}
// Commands (non-retained text lines):
//   cy-vp4/videoproc/action/set/genlock               "genlock <h> <v>"  integers, clamped to -180..180
//   cy-vp4/videoproc/action/set/output_format         "format <format>"
//   cy-vp4/videoproc/action/set/test_pattern          "testpattern on|off"
//   cy-vp4/videoproc/action/reboot                    "reboot"           offline for a moment
// An accepted command is echoed by republishing the status topic, even when
// nothing changed. Anything else is ignored (the legacy firmware has no error
// channel) and logged; retained commands are ignored as old.
//
// Panel ids (npm run device -- set cy-vp4 genlock-phase -25) are the mapping's
// property ids: genlock-phase, genlock-phase-v, output-format, test-pattern, reboot.

import type { MqttClient } from 'mqtt';
import { MqttSimDevice, publishAll, toBoolean, toInteger, type PanelResult, type PropertyValue, type SimMessage } from './sim-base.js';

export interface Vp4MappedOptions {
  brokerUrl: string;
  deviceId?: string;
  temperatureIntervalMs?: number;
  rebootMs?: number;
  reconnectMs?: number;
  log?: (line: string) => void;
}

const FORMATS = ['1080i50', '1080p50', '1080p59.94', '2160p50', '2160p59.94'];
const PHASE_MIN = -180;
const PHASE_MAX = 180;

export class Vp4MappedDevice extends MqttSimDevice {
  private readonly temperatureIntervalMs: number;
  private readonly rebootMs: number;
  private phaseH = 22;
  private phaseV = 10;
  private outputFormat = '1080i50';
  private testPattern = false;
  private temperature = 40.5;
  private rebooting = false;

  constructor(opts: Vp4MappedOptions) {
    super({ brokerUrl: opts.brokerUrl, deviceId: opts.deviceId ?? 'cy-vp4', ...(opts.reconnectMs !== undefined ? { reconnectMs: opts.reconnectMs } : {}), ...(opts.log ? { log: opts.log } : {}) });
    this.temperatureIntervalMs = opts.temperatureIntervalMs ?? 3000;
    this.rebootMs = opts.rebootMs ?? 1500;
  }

  override start(): Promise<void> {
    const first = !this.isRunning;
    const started = super.start();
    if (first) {
      this.every(this.temperatureIntervalMs, () => {
        this.temperature = Math.round(Math.min(55, Math.max(35, this.temperature + (Math.random() - 0.5) * 0.6)) * 10) / 10;
        this.publish(this.t('status/volatile/temperature'), this.temperatureText());
      });
    }
    return started;
  }

  private t(suffix: string): string {
    return `${this.deviceId}/videoproc/${suffix}`;
  }

  private temperatureText(): string {
    return `temp=${this.temperature.toFixed(1)}C`;
  }

  protected will(): SimMessage {
    return { topic: this.t('status/online'), payload: 'offline' };
  }

  protected goodbye(): SimMessage {
    return { topic: this.t('status/online'), payload: 'offline' };
  }

  private statuses(): SimMessage[] {
    return [
      { topic: this.t('status/volatile/genlock_phase'), payload: `${this.phaseH} ${this.phaseV}` },
      { topic: this.t('status/volatile/temperature'), payload: this.temperatureText() },
      { topic: this.t('status/config/output_format'), payload: this.outputFormat },
      { topic: this.t('status/config/test_pattern'), payload: `testpattern ${this.testPattern ? 'on' : 'off'}` },
      { topic: this.t('status/info'), payload: JSON.stringify({ firmware: { version: '2.1.4' }, model: 'VP4' }) },
    ];
  }

  protected async announce(client: MqttClient): Promise<void> {
    await client.subscribeAsync(this.t('action/#'), { qos: 1 });
    await publishAll(client, this.statuses());
    if (!this.rebooting) await publishAll(client, [{ topic: this.t('status/online'), payload: 'online' }]);
  }

  protected onMessage(topic: string, payload: string, retained: boolean): void {
    if (!topic.startsWith(this.t('action/'))) return;
    if (retained) {
      this.log(`[${this.deviceId}] ignored a retained (old) command on ${topic}: "${payload}"`);
      return;
    }
    const words = payload.trim().split(/\s+/);
    const r = this.command(topic.slice(this.t('action/').length), words, 'MQTT');
    if (!r.ok) this.log(`[${this.deviceId}] ignored "${payload}" on ${topic}: ${r.error}`);
  }

  private command(action: string, words: readonly string[], source: string): PanelResult {
    switch (action) {
      case 'set/genlock': {
        const [verb, h, v] = words;
        const hn = h === undefined ? null : toInteger(h);
        const vn = v === undefined ? null : toInteger(v);
        if (verb !== 'genlock' || hn === null || vn === null || words.length !== 3) return { ok: false, error: 'expected "genlock <h> <v>"' };
        const ch = clamp(hn);
        const cv = clamp(vn);
        this.phaseH = ch;
        this.phaseV = cv;
        this.publish(this.t('status/volatile/genlock_phase'), `${ch} ${cv}`);
        this.log(`[${this.deviceId}] genlock phase = ${ch} ${cv} (${source})`);
        return ch !== hn ? { ok: true, value: ch, clamped: true } : { ok: true, value: ch };
      }
      case 'set/output_format': {
        const [verb, format] = words;
        if (verb !== 'format' || format === undefined || !FORMATS.includes(format) || words.length !== 2) {
          return { ok: false, error: `expected "format <${FORMATS.join('|')}>"` };
        }
        this.outputFormat = format;
        this.publish(this.t('status/config/output_format'), format);
        this.log(`[${this.deviceId}] output format = ${format} (${source})`);
        return { ok: true, value: format };
      }
      case 'set/test_pattern': {
        const [verb, state] = words;
        if (verb !== 'testpattern' || (state !== 'on' && state !== 'off') || words.length !== 2) return { ok: false, error: 'expected "testpattern on|off"' };
        this.testPattern = state === 'on';
        this.publish(this.t('status/config/test_pattern'), `testpattern ${state}`);
        this.log(`[${this.deviceId}] test pattern = ${state} (${source})`);
        return { ok: true, value: this.testPattern };
      }
      case 'reboot': {
        if (words.length !== 1 || words[0] !== 'reboot') return { ok: false, error: 'expected "reboot"' };
        this.reboot(source);
        return { ok: true, value: true };
      }
      default:
        return { ok: false, error: 'unknown command' };
    }
  }

  panelSet(propertyId: string, raw: string | number | boolean): PanelResult {
    const shown = String(raw);
    switch (propertyId) {
      case 'genlock-phase':
      case 'genlock-phase-v': {
        const n = toInteger(raw);
        if (n === null) return { ok: false, error: `refused "${shown}" for ${propertyId}: not an integer` };
        const [h, v] = propertyId === 'genlock-phase' ? [n, this.phaseV] : [this.phaseH, n];
        const r = this.command('set/genlock', ['genlock', String(h), String(v)], 'front panel');
        if (!r.ok) return r;
        const value = propertyId === 'genlock-phase' ? this.phaseH : this.phaseV;
        return value !== n ? { ok: true, value, clamped: true } : { ok: true, value };
      }
      case 'output-format':
        return this.command('set/output_format', ['format', shown], 'front panel');
      case 'test-pattern': {
        const b = toBoolean(raw);
        if (b === null) return { ok: false, error: `refused "${shown}" for test-pattern: not on or off` };
        return this.command('set/test_pattern', ['testpattern', b ? 'on' : 'off'], 'front panel');
      }
      case 'reboot':
        return this.command('reboot', ['reboot'], 'front panel');
      case 'temperature':
      case 'firmware':
        return { ok: false, error: `refused "${shown}" for ${propertyId}: not settable (it is a reading)` };
      default:
        return { ok: false, error: `refused "${shown}" for ${propertyId}: no such property (genlock-phase, genlock-phase-v, output-format, test-pattern, reboot)` };
    }
  }

  snapshot(): Record<string, PropertyValue> {
    return {
      'genlock-phase': this.phaseH,
      'genlock-phase-v': this.phaseV,
      'output-format': this.outputFormat,
      'test-pattern': this.testPattern,
      temperature: this.temperature,
      firmware: '2.1.4',
    };
  }

  private reboot(source: string): void {
    this.log(`[${this.deviceId}] rebooting (${source})`);
    this.rebooting = true;
    this.publish(this.t('status/online'), 'offline');
    this.after(this.rebootMs, () => {
      this.rebooting = false;
      for (const m of this.statuses()) this.publish(m.topic, m.payload);
      this.publish(this.t('status/online'), 'online');
      this.log(`[${this.deviceId}] reboot complete`);
    });
  }
}

function clamp(n: number): number {
  return Math.min(PHASE_MAX, Math.max(PHASE_MIN, n));
}
