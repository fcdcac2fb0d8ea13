/**
 * What this browser can do that Holdfast uses when it is there, and what the
 * operator loses when it is not. Every capability is feature-detected, never
 * read from the browser's name: `probeBrowserEnvironment` reads the globals,
 * `browserFeatures` (pure) turns that into the list Settings shows.
 *
 * Chromium has all of them. Firefox has no Background Sync and cannot run the
 * extension. Safari (iPad) is not tested here; the same detection applies.
 *
 * The words are messages in the current language: call `browserFeatures` when
 * rendering (not once at load), so the list follows a change of language.
 */
import { msg, str } from '@lit/localize';

export type BrowserFeatureId = 'background-sync' | 'extension' | 'persistent-storage' | 'strict-durability' | 'web-locks';

export interface BrowserFeature {
  readonly id: BrowserFeatureId;
  /** What it is called in the list ("Background Sync"). */
  readonly name: string;
  readonly available: boolean;
  /** What works differently when it is missing (one sentence; shown only then). */
  readonly whatDegrades: string;
}

/** The raw detections, as plain booleans (so a test, or a browser driven from Node, can supply them). */
export interface BrowserEnvironment {
  /** `'sync' in ServiceWorkerRegistration.prototype`: Background Sync (Chromium only). */
  readonly backgroundSync: boolean;
  /** The browser says it is Chromium-based (`navigator.userAgentData.brands`): Holdfast's MV3 extension runs only there. */
  readonly chromium: boolean;
  /** `navigator.storage.persist` exists. Whether it is granted is another matter (the Outbox panel says so). */
  readonly storagePersist: boolean;
  /**
   * `'durability' in IDBTransaction.prototype`: the browser reads the
   * transaction durability hint that Dexie's `chromeTransactionDurability:
   * 'strict'` passes to every transaction. Without it the hint is ignored.
   */
  readonly transactionDurability: boolean;
  /** `navigator.locks`: Web Locks, which elect the one tab that holds the broker connection. */
  readonly webLocks: boolean;
}

/** The list Settings shows, in a fixed order, in the current language. Pure. */
export function browserFeatures(env: BrowserEnvironment): BrowserFeature[] {
  return [
    {
      id: 'background-sync',
      name: msg('Background Sync'),
      available: env.backgroundSync,
      whatDegrades: msg('Queued changes are sent only while a console is open; background sending cannot be turned on.'),
    },
    {
      id: 'extension',
      name: msg('Holdfast extension (Chromium only)'),
      available: env.chromium,
      whatDegrades: msg('Nothing holds the broker connection while every console is closed, so there are no notifications about queued changes then.'),
    },
    {
      id: 'persistent-storage',
      name: msg('Persistent storage request'),
      available: env.storagePersist,
      whatDegrades: msg(
        'The browser may clear queued edits and last-known values under storage pressure (so it may too when it refuses the request; Firefox asks you first).',
      ),
    },
    {
      id: 'strict-durability',
      name: msg('Strict IndexedDB durability'),
      available: env.transactionDurability,
      whatDegrades: msg('An edit shown as Queued is written with the browser’s default durability and could be lost in a power cut.'),
    },
    {
      id: 'web-locks',
      name: msg('Web Locks'),
      available: env.webLocks,
      whatDegrades: msg('Tabs cannot agree on one connection: each open tab connects to the broker on its own.'),
    },
  ];
}

/**
 * Read the detections from a global scope (a page, by default this one).
 * Self-contained on purpose (no helpers, only `g`), so that a test driving a
 * real browser can run this very function inside the page.
 */
export function probeBrowserEnvironment(g: typeof globalThis = globalThis): BrowserEnvironment {
  const nav = g.navigator as (Navigator & { userAgentData?: { brands?: readonly { brand: string }[] } }) | undefined;
  return {
    backgroundSync: typeof g.ServiceWorkerRegistration === 'function' && 'sync' in g.ServiceWorkerRegistration.prototype,
    chromium: !!nav?.userAgentData?.brands?.some((b) => b.brand === 'Chromium'),
    storagePersist: typeof nav?.storage?.persist === 'function',
    transactionDurability: typeof g.IDBTransaction === 'function' && 'durability' in g.IDBTransaction.prototype,
    webLocks: !!nav && 'locks' in nav && !!nav.locks,
  };
}

/** Whether it is there, in words: "Web Locks: available.", "Background Sync: not available.". */
export function browserFeatureState(f: BrowserFeature): string {
  return f.available ? msg(str`${f.name}: available.`) : msg(str`${f.name}: not available.`);
}

/** One line of the list, in words: "Web Locks: available.", "Background Sync: not available. Queued changes are …". */
export function describeBrowserFeature(f: BrowserFeature): string {
  return f.available ? browserFeatureState(f) : `${browserFeatureState(f)} ${f.whatDegrades}`;
}
