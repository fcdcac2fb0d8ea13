// A TCP proxy that cuts the network for real. Playwright's setOffline() does
// not close an already-open WebSocket (see TESTING-NOTES.md), so tests point
// the browser at this proxy (ws:// is plain TCP underneath) and then drop,
// refuse or stall the traffic here.
//
// Modes:
//   pass    forward bytes both ways.
//   refuse  new connections are reset at once; existing ones are untouched.
//   stall   sockets stay open but nothing is forwarded either way, including
//           FIN/close; bytes sent meanwhile are discarded, like a black-holed
//           network. Going back to pass() resets connections that lost bytes
//           (their streams are no longer coherent; real TCP never silently
//           loses bytes mid-stream) and resumes the ones that lost nothing.
//   drop()  destroys every current connection, both sides (cable pulled).

import { createConnection, createServer, type Socket } from 'node:net';

export type FaultMode = 'pass' | 'refuse' | 'stall';

export interface FaultProxy {
  port: number;
  /** ws://127.0.0.1:<port><path> */
  url(path?: string): string;
  readonly mode: FaultMode;
  setMode(m: FaultMode): void;
  /** Destroy all current connections, both sides. */
  drop(): void;
  /** Stop accepting: new connections are immediately reset. */
  refuse(): void;
  /** Keep sockets open but stop forwarding bytes both ways (discarding them). */
  stall(): void;
  pass(): void;
  /** Connections the proxy currently holds (either side still open). */
  connectionCount(): number;
  /** Connections accepted since start (refused ones included): counts retry attempts. */
  totalConnections(): number;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  upstreamReady: boolean;
  /** Client bytes received before the upstream connection was established. */
  pending: Buffer[];
  /** Bytes were discarded while stalled, so this stream can't be resumed. */
  lostBytes: boolean;
  /** One side ended or closed while stalled; applied when passing again. */
  lostClose: boolean;
}

export async function startFaultProxy(opts: {
  targetHost: string;
  targetPort: number;
  listenPort?: number;
}): Promise<FaultProxy> {
  let mode: FaultMode = 'pass';
  const pairs = new Set<Pair>();

  const destroyPair = (p: Pair): void => {
    p.client.destroy();
    p.upstream.destroy();
    pairs.delete(p);
  };

  const forward = (p: Pair, from: Socket, to: Socket, chunk: Buffer): void => {
    // Once bytes were lost the stream is garbage; keep discarding until pass() resets it.
    if (mode === 'stall' || p.lostBytes) {
      p.lostBytes = true;
      return;
    }
    if (to === p.upstream && !p.upstreamReady) {
      p.pending.push(chunk);
      return;
    }
    // Respect backpressure so a slow side doesn't balloon memory.
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  };

  const onSideGone = (p: Pair, other: Socket): void => {
    if (mode === 'stall') {
      // A stalled network doesn't carry the FIN either.
      p.lostClose = true;
      return;
    }
    other.destroy();
    pairs.delete(p);
  };

  let accepted = 0;
  const server = createServer((client) => {
    accepted++;
    if (mode === 'refuse') {
      // RST rather than FIN: the closest thing to "connection refused" once accepted.
      client.resetAndDestroy();
      return;
    }
    client.setNoDelay(true);
    const upstream = createConnection({ host: opts.targetHost, port: opts.targetPort });
    upstream.setNoDelay(true);
    const p: Pair = { client, upstream, upstreamReady: false, pending: [], lostBytes: false, lostClose: false };
    pairs.add(p);

    upstream.on('connect', () => {
      p.upstreamReady = true;
      for (const chunk of p.pending) upstream.write(chunk);
      p.pending = [];
    });
    client.on('data', (chunk: Buffer) => { forward(p, client, upstream, chunk); });
    upstream.on('data', (chunk: Buffer) => { forward(p, upstream, client, chunk); });
    // Swallow socket errors: resets are the whole point of this tool.
    client.on('error', () => {});
    upstream.on('error', () => {});
    client.on('close', () => { onSideGone(p, upstream); });
    upstream.on('close', () => { onSideGone(p, client); });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listenPort ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.listenPort ?? 0);

  const proxy: FaultProxy = {
    port,
    url: (path = '') => `ws://127.0.0.1:${port}${path}`,
    get mode() {
      return mode;
    },
    setMode(m) {
      if (m === 'pass') proxy.pass();
      else if (m === 'stall') proxy.stall();
      else proxy.refuse();
    },
    drop() {
      for (const p of [...pairs]) destroyPair(p);
    },
    refuse() {
      mode = 'refuse';
    },
    stall() {
      mode = 'stall';
      // Keep reading so bytes are consumed and discarded rather than queued
      // in kernel buffers and delivered later.
      for (const p of pairs) {
        p.client.resume();
        p.upstream.resume();
      }
    },
    pass() {
      mode = 'pass';
      for (const p of [...pairs]) {
        if (p.lostBytes || p.lostClose) destroyPair(p);
      }
    },
    connectionCount: () => pairs.size,
    totalConnections: () => accepted,
    close() {
      proxy.drop();
      return new Promise<void>((resolve) => server.close(() => { resolve(); }));
    },
  };
  return proxy;
}
