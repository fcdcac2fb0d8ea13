import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { WorkspaceState } from '../app/workspace.js';
import { SliceController } from './controllers/slice-controller.js';
import { sharedStyles } from './shared-styles.js';
import { WorkspaceEvent } from './workspace-events.js';

/** "Add to view": pin one control to an existing view, or to a new one named here. */
@localized()
@customElement('hf-add-to-view')
export class HfAddToView extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        margin-top: 0.5rem;
      }
      fieldset {
        border: 1px solid var(--hf-border);
        border-radius: 8px;
        padding: 0.5rem 0.75rem;
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
      }
      legend {
        font-size: 0.9rem;
      }
      input {
        background: var(--hf-surface-2);
        border: 1px solid var(--hf-border);
        border-radius: 8px;
        padding: 0 0.5rem;
      }
    `,
  ];

  @property({ attribute: false }) deviceId = '';
  @property({ attribute: false }) propertyId = '';
  @property({ attribute: false }) propertyName = '';
  @state() private name = '';
  private readonly workspace = new SliceController<WorkspaceState>(this, (c) => (fn) => c.workspace.state.subscribe(fn));

  private done(): void {
    this.dispatchEvent(new Event('hf-add-to-view-done'));
  }

  private pin(viewId: string): void {
    this.dispatchEvent(new WorkspaceEvent({ kind: 'pin', viewId, deviceId: this.deviceId, propertyId: this.propertyId }));
    this.done();
  }

  private create(e: SubmitEvent): void {
    e.preventDefault();
    if (!this.name.trim()) return;
    this.dispatchEvent(new WorkspaceEvent({ kind: 'create-view', name: this.name, pin: { deviceId: this.deviceId, propertyId: this.propertyId } }));
    this.done();
  }

  override render() {
    const views = this.workspace.value?.views ?? [];
    return html`<fieldset>
      <legend>${msg(str`Add ${this.propertyName} to a view`)}</legend>
      ${views.map((v) => {
        const pinned = v.items.some((it) => it.kind === 'control' && it.deviceId === this.deviceId && it.propertyId === this.propertyId);
        return html`<button ?disabled=${pinned} @click=${() => this.pin(v.id)}>${pinned ? msg(str`${v.name} (already in it)`) : v.name}</button>`;
      })}
      <form @submit=${this.create}>
        <label>${msg('New view')} <input .value=${this.name} @input=${(e: InputEvent) => (this.name = (e.target as HTMLInputElement).value)} maxlength="80" /></label>
        <button type="submit">${msg('Create and add')}</button>
      </form>
      <button @click=${() => this.done()}>${msg('Cancel')}</button>
      ${views.length === 0 ? html`<span class="muted">${msg('No views yet: name one to create it.')}</span>` : nothing}
    </fieldset>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-add-to-view': HfAddToView;
  }
}
