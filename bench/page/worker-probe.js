// Runs in Holdfast's engine worker before the worker handles its first
// message (bench/page/probe.js builds the worker from a blob: module: the
// app's worker chunk, then this). src/host/worker.ts hands the EngineHost to
// self.__holdfastBench when its init options say `bench` (src/bench-hooks.ts);
// everything is measured here by wrapping the host's own instances, so src
// carries no timing code. bench/run.ts reads self.__hfProbe over the DevTools
// protocol.
//
// Times are epoch milliseconds (performance.timeOrigin + performance.now());
// bench/run.ts measures this worker's offset from Node's clock.
(() => {
  const config = self.__hfBenchConfig ?? {};
  const epoch = () => performance.timeOrigin + performance.now();
  const PENDING = ['queued', 'checking', 'held'];

  const probe = {
    host: null,
    /** Epoch times of each transition to "open" (CONNACK) and of becoming live (SUBACKs); the host's session ids. */
    connectedAt: [],
    sessions: [],
    liveAt: [],
    /** Value events applied to the working copy since the last reset; of them live ones (not a retained replay). */
    values: 0,
    firstValueAt: null,
    lastValueAt: null,
    liveValues: 0,
    firstLiveAt: null,
    lastLiveAt: null,
    /** When the working copy last received anything (values, descriptions, $state). */
    lastApplyAt: null,
    /** Distinct device+property keys that reported since the last reset, and each device's last retained report. */
    keys: new Set(),
    deviceLastRetainedAt: new Map(),
    /** Devices whose value arrivals are logged while sampling: deviceId → [propertyId, value, retained, epoch][]. */
    sampling: config.samplingFromStart === true,
    sample: new Set(config.sample ?? []),
    /** When each sampled device's description (its "device" event) was applied: deviceId → epoch[]. */
    described: new Map(),
    arrivals: new Map(),
    /** Outbox: when each entry was first decided (after its latest re-queue), and its latest state. */
    decidedAt: new Map(),
    states: new Map(),
    /** IndexedDB transactions opened since the last reset, by "stores:mode". */
    idb: {},
    timeline: {},
    /** Diffs built for clients [epoch, seq, connection status], acks received [epoch, seq]. */
    diffLog: [],
    ackLog: [],

    reset() {
      this.values = this.liveValues = 0;
      this.firstValueAt = this.lastValueAt = this.firstLiveAt = this.lastLiveAt = this.lastApplyAt = null;
      this.keys.clear();
      this.deviceLastRetainedAt.clear();
      this.arrivals.clear();
      this.decidedAt.clear();
      this.states.clear();
      this.idb = {};
    },

    /** Devices the working copy knows. */
    deviceCount() {
      return [...this.host.devices.ids()].length;
    },

    /** Write the status cache now (before a reload or an offline start). */
    flushCache() {
      return this.host.cache.flush();
    },

    /** The session's id and how many of a device's values arrived on it (the working copy's provenance). */
    freshValues(deviceId) {
      const session = this.host.openSession;
      const cached = this.host.devices.cached(deviceId);
      const values = cached?.values ?? [];
      return { session, fresh: values.filter(([, v]) => v.session === session).length, total: values.length };
    },

    takeArrivals() {
      const out = Object.fromEntries(this.arrivals);
      this.arrivals.clear();
      return out;
    },
  };
  self.__hfProbe = probe;

  const openTransaction = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (stores, mode, options) {
    const k = `${[].concat(stores).join('+')}:${mode ?? 'readonly'}`;
    probe.idb[k] = (probe.idb[k] ?? 0) + 1;
    return openTransaction.call(this, stores, mode, options);
  };

  self.__holdfastBench = (host) => {
    probe.host = host;
    probe.timeline.hostCreated = epoch();

    // A bench-only interest source, as an alarm rule reading every device would be: the engine then
    // subscribes and processes every device's values while the page shows one.
    const buildStack = host.buildStack;
    host.buildStack = async function (...args) {
      await buildStack.apply(this, args);
      if (config.watch?.length > 0) this.stack.subscriptions.setSource('bench:watch', config.watch);
    };

    const views = host.views;
    const build = views.build.bind(views);
    views.build = (v) => {
      const diff = build(v);
      if (probe.diffLog.length < 20000) probe.diffLog.push([epoch(), diff.seq, diff.connection?.status ?? null]);
      return diff;
    };
    const ack = views.ack.bind(views);
    views.ack = (clientId, seq) => {
      if (probe.ackLog.length < 20000) probe.ackLog.push([epoch(), seq]);
      return ack(clientId, seq);
    };
    let open = false;
    const connectionChanged = views.connectionChanged.bind(views);
    views.connectionChanged = () => {
      const now = host.connectionState?.status === 'open';
      if (now && !open) probe.connectedAt.push(epoch());
      open = now;
      connectionChanged();
    };
    let live = false;
    const statusChanged = views.statusChanged.bind(views);
    let session = null;
    views.statusChanged = () => {
      if (host.openSession !== null && host.openSession !== session) probe.sessions.push((session = host.openSession));
      const now = host.live;
      if (now && !live) probe.liveAt.push(epoch());
      live = now;
      statusChanged();
    };

    // Every message the pipeline routes into the working copy passes here.
    const devices = host.devices;
    const apply = devices.apply.bind(devices);
    devices.apply = (at, event, session) => {
      const t = epoch();
      probe.lastApplyAt = t;
      if (event.kind === 'device' && probe.sample.has(event.device.id)) probe.described.set(event.device.id, [...(probe.described.get(event.device.id) ?? []), t]);
      if (event.kind === 'value') {
        probe.values++;
        probe.firstValueAt ??= t;
        probe.lastValueAt = t;
        probe.keys.add(`${event.deviceId}\u0000${event.propertyId}`);
        if (event.retained) probe.deviceLastRetainedAt.set(event.deviceId, t);
        else {
          probe.liveValues++;
          probe.firstLiveAt ??= t;
          probe.lastLiveAt = t;
        }
        if (probe.sampling && probe.sample.has(event.deviceId)) {
          let list = probe.arrivals.get(event.deviceId);
          if (!list) probe.arrivals.set(event.deviceId, (list = []));
          list.push([event.propertyId, event.value, event.retained, t]);
        }
      }
      return apply(at, event, session);
    };

    // Every outbox state change the engine makes (after it committed): batched transitions and applied updates.
    const outbox = host.outbox;
    const note = (next) => {
      if (!next || next.seq === undefined) return;
      const t = epoch();
      probe.states.set(next.seq, next.state);
      if (PENDING.includes(next.state)) probe.decidedAt.delete(next.seq);
      else if (!probe.decidedAt.has(next.seq)) probe.decidedAt.set(next.seq, t);
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
})();
