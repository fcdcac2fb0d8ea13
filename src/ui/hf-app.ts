import { ContextProvider } from '@lit/context';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Console, ConsoleState } from '../app/console.js';
import type { ProfilesState } from '../app/profiles.js';
import type { ConnectionState } from '../mqtt/connection.js';
import { ATTENTION_STATES, type OutboxEntry } from '../model/types.js';
import type { DeviceSummary } from '../status/device-states.js';
import { setThemePreference, themePreference, type ThemePreference } from './theme.js';
import { consoleContext } from './context.js';
import { SliceController } from './controllers/slice-controller.js';
import {
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
  type ConventionsAction,
  type EntryAction,
  type ProfileAction,
} from './events.js';
import { sortDevices } from './hf-device-list.js';
import { sharedStyles } from './shared-styles.js';
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

type Panel = 'outbox' | 'connection' | 'diagnostics' | 'traffic';

/** A typed [type, listener] pair for add/removeEventListener. */
function listener<K extends keyof HTMLElementEventMap>(type: K, fn: (e: HTMLElementEventMap[K]) => void): [string, EventListener] {
  return [type, fn as EventListener];
}

/** The console shell: provides the Console to every element and turns their typed events into Console calls. */
@customElement('hf-app')
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
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.75rem;
        padding: 0.5rem 1rem;
        background: var(--hf-surface);
        border-bottom: 1px solid var(--hf-border);
      }
      h1 {
        font-size: 1.15rem;
        margin: 0;
        margin-right: auto;
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
  /** The last edit, followed by the Undo toast. */
  @state() private toastSeq: number | null = null;
  @state() private theme: ThemePreference = themePreference();
  private readonly provider = new ContextProvider(this, { context: consoleContext });
  // The shell provides the console, so its own slices take it directly (a provider does not answer itself).
  private readonly own = (): Console | undefined => this.console;
  private readonly consoleState = new SliceController<ConsoleState>(this, (c) => (fn) => c.state.subscribe(fn), undefined, undefined, this.own);
  private readonly profiles = new SliceController<ProfilesState>(this, (c) => (fn) => c.profiles.state.subscribe(fn), undefined, undefined, this.own);
  private readonly outbox = new SliceController<{ readonly entries: readonly OutboxEntry[] }, readonly OutboxEntry[]>(this, (c) => (fn) => c.outbox.subscribe(fn), (s) => s.entries, undefined, this.own);
  private readonly devices = new SliceController<ReadonlyMap<string, DeviceSummary>>(this, (c) => (fn) => c.client.subscribeDevices(fn), undefined, undefined, this.own);
  private readonly connectionStatus = new SliceController<ConnectionState | null, ConnectionState['status'] | null>(this, (c) => (fn) => c.client.subscribeConnection(fn), (x) => x?.status ?? null, undefined, this.own);

  override connectedCallback(): void {
    super.connectedCallback();
    for (const [type, fn] of this.handlers) this.addEventListener(type, fn);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const [type, fn] of this.handlers) this.removeEventListener(type, fn);
  }

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('console') && this.console) {
      this.provider.setValue(this.console);
      for (const s of [this.consoleState, this.profiles, this.outbox, this.devices, this.connectionStatus]) s.rebind();
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

  private readonly handlers: ReadonlyArray<[string, EventListener]> = [
    listener(EditEvent.eventName, this.onEdit),
    listener(EntryActionEvent.eventName, this.onEntryAction),
    listener(ProfileEvent.eventName, this.onProfile),
    listener(ConventionsEvent.eventName, this.onConventions),
    listener(BackgroundSyncEvent.eventName, this.onBackgroundSync),
    listener(RetryEvent.eventName, () => this.console?.retry()),
    listener(SelectDeviceEvent.eventName, (e) => {
      this.selectedDeviceId = e.deviceId;
      this.console?.showDevice(e.deviceId);
    }),
    listener(ShowPanelEvent.eventName, (e) => (this.openPanel = e.panel)),
    listener(OperatorNameEvent.eventName, (e) => void this.console?.setOperatorName(e.name)),
    listener(EditingEvent.eventName, (e) => this.console?.setEditing(e.editing)),
  ];

  private toggle(panel: Panel): void {
    this.openPanel = this.openPanel === panel ? null : panel;
  }

  override render() {
    const s = this.consoleState.value;
    const p = this.profiles.value;
    const all = this.devices.value;
    if (!s || !p || !all) return html`<p class="empty" role="status">Opening the local database…</p>`;
    const outbox = this.outbox.value ?? [];
    const attention = outbox.filter((e) => ATTENTION_STATES.includes(e.state)).length;
    const pending = outbox.length - attention;
    const devices = sortDevices(all.values());
    const wanted = this.selectedDeviceId ?? s.lastDevice;
    const selected = devices.find((d) => d.id === wanted) ?? devices[0];
    const needsBroker = p.profiles.length === 0 && !p.pendingProfile;
    const panel = needsBroker ? 'connection' : this.openPanel;
    return html`
      <header>
        <h1>Holdfast</h1>
        <hf-connection-status></hf-connection-status>
        <button aria-expanded=${panel === 'outbox' ? 'true' : 'false'} @click=${() => this.toggle('outbox')}>
          Outbox
          ${outbox.length > 0 ? html`<span class="badge">${outbox.length}</span>` : nothing}
          <span class="visually-hidden">: ${pending} pending, ${attention} need attention</span>
        </button>
        <button aria-expanded=${panel === 'connection' ? 'true' : 'false'} @click=${() => this.toggle('connection')}>Connection</button>
        <button aria-expanded=${panel === 'diagnostics' ? 'true' : 'false'} @click=${() => this.toggle('diagnostics')}>Diagnostics</button>
        <button aria-expanded=${panel === 'traffic' ? 'true' : 'false'} @click=${() => this.toggle('traffic')}>Traffic log</button>
        <label class="theme"
          >Theme
          <select
            @change=${(e: Event) => {
              this.theme = (e.target as HTMLSelectElement).value as ThemePreference;
              setThemePreference(this.theme);
            }}
          >
            <option value="system" ?selected=${this.theme === 'system'}>System</option>
            <option value="dark" ?selected=${this.theme === 'dark'}>Dark</option>
            <option value="light" ?selected=${this.theme === 'light'}>Light</option>
          </select>
        </label>
        <hf-presence></hf-presence>
      </header>
      ${this.updateReady
        ? html`<p class="notice update" role="status">A new version is ready. <button @click=${() => this.updateReady?.()}>Update now</button></p>`
        : nothing}
      ${this.linkError ? html`<p class="notice" role="alert">The connection link could not be used: ${this.linkError}</p>` : nothing}
      ${s.editError ? html`<p class="notice" role="alert">${s.editError}</p>` : nothing}
      ${p.pendingProfile ? html`<hf-link-prompt></hf-link-prompt>` : nothing}
      <hf-password-prompt></hf-password-prompt>
      <hf-connection-banner></hf-connection-banner>
      ${panel === 'connection' ? html`<hf-profiles></hf-profiles><hf-conventions></hf-conventions><hf-background-sync-toggle></hf-background-sync-toggle>` : nothing}
      ${panel === 'outbox' ? html`<hf-outbox-panel></hf-outbox-panel>` : nothing}
      ${panel === 'diagnostics' ? html`<hf-diagnostics></hf-diagnostics>` : nothing}
      ${panel === 'traffic' ? html`<hf-traffic-log></hf-traffic-log>` : nothing}
      ${this.toastSeq !== null ? html`<hf-undo-toast .seq=${this.toastSeq}></hf-undo-toast>` : nothing}
      <div class="layout">
        <hf-device-list .selectedId=${selected?.id ?? null}></hf-device-list>
        ${selected
          ? html`<hf-device-panel .deviceId=${selected.id}></hf-device-panel>`
          : needsBroker
            ? html`<p class="empty muted">Enter the broker URL to find devices.</p>`
            : html`<div class="skeletons" aria-busy="true">
                <p class="muted">${this.connectionStatus.value === 'open' ? 'Connected. Waiting for devices to announce themselves on the broker…' : 'No devices known yet. They appear once the console reaches the broker.'}</p>
                ${[0, 1, 2].map(() => html`<div class="skeleton" aria-hidden="true"></div>`)}
              </div>`}
      </div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-app': HfApp;
  }
}
