/**
 * One tab per origin leads: it holds a Web Lock and runs the engine host (in
 * a dedicated Worker in the browser). Every other tab follows: its client
 * talks to the leader's host over the tabs' BroadcastChannel. When the
 * leader tab closes, its worker dies with it, the next tab's queued lock
 * request is granted at once, and its own host reconciles (never resends).
 *
 * Besides the host protocol, tabs tell each other when settings they all
 * show changed (profiles, conventions, operator name), on a channel of
 * their own with the typed messages below.
 */
import type { ClientTransport } from '../host/ports.js';
import { broadcastTransport } from '../host/ports.js';
import type { HostClient } from '../client/host-client.js';
import { HOST_CHANNEL, LEADER_LOCK, TABS_CHANNEL } from './names.js';
import { Store } from './store.js';

/** 'hosted': the host is a fixed one outside every page (the extension's service worker); no tab leads. */
export type Role = 'starting' | 'leader' | 'follower' | 'hosted';


export type TabMessage =
  | { readonly type: 'profiles-changed' }
  | { readonly type: 'conventions-changed' }
  | { readonly type: 'settings-changed' };

export interface LaunchedHost {
  readonly transport: ClientTransport;
  stop(): Promise<void>;
}

/** Starts an engine host for the leader tab (a Worker in the browser, in-process in Node). */
export interface HostLauncher {
  launch(): Promise<LaunchedHost>;
}

/**
 * A host that is always there, outside every page: the extension's service
 * worker. Pages do not elect a leader (no Web Lock): each one follows it
 * over a channel of its own, which reconnects by itself when the host
 * restarts.
 */
export interface FixedHost {
  connect(): ClientTransport;
}

export type CoordinatorOptions = {
  readonly client: HostClient;
  /** Defaults to navigator.locks; absent (very old browsers): this tab leads alone. */
  readonly locks?: LockManager | null;
  readonly onTabMessage?: (m: TabMessage) => void;
} & HostSource;

/** Where a page's host comes from: elected among the tabs (one of them launches it), or fixed. */
export type HostSource = { readonly launcher: HostLauncher; readonly fixedHost?: undefined } | { readonly fixedHost: FixedHost; readonly launcher?: undefined };

export class TabCoordinator {
  readonly role = new Store<{ readonly role: Role }>({ role: 'starting' });
  private host: LaunchedHost | null = null;
  private release: (() => void) | null = null;
  private readonly tabs: BroadcastChannel | null;
  private disposed = false;

  constructor(private readonly options: CoordinatorOptions) {
    this.tabs = typeof BroadcastChannel === 'function' ? new BroadcastChannel(TABS_CHANNEL) : null;
    if (this.tabs && options.onTabMessage) {
      const fn = options.onTabMessage;
      this.tabs.addEventListener('message', (e: MessageEvent<TabMessage>) => fn(e.data));
    }
  }

  start(): void {
    const fixed = this.options.fixedHost;
    if (fixed) {
      this.role.patch({ role: 'hosted' });
      this.options.client.attach(fixed.connect());
      return;
    }
    const locks = this.options.locks === undefined ? (typeof navigator !== 'undefined' ? navigator.locks : undefined) : this.options.locks;
    if (!locks) {
      void this.lead();
      return;
    }
    this.follow();
    // Queued request: granted at once if no tab leads, or as soon as the leader tab closes.
    void locks
      .request(LEADER_LOCK, async () => {
        if (this.disposed) return;
        await this.lead();
        // Disposed while becoming leader: release the lock now, or no other tab could ever lead.
        if (this.disposed) return;
        await new Promise<void>((resolve) => (this.release = resolve));
      })
      .catch(() => undefined);
  }

  private follow(): void {
    this.role.patch({ role: 'follower' });
    this.options.client.attach(broadcastTransport(HOST_CHANNEL, this.options.client.clientId));
  }

  private async lead(): Promise<void> {
    const launcher = this.options.launcher;
    if (!launcher) return;
    const host = await launcher.launch();
    if (this.disposed) {
      await host.stop();
      return;
    }
    this.host = host;
    this.options.client.attach(host.transport);
    this.role.patch({ role: 'leader' });
  }

  /** Tell the other tabs that shared settings changed. */
  tell(m: TabMessage): void {
    this.tabs?.postMessage(m);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.options.client.detach();
    const host = this.host;
    this.host = null;
    if (host) await host.stop();
    this.release?.();
    this.release = null;
    this.tabs?.close();
    this.role.dispose();
  }
}
