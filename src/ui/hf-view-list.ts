import { localized, msg } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { LockState } from '../app/lock.js';
import type { WorkspaceState } from '../app/workspace.js';
import { SliceController } from './controllers/slice-controller.js';
import { sharedStyles } from './shared-styles.js';
import { SelectViewEvent, WorkspaceEvent } from './workspace-events.js';

/** The operator's views, above the device list: open one, or create one. */
@localized()
@customElement('hf-view-list')
export class HfViewList extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        margin-bottom: 1rem;
      }
      h2 {
        font-size: 1rem;
        margin: 0 0 0.5rem;
      }
      ul {
        list-style: none;
        margin: 0 0 0.5rem;
        padding: 0;
        display: grid;
        gap: 0.5rem;
      }
      ul button {
        width: 100%;
        text-align: left;
      }
      button[aria-current='true'] {
        border-color: var(--hf-accent);
        background: var(--hf-selected-bg);
      }
      form {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
      }
      input {
        flex: 1 1 8rem;
        min-width: 0;
        background: var(--hf-surface-2);
        border: 1px solid var(--hf-border);
        border-radius: 8px;
        padding: 0 0.5rem;
      }
    `,
  ];

  @property({ attribute: false }) selectedId: string | null = null;
  @state() private name = '';
  private readonly workspace = new SliceController<WorkspaceState>(this, (c) => (fn) => c.workspace.state.subscribe(fn));
  private readonly locked = new SliceController<LockState, boolean>(this, (c) => (fn) => c.lock.state.subscribe(fn), (s) => s.locked);

  private create(e: SubmitEvent): void {
    e.preventDefault();
    if (!this.name.trim()) return;
    this.dispatchEvent(new WorkspaceEvent({ kind: 'create-view', name: this.name }));
    this.name = '';
  }

  override render() {
    const views = this.workspace.value?.views ?? [];
    return html`<nav aria-label=${msg('Views')}>
      <h2>${msg('Views')}</h2>
      ${views.length > 0
        ? html`<ul>
            ${views.map((v) => html`<li><button aria-current=${v.id === this.selectedId ? 'true' : 'false'} @click=${() => this.dispatchEvent(new SelectViewEvent(v.id))}>${v.name}</button></li>`)}
          </ul>`
        : nothing}
      ${this.locked.value
        ? nothing
        : html`<form @submit=${this.create}>
            <label class="visually-hidden" for="new-view">${msg('New view name')}</label>
            <input id="new-view" placeholder=${msg('New view name')} maxlength="80" .value=${this.name} @input=${(e: InputEvent) => (this.name = (e.target as HTMLInputElement).value)} />
            <button type="submit">${msg('Create view')}</button>
          </form>`}
    </nav>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-view-list': HfViewList;
  }
}
