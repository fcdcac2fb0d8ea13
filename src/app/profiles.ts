/**
 * Connection profiles, on the page: the list, the active one, a provisioning
 * link waiting for the operator's yes, and passwords. A password typed this
 * session stays in this page's memory and is handed to the engine host over
 * a same-origin channel; it is stored (encrypted) only with Remember
 * password ticked, and never logged or exported.
 */
import { msg } from '@lit/localize';
import { profileFromLink, validateProfile, type ProfileResult, type ConnectionProfile, type ProfileErrors, type ProfileInput } from '../model/profile.js';
import type { SecretStore } from '../store/secrets.js';
import type { SettingsStore } from '../store/settings.js';
import { Store } from './store.js';

export interface ProfilesState {
  readonly profiles: readonly ConnectionProfile[];
  readonly activeProfileId: string | null;
  /** A profile from a provisioning link for a new host, waiting for the operator's yes. */
  readonly pendingProfile: Omit<ConnectionProfile, 'id'> | null;
}

export type SaveProfileResult = { readonly ok: true; readonly profile: ConnectionProfile } | { readonly ok: false; readonly errors: ProfileErrors };

/** How the service tells the engine host. */
export interface HostNotifier {
  configChanged(): void;
  password(profileId: string, password: string): void;
}

export class ProfilesService {
  readonly state = new Store<ProfilesState>({ profiles: [], activeProfileId: null, pendingProfile: null });
  /** Passwords typed this session and not saved, by profile id. Never persisted, never logged. */
  private readonly sessionPasswords = new Map<string, string>();

  constructor(
    private readonly settings: SettingsStore,
    private readonly secrets: SecretStore,
    private readonly host: HostNotifier,
    /** Ask for access to the broker's origin (the extension), inside the operator's Save. */
    private readonly requestAccess?: (url: string) => void,
  ) {}

  get active(): ConnectionProfile | null {
    const s = this.state.get();
    return s.profiles.find((p) => p.id === s.activeProfileId) ?? null;
  }

  /** Read the stored profiles; seed the first from the server's config; hold a link to a new host for a yes. */
  async load(opts: { defaultBrokerUrl?: string | null; link?: Omit<ConnectionProfile, 'id'> | null }): Promise<void> {
    let profiles = [...((await this.settings.get('profiles')) ?? [])];
    let activeProfileId = (await this.settings.get('activeProfileId')) ?? null;
    let changed = false;
    if (profiles.length === 0 && opts.defaultBrokerUrl) {
      // The server that hosts this console names its broker: trust it as the first profile.
      const seeded = validateProfile({ name: msg('Default broker'), url: opts.defaultBrokerUrl });
      if (seeded.ok) {
        const profile = { ...seeded.profile, id: crypto.randomUUID() };
        profiles = [profile];
        activeProfileId = profile.id;
        await this.settings.set('profiles', profiles);
        await this.settings.set('activeProfileId', profile.id);
        changed = true;
      }
    }
    let pendingProfile: Omit<ConnectionProfile, 'id'> | null = null;
    const link = opts.link;
    if (link) {
      const known = profiles.find((p) => p.url === link.url);
      if (known) {
        if (activeProfileId !== known.id) {
          activeProfileId = known.id;
          await this.settings.set('activeProfileId', known.id);
          changed = true;
        }
      } else {
        // A link must not silently point this console at a new host.
        pendingProfile = link;
      }
    }
    this.state.patch({ profiles, activeProfileId, pendingProfile });
    if (changed) this.host.configChanged();
  }

  /** The profile a provisioning link (`?profile=` or `?broker=`) carries, checked; null when the page has none. */
  fromLink(params: URLSearchParams): ProfileResult | null {
    return profileFromLink(params);
  }

  /** Another tab changed the profiles: read them again. */
  async reload(): Promise<void> {
    const [profiles, activeProfileId] = await Promise.all([this.settings.get('profiles'), this.settings.get('activeProfileId')]);
    this.state.patch({ profiles: profiles ?? [], activeProfileId: activeProfileId ?? null });
  }

  /**
   * Create or update a profile and make it active. The password is kept in
   * memory for this session; it is written (encrypted) only when
   * `rememberPassword` is ticked.
   */
  async save(input: ProfileInput, password: string | undefined, id?: string): Promise<SaveProfileResult> {
    const result = validateProfile(input);
    if (!result.ok) return result;
    // Before anything is awaited: a permission prompt needs the operator's gesture, which this still is.
    this.requestAccess?.(result.profile.url);
    const profile: ConnectionProfile = { ...result.profile, id: id ?? crypto.randomUUID() };
    const profiles = [...this.state.get().profiles.filter((p) => p.id !== profile.id), profile];
    if (profile.rememberPassword && password) await this.secrets.save(profile.id, password);
    if (!profile.rememberPassword) await this.secrets.remove(profile.id);
    await this.settings.set('profiles', profiles);
    await this.settings.set('activeProfileId', profile.id);
    this.state.patch({ profiles, activeProfileId: profile.id, pendingProfile: null });
    if (password) this.rememberForSession(profile.id, password);
    this.host.configChanged();
    return { ok: true, profile };
  }

  async activate(id: string): Promise<void> {
    if (!this.state.get().profiles.some((p) => p.id === id)) return;
    await this.settings.set('activeProfileId', id);
    this.state.patch({ activeProfileId: id, pendingProfile: null });
    this.host.configChanged();
  }

  async remove(id: string): Promise<void> {
    const s = this.state.get();
    const profiles = s.profiles.filter((p) => p.id !== id);
    await this.settings.set('profiles', profiles);
    await this.secrets.remove(id);
    this.sessionPasswords.delete(id);
    const activeProfileId = s.activeProfileId === id ? (profiles[0]?.id ?? null) : s.activeProfileId;
    if (activeProfileId) await this.settings.set('activeProfileId', activeProfileId);
    this.state.patch({ profiles, activeProfileId });
    this.host.configChanged();
  }

  /** The operator typed the password for the active profile. */
  async providePassword(password: string): Promise<void> {
    const profile = this.active;
    if (!profile) return;
    if (profile.rememberPassword) await this.secrets.save(profile.id, password);
    this.rememberForSession(profile.id, password);
  }

  private rememberForSession(profileId: string, password: string): void {
    this.sessionPasswords.set(profileId, password);
    this.host.password(profileId, password);
  }

  /** A (new) host asks for a password: hand it over if this page has it for the session. */
  offerPassword(profileId: string): boolean {
    const p = this.sessionPasswords.get(profileId);
    if (p === undefined) return false;
    this.host.password(profileId, p);
    return true;
  }

  /** Yes to a provisioning link for a new host. */
  async acceptPending(): Promise<void> {
    const pending = this.state.get().pendingProfile;
    if (pending) await this.save(pending, undefined);
  }

  rejectPending(): void {
    this.state.patch({ pendingProfile: null });
  }
}
