/**
 * Presence: each console announces a retained `holdfast/presence/<clientId>`
 * (name, what it is editing) with a last will that clears it, and follows
 * everyone else's. Advisory only: the device stays the truth.
 */
import { DEFAULT_PRESENCE_BASE, encodePresence, parsePresence, presenceTopic, type PresenceInfo } from '../model/presence.js';

export interface PresenceSelf {
  readonly name: string;
  readonly editing: PresenceInfo['editing'];
}

export interface OwnPublisher {
  readonly id: string;
  /** Publish a retained message of the console's own, only while open. */
  publishOwn(topic: string, payload: string, retain: boolean): void;
}

export class PresenceTracker {
  private self: PresenceSelf = { name: '', editing: null };
  private others = new Map<string, PresenceInfo>();
  private connection: OwnPublisher | null = null;

  constructor(
    private readonly onChange: (others: readonly PresenceInfo[]) => void,
    readonly base: string = DEFAULT_PRESENCE_BASE,
  ) {}

  get filter(): string {
    return `${this.base}/+`;
  }

  owns(topic: string): boolean {
    return topic.startsWith(`${this.base}/`);
  }

  /** The will that clears this console's presence if it vanishes. */
  will(clientId: string): { topic: string; payload: string; retain: boolean } {
    return { topic: presenceTopic(this.base, clientId), payload: '', retain: true };
  }

  open(connection: OwnPublisher): void {
    this.connection = connection;
    this.announce();
  }

  /** Say goodbye before a clean disconnect (the will only fires on a crash). */
  leave(): void {
    const c = this.connection;
    if (c) c.publishOwn(presenceTopic(this.base, c.id), '', true);
    this.closed();
  }

  closed(): void {
    this.connection = null;
    if (this.others.size > 0) {
      this.others = new Map();
      this.onChange([]);
    }
  }

  set(self: Partial<PresenceSelf>): void {
    const next = { ...this.self, ...self };
    if (next.name === this.self.name && next.editing?.deviceId === this.self.editing?.deviceId && next.editing?.propertyId === this.self.editing?.propertyId) return;
    this.self = next;
    this.announce();
  }

  private announce(): void {
    const c = this.connection;
    if (!c) return;
    c.publishOwn(presenceTopic(this.base, c.id), encodePresence({ ...this.self, name: this.self.name || 'Unnamed operator', at: Date.now() }), true);
  }

  handle(topic: string, payload: Uint8Array): void {
    const parsed = parsePresence(this.base, topic, new TextDecoder().decode(payload));
    if (!parsed || parsed.clientId === this.connection?.id) return;
    const next = new Map(this.others);
    if (parsed.info) next.set(parsed.clientId, parsed.info);
    else next.delete(parsed.clientId);
    this.others = next;
    this.onChange([...next.values()]);
  }

  list(): readonly PresenceInfo[] {
    return [...this.others.values()];
  }
}
