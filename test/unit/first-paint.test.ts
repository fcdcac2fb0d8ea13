import 'fake-indexeddb/auto';
import { IDBFactory as EmptyFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { HoldfastDb } from '../../src/store/db.js';
import { DEVICE_LIST_KEY } from '../../src/store/status-cache.js';
import { toHtml, withLastKnown } from '../../sw/first-paint-shell.js';
import { firstPaintView, type LastKnown } from '../../src/ui/first-paint-view.js';
import type { DeviceSchema } from '../../src/model/types.js';

/** A device whose name and values carry markup, as a hostile or careless firmware could announce them. */
const HOSTILE = '<img src=x onerror="alert(1)">&\'';
const schema = {
  id: 'homie5:x',
  name: HOSTILE,
  convention: 'homie5',
  properties: [
    { id: 'p', name: `Phase ${HOSTILE}`, datatype: 'integer', settable: true, retained: true, unit: '°' },
    { id: 's', name: 'Label', datatype: 'string', settable: true, retained: true },
  ],
} as unknown as DeviceSchema;
const state: LastKnown = {
  list: [{ id: 'homie5:x', name: HOSTILE } as LastKnown['list'][number]],
  device: { id: 'homie5:x', schema, values: [['p', { value: -25 }], ['s', { value: '</dd><script>alert(2)</script>' }]] } as unknown as LastKnown['device'],
  language: 'en',
};

describe('the first paint as the service worker writes it into the shell', () => {
  it('escapes broker data: text and attribute values only, never markup', () => {
    const html = toHtml(firstPaintView(state, ['en']));
    expect(html).not.toMatch(/<img|<script/);
    expect(html).toContain('aria-label="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;"');
    expect(html).toContain('<dt>Phase &lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;</dt><dd>-25 °</dd>');
    expect(html).toContain('<dd>&lt;/dd&gt;&lt;script&gt;alert(2)&lt;/script&gt;</dd>');
  });

  it('puts the paint into <hf-app> of the shell, keeping its status and headers; with nothing to paint the shell is unchanged', async () => {
    const shellHtml = '<!doctype html><html><body><hf-app>\n  <main class="boot">Loading…</main>\n</hf-app><script type="module" src="/a.js"></script></body></html>';
    const shell = () => new Response(shellHtml, { headers: { 'content-type': 'text/html', 'x-test': '1' } });
    const db = await seed(state);
    const painted = await withLastKnown(shell(), db, ['de-DE']);
    const text = await painted.text();
    expect(painted.headers.get('x-test')).toBe('1');
    expect(text).toMatch(/^<!doctype html><html><body><hf-app><div class="first-paint" aria-busy="true" lang="en">.*<\/div><\/hf-app><script type="module" src="\/a.js"><\/script>/s);
    expect(text).not.toContain('Loading…');
    const empty = await withLastKnown(shell(), await seed(null), ['en']);
    expect(await empty.text()).toBe(shellHtml);
  });
});

/** The status cache as the console writes it, in the global (fake) IndexedDB; null: a factory with no database at all. */
async function seed(s: LastKnown | null): Promise<IDBFactory> {
  if (s === null) return new EmptyFactory();
  const db = new HoldfastDb('holdfast');
  await db.settings.bulkPut([
    { key: DEVICE_LIST_KEY, value: s.list },
    { key: 'lastDevice', value: s.device?.id },
    { key: 'language', value: s.language },
  ]);
  if (s.device) await db.snapshots.put(s.device);
  db.close();
  return indexedDB;
}
