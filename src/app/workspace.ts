/**
 * Views and scenes, on the page: what the elements show and the operations
 * on them. Stored in IndexedDB (every tab follows), working offline.
 */
import { msg } from '@lit/localize';
import { fromBase64Url } from '../model/profile.js';
import { checkView, MAX_VIEW_ITEMS, moveItem, placeItem, type Density, type Scene, type SceneValue, type View, type ViewItem } from '../model/workspace.js';
import type { WorkspaceStore } from '../store/workspace.js';
import { Store } from './store.js';

export interface WorkspaceState {
  readonly views: readonly View[];
  readonly scenes: readonly Scene[];
  /** Loaded from storage at least once (so "no views" means none). */
  readonly loaded: boolean;
}

const newId = (): string => crypto.randomUUID();

export class WorkspaceService {
  readonly state = new Store<WorkspaceState>({ views: [], scenes: [], loaded: false });
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly store: WorkspaceStore) {}

  start(): void {
    this.unsubscribe ??= this.store.subscribe((w) => this.state.patch({ views: w.views, scenes: w.scenes, loaded: true }));
  }

  view(id: string): View | undefined {
    return this.state.get().views.find((v) => v.id === id);
  }

  async createView(name: string): Promise<View> {
    const view: View = { id: newId(), name: name.trim().slice(0, 80) || msg('New view'), items: [], density: 'compact', updatedAt: Date.now() };
    await this.store.putView(view);
    return view;
  }

  private async change(id: string, fn: (v: View) => View): Promise<View | null> {
    const v = this.view(id) ?? (await this.store.views()).find((x) => x.id === id);
    if (!v) return null;
    const next = { ...fn(v), updatedAt: Date.now() };
    await this.store.putView(next);
    return next;
  }

  /** Pin a control to a view (once: pinning it again changes nothing). */
  addControl(viewId: string, deviceId: string, propertyId: string): Promise<View | null> {
    return this.change(viewId, (v) =>
      v.items.some((it) => it.kind === 'control' && it.deviceId === deviceId && it.propertyId === propertyId) || v.items.length >= MAX_VIEW_ITEMS
        ? v
        : { ...v, items: [...v.items, { kind: 'control', id: newId(), deviceId, propertyId }] },
    );
  }

  addHeading(viewId: string, text: string): Promise<View | null> {
    const heading: ViewItem = { kind: 'heading', id: newId(), text: text.trim().slice(0, 80) || msg('Heading') };
    return this.change(viewId, (v) => ({ ...v, items: [...v.items, heading] }));
  }

  removeItem(viewId: string, itemId: string): Promise<View | null> {
    return this.change(viewId, (v) => ({ ...v, items: v.items.filter((it) => it.id !== itemId) }));
  }

  move(viewId: string, itemId: string, by: -1 | 1): Promise<View | null> {
    return this.change(viewId, (v) => ({ ...v, items: moveItem(v.items, itemId, by) }));
  }

  place(viewId: string, itemId: string, index: number): Promise<View | null> {
    return this.change(viewId, (v) => ({ ...v, items: placeItem(v.items, itemId, index) }));
  }

  rename(viewId: string, name: string): Promise<View | null> {
    return this.change(viewId, (v) => ({ ...v, name: name.trim().slice(0, 80) || v.name }));
  }

  setDensity(viewId: string, density: Density): Promise<View | null> {
    return this.change(viewId, (v) => ({ ...v, density }));
  }

  deleteView(id: string): Promise<void> {
    return this.store.deleteView(id);
  }

  /** A view from a provisioning link: checked, then stored (replacing one with the same id). */
  async importView(json: string): Promise<{ ok: true; view: View } | { ok: false; error: string }> {
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch {
      return { ok: false, error: msg('The view link is damaged; ask for a new one') };
    }
    const checked = checkView(raw);
    if (!checked.ok) return { ok: false, error: checked.errors.map((e) => `${e.path} ${e.message}`).join('; ') };
    const view = { ...checked.value, updatedAt: Date.now() };
    await this.store.putView(view);
    return { ok: true, view };
  }

  /** A view from a `?view=` link (base64url JSON): a link that cannot be read or stored says it is damaged. */
  async importViewLink(encoded: string): Promise<{ ok: true; view: View } | { ok: false; error: string }> {
    try {
      return await this.importView(fromBase64Url(encoded));
    } catch {
      return { ok: false, error: msg('The view link is damaged; ask for a new one') };
    }
  }

  async saveScene(viewId: string, name: string, values: readonly SceneValue[]): Promise<Scene> {
    const scene: Scene = { id: newId(), name: name.trim().slice(0, 80) || msg('Scene'), viewId, values: [...values], createdAt: Date.now() };
    await this.store.putScene(scene);
    return scene;
  }

  deleteScene(id: string): Promise<void> {
    return this.store.deleteScene(id);
  }

  dispose(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.state.dispose();
  }
}
