/// <reference lib="webworker" />
/**
 * The extension's service worker: the one place that runs Holdfast's engine
 * host in the extension, and so the only sender. Pages (the side panel, a
 * full tab) follow it over chrome.runtime ports; see supervisor.ts for when
 * it connects and when it lets itself stop.
 *
 * Built as one ES module file (vite.extension.config.ts): a service worker
 * may not import() anything, and has no Worker or blob: workers, so mqtt.js
 * runs its keepalive on native timers here (mqtt/connection.ts picks them).
 * Since Chrome 116, WebSocket traffic within each 30 s keeps this worker
 * alive; MQTT's keepalive and the connection's heartbeat are that traffic.
 *
 * Every listener is registered synchronously at the top level, so the event
 * that woke the worker reaches it.
 */
import { RuntimePortHub } from '../host/ports.js';
import { CONSOLE_PAGE, PORT_NAME, chromeApi } from './chrome-api.js';
import { controlHash, noticeTarget } from './outcomes.js';
import { Supervisor } from './supervisor.js';

declare const self: ServiceWorkerGlobalScope;

const chrome = chromeApi();
if (!chrome) throw new Error('Holdfast: this service worker runs only inside the extension');

const hub = new RuntimePortHub();
const supervisor = new Supervisor({ hub, platform: chrome, iconUrl: chrome.runtime.getURL('icons/icon-192.png') });

chrome.runtime.onConnect.addListener((port) => {
  if (port.name === PORT_NAME) hub.add(port);
});
chrome.alarms.onAlarm.addListener((alarm) => supervisor.onAlarm(alarm.name));
chrome.runtime.onStartup.addListener(() => supervisor.reconsider());
chrome.runtime.onInstalled.addListener(() => {
  // Clicking the toolbar button opens the console beside the page (pin it to keep it one click away).
  void chrome.sidePanel?.setPanelBehavior({ openPanelOnActionClick: true }).catch(() => undefined);
});
chrome.notifications.onClicked.addListener((id) => void notificationClicked(id));
self.addEventListener('online', () => supervisor.networkBack());

supervisor.start(self.registration.active ? 'an event woke it' : 'installed');

// For DevTools (and the browser tests): the worker's supervisor, and what a notification click does.
(globalThis as { holdfast?: unknown }).holdfast = { supervisor, notificationClicked };

/** A click on one of our notifications opens the console at the control it names. */
async function notificationClicked(id: string): Promise<void> {
  const target = noticeTarget(id);
  if (!target) return;
  await chrome?.notifications.clear(id);
  await openConsoleAt(target.deviceId, target.propertyId);
}

/** Open the console at a control: an open console tab is reused, else a new one. */
async function openConsoleAt(deviceId: string, propertyId: string): Promise<void> {
  const c = chromeApi();
  if (!c) return;
  const url = c.runtime.getURL(CONSOLE_PAGE) + controlHash(deviceId, propertyId);
  try {
    const open = (await c.runtime.getContexts?.({ contextTypes: ['TAB'], documentUrls: [c.runtime.getURL(CONSOLE_PAGE)] })) ?? [];
    // documentUrls matches exactly; a console tab with a fragment is found by its prefix instead.
    const all = open.length > 0 ? open : ((await c.runtime.getContexts?.({ contextTypes: ['TAB'] })) ?? []).filter((x) => x.documentUrl?.startsWith(c.runtime.getURL(CONSOLE_PAGE)));
    const tab = all[0];
    if (tab && tab.tabId >= 0) {
      await c.tabs.update(tab.tabId, { url, active: true });
      await c.windows?.update(tab.windowId, { focused: true }).catch(() => undefined);
      return;
    }
  } catch {
    // Fall back to a new tab.
  }
  try {
    await c.tabs.create({ url, active: true });
  } catch (err) {
    // No browser window is open (the console was the last thing closed): open one.
    if (!c.windows) throw err;
    await c.windows.create({ url, focused: true });
  }
}
