// Replays a device fixture through the real adapters and router, the way a
// broker would deliver it: retained messages wait on the "broker" and reach
// the console when one of its subscriptions covers them (including filters the
// adapters learn on the way, e.g. HA availability topics), live ones only if subscribed.
// Every device is treated as on screen: after each message, each device it
// (re)described gets its values' filters (router.deviceFilters), as the
// SubscriptionManager gives them to a device a client shows.

import type { AdapterEvent } from '../../src/conventions/adapter.js';
import { MappedAdapter } from '../../src/conventions/mapped.js';
import { createAdapters } from '../../src/conventions/registry.js';
import { ConventionRouter } from '../../src/status/router.js';
import { controlKind } from '../../src/model/control-kind.js';
import { mergeDevices } from '../../src/model/device-merge.js';
import type { DeviceSchema, PropertySchema, ReportedValue } from '../../src/model/types.js';
import { DeviceStates, type DeviceDetail, type DeviceSummary } from '../../src/status/device-states.js';
import { payloadText, type ControlRef, type FixtureFile } from './device-fixtures.js';

/** MQTT topic filter matching (+ one level, # the rest), as a broker does. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  // $-topics are not matched by a leading wildcard (MQTT 3.1.1 §4.7.2).
  if ((f[0] === '+' || f[0] === '#') && topic.startsWith('$')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

export interface ShownControl {
  readonly name: string;
  readonly group?: string;
  readonly kind: string;
  readonly schema: PropertySchema;
}

/** What the operator sees of one device: its list entry, its page and its values. */
export interface DeviceView {
  readonly id: string;
  readonly availability: DeviceSummary['availability'];
  readonly error?: string;
  readonly detail: DeviceDetail;
  readonly values: ReadonlyMap<string, ReportedValue>;
}

export interface ShownDevice {
  readonly view: DeviceView;
  readonly schema: DeviceSchema;
  readonly note?: string;
}

export interface Replay {
  readonly router: ConventionRouter;
  /** Devices the operator sees (duplicates across conventions hidden), by name. */
  readonly devices: ReadonlyMap<string, ShownDevice>;
  /** Every device event's schema, hidden ones included. */
  readonly all: readonly DeviceView[];
  readonly subscriptions: readonly string[];
  control(ref: ControlRef): { device: ShownDevice; property: PropertySchema };
}

const enc = new TextEncoder();

export function replayFixture(fixture: FixtureFile): Replay {
  const adapters = createAdapters(fixture.options ?? {});
  const router = new ConventionRouter(adapters);
  const changed = new Set<string>();
  const status = new DeviceStates({ summary: (id) => changed.add(id), detail: (id) => changed.add(id), value: (id) => changed.add(id), removed: (id) => changed.delete(id) });
  const retained = fixture.messages.filter((m) => m.retain !== false);
  const live = fixture.messages.filter((m) => m.retain === false);
  const subscribed: string[] = [];
  const delivered = new Set<number>();
  /** Per device, the filters held for its values. */
  const held = new Map<string, readonly string[]>();
  let alwaysOn = new Set<string>();
  const heldFor = (filter: string): boolean => [...held.values()].some((fs) => fs.includes(filter));

  /** What the device's values arrive on now: the filters it did not hold yet, to subscribe. */
  const show = (deviceId: string): readonly string[] => {
    const wanted = router.deviceFilters(deviceId);
    if (wanted === null) return [];
    const have = held.get(deviceId) ?? [];
    held.set(deviceId, wanted);
    // Those it no longer reads (a renamed device) stop arriving, unless someone else holds them.
    for (const f of have) {
      const at = subscribed.indexOf(f);
      if (at !== -1 && !wanted.includes(f) && !heldFor(f) && !alwaysOn.has(f)) subscribed.splice(at, 1);
    }
    return wanted.filter((f) => !have.includes(f));
  };
  const deliver = (topic: string, payload: string, isRetained: boolean): void => {
    const events = router.route(topic, enc.encode(payload), isRetained);
    for (const event of events) status.apply(1, event, 'replay');
    afterEvents(events);
  };
  const afterEvents = (events: readonly AdapterEvent[]): void => {
    const forDevices = new Set(events.flatMap((e) => (e.kind === 'device' ? show(e.device.id) : [])));
    const extra = router.takeNewSubscriptions();
    alwaysOn = new Set(router.subscriptions());
    // A topic a new entity reads is re-sent only where it is subscribed: always, or for a device.
    const again = extra.filter((f) => !forDevices.has(f) && (alwaysOn.has(f) || heldFor(f)));
    subscribe([...forDevices]);
    subscribe(again);
  };
  const subscribe = (filters: readonly string[]): void => {
    const fresh = filters.filter((f) => f !== '');
    subscribed.push(...fresh.filter((f) => !subscribed.includes(f)));
    // A (re)subscription makes the broker send the retained messages it covers, in their order.
    retained.forEach((m, i) => {
      if (!fresh.some((f) => topicMatches(f, m.topic))) return;
      if (delivered.has(i) && !filters.includes(m.topic)) return;
      delivered.add(i);
      deliver(m.topic, payloadText(m.payload), true);
    });
  };
  // As the engine host does, mapped devices are known from the mapping before they publish anything,
  // and as at connect, the devices on screen are subscribed before the always-on filters.
  const mappedDevices = adapters.flatMap((a) => (a instanceof MappedAdapter ? a.deviceEvents() : []));
  for (const event of mappedDevices) status.apply(1, event, 'replay');
  alwaysOn = new Set(router.subscriptions());
  subscribe(mappedDevices.flatMap((e) => (e.kind === 'device' ? show(e.device.id) : [])));
  subscribe(router.subscriptions());
  for (const m of live) if (subscribed.some((f) => topicMatches(f, m.topic))) deliver(m.topic, payloadText(m.payload), false);
  const views: DeviceView[] = [...status.ids()].map((id) => {
    const summary = status.summary(id)!;
    const cached = status.cached(id)!;
    return { id, availability: summary.availability, ...(summary.error !== undefined ? { error: summary.error } : {}), detail: status.detail(id)!, values: new Map(cached.values) };
  });
  const schemas = views.flatMap((v) => (v.detail.schema ? [v.detail.schema] : []));
  const merge = mergeDevices(schemas);
  const devices = new Map<string, ShownDevice>();
  for (const view of views) {
    const schema = view.detail.schema;
    if (!schema || merge.hidden.has(view.id)) continue;
    const note = merge.notes.get(view.id) ?? schema.note;
    devices.set(schema.name, { view, schema, ...(note !== undefined ? { note } : {}) });
  }
  return {
    router,
    devices,
    all: views,
    subscriptions: subscribed,
    control(ref) {
      const device = devices.get(ref.device);
      if (!device) throw new Error(`no device named "${ref.device}"; shown: ${[...devices.keys()].join(', ')}`);
      const matches = device.schema.properties.filter((p) => p.name === ref.control && (p.group?.name ?? undefined) === ref.group);
      if (matches.length !== 1) {
        throw new Error(`${matches.length} controls named "${ref.control}"${ref.group ? ` in "${ref.group}"` : ''} on ${ref.device}: ${device.schema.properties.map((p) => `${p.group ? `${p.group.name} / ` : ''}${p.name}`).join(', ')}`);
      }
      return { device, property: matches[0]! };
    },
  };
}

/** The controls of a device as the operator sees them. */
export function shownControls(device: ShownDevice): ShownControl[] {
  return device.schema.properties.map((p) => ({ name: p.name, ...(p.group ? { group: p.group.name } : {}), kind: controlKind(p).kind, schema: p }));
}
