/**
 * A host launcher for Node (integration tests, the chaos suite, the fleet
 * harness): the same engine host as in the browser's worker, in-process,
 * behind a real MessageChannel (data is cloned as in a browser) and serving
 * follower "tabs" over a real BroadcastChannel.
 */
import { HOST_CHANNEL } from '../app/names.js';
import type { HostLauncher, LaunchedHost } from '../app/tab-coordinator.js';
import { EngineHost, type EngineHostOptions } from './engine-host.js';
import { broadcastEndpoint, inProcessChannel } from './ports.js';

export function inProcessLauncher(options: Omit<EngineHostOptions, 'kind'>, onHost?: (host: EngineHost) => void): HostLauncher {
  return {
    async launch(): Promise<LaunchedHost> {
      const host = new EngineHost({ ...options, kind: 'node' });
      onHost?.(host);
      await host.start();
      const { endpoint, transport } = inProcessChannel();
      host.serve(endpoint);
      host.serve(broadcastEndpoint(HOST_CHANNEL));
      return { transport, stop: () => host.stop() };
    },
  };
}
