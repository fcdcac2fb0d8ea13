// Simulated Zigbee2MQTT bridge with one dimmable white-spectrum bulb, "Studio light",
// publishing what Zigbee2MQTT 2.x publishes for it
// (https://www.zigbee2mqtt.io/guide/usage/mqtt_topics_and_messages.html):
//
//   zigbee2mqtt/bridge/state                 {"state":"online"}, retained; last will {"state":"offline"} (lib/mqtt.ts)
//   zigbee2mqtt/bridge/devices               retained: the coordinator and the bulb, with its exposes (lib/extension/bridge.ts)
//   zigbee2mqtt/Studio light                 state JSON, NOT retained: on every change, after /set and in answer to /get
//   zigbee2mqtt/Studio light/availability    {"state":"online"}, retained (lib/extension/availability.ts)
//   zigbee2mqtt/Studio light/set             {"state":"ON","brightness":120,…} or …/set/<property> with the bare value
//   zigbee2mqtt/Studio light/get             {"<property>":""}: the bulb reads it and the state is published
//   homeassistant/{light,select,sensor}/0x…/…/config   the Home Assistant discovery Zigbee2MQTT publishes for it
//                                            (lib/extension/homeassistant.ts), again on the birth message homeassistant/status
//
// The access bits show all three kinds of feature: state, brightness, color_temp and
// power_on_behavior are 7 (in the state, settable, gettable), effect is 2 (a command:
// never in the state), linkquality is 1 (reported only). Out-of-range brightness and
// colour temperature are clamped, as the converters do.

import type { MqttClient } from 'mqtt';
import { MqttSimDevice, publishAll, toBoolean, toInteger, type PanelResult, type PropertyValue, type SimMessage } from './sim-base.js';

export interface Zigbee2mqttDeviceOptions {
  brokerUrl: string;
  deviceId?: string;
  base?: string;
  haPrefix?: string;
  reconnectMs?: number;
  log?: (line: string) => void;
}

const FRIENDLY_NAME = 'Studio light';
const IEEE = '0x000b57fffec6a5b3';
const COORDINATOR_IEEE = '0x00124b00120144ae';
const BRIGHTNESS = { min: 0, max: 254 };
const COLOR_TEMP = { min: 250, max: 454 };
const POWER_ON_BEHAVIORS = ['off', 'on', 'toggle', 'previous'];
const EFFECTS = ['blink', 'breathe', 'okay', 'channel_change', 'finish_effect', 'stop_effect'];

/** The bulb's exposes, serialized the way bridge/devices carries them (zigbee-herdsman-converters exposes.ts). */
const EXPOSES = [
  {
    type: 'light',
    features: [
      { access: 7, description: 'On/off state of this light', label: 'State', name: 'state', property: 'state', type: 'binary', value_off: 'OFF', value_on: 'ON', value_toggle: 'TOGGLE' },
      { access: 7, description: 'Brightness of this light', label: 'Brightness', name: 'brightness', property: 'brightness', type: 'numeric', value_max: BRIGHTNESS.max, value_min: BRIGHTNESS.min },
      { access: 7, description: 'Color temperature of this light', label: 'Color temp', name: 'color_temp', property: 'color_temp', type: 'numeric', unit: 'mired', value_max: COLOR_TEMP.max, value_min: COLOR_TEMP.min },
    ],
  },
  { access: 2, description: 'Triggers an effect on the light (e.g. make light blink for a few seconds)', label: 'Effect', name: 'effect', property: 'effect', type: 'enum', values: EFFECTS },
  { access: 7, category: 'config', description: 'Controls the behavior when the device is powered on after power loss', label: 'Power-on behavior', name: 'power_on_behavior', property: 'power_on_behavior', type: 'enum', values: POWER_ON_BEHAVIORS },
  { access: 1, category: 'diagnostic', description: 'Link quality (signal strength)', label: 'Linkquality', name: 'linkquality', property: 'linkquality', type: 'numeric', unit: 'lqi', value_max: 255, value_min: 0 },
];

function clamp(n: number, range: { min: number; max: number }): number {
  return Math.min(range.max, Math.max(range.min, Math.round(n)));
}

type Settable = 'state' | 'brightness' | 'color_temp' | 'power_on_behavior' | 'effect';

export class Zigbee2mqttDevice extends MqttSimDevice {
  readonly base: string;
  readonly haPrefix: string;
  private on = true;
  private brightness = 180;
  private colorTemp = 370;
  private powerOnBehavior = 'previous';
  private readonly linkquality = 142;

  constructor(opts: Zigbee2mqttDeviceOptions) {
    super({ brokerUrl: opts.brokerUrl, deviceId: opts.deviceId ?? 'studio-light', ...(opts.reconnectMs !== undefined ? { reconnectMs: opts.reconnectMs } : {}), ...(opts.log ? { log: opts.log } : {}) });
    this.base = opts.base ?? 'zigbee2mqtt';
    this.haPrefix = opts.haPrefix ?? 'homeassistant';
  }

  private get stateTopic(): string {
    return `${this.base}/${FRIENDLY_NAME}`;
  }

  protected will(): SimMessage {
    return { topic: `${this.base}/bridge/state`, payload: JSON.stringify({ state: 'offline' }) };
  }

  protected goodbye(): SimMessage {
    return this.will();
  }

  private deviceList(): SimMessage {
    const coordinator = { ieee_address: COORDINATOR_IEEE, type: 'Coordinator', network_address: 0, supported: true, friendly_name: 'Coordinator', disabled: false, definition: null, endpoints: {}, interview_completed: true, interview_state: 'SUCCESSFUL', interviewing: false };
    const bulb = {
      ieee_address: IEEE,
      type: 'Router',
      network_address: 40369,
      supported: true,
      friendly_name: FRIENDLY_NAME,
      disabled: false,
      definition: { source: 'native', model: 'LED1545G12', vendor: 'IKEA', description: 'TRADFRI bulb E26/E27, white spectrum, globe, opal, 980 lm', exposes: EXPOSES, options: [], supports_ota: true },
      power_source: 'Mains (single phase)',
      model_id: 'TRADFRI bulb E27 WS opal 980lm',
      manufacturer: 'IKEA of Sweden',
      interview_completed: true,
      interview_state: 'SUCCESSFUL',
      interviewing: false,
      endpoints: { 1: { bindings: [], configured_reportings: [], clusters: { input: ['genBasic', 'genOnOff', 'genLevelCtrl', 'lightingColorCtrl'], output: ['genOta'] }, scenes: [] } },
    };
    return { topic: `${this.base}/bridge/devices`, payload: JSON.stringify([coordinator, bulb]) };
  }

  /** What Zigbee2MQTT's Home Assistant extension publishes for this bulb (getDevicePayload, availability_mode "all"). */
  private discovery(): SimMessage[] {
    const device = { identifiers: [`zigbee2mqtt_${IEEE}`], manufacturer: 'IKEA', model: 'TRADFRI bulb E26/E27, white spectrum, globe, opal, 980 lm', model_id: 'LED1545G12', name: FRIENDLY_NAME, via_device: `zigbee2mqtt_bridge_${COORDINATOR_IEEE}` };
    const availability = [
      { topic: `${this.base}/bridge/state`, value_template: '{{ value_json.state }}' },
      { topic: `${this.stateTopic}/availability`, value_template: '{{ value_json.state }}' },
    ];
    const origin = { name: 'Zigbee2MQTT', sw: '2.6.0', url: 'https://www.zigbee2mqtt.io' };
    const common = { availability, availability_mode: 'all', device, origin };
    const config = (component: string, objectId: string, body: Record<string, unknown>): SimMessage => ({
      topic: `${this.haPrefix}/${component}/${IEEE}/${objectId}/config`,
      payload: JSON.stringify({ ...common, ...body, unique_id: `${IEEE}_${objectId}_${this.base}` }),
    });
    return [
      config('light', 'light', {
        name: null,
        schema: 'json',
        brightness: true,
        brightness_scale: 254,
        supported_color_modes: ['color_temp'],
        min_mireds: COLOR_TEMP.min,
        max_mireds: COLOR_TEMP.max,
        effect: true,
        effect_list: EFFECTS,
        command_topic: `${this.stateTopic}/set`,
        state_topic: this.stateTopic,
        object_id: 'studio_light',
        default_entity_id: 'light.studio_light',
      }),
      config('select', 'power_on_behavior', {
        name: 'Power-on behavior',
        entity_category: 'config',
        icon: 'mdi:power-settings',
        options: POWER_ON_BEHAVIORS,
        value_template: '{{ value_json["power_on_behavior"] }}',
        state_topic: this.stateTopic,
        command_topic: `${this.stateTopic}/set/power_on_behavior`,
        object_id: 'studio_light_power_on_behavior',
        default_entity_id: 'select.studio_light_power_on_behavior',
      }),
      config('sensor', 'linkquality', {
        name: 'Linkquality',
        icon: 'mdi:signal',
        enabled_by_default: false,
        entity_category: 'diagnostic',
        unit_of_measurement: 'lqi',
        state_class: 'measurement',
        value_template: '{{ value_json["linkquality"] }}',
        state_topic: this.stateTopic,
        object_id: 'studio_light_linkquality',
        default_entity_id: 'sensor.studio_light_linkquality',
      }),
    ];
  }

  /** The whole cached state, keys sorted as Zigbee2MQTT's stringify writes them. */
  private state(): string {
    return JSON.stringify({ brightness: this.brightness, color_mode: 'color_temp', color_temp: this.colorTemp, linkquality: this.linkquality, power_on_behavior: this.powerOnBehavior, state: this.on ? 'ON' : 'OFF' });
  }

  private publishState(): void {
    this.publish(this.stateTopic, this.state(), false);
  }

  protected async announce(client: MqttClient): Promise<void> {
    await client.subscribeAsync([`${this.stateTopic}/set`, `${this.stateTopic}/set/+`, `${this.stateTopic}/get`, `${this.haPrefix}/status`], { qos: 1 });
    await publishAll(client, [{ topic: `${this.base}/bridge/state`, payload: JSON.stringify({ state: 'online' }) }, this.deviceList(), ...this.discovery()]);
    await publishAll(client, [{ topic: `${this.stateTopic}/availability`, payload: JSON.stringify({ state: 'online' }) }]);
    // The bulb reports its attributes once the bridge is up; the state is never retained.
    await publishAll(client, [{ topic: this.stateTopic, payload: this.state() }], false);
  }

  protected onMessage(topic: string, payload: string, retained: boolean): void {
    if (topic === `${this.haPrefix}/status`) {
      if (payload === 'online') for (const m of this.discovery()) this.publish(m.topic, m.payload);
      return;
    }
    if (retained) {
      this.log(`[${this.deviceId}] ignored a retained (old) command on ${topic}: "${payload}"`);
      return;
    }
    if (topic === `${this.stateTopic}/get`) {
      this.publishState();
      return;
    }
    const message = this.parseSet(topic, payload);
    if (message === null) {
      this.log(`[${this.deviceId}] ignored "${payload}" on ${topic}: not a JSON object`);
      return;
    }
    for (const [key, value] of Object.entries(message)) {
      const r = this.apply(key, value, 'MQTT /set');
      if (!r.ok) this.log(`[${this.deviceId}] ${r.error}`);
    }
    // Zigbee2MQTT publishes the (optimistic) new state after a set, even when nothing changed.
    this.publishState();
  }

  /** publish.ts parseMessage: /set carries JSON; /set/<property> the bare value. */
  private parseSet(topic: string, payload: string): Record<string, unknown> | null {
    const attribute = topic.startsWith(`${this.stateTopic}/set/`) ? topic.slice(`${this.stateTopic}/set/`.length) : null;
    let parsed: unknown = payload;
    try {
      parsed = JSON.parse(payload);
    } catch {
      // a bare value such as ON
    }
    if (attribute !== null) return { [attribute]: parsed };
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    return ['ON', 'OFF', 'TOGGLE'].includes(payload.toUpperCase()) ? { state: payload } : null;
  }

  panelSet(propertyId: string, raw: string | number | boolean): PanelResult {
    // At the panel "on", "1" and true also work for the state; Zigbee2MQTT itself wants ON, OFF or TOGGLE.
    const on = propertyId === 'state' ? toBoolean(raw) : null;
    const r = this.apply(propertyId, on === null ? raw : on ? 'ON' : 'OFF', 'wall switch');
    if (r.ok) this.publishState();
    return r;
  }

  snapshot(): Record<string, PropertyValue> {
    return { state: this.on, brightness: this.brightness, color_temp: this.colorTemp, power_on_behavior: this.powerOnBehavior, linkquality: this.linkquality };
  }

  private apply(key: string, value: unknown, source: string): PanelResult {
    const refuse = (why: string): PanelResult => ({ ok: false, error: `refused ${JSON.stringify(value)} for ${key}: ${why}` });
    switch (key as Settable) {
      case 'state': {
        const text = typeof value === 'string' ? value.toUpperCase() : '';
        if (!['ON', 'OFF', 'TOGGLE'].includes(text)) return refuse('not ON, OFF or TOGGLE');
        this.on = text === 'TOGGLE' ? !this.on : text === 'ON';
        this.log(`[${this.deviceId}] state = ${this.on ? 'ON' : 'OFF'} (${source})`);
        return { ok: true, value: this.on };
      }
      case 'brightness':
      case 'color_temp': {
        const n = typeof value === 'number' ? value : toInteger(typeof value === 'string' ? value : String(value));
        if (n === null || !Number.isFinite(n)) return refuse('not a number');
        const c = clamp(n, key === 'brightness' ? BRIGHTNESS : COLOR_TEMP);
        if (key === 'brightness') this.brightness = c;
        else this.colorTemp = c;
        this.log(`[${this.deviceId}] ${key} = ${c} (${source})`);
        return c !== n ? { ok: true, value: c, clamped: true } : { ok: true, value: c };
      }
      case 'power_on_behavior':
        if (typeof value !== 'string' || !POWER_ON_BEHAVIORS.includes(value)) return refuse(`not one of ${POWER_ON_BEHAVIORS.join(', ')}`);
        this.powerOnBehavior = value;
        this.log(`[${this.deviceId}] power_on_behavior = ${value} (${source})`);
        return { ok: true, value };
      case 'effect':
        if (typeof value !== 'string' || !EFFECTS.includes(value)) return refuse(`not one of ${EFFECTS.join(', ')}`);
        this.log(`[${this.deviceId}] effect ${value} (${source}); an effect is a command and never part of the state`);
        return { ok: true, value };
      default:
        return refuse(`no such property (state, brightness, color_temp, power_on_behavior, effect; linkquality is reported only)`);
    }
  }
}
