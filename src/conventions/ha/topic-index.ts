/**
 * Which entities read a topic. Configs may name exact topics or MQTT filters
 * (OpenMQTTGateway publishes `+/+/BTtoMQTT/<mac>` so that any of its gateways
 * may report the sensor); a message is routed to every entity whose filter
 * matches it. Filters are only ever subscribed to, never published to.
 */
import { topicProblem } from '../adapter.js';

/** Why a string cannot be used as a subscription filter, or null (MQTT 3.1.1 §4.7.1). */
export function filterProblem(filter: unknown): string | null {
  if (typeof filter !== 'string') return 'must be a topic string';
  if (!/[+#]/.test(filter)) return topicProblem(filter);
  const exact = topicProblem(filter.replace(/[+#]/g, 'x'));
  if (exact !== null) return exact;
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return `"${filter}": "#" must be the whole last level`;
    if (level.includes('+') && level !== '+') return `"${filter}": "+" must be a whole level`;
  }
  // A filter of nothing but wildcards would subscribe this console to every message on the broker.
  if (levels.every((l) => l === '+' || l === '#')) return `"${filter}" matches every topic`;
  return null;
}

/** MQTT filter matching (+ one level, # the rest); `$` topics are not matched by a leading wildcard. */
export function filterMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if ((f[0] === '+' || f[0] === '#') && topic.startsWith('$')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

export const isFilter = (topic: string): boolean => /[+#]/.test(topic);

export class TopicIndex {
  private readonly exact = new Map<string, Set<string>>();
  private readonly wildcards = new Map<string, Set<string>>();

  private table(filter: string): Map<string, Set<string>> {
    return isFilter(filter) ? this.wildcards : this.exact;
  }

  add(filter: string, key: string): void {
    const table = this.table(filter);
    let keys = table.get(filter);
    if (keys === undefined) {
      keys = new Set();
      table.set(filter, keys);
    }
    keys.add(key);
  }

  remove(filter: string, key: string): void {
    const table = this.table(filter);
    const keys = table.get(filter);
    keys?.delete(key);
    if (keys?.size === 0) table.delete(filter);
  }

  /** Whether a filter is subscribed for anyone. */
  has(filter: string): boolean {
    return this.table(filter).has(filter);
  }

  /** Whether any entity reads this topic. */
  matches(topic: string): boolean {
    if (this.exact.has(topic)) return true;
    for (const filter of this.wildcards.keys()) if (filterMatches(filter, topic)) return true;
    return false;
  }

  /** The keys of every entity whose topic or filter covers this topic, with the filter that matched. */
  lookup(topic: string): { readonly filter: string; readonly key: string }[] {
    const out: { filter: string; key: string }[] = [];
    for (const key of this.exact.get(topic) ?? []) out.push({ filter: topic, key });
    for (const [filter, keys] of this.wildcards) if (filterMatches(filter, topic)) for (const key of keys) out.push({ filter, key });
    return out;
  }

  filters(): string[] {
    return [...this.exact.keys(), ...this.wildcards.keys()];
  }
}
