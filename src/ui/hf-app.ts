import { ContextProvider } from '@lit/context';
import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Console, ConsoleState } from '../app/console.js';
import type { ProfilesState } from '../app/profiles.js';
import { formatNumber } from '../i18n/format.js';
import type { ConnectionState } from '../mqtt/connection.js';
import { ATTENTION_STATES, type OutboxEntry } from '../model/types.js';
import type { DeviceSummary } from '../status/device-states.js';
import { themePreference } from './theme.js';
import { consoleContext } from './context.js';
import { SliceController } from './controllers/slice-controller.js';
import { unacknowledgedCount, type AlarmView } from '../model/alarms.js';
import {
  AlarmActionEvent,
  AlarmDraftEvent,
  BackgroundSyncEvent,
  ConventionsEvent,
  EditEvent,
  EditingEvent,
  EntryActionEvent,
  OperatorNameEvent,
  ProfileEvent,
  RetryEvent,
  SelectDeviceEvent,
  ShowPanelEvent,
  type AlarmAction,
  type ConventionsAction,
  type EntryAction,
  type ProfileAction,
  PersistStorageEvent,
} from './events.js';
import { sortDevices } from './hf-device-list.js';
import { ConfigEvent, DisplayEvent, LockEvent, SelectViewEvent, WelcomeEvent, WorkspaceEvent, type ConfigAction, type LockAction, type WorkspaceAction } from './workspace-events.js';
import type { LockState } from '../app/lock.js';
import type { HostStatus } from '../host/protocol.js';
import type { WorkspaceState } from '../app/workspace.js';
import { sharedStyles } from './shared-styles.js';
import './hf-alarm-alerter.js';
import './hf-alarm-panel.js';
import './hf-audit-panel.js';
import './hf-background-sync-toggle.js';
import './hf-connection-banner.js';
import './hf-connection-status.js';
import './hf-conventions.js';
import './hf-device-list.js';
import './hf-device-panel.js';
import './hf-diagnostics.js';
import './hf-link-prompt.js';
import './hf-outbox-panel.js';
import './hf-password-prompt.js';
import './hf-presence.js';
import './hf-profiles.js';
import './hf-traffic-log.js';
import './hf-undo-toast.js';
import './hf-lock-status.js';
import './hf-settings.js';
import './hf-view-list.js';
import './hf-view-panel.js';
import './hf-welcome.js';
import { LanguageEvent } from './language-events.js';

type Panel = 'outbox' | 'connection' | 'diagnostics' | 'traffic' | 'settings' | 'alarms' | 'audit';

/** How long a deep link waits for its device page and control to appear (the device may still be announcing itself). */
const DEEP_LINK_WAIT_MS = 15_000;

/** A link to one control: `#device=<id>&property=<id>` (the extension's notifications open these). */
export function parseControlLink(hash: string): { deviceId: string; propertyId: string | null } | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const deviceId = params.get('device');
  return deviceId ? { deviceId, propertyId: params.get('property') } : null;
}

/** A typed [type, listener] pair for add/removeEventListener. */
function listener<K extends keyof HTMLElementEventMap>(type: K, fn: (e: HTMLElementEventMap[K]) => void): [string, EventListener] {
  return [type, fn as EventListener];
}

/** The console shell: provides the Console to every element and turns their typed events into Console calls. */
@customElement('hf-app')
@localized()
export class HfApp extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: grid;
        align-content: start;
        min-height: 100vh;
        min-height: 100dvh;
      }
      /* One row down to 768 px: the name prompt lives in the welcome and Settings, the theme in Settings. */
      header {
        display: flex;
        flex-wrap: nowrap;
        align-items: center;
        gap: 0.75rem;
        padding: 0.5rem 1rem;
        background: var(--hf-surface);
        border-bottom: 1px solid var(--hf-border);
        min-width: 0;
      }
      h1 {
        font-size: 1.15rem;
        margin: 0;
        flex: none;
      }
      header .tools {
        display: flex;
        gap: 0.5rem;
        margin-left: auto;
        flex: none;
        position: relative;
        align-items: center;
      }
      header .secondary {
        display: flex;
        gap: 0.5rem;
        align-items: center;
      }
      header .tools-toggle {
        display: none;
      }
      header hf-connection-status {
        min-width: 0;
      }
      /*
       * One row down to 768 px: below 1200 px the less frequent tools (and who else is here) fold
       * behind "Tools"; Outbox and Alarms, which carry counts, stay in the row.
       */
      @media (max-width: 1199px) {
        header .tools-toggle {
          display: inline-flex;
          align-items: center;
        }
        header .secondary {
          display: none;
        }
        header .secondary.open {
          display: flex;
          flex-direction: column;
          align-items: stretch;
          position: absolute;
          right: 0;
          top: calc(100% + 0.5rem);
          z-index: 10;
          padding: 0.5rem;
          background: var(--hf-surface);
          border: 1px solid var(--hf-border);
          border-radius: 8px;
          box-shadow: 0 4px 16px rgb(0 0 0 / 25%);
          min-width: 12rem;
        }
      }
      @media (max-width: 900px) {
        header {
          gap: 0.4rem;
          padding: 0.5rem;
        }
        header .tools {
          gap: 0.25rem;
        }
        header .tools button {
          padding: 0 0.5rem;
        }
      }
      @media (max-width: 720px) {
        header {
          flex-wrap: wrap;
        }
      }
      .wall {
        padding: 1rem 1.5rem;
        font-size: 1.4rem;
      }
      .nav {
        display: grid;
        align-content: start;
      }
      .layout {
        display: grid;
        grid-template-columns: minmax(14rem, 20rem) 1fr;
        gap: 1rem;
        padding: 1rem;
        align-items: start;
      }
      @media (max-width: 720px) {
        .layout {
          grid-template-columns: 1fr;
          padding: 0.5rem;
        }
      }
      .notice.update {
        background: var(--hf-info-bg);
        border-color: var(--hf-accent);
      }
      .notice {
        margin: 0.5rem 1rem 0;
        padding: 0.75rem 1rem;
        border-radius: 8px;
        background: var(--hf-bad-bg);
        border: 1px solid var(--hf-bad);
      }
      .badge {
        display: inline-block;
        min-width: 1.6em;
        padding: 0 0.4em;
        border-radius: 999px;
        background: var(--hf-warn);
        color: #111;
        font-weight: 700;
        text-align: center;
      }
      .theme {
        display: flex;
        gap: 0.5rem;
        align-items: center;
      }
      .theme select {
        background: var(--hf-surface-2);
        border: 1px solid var(--hf-border);
        border-radius: 8px;
      }
      .skeletons {
        display: grid;
        gap: 0.75rem;
      }
      .skeleton {
        height: 5rem;
        border-radius: 8px;
        background: linear-gradient(90deg, var(--hf-surface) 0%, var(--hf-surface-2) 50%, var(--hf-surface) 100%);
        background-size: 200% 100%;
        animation: shimmer 1.5s linear infinite;
      }
      @keyframes shimmer {
        to {
          background-position: -200% 0;
        }
      }
      @media (prefers-reduced-motion: reduce) {
        .skeleton {
          animation: none;
        }
      }
      .empty {
        padding: 2rem 1rem;
      }
    `,
  ];

  @property({ attribute: false }) console?: Console;
  /** A provisioning link that could not be read. */
  @property({ attribute: false }) linkError: string | null = null;
  /** Set when a new version is waiting; calling it swaps to it (operator's choice, never mid-shift). */
  @property({ attribute: false }) updateReady: (() => void) | null = null;
  @state() private selectedDeviceId: string | null = null;
  @state() private openPanel: Panel | null = null;
  /** The folded tools of a narrow header are shown. */
  @state() private toolsOpen = false;
  /** The last edit, followed by the Undo toast. */
  @state() private toastSeq: number | null = null;
  /** The view shown instead of a device page (undefined: the last one the console remembers). */
  @state() private selectedViewId: string | null | undefined = undefined;
  /** Full screen for a wall display: no header, large type. */
  @state() private wall = false;
  /** "Add alarm…" on a control: the rule editor opens for it. */
  @state() private alarmDraft: { readonly deviceId: string; readonly propertyId: string | null } | null = null;
  private readonly provider = new ContextProvider(this, { context: consoleContext });
  // The shell provides the console, so its own slices take it directly (a provider does not answer itself).
  private readonly own = (): Console | undefined => this.console;
  private readonly consoleState = new SliceController<ConsoleState>(this, (c) => (fn) => c.state.subscribe(fn), undefined, undefined, this.own);
  private readonly profiles = new SliceController<ProfilesState>(this, (c) => (fn) => c.profiles.state.subscribe(fn), undefined, undefined, this.own);
  private readonly outbox = new SliceController<{ readonly entries: readonly OutboxEntry[] }, readonly OutboxEntry[]>(this, (c) => (fn) => c.outbox.subscribe(fn), (s) => s.entries, undefined, this.own);
  private readonly devices = new SliceController<ReadonlyMap<string, DeviceSummary>>(this, (c) => (fn) => c.client.subscribeDevices(fn), undefined, undefined, this.own);
  private readonly needsPassword = new SliceController<HostStatus | null, boolean>(this, (c) => (fn) => c.client.subscribeStatus(fn), (x) => x?.idleReason === 'needs-password', undefined, this.own);
  private readonly lockState = new SliceController<LockState, boolean>(this, (c) => (fn) => c.lock.state.subscribe(fn), (s) => s.locked, undefined, this.own);
  private readonly workspaceState = new SliceController<WorkspaceState>(this, (c) => (fn) => c.workspace.state.subscribe(fn), undefined, undefined, this.own);
  private readonly connectionStatus = new SliceController<ConnectionState | null, ConnectionState['status'] | null>(this, (c) => (fn) => c.client.subscribeConnection(fn), (x) => x?.status ?? null, undefined, this.own);
  private readonly openAlarms = new SliceController<readonly AlarmView[] | null, number>(this, (c) => (fn) => c.client.subscribeAlarms(fn), (v) => unacknowledgedCount(v ?? []), undefined, this.own);

  override connectedCallback(): void {
    super.connectedCallback();
    for (const [type, fn] of this.handlers) this.addEventListener(type, fn);
    addEventListener('hashchange', this.onHashChange);
    this.onHashChange();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const [type, fn] of this.handlers) this.removeEventListener(type, fn);
    removeEventListener('hashchange', this.onHashChange);
    this.deepLink = null;
  }

  /** The control a deep link asked for, until it was focused (or given up on). */
  private deepLink: { deviceId: string; propertyId: string | null; until: number } | null = null;

  /** `#device=…&property=…`: show that device and focus that control. */
  private readonly onHashChange = (): void => {
    const link = typeof location === 'undefined' ? null : parseControlLink(location.hash);
    if (!link) return;
    this.deepLink = { ...link, until: Date.now() + DEEP_LINK_WAIT_MS };
    this.selectedDeviceId = link.deviceId;
    this.console?.showDevice(link.deviceId);
    this.openPanel = null;
    void this.focusDeepLink();
  };

  /** Focus the linked control once its device page rendered it (the schema may arrive after the page). */
  private async focusDeepLink(): Promise<void> {
    const link = this.deepLink;
    if (!link) return;
    await this.updateComplete;
    const panel = this.renderRoot.querySelector('hf-device-panel');
    await panel?.updateComplete;
    if (this.deepLink !== link) return;
    if (link.propertyId === null) {
      panel?.scrollIntoView({ block: 'start' });
      this.deepLink = null;
      return;
    }
    const control = [...(panel?.shadowRoot?.querySelectorAll('hf-property-control') ?? [])].find((c) => c.deviceId === link.deviceId && c.schema?.id === link.propertyId);
    if (control) {
      await control.updateComplete;
      control.scrollIntoView({ block: 'center' });
      const target = control.shadowRoot?.querySelector<HTMLElement>('input, select, button, [tabindex]');
      (target ?? control).focus();
      this.deepLink = null;
      return;
    }
    if (Date.now() < link.until) setTimeout(() => void this.focusDeepLink(), 100);
    else this.deepLink = null;
  }

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('console') && this.console) {
      this.provider.setValue(this.console);
      for (const s of [this.consoleState, this.profiles, this.outbox, this.devices, this.connectionStatus, this.lockState, this.workspaceState, this.needsPassword, this.openAlarms]) s.rebind();
    }
  }

  private readonly onEdit = (e: EditEvent): void => {
    const c = this.console;
    if (!c) return;
    // A failed write is shown by the console (editError); nothing more to do here.
    c.edit(e.deviceId, e.propertyId, e.value, e.base)
      .then((r) => {
        if (r.action === 'noop' || r.action === 'cancel') return;
        this.toastSeq = r.entry.seq ?? null;
      })
      .catch(() => undefined);
  };

  private readonly onEntryAction = (e: EntryActionEvent): void => {
    const c = this.console;
    if (!c) return;
    const a: EntryAction = e.action;
    const done: Promise<unknown> =
      a.kind === 'reapply' ? c.reapply(a.seq, a.base) : a.kind === 'dismiss' ? c.dismiss(a.seq) : a.kind === 'send-anyway' ? c.sendAnyway(a.seq) : c.undo(a.seq);
    done.catch((err: unknown) => console.error('Holdfast: outbox action failed', err));
  };

  private readonly onProfile = (e: ProfileEvent): void => {
    const profiles = this.console?.profiles;
    if (!profiles) return;
    const a: ProfileAction = e.action;
    const done: Promise<unknown> =
      a.kind === 'save'
        ? profiles.save(a.input, a.password, a.id).then((r) => {
            a.reply?.(r);
            if (r.ok) this.openPanel = null;
          })
        : a.kind === 'activate'
          ? profiles.activate(a.id)
          : a.kind === 'delete'
            ? profiles.remove(a.id)
            : a.kind === 'accept-link'
              ? profiles.acceptPending()
              : a.kind === 'reject-link'
                ? Promise.resolve(profiles.rejectPending())
                : profiles.providePassword(a.password);
    done.catch((err: unknown) => console.error('Holdfast: connection settings failed', err));
  };

  private readonly onConventions = (e: ConventionsEvent): void => {
    const conventions = this.console?.conventions;
    if (!conventions) return;
    const a: ConventionsAction = e.action;
    const done: Promise<unknown> =
      a.kind === 'import-mapping'
        ? conventions.importMapping(a.text).then(a.reply)
        : a.kind === 'remove-mapping'
          ? conventions.removeMapping()
          : a.kind === 'ha-prefix'
            ? conventions.setHaPrefix(a.prefix).then(a.reply)
            : a.kind === 'homie'
              ? conventions.setHomie(a.roots, a.scan).then(a.reply)
              : conventions.setZ2mBase(a.base).then(a.reply);
    done.catch((err: unknown) => console.error('Holdfast: conventions settings failed', err));
  };

  private readonly onBackgroundSync = (e: BackgroundSyncEvent): void => {
    this.console
      ?.setBackgroundSync(e.on)
      .then(() => e.reply(null))
      .catch((err: unknown) => e.reply(err instanceof Error ? err.message : String(err)));
  };

  private readonly onWorkspace = (e: WorkspaceEvent): void => {
    const c = this.console;
    if (!c) return;
    const w = c.workspace;
    const a: WorkspaceAction = e.action;
    const done: Promise<unknown> = (async () => {
      switch (a.kind) {
        case 'create-view': {
          const view = await w.createView(a.name);
          if (a.pin) await w.addControl(view.id, a.pin.deviceId, a.pin.propertyId);
          else this.showView(view.id);
          return;
        }
        case 'pin':
          return w.addControl(a.viewId, a.deviceId, a.propertyId);
        case 'unpin':
          return w.removeItem(a.viewId, a.itemId);
        case 'move':
          return w.move(a.viewId, a.itemId, a.by);
        case 'place':
          return w.place(a.viewId, a.itemId, a.index);
        case 'add-heading':
          return w.addHeading(a.viewId, a.text);
        case 'rename-view':
          return w.rename(a.viewId, a.name);
        case 'view-density':
          return w.setDensity(a.viewId, a.density);
        case 'device-density':
          return c.setDeviceDensity(a.deviceId, a.density);
        case 'delete-view':
          return w.deleteView(a.viewId);
        case 'save-scene':
          return w.saveScene(a.viewId, a.name, a.values);
        case 'delete-scene':
          return w.deleteScene(a.sceneId);
        case 'recall': {
          const results = await c.recall(a.changes);
          a.reply(results.map((r) => (r.action === 'noop' || r.action === 'cancel' ? null : (r.entry.seq ?? null))));
          return;
        }
      }
    })();
    done.catch((err: unknown) => console.error('Holdfast: workspace action failed', err));
  };

  private readonly onLock = (e: LockEvent): void => {
    const lock = this.console?.lock;
    if (!lock) return;
    const a: LockAction = e.action;
    const done = a.kind === 'set-pin' ? lock.setPin(a.pin) : a.kind === 'lock' ? lock.lock() : lock.unlock(a.pin);
    done.then(a.reply, (err: unknown) => console.error('Holdfast: lock failed', err));
  };

  private readonly onConfig = (e: ConfigEvent): void => {
    const c = this.console;
    if (!c) return;
    const a: ConfigAction = e.action;
    const theme = themePreference();
    const done: Promise<unknown> =
      a.kind === 'export' ? c.exportConfig(theme).then(a.reply) : a.kind === 'preview' ? c.previewImport(a.text, theme).then(a.reply) : c.applyImport(a.config).then(() => a.reply(null), (err: unknown) => a.reply(err instanceof Error ? err.message : String(err)));
    done.catch((err: unknown) => console.error('Holdfast: configuration file failed', err));
  };

  private showView(viewId: string | null): void {
    this.selectedViewId = viewId;
    this.console?.showView(viewId);
  }

  /** Full screen for a wall display (the Fullscreen API where the browser allows it). */
  private setWall(wall: boolean): void {
    this.wall = wall;
    if (wall && !document.fullscreenElement) document.documentElement.requestFullscreen?.().catch(() => undefined);
    if (!wall && document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
  }

  private readonly onAlarm = (e: AlarmActionEvent): void => {
    const alarms = this.console?.alarms;
    if (!alarms) return;
    const a: AlarmAction = e.action;
    const done: Promise<unknown> =
      a.kind === 'acknowledge'
        ? alarms.acknowledge(a.alarmId, a.ruleId)
        : a.kind === 'save-rule'
          ? alarms.saveRule(a.rule).then(a.reply)
          : a.kind === 'remove-rule'
            ? alarms.removeRule(a.ruleId)
            : a.kind === 'import-rules'
              ? alarms.importRules(a.text).then(a.reply)
              : a.kind === 'sound'
                ? alarms.setSound(a.on)
                : alarms.setVibrate(a.on);
    done.catch((err: unknown) => console.error('Holdfast: alarm action failed', err));
  };

  private readonly handlers: ReadonlyArray<[string, EventListener]> = [
    listener(AlarmActionEvent.eventName, this.onAlarm),
    listener(AlarmDraftEvent.eventName, (e) => {
      this.alarmDraft = { deviceId: e.deviceId, propertyId: e.propertyId };
      this.openPanel = 'alarms';
    }),
    listener(WorkspaceEvent.eventName, this.onWorkspace),
    listener(LockEvent.eventName, this.onLock),
    listener(ConfigEvent.eventName, this.onConfig),
    listener(SelectViewEvent.eventName, (e) => this.showView(e.viewId)),
    listener(DisplayEvent.eventName, (e) => this.setWall(e.wall)),
    listener(WelcomeEvent.eventName, (e) => void this.console?.welcome(e.name)),
    listener(EditEvent.eventName, this.onEdit),
    listener(EntryActionEvent.eventName, this.onEntryAction),
    listener(ProfileEvent.eventName, this.onProfile),
    listener(ConventionsEvent.eventName, this.onConventions),
    listener(BackgroundSyncEvent.eventName, this.onBackgroundSync),
    listener(RetryEvent.eventName, () => this.console?.retry()),
    listener(LanguageEvent.eventName, (e) => void this.console?.setLanguage(e.choice)),
    listener(PersistStorageEvent.eventName, () => void this.console?.requestPersistence()),
    listener(SelectDeviceEvent.eventName, (e) => {
      this.selectedDeviceId = e.deviceId;
      this.selectedViewId = null;
      this.console?.showDevice(e.deviceId);
    }),
    listener(ShowPanelEvent.eventName, (e) => (this.openPanel = e.panel)),
    listener(OperatorNameEvent.eventName, (e) => void this.console?.setOperatorName(e.name)),
    listener(EditingEvent.eventName, (e) => this.console?.setEditing(e.editing)),
  ];

  /** The extension's service worker hosts the engine (there is no Background Sync to turn on). */
  private hostedByExtension(): boolean {
    return this.console?.fixedHost === true;
  }

  private toggle(panel: Panel): void {
    this.toolsOpen = false;
    if (panel === 'alarms') this.alarmDraft = null;
    this.openPanel = this.openPanel === panel ? null : panel;
  }

  override render() {
    const s = this.consoleState.value;
    const p = this.profiles.value;
    const all = this.devices.value;
    if (!s || !p || !all) return html`<p class="empty" role="status">${msg('Opening the local database…')}</p>`;
    const outbox = this.outbox.value ?? [];
    const attention = outbox.filter((e) => ATTENTION_STATES.includes(e.state)).length;
    const pending = outbox.length - attention;
    const devices = sortDevices(all.values());
    const wanted = this.selectedDeviceId ?? s.lastDevice;
    const selected = devices.find((d) => d.id === wanted) ?? devices[0];
    const needsBroker = p.profiles.length === 0 && !p.pendingProfile;
    const locked = this.lockState.value ?? false;
    const panel = needsBroker && !locked ? 'connection' : this.openPanel;
    const views = this.workspaceState.value?.views ?? [];
    const viewId = this.selectedViewId === undefined ? s.lastView : this.selectedViewId;
    const view = viewId ? views.find((v) => v.id === viewId) : undefined;
    const main = view
      ? html`<hf-view-panel .viewId=${view.id} ?wall=${this.wall}></hf-view-panel>`
      : selected
        ? html`<hf-device-panel .deviceId=${selected.id} ?wall=${this.wall}></hf-device-panel>`
        : needsBroker
          ? html`<p class="empty muted">${msg('Enter the broker URL to find devices.')}</p>`
          : html`<div class="skeletons" aria-busy="true">
              <p class="muted">${this.connectionStatus.value === 'open' ? msg('Connected. Waiting for devices to announce themselves on the broker…') : msg('No devices known yet. They appear once the console reaches the broker.')}</p>
              ${[0, 1, 2].map(() => html`<div class="skeleton" aria-hidden="true"></div>`)}
            </div>`;
    if (this.wall) {
      // A wall display: no header, no navigation, large type; the panel's own button leaves it.
      return html`<div class="wall"><hf-lock-status></hf-lock-status>${main}</div>`;
    }
    const alarms = this.openAlarms.value ?? 0;
    const panelButton = (id: Panel, label: string) => html`<button aria-expanded=${panel === id ? 'true' : 'false'} @click=${() => this.toggle(id)}>${label}</button>`;
    return html`
      <header>
        <h1>${msg('Holdfast')}</h1>
        <hf-connection-status></hf-connection-status>
        <hf-lock-status></hf-lock-status>
        <nav
          class="tools"
          aria-label=${msg('Console')}
          @keydown=${(e: KeyboardEvent) => {
            if (e.key === 'Escape' && this.toolsOpen) this.toolsOpen = false;
          }}
        >
          <button aria-expanded=${panel === 'outbox' ? 'true' : 'false'} @click=${() => this.toggle('outbox')}>
            ${msg('Outbox')}
            ${outbox.length > 0 ? html`<span class="badge">${formatNumber(outbox.length)}</span>` : nothing}
            <span class="visually-hidden">${msg(str`: ${formatNumber(pending)} pending, ${formatNumber(attention)} need attention`)}</span>
          </button>
          <button aria-expanded=${panel === 'alarms' ? 'true' : 'false'} @click=${() => this.toggle('alarms')}>
            ${msg('Alarms')}
            ${alarms > 0 ? html`<span class="badge">${formatNumber(alarms)}</span>` : nothing}
            <span class="visually-hidden">${msg(str`: ${formatNumber(alarms)} active, not acknowledged`)}</span>
          </button>
          <button class="tools-toggle" aria-expanded=${this.toolsOpen ? 'true' : 'false'} aria-controls="more-tools" @click=${() => (this.toolsOpen = !this.toolsOpen)}>${msg('Tools')}</button>
          <div id="more-tools" class="secondary ${this.toolsOpen ? 'open' : ''}">
            ${locked ? nothing : panelButton('connection', msg('Connection'))} ${panelButton('diagnostics', msg('Diagnostics'))} ${panelButton('traffic', msg('Traffic log'))}
            ${panelButton('settings', msg('Settings'))} ${panelButton('audit', msg('Audit'))}
            <hf-presence></hf-presence>
          </div>
        </nav>
      </header>
      ${!s.welcomed && !needsBroker && !locked ? html`<hf-welcome></hf-welcome>` : nothing}
      ${this.updateReady
        ? html`<p class="notice update" role="status">${msg('A new version is ready.')} <button @click=${() => this.updateReady?.()}>${msg('Update now')}</button></p>`
        : nothing}
      ${this.linkError ? html`<p class="notice" role="alert">${msg(str`The connection link could not be used: ${this.linkError}`)}</p>` : nothing}
      ${s.editError ? html`<p class="notice" role="alert">${s.editError}</p>` : nothing}
      ${p.pendingProfile ? html`<hf-link-prompt></hf-link-prompt>` : nothing}
      ${this.needsPassword.value ? html`<hf-password-prompt></hf-password-prompt>` : nothing}
      <hf-connection-banner></hf-connection-banner>
      ${panel === 'connection' && !locked
        ? html`<hf-profiles></hf-profiles><hf-conventions></hf-conventions>${this.hostedByExtension()
              ? html`<section class="notice update" aria-labelledby="bg-ext-title">
                  <h2 id="bg-ext-title">${msg('Background sending')}</h2>
                  <p>${msg('The extension sends queued changes by itself as soon as the broker is reachable, even with no console open, and tells you with a notification what became of them.')}</p>
                </section>`
              : html`<hf-background-sync-toggle></hf-background-sync-toggle>`}`
        : nothing}
      ${panel === 'outbox' ? html`<hf-outbox-panel></hf-outbox-panel>` : nothing}
      ${panel === 'diagnostics' ? html`<hf-diagnostics></hf-diagnostics>` : nothing}
      ${panel === 'traffic' ? html`<hf-traffic-log></hf-traffic-log>` : nothing}
      ${panel === 'settings' ? html`<hf-settings></hf-settings>` : nothing}
      ${panel === 'alarms' ? html`<hf-alarm-panel .draft=${this.alarmDraft}></hf-alarm-panel>` : nothing}
      ${panel === 'audit' ? html`<hf-audit-panel></hf-audit-panel>` : nothing}
      <hf-alarm-alerter></hf-alarm-alerter>
      ${this.toastSeq !== null ? html`<hf-undo-toast .seq=${this.toastSeq}></hf-undo-toast>` : nothing}
      <div class="layout">
        <div class="nav">
          <hf-view-list .selectedId=${view?.id ?? null}></hf-view-list>
          <hf-device-list .selectedId=${view ? null : (selected?.id ?? null)}></hf-device-list>
        </div>
        ${main}
      </div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-app': HfApp;
  }
}
