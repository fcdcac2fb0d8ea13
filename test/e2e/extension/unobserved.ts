/**
 * Chromium with the extension, but with nothing attached to its service
 * worker. Playwright attaches a DevTools session to every service worker,
 * and Chromium never stops a worker that DevTools is attached to, so under
 * Playwright the extension's worker lives forever and "WebSocket traffic
 * keeps it alive" cannot be observed. Here the browser is started directly
 * and only watched over the DevTools protocol at the browser level
 * (Target.setDiscoverTargets: it sees targets come and go without
 * attaching to any), so the worker lives and stops exactly as for an
 * operator.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import WebSocket from 'ws';

export interface UnobservedBrowser {
  /** Whether the extension's service worker is running now. */
  workerRunning(): boolean;
  /** How many times it started and stopped since launch (seen from outside). */
  readonly starts: number;
  readonly stops: number;
  /** Resolves when `pred` holds (polled), rejects after `timeoutMs`. */
  until(what: string, pred: () => boolean, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

interface TargetInfo {
  readonly targetId: string;
  readonly type: string;
  readonly url: string;
}

export async function launchUnobserved(opts: { executablePath: string; args: readonly string[]; userDataDir: string; extensionDir: string }): Promise<UnobservedBrowser> {
  const child: ChildProcess = spawn(
    opts.executablePath,
    [
      '--headless',
      ...opts.args,
      `--user-data-dir=${opts.userDataDir}`,
      `--disable-extensions-except=${opts.extensionDir}`,
      `--load-extension=${opts.extensionDir}`,
      '--remote-debugging-port=0',
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const endpoint = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`Chromium did not start: ${text}`)), 20_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(text);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`Chromium exited with ${String(code)}: ${text}`)));
  });
  const ws = new WebSocket(endpoint, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const workers = new Map<string, TargetInfo>();
  let starts = 0;
  let stops = 0;
  const ours = (t: TargetInfo): boolean => t.type === 'service_worker' && t.url.startsWith('chrome-extension://') && t.url.endsWith('/service-worker.js');
  ws.on('message', (data: Buffer) => {
    const m = JSON.parse(data.toString()) as { method?: string; params?: { targetInfo?: TargetInfo; targetId?: string } };
    const info = m.params?.targetInfo;
    if ((m.method === 'Target.targetCreated' || m.method === 'Target.targetInfoChanged') && info && ours(info) && !workers.has(info.targetId)) {
      workers.set(info.targetId, info);
      starts++;
    } else if (m.method === 'Target.targetDestroyed' && m.params?.targetId && workers.delete(m.params.targetId)) {
      stops++;
    }
  });
  ws.send(JSON.stringify({ id: 1, method: 'Target.setDiscoverTargets', params: { discover: true } }));
  return {
    workerRunning: () => workers.size > 0,
    get starts() {
      return starts;
    },
    get stops() {
      return stops;
    },
    async until(what, pred, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      ws.close();
      if (child.exitCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
  };
}
