/**
 * Names the pages, the engine host and the service worker must agree on.
 * Kept free of imports: the service worker loads it at startup.
 */

/** One tab per origin holds this Web Lock and runs the engine host; a Background Sync run takes it too. */
export const LEADER_LOCK = 'holdfast-leader';
/**
 * The engine worker holds this one for its whole life. A closed tab releases
 * the leader lock at once, but its worker may run on for a moment: the next
 * leader's worker starts only once the last one is really gone.
 */
export const ENGINE_LOCK = 'holdfast-engine';
/** The host protocol's shared channel (host/ports.ts broadcastEndpoint/broadcastTransport). */
export const HOST_CHANNEL = 'holdfast-host';
/** Tab-to-tab messages about shared settings (app/tab-coordinator.ts). */
export const TABS_CHANNEL = 'holdfast-tabs';
/** The Background Sync tag whose handler flushes the outbox while no console page is open. */
export const BACKGROUND_SYNC_TAG = 'holdfast-outbox';
