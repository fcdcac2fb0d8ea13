/**
 * Home Assistant MQTT discovery adapter (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery).
 *
 * Config topics:
 *   <prefix>/<component>/[<node_id>/]<object_id>/config      one entity
 *   <prefix>/device/[<node_id>/]<object_id>/config           device-based: `dev`, `o`, `cmps`
 * Payloads may use every abbreviation and `~` (config.ts); an empty payload
 * removes the entity (or all of a device config's components); a device
 * config's component with only `p`, or left out of an update, is removed.
 * Components: builders.ts. Names: naming.ts. Templates: templates.ts.
 *
 * Model: entities sharing `device.identifiers[0]` (else `connections[0]`)
 * form one device "ha:<identifier>", whose aliases are all its identifiers
 * and connections; an entity without a device is a device of its own,
 * "ha:<unique_id>" (or "ha:<component>/<discovery id>"). Property id =
 * unique_id, or "<component>/<discovery id>"; sub-controls add "/<part>".
 *
 * Rules:
 *   - No availability configured: available, as in HA (availability.ts).
 *   - Optimistic (no state topic, or `optimistic: true`): settable, with
 *     `reports: false` on the schema.
 *   - State topics may be MQTT filters (OpenMQTTGateway); command topics are
 *     always exact.
 *   - A template that cannot be evaluated makes its entity read-only with
 *     the template shown, and its values value-errors. Nothing is guessed.
 *   - Nothing is ever published to `<prefix>/status` (HA's birth topic) or to
 *     a discovery config topic; see refuseCommandTopic.
 *   - Tasmota devices can be asked for their state (tasmota.ts).
 *   - `retained` is left unknown: discovery does not say whether state is
 *     retained (ESPHome retains by default, but a config cannot tell ESPHome
 *     apart or show a `retain: false` override).
 *
 * Subscriptions: config topics and every availability topic a config names
 * are always subscribed. A device's state topics (exact or filters, shared
 * with other devices or not) are its deviceSubscriptions(), subscribed
 * while the device is needed; a config that changes them emits the device
 * again, even when its schema stays the same, so the console asks again.
 */
import { decodePayload, previewText, topicProblem, type AdapterEvent, type ConventionAdapter, type DeviceSubscriptionSource, type EncodeResult, type ResubscriptionSource } from '../adapter.js';
import { MAX_VALUE_BYTES } from '../homie5.js';
import { checkSchema } from '../../model/schema-check.js';
import type { Availability, DeviceSchema, PropertyValue } from '../../model/types.js';
import { validateValue } from '../../model/values.js';
import { deviceAvailability, entityAvailable, hearAvailability, parseAvailability } from './availability.js';
import { BUILDERS, isHaComponent, type HaComponent } from './builders.js';
import { ConfigError, expandBaseTopic, isRecord, type Config } from './config.js';
import { decodeConfig, deviceAliases, deviceNativeId, isMigration, parseConfigTopic, splitDeviceConfig } from './discovery.js';
import { deviceControls, type Entity, type Shown } from './device-controls.js';
import { ownName } from './naming.js';
import { isTasmotaDevice } from './tasmota.js';
import { TopicIndex } from './topic-index.js';

export { expandAbbreviations } from './config.js';
export { HA_COMPONENTS, type HaComponent } from './builders.js';

export const HA_CONVENTION = 'ha';

export interface HaDiscoveryOptions {
  /** Discovery prefix. Default "homeassistant". */
  readonly prefix?: string;
}

interface DeviceState {
  readonly id: string;
  name?: string;
  readonly entityKeys: Set<string>;
  readonly configErrors: Map<string, string>;
  emittedSchema?: string;
  emittedError?: string;
  availability?: Availability;
  schema?: DeviceSchema;
  properties: Map<string, Shown>;
  /** Where the state its controls show arrives, sorted: its deviceSubscriptions(). */
  stateTopics: readonly string[];
}

export class HaDiscoveryAdapter implements ConventionAdapter, DeviceSubscriptionSource, ResubscriptionSource {
  readonly convention = HA_CONVENTION;
  readonly prefix: string;
  private readonly prefixSlash: string;
  private readonly statusTopic: string;
  private readonly entities = new Map<string, Entity>();
  private readonly devices = new Map<string, DeviceState>();
  /** Where a config error for an entity key is shown. */
  private readonly errorOwner = new Map<string, string>();
  /** Entity keys of each device-based config (`device/<discovery id>`). */
  private readonly deviceConfigs = new Map<string, Set<string>>();
  private readonly stateIndex = new TopicIndex();
  private readonly availIndex = new TopicIndex();
  private readonly resubscribe = new Set<string>();
  /** subscriptions() is asked after every message; rebuilt only when the learned topics change. */
  private subscriptionCache: readonly string[] | null = null;

  constructor(opts: HaDiscoveryOptions = {}) {
    const prefix = (opts.prefix ?? 'homeassistant').replace(/\/+$/, '');
    if (prefix === '' || /[+#]/.test(prefix) || prefix.includes('\u0000')) throw new RangeError(`discovery prefix ${JSON.stringify(opts.prefix)} is not a topic prefix`);
    this.prefix = prefix;
    this.prefixSlash = `${prefix}/`;
    this.statusTopic = `${prefix}/status`;
  }

  subscriptions(): readonly string[] {
    this.subscriptionCache ??= [`${this.prefix}/+/+/config`, `${this.prefix}/+/+/+/config`, ...this.availIndex.filters().sort()];
    return this.subscriptionCache;
  }

  deviceSubscriptions(deviceId: string): readonly string[] {
    return this.devices.get(deviceId)?.stateTopics ?? [];
  }

  /**
   * Topics a new entity reads that another entity read already, so they may
   * be subscribed: subscribe again so the broker re-sends their retained
   * state. A state topic among them is subscribed again only while a needed
   * device holds it (see ResubscriptionSource).
   */
  takeResubscriptions(): readonly string[] {
    const topics = [...this.resubscribe];
    this.resubscribe.clear();
    return topics;
  }

  handles(topic: string): boolean {
    if (topic === this.statusTopic) return false;
    return topic.startsWith(this.prefixSlash) || this.stateIndex.matches(topic) || this.availIndex.matches(topic);
  }

  refuseCommandTopic(topic: string): string | null {
    if (topic === this.statusTopic) return `refusing to publish to ${topic}: it is Home Assistant's status (birth) topic`;
    if (topic.startsWith(this.prefixSlash) && topic.endsWith('/config')) return `refusing to publish to ${topic}: it is a Home Assistant discovery config topic`;
    return null;
  }

  /** The current schema of a device, if it has usable entities. */
  schemaOf(deviceId: string): DeviceSchema | undefined {
    return this.devices.get(deviceId)?.schema;
  }

  handleMessage(topic: string, payload: Uint8Array, retained: boolean): AdapterEvent[] {
    try {
      return this.route(topic, payload, retained);
    } catch (e) {
      return [{ kind: 'device-error', deviceId: `${HA_CONVENTION}:${topic}`, error: `could not handle ${topic}: ${e instanceof Error ? e.message : String(e)}` }];
    }
  }

  encodeSet(deviceId: string, propertyId: string, value: PropertyValue): EncodeResult {
    const found = this.shown(deviceId, propertyId);
    if (!found.ok) return found;
    const { schema, def } = found.shown;
    const checked = validateValue(schema, value);
    if (!checked.ok) return { ok: false, error: `${schema.name}: ${checked.error}` };
    if (def.write === undefined) return { ok: false, error: `${schema.name}: read-only` };
    const out = def.write(checked.value);
    if (!out.ok) return { ok: false, error: `${schema.name}: ${out.error}` };
    const refusal = this.refuseCommandTopic(out.topic) ?? topicProblem(out.topic);
    if (refusal !== null) return { ok: false, error: refusal };
    return { ok: true, command: { topic: out.topic, payload: out.payload, retain: false } };
  }

  /** Tasmota: an empty payload on `cmnd/<topic>/STATE` makes it re-publish the state this property reads. */
  encodeQuery(deviceId: string, propertyId: string): EncodeResult | null {
    const found = this.shown(deviceId, propertyId);
    if (!found.ok || found.shown.queryTopic === undefined) return null;
    return { ok: true, command: { topic: found.shown.queryTopic, payload: '', retain: false } };
  }

  private shown(deviceId: string, propertyId: string): { ok: true; shown: Shown } | { ok: false; error: string } {
    const device = this.devices.get(deviceId);
    if (device?.schema === undefined) return { ok: false, error: `unknown device ${deviceId}` };
    const shown = device.properties.get(propertyId);
    return shown === undefined ? { ok: false, error: `${device.schema.name} has no property ${propertyId}` } : { ok: true, shown };
  }

  // ---- routing ----

  private route(topic: string, payload: Uint8Array, retained: boolean): AdapterEvent[] {
    if (topic === this.statusTopic) return [];
    const config = topic.startsWith(this.prefixSlash) ? parseConfigTopic(topic.slice(this.prefixSlash.length)) : null;
    if (config !== null) {
      return config.component === 'device' ? this.onDeviceConfig(config.discoveryId, payload) : this.onConfig(config.component, config.discoveryId, config.objectId, payload);
    }
    return this.onState(topic, payload, retained);
  }

  private onConfig(component: string, discoveryId: string, objectId: string, payload: Uint8Array): AdapterEvent[] {
    if (!isHaComponent(component)) return [];
    const key = `${component}/${discoveryId}`;
    const fallbackDevice = this.entities.get(key)?.deviceId ?? this.errorOwner.get(key) ?? `${HA_CONVENTION}:${key}`;
    if (payload.byteLength === 0) return this.removeEntities([key]);
    const decoded = decodeConfig(payload, `${key} config`);
    if (!decoded.ok) return this.setEntityError(key, fallbackDevice, decoded.error);
    if (isMigration(decoded.cfg)) return [];
    return this.applyEntity(component, key, discoveryId, objectId, decoded.cfg, fallbackDevice);
  }

  private onDeviceConfig(discoveryId: string, payload: Uint8Array): AdapterEvent[] {
    const configKey = `device/${discoveryId}`;
    const previous = this.deviceConfigs.get(configKey) ?? new Set<string>();
    const fallbackDevice = this.errorOwner.get(configKey) ?? `${HA_CONVENTION}:${discoveryId}`;
    if (payload.byteLength === 0) {
      this.deviceConfigs.delete(configKey);
      return [...this.clearEntityError(configKey), ...this.removeEntities([...previous])];
    }
    const decoded = decodeConfig(payload, `device config ${discoveryId}`);
    if (decoded.ok && isMigration(decoded.cfg)) return [];
    const split = decoded.ok ? splitDeviceConfig(configKey, discoveryId, decoded.cfg, HA_CONVENTION) : decoded;
    if (!split.ok) {
      // Without a usable config none of its components may be written to.
      this.deviceConfigs.delete(configKey);
      const owner = 'deviceId' in split && typeof split.deviceId === 'string' ? split.deviceId : fallbackDevice;
      return [...this.removeEntities([...previous]), ...this.setEntityError(configKey, owner, split.error)];
    }
    const events: AdapterEvent[] = [...this.clearEntityError(configKey)];
    const current = new Set<string>();
    for (const { key, error } of split.errors) {
      events.push(...this.setEntityError(key, split.deviceId, error));
      current.add(key);
    }
    for (const c of split.components) {
      if (!isHaComponent(c.platform)) continue;
      current.add(c.key);
      events.push(...this.applyEntity(c.platform, c.key, `${discoveryId}/${c.componentId}`, c.componentId, c.cfg, split.deviceId));
    }
    this.deviceConfigs.set(configKey, current);
    events.push(...this.removeEntities([...previous].filter((k) => !current.has(k))));
    return events;
  }

  private applyEntity(component: HaComponent, key: string, discoveryId: string, objectId: string, rawCfg: Config, fallbackDevice: string): AdapterEvent[] {
    const expanded = expandBaseTopic(rawCfg);
    if (!expanded.ok) return this.setEntityError(key, fallbackDevice, `${key}: ${expanded.error}`);
    const cfg = expanded.cfg;
    const device = isRecord(cfg['device']) ? cfg['device'] : undefined;
    const uniqueId = cfg['unique_id'];
    const uid = typeof uniqueId === 'string' && uniqueId !== '' ? uniqueId : typeof uniqueId === 'number' ? String(uniqueId) : undefined;
    const propertyId = uid ?? `${component}/${discoveryId}`;
    const native = device !== undefined ? deviceNativeId(device) : undefined;
    const deviceId = `${HA_CONVENTION}:${native ?? propertyId}`;
    let entity: Entity;
    try {
      const deviceNameRaw = device?.['name'];
      const deviceName = typeof deviceNameRaw === 'string' && deviceNameRaw.trim() !== '' ? deviceNameRaw : undefined;
      const platform = component === 'light' && cfg['schema'] === 'json' ? 'light:json' : component;
      const props = BUILDERS[component]({ component, cfg, id: propertyId, commandGuard: (t) => this.refuseCommandTopic(t) });
      const configuredObjectId = cfg['object_id'];
      const fallbackName = typeof configuredObjectId === 'string' && configuredObjectId !== '' ? configuredObjectId : objectId;
      entity = {
        key,
        deviceId,
        own: ownName(cfg, platform),
        hasDevice: native !== undefined,
        ...(deviceName !== undefined ? { deviceName } : {}),
        aliases: device !== undefined ? deviceAliases(device) : [],
        tasmota: isTasmotaDevice(device),
        fallbackName,
        props,
        availability: parseAvailability(cfg),
        avail: { perTopic: new Map() },
      };
      const problems = checkSchema({ id: deviceId, name: deviceName ?? fallbackName, convention: HA_CONVENTION, properties: props.map((p) => ({ ...p.schema, name: fallbackName })) });
      if (problems.length > 0) throw new ConfigError(problems.join('; '));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const owner = this.entities.get(key)?.deviceId ?? deviceId;
      return this.setEntityError(key, owner, `${component} ${discoveryId}: ${e.message}`);
    }
    return this.upsert(entity);
  }

  // ---- entity bookkeeping ----

  private device(id: string): DeviceState {
    let d = this.devices.get(id);
    if (d === undefined) {
      d = { id, entityKeys: new Set(), configErrors: new Map(), properties: new Map(), stateTopics: [] };
      this.devices.set(id, d);
    }
    return d;
  }

  private topicsOf(e: Entity): { state: string[]; avail: string[] } {
    return {
      state: [...new Set(e.props.flatMap((p) => (p.stateTopic !== undefined ? [p.stateTopic] : [])))],
      avail: e.availability?.topics.map((t) => t.topic) ?? [],
    };
  }

  private unindex(e: Entity): void {
    this.subscriptionCache = null;
    const { state, avail } = this.topicsOf(e);
    for (const t of state) this.stateIndex.remove(t, e.key);
    for (const t of avail) this.availIndex.remove(t, e.key);
  }

  private index(e: Entity, previous: Entity | undefined): void {
    this.subscriptionCache = null;
    const before = previous ? this.topicsOf(previous) : { state: [], avail: [] };
    const { state, avail } = this.topicsOf(e);
    const subscribedBefore = new Set([...state, ...avail].filter((t) => this.stateIndex.has(t) || this.availIndex.has(t)));
    for (const [index, topics, old] of [
      [this.stateIndex, state, before.state],
      [this.availIndex, avail, before.avail],
    ] as const) {
      for (const t of topics) {
        index.add(t, e.key);
        // Already subscribed for someone else: ask the broker to re-send its retained message.
        if (subscribedBefore.has(t) && !old.includes(t)) this.resubscribe.add(t);
      }
    }
  }

  private upsert(entity: Entity): AdapterEvent[] {
    // An error this entity had on its own device is cleared by the rebuild below, in one event.
    const events: AdapterEvent[] = [...this.clearEntityError(entity.key, entity.deviceId)];
    const old = this.entities.get(entity.key);
    if (old !== undefined) this.unindex(old);
    if (old !== undefined && old.deviceId !== entity.deviceId) {
      this.entities.delete(entity.key);
      const oldDevice = this.devices.get(old.deviceId);
      oldDevice?.entityKeys.delete(entity.key);
      if (oldDevice) events.push(...this.rebuild(oldDevice));
    }
    // Keep the availability heard so far when only other options changed.
    if (old !== undefined && old.deviceId === entity.deviceId) {
      for (const t of entity.availability?.topics ?? []) {
        const heard = old.avail.perTopic.get(t.topic);
        if (heard !== undefined) entity.avail.perTopic.set(t.topic, heard);
      }
      if (old.avail.latest !== undefined) entity.avail.latest = old.avail.latest;
    }
    this.entities.set(entity.key, entity);
    this.index(entity, old !== undefined && old.deviceId === entity.deviceId ? old : undefined);
    const device = this.device(entity.deviceId);
    device.entityKeys.add(entity.key);
    if (entity.deviceName !== undefined) device.name = entity.deviceName;
    events.push(...this.rebuild(device));
    return events;
  }

  private removeEntities(keys: readonly string[]): AdapterEvent[] {
    const events: AdapterEvent[] = [];
    const touched = new Set<DeviceState>();
    for (const key of keys) {
      events.push(...this.clearEntityError(key));
      const e = this.entities.get(key);
      if (e === undefined) continue;
      this.unindex(e);
      this.entities.delete(key);
      const d = this.devices.get(e.deviceId);
      if (d) {
        d.entityKeys.delete(key);
        touched.add(d);
      }
    }
    for (const d of touched) events.push(...this.rebuild(d));
    return events;
  }

  private setEntityError(key: string, deviceId: string, error: string): AdapterEvent[] {
    const events: AdapterEvent[] = [...this.clearEntityError(key)];
    // Without a usable config nothing may be written through it: drop the old entity.
    const old = this.entities.get(key);
    if (old !== undefined) {
      this.unindex(old);
      this.entities.delete(key);
      const d = this.devices.get(old.deviceId);
      if (d) {
        d.entityKeys.delete(key);
        if (d.id !== deviceId) events.push(...this.rebuild(d));
      }
    }
    const device = this.device(deviceId);
    device.configErrors.set(key, error);
    this.errorOwner.set(key, deviceId);
    events.push(...this.rebuild(device));
    return events;
  }

  /** Forget a config error; the owner device is rebuilt unless it is `rebuiltLater` by the caller. */
  private clearEntityError(key: string, rebuiltLater?: string): AdapterEvent[] {
    const owner = this.errorOwner.get(key);
    if (owner === undefined) return [];
    this.errorOwner.delete(key);
    const d = this.devices.get(owner);
    if (d === undefined || !d.configErrors.delete(key) || owner === rebuiltLater) return [];
    return this.rebuild(d);
  }

  /** Recompute a device's schema from its entities; emit what changed. */
  private rebuild(d: DeviceState): AdapterEvent[] {
    const events: AdapterEvent[] = [];
    const errors = [...d.configErrors.values()];
    const entities = [...d.entityKeys].flatMap((k) => {
      const e = this.entities.get(k);
      return e ? [e] : [];
    });
    const { shown, standaloneName, aliases } = deviceControls(entities, d.name, errors);
    const errorText = errors.length > 0 ? errors.join('; ') : undefined;
    if (shown.length === 0) {
      if (d.emittedSchema !== undefined) events.push({ kind: 'device-removed', deviceId: d.id });
      d.emittedSchema = undefined;
      d.schema = undefined;
      d.availability = undefined;
      d.properties = new Map();
      d.stateTopics = [];
      if (errorText === undefined) {
        this.devices.delete(d.id);
        d.emittedError = undefined;
        return events;
      }
      if (errorText !== d.emittedError) events.push({ kind: 'device-error', deviceId: d.id, error: errorText });
      d.emittedError = errorText;
      return events;
    }
    const name = d.name ?? standaloneName ?? d.id.slice(HA_CONVENTION.length + 1);
    const schema: DeviceSchema = {
      id: d.id,
      name,
      convention: HA_CONVENTION,
      properties: shown.map((s) => s.schema),
      ...(aliases.size > 0 ? { aliases: [...aliases].sort() } : {}),
    };
    const text = JSON.stringify(schema);
    d.properties = new Map(shown.map((s) => [s.schema.id, s]));
    // Only what the shown controls read: a clashing entity left out of the schema is not worth its traffic.
    const stateTopics = [...new Set(shown.flatMap((x) => (x.def.stateTopic !== undefined ? [x.def.stateTopic] : [])))].sort();
    const topicsChanged = stateTopics.join('\u0000') !== d.stateTopics.join('\u0000');
    d.stateTopics = stateTopics;
    if (text !== d.emittedSchema || topicsChanged || (errorText === undefined && d.emittedError !== undefined)) {
      events.push({ kind: 'device', device: schema });
      d.emittedSchema = text;
      d.emittedError = undefined;
    }
    d.schema = schema;
    if (errorText !== undefined && errorText !== d.emittedError) {
      events.push({ kind: 'device-error', deviceId: d.id, error: errorText });
      d.emittedError = errorText;
    }
    events.push(...this.announceAvailability(d));
    return events;
  }

  private announceAvailability(d: DeviceState): AdapterEvent[] {
    if (d.schema === undefined) return [];
    const verdicts = [...d.entityKeys].flatMap((k) => {
      const e = this.entities.get(k);
      return e ? [entityAvailable(e.availability, e.avail)] : [];
    });
    const availability = deviceAvailability(verdicts);
    // "unknown" is what a new device is anyway; it is only announced to take back an earlier verdict.
    if (availability === d.availability || (availability === 'unknown' && d.availability === undefined)) return [];
    d.availability = availability;
    return [{ kind: 'availability', deviceId: d.id, availability }];
  }

  // ---- state and availability ----

  private onState(topic: string, payload: Uint8Array, retained: boolean): AdapterEvent[] {
    const events: AdapterEvent[] = [];
    const decoded = decodePayload(payload, MAX_VALUE_BYTES);
    for (const { filter, key } of this.stateIndex.lookup(topic)) {
      const e = this.entities.get(key);
      const d = e ? this.devices.get(e.deviceId) : undefined;
      if (e === undefined || d?.schema === undefined) continue;
      for (const def of e.props) {
        if (def.stateTopic !== filter || def.read === undefined) continue;
        // The entity may be shadowed by a clashing one; only what the schema lists is reported.
        if (d.properties.get(def.schema.id)?.def !== def) continue;
        const propertyId = def.schema.id;
        if ('error' in decoded) {
          events.push({ kind: 'value-error', deviceId: d.id, propertyId, error: decoded.error, raw: decoded.raw });
          continue;
        }
        // An empty payload clears a retained topic; it is not a value.
        if (decoded.text === '') continue;
        const r = def.read(decoded.text);
        if ('skip' in r) continue;
        if (r.ok) events.push({ kind: 'value', deviceId: d.id, propertyId, value: r.value, retained });
        else events.push({ kind: 'value-error', deviceId: d.id, propertyId, error: r.error, raw: previewText(decoded.text) });
      }
    }
    if (!('text' in decoded)) return events;
    const touched = new Set<DeviceState>();
    for (const { filter, key } of this.availIndex.lookup(topic)) {
      const e = this.entities.get(key);
      if (e?.availability === undefined || e.availability === null) continue;
      hearAvailability(e.availability, e.avail, filter, decoded.text);
      const d = this.devices.get(e.deviceId);
      if (d) touched.add(d);
    }
    for (const d of touched) events.push(...this.announceAvailability(d));
    return events;
  }
}
