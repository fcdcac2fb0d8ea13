/**
 * The few chrome.* extension APIs Holdfast uses, typed here (the project
 * carries no chrome typings). Everything else in src/extension/ goes through
 * these shapes, so the service worker's logic runs in Node against fakes
 * (test/chaos/extension-host.ts) exactly as in Chromium.
 */
import type { RuntimeEvent, RuntimePort } from '../host/ports.js';

export interface Alarm {
  readonly name: string;
  readonly scheduledTime: number;
  readonly periodInMinutes?: number;
}

export interface NotificationOptions {
  readonly type: 'basic';
  readonly iconUrl: string;
  readonly title: string;
  readonly message: string;
  readonly contextMessage?: string;
  readonly priority?: number;
  readonly requireInteraction?: boolean;
}

export interface ExtensionContext {
  readonly contextType: string;
  readonly documentUrl?: string;
  readonly tabId: number;
  readonly windowId: number;
}

export interface ChromeApi {
  readonly runtime: {
    readonly id: string;
    connect(info: { name: string }): RuntimePort;
    getURL(path: string): string;
    readonly onConnect: RuntimeEvent<(port: RuntimePort) => void>;
    readonly onStartup: RuntimeEvent<() => void>;
    readonly onInstalled: RuntimeEvent<(details: { reason: string }) => void>;
    getContexts?(filter: { contextTypes?: string[]; documentUrls?: string[] }): Promise<ExtensionContext[]>;
  };
  readonly alarms: {
    create(name: string, info: { when?: number; delayInMinutes?: number; periodInMinutes?: number }): Promise<void>;
    clear(name: string): Promise<boolean>;
    get(name: string): Promise<Alarm | undefined>;
    readonly onAlarm: RuntimeEvent<(alarm: Alarm) => void>;
  };
  readonly action: {
    setBadgeText(details: { text: string }): Promise<void>;
    setBadgeBackgroundColor(details: { color: string }): Promise<void>;
    setTitle(details: { title: string }): Promise<void>;
  };
  readonly notifications: {
    create(id: string, options: NotificationOptions): Promise<string>;
    clear(id: string): Promise<boolean>;
    readonly onClicked: RuntimeEvent<(id: string) => void>;
  };
  readonly storage: {
    readonly local: {
      get(keys: string | string[] | null): Promise<Record<string, unknown>>;
      set(items: Record<string, unknown>): Promise<void>;
    };
  };
  readonly permissions: {
    request(p: { origins: string[] }): Promise<boolean>;
    contains(p: { origins: string[] }): Promise<boolean>;
  };
  readonly tabs: {
    create(p: { url: string; active?: boolean }): Promise<{ id?: number; windowId: number }>;
    update(tabId: number, p: { url?: string; active?: boolean }): Promise<unknown>;
  };
  readonly windows?: {
    create(p: { url: string; focused?: boolean }): Promise<unknown>;
    update(windowId: number, p: { focused: boolean }): Promise<unknown>;
  };
  readonly sidePanel?: {
    setPanelBehavior(p: { openPanelOnActionClick: boolean }): Promise<void>;
  };
}

/** The extension's APIs, or null outside an extension (a PWA page, Node). */
export function chromeApi(): ChromeApi | null {
  const c = (globalThis as { chrome?: Partial<ChromeApi> }).chrome;
  return c?.runtime?.id ? (c as ChromeApi) : null;
}

/** The port name pages connect with (chrome.runtime.connect). */
export const PORT_NAME = 'holdfast';

/** The page that is both the side panel and the full-tab console. */
export const CONSOLE_PAGE = 'console.html';

/** Timing overrides for demos and tests, written by a page from its URL (?backoffMaxMs=…), read when a host starts. */
export const TUNING_KEY = 'tuning';

/** What the service worker did, newest last (Diagnostics and tests read it): starts, hosts, stops. */
export const LIFECYCLE_KEY = 'lifecycle';
