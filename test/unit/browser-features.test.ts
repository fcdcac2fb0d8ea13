/**
 * Browser feature detection (src/app/browser-features.ts): the list Settings
 * shows. The Firefox values are the ones test/firefox/run.ts reads from a real
 * Firefox ESR page; the Chromium ones are what TESTING-NOTES.md records.
 */
import { describe, expect, it } from 'vitest';
import { browserFeatures, describeBrowserFeature, probeBrowserEnvironment, type BrowserEnvironment } from '../../src/app/browser-features.js';

const CHROMIUM: BrowserEnvironment = { backgroundSync: true, chromium: true, storagePersist: true, transactionDurability: true, webLocks: true };
const FIREFOX_ESR: BrowserEnvironment = { backgroundSync: false, chromium: false, storagePersist: true, transactionDurability: true, webLocks: true };
const NOTHING: BrowserEnvironment = { backgroundSync: false, chromium: false, storagePersist: false, transactionDurability: false, webLocks: false };

const byId = (env: BrowserEnvironment) => new Map(browserFeatures(env).map((f) => [f.id, f]));

describe('browserFeatures', () => {
  it('lists every feature once, in a fixed order, each with what degrades without it', () => {
    const list = browserFeatures(CHROMIUM);
    expect(list.map((f) => f.id)).toEqual(['background-sync', 'extension', 'persistent-storage', 'strict-durability', 'web-locks']);
    for (const f of list) expect(f.whatDegrades.length).toBeGreaterThan(20);
    expect(browserFeatures(NOTHING).map((f) => f.id)).toEqual(list.map((f) => f.id));
  });

  it('Chromium: everything available', () => {
    expect(browserFeatures(CHROMIUM).every((f) => f.available)).toBe(true);
  });

  it('Firefox ESR: no Background Sync and no extension; storage, durability and Web Locks are there', () => {
    const f = byId(FIREFOX_ESR);
    expect(f.get('background-sync')?.available).toBe(false);
    expect(f.get('extension')?.available).toBe(false);
    expect(f.get('persistent-storage')?.available).toBe(true);
    expect(f.get('strict-durability')?.available).toBe(true);
    expect(f.get('web-locks')?.available).toBe(true);
    expect(describeBrowserFeature(f.get('background-sync')!)).toBe(
      'Background Sync: not available. Queued changes are sent only while a console is open; background sending cannot be turned on.',
    );
  });

  it('says what degrades only for what is missing', () => {
    for (const f of browserFeatures(CHROMIUM)) expect(describeBrowserFeature(f)).toBe(`${f.name}: available.`);
    for (const f of browserFeatures(NOTHING)) expect(describeBrowserFeature(f)).toBe(`${f.name}: not available. ${f.whatDegrades}`);
  });
});

describe('probeBrowserEnvironment', () => {
  it('finds nothing in a scope without browser APIs (Node, an insecure context)', () => {
    expect(probeBrowserEnvironment({} as typeof globalThis)).toEqual(NOTHING);
  });

  it('reads each capability from the scope it is given', () => {
    class ServiceWorkerRegistration {}
    Object.defineProperty(ServiceWorkerRegistration.prototype, 'sync', { get: () => ({}) });
    class IDBTransaction {}
    Object.defineProperty(IDBTransaction.prototype, 'durability', { get: () => 'strict' });
    const chromiumLike = {
      ServiceWorkerRegistration,
      IDBTransaction,
      navigator: { userAgentData: { brands: [{ brand: 'Not=A?Brand' }, { brand: 'Chromium' }] }, storage: { persist: () => Promise.resolve(true) }, locks: {} },
    } as unknown as typeof globalThis;
    expect(probeBrowserEnvironment(chromiumLike)).toEqual(CHROMIUM);

    const firefoxLike = {
      ServiceWorkerRegistration: class {},
      IDBTransaction,
      navigator: { storage: { persist: () => Promise.resolve(false) }, locks: {} },
    } as unknown as typeof globalThis;
    expect(probeBrowserEnvironment(firefoxLike)).toEqual(FIREFOX_ESR);
  });
});
