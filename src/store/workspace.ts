/**
 * Views and scenes in IndexedDB: every tab sees changes at once (live
 * queries), and they work offline like everything else.
 */
import { liveQuery } from 'dexie';
import type { Scene, View } from '../model/workspace.js';
import type { HoldfastDb } from './db.js';

export class WorkspaceStore {
  constructor(private readonly db: HoldfastDb) {}

  /** Every view and scene, now and whenever any tab changes them. */
  subscribe(fn: (w: { views: readonly View[]; scenes: readonly Scene[] }) => void): () => void {
    const sub = liveQuery(async () => ({ views: await this.db.views.toArray(), scenes: await this.db.scenes.toArray() })).subscribe({
      next: (w) => fn({ views: [...w.views].sort((a, b) => a.name.localeCompare(b.name)), scenes: [...w.scenes].sort((a, b) => a.name.localeCompare(b.name)) }),
      error: (err: unknown) => console.warn('Holdfast: could not read the views', err),
    });
    return () => sub.unsubscribe();
  }

  views(): Promise<View[]> {
    return this.db.views.toArray();
  }

  scenes(): Promise<Scene[]> {
    return this.db.scenes.toArray();
  }

  async putView(view: View): Promise<void> {
    await this.db.views.put(view);
  }

  /** A view goes with its scenes. */
  async deleteView(id: string): Promise<void> {
    await this.db.transaction('rw', this.db.views, this.db.scenes, async () => {
      await this.db.views.delete(id);
      await this.db.scenes.where('viewId').equals(id).delete();
    });
  }

  async putScene(scene: Scene): Promise<void> {
    await this.db.scenes.put(scene);
  }

  async deleteScene(id: string): Promise<void> {
    await this.db.scenes.delete(id);
  }

  /** Replace everything (a configuration import the operator confirmed). */
  async replaceAll(views: readonly View[], scenes: readonly Scene[]): Promise<void> {
    await this.db.transaction('rw', this.db.views, this.db.scenes, async () => {
      await this.db.views.clear();
      await this.db.scenes.clear();
      await this.db.views.bulkPut([...views]);
      await this.db.scenes.bulkPut([...scenes]);
    });
  }
}
