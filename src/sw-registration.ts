import { Workbox } from 'workbox-window';
import type { HfApp } from './ui/hf-app.js';

/** A console stays open for a whole shift without navigating, which is when browsers look for updates. */
const UPDATE_CHECK_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Register the service worker. A new version waits until the operator says
 * so: swapping code mid-shift could interrupt an edit, so we only
 * skipWaiting on request and reload once the new worker controls the page.
 * The outbox is in IndexedDB, so pending edits survive the reload.
 */
export function registerServiceWorker(app: HfApp | null): void {
  const wb = new Workbox('/sw.js');
  let requested = false;
  // The first install claims the page (a controllerchange from no worker): same code, nothing to reload.
  let controlled = navigator.serviceWorker.controller !== null;

  const offer = (apply: () => void): void => {
    if (app) app.updateReady = apply;
  };

  // Fired for a worker that finished installing while an older one controls the page, including one found
  // by another tab or already waiting when this page loaded.
  wb.addEventListener('waiting', () => {
    offer(() => {
      requested = true;
      void navigator.serviceWorker
        .getRegistration()
        .catch(() => undefined)
        .then((registration) => {
          // A page no worker controls (e.g. after a hard reload) gets no controllerchange: reload once the new one runs.
          const next = registration?.waiting;
          if (next && !controlled) {
            next.addEventListener('statechange', () => {
              if (next.state === 'activated' && !controlled) location.reload();
            });
          }
          wb.messageSkipWaiting();
        });
    });
  });

  navigator.serviceWorker.addEventListener('controllerchange', () => {
    const wasControlled = controlled;
    controlled = true;
    if (!wasControlled) return;
    if (requested) {
      location.reload();
      return;
    }
    // Another tab chose "Update now": this page still runs the old code (its lazy chunks may no longer be
    // cached), so offer the reload here too, still at the operator's moment.
    offer(() => location.reload());
  });

  void wb.register();
  setInterval(() => {
    if (document.visibilityState === 'visible') void wb.update();
  }, UPDATE_CHECK_INTERVAL_MS);
}
