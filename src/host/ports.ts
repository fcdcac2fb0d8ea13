/**
 * The channels between an engine host and its clients. One host can serve
 * several at once: its own page through a worker's message port, follower
 * tabs through a BroadcastChannel, extension pages through chrome.runtime
 * ports, tests through an in-process MessageChannel.
 */
import type { ClientToHost, Envelope, HostToClient } from './protocol.js';

/** The host's side of a channel that may carry many clients. */
export interface HostEndpoint {
  /** `reply` answers the client the message came from. */
  listen(fn: (msg: ClientToHost, reply: (m: HostToClient) => void) => void): () => void;
  /** To every client on this channel. */
  broadcast(msg: HostToClient): void;
  close(): void;
}

/** A client's side of its channel to a host. */
export interface ClientTransport {
  send(msg: ClientToHost): void;
  listen(fn: (msg: HostToClient) => void): () => void;
  close(): void;
}

/** Post, unless the channel was closed meanwhile (a tab or host going away): nothing can be delivered then. */
function post(target: { postMessage(m: unknown): void }, msg: unknown): void {
  try {
    target.postMessage(msg);
  } catch (err) {
    if (!(err instanceof Error && err.name === 'InvalidStateError')) throw err;
  }
}

/** Minimal shape shared by MessagePort, Worker and DedicatedWorkerGlobalScope. */
export interface PostTarget {
  postMessage(msg: unknown): void;
  addEventListener(type: 'message', fn: (e: MessageEvent) => void): void;
  removeEventListener(type: 'message', fn: (e: MessageEvent) => void): void;
}

/** A point-to-point port (worker ↔ page, MessageChannel) seen from the host: one or more clients behind it. */
export function portEndpoint(port: PostTarget, onClose?: () => void): HostEndpoint {
  return {
    listen(fn) {
      const onMessage = (e: MessageEvent): void => fn(e.data as ClientToHost, (m) => post(port, m));
      port.addEventListener('message', onMessage);
      (port as Partial<MessagePort>).start?.();
      return () => port.removeEventListener('message', onMessage);
    },
    broadcast: (msg) => post(port, msg),
    close: () => onClose?.(),
  };
}

export function portTransport(port: PostTarget, onClose?: () => void): ClientTransport {
  return {
    send: (msg) => post(port, msg),
    listen(fn) {
      const onMessage = (e: MessageEvent): void => fn(e.data as HostToClient);
      port.addEventListener('message', onMessage);
      (port as Partial<MessagePort>).start?.();
      return () => port.removeEventListener('message', onMessage);
    },
    close: () => onClose?.(),
  };
}

/** The tabs' shared channel, seen from the host (it answers each client by id). */
export function broadcastEndpoint(name: string): HostEndpoint {
  const channel = new BroadcastChannel(name);
  return {
    listen(fn) {
      const onMessage = (e: MessageEvent<Envelope>): void => {
        const env = e.data;
        if (env.to !== 'host') return;
        const clientId = env.msg.clientId;
        fn(env.msg, (m) => post(channel, { to: 'client', clientId, msg: m } satisfies Envelope));
      };
      channel.addEventListener('message', onMessage);
      return () => channel.removeEventListener('message', onMessage);
    },
    broadcast: (msg) => post(channel, { to: 'clients', msg } satisfies Envelope),
    close: () => channel.close(),
  };
}

/** The tabs' shared channel, seen from one follower tab's client. */
export function broadcastTransport(name: string, clientId: string): ClientTransport {
  const channel = new BroadcastChannel(name);
  return {
    send: (msg) => post(channel, { to: 'host', msg } satisfies Envelope),
    listen(fn) {
      const onMessage = (e: MessageEvent<Envelope>): void => {
        const env = e.data;
        if (env.to === 'clients' || (env.to === 'client' && env.clientId === clientId)) fn(env.msg);
      };
      channel.addEventListener('message', onMessage);
      return () => channel.removeEventListener('message', onMessage);
    },
    close: () => channel.close(),
  };
}

/** A host and a client in one process (Node tests, the fleet harness): a real MessageChannel, so data is cloned as in a browser. */
export function inProcessChannel(): { endpoint: HostEndpoint; transport: ClientTransport } {
  const { port1, port2 } = new MessageChannel();
  const close = (): void => {
    port1.close();
    port2.close();
  };
  return { endpoint: portEndpoint(port1, close), transport: portTransport(port2, close) };
}

// ---- chrome.runtime ports (the extension) ----

/** An event of the extension runtime (chrome.events.Event), as far as the channels use it. */
export interface RuntimeEvent<F> {
  addListener(fn: F): void;
  removeListener(fn: F): void;
}

/** The parts of a chrome.runtime.Port the channels use (typed here: the project has no chrome typings). */
export interface RuntimePort {
  readonly name: string;
  postMessage(msg: unknown): void;
  disconnect(): void;
  readonly onMessage: RuntimeEvent<(msg: unknown, port: RuntimePort) => void>;
  readonly onDisconnect: RuntimeEvent<(port: RuntimePort) => void>;
}

/** Post on a runtime port unless it was disconnected meanwhile (its page closed, or the worker is stopping). */
function postToPort(port: RuntimePort, msg: unknown): boolean {
  try {
    port.postMessage(msg);
    return true;
  } catch {
    return false;
  }
}

/**
 * The extension's pages, seen from the engine host in its service worker.
 * Each page connects a chrome.runtime port (chrome.runtime.onConnect hands
 * it to `add`): every port is one client, answered on its own port. A page
 * that closes (its port disconnects) says goodbye for its clients. The hub
 * outlives hosts: a service worker holds its pages' ports from the moment
 * they connect and may start and stop a host behind them; a port that
 * connects after a host announced itself is told so at once, as every
 * client on a channel is.
 */
export class RuntimePortHub {
  private readonly ports = new Map<RuntimePort, Set<string>>();
  private readonly listeners = new Set<(msg: ClientToHost, reply: (m: HostToClient) => void) => void>();
  private readonly changeListeners = new Set<(pages: number) => void>();
  private readonly taps = new Set<(msg: ClientToHost) => void>();
  /** The open endpoint's last host-ready, for ports that connect later. */
  private ready: HostToClient | null = null;

  /** Pages connected now. */
  get size(): number {
    return this.ports.size;
  }

  /** A page connected (chrome.runtime.onConnect). */
  add(port: RuntimePort): void {
    const clients = new Set<string>();
    this.ports.set(port, clients);
    const reply = (m: HostToClient): void => {
      if (!postToPort(port, m)) this.remove(port);
    };
    port.onMessage.addListener((raw) => {
      const msg = raw as ClientToHost;
      if (!msg || typeof msg !== 'object' || typeof msg.clientId !== 'string') return;
      if (msg.type === 'bye') clients.delete(msg.clientId);
      else clients.add(msg.clientId);
      for (const t of this.taps) t(msg);
      for (const fn of this.listeners) fn(msg, reply);
    });
    port.onDisconnect.addListener(() => this.remove(port));
    if (this.ready) reply(this.ready);
    for (const fn of this.changeListeners) fn(this.ports.size);
  }

  private remove(port: RuntimePort): void {
    const clients = this.ports.get(port);
    if (!clients) return;
    this.ports.delete(port);
    // The page went away without a word (closed, crashed, navigated): its clients are gone.
    for (const clientId of clients) for (const fn of this.listeners) fn({ type: 'bye', clientId }, () => undefined);
    for (const fn of this.changeListeners) fn(this.ports.size);
  }

  /** Pages came or went. */
  onChange(fn: (pages: number) => void): () => void {
    this.changeListeners.add(fn);
    return () => this.changeListeners.delete(fn);
  }

  /** Every message from a page, before the host sees it (the service worker watches for edits). */
  tap(fn: (msg: ClientToHost) => void): () => void {
    this.taps.add(fn);
    return () => this.taps.delete(fn);
  }

  /** The channel for one host; closing it leaves the pages connected for the next host. */
  endpoint(): HostEndpoint {
    const mine = new Set<(msg: ClientToHost, reply: (m: HostToClient) => void) => void>();
    return {
      listen: (fn) => {
        mine.add(fn);
        this.listeners.add(fn);
        return () => {
          mine.delete(fn);
          this.listeners.delete(fn);
        };
      },
      broadcast: (msg) => {
        if (msg.type === 'host-ready') this.ready = msg;
        for (const port of [...this.ports.keys()]) if (!postToPort(port, msg)) this.remove(port);
      },
      close: () => {
        for (const fn of mine) this.listeners.delete(fn);
        mine.clear();
        this.ready = null;
      },
    };
  }

  /** Disconnect every page (the hub's worker is going away); their transports reconnect to the next one. */
  disconnectAll(): void {
    for (const port of [...this.ports.keys()]) {
      try {
        port.disconnect();
      } catch {
        // already gone
      }
      this.remove(port);
    }
  }
}

export interface RuntimeTransportOptions {
  /** First delay before reconnecting after the port dropped; doubles up to `maxRetryMs`. */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
  /** Told each time the port (re)connects or drops, for the page's own status. */
  readonly onState?: (connected: boolean) => void;
}

/**
 * A page's channel to the extension's service worker. Chrome disconnects the
 * port when the worker stops (idle, updated, crashed, or stopped from
 * DevTools); connecting again starts it. So this transport reconnects by
 * itself and keeps what the page says meanwhile (except acks of diffs the
 * old host sent); the worker's hub then tells it a host is up, and the
 * client says hello to the new one.
 */
export function runtimePortTransport(connect: () => RuntimePort, options: RuntimeTransportOptions = {}): ClientTransport {
  const listeners = new Set<(msg: HostToClient) => void>();
  let port: RuntimePort | null = null;
  let closed = false;
  let queue: ClientToHost[] = [];
  let retryMs = options.retryMs ?? 100;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const deliver = (msg: HostToClient): void => {
    for (const fn of [...listeners]) fn(msg);
  };
  const open = (): void => {
    if (closed) return;
    let p: RuntimePort;
    try {
      p = connect();
    } catch {
      // The extension context is gone (the extension was reloaded or removed): nothing to reconnect to.
      return;
    }
    port = p;
    p.onMessage.addListener((m) => {
      retryMs = options.retryMs ?? 100;
      deliver(m as HostToClient);
    });
    p.onDisconnect.addListener(() => {
      if (port !== p) return;
      port = null;
      options.onState?.(false);
      if (closed) return;
      timer = setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, options.maxRetryMs ?? 2000);
    });
    options.onState?.(true);
    // The worker's hub tells a new port that its host is up (or will, once it starts), and the client
    // then says hello again: what the page said meanwhile follows, in order.
    const pending = queue;
    queue = [];
    for (const m of pending) if (!postToPort(p, m)) queue.push(m);
  };

  open();
  return {
    send(msg) {
      if (closed) return;
      if (port && postToPort(port, msg)) return;
      // Diff acks belong to the host that sent the diff; the next host starts afresh.
      if (msg.type !== 'ack') queue.push(msg);
    },
    listen(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    close() {
      closed = true;
      clearTimeout(timer);
      const p = port;
      port = null;
      queue = [];
      try {
        p?.disconnect();
      } catch {
        // already gone
      }
    },
  };
}
