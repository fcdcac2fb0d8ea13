/** The page's side of Background Sync (Chromium). */

import { BACKGROUND_SYNC_TAG } from './names.js';

/** Background Sync is Chromium-only and missing from TypeScript's DOM types. */
interface SyncManagerLike {
  register(tag: string): Promise<void>;
}

/**
 * Ask the browser to wake the service worker when it is online again. Chromium
 * fires the event at once if it thinks it is online already; the worker then
 * finds this page open and asks to be retried later, so the flush happens
 * after the console is closed. Resolves to whether a sync was registered.
 */
export async function registerBackgroundSync(): Promise<boolean> {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return false;
  try {
    // getRegistration, not ready: in development there is no worker, and `ready` would never settle.
    const registration = await navigator.serviceWorker.getRegistration();
    const sync = (registration as (ServiceWorkerRegistration & { sync?: SyncManagerLike }) | undefined)?.sync;
    if (!registration?.active || !sync) return false;
    await sync.register(BACKGROUND_SYNC_TAG);
    return true;
  } catch (err) {
    // Refused (e.g. the permission is blocked): the outbox still flushes when the console is next open.
    console.warn('Holdfast: could not register background sync', err);
    return false;
  }
}
