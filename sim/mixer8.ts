// Simulated 8-channel audio mixer speaking Homie 5 (https://homieiot.github.io/specification/ — v5).
//
//   homie/5/mixer8/$description   nodes ch1..ch8 "Channel 1".."Channel 8", each with
//                                   level  integer dB, -60:10, settable, retained
//                                   mute   boolean, settable, retained
//                                 and node "scenes" "Scenes" with
//                                   recall enum preset-a,preset-b,preset-c, settable, NOT retained
//
// Every channel's controls are named "Level" and "Mute": names are unique only
// within their node, which the console shows as a group.
//
// Sets arrive on homie/5/mixer8/<node>/<prop>/set (non-retained; retained sets are
// old commands and ignored). A level outside -60..10 is CLAMPED, as a fader stops
// at its end; a malformed payload is REFUSED (state unchanged, nothing echoed, a
// retained $alert/set-refused says why). An accepted set is echoed with $target,
// then the value (retained), even when unchanged.
//
// scenes/recall is a command with a value: it applies the preset's levels to all
// eight channels (each echoed with $target and value) and publishes the recalled
// preset once, non-retained, as the event. Mutes are left as they are.
//
// On every (re)connect: $state init, $description, every value and $target, $state
// ready. Last will: $state lost; stop(): disconnected.

import type { MqttClient } from 'mqtt';
import { MqttSimDevice, publishAll, toBoolean, toInteger, type PanelResult, type PropertyValue, type SimMessage } from './sim-base.js';

export interface Mixer8Options {
  brokerUrl: string;
  deviceId?: string;
  root?: string;
  reconnectMs?: number;
  log?: (line: string) => void;
}

const CHANNELS = [1, 2, 3, 4, 5, 6, 7, 8] as const;
const LEVEL = { min: -60, max: 10 };
const PRESETS: Readonly<Record<string, readonly number[]>> = {
  // Everything at unity gain.
  'preset-a': [0, 0, 0, 0, 0, 0, 0, 0],
  // Speech up front: the first two channels at unity, the rest pulled back.
  'preset-b': [0, 0, -10, -10, -20, -20, -30, -30],
  // Faders down: silence without muting.
  'preset-c': [-60, -60, -60, -60, -60, -60, -60, -60],
};
const PRESET_NAMES = Object.keys(PRESETS);
const RECALL = 'scenes/recall';

function buildDescription(): string {
  const nodes: Record<string, unknown> = {};
  for (const n of CHANNELS) {
    nodes[`ch${n}`] = {
      name: `Channel ${n}`,
      properties: {
        level: { name: 'Level', datatype: 'integer', format: `${LEVEL.min}:${LEVEL.max}`, unit: 'dB', settable: true },
        mute: { name: 'Mute', datatype: 'boolean', settable: true },
      },
    };
  }
  nodes['scenes'] = {
    name: 'Scenes',
    properties: { recall: { name: 'Recall', datatype: 'enum', format: PRESET_NAMES.join(','), settable: true, retained: false } },
  };
  // The description never changes at run time, so one version number serves.
  return JSON.stringify({ homie: '5.0', version: 1, name: '8-channel audio mixer', nodes });
}

const DESCRIPTION = buildDescription();

type Accepted = { ok: true; value: PropertyValue; clamped: boolean } | { ok: false; reason: string };

export class Mixer8Device extends MqttSimDevice {
  readonly root: string;
  /** "ch<n>/level" and "ch<n>/mute": the retained state. */
  private readonly values = new Map<string, PropertyValue>();

  constructor(opts: Mixer8Options) {
    super({ brokerUrl: opts.brokerUrl, deviceId: opts.deviceId ?? 'mixer8', ...(opts.reconnectMs !== undefined ? { reconnectMs: opts.reconnectMs } : {}), ...(opts.log ? { log: opts.log } : {}) });
    this.root = opts.root ?? 'homie';
    for (const n of CHANNELS) {
      this.values.set(`ch${n}/level`, -10);
      this.values.set(`ch${n}/mute`, false);
    }
  }

  get baseTopic(): string {
    return `${this.root}/5/${this.deviceId}`;
  }

  protected will(): SimMessage {
    return { topic: `${this.baseTopic}/$state`, payload: 'lost' };
  }

  protected goodbye(): SimMessage {
    return { topic: `${this.baseTopic}/$state`, payload: 'disconnected' };
  }

  protected async announce(client: MqttClient): Promise<void> {
    const base = this.baseTopic;
    // Subscribe first so a set sent right after "ready" is never missed.
    await client.subscribeAsync(`${base}/+/+/set`, { qos: 1 });
    await publishAll(client, [
      { topic: `${base}/$state`, payload: 'init' },
      { topic: `${base}/$description`, payload: DESCRIPTION },
    ]);
    const state: SimMessage[] = [];
    for (const [id, value] of this.values) {
      state.push({ topic: `${base}/${id}/$target`, payload: String(value) }, { topic: `${base}/${id}`, payload: String(value) });
    }
    await publishAll(client, state);
    await publishAll(client, [{ topic: `${base}/$state`, payload: 'ready' }]);
  }

  protected onMessage(topic: string, payload: string, retained: boolean): void {
    const prefix = `${this.baseTopic}/`;
    if (!topic.startsWith(prefix) || !topic.endsWith('/set')) return;
    const id = topic.slice(prefix.length, -'/set'.length);
    if (retained) {
      this.log(`[${this.deviceId}] ignored a retained (old) set for ${id}: "${payload}"`);
      return;
    }
    const r = this.accept(id, payload, true);
    if (!r.ok) this.refuse(payload, id, r.reason);
    else this.apply(id, r.value, 'MQTT set');
  }

  panelSet(propertyId: string, raw: string | number | boolean): PanelResult {
    const r = this.accept(propertyId, raw, false);
    if (!r.ok) return { ok: false, error: `refused "${String(raw)}" for ${propertyId}: ${r.reason}` };
    this.apply(propertyId, r.value, 'front panel');
    return r.clamped ? { ok: true, value: r.value, clamped: true } : { ok: true, value: r.value };
  }

  snapshot(): Record<string, PropertyValue> {
    return Object.fromEntries(this.values);
  }

  /** Payloads must be exact Homie values (`strict`); the front panel takes what a person types. */
  private accept(id: string, raw: string | number | boolean, strict: boolean): Accepted {
    if (id === RECALL) {
      return typeof raw === 'string' && PRESET_NAMES.includes(raw) ? { ok: true, value: raw, clamped: false } : { ok: false, reason: `not one of ${PRESET_NAMES.join(', ')}` };
    }
    if (!this.values.has(id)) return { ok: false, reason: `no such property (ch1..ch8/level, ch1..ch8/mute, ${RECALL})` };
    if (id.endsWith('/mute')) {
      const b = strict ? (raw === 'true' ? true : raw === 'false' ? false : null) : toBoolean(raw);
      return b === null ? { ok: false, reason: 'not "true" or "false"' } : { ok: true, value: b, clamped: false };
    }
    const n = strict && typeof raw === 'string' && !/^-?\d+$/.test(raw) ? null : toInteger(raw);
    if (n === null) return { ok: false, reason: 'not an integer' };
    const level = Math.min(LEVEL.max, Math.max(LEVEL.min, n));
    return { ok: true, value: level, clamped: level !== n };
  }

  private apply(id: string, value: PropertyValue, source: string): void {
    if (id === RECALL) {
      this.recall(String(value), source);
      return;
    }
    this.set(id, value, source);
  }

  /** Change a retained value and echo it: $target first, then the value. */
  private set(id: string, value: PropertyValue, source: string): void {
    this.values.set(id, value);
    this.log(`[${this.deviceId}] ${id} = ${String(value)} (${source})`);
    this.publish(`${this.baseTopic}/${id}/$target`, String(value));
    this.publish(`${this.baseTopic}/${id}`, String(value));
  }

  private recall(preset: string, source: string): void {
    const levels = PRESETS[preset] ?? [];
    this.log(`[${this.deviceId}] recall ${preset} (${source})`);
    CHANNELS.forEach((n, i) => {
      const level = levels[i];
      if (level !== undefined) this.set(`ch${n}/level`, level, preset);
    });
    // The event itself: non-retained, so nobody replays an old recall.
    this.publish(`${this.baseTopic}/${RECALL}`, preset, false);
  }

  private refuse(payload: string, id: string, reason: string): void {
    const text = `refused "${payload}" for ${id}: ${reason}`;
    this.log(`[${this.deviceId}] ${text}`);
    this.publish(`${this.baseTopic}/$alert/set-refused`, text);
  }
}
