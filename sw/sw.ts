/// <reference lib="webworker" />
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkFirst } from 'workbox-strategies';
import { BACKGROUND_SYNC_TAG } from '../src/app/names.js';
import { withLastKnown } from './first-paint-shell.js';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> };

/** Background Sync (Chromium) is missing from TypeScript's WebWorker types. */
interface SyncEvent extends ExtendableEvent {
  readonly tag: string;
  /** The browser will not retry after this attempt. */
  readonly lastChance: boolean;
}

// The app shell: served from cache, so a reload with the network cut shows the console.
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
// The shell comes with the last-known state already painted in (first-paint-shell.ts).
const shell = createHandlerBoundToURL('index.html');
registerRoute(
  new NavigationRoute(async (options) => withLastKnown(await shell(options), self.indexedDB, self.navigator.languages), { denylist: [/^\/config\.json/] }),
);

// The server's broker preconfiguration: fresh when online, last known when not.
registerRoute(({ url }) => url.origin === self.location.origin && url.pathname === '/config.json', new NetworkFirst({ cacheName: 'holdfast-config', networkTimeoutSeconds: 3 }));

// Broker traffic is WebSocket and never passes through fetch, so nothing here can cache or replay it.
// Everything else not precached goes to the network as usual.

// Never swap versions mid-shift: a new worker waits until the operator chooses "Update now".
self.addEventListener('message', (event: ExtendableMessageEvent) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

// Only the very first install takes control of open pages at once (there is no old version to disrupt).
// An update needs no claim: when the operator lets it activate, the pages the old worker controlled
// switch to it by themselves (controllerchange), and the page reloads then. This runs on every start of
// the script; registration.active is null only while the first version installs.
if (!self.registration.active) clientsClaim();

/**
 * Background Sync: the page registers BACKGROUND_SYNC_TAG when an edit is queued while the broker is out of
 * reach and the operator allowed background sending. With no console open, one short session reconciles
 * the outbox with the page's own engine. The flush code (Dexie, mqtt.js, the adapters) is imported here,
 * inside the handler: evaluating it is deferred to the first sync, so precaching and fetches never wait for it.
 */
async function flushOutbox(event: SyncEvent): Promise<void> {
  const { backgroundFlush } = await import('../src/host/background-flush.js');
  const report = await backgroundFlush({
    // Any console window leads (or is about to): it owns the outbox, never two senders at once.
    pageOpen: async () => (await self.clients.matchAll({ type: 'window', includeUncontrolled: true })).length > 0,
  });
  console.info(`Holdfast: background send: ${report.outcome}: ${report.message}`, report.states);
  // A rejected promise makes the browser try again later (Chromium: minutes, a few times), e.g. once the
  // console that was open has been closed. The last attempt resolves: the outbox keeps every entry anyway.
  if (report.retry && !event.lastChance) throw new Error(`background send will be retried: ${report.message}`);
}

self.addEventListener('sync', (event: Event) => {
  const sync = event as SyncEvent;
  if (sync.tag === BACKGROUND_SYNC_TAG) sync.waitUntil(flushOutbox(sync));
});
