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
    void this.refreshDevice(deviceId);
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
        this.pipeline.forgetDeviceSubscription(deviceId);
        const unused = filters.filter((f) => !this.inUse(f));
        if (unused.length > 0 && this.subscriber) this.subscriber.unsubscribe(unused).catch(() => undefined);
        this.changed();
      }, this.graceMs),
    );
  }

  private inUse(filter: string): boolean {
    for (const fs of this.active.values()) if (fs.includes(filter)) return true;
    return false;
  }

  /** Subscribe the device's current filters that are not subscribed yet; mark it subscribed after SUBACK. */
  private async refreshDevice(deviceId: string): Promise<void> {
    const subscriber = this.subscriber;
    if (!subscriber || !this.active.has(deviceId)) return;
    const session = this.session;
    const wanted = this.pipeline.router.deviceFilters(deviceId);
    if (wanted === null) return;
    const have = this.active.get(deviceId) ?? [];
    const fresh = wanted.filter((f) => !have.includes(f));
    if (fresh.length === 0 && have.length > 0) return;
    this.active.set(deviceId, [...have, ...fresh]);
    try {
      await subscriber.subscribe(fresh);
      if (session === this.session) this.pipeline.markDeviceSubscribed(deviceId, Date.now());
    } catch {
      // The session ended mid-subscribe: the next session subscribes everything again.
    }
  }

  /**
   * A session opened: the devices needed now first (their retained status
   * comes first), then the always-on filters. Resolves after both SUBACKs.
   */
  async open(subscriber: Subscriber): Promise<void> {
    this.subscriber = subscriber;
    const session = ++this.session;
    const router = this.pipeline.router;
    for (const id of this.active.keys()) this.active.set(id, []);
    const own = [...this.active.keys()].flatMap((id) => {
      const fs = router.deviceFilters(id);
      if (fs === null) return [];
      this.active.set(id, [...fs]);
      return [...fs];
    });
    const first = [...new Set(own)];
    if (first.length > 0) {
      await subscriber.subscribe(first);
      if (session !== this.session) return;
      const now = Date.now();
      for (const [id, fs] of this.active) if (fs.length > 0) this.pipeline.markDeviceSubscribed(id, now);
    }
    // Filters adapters learn from here on (HA state topics in retained configs) are subscribed as they are learned.
    await subscriber.subscribe(router.subscriptions());
    if (session !== this.session) return;
    this.pipeline.markAllSubscribed(Date.now());
  }

  close(): void {
    this.subscriber = null;
    this.session++;
  }

  /** Adapters learn topics from discovery (HA state topics): subscribe to what the needed devices now read. */
  private afterEvents(events: readonly AdapterEvent[]): void {
    const subscriber = this.subscriber;
    if (!subscriber) return;
    const extra = this.pipeline.router.takeNewSubscriptions();
    if (extra.length > 0) subscriber.subscribe(extra).catch(() => undefined);
    for (const e of events) if (e.kind === 'device' && this.active.has(e.device.id)) void this.refreshDevice(e.device.id);
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
