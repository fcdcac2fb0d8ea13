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
