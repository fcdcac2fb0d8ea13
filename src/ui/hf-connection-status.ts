import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement } from 'lit/decorators.js';
import { formatNumber } from '../i18n/format.js';
import type { ConnectionState } from '../mqtt/connection.js';
import { ClockController } from './controllers/clock-controller.js';
import type { ProfilesState } from '../app/profiles.js';
import type { Role } from '../app/tab-coordinator.js';
import { SliceController } from './controllers/slice-controller.js';
import { RetryEvent } from './events.js';
import { sharedStyles } from './shared-styles.js';
import { diagnosisWords } from '../i18n/diagnosis-text.js';

/** Connection state in words (a status region), never colour alone. */
export function describeConnection(c: ConnectionState | null, hasBroker: boolean): { label: string; tone: 'ok' | 'warn' | 'bad' } {
  if (!hasBroker) return { label: msg('Not connected: no broker configured'), tone: 'bad' };
  if (!c) return { label: msg('Not connected'), tone: 'warn' };
  // The protocol's name, not words.
  const version = c.protocolVersion === 5 ? 'MQTT 5' : 'MQTT 3.1.1';
  switch (c.status) {
    case 'open':
      return { label: msg(str`Connected (${version})`), tone: 'ok' };
    case 'connecting':
      return { label: msg('Connecting…'), tone: 'warn' };
    case 'reconnecting':
      return { label: msg(str`Reconnecting (attempt ${formatNumber(c.attempt)})`), tone: 'warn' };
    case 'offline':
      return { label: msg('Offline: no network'), tone: 'bad' };
    case 'failed-permanent':
      return { label: c.lastError ? msg(str`Not connected: ${diagnosisWords(c.lastError.reason).message}`) : msg('Not connected: the broker refused'), tone: 'bad' };
    case 'idle':
      return { label: msg('Not connected'), tone: 'warn' };
  }
}

@customElement('hf-connection-status')
@localized()
export class HfConnectionStatus extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: flex;
        align-items: center;
        gap: 0.5rem;
        flex-wrap: wrap;
      }
      .dot {
        width: 0.75rem;
        height: 0.75rem;
        border-radius: 50%;
        flex: none;
      }
      .ok {
        background: var(--hf-ok);
      }
      .warn {
        background: var(--hf-warn);
      }
      .bad {
        background: var(--hf-bad);
      }
      .detail {
        font-size: 0.85rem;
      }
    `,
  ];

  private readonly connection = new SliceController<ConnectionState | null>(this, (c) => (fn) => c.client.subscribeConnection(fn));
  private readonly hasBroker = new SliceController<ProfilesState, boolean>(this, (c) => (fn) => c.profiles.state.subscribe(fn), (s) => s.activeProfileId !== null);
  private readonly tabRole = new SliceController<{ readonly role: Role }, Role>(this, (c) => (fn) => c.coordinator.role.subscribe(fn), (r) => r.role);
  private readonly clock = new ClockController(this);

  override render() {
    const c = this.connection.value ?? null;
    const { label, tone } = describeConnection(c, this.hasBroker.value ?? false);
    const countdown = c?.nextAttemptAt ? Math.max(0, Math.ceil((c.nextAttemptAt - this.clock.now) / 1000)) : null;
    return html`
      <span class="dot ${tone}" aria-hidden="true"></span>
      <span role="status" aria-label=${msg('Connection')}>${this.tabRole.value === 'follower' ? msg(str`${label} (via another tab)`) : label}</span>
      ${c?.watching
        ? html`<span class="detail muted">${msg('checking about every second')}</span>`
        : countdown !== null && c?.status !== 'open'
          ? html`<span class="detail muted">${msg(str`next try in ${formatNumber(countdown)} s`)}</span>`
          : nothing}
      ${c?.status === 'failed-permanent' ? html`<span class="detail">${c.lastError ? diagnosisWords(c.lastError.reason).fix : ''}</span><button @click=${() => this.dispatchEvent(new RetryEvent())}>${msg('Retry')}</button>` : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-connection-status': HfConnectionStatus;
  }
}
