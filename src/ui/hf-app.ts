import { ContextProvider } from '@lit/context';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Hub, HubState } from '../engine/hub.js';
import { ATTENTION_STATES, type PropertyValue } from '../model/types.js';
import { formatValue } from '../model/values.js';
import { setThemePreference, themePreference, type ThemePreference } from './theme.js';
import { hubContext } from './context.js';
import { EditEvent, EditingEvent, EntryActionEvent, OperatorNameEvent, ProfileEvent, RetryEvent, SelectDeviceEvent, ShowPanelEvent, type ProfileAction } from './events.js';
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

type Panel = 'outbox' | 'connection' | 'diagnostics' | 'traffic';

/** The Undo offer after an edit: how long it stays. */
const UNDO_MS = 5000;

interface UndoOffer {
  readonly text: string;
  readonly deviceId: string;
  readonly propertyId: string;
  readonly previous: PropertyValue;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** A typed [type, listener] pair for add/removeEventListener. */
function listener<K extends keyof HTMLElementEventMap>(type: K, fn: (e: HTMLElementEventMap[K]) => void): [string, EventListener] {
  return [type, fn as EventListener];
}

/** The console shell: provides the Hub to every element and turns their events into Hub calls. */
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
      .toast {
        position: fixed;
        left: 50%;
        bottom: 1rem;
        transform: translateX(-50%);
        display: flex;
        gap: 1rem;
        align-items: center;
        padding: 0.5rem 0.5rem 0.5rem 1rem;
        background: var(--hf-surface-2);
        border: 1px solid var(--hf-accent);
        border-radius: 8px;
        box-shadow: 0 4px 16px rgb(0 0 0 / 40%);
        z-index: 10;
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

  @property({ attribute: false }) hub?: Hub;
  /** A provisioning link that could not be read. */
  @property({ attribute: false }) linkError: string | null = null;
  /** Set when a new version is waiting; calling it swaps to it (operator's choice, never mid-shift). */
  @property({ attribute: false }) updateReady: (() => void) | null = null;
  @state() private hubState: HubState | null = null;
  @state() private selectedDeviceId: string | null = null;
  @state() private openPanel: Panel | null = null;
  @state() private undo: UndoOffer | null = null;
  @state() private theme: ThemePreference = themePreference();
  private readonly provider = new ContextProvider(this, { context: hubContext });
  private unsubscribe: (() => void) | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    for (const [type, fn] of this.handlers) this.addEventListener(type, fn);
    this.bindHub();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const [type, fn] of this.handlers) this.removeEventListener(type, fn);
    if (this.undo) clearTimeout(this.undo.timer);
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('hub')) this.bindHub();
  }

  private bindHub(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (!this.hub || !this.isConnected) return;
    this.provider.setValue(this.hub);
    this.unsubscribe = this.hub.subscribe((s) => {
      this.hubState = s;
    });
  }

  private readonly onEdit = (e: EditEvent): void => {
    const hub = this.hub;
    if (!hub) return;
    // A failed write is shown by the Hub (editError); nothing more to do here.
    hub
      .edit(e.deviceId, e.propertyId, e.value)
      .then((r) => {
        if (r.action === 'noop' || e.previous === null) return;
        const schema = hub.state.devices.get(e.deviceId)?.schema?.properties.find((p) => p.id === e.propertyId);
        if (!schema || schema.momentary) return;
        this.offerUndo({ text: `${schema.name} set to ${formatValue(schema, e.value)}.`, deviceId: e.deviceId, propertyId: e.propertyId, previous: e.previous });
      })
      .catch(() => undefined);
  };

  /** A 5 s Undo: it sends the previous value through the outbox like any other edit (so it is checked too). */
  private offerUndo(offer: Omit<UndoOffer, 'timer'>): void {
    if (this.undo) clearTimeout(this.undo.timer);
    this.undo = { ...offer, timer: setTimeout(() => (this.undo = null), UNDO_MS) };
  }

  private doUndo(): void {
    const u = this.undo;
    if (!u) return;
    clearTimeout(u.timer);
    this.undo = null;
    this.hub?.edit(u.deviceId, u.propertyId, u.previous).catch(() => undefined);
  }

  private readonly onEntryAction = (e: EntryActionEvent): void => {
    if (!this.hub) return;
    const done = e.action === 'reapply' ? this.hub.reapply(e.seq) : this.hub.dismiss(e.seq);
    done.catch((err: unknown) => console.error('Holdfast: outbox action failed', err));
  };

  private readonly onProfile = (e: ProfileEvent): void => {
    const hub = this.hub;
    if (!hub) return;
    const a: ProfileAction = e.action;
    const done: Promise<unknown> =
      a.kind === 'save'
        ? hub.saveProfile(a.input, a.password, a.id).then((r) => {
            if (r.ok) this.openPanel = null;
          })
        : a.kind === 'activate'
          ? hub.activateProfile(a.id)
          : a.kind === 'delete'
            ? hub.deleteProfile(a.id)
            : a.kind === 'accept-link'
              ? hub.acceptPendingProfile()
              : a.kind === 'reject-link'
                ? Promise.resolve(hub.rejectPendingProfile())
                : hub.providePassword(a.password);
    done.catch((err: unknown) => console.error('Holdfast: connection settings failed', err));
  };

  private readonly handlers: ReadonlyArray<[string, EventListener]> = [
    listener(EditEvent.eventName, this.onEdit),
    listener(EntryActionEvent.eventName, this.onEntryAction),
    listener(ProfileEvent.eventName, this.onProfile),
    listener(RetryEvent.eventName, () => this.hub?.retry()),
    listener(SelectDeviceEvent.eventName, (e) => (this.selectedDeviceId = e.deviceId)),
    listener(ShowPanelEvent.eventName, (e) => (this.openPanel = e.panel)),
    listener(OperatorNameEvent.eventName, (e) => void this.hub?.setOperatorName(e.name)),
    listener(EditingEvent.eventName, (e) => this.hub?.setEditing(e.editing)),
  ];

  private toggle(panel: Panel): void {
    this.openPanel = this.openPanel === panel ? null : panel;
  }

  override render() {
    const s = this.hubState;
    if (!s) return html`<p class="empty" role="status">Opening the local database…</p>`;
    const attention = s.outbox.filter((e) => ATTENTION_STATES.includes(e.state)).length;
    const pending = s.outbox.length - attention;
    const devices = [...s.devices.values()].sort((a, b) => (a.schema?.name ?? a.id).localeCompare(b.schema?.name ?? b.id));
    const selected = devices.find((d) => d.id === this.selectedDeviceId) ?? devices[0];
    const needsBroker = s.profiles.length === 0 && !s.pendingProfile;
    const panel = needsBroker ? 'connection' : this.openPanel;
    return html`
      <header>
        <h1>Holdfast</h1>
        <hf-connection-status></hf-connection-status>
        <button aria-expanded=${panel === 'outbox' ? 'true' : 'false'} @click=${() => this.toggle('outbox')}>
          Outbox
          ${s.outbox.length > 0 ? html`<span class="badge">${s.outbox.length}</span>` : nothing}
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
      ${s.pendingProfile ? html`<hf-link-prompt></hf-link-prompt>` : nothing}
      ${s.needsPassword ? html`<hf-password-prompt></hf-password-prompt>` : nothing}
      <hf-connection-banner></hf-connection-banner>
      ${panel === 'connection' ? html`<hf-profiles></hf-profiles><hf-conventions></hf-conventions><hf-background-sync-toggle></hf-background-sync-toggle>` : nothing}
      ${panel === 'outbox' ? html`<hf-outbox-panel></hf-outbox-panel>` : nothing}
      ${panel === 'diagnostics' ? html`<hf-diagnostics></hf-diagnostics>` : nothing}
      ${panel === 'traffic' ? html`<hf-traffic-log></hf-traffic-log>` : nothing}
      ${this.undo
        ? html`<div class="toast" role="status">
            ${this.undo.text} <button @click=${() => this.doUndo()}>Undo</button>
          </div>`
        : nothing}
      <div class="layout">
        <hf-device-list .selectedId=${selected?.id ?? null}></hf-device-list>
        ${selected
          ? html`<hf-device-panel .deviceId=${selected.id}></hf-device-panel>`
          : needsBroker
            ? html`<p class="empty muted">Enter the broker URL to find devices.</p>`
            : html`<div class="skeletons" aria-busy="true">
                <p class="muted">${s.connection?.status === 'open' ? 'Connected. Waiting for devices to announce themselves on the broker…' : 'No devices known yet. They appear once the console reaches the broker.'}</p>
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
