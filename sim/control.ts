// Hardware-side control of the simulated devices over HTTP: what a person at
// the device's front panel would do. Used by `npm run device -- …` and tests.
//
//   GET  /devices              → {"vp4":{"genlock/phase-h":22,…},…}
//   GET  /devices/<id>         → {"genlock/phase-h":22,…}
//   POST /devices/<id>/set     {"property":"genlock/phase-h","value":"-25"}
//                              → 200 {"ok":true,"value":-25} | 400 {"ok":false,"error":"…"}
//
// It binds to loopback only: it bypasses MQTT entirely, so it must not be
// reachable from the network. POSTs must be application/json, which a
// cross-site page cannot send without a CORS preflight this server never
// grants, and the Host header must be a loopback name (blocks DNS rebinding).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, connectHost, hostForUrl, listenOrExplain, trackSockets } from './broker.js';
import type { PanelResult, PropertyValue } from './vp4.js';

export interface PanelDevice {
  panelSet(propertyId: string, raw: string | number | boolean): PanelResult;
  snapshot(): Record<string, PropertyValue>;
}

export interface ControlServer {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => { resolve(Buffer.concat(chunks).toString('utf8')); });
    req.on('error', reject);
  });
}

function isLoopbackHost(hostHeader: string | undefined): boolean {
  if (!hostHeader) return false;
  const name = hostHeader.replace(/:\d+$/, '').replace(/^\[|\]$/g, '').toLowerCase();
  return name === 'localhost' || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name);
}

export async function startControlServer(opts: {
  host?: string;
  port: number;
  devices: Map<string, PanelDevice>;
  portHint?: string;
}): Promise<ControlServer> {
  const host = opts.host ?? '127.0.0.1';
  const { devices } = opts;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!isLoopbackHost(req.headers.host)) {
      send(res, 403, { ok: false, error: 'device control is only served to loopback host names' });
      return;
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    let parts: string[];
    try {
      parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      send(res, 400, { ok: false, error: 'malformed URL' });
      return;
    }
    if (parts[0] !== 'devices' || parts.length > 3) {
      send(res, 404, { ok: false, error: `no route ${path}; try GET /devices or POST /devices/<id>/set` });
      return;
    }
    if (parts.length === 1) {
      if (req.method !== 'GET') {
        send(res, 405, { ok: false, error: 'use GET /devices' });
        return;
      }
      send(res, 200, Object.fromEntries([...devices].map(([id, d]) => [id, d.snapshot()])));
      return;
    }
    const id = parts[1] ?? '';
    const device = devices.get(id);
    if (!device) {
      const known = [...devices.keys()].join(', ') || 'none';
      send(res, 404, { ok: false, error: `unknown device "${id}" (known: ${known})` });
      return;
    }
    if (parts.length === 2) {
      if (req.method !== 'GET') {
        send(res, 405, { ok: false, error: `use GET /devices/${id}` });
        return;
      }
      send(res, 200, device.snapshot());
      return;
    }
    if (parts[2] !== 'set') {
      send(res, 404, { ok: false, error: `no route ${path}; try POST /devices/${id}/set` });
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, { ok: false, error: `use POST /devices/${id}/set` });
      return;
    }
    if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
      send(res, 415, { ok: false, error: 'send the body as application/json' });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      send(res, 400, { ok: false, error: 'body must be JSON like {"property":"genlock/phase-h","value":"-25"}' });
      return;
    }
    const { property, value } = (body ?? {}) as { property?: unknown; value?: unknown };
    if (typeof property !== 'string' || !['string', 'number', 'boolean'].includes(typeof value)) {
      send(res, 400, { ok: false, error: 'body must be JSON like {"property":"genlock/phase-h","value":"-25"}' });
      return;
    }
    const result = device.panelSet(property, value as string | number | boolean);
    send(res, result.ok ? 200 : 400, result);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { ok: false, error: err instanceof Error ? err.message : String(err) });
      else res.destroy();
    });
  });
  const sockets = trackSockets(server);
  const port = await listenOrExplain(
    server,
    opts.port,
    host,
    'device control',
    opts.portHint ?? '--control-port <n> or HOLDFAST_CONTROL_PORT',
  );
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostForUrl(connectHost(host))}:${port}`,
    close() {
      closing ??= closeServer(server, sockets);
      return closing;
    },
  };
}
