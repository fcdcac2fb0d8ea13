import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { WorkspaceState } from '../app/workspace.js';
import { formatNumber } from '../i18n/format.js';
import { sceneable, type Scene, type SceneValue, type View } from '../model/workspace.js';
import { formatValue } from '../model/values.js';
import { SliceController } from './controllers/slice-controller.js';
import { panelStyles } from './panel-styles.js';
import { sharedStyles } from './shared-styles.js';
import { WorkspaceEvent } from './workspace-events.js';
import './hf-scene-recall.js';

/**
 * A view's scenes: save the current values of its settable controls (or a
 * chosen subset) under a name, and recall one (a preview first, then the
 * changes go through the outbox like any edit). Momentary commands are never
 * part of a scene.
 */
@localized()
@customElement('hf-scenes')
export class HfScenes extends LitElement {
  static override styles = [
    sharedStyles,
    panelStyles,
    css`
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.5rem;
      }
      li {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
        align-items: center;
      }
      fieldset {
        border: 1px solid var(--hf-border);
        border-radius: 8px;
        display: grid;
        gap: 0.25rem;
      }
    `,
  ];

  @property({ attribute: false }) view!: View;
  @property({ type: Boolean }) locked = false;
  @state() private saving = false;
  @state() private excluded = new Set<string>();
  @state() private recalling: Scene | null = null;
  @state() private sceneName = '';
  private readonly workspace = new SliceController<WorkspaceState>(this, (c) => (fn) => c.workspace.state.subscribe(fn));

  /** The view's controls a scene can hold, with what each shows now. */
  private candidates(): { key: string; label: string; value: SceneValue | null }[] {
    const c = this.workspace.console;
    if (!c) return [];
    return this.view.items.flatMap((it) => {
      if (it.kind !== 'control') return [];
      const schema = c.client.device(it.deviceId)?.schema;
      const p = schema?.properties.find((x) => x.id === it.propertyId);
      if (!sceneable(p)) return [];
      const v = c.client.value(it.deviceId, it.propertyId);
      const label = `${schema?.name ?? it.deviceId}: ${p!.name}`;
      return [{ key: it.id, label: `${label} = ${v ? formatValue(p!, v.value) : msg('unknown')}`, value: v ? { deviceId: it.deviceId, propertyId: it.propertyId, value: v.value } : null }];
    });
  }

  private save(e: SubmitEvent): void {
    e.preventDefault();
    const values = this.candidates()
      .filter((x) => !this.excluded.has(x.key) && x.value !== null)
      .map((x) => x.value!);
    if (values.length === 0 || !this.sceneName.trim()) return;
    this.dispatchEvent(new WorkspaceEvent({ kind: 'save-scene', viewId: this.view.id, name: this.sceneName, values }));
    this.saving = false;
    this.sceneName = '';
    this.excluded = new Set();
  }

  override render() {
    const scenes = (this.workspace.value?.scenes ?? []).filter((s) => s.viewId === this.view.id);
    const candidates = this.saving ? this.candidates() : [];
    return html`<section aria-labelledby="scenes-title">
      <h3 id="scenes-title">${msg('Scenes')}</h3>
      ${scenes.length === 0 ? html`<p class="muted">${msg('No scenes for this view yet.')}</p>` : nothing}
      <ul>
        ${scenes.map(
          (s) => html`<li>
            <span>${s.name} <span class="muted">${s.values.length === 1 ? msg('(1 setting)') : msg(str`(${formatNumber(s.values.length)} settings)`)}</span></span>
            <button ?disabled=${this.locked} @click=${() => (this.recalling = s)}>${msg(str`Recall ${s.name}…`)}</button>
            <button ?disabled=${this.locked} aria-label=${msg(str`Delete scene ${s.name}`)} @click=${() => this.dispatchEvent(new WorkspaceEvent({ kind: 'delete-scene', sceneId: s.id }))}>${msg('Delete')}</button>
          </li>`,
        )}
      </ul>
      ${this.recalling ? html`<hf-scene-recall .scene=${this.recalling} @hf-scene-recall-close=${() => (this.recalling = null)}></hf-scene-recall>` : nothing}
      ${this.locked
        ? nothing
        : this.saving
          ? html`<form @submit=${this.save}>
              <label>${msg('Scene name')} <input required maxlength="80" .value=${this.sceneName} @input=${(e: InputEvent) => (this.sceneName = (e.target as HTMLInputElement).value)} /></label>
              <fieldset>
                <legend>${msg('Settings to save (momentary commands are never part of a scene)')}</legend>
                ${candidates.length === 0 ? html`<p class="muted">${msg('This view has no settings that can be saved.')}</p>` : nothing}
                ${candidates.map(
                  (x) => html`<label
                    ><input
                      type="checkbox"
                      ?disabled=${x.value === null}
                      .checked=${!this.excluded.has(x.key) && x.value !== null}
                      @change=${(e: Event) => {
                        const next = new Set(this.excluded);
                        if ((e.target as HTMLInputElement).checked) next.delete(x.key);
                        else next.add(x.key);
                        this.excluded = next;
                      }}
                    />
                    ${x.value === null ? msg(str`${x.label} (no value yet: not saved)`) : x.label}</label
                  >`,
                )}
              </fieldset>
              <div class="actions">
                <button class="primary" type="submit">${msg('Save scene')}</button>
                <button type="button" @click=${() => (this.saving = false)}>${msg('Cancel')}</button>
              </div>
            </form>`
          : html`<button @click=${() => (this.saving = true)}>${msg('Save current values as a scene…')}</button>`}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-scenes': HfScenes;
  }
}
