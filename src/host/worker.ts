/// <reference lib="webworker" />
/**
 * The PWA leader tab's engine worker: runs the engine host off the main
 * thread. The page hands it a MessagePort for itself; follower tabs reach it
 * over the tabs' BroadcastChannel. It dies with its tab; the next leader
 * tab's worker takes over and reconciles.
 */
import { ENGINE_LOCK, HOST_CHANNEL } from '../app/names.js';
import { offerHostToBench } from '../bench-hooks.js';
import { EngineHost, type EngineHostOptions } from './engine-host.js';
import { broadcastEndpoint, portEndpoint } from './ports.js';

declare const self: DedicatedWorkerGlobalScope;

export type WorkerInit = Omit<EngineHostOptions, 'kind' | 'onWritten' | 'onConnection'> & {
  /** `npm run bench` only: hand the host to the probe it injected (src/bench-hooks.ts). */
  readonly bench?: boolean;
};

export type WorkerControl =
  | { readonly type: 'init'; readonly options: WorkerInit; readonly port: MessagePort }
  | { readonly type: 'stop' };

let host: EngineHost | null = null;
let releaseEngineLock: () => void = () => undefined;

/**
 * Wait until no other engine worker lives, then hold that until this one stops
 * or dies. Without it, a closed leader tab's worker could still write and
 * publish an entry after the next leader recovered interrupted ones, and the
 * next leader would judge a later edit of the same setting beside it.
 */
function holdEngineLock(): Promise<void> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks) return Promise.resolve();
  return new Promise<void>((granted) => {
    void locks
      .request(ENGINE_LOCK, () => {
        granted();
        return new Promise<void>((release) => (releaseEngineLock = release));
      })
      .catch(() => granted());
  });
}

self.addEventListener('message', (e: MessageEvent<WorkerControl>) => {
  const m = e.data;
  if (m.type === 'init' && !host) {
    const { bench, ...options } = m.options;
    const h = new EngineHost({ ...options, kind: 'worker' });
    host = h;
    offerHostToBench(h, bench);
    void holdEngineLock()
      .then(() => h.start())
      .then(() => {
        h.serve(portEndpoint(m.port, () => m.port.close()));
        h.serve(broadcastEndpoint(HOST_CHANNEL));
      });
  } else if (m.type === 'stop') {
    void (host?.stop() ?? Promise.resolve()).then(() => {
      releaseEngineLock();
      self.postMessage({ type: 'stopped' });
    });
  }
});
