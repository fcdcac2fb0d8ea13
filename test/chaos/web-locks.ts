/**
 * A minimal in-process Web Locks API (navigator.locks) for running several
 * Console "tabs" in one Node process: exclusive locks only, requests granted in
 * FIFO order, a lock released when its callback's promise settles. Node 20
 * has no navigator (and no navigator.locks), so without this every Console would
 * lead alone.
 *
 * Like a browser, it knows which document ("tab") asked: requests made inside
 * `lockOwner.run(tabId, …)` belong to that tab, and `releaseOwner(tabId)`
 * (the tab closed or reloaded) releases its locks and drops its queued
 * requests at once, whatever its callbacks are still doing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

type LockCallback = (lock: { name: string; mode: 'exclusive' } | null) => unknown;

interface Grant {
  readonly owner: string | null;
  /** The owner went away while holding it; true until the callback settles, if ever. */
  orphaned: boolean;
}

interface Waiter {
  readonly owner: string | null;
  readonly grant: () => void;
}

export const lockOwner = new AsyncLocalStorage<string>();

export class InProcessLocks {
  private readonly held = new Map<string, Grant>();
  private readonly queues = new Map<string, Waiter[]>();
  /** Locks whose holder closed while the callback was still running, and whose callback has not settled since. */
  private orphans = 0;

  request(name: string, optionsOrCallback: LockCallback | { mode?: string; ifAvailable?: boolean }, maybeCallback?: LockCallback): Promise<unknown> {
    const callback = typeof optionsOrCallback === 'function' ? optionsOrCallback : maybeCallback;
    const options = typeof optionsOrCallback === 'function' ? {} : optionsOrCallback;
    if (!callback) return Promise.reject(new TypeError('navigator.locks.request needs a callback'));
    if (options.mode !== undefined && options.mode !== 'exclusive') return Promise.reject(new Error('only exclusive locks are polyfilled'));
    const owner = lockOwner.getStore() ?? null;
    return new Promise<unknown>((resolve, reject) => {
      const grant = (): void => {
        const g: Grant = { owner, orphaned: false };
        this.held.set(name, g);
        let result: Promise<unknown>;
        try {
          result = Promise.resolve(callback({ name, mode: 'exclusive' }));
        } catch (err) {
          result = Promise.reject(err);
        }
        result
          .finally(() => {
            if (g.orphaned) {
              g.orphaned = false;
              this.orphans--;
            }
            if (this.held.get(name) === g) this.release(name);
          })
          .then(resolve, reject);
      };
      if (!this.held.has(name)) grant();
      else if (options.ifAvailable) Promise.resolve(callback(null)).then(resolve, reject);
      else {
        const queue = this.queues.get(name) ?? [];
        queue.push({ owner, grant });
        this.queues.set(name, queue);
      }
    });
  }

  query(): Promise<{ held: { name: string }[]; pending: { name: string }[] }> {
    return Promise.resolve({
      held: [...this.held.keys()].map((name) => ({ name })),
      pending: [...this.queues].flatMap(([name, q]) => q.map(() => ({ name }))),
    });
  }

  /** The tab `owner` is gone: its locks are released and its waiting requests dropped, as a browser does. */
  releaseOwner(owner: string): void {
    for (const [name, queue] of this.queues) {
      this.queues.set(
        name,
        queue.filter((w) => w.owner !== owner),
      );
    }
    for (const [name, g] of [...this.held]) {
      if (g.owner !== owner) continue;
      g.orphaned = true;
      this.orphans++;
      this.release(name);
    }
  }

  /** Names of the locks held now. */
  heldNames(): string[] {
    return [...this.held.keys()];
  }

  /** Forget every lock and request (between rounds, after a leak was reported). */
  reset(): void {
    for (const g of this.held.values()) if (g.orphaned) this.orphans--;
    this.held.clear();
    this.queues.clear();
  }

  /** Locks taken by tabs that closed and whose callbacks never finished (the page's own cleanup did not release them). */
  orphaned(): number {
    return this.orphans;
  }

  private release(name: string): void {
    this.held.delete(name);
    const next = this.queues.get(name)?.shift();
    if (next) next.grant();
  }
}

export const locks = new InProcessLocks();

/** Install before any Console is constructed (and before Dexie looks at navigator). */
export function installWebLocks(): void {
  const existing = (globalThis as { navigator?: object }).navigator;
  if (existing && 'locks' in existing) return;
  Object.defineProperty(globalThis, 'navigator', {
    value: { ...(existing ?? {}), locks, userAgent: 'node (holdfast chaos)', onLine: true },
    configurable: true,
    writable: true,
  });
}
