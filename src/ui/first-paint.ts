/**
 * The offline first paint in the page, before the app's code (Lit, Dexie,
 * the elements) has loaded: the content of src/ui/first-paint-view.ts as
 * plain DOM in <hf-app>'s light DOM. The service worker usually has put the
 * same content into the shell's HTML already (sw/first-paint-shell.ts); then
 * this only reads nothing and waits to remove it. When <hf-app> is defined,
 * its shadow root (it has no slot) takes over the display and the paint is
 * removed. Nothing here is interactive: it is what the console is about to
 * show, marked busy, for the moment the app takes to load.
 *
 * Broker data is only ever set as textContent or an attribute value.
 */
import { firstPaintView, paintable, readLastKnown, type PaintNode } from './first-paint-view.js';

function toDom(n: PaintNode): HTMLElement {
  const e = document.createElement(n.tag);
  for (const [k, v] of Object.entries(n.attrs ?? {})) e.setAttribute(k, v);
  if (n.text !== undefined) e.textContent = n.text;
  for (const c of n.children ?? []) e.append(toDom(c));
  return e;
}

/** Paint the last-known state into <hf-app> unless the app or the service worker got there first; resolves once done (or given up). */
export async function paintLastKnown(): Promise<void> {
  const app = document.querySelector('hf-app');
  if (!app) return;
  let painted = app.querySelector<HTMLElement>(':scope > .first-paint');
  if (!painted) {
    const state = await readLastKnown(indexedDB).catch(() => null);
    if (!paintable(state) || customElements.get('hf-app')) return;
    painted = toDom(firstPaintView(state, navigator.languages));
    app.replaceChildren(painted);
  }
  // Once <hf-app> is defined its shadow root hides this; remove it then, so nothing reads it twice.
  const shown = painted;
  void customElements.whenDefined('hf-app').then(() => shown.remove());
}
