import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement } from 'lit/decorators.js';
import { formatAge, formatDuration, formatNumber, formatTime } from '../i18n/format.js';
import { ClockController } from './controllers/clock-controller.js';
import type { ProfilesState } from '../app/profiles.js';
import type { Role } from '../app/tab-coordinator.js';
import type { HostStatus } from '../host/protocol.js';
import type { ConnectionState } from '../mqtt/connection.js';
import { SliceController } from './controllers/slice-controller.js';
import { RetryEvent } from './events.js';
import { sharedStyles } from './shared-styles.js';
import { describeConnection } from './hf-connection-status.js';
import { diagnosisWords } from '../i18n/diagnosis-text.js';

/**
 * Why the console is (not) connected: state, counters, last error with its fix, and the last 50 events. No secrets.
 * The events are the connection log's lines (a log of the wire, written by the engine): they stay as written.
 */
@localized()
@customElement('hf-diagnostics')
export class HfDiagnostics extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        margin: 0.5rem 1rem 0;
        padding: 1rem;
        background: var(--hf-surface);
        border: 1px solid var(--hf-border);
        border-radius: 8px;
      }
      h2 {
        margin: 0 0 0.5rem;
        font-size: 1rem;
      }
      dl {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 0.25rem 1rem;
        margin: 0 0 1rem;
      }
      dt {
        color: var(--hf-muted);
      }
      dd {
        margin: 0;
      }
      ol {
        margin: 0;
        padding-left: 1.5rem;
        max-height: 18rem;
        overflow: auto;
        font-family: ui-monospace, monospace;
        font-size: 0.85rem;
      }
    `,
  ];

  private readonly connection = new SliceController<ConnectionState | null>(this, (c) => (fn) => c.client.subscribeConnection(fn));
  private readonly status = new SliceController<HostStatus | null>(this, (c) => (fn) => c.client.subscribeStatus(fn));
  private readonly profiles = new SliceController<ProfilesState>(this, (c) => (fn) => c.profiles.state.subscribe(fn));
  private readonly tabRole = new SliceController<{ readonly role: Role }, Role>(this, (c) => (fn) => c.coordinator.role.subscribe(fn), (r) => r.role);
  private readonly clock = new ClockController(this);

  override render() {
    const s = this.profiles.value;
    if (!s) return nothing;
    const c = this.connection.value ?? null;
    const host = this.status.value;
    const profile = s.profiles.find((p) => p.id === s.activeProfileId);
    return html`
      <section aria-labelledby="diag-title">
        <h2 id="diag-title">${msg('Connection diagnostics')}</h2>
        <dl>
          <dt>${msg('State')}</dt>
          <dd>
            ${c
              ? msg(str`${describeConnection(c, !!profile).label} (${c.status}, for ${formatDuration(this.clock.now - c.since)})`)
              : describeConnection(c, !!profile).label}
          </dd>
          <dt>${msg('Broker')}</dt>
          <dd>${profile ? (profile.username ? msg(str`${profile.url} as ${profile.username}`) : profile.url) : msg('none configured')}</dd>
          <dt>${msg('Client ID')}</dt>
          <dd>${c?.clientId ?? '—'}</dd>
          <dt>${msg('Protocol')}</dt>
          <dd>${c?.protocolVersion === 5 ? msg('MQTT 5') : c?.protocolVersion === 4 ? msg('MQTT 3.1.1') : '—'}</dd>
          <dt>${msg('Attempts since last good session')}</dt>
          <dd>${formatNumber(c?.attempt ?? 0)}</dd>
          <dt>${msg('Sessions since start')}</dt>
          <dd>${formatNumber(c?.sessions ?? 0)}</dd>
          <dt>${msg('Round-trip time')}</dt>
          <dd>${c?.rttMs !== null && c?.rttMs !== undefined ? msg(str`${formatNumber(c.rttMs)} ms`) : '—'}</dd>
          <dt>${msg('Last connected')}</dt>
          <dd>${c?.lastConnectedAt ? `${formatTime(c.lastConnectedAt)} (${formatAge(this.clock.now - c.lastConnectedAt)})` : msg('never')}</dd>
          <dt>${msg('Last error')}</dt>
          <dd>${c?.lastError ? html`${diagnosisWords(c.lastError.reason).message} <strong>${msg('What to do:')}</strong> ${diagnosisWords(c.lastError.reason).fix}` : msg('none')}</dd>
          <dt>${msg('This tab')}</dt>
          <dd>
            ${this.tabRole.value === 'leader'
              ? msg('holds the connection (its engine runs in a worker)')
              : this.tabRole.value === 'hosted'
                ? msg("follows the extension's service worker, which holds the connection")
                : msg('follows the tab that holds the connection')}
          </dd>
          <dt>${msg('Devices with values subscribed')}</dt>
          <dd>${host ? msg(str`${formatNumber(host.subscribedDevices)} (on screen, with pending edits, or left in the last 30 s)`) : '—'}</dd>
        </dl>
        <button @click=${() => this.dispatchEvent(new RetryEvent())}>${msg('Retry now')}</button>
        <h2>${msg(str`Connection events (last ${formatNumber(c?.log.length ?? 0)})`)}</h2>
        <ol aria-label=${msg('Connection events')} tabindex="0" translate="no">
          ${(c?.log ?? []).map((e) => html`<li><time datetime=${new Date(e.at).toISOString()}>${formatTime(e.at)}</time> ${e.message}</li>`)}
        </ol>
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-diagnostics': HfDiagnostics;
  }
}
