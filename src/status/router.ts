import { hasCommandTopicGuard, hasDeviceSubscriptions, hasQuerySource, hasResubscriptions, topicProblem, type AdapterEvent, type ConventionAdapter, type EncodeResult } from '../conventions/adapter.js';
import type { PropertyValue } from '../model/types.js';

/** Sends each message to the adapters that read its topic, and each set to the adapter that owns its device. */
export class ConventionRouter {
  /** Filters already handed out by subscriptions() / takeNewSubscriptions(). */
  private readonly announced = new Set<string>();

  constructor(private readonly adapters: readonly ConventionAdapter[]) {}

  subscriptions(): string[] {
    const all = [...new Set(this.adapters.flatMap((a) => a.subscriptions()))];
    for (const f of all) this.announced.add(f);
    return all;
  }

  /**
   * Filters to subscribe to now, within the open session: those an adapter
   * learned since the last call (e.g. Home Assistant state topics named in a
   * discovery config), plus already-subscribed ones an adapter wants re-sent
   * (a new entity reading a shared topic). Call after route(); the next
   * session's subscriptions() includes every learned filter anyway.
   */
  takeNewSubscriptions(): string[] {
    const fresh = new Set<string>();
    for (const a of this.adapters) {
      for (const f of a.subscriptions()) {
        if (this.announced.has(f)) continue;
        this.announced.add(f);
        fresh.add(f);
      }
      if (hasResubscriptions(a)) for (const f of a.takeResubscriptions()) fresh.add(f);
    }
    return [...fresh];
  }

  /**
   * Every adapter that reads a topic gets it: one topic can matter to two
   * conventions (Zigbee2MQTT's bridge/state is its own availability and the
   * availability its HA discovery configs name). Each adapter's events are
   * about its own devices only.
   */
  route(topic: string, payload: Uint8Array, retained: boolean): AdapterEvent[] {
    let events: AdapterEvent[] | null = null;
    for (const adapter of this.adapters) {
      if (!adapter.handles(topic)) continue;
      const out = adapter.handleMessage(topic, payload, retained);
      events = events === null ? out : [...events, ...out];
    }
    return events ?? [];
  }

  /** The adapter that owns a device (its id is "<convention>:<native id>"). */
  adapterFor(deviceId: string): ConventionAdapter | undefined {
    const convention = deviceId.slice(0, deviceId.indexOf(':'));
    return this.adapters.find((a) => a.convention === convention);
  }

  encodeSet(deviceId: string, propertyId: string, value: PropertyValue): EncodeResult {
    const adapter = this.adapterFor(deviceId);
    if (!adapter) return { ok: false, error: `no adapter for ${deviceId}` };
    return this.guarded(adapter.encodeSet(deviceId, propertyId, value));
  }

  /** Filters carrying one device's values, or null when its adapter's always-on subscriptions carry them. */
  deviceFilters(deviceId: string): readonly string[] | null {
    const adapter = this.adapterFor(deviceId);
    return adapter && hasDeviceSubscriptions(adapter) ? adapter.deviceSubscriptions(deviceId) : null;
  }

  /** How to ask a device for a property's current value; null when it cannot be asked. */
  encodeQuery(deviceId: string, propertyId: string): EncodeResult | null {
    const adapter = this.adapterFor(deviceId);
    if (!adapter || !hasQuerySource(adapter)) return null;
    const result = adapter.encodeQuery(deviceId, propertyId);
    return result === null ? null : this.guarded(result);
  }

  private guarded(result: EncodeResult): EncodeResult {
    if (!result.ok) return result;
    // Defence in depth: no adapter may publish to a wildcard topic or one another convention reserves.
    const problem = topicProblem(result.command.topic);
    if (problem !== null) return { ok: false, error: `command topic ${problem}` };
    for (const a of this.adapters) {
      const refusal = hasCommandTopicGuard(a) ? a.refuseCommandTopic(result.command.topic) : null;
      if (refusal !== null) return { ok: false, error: refusal };
    }
    return result;
  }
}

export function eventDeviceId(e: AdapterEvent): string {
  return e.kind === 'device' ? e.device.id : e.deviceId;
}
