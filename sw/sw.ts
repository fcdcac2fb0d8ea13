/// <reference lib="webworker" />
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkFirst } from 'workbox-strategies';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> };

// The app shell: served from cache, so a reload with the network cut shows the console.
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/config\.json/] }));

// The server's broker preconfiguration: fresh when online, last known when not.
registerRoute(({ url }) => url.origin === self.location.origin && url.pathname === '/config.json', new NetworkFirst({ cacheName: 'holdfast-config', networkTimeoutSeconds: 3 }));

// Broker traffic is WebSocket and never passes through fetch, so nothing here can cache or replay it.
// Everything else not precached goes to the network as usual.

// Never swap versions mid-shift: a new worker waits until the operator chooses "Update now".
self.addEventListener('message', (event: ExtendableMessageEvent) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

// Only the very first install takes control of open pages at once (there is no old version to disrupt).
if (!self.registration.active) clientsClaim();
