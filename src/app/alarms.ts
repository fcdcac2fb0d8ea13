/**
 * Alarms, on the page: the rules (written here, durably, then the host is
 * told `alarms-changed`), acknowledgements (the same way: every tab then
 * shows them, because the host evaluates and sends the alarms), the sound
 * and vibration preferences, and the history's export. The alarms' states
 * themselves come from the host (HostClient.subscribeAlarms).
 *
 * It is also the configuration file's alarm part (app/config-transfer.ts).
 */
import { msg, str } from '@lit/localize';
import { formatNumber } from '../i18n/format.js';
import { checkRule, checkRules, rulesFile, type AlarmRule, type RuleFieldError, type RulesCheck } from '../model/alarms.js';
import type { AlarmHistoryRecord } from '../model/alarm-history.js';
import type { AuditStamp } from '../model/audit.js';
import { AlarmStore } from '../store/alarms.js';
import type { HoldfastDb } from '../store/db.js';
import type { SettingsStore } from '../store/settings.js';
import type { AlarmRulesIo } from './config-transfer.js';
import { Store } from './store.js';

export interface AlarmsState {
  readonly rules: readonly AlarmRule[];
  /** A tone when an alarm is raised (off by default). */
  readonly sound: boolean;
  /** Vibration where the device has it (off by default). */
  readonly vibrate: boolean;
}

export type SaveRuleResult = { readonly ok: true; readonly rule: AlarmRule } | { readonly ok: false; readonly errors: Readonly<Record<string, RuleFieldError>> };
export type ImportRulesResult = { readonly ok: true; readonly count: number } | { readonly ok: false; readonly errors: Extract<RulesCheck, { ok: false }>['errors'] | 'not-json' };

/** A configuration file's alarm rules did not check (the import applies nothing of them). Its message is in the page's language; code reads `errors`. */
export class AlarmRulesError extends Error {
  constructor(readonly errors: Extract<RulesCheck, { ok: false }>['errors']) {
    const first = errors[0];
    super(msg(str`${formatNumber(errors.length)} problem(s) in the alarm rules, e.g. rule ${first ? formatNumber(first.index) : '?'}: ${first?.field ?? ''} ${first?.error ?? ''}`));
    this.name = 'AlarmRulesError';
  }
}

export class AlarmsService implements AlarmRulesIo {
  readonly state = new Store<AlarmsState>({ rules: [], sound: false, vibrate: false });
  readonly store: AlarmStore;
  private unwatch: (() => void) | null = null;

  constructor(
    db: HoldfastDb,
    private readonly settings: SettingsStore,
    /** Tell the host the rules or acknowledgements changed in storage. */
    private readonly notify: () => void,
    /** Who is at this console now (acknowledgements record it). */
    private readonly stamp: () => AuditStamp,
  ) {
    this.store = new AlarmStore(db);
  }

  /** Follow the rules (any tab may change them); import the server's rules once if it ships some. */
  async load(defaultRules?: unknown): Promise<void> {
    if (defaultRules !== undefined && (await this.settings.get('alarmRulesSeeded')) !== true) {
      const checked = checkRules(defaultRules);
      if (checked.ok) {
        if ((await this.store.rules()).length === 0) await this.store.replaceRules(checked.rules);
        await this.settings.set('alarmRulesSeeded', true);
        this.notify();
      } else console.warn('Holdfast: the server\'s alarm rules were not imported', checked.errors);
    }
    const [sound, vibrate] = await Promise.all([this.settings.get('alarmSound'), this.settings.get('alarmVibrate')]);
    this.state.patch({ sound: sound === true, vibrate: vibrate === true });
    this.unwatch ??= this.store.watchRules((rules) => this.state.patch({ rules }));
  }

  newRuleId(): string {
    return crypto.randomUUID();
  }

  /** Save a rule from the editor (new or changed); nothing is stored unless it checks. */
  async saveRule(input: unknown): Promise<SaveRuleResult> {
    const checked = checkRule(input);
    if (!checked.ok) return checked;
    await this.store.putRule(checked.rule);
    this.notify();
    return checked;
  }

  async removeRule(id: string): Promise<void> {
    await this.store.deleteRule(id);
    this.notify();
  }

  /** Acknowledge one raise, with this operator's name: durable first, then every tab hears it from the host. */
  async acknowledge(alarmId: string, ruleId: string, now = Date.now()): Promise<void> {
    const s = this.stamp();
    await this.store.addAck({ alarmId, ruleId, by: s.operator, at: now, console: s.console, tab: s.tab });
    this.notify();
  }

  /** Replace the rules with a pasted or opened rules file; all or nothing. */
  async importRules(text: string): Promise<ImportRulesResult> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { ok: false, errors: 'not-json' };
    }
    const checked = checkRules(json);
    if (!checked.ok) return checked;
    await this.store.replaceRules(checked.rules);
    this.notify();
    return { ok: true, count: checked.rules.length };
  }

  /** The rules as a file (the same shape as the configuration's "alarms"). */
  async exportRules(): Promise<string> {
    return JSON.stringify(rulesFile(await this.store.rules()), null, 2);
  }

  async setSound(on: boolean): Promise<void> {
    await this.settings.set('alarmSound', on);
    this.state.patch({ sound: on });
  }

  async setVibrate(on: boolean): Promise<void> {
    await this.settings.set('alarmVibrate', on);
    this.state.patch({ vibrate: on });
  }

  watchHistory(limit: number, fn: (rows: readonly AlarmHistoryRecord[]) => void): () => void {
    return this.store.watchHistory(limit, fn);
  }

  exportHistory(kind: 'csv' | 'json'): Promise<string> {
    return this.store.exportHistory(kind);
  }

  // ---- the configuration file (AlarmRulesIo) ----

  async export(): Promise<readonly unknown[]> {
    return this.store.rules();
  }

  async import(rules: readonly unknown[]): Promise<void> {
    const checked = checkRules([...rules]);
    if (!checked.ok) throw new AlarmRulesError(checked.errors);
    await this.store.replaceRules(checked.rules);
    this.notify();
  }

  dispose(): void {
    this.unwatch?.();
    this.unwatch = null;
    this.state.dispose();
  }
}
