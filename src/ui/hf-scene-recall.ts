import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { formatNumber } from '../i18n/format.js';
import { baseFromShown, type ShownValue } from '../model/coalesce.js';
import { IN_FLIGHT_STATES, UNSENT_STATES, type OutboxEntry, type PropertySchema, type PropertyValue } from '../model/types.js';
import { previewRecall, type RecallPreview, type Scene } from '../model/workspace.js';
import { formatValue } from '../model/values.js';
import { SliceController } from './controllers/slice-controller.js';
import { describeEntry } from './entry-text.js';
import { panelStyles } from './panel-styles.js';
import { sharedStyles } from './shared-styles.js';
import { WorkspaceEvent } from './workspace-events.js';

interface Row {
  readonly deviceId: string;
  readonly propertyId: string;
  readonly label: string;
  readonly schema: PropertySchema | undefined;
  readonly deviceName: string;
  readonly now: PropertyValue | null;
  readonly target: PropertyValue;
}

/**
 * Recalling a scene: first the preview of what will change (setting, now →
 * scene; equal ones skipped), then, on the operator's yes, one outbox entry
 * per change based on what they saw, and the outcome of each: confirmed,
 * discarded or unverified. During an outage the entries queue and reconcile
 * like any edit.
 */
@localized()
@customElement('hf-scene-recall')
export class HfSceneRecall extends LitElement {
  static override styles = [
    sharedStyles,
    panelStyles,
    css`
      table {
        border-collapse: collapse;
        width: 100%;
      }
      th,
      td {
        text-align: left;
        padding: 0.3rem;
        border-bottom: 1px solid var(--hf-border);
      }
    `,
  ];

  @property({ attribute: false }) scene!: Scene;
  /** Frozen when the preview is first shown: what the operator confirms is what they saw. */
  @state() private preview: { rows: Row[]; same: number; unavailable: number; shown: Map<string, ShownValue> } | null = null;
  @state() private entries = new Map<number, OutboxEntry>();
  @state() private sent: { row: Row; seq: number | null }[] | null = null;
  private readonly entriesShown = new SliceController<{ readonly entries: readonly OutboxEntry[] }, readonly OutboxEntry[]>(this, (c) => (fn) => c.outbox.subscribe(fn), (s) => s.entries);
  private readonly watches: (() => void)[] = [];

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const w of this.watches.splice(0)) w();
  }

  private shownValue(deviceId: string, propertyId: string): ShownValue {
    const c = this.entriesShown.console;
    const active = [...(this.entriesShown.value ?? [])].reverse().find((e) => e.deviceId === deviceId && e.propertyId === propertyId && (IN_FLIGHT_STATES.includes(e.state) || (UNSENT_STATES.includes(e.state) && e.state !== 'unverified')));
    if (active) return { kind: 'intent', value: active.desired };
    const r = c?.client.value(deviceId, propertyId);
    return r ? { kind: 'reported', reported: r } : { kind: 'unknown' };
  }

  private build(): void {
    const c = this.entriesShown.console;
    if (!c || this.preview) return;
    const shown = new Map<string, ShownValue>();
    const p: RecallPreview = previewRecall(this.scene, (deviceId, propertyId) => {
      const sv = this.shownValue(deviceId, propertyId);
      shown.set(`${deviceId}\u0000${propertyId}`, sv);
      const schema = c.client.device(deviceId)?.schema?.properties.find((x) => x.id === propertyId);
      return { schema, value: sv.kind === 'unknown' ? null : sv.kind === 'intent' ? sv.value : sv.reported.value };
    });
    const rows = p.changes.map((ch) => {
      const device = c.client.device(ch.deviceId);
      const schema = device?.schema?.properties.find((x) => x.id === ch.propertyId);
      const deviceName = device?.schema?.name ?? ch.deviceId;
      return { ...ch, schema, deviceName, label: `${deviceName}: ${schema?.name ?? ch.propertyId}` };
    });
    this.preview = { rows, same: p.same.length, unavailable: p.unavailable.length, shown };
  }

  override willUpdate(): void {
    this.build();
  }

  private confirm(): void {
    const c = this.entriesShown.console;
    const preview = this.preview;
    if (!c || !preview) return;
    const status = c.client.status;
    const live = c.client.connection?.status === 'open' && status?.live ? status.session : null;
    const changes = preview.rows.map((r) => {
      const availability = c.client.devices.get(r.deviceId)?.availability;
      const away = availability === 'lost' || availability === 'disconnected' || availability === 'sleeping' || availability === 'init';
      const base = baseFromShown(preview.shown.get(`${r.deviceId}\u0000${r.propertyId}`) ?? { kind: 'unknown' }, away ? null : live);
      return { deviceId: r.deviceId, propertyId: r.propertyId, now: r.now, target: r.target, base };
    });
    this.dispatchEvent(
      new WorkspaceEvent({
        kind: 'recall',
        changes,
        reply: (seqs) => {
          this.sent = preview.rows.map((row, i) => ({ row, seq: seqs[i] ?? null }));
          for (const seq of seqs) {
            if (seq === null) continue;
            this.watches.push(c.watchEntry(seq, (e) => {
              const next = new Map(this.entries);
              if (e) next.set(seq, e);
              this.entries = next;
            }));
          }
        },
      }),
    );
  }

  private close(): void {
    this.dispatchEvent(new Event('hf-scene-recall-close'));
  }

  override render() {
    const p = this.preview;
    if (!p) return html`<p class="muted">${msg('Preparing the preview…')}</p>`;
    const value = (schema: PropertySchema | undefined, v: PropertyValue | null): string => (v === null ? msg('unknown') : schema ? formatValue(schema, v) : String(v));
    return html`<section role="group" aria-label=${msg(str`Recall ${this.scene.name}`)}>
      <h4>${msg(str`Recall ${this.scene.name}`)}</h4>
      ${p.rows.length === 0 ? html`<p>${msg('Nothing to change: every setting already shows its scene value.')}</p>` : nothing}
      ${p.rows.length > 0
        ? html`<table>
            <thead>
              <tr>
                <th scope="col">${msg('Setting')}</th>
                <th scope="col">${msg('Now')}</th>
                <th scope="col">${msg('Scene')}</th>
                ${this.sent ? html`<th scope="col">${msg('Outcome')}</th>` : nothing}
              </tr>
            </thead>
            <tbody>
              ${p.rows.map((r, i) => {
                const seq = this.sent?.[i]?.seq ?? null;
                const e = seq !== null ? this.entries.get(seq) : undefined;
                return html`<tr>
                  <td>${r.label}</td>
                  <td>${value(r.schema, r.now)}</td>
                  <td>${value(r.schema, r.target)}</td>
                  ${this.sent ? html`<td>${seq === null ? msg('already the value') : e ? describeEntry(e, { schema: r.schema, deviceName: r.deviceName, live: true }) : msg('Queued…')}</td>` : nothing}
                </tr>`;
              })}
            </tbody>
          </table>`
        : nothing}
      ${p.same > 0
        ? html`<p class="muted">${p.same === 1 ? msg('1 already shows its scene value: skipped.') : msg(str`${formatNumber(p.same)} already show their scene value: skipped.`)}</p>`
        : nothing}
      ${p.unavailable > 0 ? html`<p class="muted">${msg(str`${formatNumber(p.unavailable)} can no longer be set: skipped.`)}</p>` : nothing}
      <div class="actions">
        ${!this.sent && p.rows.length > 0
          ? html`<button class="primary" @click=${() => this.confirm()}>${p.rows.length === 1 ? msg('Recall 1 change') : msg(str`Recall ${formatNumber(p.rows.length)} changes`)}</button>`
          : nothing}
        <button @click=${() => this.close()}>${this.sent ? msg('Close') : msg('Cancel')}</button>
      </div>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-scene-recall': HfSceneRecall;
  }
}
