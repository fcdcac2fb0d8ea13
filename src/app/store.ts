/**
 * A small observable value: the console's own state (settings the UI shows,
 * the tab's role, the last edit error). subscribe returns its unsubscribe;
 * a patch notifies only when something changed.
 */
export class Store<T extends object> {
  private value: T;
  private readonly listeners = new Set<(v: T) => void>();

  constructor(initial: T) {
    this.value = initial;
  }

  get(): T {
    return this.value;
  }

  subscribe(fn: (v: T) => void): () => void {
    this.listeners.add(fn);
    fn(this.value);
    return () => this.listeners.delete(fn);
  }

  patch(p: Partial<T>): void {
    const keys = Object.keys(p) as (keyof T)[];
    if (keys.every((k) => Object.is(this.value[k], p[k]))) return;
    this.value = { ...this.value, ...p };
    for (const l of this.listeners) l(this.value);
  }

  dispose(): void {
    this.listeners.clear();
  }
}
