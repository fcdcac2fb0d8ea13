/**
 * Availability as Home Assistant computes it (mqtt/entity.py
 * MqttAvailabilityMixin): an entity without availability topics is always
 * available; with them, `latest` follows the last verdict, `all` needs every
 * topic online, `any` one of them, and before any verdict it is unavailable.
 * A device is shown "disconnected" when one of its entities is, "unknown"
 * while a configured one has not reported yet, else "ready".
 */
import type { Availability } from '../../model/types.js';
import { ConfigError, isRecord, optFilter, optTemplate, optText, type Config, type Tpl } from './config.js';
import { quote, renderTemplate } from './entity.js';
import { filterProblem } from './topic-index.js';

export interface AvailTopic {
  /** Exact topic or filter, as configured. */
  readonly topic: string;
  readonly online: string;
  readonly offline: string;
  readonly template?: Tpl;
}

export interface AvailConfig {
  readonly topics: readonly AvailTopic[];
  readonly mode: 'latest' | 'all' | 'any';
}

/** What an entity has heard: per configured topic, and the latest verdict. */
export interface AvailState {
  readonly perTopic: Map<string, boolean>;
  latest?: boolean;
}

export function parseAvailability(cfg: Config): AvailConfig | null {
  const list = cfg['availability'];
  const single = cfg['availability_topic'];
  if (list !== undefined && list !== null && single !== undefined && single !== null) {
    throw new ConfigError('availability and availability_topic cannot both be set');
  }
  const modeText = optText(cfg, 'availability_mode', 'latest');
  if (modeText !== 'latest' && modeText !== 'all' && modeText !== 'any') {
    throw new ConfigError(`availability_mode ${quote(modeText)} is not latest, all or any`);
  }
  const topics: AvailTopic[] = [];
  if (single !== undefined && single !== null) {
    const template = optTemplate(cfg, 'availability_template');
    topics.push({
      topic: optFilter(cfg, 'availability_topic') ?? '',
      online: optText(cfg, 'payload_available', 'online'),
      offline: optText(cfg, 'payload_not_available', 'offline'),
      ...(template ? { template } : {}),
    });
  } else if (list !== undefined && list !== null) {
    const entries = Array.isArray(list) ? list : [list];
    entries.forEach((entry, i) => {
      if (!isRecord(entry)) throw new ConfigError(`availability[${i}] must be an object`);
      const problem = filterProblem(entry['topic']);
      if (problem !== null) throw new ConfigError(`availability[${i}].topic ${problem}`);
      const template = optTemplate(entry, 'value_template');
      topics.push({
        topic: entry['topic'] as string,
        online: optText(entry, 'payload_available', 'online'),
        offline: optText(entry, 'payload_not_available', 'offline'),
        ...(template ? { template } : {}),
      });
    });
  }
  return topics.length === 0 ? null : { topics, mode: modeText };
}

/** Take one availability message (for the configured topic or filter it matched). */
export function hearAvailability(config: AvailConfig, state: AvailState, configured: string, text: string): void {
  for (const t of config.topics) {
    if (t.topic !== configured) continue;
    let payload = text;
    if (t.template !== undefined) {
      const r = renderTemplate(t.template, text, 'availability template');
      // An unusable availability template is ignored rather than guessed at, as HA ignores unknown payloads.
      if (!r.ok) continue;
      payload = r.text;
    }
    const verdict = payload === t.online ? true : payload === t.offline ? false : undefined;
    if (verdict === undefined) continue;
    state.perTopic.set(t.topic, verdict);
    state.latest = verdict;
  }
}

/** HA's `available` for one entity; undefined: configured but nothing heard yet. */
export function entityAvailable(config: AvailConfig | null, state: AvailState): boolean | undefined {
  if (config === null) return true;
  if (config.mode === 'latest') return state.latest;
  const verdicts = config.topics.map((t) => state.perTopic.get(t.topic));
  if (config.mode === 'all') return verdicts.some((v) => v === false) ? false : verdicts.every((v) => v === true) ? true : undefined;
  return verdicts.some((v) => v === true) ? true : verdicts.every((v) => v === false) ? false : undefined;
}

export function deviceAvailability(verdicts: Iterable<boolean | undefined>): Availability {
  let unheard = false;
  for (const v of verdicts) {
    if (v === false) return 'disconnected';
    if (v === undefined) unheard = true;
  }
  return unheard ? 'unknown' : 'ready';
}
