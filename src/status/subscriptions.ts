/**
 * Which topics the session subscribes to. Discovery and availability of every
 * device are always subscribed; a device's values only while something needs
 * them: a client shows it, an edit of it is pending, an alarm rule reads it.
 * A device no longer needed keeps its subscription for a grace period, so
 * paging back and forth costs nothing. Devices that are needed at connect
 * are subscribed first, so the broker sends the device on screen before the
 * rest of the site.
 */
import type { AdapterEvent } from '../conventions/adapter.js';
import type { StatusPipeline } from './pipeline.js';

export interface Subscriber {
  subscribe(filters: readonly string[]): Promise<void>;
  unsubscribe(filters: readonly string[]): Promise<void>;
}

export const DEFAULT_GRACE_MS = 30_000;

export class SubscriptionManager {
  /** Per interest source (a client, the outbox, alarms): the devices it needs. */
  private readonly sources = new Map<string, ReadonlySet<string>>();
  /** Devices needed now or within their grace period, with the filters subscribed for them. */
  private readonly active = new Map<string, readonly string[]>();
  private readonly releaseTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Devices marked subscribed (SUBACK of their filters) on this session. */
  private readonly acknowledged = new Set<string>();
  /** The always-on filters subscribed on this session: never unsubscribed for a device. */
  private alwaysOn: ReadonlySet<string> = new Set();
  /** The always-on filters' SUBACK came on this session. */
  private alwaysOnAcknowledged = false;
  private subscriber: Subscriber | null = null;
  private session = 0;
  private listeners = new Set<() => void>();

  constructor(
    private readonly pipeline: StatusPipeline,
    private readonly graceMs = DEFAULT_GRACE_MS,
  ) {
    pipeline.listen({ onEvents: (events) => this.afterEvents(events) });
  }

  /** Called whenever the set of subscribed devices changes (the host reports it in diagnostics). */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Replace what one source needs. */
  setSource(source: string, deviceIds: Iterable<string>): void {
    const next = new Set(deviceIds);
    const before = this.sources.get(source) ?? new Set<string>();
    if (next.size === 0) this.sources.delete(source);
    else this.sources.set(source, next);
    for (const id of next) if (!before.has(id)) this.need(id);
    for (const id of before) if (!next.has(id) && !this.needed(id)) this.scheduleRelease(id);
  }

  /** Is a device's value subscription held (needed, or within its grace period)? */
  isActive(deviceId: string): boolean {
    return this.active.has(deviceId);
  }

  activeCount(): number {
    return this.active.size;
  }

  private needed(deviceId: string): boolean {
    for (const set of this.sources.values()) if (set.has(deviceId)) return true;
    return false;
  }

  private need(deviceId: string): void {
    clearTimeout(this.releaseTimers.get(deviceId));
    this.releaseTimers.delete(deviceId);
    if (this.active.has(deviceId)) return;
    this.active.set(deviceId, []);
    this.refreshDevice(deviceId);
    this.changed();
  }

  private scheduleRelease(deviceId: string): void {
    if (this.releaseTimers.has(deviceId) || !this.active.has(deviceId)) return;
    this.releaseTimers.set(
      deviceId,
      setTimeout(() => {
        this.releaseTimers.delete(deviceId);
        if (this.needed(deviceId)) return;
        const filters = this.active.get(deviceId) ?? [];
        this.active.delete(deviceId);
        this.acknowledged.delete(deviceId);
        this.pipeline.forgetDeviceSubscription(deviceId);
        this.unsubscribeUnused(filters);
        this.changed();
      }, this.graceMs),
    );
  }

  private inUse(filter: string): boolean {
    for (const fs of this.active.values()) if (fs.includes(filter)) return true;
    return false;
  }

  /** Unsubscribe those of these filters that no needed device and no always-on subscription uses. */
  private unsubscribeUnused(filters: readonly string[]): void {
    const unused = filters.filter((f) => !this.inUse(f) && !this.alwaysOn.has(f));
    if (unused.length > 0 && this.subscriber) this.subscriber.unsubscribe(unused).catch(() => undefined);
  }

  /**
   * Bring a needed device's subscription in line with its adapter's current
   * filters: subscribe the new ones, drop the ones it no longer reads (a
   * renamed Zigbee2MQTT device), and mark it subscribed after the SUBACK.
   * Returns the filters it is subscribing now (synchronously, before the SUBACK).
   */
  private refreshDevice(deviceId: string): readonly string[] {
    const subscriber = this.subscriber;
    if (!subscriber || !this.active.has(deviceId)) return [];
    const wanted = this.pipeline.router.deviceFilters(deviceId);
    if (wanted === null) return [];
    const have = this.active.get(deviceId) ?? [];
    const fresh = wanted.filter((f) => !have.includes(f));
    const dropped = have.filter((f) => !wanted.includes(f));
    if (fresh.length > 0 || dropped.length > 0) {
      this.active.set(deviceId, [...wanted]);
      this.unsubscribeUnused(dropped);
    }
    if (fresh.length > 0) {
      void this.subscribeDevice(subscriber, deviceId, fresh);
      return fresh;
    }
    // Nothing of its own to subscribe (it reports nothing, or is not known yet): once the always-on filters are
    // acknowledged, whatever can come for it has been asked for, so its replay is judged from then on.
    if (wanted.length === 0 && this.alwaysOnAcknowledged && !this.acknowledged.has(deviceId)) this.markSubscribed(deviceId, Date.now());
    return [];
  }

  private async subscribeDevice(subscriber: Subscriber, deviceId: string, filters: readonly string[]): Promise<void> {
    const session = this.session;
    try {
      await subscriber.subscribe(filters);
    } catch {
      return; // The session ended mid-subscribe: the next session subscribes everything again.
    }
    if (session === this.session && this.active.has(deviceId)) this.markSubscribed(deviceId, Date.now());
  }

  private markSubscribed(deviceId: string, now: number): void {
    this.acknowledged.add(deviceId);
    this.pipeline.markDeviceSubscribed(deviceId, now);
  }

  /**
   * A session opened: the devices needed now first (their retained status
   * comes first), then the always-on filters. Resolves after both SUBACKs.
   */
  async open(subscriber: Subscriber): Promise<void> {
    this.subscriber = subscriber;
    const session = ++this.session;
    this.acknowledged.clear();
    this.alwaysOnAcknowledged = false;
    const router = this.pipeline.router;
    const first = new Set<string>();
    for (const id of this.active.keys()) {
      const fs = router.deviceFilters(id) ?? [];
      this.active.set(id, [...fs]);
      for (const f of fs) first.add(f);
    }
    if (first.size > 0) {
      // Only these: a device needed while this SUBACK is awaited is subscribed, and marked, on its own.
      const batch = [...this.active].flatMap(([id, fs]) => (fs.length > 0 ? [id] : []));
      await subscriber.subscribe([...first]);
      if (session !== this.session) return;
      const now = Date.now();
      for (const id of batch) if (this.active.has(id)) this.markSubscribed(id, now);
    }
    // Filters adapters learn from here on (HA availability topics in retained configs) are subscribed as they are learned.
    const always = router.subscriptions();
    this.alwaysOn = new Set(always);
    await subscriber.subscribe(always);
    if (session !== this.session) return;
    const now = Date.now();
    this.pipeline.markAllSubscribed(now);
    this.alwaysOnAcknowledged = true;
    // Needed devices with no filters of their own (yet): as far as anything can come for them, it has been subscribed.
    for (const id of this.active.keys()) if (!this.acknowledged.has(id) && router.deviceFilters(id)?.length === 0) this.markSubscribed(id, now);
  }

  close(): void {
    this.subscriber = null;
    this.session++;
    this.acknowledged.clear();
    this.alwaysOnAcknowledged = false;
  }

  /**
   * Adapters learn from discovery: a needed device's filters may have changed
   * (subscribe what it reads now), new always-on filters appear (HA
   * availability topics), and a new entity may read a topic that is
   * subscribed already (subscribe it again so its retained message comes
   * again). A per-device filter among those is subscribed again only while a
   * needed device holds it: otherwise it is not subscribed at all, and the
   * device gets it fresh when it is needed.
   */
  private afterEvents(events: readonly AdapterEvent[]): void {
    const subscriber = this.subscriber;
    if (!subscriber) return;
    const subscribing = new Set<string>();
    for (const e of events) if (e.kind === 'device' && this.active.has(e.device.id)) for (const f of this.refreshDevice(e.device.id)) subscribing.add(f);
    const router = this.pipeline.router;
    const extra = router.takeNewSubscriptions();
    if (extra.length === 0) return;
    // Everything learned is handed out by now, so asking again changes nothing in the router.
    const alwaysOn = new Set(router.subscriptions());
    this.alwaysOn = alwaysOn;
    const wanted = extra.filter((f) => !subscribing.has(f) && (alwaysOn.has(f) || this.inUse(f)));
    if (wanted.length > 0) subscriber.subscribe(wanted).catch(() => undefined);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  dispose(): void {
    for (const t of this.releaseTimers.values()) clearTimeout(t);
    this.releaseTimers.clear();
    this.subscriber = null;
    this.listeners.clear();
  }
}
