// Injected by bench/run.ts into Holdfast pages before they load (CDP init
// script, so the app's CSP does not apply). The app hands over its Hub when
// the URL has ?bench (src/bench-hooks.ts); everything else is measured here by
// wrapping the Hub's own store instances, so src carries no timing code.
(() => {
  const probe = {
    hub: null,
    longtasks: [],
    /** performance.now() of each transition to "open" (CONNACK). */
    connectedAt: [],
    /** Value events routed into the status store since the last reset. */
    values: 0,
    firstValueEventAt: null,
    lastValueEventAt: null,
    /** When the store last received anything (values, descriptions, $state). */
    lastApplyAt: null,
    /** Distinct device+property keys that reported since the last reset, and each device's last retained report. */
    keys: new Set(),
    deviceLastRetainedAt: new Map(),
    /** Latest arrival per device+property while sampling, for the arrival-to-DOM delay. */
    sampling: false,
    arrivals: new Map(),
    domDelays: [],
    /** When the first control rendered a reported value (first paint of the last-known state). */
    firstRenderedValueAt: null,
    /** Outbox: when each entry was first decided (after its latest re-queue), and every entry's latest state. */
    decidedAt: new Map(),
    states: new Map(),
    /** IndexedDB transactions opened since the last reset, by "store+store:mode". */
    idb: {},
    /** Boot milestones (performance.now()), for the cold-start breakdown. */
    timeline: {},

    reset() {
      this.values = 0;
      this.firstValueEventAt = this.lastValueEventAt = this.lastApplyAt = null;
      this.keys.clear();
      this.deviceLastRetainedAt.clear();
      this.arrivals.clear();
      this.domDelays = [];
      this.decidedAt.clear();
      this.states.clear();
      this.idb = {};
    },

    /** Queue edits through the Hub, as the UI would: each desired value is the shown one + 1. Returns [base, desired] per edit. */
    async queueEdits(list, modulo) {
      const hub = this.hub;
      const out = [];
      // A few in flight at once: each is its own durable transaction, so this only saves round trips.
      for (let i = 0; i < list.length; i += 20) {
        const chunk = list.slice(i, i + 20).map(([deviceId, propertyId]) => {
          const base = hub.status.current(deviceId, propertyId)?.value;
          const desired = (Number(base) + 1) % modulo;
          out.push([base, desired]);
          return hub.edit(deviceId, propertyId, desired);
        });
        await Promise.all(chunk);
      }
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

  const UNDECIDED = ['queued', 'reconciling'];

  const openTransaction = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (stores, mode, options) {
    const k = `${[].concat(stores).join('+')}:${mode ?? 'readonly'}`;
    probe.idb[k] = (probe.idb[k] ?? 0) + 1;
    return openTransaction.call(this, stores, mode, options);
  };

  /** Record when an async method of the Hub's stores starts and ends. */
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
    probe.hub = hub;
    probe.timeline.hubCreated = performance.now();
    time(hub, 'start', 'hubStart');
    time(hub.status, 'load', 'statusLoad');
    time(hub.history, 'load', 'historyLoad');
    let open = false;
    hub.subscribe((s) => {
      const now = s.connection?.status === 'open';
      if (now && !open) probe.connectedAt.push(performance.now());
      open = now;
    });

    // Every message the engine routes into the status store passes here.
    const status = hub.status;
    const apply = status.apply.bind(status);
    status.apply = (batch) => {
      const t = performance.now();
      probe.lastApplyAt = t;
      for (const { event } of batch) {
        if (event.kind !== 'value') continue;
        probe.values++;
        probe.firstValueEventAt ??= t;
        probe.lastValueEventAt = t;
        const key = `${event.deviceId}\u0000${event.propertyId}`;
        probe.keys.add(key);
        if (event.retained) probe.deviceLastRetainedAt.set(event.deviceId, t);
        if (probe.sampling) probe.arrivals.set(key, { value: event.value, t });
      }
      return apply(batch);
    };

    // Every outbox state change the engine makes (after it committed): single, batched and applied updates.
    const outbox = hub.outboxStore;
    const note = (next) => {
      if (!next || next.seq === undefined) return;
      const t = performance.now();
      probe.states.set(next.seq, next.state);
      if (UNDECIDED.includes(next.state)) probe.decidedAt.delete(next.seq);
      else if (!probe.decidedAt.has(next.seq)) probe.decidedAt.set(next.seq, t);
    };
    const transition = outbox.transition.bind(outbox);
    outbox.transition = async (expected, next) => {
      const ok = await transition(expected, next);
      if (ok) note(next);
      return ok;
    };
    const transitionMany = outbox.transitionMany.bind(outbox);
    outbox.transitionMany = async (pairs) => {
      const ok = await transitionMany(pairs);
      pairs.forEach(([, next], i) => ok[i] && note(next));
      return ok;
    };
    const applyMany = outbox.applyMany.bind(outbox);
    outbox.applyMany = async (ops) => {
      const results = await applyMany(ops);
      results.forEach(note);
      return results;
    };
  };

  // A property control has put a new reported value into its DOM (Lit's updated() runs after commit).
  void customElements.whenDefined('hf-property-control').then(() => {
    const Control = customElements.get('hf-property-control');
    const updated = Control.prototype.updated;
    Control.prototype.updated = function (changed) {
      updated?.call(this, changed);
      if (!changed.has('reported') || this.reported === undefined) return;
      const t = performance.now();
      if (probe.firstRenderedValueAt === null) {
        probe.firstRenderedValueAt = t;
        performance.mark('hf-first-value');
      }
      // A control that just appeared shows an old value: that is not a delivery delay.
      if (!probe.sampling || changed.get('reported') === undefined) return;
      const key = `${this.deviceId}\u0000${this.schema.id}`;
      const arrival = probe.arrivals.get(key);
      if (arrival && arrival.value === this.reported.value) {
        probe.domDelays.push(t - arrival.t);
        probe.arrivals.delete(key);
      }
    };
  });
})();
