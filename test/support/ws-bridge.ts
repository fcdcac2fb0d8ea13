// MQTT-over-WebSocket in front of a broker that only speaks TCP. Debian's
// Mosquitto 2.0 is built without WebSocket support, and websockify refuses the
// `mqtt` subprotocol (see TESTING-NOTES.md), so the browser and the console's
// mqtt.js talk to this bridge, which pipes each WebSocket's binary frames to
// its own TCP connection to the broker and back.

import { createServer as createHttpServer } from 'node:http';
import { createConnection, type Socket } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { closeServer, listenOrExplain, trackSockets } from '../../sim/broker.js';

export interface WsBridgeOptions {
  targetHost: string;
  targetPort: number;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
}

export interface WsBridge {
  /** ws://host:port */
  url: string;
  port: number;
  /** WebSocket/TCP pairs currently open. */
  connectionCount(): number;
  /** Drop every current pair, both sides; the bridge keeps accepting. */
  drop(): void;
  close(): Promise<void>;
}

interface Pair {
  ws: WebSocket;
  tcp: Socket;
}

export async function startWsBridge(opts: WsBridgeOptions): Promise<WsBridge> {
  const host = opts.host ?? '127.0.0.1';
  const pairs = new Set<Pair>();

  const httpServer = createHttpServer((_req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('This is an MQTT-over-WebSocket endpoint.\n');
  });
  const httpSockets = trackSockets(httpServer);
  const wss = new WebSocketServer({
    server: httpServer,
    // mqtt.js and browsers ask for "mqtt" (3.1.1/5) or the legacy "mqttv3.1";
    // a client that asked for a subprotocol and got none back aborts.
    handleProtocols: (protocols) => {
      if (protocols.has('mqtt')) return 'mqtt';
      if (protocols.has('mqttv3.1')) return 'mqttv3.1';
      return false;
    },
  });
  wss.on('error', () => {});

  wss.on('connection', (ws) => {
    const tcp = createConnection({ host: opts.targetHost, port: opts.targetPort });
    tcp.setNoDelay(true);
    const pair: Pair = { ws, tcp };
    pairs.add(pair);
    let closed = false;
    // Either side going away ends both: the broker must see the client vanish
    // (and publish its will), and the client must see the broker vanish.
    const closeBoth = (): void => {
      if (closed) return;
      closed = true;
      pairs.delete(pair);
      tcp.destroy();
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.terminate();
    };

    ws.on('message', (data: RawData) => {
      // Frames arrive before the TCP connect completes; net.Socket buffers them.
      const chunk = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      if (!tcp.write(chunk)) {
        ws.pause();
        tcp.once('drain', () => { ws.resume(); });
      }
    });
    tcp.on('data', (chunk: Buffer) => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(chunk, { binary: true });
      // Crude backpressure: a slow browser must not balloon the bridge's memory.
      if (ws.bufferedAmount > 1 << 20) {
        tcp.pause();
        const resume = (): void => {
          if (closed || ws.bufferedAmount < 1 << 18) tcp.resume();
          else setTimeout(resume, 10);
        };
        setTimeout(resume, 10);
      }
    });
    ws.on('close', closeBoth);
    ws.on('error', closeBoth);
    tcp.on('close', closeBoth);
    // A refused or reset broker connection is an ordinary event here, not a crash.
    tcp.on('error', closeBoth);
  });

  const port = await listenOrExplain(httpServer, opts.port ?? 0, host, 'MQTT WebSocket bridge');
  const urlHost = host.includes(':') ? `[${host}]` : host;

  const drop = (): void => {
    for (const p of [...pairs]) {
      p.tcp.destroy();
      p.ws.terminate();
      pairs.delete(p);
    }
  };

  let closing: Promise<void> | undefined;
  return {
    url: `ws://${urlHost}:${port}`,
    port,
    connectionCount: () => pairs.size,
    drop,
    close() {
      closing ??= (async () => {
        drop();
        await new Promise<void>((resolve) => { wss.close(() => { resolve(); }); });
        await closeServer(httpServer, httpSockets);
      })();
      return closing;
    },
  };
}
