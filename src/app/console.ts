/**
 * The console on one page: what the elements bind to and act through. It
 * holds no engine: the engine host runs in the leader tab's worker (or the
 * extension's service worker) and this page follows it through its client.
 *
 * Edits are written to the durable outbox from here (Dexie, strict
 * durability) before the control says "queued", then the host is told.
 * Every action that changes anything goes through one of the methods below;
 * <hf-app> calls them for the elements' typed events.
 */
import { msg, str } from '@lit/localize';
import { HostClient } from '../client/host-client.js';
import { applyLanguage } from '../i18n/localization.js';
import { isLocale, type LanguageChoice } from '../i18n/locales.js';
import type { CoalesceResult } from '../model/coalesce.js';
import type { ConnectionProfile } from '../model/profile.js';
import { revertBase, undoOffer } from '../model/undo.js';
import type { BaseValue, OutboxEntry, PropertyValue } from '../model/types.js';
import { HoldfastDb, StorageFullError } from '../store/db.js';
import { HistoryStore } from '../store/history.js';
import { OutboxStore, type EntryActionResult } from '../store/outbox.js';
import { SecretStore } from '../store/secrets.js';
import { SettingsStore } from '../store/settings.js';
import { readBootState } from '../store/status-cache.js';
import { TrafficStore } from '../store/traffic.js';
import { previewConfig, readConfigFile, type ConfigChange, type ConfigFile, type ConsoleSettings } from '../model/config-file.js';
import type { FieldError, Density } from '../model/workspace.js';
import { WorkspaceStore } from '../store/workspace.js';
import type { AuditRecord, AuditStamp } from '../model/audit.js';
import { AlarmsService } from './alarms.js';
import { AuditService } from './audit.js';
import { registerBackgroundSync } from './background-sync.js';
import { ConfigTransfer, type AlarmRulesIo } from './config-transfer.js';
import { LockService } from './lock.js';
import { WorkspaceService } from './workspace.js';
import { ConventionsConfig } from './conventions-config.js';
import { ProfilesService } from './profiles.js';
import { Store } from './store.js';
import { TabCoordinator, type HostSource, type TabMessage } from './tab-coordinator.js';

/** 'ask': the browser would ask the operator (Firefox), so it is requested only on their tap. */
export type StoragePersistence = 'unknown' | 'persisted' | 'ask' | 'refused' | 'unsupported';

/** The console's own state that elements show (not device status: that comes from the host). */
export interface ConsoleState {
  readonly operatorName: string;
  readonly operatorNameAsked: boolean;
  readonly storage: StoragePersistence;
  /** The last edit that could not be recorded (e.g. disk full); shown until the next edit. */
  readonly editError: string | null;
  /** The service worker may send queued changes while no console is open (Chromium Background Sync). */
  readonly backgroundSync: boolean;
  /** The device page shown last (the first paint shows it again). */
  readonly lastDevice: string | null;
  /** The view shown last, if the operator was on a view. */
  readonly lastView: string | null;
  /** Device pages whose density the operator chose (default: compact above 12 properties). */
  readonly deviceDensity: Readonly<Record<string, Density>>;
  /** The one-time welcome was answered. */
  readonly welcomed: boolean;
  /** The language the operator chose for this browser ('auto': the browser's). */
  readonly language: LanguageChoice;
}

export type ImportPreview = { readonly ok: true; readonly config: ConfigFile; readonly changes: readonly ConfigChange[] } | { readonly ok: false; readonly errors: readonly FieldError[] };

export type ConsoleOptions = {
  readonly dbName?: string;
  /** Defaults to navigator.locks. */
  readonly locks?: LockManager | null;
  /**
   * Ask for access to a broker's origin when a profile for it is saved (the
   * extension's optional host permissions). Called synchronously inside the
   * operator's Save, so a browser prompt counts it as their gesture; saving
   * does not wait for the answer.
   */
  readonly requestBrokerAccess?: (url: string) => void;
  /**
   * The outbox may hold something to send now (an edit, Send anyway): the
   * extension's page makes sure its worker will wake for it. An edit says
   * "queued" only after this settled (it is bounded, and never fails an edit).
   */
  readonly onOutstanding?: () => Promise<void>;
  /** Alarm rules for the configuration file, when the alarm service is there. */
  readonly alarmRules?: AlarmRulesIo;
} & HostSource;

export interface StartOptions {
  readonly defaultBrokerUrl?: string | null;
  readonly link?: Omit<ConnectionProfile, 'id'> | null;
  readonly defaultMapping?: unknown;
  /** Alarm rules the server's configuration ships (imported once, then the operator's copy rules). */
  readonly defaultAlarms?: unknown;
}

export class Console {
  readonly db: HoldfastDb;
  readonly client: HostClient;
  readonly outboxStore: OutboxStore;
  readonly settings: SettingsStore;
  readonly traffic: TrafficStore;
  readonly history: HistoryStore;
  readonly profiles: ProfilesService;
  readonly conventions: ConventionsConfig;
  readonly coordinator: TabCoordinator;
  readonly workspace: WorkspaceService;
  readonly lock: LockService;
  /** Alarm rules, acknowledgements, sound and history (the alarms themselves come from the host). */
  readonly alarms: AlarmsService;
  /** The audit of edits: who, from where, and their taps (the host records the rest). */
  readonly audit: AuditService;
  private readonly transfer: ConfigTransfer;
  readonly state = new Store<ConsoleState>({ operatorName: '', operatorNameAsked: false, storage: 'unknown', editError: null, backgroundSync: false, lastDevice: null, lastView: null, deviceDensity: {}, welcomed: false, language: 'auto' });
  /** Outbox entries the operator should see (pending, in flight, needing attention), from every tab. */
  readonly outbox = new Store<{ readonly entries: readonly OutboxEntry[] }>({ entries: [] });
  private readonly cleanups: (() => void)[] = [];
  private booted: Promise<void> | null = null;
  /** The host is fixed (the extension's service worker): it sends by itself, Background Sync has no part. */
  readonly fixedHost: boolean;
  private readonly onOutstanding: (() => Promise<void>) | undefined;

  constructor(options: ConsoleOptions) {
    this.db = new HoldfastDb(options.dbName);
    this.outboxStore = new OutboxStore(this.db);
    this.settings = new SettingsStore(this.db);
    this.traffic = new TrafficStore(this.db);
    this.history = new HistoryStore(this.db);
    this.client = new HostClient();
    const notifier = {
      configChanged: () => {
        this.client.send({ type: 'config-changed', clientId: this.client.clientId });
        this.coordinator.tell({ type: 'profiles-changed' });
      },
      password: (profileId: string, password: string) => this.client.send({ type: 'password', clientId: this.client.clientId, profileId, password }),
    };
    const secrets = new SecretStore(this.db);
    this.profiles = new ProfilesService(this.settings, secrets, notifier, options.requestBrokerAccess);
    const workspaceStore = new WorkspaceStore(this.db);
    this.workspace = new WorkspaceService(workspaceStore);
    this.lock = new LockService(this.settings, () => this.settingsChanged());
    this.alarms = new AlarmsService(this.db, this.settings, () => this.client.send({ type: 'alarms-changed', clientId: this.client.clientId }), () => this.stamp());
    this.audit = new AuditService(this.db, () => this.stamp(), (d, p) => {
      const device = this.client.devices.get(d)?.name;
      const property = this.client.device(d)?.schema?.properties.find((x) => x.id === p)?.name;
      return { ...(device ? { device } : {}), ...(property ? { property } : {}) };
    });
    this.transfer = new ConfigTransfer(this.db, this.settings, secrets, workspaceStore, options.alarmRules ?? this.alarms);
    this.conventions = new ConventionsConfig(this.db, this.settings, () => {
      this.client.send({ type: 'config-changed', clientId: this.client.clientId });
      this.coordinator.tell({ type: 'conventions-changed' });
    });
    this.fixedHost = options.fixedHost !== undefined;
    this.onOutstanding = options.onOutstanding;
    this.coordinator = new TabCoordinator({
      client: this.client,
      ...(options.fixedHost ? { fixedHost: options.fixedHost } : { launcher: options.launcher }),
      ...(options.locks !== undefined ? { locks: options.locks } : {}),
      onTabMessage: (m) => void this.onTabMessage(m),
    });
    this.cleanups.push(this.client.onNeedPassword((profileId) => this.profiles.offerPassword(profileId)));
    this.cleanups.push(
      this.client.onValues((changes) => {
        for (const [d, p, v] of changes) if (v && typeof v.value === 'number') this.history.add(d, p, v.receivedAt, v.value);
      }),
    );
  }

  /**
   * The first paint: the device list and the last device shown, read from
   * the status cache in two gets, and the outbox. main.ts starts this
   * before it asks the server for its config, so the two overlap.
   */
  boot(): Promise<void> {
    this.booted ??= (async () => {
      const [lastDevice, lastView] = await Promise.all([this.settings.get('lastDevice'), this.settings.get('lastView')]);
      this.state.patch({ lastDevice: lastDevice ?? null, lastView: lastView ?? null });
      this.workspace.start();
      this.client.seed(await readBootState(this.db, lastDevice ?? null));
      const sub = this.outboxStore.visible().subscribe({
        next: (entries) => this.outbox.patch({ entries }),
        error: (err: unknown) => console.error('Holdfast: outbox query failed', err),
      });
      this.cleanups.push(() => sub.unsubscribe());
    })();
    return this.booted;
  }

  /** Read the settings, then elect a leader (which starts the engine host) and follow it. */
  async start(opts: StartOptions = {}): Promise<void> {
    await this.boot();
    await this.profiles.load(opts);
    await this.conventions.load(opts.defaultMapping);
    await this.alarms.load(opts.defaultAlarms);
    await this.lock.load();
    await this.loadSettings();
    this.coordinator.start();
    // An edit made before the page reached its host (the controls show the cached state at once) told no
    // one: its `outbox-changed` had no channel yet. Say it now, or a host with nothing else to wake it
    // would leave that edit queued (found by the extension-host chaos rounds).
    this.outboxChanged();
    void this.checkStorage();
  }

  private async onTabMessage(m: TabMessage): Promise<void> {
    if (m.type === 'profiles-changed') await this.profiles.reload();
    else if (m.type === 'conventions-changed') await this.conventions.load();
    else {
      await this.lock.load();
      await this.loadSettings();
    }
  }

  private async loadSettings(): Promise<void> {
    await this.loadLanguage();
    const s = this.settings;
    const [operatorName, operatorNameAsked, backgroundSync, deviceDensity, welcomed] = await Promise.all([s.get('operatorName'), s.get('operatorNameAsked'), s.get('backgroundSync'), s.get('deviceDensity'), s.get('welcomed')]);
    this.state.patch({ operatorName: operatorName ?? '', operatorNameAsked: operatorNameAsked ?? false, backgroundSync: backgroundSync ?? false, deviceDensity: deviceDensity ?? {}, welcomed: welcomed ?? operatorNameAsked ?? false });
  }

  /**
   * Show the console in the language stored for this browser (else the
   * browser's). main.ts awaits this before the app renders; another tab's
   * choice arrives with its settings-changed message.
   */
  async loadLanguage(): Promise<void> {
    const stored = await this.settings.get('language').catch(() => undefined);
    const language: LanguageChoice = stored === 'auto' || isLocale(stored) ? stored : 'auto';
    if (this.state.get().language !== language) this.state.patch({ language });
    await this.showLanguage(language);
  }

  /** The operator chose a language in Settings: stored for this browser, shown at once, and in every other tab. */
  async setLanguage(choice: LanguageChoice): Promise<void> {
    const language: LanguageChoice = choice === 'auto' || isLocale(choice) ? choice : 'auto';
    await this.settings.set('language', language);
    this.state.patch({ language });
    await this.showLanguage(language);
    this.coordinator.tell({ type: 'settings-changed' });
  }

  /** A language whose chunk cannot load (an old cache offline) leaves the console in the one it shows. */
  private async showLanguage(language: LanguageChoice): Promise<void> {
    await applyLanguage(language).catch((err: unknown) => console.warn('Holdfast: language not loaded', err));
  }

  /** Settings every tab and the host read changed (name, lock, density). */
  private settingsChanged(): void {
    this.client.send({ type: 'config-changed', clientId: this.client.clientId });
    this.coordinator.tell({ type: 'settings-changed' });
  }

  // ---- edits ----

  /**
   * Record an operator's edit in the durable outbox, with the base the
   * control rendered. Resolves after the write committed, so the caller may
   * then say "queued".
   */
  edit(deviceId: string, propertyId: string, desired: PropertyValue, base: BaseValue): Promise<CoalesceResult> {
    return this.enqueue(deviceId, propertyId, desired, base, null);
  }

  /** Who is at this console: the audit and acknowledgements record it. */
  private stamp(): AuditStamp {
    return { operator: this.state.get().operatorName, console: this.profiles.active?.clientIdPrefix ?? '', tab: this.client.clientId.slice(0, 8) };
  }

  private async enqueue(deviceId: string, propertyId: string, desired: PropertyValue, base: BaseValue, follows: AuditRecord['follows']): Promise<CoalesceResult> {
    try {
      const result = await this.outboxStore.enqueue({ deviceId, propertyId, desired, base });
      void this.audit.edited(result, follows);
      if (this.state.get().editError) this.state.patch({ editError: null });
      this.outboxChanged();
      if (result.action === 'insert' || result.action === 'replace' || result.action === 'supersede') {
        void this.requestBackgroundSync();
        await this.outstanding();
      }
      return result;
    } catch (err) {
      const message = err instanceof StorageFullError ? err.message : msg(str`The change was not queued: ${err instanceof Error ? err.message : String(err)}`);
      this.state.patch({ editError: message });
      throw err;
    }
  }

  /**
   * Undo, tied to what became of the edit (model/undo.ts): a pending edit is
   * withdrawn; a confirmed one is reverted by a new edit whose base is the
   * confirmed value; anything else has nothing to undo.
   */
  async undo(seq: number): Promise<'cancelled' | 'reverted' | 'nothing'> {
    const entry = await this.outboxStore.get(seq);
    if (!entry) return 'nothing';
    const offer = undoOffer(entry);
    if (offer.kind === 'cancel') {
      const r = await this.outboxStore.undo(seq);
      this.outboxChanged();
      if (r === 'done') await this.tapped(seq, 'undo');
      return r === 'done' ? 'cancelled' : 'nothing';
    }
    if (offer.kind !== 'revert') return 'nothing';
    const r = await this.enqueue(entry.deviceId, entry.propertyId, offer.previous, revertBase(entry, this.client.status?.live ? this.client.status.session : null), { cmdId: entry.cmdId, kind: 'undo' });
    await this.tapped(seq, 'undo', r.action === 'noop' ? undefined : r.entry.cmdId);
    return 'reverted';
  }

  /** The operator's explicit Send anyway on an edit nothing could check: recorded with their name. */
  async sendAnyway(seq: number): Promise<EntryActionResult> {
    const r = await this.outboxStore.sendAnyway(seq, this.state.get().operatorName);
    this.outboxChanged();
    if (r === 'done') await this.outstanding();
    if (r === 'done') await this.tapped(seq, 'send-anyway');
    return r;
  }

  /** An ended edit, applied again on top of what the device shows now (`base`: what the control rendered). */
  async reapply(seq: number, base: BaseValue): Promise<void> {
    const old = await this.outboxStore.get(seq);
    if (!old) return;
    await this.outboxStore.dismiss(seq);
    const r = await this.enqueue(old.deviceId, old.propertyId, old.desired, base, { cmdId: old.cmdId, kind: 're-apply' });
    await this.tapped(seq, 're-apply', r.action === 'noop' ? undefined : r.entry.cmdId);
  }

  async dismiss(seq: number): Promise<void> {
    await this.outboxStore.dismiss(seq);
    this.outboxChanged();
    await this.tapped(seq, 'dismiss');
  }

  /** Record an operator's tap on an entry in its audit record, with the entry as the tap left it. */
  private async tapped(seq: number, kind: Parameters<AuditService['tapped']>[1], newCmdId?: string): Promise<void> {
    const after = await this.outboxStore.get(seq);
    if (after) await this.audit.tapped(after, kind, newCmdId);
  }

  /** One entry, now and whenever it changes (an Undo toast, a scene's outcomes). */
  watchEntry(seq: number, fn: (e: OutboxEntry | undefined) => void): () => void {
    return this.outboxStore.watch(seq, fn);
  }

  private outboxChanged(): void {
    this.client.send({ type: 'outbox-changed', clientId: this.client.clientId });
  }

  /** Tell onOutstanding (bounded: a slow platform never holds an edit's "queued" back for long). */
  private async outstanding(): Promise<void> {
    const hook = this.onOutstanding;
    if (!hook) return;
    await Promise.race([hook().catch(() => undefined), new Promise((r) => setTimeout(r, 500))]);
  }

  // ---- connection and presence ----

  retry(): void {
    this.client.send({ type: 'retry', clientId: this.client.clientId });
  }

  /** Which control this operator is editing, for other consoles (advisory only). */
  setEditing(editing: { deviceId: string; propertyId: string } | null): void {
    this.client.send({ type: 'editing', clientId: this.client.clientId, editing });
  }

  async setOperatorName(name: string | null): Promise<void> {
    const operatorName = (name ?? '').trim().slice(0, 60);
    await this.settings.set('operatorNameAsked', true);
    if (name !== null) await this.settings.set('operatorName', operatorName);
    this.state.patch({ operatorNameAsked: true, ...(name !== null ? { operatorName } : {}) });
    this.settingsChanged();
  }

  /** The one-time welcome was answered (with a name, or "not now"). */
  async welcome(name: string | null): Promise<void> {
    await this.settings.set('welcomed', true);
    this.state.patch({ welcomed: true });
    await this.setOperatorName(name);
  }

  /** Remember the device page shown, for the next first paint. */
  showDevice(deviceId: string): void {
    if (this.state.get().lastDevice === deviceId && this.state.get().lastView === null) return;
    this.state.patch({ lastDevice: deviceId, lastView: null });
    void this.settings.set('lastDevice', deviceId);
    void this.db.settings.delete('lastView');
  }

  /** Remember the view shown. */
  showView(viewId: string | null): void {
    this.state.patch({ lastView: viewId });
    if (viewId) void this.settings.set('lastView', viewId);
    else void this.db.settings.delete('lastView');
  }

  async setDeviceDensity(deviceId: string, density: Density): Promise<void> {
    const deviceDensity = { ...this.state.get().deviceDensity, [deviceId]: density };
    await this.settings.set('deviceDensity', deviceDensity);
    this.state.patch({ deviceDensity });
    this.coordinator.tell({ type: 'settings-changed' });
  }

  // ---- scenes ----

  /**
   * Recall a scene: one ordinary edit per change, each based on what the
   * operator sees at this moment (the preview they confirmed). Returns each
   * edit's result, so the outcome per control can be followed.
   */
  async recall(changes: readonly { readonly deviceId: string; readonly propertyId: string; readonly target: PropertyValue; readonly base: BaseValue }[]): Promise<CoalesceResult[]> {
    const out: CoalesceResult[] = [];
    for (const c of changes) out.push(await this.edit(c.deviceId, c.propertyId, c.target, c.base));
    return out;
  }

  // ---- the configuration file ----

  exportConfig(theme: ConsoleSettings['theme']): Promise<ConfigFile> {
    return this.transfer.export(theme);
  }

  /** Check a file and say what importing it would change; nothing is written yet. */
  async previewImport(text: string, theme: ConsoleSettings['theme']): Promise<ImportPreview> {
    const checked = readConfigFile(text);
    if (!checked.ok) return checked;
    return { ok: true, config: checked.config, changes: previewConfig(await this.transfer.export(theme), checked.config) };
  }

  /** Apply a previewed configuration; every tab and the host read it again. */
  async applyImport(config: ConfigFile): Promise<void> {
    await this.transfer.import(config);
    await this.profiles.reload();
    await this.conventions.load();
    await this.loadSettings();
    this.client.send({ type: 'config-changed', clientId: this.client.clientId });
    this.coordinator.tell({ type: 'profiles-changed' });
    this.coordinator.tell({ type: 'conventions-changed' });
    this.coordinator.tell({ type: 'settings-changed' });
  }

  // ---- background sending and storage ----

  /** Turn background sending on or off (stored; off by default). */
  async setBackgroundSync(on: boolean): Promise<void> {
    await this.settings.set('backgroundSync', on);
    this.state.patch({ backgroundSync: on });
    this.coordinator.tell({ type: 'settings-changed' });
    // Edits already waiting should not depend on the operator making another one.
    if (on && (await this.outboxStore.pending()).length > 0) void this.requestBackgroundSync();
  }

  /**
   * An edit is waiting and the broker is out of reach: ask the browser to
   * wake the service worker when it is online again, in case the console is
   * closed by then. Read from storage, not state: another tab may have
   * changed the setting.
   */
  private async requestBackgroundSync(): Promise<void> {
    if (this.fixedHost || this.client.connection?.status === 'open') return;
    if ((await this.settings.get('backgroundSync')) !== true) return;
    await registerBackgroundSync();
  }

  /** Ask the browser not to evict our data; the UI says so when it refuses. */
  async requestPersistence(): Promise<void> {
    if (typeof navigator === 'undefined' || !navigator.storage?.persist) {
      this.state.patch({ storage: 'unsupported' });
      return;
    }
    const granted = await navigator.storage.persist().catch(() => false);
    this.state.patch({ storage: granted ? 'persisted' : 'refused' });
  }

  private async checkStorage(): Promise<void> {
    if (typeof navigator === 'undefined' || !navigator.storage?.persisted) {
      this.state.patch({ storage: 'unsupported' });
      return;
    }
    const persisted = await navigator.storage.persisted().catch(() => false);
    if (persisted) {
      this.state.patch({ storage: 'persisted' });
      return;
    }
    // Where asking may put a permission prompt in front of the operator (Firefox), ask only on their tap.
    const permission = await navigator.permissions?.query({ name: 'persistent-storage' }).then(
      (p) => p.state,
      () => null,
    );
    if (permission === 'prompt') this.state.patch({ storage: 'ask' });
    else await this.requestPersistence();
  }

  async dispose(): Promise<void> {
    for (const c of this.cleanups.splice(0)) c();
    this.workspace.dispose();
    this.alarms.dispose();
    this.lock.state.dispose();
    await this.coordinator.dispose();
    this.client.dispose();
    this.history.dispose();
    this.traffic.dispose();
    this.state.dispose();
    this.outbox.dispose();
    this.db.close();
  }
}
