import { MappedAdapter, parseMapping, type MappingFile } from '../conventions/mapped.js';
import type { CoalesceResult } from '../model/coalesce.js';
import type { PresenceInfo } from '../model/presence.js';
import { validateProfile, type ConnectionProfile, type ProfileErrors, type ProfileInput } from '../model/profile.js';
import type { OutboxEntry, PropertyValue } from '../model/types.js';
import type { ConnectionState } from '../mqtt/connection.js';
import { HoldfastDb, StorageFullError } from '../store/db.js';
import { OutboxStore } from '../store/outbox.js';
import { HistoryStore } from '../store/history.js';
import { SecretStore } from '../store/secrets.js';
import { TrafficStore } from '../store/traffic.js';
import { SettingsStore } from '../store/settings.js';
import { StatusStore, type DevicesSnapshot, type TimedEvent } from '../store/status.js';
// The service worker's background flush must use the same lock and channel names.
import { HUB_CHANNEL as CHANNEL, LEADER_LOCK, registerBackgroundSync } from './background-sync.js';
import { DEFAULT_ENGINE_OPTIONS, type EngineOptions } from './engine.js';
import type { Leader } from './leader.js';
import { ConventionRouter } from '../status/router.js';

export type Role = 'starting' | 'leader' | 'follower';
export type StoragePersistence = 'unknown' | 'persisted' | 'refused' | 'unsupported';
export type Editing = PresenceInfo['editing'];

/** Everything the UI renders. Immutable; replaced on every change. */
export interface HubState {
  readonly role: Role;
  readonly profiles: readonly ConnectionProfile[];
  readonly activeProfileId: string | null;
  /** A profile from a provisioning link for a new host, waiting for the operator's yes. */
  readonly pendingProfile: Omit<ConnectionProfile, 'id'> | null;
  /** The active profile has a user name but no password is known in this session. */
  readonly needsPassword: boolean;
  readonly connection: ConnectionState | null;
  readonly devices: DevicesSnapshot;
  /** Outbox entries the operator should see (pending, in flight, needing attention). */
  readonly outbox: readonly OutboxEntry[];
  readonly storage: StoragePersistence;
  /** The last edit that could not be recorded (e.g. disk full); shown until the next edit. */
  readonly editError: string | null;
  /** Other consoles on the broker. */
  readonly presence: readonly PresenceInfo[];
  readonly operatorName: string;
  readonly operatorNameAsked: boolean;
  /** Imported custom-topic mapping, if any. */
  readonly mapping: MappingFile | null;
  /** Home Assistant discovery prefix. */
  readonly haPrefix: string;
  /** The service worker may send queued changes while no console is open (Chromium Background Sync). */
  readonly backgroundSync: boolean;
}

export type ImportMappingResult = { readonly ok: true; readonly devices: number } | { readonly ok: false; readonly errors: readonly string[] };

type ChannelMessage =
  | { readonly type: 'events'; readonly batch: readonly TimedEvent[] }
  | { readonly type: 'connection'; readonly state: ConnectionState }
  | { readonly type: 'presence'; readonly others: readonly PresenceInfo[] }
  /** A tab that follows: it wants status events. */
  | { readonly type: 'hello'; readonly tabId: string }
  | { readonly type: 'bye'; readonly tabId: string }
  /** A new leader asks the followers to say hello again. */
  | { readonly type: 'leader-changed' }
  | { readonly type: 'outbox-changed' }
  | { readonly type: 'retry' }
  /** The active profile changed; a session-only password travels with it (same-origin tabs only). */
  | { readonly type: 'profile-changed'; readonly password?: string }
  | { readonly type: 'editing'; readonly editing: Editing; readonly name: string }
  /** The mapping or discovery prefix changed: the leader rebuilds its adapters. */
  | { readonly type: 'conventions-changed' };

/** Connection timing; the defaults suit a shift, tests and demos shorten them. */
export interface ConnectionTuning {
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly heartbeatTimeoutMs?: number;
}

export interface HubOptions {
  readonly dbName?: string;
  readonly engine?: Partial<EngineOptions>;
  readonly connection?: ConnectionTuning;
}

export type SaveProfileResult = { readonly ok: true; readonly profile: ConnectionProfile } | { readonly ok: false; readonly errors: ProfileErrors };

/**
 * The console's one shared service. Every tab has a Hub; exactly one tab
 * (holding a Web Lock) is the leader that owns the broker connection and
 * the outbox engine. Other tabs write edits to the durable outbox and follow
 * state over a BroadcastChannel and Dexie live queries.
 */
export class Hub {
  readonly db: HoldfastDb;
  readonly outboxStore: OutboxStore;
  readonly settings: SettingsStore;
  readonly secrets: SecretStore;
  readonly status: StatusStore;
  readonly traffic: TrafficStore;
  readonly history: HistoryStore;
  private stateValue: HubState;
  private readonly listeners = new Set<(s: HubState) => void>();
  private readonly channel: BroadcastChannel | null;
  private leader: Leader | null = null;
  private readonly cleanups: Array<() => void> = [];
  private disposed = false;
  private readonly engineOptions: EngineOptions;
  private readonly tuning: ConnectionTuning;
  /** Passwords typed this session and not saved, by profile id. Never persisted, never logged. */
  private readonly sessionPasswords = new Map<string, string>();
  private pendingEvents: TimedEvent[] = [];
  private broadcastTimer: ReturnType<typeof setTimeout> | undefined;
  private editing: Editing = null;
  private readonly tabId = crypto.randomUUID();
  /** Tabs following this leader; with none, status events are not re-broadcast at all. */
  private readonly followers = new Set<string>();

  constructor(options: HubOptions = {}) {
    this.db = new HoldfastDb(options.dbName);
    this.outboxStore = new OutboxStore(this.db);
    this.settings = new SettingsStore(this.db);
    this.secrets = new SecretStore(this.db);
    // Only the leader writes the status cache, so tabs don't fight over it.
    this.status = new StatusStore(this.db, { persist: false });
    this.traffic = new TrafficStore(this.db);
    this.history = new HistoryStore(this.db);
    this.engineOptions = { ...DEFAULT_ENGINE_OPTIONS, ...options.engine };
    this.tuning = options.connection ?? {};
    this.channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;
    this.stateValue = {
      role: 'starting',
      profiles: [],
      activeProfileId: null,
      pendingProfile: null,
      needsPassword: false,
      connection: null,
      devices: new Map(),
      outbox: [],
      storage: 'unknown',
      editError: null,
      presence: [],
      operatorName: '',
      operatorNameAsked: false,
      mapping: null,
      haPrefix: 'homeassistant',
      backgroundSync: false,
    };
  }

  get state(): HubState {
    return this.stateValue;
  }

  get activeProfile(): ConnectionProfile | null {
    return this.stateValue.profiles.find((p) => p.id === this.stateValue.activeProfileId) ?? null;
  }

  subscribe(fn: (s: HubState) => void): () => void {
    this.listeners.add(fn);
    fn(this.stateValue);
    return () => this.listeners.delete(fn);
  }

  private set(patch: Partial<HubState>): void {
    this.stateValue = { ...this.stateValue, ...patch };
    for (const l of this.listeners) l(this.stateValue);
  }

  private preloading: Promise<void> | null = null;

  /**
   * Read the last-known state for the first paint. main.ts starts this before
   * it asks the server for its config, so the two overlap; start() awaits it.
   */
  preload(): Promise<void> {
    this.preloading ??= (async () => {
      await this.status.load();
      void this.history.load().catch((err: unknown) => console.warn('Holdfast: could not read value history', err));
      this.cleanups.push(this.status.subscribe((devices) => this.set({ devices })));
      const sub = this.outboxStore.visible().subscribe({
        next: (outbox) => this.set({ outbox }),
        error: (err: unknown) => console.error('Holdfast: outbox query failed', err),
      });
      this.cleanups.push(() => sub.unsubscribe());
    })();
    return this.preloading;
  }

  /**
   * Show the last-known state at once, then elect a leader and connect.
   * `defaultBrokerUrl` (from the server's config) seeds the first profile;
   * `link` is a profile from a provisioning link.
   */
  async start(opts: { defaultBrokerUrl?: string | null; link?: Omit<ConnectionProfile, 'id'> | null; defaultMapping?: unknown } = {}): Promise<void> {
    await this.preload();

    let profiles = [...((await this.settings.get('profiles')) ?? [])];
    let activeProfileId = (await this.settings.get('activeProfileId')) ?? null;
    if (profiles.length === 0 && opts.defaultBrokerUrl) {
      // The server that hosts this console names its broker: trust it as the first profile.
      const seeded = validateProfile({ name: 'Default broker', url: opts.defaultBrokerUrl });
      if (seeded.ok) {
        const profile = { ...seeded.profile, id: crypto.randomUUID() };
        profiles = [profile];
        activeProfileId = profile.id;
        await this.settings.set('profiles', profiles);
        await this.settings.set('activeProfileId', profile.id);
      }
    }
    let pendingProfile: Omit<ConnectionProfile, 'id'> | null = null;
    if (opts.link) {
      const known = profiles.find((p) => new URL(p.url).host === new URL(opts.link!.url).host && p.url === opts.link!.url);
      if (known) {
        activeProfileId = known.id;
        await this.settings.set('activeProfileId', known.id);
      } else {
        // A link must not silently point this console at a new host.
        pendingProfile = opts.link;
      }
    }
    this.set({
      profiles,
      activeProfileId,
      pendingProfile,
      operatorName: (await this.settings.get('operatorName')) ?? '',
      operatorNameAsked: (await this.settings.get('operatorNameAsked')) ?? false,
      backgroundSync: (await this.settings.get('backgroundSync')) ?? false,
    });
    await this.loadConventions(opts.defaultMapping);
    await this.refreshNeedsPassword();

    if (this.channel) {
      const onMessage = (ev: MessageEvent<ChannelMessage>): void => void this.onChannel(ev.data);
      this.channel.addEventListener('message', onMessage);
      this.cleanups.push(() => this.channel?.removeEventListener('message', onMessage));
    }
    this.electLeader();
    void this.checkStorage();
  }

  private async passwordFor(profile: ConnectionProfile | null): Promise<string | undefined> {
    if (!profile?.username) return undefined;
    return this.sessionPasswords.get(profile.id) ?? (profile.rememberPassword ? await this.secrets.load(profile.id) : undefined);
  }

  private async refreshNeedsPassword(): Promise<void> {
    const profile = this.activeProfile;
    this.set({ needsPassword: !!profile?.username && (await this.passwordFor(profile)) === undefined });
  }

  private electLeader(): void {
    if (typeof navigator === 'undefined' || !navigator.locks) {
      // No Web Locks (very old browser, or Node tests): this instance leads alone.
      void this.becomeLeader();
      return;
    }
    this.set({ role: 'follower' });
    this.channel?.postMessage({ type: 'hello', tabId: this.tabId } satisfies ChannelMessage);
    // Queued request: granted at once if no tab leads, or as soon as the leader tab closes.
    void navigator.locks
      .request(LEADER_LOCK, async () => {
        if (this.disposed) return;
        await this.becomeLeader();
        // Disposed while becoming leader: release the lock now, or no other tab could ever lead.
        if (this.disposed) return;
        await new Promise<void>((resolve) => this.cleanups.push(resolve));
      })
      .catch(() => undefined);
  }

  private async becomeLeader(): Promise<void> {
    this.set({ role: 'leader' });
    this.channel?.postMessage({ type: 'leader-changed' } satisfies ChannelMessage);
    // The status cache and history become ours to persist.
    this.status.enablePersistence();
    this.history.enablePersistence();
    await this.startLeader();
    const sub = this.outboxStore.pendingSignal().subscribe({ next: () => this.leader?.kick() });
    this.cleanups.push(() => sub.unsubscribe());
  }

  /** (Re)build the leader with the current conventions; a rebuild reconnects and re-reads all status. */
  private async startLeader(): Promise<void> {
    this.leader?.stop();
    this.leader = null;
    // The leader's code (mqtt.js, every convention adapter) loads only in the tab that needs it.
    const [{ Leader }, { createAdapters }] = await Promise.all([import('./leader.js'), import('../conventions/registry.js')]);
    if (this.disposed) return;
    const { mapping, haPrefix } = this.stateValue;
    const adapters = createAdapters({ haPrefix, ...(mapping ? { mapping } : {}) });
    this.leader = new Leader({
      outbox: this.outboxStore,
      status: this.status,
      settings: this.settings,
      router: new ConventionRouter(adapters),
      engineOptions: this.engineOptions,
      tuning: this.tuning,
      onConnection: (state) => {
        this.set({ connection: state });
        this.channel?.postMessage({ type: 'connection', state } satisfies ChannelMessage);
      },
      onEvents: (batch) => {
        this.recordHistory(batch);
        this.broadcastEvents(batch);
      },
      onTraffic: (r) => this.traffic.record(r),
      onPresence: (others) => {
        this.set({ presence: others });
        this.channel?.postMessage({ type: 'presence', others } satisfies ChannelMessage);
      },
    });
    // Mapped devices are known from the mapping itself, before they publish anything.
    const at = Date.now();
    const known = adapters.flatMap((a) => (a instanceof MappedAdapter ? a.deviceEvents() : []));
    if (known.length > 0) {
      const batch = known.map((event) => ({ at, event }));
      this.status.apply(batch);
      this.broadcastEvents(batch);
    }
    this.leader.setPresence({ name: this.stateValue.operatorName, editing: this.editing });
    await this.connectLeader();
  }

  private async loadConventions(defaultMapping: unknown): Promise<void> {
    let stored = await this.settings.get('mapping');
    if (stored === undefined && defaultMapping !== undefined) {
      // The hosting server may ship a mapping (npm start ships the incident's VP4 example).
      const parsed = parseMapping(defaultMapping);
      if (parsed.ok) {
        stored = parsed.mapping;
        await this.settings.set('mapping', stored);
      }
    }
    const checked = stored ? parseMapping(stored) : null;
    this.set({ mapping: checked?.ok ? checked.mapping : null, haPrefix: (await this.settings.get('haPrefix')) ?? 'homeassistant' });
  }

  /** Import a custom-topic mapping (pasted or from a file); nothing changes unless it is valid. */
  async importMapping(text: string): Promise<ImportMappingResult> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      return { ok: false, errors: [`not valid JSON: ${err instanceof Error ? err.message : String(err)}`] };
    }
    const parsed = parseMapping(json);
    if (!parsed.ok) return { ok: false, errors: parsed.errors };
    await this.settings.set('mapping', parsed.mapping);
    this.set({ mapping: parsed.mapping });
    await this.applyConventionsChange();
    return { ok: true, devices: parsed.mapping.devices.length };
  }

  async removeMapping(): Promise<void> {
    await this.db.settings.delete('mapping');
    this.set({ mapping: null });
    await this.applyConventionsChange();
  }

  async setHaPrefix(prefix: string): Promise<{ ok: true } | { ok: false; error: string }> {
    const p = prefix.trim();
    if (!p || /[#+]/.test(p) || p.includes('\0') || p.startsWith('/') || p.endsWith('/')) return { ok: false, error: 'Use a topic prefix without wildcards or leading/trailing "/", e.g. homeassistant' };
    await this.settings.set('haPrefix', p);
    this.set({ haPrefix: p });
    await this.applyConventionsChange();
    return { ok: true };
  }

  private async applyConventionsChange(): Promise<void> {
    if (this.leader) await this.startLeader();
    else this.channel?.postMessage({ type: 'conventions-changed' } satisfies ChannelMessage);
  }

  private async connectLeader(): Promise<void> {
    if (!this.leader) return;
    const profile = this.stateValue.pendingProfile ? null : this.activeProfile;
    const password = await this.passwordFor(profile);
    // With a user name but no password, wait for the operator rather than fail at the broker.
    await this.leader.start(profile?.username && password === undefined ? null : profile, password);
  }

  private recordHistory(batch: readonly TimedEvent[]): void {
    for (const { at, event } of batch) {
      if (event.kind === 'value' && typeof event.value === 'number') this.history.add(event.deviceId, event.propertyId, at, event.value);
    }
  }

  /** Batch status events to followers: one message per ~50 ms, not per MQTT message. */
  private broadcastEvents(batch: readonly TimedEvent[]): void {
    if (!this.channel || this.followers.size === 0) return;
    this.pendingEvents.push(...batch);
    if (this.broadcastTimer !== undefined) return;
    this.broadcastTimer = setTimeout(() => {
      this.broadcastTimer = undefined;
      const events = this.pendingEvents;
      this.pendingEvents = [];
      this.channel?.postMessage({ type: 'events', batch: events } satisfies ChannelMessage);
    }, 50);
  }

  private async onChannel(msg: ChannelMessage): Promise<void> {
    const follower = this.stateValue.role === 'follower';
    switch (msg.type) {
      case 'events':
        if (follower) {
          this.status.apply(msg.batch);
          this.recordHistory(msg.batch);
        }
        break;
      case 'connection':
        if (follower) this.set({ connection: msg.state });
        break;
      case 'presence':
        if (follower) this.set({ presence: msg.others });
        break;
      case 'leader-changed':
        if (follower) this.channel?.postMessage({ type: 'hello', tabId: this.tabId } satisfies ChannelMessage);
        break;
      case 'bye':
        this.followers.delete(msg.tabId);
        break;
      case 'hello':
        // A new tab: give it the current picture (its Dexie cache may lag a second behind).
        if (this.leader) {
          this.followers.add(msg.tabId);
          const state = this.leader.connectionState();
          if (state) this.channel?.postMessage({ type: 'connection', state } satisfies ChannelMessage);
          this.channel?.postMessage({ type: 'presence', others: this.stateValue.presence } satisfies ChannelMessage);
          this.channel?.postMessage({ type: 'events', batch: this.status.replay() } satisfies ChannelMessage);
        }
        break;
      case 'outbox-changed':
        this.leader?.kick();
        break;
      case 'retry':
        this.leader?.retry();
        break;
      case 'profile-changed': {
        const [profiles, activeProfileId] = await Promise.all([this.settings.get('profiles'), this.settings.get('activeProfileId')]);
        this.set({ profiles: profiles ?? [], activeProfileId: activeProfileId ?? null, pendingProfile: null });
        if (msg.password !== undefined && activeProfileId) this.sessionPasswords.set(activeProfileId, msg.password);
        await this.refreshNeedsPassword();
        await this.connectLeader();
        break;
      }
      case 'editing':
        this.leader?.setPresence({ name: msg.name, editing: msg.editing });
        break;
      case 'conventions-changed':
        await this.loadConventions(undefined);
        if (this.leader) await this.startLeader();
        break;
    }
  }

  /**
   * Record an operator's edit in the durable outbox. Resolves after the
   * write committed, so the caller may then say "queued".
   */
  async edit(deviceId: string, propertyId: string, desired: PropertyValue): Promise<CoalesceResult> {
    const reported = this.status.current(deviceId, propertyId);
    try {
      const result = await this.outboxStore.enqueue({ deviceId, propertyId, desired, reported });
      if (this.stateValue.editError) this.set({ editError: null });
      this.notifyOutbox();
      if (result.action === 'insert' || result.action === 'replace') void this.requestBackgroundSync();
      return result;
    } catch (err) {
      const message = err instanceof StorageFullError ? err.message : `The change was not queued: ${err instanceof Error ? err.message : String(err)}`;
      this.set({ editError: message });
      throw err;
    }
  }

  /** A discarded or ended edit, applied again on top of the value the device shows now. */
  async reapply(seq: number): Promise<void> {
    const old = await this.outboxStore.get(seq);
    if (!old) return;
    await this.outboxStore.dismiss(seq);
    await this.edit(old.deviceId, old.propertyId, old.desired);
  }

  /** Turn background sending on or off (stored; off by default). */
  async setBackgroundSync(on: boolean): Promise<void> {
    await this.settings.set('backgroundSync', on);
    this.set({ backgroundSync: on });
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
    if (this.stateValue.connection?.status === 'open') return;
    if ((await this.settings.get('backgroundSync')) !== true) return;
    await registerBackgroundSync();
  }

  async dismiss(seq: number): Promise<void> {
    await this.outboxStore.dismiss(seq);
    this.notifyOutbox();
  }

  private notifyOutbox(): void {
    if (this.leader) this.leader.kick();
    else this.channel?.postMessage({ type: 'outbox-changed' } satisfies ChannelMessage);
  }

  retry(): void {
    if (this.leader) this.leader.retry();
    else this.channel?.postMessage({ type: 'retry' } satisfies ChannelMessage);
  }

  /**
   * Create or update a profile and make it active. The password is kept in
   * memory for this session; it is written (encrypted) only when
   * `rememberPassword` is ticked.
   */
  async saveProfile(input: ProfileInput, password: string | undefined, id?: string): Promise<SaveProfileResult> {
    const result = validateProfile(input);
    if (!result.ok) return result;
    const profile: ConnectionProfile = { ...result.profile, id: id ?? crypto.randomUUID() };
    const profiles = [...this.stateValue.profiles.filter((p) => p.id !== profile.id), profile];
    await this.settings.set('profiles', profiles);
    await this.settings.set('activeProfileId', profile.id);
    if (password) this.sessionPasswords.set(profile.id, password);
    if (profile.rememberPassword && password) await this.secrets.save(profile.id, password);
    if (!profile.rememberPassword) await this.secrets.remove(profile.id);
    this.set({ profiles, activeProfileId: profile.id, pendingProfile: null });
    await this.refreshNeedsPassword();
    await this.applyProfileChange(password);
    return { ok: true, profile };
  }

  async activateProfile(id: string): Promise<void> {
    if (!this.stateValue.profiles.some((p) => p.id === id)) return;
    await this.settings.set('activeProfileId', id);
    this.set({ activeProfileId: id, pendingProfile: null });
    await this.refreshNeedsPassword();
    await this.applyProfileChange(undefined);
  }

  async deleteProfile(id: string): Promise<void> {
    const profiles = this.stateValue.profiles.filter((p) => p.id !== id);
    await this.settings.set('profiles', profiles);
    await this.secrets.remove(id);
    this.sessionPasswords.delete(id);
    const activeProfileId = this.stateValue.activeProfileId === id ? (profiles[0]?.id ?? null) : this.stateValue.activeProfileId;
    if (activeProfileId) await this.settings.set('activeProfileId', activeProfileId);
    this.set({ profiles, activeProfileId });
    await this.refreshNeedsPassword();
    await this.applyProfileChange(undefined);
  }

  /** The operator typed the password for the active profile. */
  async providePassword(password: string): Promise<void> {
    const profile = this.activeProfile;
    if (!profile) return;
    this.sessionPasswords.set(profile.id, password);
    if (profile.rememberPassword) await this.secrets.save(profile.id, password);
    await this.refreshNeedsPassword();
    await this.applyProfileChange(password);
  }

  /** Yes to a provisioning link for a new host. */
  async acceptPendingProfile(): Promise<void> {
    const pending = this.stateValue.pendingProfile;
    if (pending) await this.saveProfile(pending, undefined);
  }

  rejectPendingProfile(): void {
    this.set({ pendingProfile: null });
    void this.applyProfileChange(undefined);
  }

  private async applyProfileChange(password: string | undefined): Promise<void> {
    if (this.leader) await this.connectLeader();
    else this.channel?.postMessage({ type: 'profile-changed', ...(password !== undefined ? { password } : {}) } satisfies ChannelMessage);
  }

  async setOperatorName(name: string | null): Promise<void> {
    const operatorName = (name ?? '').trim().slice(0, 60);
    await this.settings.set('operatorNameAsked', true);
    if (name !== null) await this.settings.set('operatorName', operatorName);
    this.set({ operatorNameAsked: true, ...(name !== null ? { operatorName } : {}) });
    this.announce();
  }

  /** Which control this operator is editing, for other consoles (advisory only). */
  setEditing(editing: Editing): void {
    if (editing?.deviceId === this.editing?.deviceId && editing?.propertyId === this.editing?.propertyId) return;
    this.editing = editing;
    this.announce();
  }

  private announce(): void {
    const name = this.stateValue.operatorName;
    if (this.leader) this.leader.setPresence({ name, editing: this.editing });
    else this.channel?.postMessage({ type: 'editing', editing: this.editing, name } satisfies ChannelMessage);
  }

  /** Ask the browser not to evict our data; the UI says so when it refuses. */
  async requestPersistence(): Promise<void> {
    if (typeof navigator === 'undefined' || !navigator.storage?.persist) {
      this.set({ storage: 'unsupported' });
      return;
    }
    const granted = await navigator.storage.persist().catch(() => false);
    this.set({ storage: granted ? 'persisted' : 'refused' });
  }

  private async checkStorage(): Promise<void> {
    if (typeof navigator === 'undefined' || !navigator.storage?.persisted) {
      this.set({ storage: 'unsupported' });
      return;
    }
    const persisted = await navigator.storage.persisted().catch(() => false);
    if (persisted) this.set({ storage: 'persisted' });
    else await this.requestPersistence();
  }

  /** Flush what must survive the tab closing. */
  async persistNow(): Promise<void> {
    if (this.stateValue.role === 'leader') await this.status.persistNow();
  }

  /** Back from the back/forward cache: follow the leader again. */
  rejoin(): void {
    if (this.stateValue.role === 'follower') this.channel?.postMessage({ type: 'hello', tabId: this.tabId } satisfies ChannelMessage);
  }

  /** The tab is going away (pagehide): the leader stops sending it status. */
  leaving(): void {
    if (this.stateValue.role === 'follower') this.channel?.postMessage({ type: 'bye', tabId: this.tabId } satisfies ChannelMessage);
  }

  dispose(): void {
    this.leaving();
    this.disposed = true;
    clearTimeout(this.broadcastTimer);
    this.leader?.stop();
    this.leader = null;
    for (const c of this.cleanups.splice(0)) c();
    this.status.dispose();
    this.traffic.dispose();
    this.history.dispose();
    this.channel?.close();
    this.listeners.clear();
    this.db.close();
  }
}
