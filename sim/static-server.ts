// Serves the built PWA (dist/) for `npm start`, tests and benchmarks.
// A tiny dedicated server rather than `vite preview` so that config.json,
// cache headers and the CSP are exactly what production should have.

import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { closeServer, hostForUrl, connectHost, listenOrExplain, trackSockets } from './broker.js';

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/**
 * connect-src names the brokers the console may reach, and nothing else: an
 * injected script could not send data anywhere. Each broker is listed with
 * its WebSocket origin and the matching http(s) origin, which the console
 * probes to tell "nothing listening" from "upgrade refused". Extra sources
 * (other brokers, or `ws://127.0.0.1:*` for tests) come from the
 * space-separated HOLDFAST_CSP_CONNECT.
 */
export function connectSources(brokers: readonly string[], extra = process.env.HOLDFAST_CSP_CONNECT ?? ''): string[] {
  const sources = new Set<string>(["'self'"]);
  for (const b of brokers) {
    try {
      const u = new URL(b);
      if (u.protocol !== 'ws:' && u.protocol !== 'wss:') continue;
      sources.add(`${u.protocol}//${u.host}`);
      sources.add(`${u.protocol === 'wss:' ? 'https:' : 'http:'}//${u.host}`);
    } catch {
      // Not a URL: nothing to allow.
    }
  }
  for (const s of extra.split(/\s+/)) if (s) sources.add(s);
  return [...sources];
}

export function securityHeaders(connect: readonly string[]): Record<string, string> {
  return {
    'Content-Security-Policy':
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
      `connect-src ${connect.join(' ')}; worker-src 'self' blob:; manifest-src 'self'; object-src 'none'; base-uri 'self'; ` +
      "frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
}

function cacheControlFor(urlPath: string): string {
  // Hashed file names never change content, so they can be cached for good.
  if (urlPath.startsWith('/assets/')) return 'public, max-age=31536000, immutable';
  // Everything else (index.html, sw.js, manifest, icons) must be revalidated
  // so a new deploy is picked up; ETag makes that cheap.
  return 'no-cache';
}

function sendText(res: ServerResponse, headers: Record<string, string>, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...extra,
  });
  res.end(text);
}

export async function startStaticServer(opts: {
  root: string;
  host?: string;
  port: number;
  config: Record<string, unknown>;
  portHint?: string;
}): Promise<StaticServer> {
  const host = opts.host ?? '127.0.0.1';
  // Resolve symlinks once so the containment check compares like with like.
  const root = await realpath(resolve(opts.root));
  const configBody = JSON.stringify(opts.config);
  const brokerUrl = typeof opts.config.brokerUrl === 'string' ? [opts.config.brokerUrl] : [];
  const SECURITY_HEADERS = securityHeaders(connectSources(brokerUrl));

  /** Map a URL path to a file inside root, or null if it escapes root or doesn't exist as a file. */
  const locate = async (urlPath: string): Promise<{ file: string; size: number; mtime: Date } | null> => {
    const candidate = resolve(join(root, urlPath));
    const rel = relative(root, candidate);
    if (rel.startsWith('..') || isAbsolute(rel)) return null;
    try {
      // realpath again: a symlink inside dist must not lead outside it.
      const real = await realpath(candidate);
      if (real !== root && !real.startsWith(root + sep)) return null;
      const st = await stat(real);
      return st.isFile() ? { file: real, size: st.size, mtime: st.mtime } : null;
    } catch {
      return null;
    }
  };

  const serveFile = (
    req: IncomingMessage,
    res: ServerResponse,
    found: { file: string; size: number; mtime: Date },
    cacheControl: string,
  ): void => {
    const etag = `W/"${found.size.toString(16)}-${Math.floor(found.mtime.getTime()).toString(16)}"`;
    const headers: Record<string, string | number> = {
      ...SECURITY_HEADERS,
      'Content-Type': MIME[extname(found.file).toLowerCase()] ?? 'application/octet-stream',
      'Cache-Control': cacheControl,
      ETag: etag,
      'Last-Modified': found.mtime.toUTCString(),
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    headers['Content-Length'] = found.size;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(found.file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, SECURITY_HEADERS, 405, 'Method Not Allowed\n', { Allow: 'GET, HEAD' });
      return;
    }
    let urlPath: string;
    try {
      urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      sendText(res, SECURITY_HEADERS, 400, 'Bad Request\n');
      return;
    }
    if (urlPath.includes('\0')) {
      sendText(res, SECURITY_HEADERS, 400, 'Bad Request\n');
      return;
    }

    if (urlPath === '/config.json') {
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(configBody),
        'Cache-Control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : configBody);
      return;
    }

    const isIndex = urlPath === '/' || urlPath === '/index.html';
    if (!isIndex) {
      const found = await locate(urlPath);
      if (found) {
        serveFile(req, res, found, urlPath === '/sw.js' ? 'no-cache' : cacheControlFor(urlPath));
        return;
      }
      // Only extensionless paths are app routes; a missing asset is a real 404.
      if (extname(urlPath) !== '') {
        sendText(res, SECURITY_HEADERS, 404, 'Not Found\n');
        return;
      }
    }
    const index = await locate('/index.html');
    if (!index) {
      sendText(res, SECURITY_HEADERS, 404, 'index.html is missing from the build; run npm run build\n');
      return;
    }
    serveFile(req, res, index, 'no-cache');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendText(res, SECURITY_HEADERS, 500, 'Internal Server Error\n');
      else res.destroy();
    });
  });
  const sockets = trackSockets(server);
  const port = await listenOrExplain(server, opts.port, host, 'web console', opts.portHint ?? '--port <n> or HOLDFAST_PORT');
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostForUrl(connectHost(host))}:${port}/`,
    close() {
      closing ??= closeServer(server, sockets);
      return closing;
    },
  };
}
