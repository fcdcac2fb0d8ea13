/**
 * The browser's host launcher: the leader tab starts the engine host in a
 * dedicated Worker and talks to it over a MessagePort of its own.
 */
import { portTransport } from '../host/ports.js';
import type { WorkerControl, WorkerInit } from '../host/worker.js';
import type { HostLauncher, LaunchedHost } from './tab-coordinator.js';

/** How long a stopping worker may take to say goodbye to the broker and flush its caches. */
const STOP_WAIT_MS = 1500;

export function workerLauncher(options: WorkerInit): HostLauncher {
  return {
    launch(): Promise<LaunchedHost> {
      const worker = new Worker(new URL('../host/worker.ts', import.meta.url), { type: 'module', name: 'holdfast-engine' });
      const { port1, port2 } = new MessageChannel();
      worker.postMessage({ type: 'init', options, port: port2 } satisfies WorkerControl, [port2]);
      return Promise.resolve({
        transport: portTransport(port1, () => port1.close()),
        async stop() {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, STOP_WAIT_MS);
            worker.addEventListener('message', () => {
              clearTimeout(timer);
              resolve();
            });
            worker.postMessage({ type: 'stop' } satisfies WorkerControl);
          });
          worker.terminate();
        },
      });
    },
  };
}
