// What a console subscribes to: per adapter, which filters are always on
// (discovery, availability) and which carry one device's values; and the
// SubscriptionManager that holds a device's values only while something
// needs it, against a broker session that records what it was asked.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConventionAdapter, DeviceSubscriptionSource } from '../../src/conventions/adapter.js';
import { HaDiscoveryAdapter } from '../../src/conventions/ha/adapter.js';
import { filterMatches } from '../../src/conventions/ha/topic-index.js';
import { Homie4Adapter } from '../../src/conventions/homie4.js';
import { Homie5Adapter } from '../../src/conventions/homie5.js';
import { MappedAdapter, parseMapping } from '../../src/conventions/mapped.js';
import { Zigbee2mqttAdapter } from '../../src/conventions/zigbee2mqtt.js';
import { DeviceStates } from '../../src/status/device-states.js';
import { StatusPipeline } from '../../src/status/pipeline.js';
import { ConventionRouter } from '../../src/status/router.js';
import { SubscriptionManager, type Subscriber } from '../../src/status/subscriptions.js';

const enc = new TextEncoder();
type Message = readonly [topic: string, payload: unknown];
type SplitAdapter = ConventionAdapter & DeviceSubscriptionSource;

const payloadOf = (payload: unknown): Uint8Array => enc.encode(typeof payload === 'string' ? payload : JSON.stringify(payload));
const covers = (filters: readonly string[], topic: string): boolean => filters.some((f) => filterMatches(f, topic));

function feed<A extends ConventionAdapter>(adapter: A, messages: readonly Message[]): A {
  for (const [topic, payload] of messages) adapter.handleMessage(topic, payloadOf(payload), true);
  return adapter;
}

const MIXER_DESCRIPTION = { homie: '5.0', version: 1, name: 'Mixer', nodes: { ch1: { name: 'Channel 1', properties: { level: { datatype: 'integer', format: '-60:10', settable: true } } } } };
const homie4Lamp = (root: string, device: string): Message[] => [
  [`${root}/${device}/$homie`, '4.0.0'],
  [`${root}/${device}/$name`, 'Lamp'],
  [`${root}/${device}/$nodes`, 'light'],
  [`${root}/${device}/light/$name`, 'Light'],
  [`${root}/${device}/light/$properties`, 'power'],
  [`${root}/${device}/light/power/$datatype`, 'boolean'],
  [`${root}/${device}/light/power/$settable`, 'true'],
  [`${root}/${device}/$state`, 'ready'],
];
const BULB_IEEE = '0x000b57fffec6a5b2';
const PLUG_IEEE = '0x0017880104e45524';
const z2mEntry = (ieee: string, name: string): Record<string, unknown> => ({
  ieee_address: ieee,
  friendly_name: name,
  type: 'Router',
  supported: true,
  interview_state: 'SUCCESSFUL',
  definition: { model: 'LED1545G12', vendor: 'IKEA', description: 'bulb', exposes: [{ type: 'binary', name: 'state', label: 'State', property: 'state', access: 7, value_on: 'ON', value_off: 'OFF' }], options: [] },
});
const haSensor = (device: string, stateTopic: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'Temperature',
  stat_t: stateTopic,
  uniq_id: `${device}-${stateTopic}`,
  dev: { ids: [device], name: device },
  ...extra,
});

function mapped(json: unknown): MappedAdapter {
  const parsed = parseMapping(json);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return new MappedAdapter(parsed.mapping);
}
const MAPPING = {
  version: 1,
  devices: [
    {
      id: 'vp4',
      name: 'VP4',
      availability: { topic: 'vp4/status/online', online: 'online', offline: 'offline' },
      properties: [{ id: 'phase', name: 'Phase', datatype: 'integer', retained: true, status: { topic: 'vp4/status/phase', pattern: 'whole' }, set: { topic: 'vp4/set/phase', template: '{value}' } }],
    },
    { id: 'vp5', name: 'VP5', properties: [{ id: 'phase', name: 'Phase', datatype: 'integer', retained: true, status: { topic: 'vp5/status/phase', pattern: 'whole' } }] },
  ],
};

interface SplitCase {
  readonly name: string;
  readonly adapter: () => SplitAdapter;
  readonly deviceId: string;
  /** Topics of the device that are always subscribed: its discovery and availability. */
  readonly alwaysOn: readonly string[];
  /** Topics carrying the device's values: subscribed only while it is needed. */
  readonly values: readonly string[];
  /** Another device's values: never among this device's filters. */
  readonly otherValues: readonly string[];
}

const SPLITS: readonly SplitCase[] = [
  {
    name: 'Homie 5',
    adapter: () => feed(new Homie5Adapter(), [['homie/5/mixer/$state', 'ready'], ['homie/5/mixer/$description', MIXER_DESCRIPTION]]),
    deviceId: 'homie5:mixer',
    alwaysOn: ['homie/5/mixer/$state', 'homie/5/mixer/$description', 'homie/5/mixer/$alert/overheat', 'homie/5/vp4/$description'],
    values: ['homie/5/mixer/ch1/level', 'homie/5/mixer/ch1/level/$target'],
    otherValues: ['homie/5/vp4/ch1/level', 'homie/5/vp4/ch1/level/$target'],
  },
  {
    name: 'Homie 5, a device the scan found under another root',
    adapter: () => feed(new Homie5Adapter(), [['studio/5/mixer/$state', 'ready']]),
    deviceId: 'homie5:studio/mixer',
    alwaysOn: ['studio/5/mixer/$state', 'studio/5/mixer/$description', 'studio/5/mixer/$alert/overheat'],
    values: ['studio/5/mixer/ch1/level', 'studio/5/mixer/ch1/level/$target'],
    otherValues: ['homie/5/mixer/ch1/level', 'studio/5/desk/ch1/level'],
  },
  {
    name: 'Homie 4',
    adapter: () => feed(new Homie4Adapter(), homie4Lamp('homie', 'lamp')),
    deviceId: 'homie4:lamp',
    alwaysOn: ['homie/lamp/$homie', 'homie/lamp/$name', 'homie/lamp/$nodes', 'homie/lamp/$state', 'homie/lamp/light/$name', 'homie/lamp/light/$properties', 'homie/lamp/light/power/$datatype', 'homie/lamp/light/power/$settable'],
    values: ['homie/lamp/light/power'],
    otherValues: ['homie/desk/light/power'],
  },
  {
    name: 'Homie 4, a device the scan found under another root',
    adapter: () => feed(new Homie4Adapter(), homie4Lamp('valetudo', 'robot')),
    deviceId: 'homie4:valetudo/robot',
    alwaysOn: ['valetudo/robot/$homie', 'valetudo/robot/$nodes', 'valetudo/robot/light/$properties', 'valetudo/robot/light/power/$datatype'],
    values: ['valetudo/robot/light/power'],
    otherValues: ['homie/robot/light/power', 'valetudo/other/light/power'],
  },
  {
    name: 'Zigbee2MQTT',
    adapter: () => feed(new Zigbee2mqttAdapter(), [['zigbee2mqtt/bridge/devices', [z2mEntry(BULB_IEEE, 'bulb'), z2mEntry(PLUG_IEEE, 'plug')]]]),
    deviceId: `zigbee2mqtt:${BULB_IEEE}`,
    alwaysOn: ['zigbee2mqtt/bridge/devices', 'zigbee2mqtt/bridge/state', 'zigbee2mqtt/bulb/availability', 'zigbee2mqtt/plug/availability'],
    values: ['zigbee2mqtt/bulb'],
    otherValues: ['zigbee2mqtt/plug', 'zigbee2mqtt/bulb/set'],
  },
  {
    name: 'Home Assistant',
    adapter: () =>
      feed(new HaDiscoveryAdapter(), [
        ['homeassistant/sensor/fan/temp/config', haSensor('fan', 'fan/sensor/temp/state', { avty_t: 'fan/status' })],
        ['homeassistant/sensor/pump/temp/config', haSensor('pump', 'pump/sensor/temp/state', { avty_t: 'pump/status' })],
      ]),
    deviceId: 'ha:fan',
    alwaysOn: ['homeassistant/sensor/fan/temp/config', 'homeassistant/device/fan/config', 'fan/status', 'pump/status'],
    values: ['fan/sensor/temp/state'],
    otherValues: ['pump/sensor/temp/state'],
  },
  {
    name: 'Home Assistant, a wildcard state filter (OpenMQTTGateway)',
    adapter: () => feed(new HaDiscoveryAdapter(), [['homeassistant/sensor/X-tempc/config', haSensor('X', '+/+/BTtoMQTT/X', { avty_t: 'home/gw1/LWT' })]]),
    deviceId: 'ha:X',
    alwaysOn: ['homeassistant/sensor/X-tempc/config', 'home/gw1/LWT'],
    values: ['home/gw1/BTtoMQTT/X', 'office/gw2/BTtoMQTT/X'],
    otherValues: ['home/gw1/BTtoMQTT/Y'],
  },
  {
    name: 'mapped',
    adapter: () => mapped(MAPPING),
    deviceId: 'mapped:vp4',
    alwaysOn: ['vp4/status/online'],
    values: ['vp4/status/phase'],
    otherValues: ['vp5/status/phase'],
  },
];

describe.each(SPLITS)('$name: what is always on, what per device', ({ adapter, deviceId, alwaysOn, values, otherValues }) => {
  it('always subscribes discovery and availability, and no value topic', () => {
    const always = adapter().subscriptions();
    for (const topic of alwaysOn) expect(covers(always, topic), topic).toBe(true);
    for (const topic of [...values, ...otherValues]) expect(covers(always, topic), topic).toBe(false);
  });

  it("subscribes the device's values through its own filters, and only its own", () => {
    const own = adapter().deviceSubscriptions(deviceId);
    for (const topic of values) expect(covers(own, topic), topic).toBe(true);
    for (const topic of otherValues) expect(covers(own, topic), topic).toBe(false);
  });

  it('has no filters for a device it does not know', () => {
    expect(adapter().deviceSubscriptions(`${deviceId.slice(0, deviceId.indexOf(':'))}:unknown-elsewhere/nobody`)).toEqual([]);
  });
});

describe('per-device filters, adapter by adapter', () => {
  it('Homie 5: values of a device under a configured root can be subscribed before it describes itself', () => {
    expect(new Homie5Adapter().deviceSubscriptions('homie5:vp4')).toEqual(['homie/5/vp4/$description', 'homie/5/vp4/+/+', 'homie/5/vp4/+/+/$target']);
    expect(new Homie5Adapter({ roots: ['site/a'] }).deviceSubscriptions('homie5:site/a/vp4')).toEqual(['site/a/5/vp4/$description', 'site/a/5/vp4/+/+', 'site/a/5/vp4/+/+/$target']);
  });

  it('Homie 4: a device announcing a version it cannot read has nothing to subscribe', () => {
    const a = feed(new Homie4Adapter(), [['homie/old/$homie', '2.0.1']]);
    expect(a.deviceSubscriptions('homie4:old')).toEqual([]);
  });

  it('Home Assistant: a topic shared by two devices is each one’s; one that is also an availability topic stays always on', () => {
    const a = feed(new HaDiscoveryAdapter(), [
      ['homeassistant/sensor/t1/config', haSensor('one', 'bus/state', { val_tpl: '{{ value_json.t1 }}', avty_t: 'bus/state', avty_tpl: '{{ value_json.online }}' })],
      ['homeassistant/sensor/t2/config', haSensor('two', 'bus/state', { val_tpl: '{{ value_json.t2 }}' })],
    ]);
    expect(a.deviceSubscriptions('ha:one')).toEqual(['bus/state']);
    expect(a.deviceSubscriptions('ha:two')).toEqual(['bus/state']);
    expect(a.subscriptions()).toContain('bus/state');
  });

  it('Home Assistant: a config that only moves a state topic announces the device again, so the console asks again', () => {
    const a = feed(new HaDiscoveryAdapter(), [['homeassistant/sensor/fan/temp/config', haSensor('fan', 'fan/old', { uniq_id: 'temp' })]]);
    const events = a.handleMessage('homeassistant/sensor/fan/temp/config', payloadOf(haSensor('fan', 'fan/new', { uniq_id: 'temp' })), true);
    expect(events.filter((e) => e.kind === 'device').map((e) => (e.kind === 'device' ? e.device.id : ''))).toEqual(['ha:fan']);
    expect(a.deviceSubscriptions('ha:fan')).toEqual(['fan/new']);
  });

  it('Zigbee2MQTT: a rename moves the state topic; a device with an unusable name has none', () => {
    const a = feed(new Zigbee2mqttAdapter(), [['zigbee2mqtt/bridge/devices', [z2mEntry(BULB_IEEE, 'bulb'), z2mEntry(PLUG_IEEE, 'kitchen/+')]]]);
    expect(a.deviceSubscriptions(`zigbee2mqtt:${PLUG_IEEE}`)).toEqual([]);
    feed(a, [['zigbee2mqtt/bridge/devices', [z2mEntry(BULB_IEEE, 'hall/ceiling')]]]);
    expect(a.deviceSubscriptions(`zigbee2mqtt:${BULB_IEEE}`)).toEqual(['zigbee2mqtt/hall/ceiling']);
  });
});

// ---- the SubscriptionManager ----

const QUIET_MS = 500;
const GRACE_MS = 30_000;

type Call = { readonly op: 'subscribe' | 'unsubscribe'; readonly filters: readonly string[] };

/** One broker session as the manager sees it: records what it is asked; SUBACKs at once, or when the test sends them. */
class RecordingSession implements Subscriber {
  readonly calls: Call[] = [];
  private readonly heldSubacks: (() => void)[] = [];

  constructor(private readonly holdSubacks = false) {}

  subscribe(filters: readonly string[]): Promise<void> {
    this.calls.push({ op: 'subscribe', filters: [...filters] });
    if (!this.holdSubacks) return Promise.resolve();
    return new Promise((resolve) => this.heldSubacks.push(resolve));
  }

  unsubscribe(filters: readonly string[]): Promise<void> {
    this.calls.push({ op: 'unsubscribe', filters: [...filters] });
    return Promise.resolve();
  }

  /** The broker acknowledges the oldest subscription it has not acknowledged yet. */
  async suback(): Promise<void> {
    const next = this.heldSubacks.shift();
    if (next === undefined) throw new Error('no subscription is waiting for its SUBACK');
    next();
    await vi.advanceTimersByTimeAsync(0);
  }

  /** Calls since the last take. */
  take(): Call[] {
    return this.calls.splice(0);
  }
}

type HeadlessConsole = ReturnType<typeof headlessConsole>;

/** The status side of a console (router, pipeline, subscriptions) with no page and no broker connection of its own. */
function headlessConsole(adapters: ConventionAdapter[]) {
  const router = new ConventionRouter(adapters);
  const ignore = (): void => undefined;
  const devices = new DeviceStates({ summary: ignore, detail: ignore, value: ignore, removed: ignore });
  const pipeline = new StatusPipeline({ router, devices, cache: null, history: null, traffic: null, quietMs: QUIET_MS });
  const manager = new SubscriptionManager(pipeline, GRACE_MS);
  let sessions = 0;
  return {
    router,
    devices,
    pipeline,
    manager,
    /** Connect: a new session, subscribed as the engine host does. */
    async connect(session: RecordingSession): Promise<void> {
      pipeline.startSession(`s${++sessions}`, Date.now());
      await manager.open(session);
    },
    disconnect(): void {
      manager.close();
      pipeline.endSession();
    },
    deliver(topic: string, payload: unknown, retained = true): void {
      pipeline.handleMessage(topic, payloadOf(payload), retained);
    },
    /** Its values count as subscribed on this session: its replay can settle (asked far enough ahead). */
    marked(deviceId: string): boolean {
      return pipeline.evidenceFor(deviceId, 'any', Date.now() + 60 * QUIET_MS).replay !== 'waiting';
    },
  };
}

/** A console connected on a session that acknowledges at once, with the connect's own subscriptions taken. */
async function connectedConsole(adapters: ConventionAdapter[]): Promise<HeadlessConsole & { readonly session: RecordingSession }> {
  const c = headlessConsole(adapters);
  const session = new RecordingSession();
  await c.connect(session);
  session.take();
  return { ...c, session };
}

const subscribe = (...filters: string[]): Call => ({ op: 'subscribe', filters });
const unsubscribe = (...filters: string[]): Call => ({ op: 'unsubscribe', filters });
const VP4 = 'homie5:vp4';
const VP4_VALUES = ['homie/5/vp4/$description', 'homie/5/vp4/+/+', 'homie/5/vp4/+/+/$target'];

describe('SubscriptionManager', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('at connect subscribes the needed devices first, marks them at their SUBACK, then the always-on filters', async () => {
    const homie5 = new Homie5Adapter();
    const c = headlessConsole([homie5]);
    c.manager.setSource('client:a', [VP4]);
    const session = new RecordingSession(true);
    const connected = c.connect(session);
    expect(session.take()).toEqual([subscribe(...VP4_VALUES)]);
    expect(c.marked(VP4)).toBe(false);
    vi.advanceTimersByTime(200);
    await session.suback();
    expect(c.marked(VP4)).toBe(true);
    expect(c.pipeline.nextSettleAt([VP4], Date.now())).toBe(Date.now() + QUIET_MS);
    expect(session.take()).toEqual([subscribe(...homie5.subscriptions())]);
    // Nothing is decided before the always-on SUBACK.
    expect(c.pipeline.liveSession()).toBeNull();
    await session.suback();
    await connected;
    expect(c.pipeline.liveSession()).not.toBeNull();
  });

  it('reads the values a needed device sends before its $description once the description comes', async () => {
    const c = headlessConsole([new Homie5Adapter()]);
    c.manager.setSource('outbox', [VP4]);
    await c.connect(new RecordingSession());
    c.deliver('homie/5/vp4/ch1/level', '-12');
    expect(c.devices.current(VP4, 'ch1/level')).toBeUndefined();
    c.deliver('homie/5/vp4/$description', MIXER_DESCRIPTION);
    expect(c.devices.current(VP4, 'ch1/level')?.value).toBe(-12);
  });

  it('keeps a device no longer needed for the grace period, then unsubscribes its filters', async () => {
    const c = await connectedConsole([new Homie5Adapter()]);
    const { session } = c;
    c.manager.setSource('client:a', [VP4]);
    expect(session.take()).toEqual([subscribe(...VP4_VALUES)]);
    await vi.advanceTimersByTimeAsync(0);
    c.manager.setSource('client:a', []);
    await vi.advanceTimersByTimeAsync(GRACE_MS - 1);
    expect(c.manager.isActive(VP4)).toBe(true);
    // Paging back within the grace period costs nothing.
    c.manager.setSource('client:a', [VP4]);
    c.manager.setSource('client:a', []);
    await vi.advanceTimersByTimeAsync(GRACE_MS - 1);
    expect(session.take()).toEqual([]);
    expect(c.marked(VP4)).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(session.take()).toEqual([unsubscribe(...VP4_VALUES)]);
    expect(c.manager.isActive(VP4)).toBe(false);
    expect(c.marked(VP4)).toBe(false);
  });

  it('holds a device while any source needs it: a client and the outbox combine', async () => {
    const c = await connectedConsole([new Homie5Adapter()]);
    const { session } = c;
    c.manager.setSource('client:x', [VP4]);
    c.manager.setSource('outbox', [VP4, 'homie5:desk']);
    expect(session.take()).toEqual([subscribe(...VP4_VALUES), subscribe('homie/5/desk/$description', 'homie/5/desk/+/+', 'homie/5/desk/+/+/$target')]);
    expect(c.manager.activeCount()).toBe(2);
    c.manager.setSource('client:x', []);
    await vi.advanceTimersByTimeAsync(GRACE_MS);
    expect(session.take()).toEqual([]);
    expect(c.manager.isActive(VP4)).toBe(true);
    c.manager.setSource('outbox', ['homie5:desk']);
    await vi.advanceTimersByTimeAsync(GRACE_MS);
    expect(session.take()).toEqual([unsubscribe(...VP4_VALUES)]);
    expect(c.manager.activeCount()).toBe(1);
  });

  it('marks a device subscribed only at a SUBACK of the current session', async () => {
    const c = headlessConsole([new Homie5Adapter()]);
    const first = new RecordingSession(true);
    const opened = c.connect(first);
    await first.suback();
    await opened;
    c.manager.setSource('client:a', [VP4]);
    // The connection drops before the broker acknowledged the device's filters.
    c.disconnect();
    const second = new RecordingSession(true);
    const reopened = c.connect(second);
    expect(second.take()).toEqual([subscribe(...VP4_VALUES)]);
    await first.suback();
    expect(c.marked(VP4)).toBe(false);
    await second.suback();
    expect(c.marked(VP4)).toBe(true);
    await second.suback();
    await reopened;
  });

  it('subscribes what a needed Home Assistant device learns to read, and re-sends a topic a new entity shares', async () => {
    const c = await connectedConsole([new HaDiscoveryAdapter()]);
    const { session } = c;
    c.manager.setSource('client:a', ['ha:fan']);
    // Not discovered yet: nothing of its own to subscribe.
    expect(session.take()).toEqual([]);
    c.deliver('homeassistant/sensor/fan/temp/config', haSensor('fan', 'fan/temp', { uniq_id: 'temp', avty_t: 'fan/status' }));
    // Its state topic for it, then the availability topic, always on.
    expect(session.take()).toEqual([subscribe('fan/temp'), subscribe('fan/status')]);
    c.deliver('homeassistant/sensor/fan/hum/config', haSensor('fan', 'fan/hum', { uniq_id: 'hum' }));
    expect(session.take()).toEqual([subscribe('fan/hum')]);
    // A second entity reading fan/temp: its retained state is asked for again, so that entity gets it too.
    c.deliver('homeassistant/sensor/fan/temp2/config', haSensor('fan', 'fan/temp', { uniq_id: 'temp2', val_tpl: '{{ value | float }}' }));
    expect(session.take()).toEqual([subscribe('fan/temp')]);
  });

  it('subscribes nothing for a Home Assistant device nobody needs, until it is needed', async () => {
    const c = await connectedConsole([new HaDiscoveryAdapter()]);
    const { session } = c;
    c.deliver('homeassistant/sensor/pump/temp/config', haSensor('pump', 'pump/temp', { uniq_id: 'temp' }));
    // A second entity on the same topic would ask for a re-send; nobody holds it, so it is not subscribed at all.
    c.deliver('homeassistant/sensor/pump/temp2/config', haSensor('pump', 'pump/temp', { uniq_id: 'temp2' }));
    expect(session.take()).toEqual([]);
    c.manager.setSource('client:a', ['ha:pump']);
    expect(session.take()).toEqual([subscribe('pump/temp')]);
  });

  it('unsubscribes a shared topic only when no needed device reads it, and never an always-on one', async () => {
    const c = await connectedConsole([new HaDiscoveryAdapter()]);
    const { session } = c;
    c.deliver('homeassistant/sensor/t1/config', haSensor('one', 'bus/state', { uniq_id: 't1', val_tpl: '{{ value_json.t1 }}' }));
    c.deliver('homeassistant/sensor/t2/config', haSensor('two', 'bus/state', { uniq_id: 't2', val_tpl: '{{ value_json.t2 }}' }));
    c.deliver('homeassistant/sensor/t3/config', haSensor('three', 'gw/state', { uniq_id: 't3', avty_t: 'gw/state', avty_tpl: '{{ value_json.online }}' }));
    session.take();
    c.manager.setSource('client:a', ['ha:one', 'ha:two', 'ha:three']);
    // The second device subscribes the shared topic again: the broker re-sends its retained state for it.
    expect(session.take()).toEqual([subscribe('bus/state'), subscribe('bus/state'), subscribe('gw/state')]);
    c.manager.setSource('client:a', ['ha:two']);
    await vi.advanceTimersByTimeAsync(GRACE_MS);
    expect(session.take()).toEqual([]);
    c.manager.setSource('client:a', []);
    await vi.advanceTimersByTimeAsync(GRACE_MS);
    expect(session.take()).toEqual([unsubscribe('bus/state')]);
  });

  it('follows a renamed Zigbee2MQTT device to its new state topic', async () => {
    const c = await connectedConsole([new Zigbee2mqttAdapter()]);
    const { session } = c;
    c.deliver('zigbee2mqtt/bridge/devices', [z2mEntry(BULB_IEEE, 'bulb')]);
    c.manager.setSource('client:a', [`zigbee2mqtt:${BULB_IEEE}`]);
    session.take();
    c.deliver('zigbee2mqtt/bridge/devices', [z2mEntry(BULB_IEEE, 'hall/ceiling')]);
    expect(session.take()).toEqual([unsubscribe('zigbee2mqtt/bulb'), subscribe('zigbee2mqtt/hall/ceiling'), subscribe('zigbee2mqtt/hall/ceiling/availability')]);
  });

  it('marks a needed device with no filters of its own once the always-on filters are acknowledged', async () => {
    const adapter = mapped({ version: 1, devices: [{ id: 'btn', name: 'Button', properties: [{ id: 'go', name: 'Go', datatype: 'boolean', retained: false, set: { topic: 'btn/go', template: '{value}' } }] }] });
    const c = headlessConsole([adapter]);
    c.manager.setSource('outbox', ['mapped:btn']);
    const session = new RecordingSession(true);
    const connected = c.connect(session);
    expect(session.take()).toEqual([subscribe()]);
    expect(c.marked('mapped:btn')).toBe(false);
    await session.suback();
    await connected;
    expect(c.marked('mapped:btn')).toBe(true);
  });
});
