import { Workbox } from 'workbox-window';
import type { HfApp } from './ui/hf-app.js';

/**
 * Register the service worker. A new version waits until the operator says
 * so: swapping code mid-shift could interrupt an edit, so we only
 * skipWaiting on request and reload once the new worker controls the page.
 */
export function registerServiceWorker(app: HfApp | null): void {
  const wb = new Workbox('/sw.js');
  wb.addEventListener('waiting', () => {
    if (!app) return;
    app.updateReady = () => {
      wb.addEventListener('controlling', () => location.reload());
      wb.messageSkipWaiting();
    };
  });
  void wb.register();
}
