/**
 * What this browser can do that Holdfast uses when it is there, and what the
 * operator loses when it is not. Every capability is feature-detected, never
 * read from the browser's name: `probeBrowserEnvironment` reads the globals,
 * `browserFeatures` (pure) turns that into the list Settings shows.
 *
 * Chromium has all of them. Firefox has no Background Sync and cannot run the
 * extension. Safari (iPad) is not tested here; the same detection applies.
 */

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

/** The list Settings shows, in a fixed order. Pure. */
export function browserFeatures(env: BrowserEnvironment): BrowserFeature[] {
  return [
    {
      id: 'background-sync',
      name: 'Background Sync',
      available: env.backgroundSync,
      whatDegrades: 'Queued changes are sent only while a console is open; background sending cannot be turned on.',
    },
    {
      id: 'extension',
      name: 'Holdfast extension (Chromium only)',
      available: env.chromium,
      whatDegrades: 'Nothing holds the broker connection while every console is closed, so there are no notifications about queued changes then.',
    },
    {
      id: 'persistent-storage',
      name: 'Persistent storage request',
      available: env.storagePersist,
      whatDegrades:
        'The browser may clear queued edits and last-known values under storage pressure (so it may too when it refuses the request; Firefox asks you first).',
    },
    {
      id: 'strict-durability',
      name: 'Strict IndexedDB durability',
      available: env.transactionDurability,
      whatDegrades: 'An edit shown as Queued is written with the browser’s default durability and could be lost in a power cut.',
    },
    {
      id: 'web-locks',
      name: 'Web Locks',
      available: env.webLocks,
      whatDegrades: 'Tabs cannot agree on one connection: each open tab connects to the broker on its own.',
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

/** One line of the list, in words: "Web Locks: available.", "Background Sync: not available. Queued changes are …". */
export function describeBrowserFeature(f: BrowserFeature): string {
  return f.available ? `${f.name}: available.` : `${f.name}: not available. ${f.whatDegrades}`;
}
