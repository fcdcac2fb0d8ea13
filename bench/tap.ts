// A counting hop in front of a fault proxy: it records when each TCP
// connection arrives and what it is (a WebSocket upgrade, i.e. a connection
// attempt, or a plain HTTP request, i.e. a reachability probe), then pipes it
// on unchanged. When the proxy behind it refuses (resets) a connection, the
// tap resets the browser's side too, so the browser sees what it would see
// without the tap.

import { createConnection, createServer, type Socket } from 'node:net';
import { nodeEpoch } from './cdp.js';

export type TapKind = 'websocket' | 'http' | 'other';

export interface TapEvent {
  /** nodeEpoch() when the connection arrived. */
  readonly at: number;
  readonly kind: TapKind;
}

export interface Tap {
  readonly port: number;
  url(path?: string): string;
  readonly events: readonly TapEvent[];
  close(): Promise<void>;
}

function classify(head: string): TapKind {
  if (!/^[A-Z]+ \S+ HTTP\/1\.[01]\r?\n/.test(head)) return 'other';
  return /\r?\nupgrade:\s*websocket/i.test(head) ? 'websocket' : 'http';
}

export async function startTap(targetPort: number, targetHost = '127.0.0.1'): Promise<Tap> {
  const events: TapEvent[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const at = nodeEpoch();
    sockets.add(client);
    client.setNoDelay(true);
    client.on('error', () => undefined);
    // Nothing goes upstream before the client's first bytes: they say what the connection is, and a proxy that
    // refuses at once must not reset the browser's side before it has even sent its request.
    let upstream: Socket | null = null;
    client.on('close', () => {
      sockets.delete(client);
      if (upstream === null) events.push({ at, kind: 'other' });
      else if (!upstream.destroyed) upstream.end();
    });
    client.once('data', (head: Buffer) => {
      events.push({ at, kind: classify(head.subarray(0, 2048).toString('latin1')) });
      const up = createConnection({ host: targetHost, port: targetPort });
      upstream = up;
      up.setNoDelay(true);
      sockets.add(up);
      up.write(head);
      let reset = false;
      up.on('error', () => (reset = true));
      up.on('close', (hadError) => {
        sockets.delete(up);
        if (client.destroyed) return;
        // A reset behind us (refused, dropped) is a reset here too.
        if (hadError || reset) client.resetAndDestroy();
        else client.end();
      });
      client.on('data', (chunk: Buffer) => {
        if (!up.write(chunk)) {
          client.pause();
          up.once('drain', () => client.resume());
        }
      });
      up.on('data', (chunk: Buffer) => {
        if (!client.write(chunk)) {
          up.pause();
          client.once('drain', () => up.resume());
        }
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    url: (path = '/') => `ws://127.0.0.1:${port}${path}`,
    events,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The most events of `kinds` within any `windowMs` (a sliding window over their arrival times). */
export function maxPerWindow(events: readonly TapEvent[], kinds: readonly TapKind[], from: number, to: number, windowMs = 1000): number {
  const ts = events.filter((e) => kinds.includes(e.kind) && e.at >= from && e.at <= to).map((e) => e.at).sort((a, b) => a - b);
  let max = 0;
  let lo = 0;
  for (let hi = 0; hi < ts.length; hi++) {
    while (ts[hi]! - ts[lo]! >= windowMs) lo++;
    max = Math.max(max, hi - lo + 1);
  }
  return max;
}

/**
 * Attempts are at least 500 ms apart (src/mqtt/backoff.ts MIN_ATTEMPT_GAP_MS). When an outage's first attempt
 * fails, Holdfast diagnoses it once (src/mqtt/probe.ts), and that opens a WebSocket of its own at once (to see
 * whether the Content Security Policy blocks the broker): a WebSocket this soon after the previous one is
 * counted with that attempt.
 */
export const DIAGNOSIS_GAP_MS = 250;

/** Each connection attempt once: its diagnosis socket (an upgrade right after it) counted with it. */
export function connectionAttempts(events: readonly TapEvent[]): TapEvent[] {
  const out: TapEvent[] = [];
  let last = -Infinity;
  for (const e of events) {
    if (e.kind !== 'websocket') continue;
    if (e.at - last >= DIAGNOSIS_GAP_MS) out.push(e);
    last = e.at;
  }
  return out;
}
