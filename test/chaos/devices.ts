// The devices the chaos rounds operate, each as its convention speaks on the
// wire: a Homie 5 VP4 whose state is retained (a reconnect replays it), and a
// Zigbee2MQTT bulb whose state is not retained (after a reconnect nothing
// tells the console its brightness until it asks with /get, or the bulb
// changes). Each round picks one.

export type Value = string | number | boolean;

export interface ChaosDevice {
  /** The simulator's id (stack.devices / setFromPanel). */
  readonly simId: string;
  /** Holdfast's device id. */
  readonly holdfastId: string;
  /** Settings the operators edit: integers, so every round can use values never seen before in it. */
  readonly props: readonly string[];
  /** Each setting's range (sets inside it are never clamped). */
  readonly ranges: Readonly<Record<string, readonly [number, number]>>;
  /** The values a round starts from. */
  readonly initial: Readonly<Record<string, number>>;
  /** Is `topic` where this device's sets go (a cheap filter before decoding)? */
  isSetTopic(topic: string): boolean;
  /** The settings and values one set carries (a Zigbee2MQTT set may carry several). */
  decodeSet(topic: string, payload: string): readonly (readonly [string, string])[];
  /** The status topic whose last payload tells the console a setting's value. */
  statusTopic(prop: string): string;
  /** The value of `prop` in a status payload, as text, or null if it says nothing of it. */
  heardValue(prop: string, statusPayload: string): string | null;
  /** Log lines of the simulator: which value changes they are (source 'panel' or 'set'). */
  readonly logSources: { readonly panel: string; readonly set: string };
}

export const VP4_DEVICE: ChaosDevice = {
  simId: 'vp4',
  holdfastId: 'homie5:vp4',
  props: ['genlock/phase-h', 'genlock/phase-v'],
  ranges: { 'genlock/phase-h': [-180, 180], 'genlock/phase-v': [-180, 180] },
  initial: { 'genlock/phase-h': 22, 'genlock/phase-v': 0 },
  isSetTopic: (topic) => /^homie\/5\/vp4\/.+\/set$/.test(topic),
  decodeSet: (topic, payload) => {
    const m = /^homie\/5\/vp4\/(.+)\/set$/.exec(topic);
    return m ? [[m[1]!, payload]] : [];
  },
  statusTopic: (prop) => `homie/5/vp4/${prop}`,
  heardValue: (_prop, payload) => payload,
  logSources: { panel: 'front panel', set: 'MQTT set' },
};

const BULB_TOPIC = 'zigbee2mqtt/Studio light';

export const BULB_DEVICE: ChaosDevice = {
  simId: 'studio-light',
  holdfastId: 'zigbee2mqtt:0x000b57fffec6a5b3',
  props: ['brightness', 'color_temp'],
  ranges: { brightness: [0, 254], color_temp: [250, 454] },
  initial: { brightness: 120, color_temp: 370 },
  isSetTopic: (topic) => topic === `${BULB_TOPIC}/set` || topic.startsWith(`${BULB_TOPIC}/set/`),
  decodeSet: (topic, payload) => {
    if (topic.startsWith(`${BULB_TOPIC}/set/`)) return [[topic.slice(BULB_TOPIC.length + 5), payload]];
    try {
      const o = JSON.parse(payload) as Record<string, unknown>;
      return Object.entries(o).map(([k, v]) => [k, String(v)] as const);
    } catch {
      return [];
    }
  },
  statusTopic: () => BULB_TOPIC,
  heardValue: (prop, payload) => {
    try {
      const v = (JSON.parse(payload) as Record<string, unknown>)[prop];
      return v === undefined ? null : String(v);
    } catch {
      return null;
    }
  },
  logSources: { panel: 'wall switch', set: 'MQTT /set' },
};

export const CHAOS_DEVICES: readonly ChaosDevice[] = [VP4_DEVICE, BULB_DEVICE];
