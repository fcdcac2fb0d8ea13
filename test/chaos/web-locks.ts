/**
 * A minimal in-process Web Locks API (navigator.locks) for running several
 * Hub "tabs" in one Node process: exclusive locks only, requests granted in
 * FIFO order, a lock released when its callback's promise settles. Node 20
 * has no navigator (and no navigator.locks), so without this every Hub would
 * lead alone.
 */
type LockCallback = (lock: { name: string; mode: 'exclusive' }) => unknown;

export class InProcessLocks {
  private readonly held = new Set<string>();
  private readonly queues = new Map<string, Array<() => void>>();

  request(name: string, optionsOrCallback: LockCallback | { mode?: string; ifAvailable?: boolean }, maybeCallback?: LockCallback): Promise<unknown> {
    const callback = typeof optionsOrCallback === 'function' ? optionsOrCallback : maybeCallback;
    const options = typeof optionsOrCallback === 'function' ? {} : optionsOrCallback;
    if (!callback) return Promise.reject(new TypeError('navigator.locks.request needs a callback'));
    if (options.mode !== undefined && options.mode !== 'exclusive') return Promise.reject(new Error('only exclusive locks are polyfilled'));
    return new Promise<unknown>((resolve, reject) => {
      const grant = (): void => {
        this.held.add(name);
        let result: Promise<unknown>;
        try {
          result = Promise.resolve(callback({ name, mode: 'exclusive' }));
        } catch (err) {
          result = Promise.reject(err);
        }
        result
          .finally(() => this.release(name))
          .then(resolve, reject);
      };
      if (!this.held.has(name)) grant();
      else if (options.ifAvailable) {
        Promise.resolve(callback(null as never)).then(resolve, reject);
      } else {
        const queue = this.queues.get(name) ?? [];
        queue.push(grant);
        this.queues.set(name, queue);
      }
    });
  }

  query(): Promise<{ held: { name: string }[]; pending: { name: string }[] }> {
    return Promise.resolve({
      held: [...this.held].map((name) => ({ name })),
      pending: [...this.queues].flatMap(([name, q]) => q.map(() => ({ name }))),
    });
  }

  /** Requests waiting for `name`. */
  waiting(name: string): number {
    return this.queues.get(name)?.length ?? 0;
  }

  isHeld(name: string): boolean {
    return this.held.has(name);
  }

  private release(name: string): void {
    this.held.delete(name);
    const next = this.queues.get(name)?.shift();
    if (next) next();
  }
}

export const locks = new InProcessLocks();

/** Install before any Hub is constructed (and before Dexie looks at navigator). */
export function installWebLocks(): void {
  const existing = (globalThis as { navigator?: object }).navigator;
  if (existing && 'locks' in existing) return;
  Object.defineProperty(globalThis, 'navigator', {
    value: { ...(existing ?? {}), locks, userAgent: 'node (holdfast chaos)', onLine: true },
    configurable: true,
    writable: true,
  });
}
