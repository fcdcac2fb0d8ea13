import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { LockState } from '../app/lock.js';
import type { WorkspaceState } from '../app/workspace.js';
import { formatNumber } from '../i18n/format.js';
import { toBase64Url } from '../model/profile.js';
import { viewLinkPayload, type View, type ViewItem } from '../model/workspace.js';
import { SliceController } from './controllers/slice-controller.js';
import { pageHeaderStyles } from './page-header-styles.js';
import { sharedStyles } from './shared-styles.js';
import { DisplayEvent, SelectViewEvent, WorkspaceEvent } from './workspace-events.js';
import './hf-scenes.js';
import './hf-view-item.js';

/**
 * A view: controls pinned from any device, in the operator's order, under
 * their own headings; compact rows by default. In layout mode items move by
 * drag or by Move up / Move down (the keyboard alternative), and headings are
 * added and removed. A view can be shared as a link or QR code (no secrets).
 */
@localized()
@customElement('hf-view-panel')
export class HfViewPanel extends LitElement {
  static override styles = [
    sharedStyles,
    pageHeaderStyles,
    css`
      ol {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 24rem), 1fr));
        gap: 0.25rem 0.75rem;
      }
      ol.cards {
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 22rem), 1fr));
        gap: 0.75rem;
      }
      li.heading {
        grid-column: 1 / -1;
      }
      li.heading h3 {
        margin: 0.75rem 0 0.25rem;
        font-size: 1rem;
      }
      li[draggable='true'] {
        cursor: grab;
      }
      li.dragging {
        opacity: 0.5;
      }
      .edit {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
        margin: 0.15rem 0 0.5rem;
      }
      .share {
        display: grid;
        gap: 0.5rem;
        justify-items: start;
        margin-bottom: 0.75rem;
      }
      .share input {
        width: min(40rem, 100%);
      }
      form {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
        align-items: center;
      }
      input {
        background: var(--hf-surface-2);
        border: 1px solid var(--hf-border);
        border-radius: 8px;
        padding: 0 0.5rem;
      }
    `,
  ];

  @property({ attribute: false }) viewId = '';
  @property({ type: Boolean }) wall = false;
  @state() private editing = false;
  @state() private sharing: { link: string; qr: string | null } | null = null;
  @state() private heading = '';
  @state() private dragging: string | null = null;
  private readonly view = new SliceController<WorkspaceState, View | undefined>(this, (c) => (fn) => c.workspace.state.subscribe(fn), (s) => s.views.find((v) => v.id === this.viewId));
  private readonly locked = new SliceController<LockState, boolean>(this, (c) => (fn) => c.lock.state.subscribe(fn), (s) => s.locked);

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('viewId')) {
      this.view.rebind();
      this.sharing = null;
    }
  }

  private act(action: ConstructorParameters<typeof WorkspaceEvent>[0]): void {
    this.dispatchEvent(new WorkspaceEvent(action));
  }

  private async share(view: View): Promise<void> {
    const link = new URL(location.href);
    link.search = '';
    link.hash = '';
    link.searchParams.set('view', toBase64Url(viewLinkPayload(view)));
    this.sharing = { link: link.href, qr: null };
    // The QR encoder is only needed here, so it is loaded on demand.
    const { default: qrcode } = await import('qrcode-generator');
    const qr = qrcode(0, 'M');
    qr.addData(link.href);
    qr.make();
    if (this.sharing?.link === link.href) this.sharing = { link: link.href, qr: qr.createDataURL(4, 2) };
  }

  private drop(e: DragEvent, view: View, target: ViewItem): void {
    e.preventDefault();
    const id = this.dragging;
    this.dragging = null;
    if (!id || id === target.id) return;
    this.act({ kind: 'place', viewId: view.id, itemId: id, index: view.items.findIndex((it) => it.id === target.id) });
  }

  private renderItem(view: View, it: ViewItem, index: number, locked: boolean) {
    const compact = view.density === 'compact';
    const edit = this.editing && !locked;
    const first = index === 0;
    const last = index === view.items.length - 1;
    // A control's own move/remove buttons sit inside its device's group (hf-view-item), a heading's here.
    const tools =
      edit && it.kind === 'heading'
        ? html`<div class="edit">
            <button aria-label=${msg(str`Move heading ${it.text} up`)} ?disabled=${first} @click=${() => this.act({ kind: 'move', viewId: view.id, itemId: it.id, by: -1 })}>${msg('Move up')}</button>
            <button aria-label=${msg(str`Move heading ${it.text} down`)} ?disabled=${last} @click=${() => this.act({ kind: 'move', viewId: view.id, itemId: it.id, by: 1 })}>${msg('Move down')}</button>
            <button aria-label=${msg(str`Remove heading ${it.text}`)} @click=${() => this.act({ kind: 'unpin', viewId: view.id, itemId: it.id })}>${msg('Remove')}</button>
          </div>`
        : nothing;
    return html`<li
      class="${it.kind === 'heading' ? 'heading' : ''} ${this.dragging === it.id ? 'dragging' : ''}"
      draggable=${edit ? 'true' : 'false'}
      @dragstart=${(e: DragEvent) => {
        if (!edit) return;
        this.dragging = it.id;
        e.dataTransfer?.setData('text/plain', it.id);
      }}
      @dragover=${(e: DragEvent) => {
        if (edit) e.preventDefault();
      }}
      @drop=${(e: DragEvent) => this.drop(e, view, it)}
      @dragend=${() => (this.dragging = null)}
    >
      ${it.kind === 'heading'
        ? html`<h3>${it.text}</h3>`
        : html`<hf-view-item .viewId=${view.id} .itemId=${it.id} .deviceId=${it.deviceId} .propertyId=${it.propertyId} ?compact=${compact} ?locked=${locked} ?editing=${edit} ?first=${first} ?last=${last}></hf-view-item>`}
      ${tools}
    </li>`;
  }

  override render() {
    const view = this.view.value;
    if (!view) return html`<p class="muted">${msg('This view no longer exists.')}</p>`;
    const locked = this.locked.value ?? false;
    const compact = view.density === 'compact';
    return html`<section aria-labelledby="view-title">
      <header>
        <h2 id="view-title">${view.name}</h2>
        <span class="muted">${msg(str`${formatNumber(view.items.filter((i) => i.kind === 'control').length)} controls`)}</span>
        <span class="actions">
          <button aria-pressed=${compact ? 'true' : 'false'} ?disabled=${locked} @click=${() => this.act({ kind: 'view-density', viewId: view.id, density: compact ? 'comfortable' : 'compact' })}>${msg('Compact rows')}</button>
          <button @click=${() => this.dispatchEvent(new DisplayEvent(!this.wall))}>${this.wall ? msg('Leave full screen') : msg('Full screen')}</button>
          ${locked || this.wall
            ? nothing
            : html`<button aria-pressed=${this.editing ? 'true' : 'false'} @click=${() => (this.editing = !this.editing)}>${msg('Edit layout')}</button>
                <button @click=${() => void this.share(view)}>${msg(str`Share ${view.name}`)}</button>`}
        </span>
      </header>
      ${this.sharing
        ? html`<div class="share" role="group" aria-label=${msg(str`Share ${view.name}`)}>
            <label>${msg(str`Link to ${view.name} (no secrets in it)`)} <input readonly .value=${this.sharing.link} @focus=${(e: FocusEvent) => (e.target as HTMLInputElement).select()} /></label>
            ${this.sharing.qr ? html`<img src=${this.sharing.qr} alt=${msg(str`QR code of the link to ${view.name}`)} />` : html`<span class="muted">${msg('Making the QR code…')}</span>`}
            <button @click=${() => (this.sharing = null)}>${msg('Close')}</button>
          </div>`
        : nothing}
      ${this.editing && !locked
        ? html`<form
            @submit=${(e: SubmitEvent) => {
              e.preventDefault();
              if (!this.heading.trim()) return;
              this.act({ kind: 'add-heading', viewId: view.id, text: this.heading });
              this.heading = '';
            }}
          >
            <label>${msg('New heading')} <input maxlength="80" .value=${this.heading} @input=${(e: InputEvent) => (this.heading = (e.target as HTMLInputElement).value)} /></label>
            <button type="submit">${msg('Add heading')}</button>
            <label
              >${msg('Rename view')}
              <input
                maxlength="80"
                .value=${view.name}
                @change=${(e: Event) => this.act({ kind: 'rename-view', viewId: view.id, name: (e.target as HTMLInputElement).value })}
            /></label>
            <button
              type="button"
              @click=${() => {
                if (confirm(msg(str`Delete the view "${view.name}" and its scenes? The devices are not changed.`))) {
                  this.act({ kind: 'delete-view', viewId: view.id });
                  this.dispatchEvent(new SelectViewEvent(null));
                }
              }}
            >
              ${msg('Delete view')}
            </button>
          </form>`
        : nothing}
      ${view.items.length === 0 ? html`<p class="muted">${msg('Empty: use "Add to view" on any control of any device to pin it here.')}</p>` : nothing}
      <ol class=${compact ? '' : 'cards'} aria-label=${msg(str`${view.name} controls`)}>
        ${view.items.map((it, i) => this.renderItem(view, it, i, locked))}
      </ol>
      ${this.wall ? nothing : html`<hf-scenes .view=${view} ?locked=${locked}></hf-scenes>`}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-view-panel': HfViewPanel;
  }
}
