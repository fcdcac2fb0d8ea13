// Embedded MQTT broker for `npm start`, tests and benchmarks: aedes behind a
// WebSocket listener (what the browser uses) and an optional plain TCP
// listener (what the simulated devices and command-line tools use).
//
// It also records every PUBLISH the broker routes, so tests can assert at the
// protocol level that a stale value was never sent.

import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';

export interface RecordedPublish {
  /** Date.now() when the broker routed it. */
  at: number;
  /** Publishing client's id; null for broker-internal publishes. */
  clientId: string | null;
  topic: string;
  payload: string;
  retain: boolean;
  qos: number;
  /** MQTT 5 user properties as routed; only the Mosquitto spy can see them (aedes is 3.1.1). */
  userProperties?: Record<string, string | string[]>;
}

export interface EmbeddedBroker {
  wsUrl: string;
  tcpUrl?: string;
  aedes: Aedes;
  /** Every non-$SYS publish since start, oldest first. Tests may clear it (publishes.length = 0). */
  publishes: RecordedPublish[];
  /** Call fn for each recorded publish; returns an unsubscribe function. */
  onPublish(fn: (p: RecordedPublish) => void): () => void;
  close(): Promise<void>;
}

export interface StartBrokerOptions {
  host?: string;
  wsPort: number;
  tcpPort?: number;
  /** How the user picks another WebSocket port, quoted in the busy-port error. */
  wsPortHint?: string;
  /** How the user picks another TCP port, quoted in the busy-port error. */
  tcpPortHint?: string;
}

/** `ws://host:port` with IPv6 literals bracketed. */
export function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * Listen, turning the usual failures into one line a person can act on
 * (the callers print it without a stack trace).
 * `what` names the listener, e.g. "broker WebSocket"; `hint` tells how to
 * choose another port, e.g. "--broker-port <n> or HOLDFAST_BROKER_PORT".
 */
export function listenOrExplain(
  server: HttpServer | NetServer,
  port: number,
  host: string,
  what: string,
  hint?: string,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      const choose = hint ? `; choose another with ${hint}` : '';
      if (err.code === 'EADDRINUSE') {
        reject(new Error(`port ${port} is already in use (${what})${choose}`));
      } else if (err.code === 'EACCES') {
        reject(new Error(`not allowed to listen on port ${port} (${what})${choose}`));
      } else if (err.code === 'EADDRNOTAVAIL') {
        reject(new Error(`cannot listen on ${host}: no such local address (${what}); choose another with --host`));
      } else {
        reject(new Error(`cannot listen on ${host}:${port} (${what}): ${err.message}`));
      }
    };
    const onListening = (): void => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Close a listener and destroy its open sockets so the port is free at once. */
export function closeServer(server: HttpServer | NetServer, sockets: Set<Socket>): Promise<void> {
  return new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => { resolve(); });
  });
}

/** Keep a set of a server's live sockets; upgraded WebSocket sockets are not tracked by node:http itself. */
export function trackSockets(server: HttpServer | NetServer): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  return sockets;
}

export async function startBroker(opts: StartBrokerOptions): Promise<EmbeddedBroker> {
  const host = opts.host ?? '127.0.0.1';
  const aedes = await Aedes.createBroker();

  const publishes: RecordedPublish[] = [];
  const listeners = new Set<(p: RecordedPublish) => void>();
  aedes.on('publish', (packet, client) => {
    // aedes' own heartbeat and client-event messages are noise for tests.
    if (packet.topic.startsWith('$SYS')) return;
    const rec: RecordedPublish = {
      at: Date.now(),
      clientId: client ? client.id : null,
      topic: packet.topic,
      payload: typeof packet.payload === 'string' ? packet.payload : Buffer.from(packet.payload).toString('utf8'),
      retain: packet.retain,
      qos: packet.qos,
    };
    publishes.push(rec);
    for (const fn of listeners) {
      try {
        fn(rec);
      } catch {
        // A faulty spy must not break the broker's delivery path.
      }
    }
  });

  const httpServer = createHttpServer((_req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('This is an MQTT-over-WebSocket endpoint.\n');
  });
  const httpSockets = trackSockets(httpServer);
  const wss = new WebSocketServer({
    server: httpServer,
    // Browsers send "mqtt" (MQTT 3.1.1/5) or the legacy "mqttv3.1"; a client
    // that asked for a subprotocol and got none back would abort.
    handleProtocols: (protocols) => {
      if (protocols.has('mqtt')) return 'mqtt';
      if (protocols.has('mqttv3.1')) return 'mqttv3.1';
      return false;
    },
  });
  wss.on('connection', (socket, req) => {
    const stream = createWebSocketStream(socket);
    // Errors surface through aedes' client handling; without a listener they'd crash the process.
    stream.on('error', () => {});
    aedes.handle(stream, req);
  });
  // Errors are reported through the listen promise; afterwards ignore them.
  wss.on('error', () => {});

  let tcpServer: NetServer | undefined;
  let tcpSockets: Set<Socket> | undefined;

  const closeAll = async (): Promise<void> => {
    // Ending clients first lets aedes finish their bookkeeping; destroying the
    // raw sockets afterwards guarantees no half-closed WebSocket keeps the port.
    await new Promise<void>((resolve) => {
      if (aedes.closed) resolve();
      else aedes.close(() => { resolve(); });
    });
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => { wss.close(() => { resolve(); }); });
    await Promise.all([
      closeServer(httpServer, httpSockets),
      tcpServer && tcpSockets ? closeServer(tcpServer, tcpSockets) : Promise.resolve(),
    ]);
  };

  let wsPort: number;
  let tcpPort: number | undefined;
  try {
    wsPort = await listenOrExplain(
      httpServer,
      opts.wsPort,
      host,
      'broker WebSocket',
      opts.wsPortHint ?? '--broker-port <n> or HOLDFAST_BROKER_PORT',
    );
    if (opts.tcpPort !== undefined) {
      tcpServer = createNetServer((socket) => {
        socket.on('error', () => {});
        aedes.handle(socket);
      });
      tcpSockets = trackSockets(tcpServer);
      tcpPort = await listenOrExplain(
        tcpServer,
        opts.tcpPort,
        host,
        'broker MQTT/TCP',
        opts.tcpPortHint ?? '--broker-tcp-port <n> or HOLDFAST_BROKER_TCP_PORT',
      );
    }
  } catch (err) {
    await closeAll();
    throw err;
  }

  const urlHost = hostForUrl(connectHost(host));
  let closing: Promise<void> | undefined;
  return {
    wsUrl: `ws://${urlHost}:${wsPort}`,
    ...(tcpPort !== undefined ? { tcpUrl: `mqtt://${urlHost}:${tcpPort}` } : {}),
    aedes,
    publishes,
    onPublish(fn) {
      listeners.add(fn);
      return () => {
        listeners.delete(fn);
      };
    },
    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}

/** A wildcard bind address is not something a client can connect to; use loopback for URLs. */
export function connectHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host;
}
