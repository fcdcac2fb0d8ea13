import { ContextProvider } from '@lit/context';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Hub, HubState } from '../engine/hub.js';
import { ATTENTION_STATES } from '../model/types.js';
import { hubContext } from './context.js';
import { EditEvent, EditingEvent, EntryActionEvent, OperatorNameEvent, ProfileEvent, RetryEvent, SelectDeviceEvent, ShowPanelEvent, type ProfileAction } from './events.js';
import { sharedStyles } from './shared-styles.js';
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

type Panel = 'outbox' | 'connection' | 'diagnostics';

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
        background: #10253d;
        border-color: var(--hf-accent);
      }
      .notice {
        margin: 0.5rem 1rem 0;
        padding: 0.75rem 1rem;
        border-radius: 8px;
        background: #3d1d1d;
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
    // A failed write is shown by the Hub (editError); nothing more to do here.
    this.hub?.edit(e.deviceId, e.propertyId, e.value).catch(() => undefined);
  };

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
        <hf-presence></hf-presence>
      </header>
      ${this.updateReady
        ? html`<p class="notice update" role="status">A new version is ready. <button @click=${() => this.updateReady?.()}>Update now</button></p>`
        : nothing}
      ${this.linkError ? html`<p class="notice" role="alert">The connection link could not be used: ${this.linkError}</p>` : nothing}
      ${s.editError ? html`<p class="notice" role="alert">${s.editError}</p>` : nothing}
      <hf-link-prompt></hf-link-prompt>
      <hf-password-prompt></hf-password-prompt>
      <hf-connection-banner></hf-connection-banner>
      ${panel === 'connection' ? html`<hf-profiles></hf-profiles><hf-conventions></hf-conventions>` : nothing}
      ${panel === 'outbox' ? html`<hf-outbox-panel></hf-outbox-panel>` : nothing}
      ${panel === 'diagnostics' ? html`<hf-diagnostics></hf-diagnostics>` : nothing}
      <div class="layout">
        <hf-device-list .selectedId=${selected?.id ?? null}></hf-device-list>
        ${selected
          ? html`<hf-device-panel .deviceId=${selected.id}></hf-device-panel>`
          : html`<p class="empty muted">${needsBroker ? 'Enter the broker URL to find devices.' : 'No devices yet. Waiting for devices to announce themselves on the broker…'}</p>`}
      </div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-app': HfApp;
  }
}
