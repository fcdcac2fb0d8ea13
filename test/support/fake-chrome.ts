// Just enough of the extension runtime to run the extension's service-worker
// logic (src/extension/supervisor.ts) and its pages' transports in Node: the
// unit tests and the extension chaos harness use it.
//
//   FakeRuntime   chrome.runtime.connect / onConnect ports. Messages are
//                 delivered asynchronously and JSON-serialized, as Chrome's
//                 extension messaging does (not structured clone). A side
//                 that disconnects tells only the other side. When the
//                 "service worker" is not running, connect() wakes it first
//                 (the harness boots a new one), as Chrome starts a stopped
//                 worker for a port.
//   FakePlatform  alarms (real timers), the action's badge and title,
//                 notifications, storage.local.

import type { RuntimeEvent, RuntimePort } from '../../src/host/ports.js';
import type { Alarm, NotificationOptions } from '../../src/extension/chrome-api.js';
import type { SupervisorPlatform } from '../../src/extension/supervisor.js';

export class FakeEvent<F extends (...args: never[]) => void> implements RuntimeEvent<F> {
  private readonly fns = new Set<F>();
  addListener(fn: F): void {
    this.fns.add(fn);
  }
  removeListener(fn: F): void {
    this.fns.delete(fn);
  }
  emit(...args: Parameters<F>): void {
    for (const fn of [...this.fns]) fn(...args);
  }
  clear(): void {
    this.fns.clear();
  }
  get size(): number {
    return this.fns.size;
  }
}

class FakePort implements RuntimePort {
  readonly onMessage = new FakeEvent<(msg: unknown, port: RuntimePort) => void>();
  readonly onDisconnect = new FakeEvent<(port: RuntimePort) => void>();
  other: FakePort | null = null;
  connected = true;

  constructor(
    readonly name: string,
    private readonly onGone: (port: FakePort) => void,
  ) {}

  postMessage(msg: unknown): void {
    if (!this.connected) throw new Error('Attempting to use a disconnected port object');
    const other = this.other;
    const data = JSON.stringify(msg);
    setTimeout(() => {
      if (other?.connected) other.onMessage.emit(JSON.parse(data) as unknown, other);
    }, 0);
  }

  disconnect(): void {
    if (!this.connected) return;
    this.connected = false;
    this.onGone(this);
    const other = this.other;
    if (other?.connected) {
      other.connected = false;
      this.onGone(other);
      setTimeout(() => other.onDisconnect.emit(other), 0);
    }
  }
}

export class FakeRuntime {
  readonly onConnect = new FakeEvent<(port: RuntimePort) => void>();
  /** Ports the worker side holds, live. */
  private readonly workerSide = new Set<FakePort>();
  private running = false;
  /** Boots a worker when a page connects while none runs; set by the harness. */
  wake: (() => void) | null = null;

  get pagesConnected(): number {
    return this.workerSide.size;
  }

  /** The worker (re)started: it registers its onConnect listener before this. */
  started(): void {
    this.running = true;
  }

  /** The worker stopped at once: its ports drop, its listeners are gone. */
  stopped(): void {
    this.running = false;
    for (const p of [...this.workerSide]) p.disconnect();
    this.onConnect.clear();
  }

  connect(info: { name: string }): RuntimePort {
    const gone = (p: FakePort): void => {
      this.workerSide.delete(p);
    };
    const page = new FakePort(info.name, () => undefined);
    const worker = new FakePort(info.name, gone);
    page.other = worker;
    worker.other = page;
    this.workerSide.add(worker);
    setTimeout(() => {
      if (!worker.connected) return;
      if (!this.running) this.wake?.();
      if (!this.running) {
        // Nothing could start: the page sees its port drop.
        worker.disconnect();
        return;
      }
      this.onConnect.emit(worker);
    }, 0);
    return page;
  }
}

export interface NotificationRecord extends NotificationOptions {
  readonly id: string;
  readonly at: number;
}

export class FakePlatform implements SupervisorPlatform {
  badgeText = '';
  title = '';
  readonly shown: NotificationRecord[] = [];
  readonly store = new Map<string, unknown>();
  private readonly alarmTimers = new Map<string, { alarm: Alarm; timer: ReturnType<typeof setTimeout> }>();
  /** Fired alarms go here (the harness wakes the worker if none runs). */
  onAlarm: ((alarm: Alarm) => void) | null = null;
  /** Alarm minutes are scaled by this for tests (1 minute = `minuteMs`). */
  constructor(private readonly minuteMs = 60_000) {}

  readonly alarms: SupervisorPlatform['alarms'] = {
    create: (name, info) => {
      void this.alarms.clear(name);
      const delay = (info.delayInMinutes ?? info.periodInMinutes ?? 0) * this.minuteMs;
      const schedule = (ms: number): void => {
        const alarm: Alarm = { name, scheduledTime: Date.now() + ms, ...(info.periodInMinutes !== undefined ? { periodInMinutes: info.periodInMinutes } : {}) };
        const timer = setTimeout(() => {
          if (info.periodInMinutes !== undefined) schedule(info.periodInMinutes * this.minuteMs);
          else this.alarmTimers.delete(name);
          this.onAlarm?.(alarm);
        }, ms);
        timer.unref?.();
        this.alarmTimers.set(name, { alarm, timer });
      };
      schedule(info.when !== undefined ? Math.max(0, info.when - Date.now()) : delay);
      return Promise.resolve();
    },
    clear: (name) => {
      const a = this.alarmTimers.get(name);
      if (a) clearTimeout(a.timer);
      return Promise.resolve(this.alarmTimers.delete(name));
    },
    get: (name) => Promise.resolve(this.alarmTimers.get(name)?.alarm),
    onAlarm: new FakeEvent<(alarm: Alarm) => void>(),
  };

  readonly action: SupervisorPlatform['action'] = {
    setBadgeText: ({ text }) => {
      this.badgeText = text;
      return Promise.resolve();
    },
    setBadgeBackgroundColor: () => Promise.resolve(),
    setTitle: ({ title }) => {
      this.title = title;
      return Promise.resolve();
    },
  };

  readonly notifications: SupervisorPlatform['notifications'] = {
    create: (id, options) => {
      this.shown.push({ id, at: Date.now(), ...options });
      return Promise.resolve(id);
    },
    clear: () => Promise.resolve(true),
    onClicked: new FakeEvent<(id: string) => void>(),
  };

  readonly storage: SupervisorPlatform['storage'] = {
    local: {
      get: (keys) => {
        const names = keys === null ? [...this.store.keys()] : Array.isArray(keys) ? keys : [keys];
        return Promise.resolve(Object.fromEntries(names.filter((k) => this.store.has(k)).map((k) => [k, structuredClone(this.store.get(k))])));
      },
      set: (items) => {
        for (const [k, v] of Object.entries(items)) this.store.set(k, structuredClone(v));
        return Promise.resolve();
      },
    },
  };

  /** Every alarm stops (the harness ends). */
  dispose(): void {
    for (const { timer } of this.alarmTimers.values()) clearTimeout(timer);
    this.alarmTimers.clear();
  }
}
