// Injected by bench/run.ts into Holdfast pages before they load (CDP init
// script, so the app's CSP does not apply). The page only renders: the app
// hands over its Console when the URL has ?bench (src/bench-hooks.ts), and
// this probe measures what the page does with it. The engine runs in a
// worker: this probe builds that worker from a blob: module that first runs
// bench/page/worker-probe.js and then imports the app's own worker chunk,
// and asks the worker to hand over its EngineHost (init option `bench`,
// src/host/worker.ts). The app's CSP allows this as it is: blob: workers
// (worker-src) and a same-origin script import (script-src 'self').
//
// Times that are compared with another context (the worker, Node) are epoch
// milliseconds, performance.timeOrigin + performance.now(); bench/run.ts
// measures each context's offset from Node's clock and corrects for it.
// Boot milestones are performance.now() (ms since navigation).
(() => {
  if (!new URLSearchParams(location.search).has('bench')) return;
  const epoch = () => performance.timeOrigin + performance.now();
  /** Set by bench/run.ts in an init script before this one: { watch?: string[], sample?: string[] }. */
  const config = window.__hfBenchConfig ?? {};
  const workerProbe = window.__hfWorkerProbeSource;

  const probe = {
    console: null,
    longtasks: [],
    /** Epoch times at which the page saw the connection become open, and the host become live (subscribed). */
    connectedAt: [],
    liveAt: [],
    diffLog: [],
    /** Every entry of the connection's log the page received: [Date.now() in the worker, message]. */
    connectionLog: [],
    /** Value updates committed to the DOM while sampling: [deviceId, propertyId, value, session, epoch]. */
    sampling: false,
    domLog: [],
    /**
     * performance.now() when the last-known values were first in the DOM: the earlier of a control rendering a
     * reported value and the plain first paint (src/ui/first-paint.ts, if the build has it) showing one.
     */
    firstRenderedValueAt: null,
    /** The two separately: the app's first control with a value, and the plain first paint's first value. */
    firstControlValueAt: null,
    firstPaintValueAt: null,
    /** Live hf-property-control elements, to ask what the panel shows now. */
    controls: new Set(),
    /** IndexedDB transactions the page opened since the last reset, by "stores:mode". */
    idb: {},
    /** Boot milestones (performance.now()). */
    timeline: {},
    workerRequestedAt: null,

    reset() {
      this.domLog = [];
      this.idb = {};
    },

    /** The device the page shows (the one it remembers as last viewed). */
    viewedDevice() {
      return this.console?.state.get().lastDevice ?? null;
    },

    /** The host's current session as the page knows it. */
    session() {
      return this.console?.client.status?.session ?? null;
    },

    /**
     * What the viewed device's controls show now: for each rendered control
     * the session its value came from and when that session's value first
     * reached the DOM.
     */
    shown(deviceId) {
      const out = [];
      for (const el of this.controls) {
        if (el.deviceId !== deviceId || !el.schema) continue;
        out.push({ propertyId: el.schema.id, session: el.__hfSession ?? null, at: el.__hfSessionAt ?? null });
      }
      return out;
    },

    /**
     * Queue edits as the controls would: each property is shown (subscribed,
     * so the host sends its value), and the edit carries what was shown as
     * its base (offline, so not rendered in a live session). Each desired
     * value is the shown one + 1. Returns [base, desired] per edit.
     */
    async queueEdits(list, modulo) {
      const c = this.console;
      const values = new Map();
      const unsubscribe = [];
      await new Promise((resolve) => {
        let missing = list.length;
        for (const [deviceId, propertyId] of list) {
          const key = `${deviceId}\u0000${propertyId}`;
          unsubscribe.push(
            c.client.subscribeValue(deviceId, propertyId, (v) => {
              if (!v) return;
              if (!values.has(key) && --missing === 0) queueMicrotask(resolve);
              values.set(key, v);
            }),
          );
        }
        if (missing === 0) resolve();
      });
      const out = [];
      // A few in flight at once: each is its own durable transaction, so this only saves round trips.
      for (let i = 0; i < list.length; i += 50) {
        await Promise.all(
          list.slice(i, i + 50).map(([deviceId, propertyId]) => {
            const r = values.get(`${deviceId}\u0000${propertyId}`);
            const desired = (Number(r.value) + 1) % modulo;
            out.push([r.value, desired]);
            return c.edit(deviceId, propertyId, desired, { value: r.value, receivedAt: r.receivedAt, session: r.session, renderedIn: null });
          }),
        );
      }
      for (const u of unsubscribe) u();
      return out;
    },
  };
  window.__hfProbe = probe;

  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) probe.longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    // No Long Tasks API: the report says so.
  }

  const openTransaction = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (stores, mode, options) {
    const k = `${[].concat(stores).join('+')}:${mode ?? 'readonly'}`;
    probe.idb[k] = (probe.idb[k] ?? 0) + 1;
    return openTransaction.call(this, stores, mode, options);
  };

  // The engine worker, with the worker probe in front of the app's own worker code.
  const NativeWorker = window.Worker;
  window.Worker = class extends NativeWorker {
    constructor(url, options) {
      if (options?.name !== 'holdfast-engine' || typeof workerProbe !== 'string') {
        super(url, options);
        return;
      }
      probe.workerRequestedAt = performance.now();
      // A static import: the whole module graph is evaluated before the worker handles its first message
      // (the app's init), and the import is evaluated before this module's own body (the probe).
      const source = `import ${JSON.stringify(new URL(url, location.href).href)};\nself.__hfBenchConfig = ${JSON.stringify(config)};\n${workerProbe}\n`;
      super(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), { ...options, type: 'module' });
      const post = this.postMessage.bind(this);
      this.postMessage = (msg, transfer) => post(msg?.type === 'init' ? { ...msg, options: { ...msg.options, bench: true } } : msg, transfer);
    }
  };

  /** Record when an async method starts and ends (first call only). */
  const time = (target, method, name) => {
    const original = target?.[method];
    if (typeof original !== 'function') return;
    target[method] = async (...args) => {
      probe.timeline[`${name}Start`] ??= performance.now();
      try {
        return await original.apply(target, args);
      } finally {
        probe.timeline[`${name}End`] ??= performance.now();
      }
    };
  };

  window.__holdfastBench = (hub) => {
    probe.console = hub;
    probe.timeline.consoleCreated = performance.now();
    // Every diff the host sends this page, as it arrives: [epoch, seq, connection status if it carries one].
    const onMessage = hub.client.onMessage;
    if (typeof onMessage === 'function') {
      hub.client.onMessage = function (m) {
        if (m?.type === 'diff' && probe.diffLog.length < 20000) probe.diffLog.push([epoch(), m.seq, m.connection?.status ?? null]);
        return onMessage.call(this, m);
      };
    }
    time(hub, 'boot', 'boot');
    time(hub.history, 'load', 'historyLoad');
    const seed = hub.client.seed.bind(hub.client);
    hub.client.seed = (boot) => {
      probe.timeline.bootStateRead ??= performance.now();
      return seed(boot);
    };
    let open = false;
    let lastLogged = null;
    hub.client.subscribeConnection((s) => {
      // The connection's own log (its last 50 entries travel with each state): keep every entry seen.
      const entries = s?.log ?? [];
      let from = 0;
      if (lastLogged !== null) {
        const same = entries.findLastIndex((e) => e.at === lastLogged.at && e.message === lastLogged.message);
        from = same >= 0 ? same + 1 : entries.findIndex((e) => e.at > lastLogged.at);
      }
      if (from >= 0) for (const e of entries.slice(from)) probe.connectionLog.push([e.at, e.message]);
      lastLogged = entries.at(-1) ?? lastLogged;
      const now = s?.status === 'open';
      if (now && !open) probe.connectedAt.push(epoch());
      open = now;
    });
    let live = false;
    hub.client.subscribeStatus((s) => {
      const now = !!s?.live;
      if (now && !live) probe.liveAt.push(epoch());
      live = now;
    });
  };

  // A property control has committed a render; note when a new reported value reached its DOM.
  const patchControl = (Control) => {
    const proto = Control.prototype;
    const updated = proto.updated;
    proto.updated = function (changed) {
      updated?.call(this, changed);
      // The control's own binding (src/ui/hf-property-control.ts): the value its render just used.
      const r = this.reported?.value;
      if (!r || r === this.__hfShown) return;
      this.__hfShown = r;
      const t = epoch();
      if (probe.firstControlValueAt === null) {
        probe.firstControlValueAt = performance.now();
        probe.firstRenderedValueAt ??= probe.firstControlValueAt;
        performance.mark('hf-first-value');
      }
      if (r.session !== this.__hfSession) {
        this.__hfSession = r.session;
        this.__hfSessionAt = t;
      }
      if (probe.sampling) probe.domLog.push([this.deviceId, this.schema?.id, r.value, r.session, t]);
    };
    const connected = proto.connectedCallback;
    proto.connectedCallback = function () {
      probe.controls.add(this);
      connected?.call(this);
    };
    const disconnected = proto.disconnectedCallback;
    proto.disconnectedCallback = function () {
      probe.controls.delete(this);
      disconnected?.call(this);
    };
  };
  // A first paint before the app (plain DOM in <hf-app>'s light DOM): the first value text it puts there.
  const firstPaint = new MutationObserver(() => {
    const shown = [...document.querySelectorAll('hf-app .first-paint dd')].some((dd) => dd.textContent && dd.textContent !== '—');
    if (!shown) return;
    probe.firstPaintValueAt = performance.now();
    probe.firstRenderedValueAt ??= probe.firstPaintValueAt;
    firstPaint.disconnect();
  });
  firstPaint.observe(document, { childList: true, subtree: true });

  // Patched as it is defined, so not even the first render is missed.
  const define = customElements.define.bind(customElements);
  customElements.define = (name, ctor, options) => {
    if (name === 'hf-property-control') patchControl(ctor);
    return define(name, ctor, options);
  };
})();
