/// <reference lib="webworker" />
/**
 * The shell with the last-known state already in it: when the service worker
 * answers a navigation, it reads the same status cache the page's first paint
 * would (src/ui/first-paint-view.ts) and writes that paint into <hf-app> of
 * the precached index.html. The values are on screen when the HTML is
 * parsed, before any script has run (`npm run bench`'s cold start measures
 * both ways). Broker data goes in escaped, as text and attribute values only.
 */
import { firstPaintView, paintable, readLastKnown, type PaintNode } from '../src/ui/first-paint-view.js';

/** Never hold the shell back for long: without the state in time, the page paints it itself. */
const READ_BUDGET_MS = 150;

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

export function toHtml(n: PaintNode): string {
  const attrs = Object.entries(n.attrs ?? {})
    .map(([k, v]) => ` ${k}="${escapeHtml(v)}"`)
    .join('');
  const inner = (n.text !== undefined ? escapeHtml(n.text) : '') + (n.children ?? []).map(toHtml).join('');
  return `<${n.tag}${attrs}>${inner}</${n.tag}>`;
}

/** The app element's placeholder in index.html, replaced by the paint. */
const APP_ELEMENT = /<hf-app>[\s\S]*?<\/hf-app>/;

/** The shell response, with the last-known state painted into it when there is one to paint. */
export async function withLastKnown(shell: Response, idb: IDBFactory, languages: readonly string[]): Promise<Response> {
  const state = await Promise.race([readLastKnown(idb).catch(() => null), new Promise<null>((r) => setTimeout(() => r(null), READ_BUDGET_MS))]);
  if (!paintable(state) || !shell.ok) return shell;
  const html = await shell.text();
  if (!APP_ELEMENT.test(html)) return new Response(html, { status: shell.status, statusText: shell.statusText, headers: shell.headers });
  const painted = html.replace(APP_ELEMENT, () => `<hf-app>${toHtml(firstPaintView(state, languages))}</hf-app>`);
  return new Response(painted, { status: shell.status, statusText: shell.statusText, headers: shell.headers });
}
