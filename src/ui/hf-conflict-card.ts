import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { conflictBase } from '../model/coalesce.js';
import type { OutboxEntry, PropertySchema } from '../model/types.js';
import { formatValue } from '../model/values.js';
import { EntryActionEvent } from './events.js';
import { sharedStyles } from './shared-styles.js';

/** A discarded edit: what the operator saw, what they set, and what the device shows now. */
@customElement('hf-conflict-card')
@localized()
export class HfConflictCard extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      section {
        border: 2px solid var(--hf-warn);
        border-radius: 8px;
        padding: 0.75rem;
        background: var(--hf-warn-bg);
      }
      h4 {
        margin: 0 0 0.5rem;
        font-size: 0.95rem;
      }
      ul {
        margin: 0 0 0.75rem;
        padding-left: 1.2rem;
      }
      .actions {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
      }
    `,
  ];

  @property({ attribute: false }) entry!: OutboxEntry;
  @property({ attribute: false }) schema!: PropertySchema;
  /** The live session while shown (null: not live): a Re-apply is based on "device is now", as shown here. */
  @property({ attribute: false }) liveSession: string | null = null;

  private act(action: 'reapply' | 'dismiss'): void {
    const seq = this.entry.seq;
    if (seq === undefined) return;
    const base = conflictBase(this.entry, this.liveSession);
    this.dispatchEvent(new EntryActionEvent(action === 'reapply' && base ? { kind: 'reapply', seq, base } : { kind: 'dismiss', seq }));
  }

  override render() {
    const { entry, schema } = this;
    return html`
      <section role="group" aria-label=${msg(str`Not sent: ${schema.name}`)}>
        <h4>${msg('Not sent: the device changed while you were editing')}</h4>
        <ul>
          <li>${msg(str`was ${formatValue(schema, entry.base.value)} when you edited`)}</li>
          <li>${msg(str`you set ${formatValue(schema, entry.desired)}`)}</li>
          <li>${msg(str`device is now ${formatValue(schema, entry.fresh ?? null)}`)}</li>
        </ul>
        <div class="actions">
          <button class="primary" @click=${() => this.act('reapply')}>${msg('Re-apply on current value')}</button>
          <button @click=${() => this.act('dismiss')}>${msg('Dismiss')}</button>
        </div>
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-conflict-card': HfConflictCard;
  }
}
