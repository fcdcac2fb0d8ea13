// DevTools protocol helpers for the benchmark: the page's dedicated workers
// (heap, evaluation), per-thread CPU from a trace, and clock offsets between
// Node and a browser context.
//
// Playwright's CDPSession only routes messages of its own session, so a
// flattened auto-attach (child sessions addressed by sessionId) cannot be
// used through it. The workers are reached with the non-flattened form of
// the same mechanism instead: Target.setAutoAttach { flatten: false } on the
// page's session, then Target.sendMessageToTarget / receivedMessageFromTarget.

import type { BrowserContext, CDPSession, Page } from '@playwright/test';

/** Milliseconds since the Unix epoch from Node's monotonic clock (the same construction as a page's timeOrigin + now). */
export function nodeEpoch(): number {
  return performance.timeOrigin + performance.now();
}

export interface ClockOffset {
  /** context clock − Node clock, ms. */
  readonly offsetMs: number;
  /** Half the round trip of the best sample: the offset is known to ± this. */
  readonly errorMs: number;
}

/**
 * The offset of a context's epoch clock (performance.timeOrigin + now) from
 * Node's, from the round trip with the shortest time of `samples` tries
 * (NTP's rule): whatever the clocks, a time measured there can be put on
 * Node's clock, and a mismatch shows up here instead of in a result.
 */
export async function clockOffset(read: () => Promise<number>, samples = 9): Promise<ClockOffset> {
  let best: ClockOffset | null = null;
  for (let i = 0; i < samples; i++) {
    const t0 = nodeEpoch();
    const tc = await read();
    const t1 = nodeEpoch();
    const sample = { offsetMs: tc - (t0 + t1) / 2, errorMs: (t1 - t0) / 2 };
    if (!best || sample.errorMs < best.errorMs) best = sample;
  }
  return best!;
}

interface Pending {
  resolve(result: unknown): void;
  reject(err: Error): void;
}

/** One dedicated worker of a page, reached through the page's CDP session. */
export class WorkerTarget {
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  gone = false;

  constructor(
    private readonly cdp: CDPSession,
    readonly sessionId: string,
    readonly url: string,
  ) {}

  private snapshotChunks: string[] | null = null;

  /** @internal */
  onMessage(raw: string): void {
    const m = JSON.parse(raw) as { id?: number; method?: string; params?: { chunk?: string }; result?: unknown; error?: { message: string } };
    if (m.method === 'HeapProfiler.addHeapSnapshotChunk') this.snapshotChunks?.push(m.params?.chunk ?? '');
    if (m.id === undefined) return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.error) p.reject(new Error(m.error.message));
    else p.resolve(m.result);
  }

  /** @internal */
  detached(): void {
    this.gone = true;
    for (const p of this.pending.values()) p.reject(new Error('the worker is gone'));
    this.pending.clear();
  }

  send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    if (this.gone) return Promise.reject(new Error('the worker is gone'));
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      this.cdp.send('Target.sendMessageToTarget', { sessionId: this.sessionId, message: JSON.stringify({ id, method, params }) }).catch((err: Error) => {
        this.pending.delete(id);
        reject(err);
      });
    });
  }

  /** Evaluate an expression in the worker (it may return a promise); the value comes back by value. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send<{ result: { value?: T }; exceptionDetails?: { text: string; exception?: { description?: string } } }>('Runtime.evaluate', {
      expression,
      returnByValue: true,
      awaitPromise: true,
    });
    if (r.exceptionDetails) throw new Error(`in the worker: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  async heapAfterGc(): Promise<number> {
    await this.send('HeapProfiler.collectGarbage');
    const { usedSize } = await this.send<{ usedSize: number }>('Runtime.getHeapUsage');
    return usedSize;
  }

  /** A heap snapshot of the worker (after a GC), as the .heapsnapshot JSON text DevTools loads. */
  async heapSnapshot(): Promise<string> {
    await this.send('HeapProfiler.collectGarbage');
    this.snapshotChunks = [];
    try {
      await this.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      return this.snapshotChunks.join('');
    } finally {
      this.snapshotChunks = null;
    }
  }

  clock(): Promise<ClockOffset> {
    return clockOffset(() => this.evaluate<number>('performance.timeOrigin + performance.now()'));
  }
}

/** A page's dedicated workers as they start (attached before the page creates them). */
export class PageWorkers {
  private readonly workers = new Map<string, WorkerTarget>();

  private constructor(readonly cdp: CDPSession) {}

  static async attach(context: BrowserContext, page: Page): Promise<PageWorkers> {
    const cdp = await context.newCDPSession(page);
    const w = new PageWorkers(cdp);
    cdp.on('Target.attachedToTarget', (e) => {
      if (e.targetInfo.type !== 'worker') return;
      w.workers.set(e.sessionId, new WorkerTarget(cdp, e.sessionId, e.targetInfo.url));
    });
    cdp.on('Target.detachedFromTarget', (e) => {
      if (!e.sessionId) return;
      w.workers.get(e.sessionId)?.detached();
      w.workers.delete(e.sessionId);
    });
    cdp.on('Target.receivedMessageFromTarget', (e) => w.workers.get(e.sessionId)?.onMessage(e.message));
    await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
    return w;
  }

  /** The page's dedicated workers attached so far (the soak weighs every one). */
  list(): WorkerTarget[] {
    return [...this.workers.values()].filter((w) => !w.gone);
  }

  /** The engine worker: the one the probe was injected into. Waits for it. */
  async engine(timeoutMs = 30_000): Promise<WorkerTarget> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const w of this.workers.values()) {
        if (w.gone) continue;
        if (await w.evaluate<boolean>('!!self.__hfProbe?.host').catch(() => false)) return w;
      }
      if (Date.now() > deadline) throw new Error(`no engine worker with the bench probe after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async detach(): Promise<void> {
    for (const w of this.workers.values()) w.detached();
    await this.cdp.detach().catch(() => {});
  }
}

// ---------------------------------------------------------------- per-thread CPU from a trace

interface TraceEvent {
  readonly ph: string;
  readonly name: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts: number;
  readonly dur?: number;
  readonly args?: { name?: string };
}

export interface ThreadCpu {
  readonly name: string;
  /** Sum of the thread's top-level tasks, ms. */
  readonly busyMs: number;
  /** Its longest top-level task, ms. */
  readonly longestTaskMs: number;
  readonly tasks: number;
}

export interface TraceCpu {
  readonly wallMs: number;
  /** The thread that emitted the main-thread marker. */
  readonly main: ThreadCpu | null;
  /** The thread that emitted the worker marker (the engine worker). */
  readonly worker: ThreadCpu | null;
  /** Every other dedicated worker of the marked page's process (e.g. mqtt.js' timer worker on the raw page). */
  readonly otherWorkers: ThreadCpu;
}

export const MAIN_MARK = 'hf-bench-main-thread';
export const WORKER_MARK = 'hf-bench-worker-thread';
/** Chromium's top-level task event: one per task a thread's scheduler runs. */
const TASK_EVENTS = new Set(['ThreadControllerImpl::RunTask', 'ThreadPool_RunTask']);

/**
 * Record Chromium's "toplevel" trace category (one event per task, every
 * thread) while `during` runs. The page and the worker each put a
 * performance.mark() into the trace (`marks`), which names their threads;
 * a thread's CPU is then the sum of its tasks, the same measure as the
 * main thread's Performance.getMetrics TaskDuration.
 */
export async function traceCpu<T>(context: BrowserContext, page: Page, marks: () => Promise<void>, during: () => Promise<T>): Promise<{ result: T; cpu: TraceCpu }> {
  const cdp = await context.newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (e) => {
    for (const ev of e.value as unknown as TraceEvent[]) if (ev.ph === 'X' || ev.ph === 'M' || ev.name === MAIN_MARK || ev.name === WORKER_MARK) events.push(ev);
  });
  const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
  await cdp.send('Tracing.start', {
    traceConfig: { includedCategories: ['toplevel', 'blink.user_timing', '__metadata'], recordMode: 'recordContinuously' },
    transferMode: 'ReportEvents',
  });
  const t0 = Date.now();
  let result: T;
  try {
    await marks();
    result = await during();
    // Mark again at the end, in case the first marks fell before the trace buffer was live.
    await marks();
  } finally {
    await cdp.send('Tracing.end');
    await complete;
    await cdp.detach().catch(() => {});
  }
  const wallMs = Date.now() - t0;
  const names = new Map<string, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name' && e.args?.name) names.set(`${e.pid}:${e.tid}`, e.args.name);
  const markOf = (name: string): { pid: number; tid: number } | null => {
    const e = events.find((x) => x.name === name);
    return e ? { pid: e.pid, tid: e.tid } : null;
  };
  const mainAt = markOf(MAIN_MARK);
  const workerAt = markOf(WORKER_MARK);
  const busy = new Map<string, { busyMs: number; longestTaskMs: number; tasks: number }>();
  for (const e of events) {
    if (e.ph !== 'X' || !TASK_EVENTS.has(e.name) || e.dur === undefined) continue;
    const k = `${e.pid}:${e.tid}`;
    const b = busy.get(k) ?? { busyMs: 0, longestTaskMs: 0, tasks: 0 };
    b.busyMs += e.dur / 1000;
    b.longestTaskMs = Math.max(b.longestTaskMs, e.dur / 1000);
    b.tasks++;
    busy.set(k, b);
  }
  const thread = (at: { pid: number; tid: number } | null): ThreadCpu | null => {
    if (!at) return null;
    const k = `${at.pid}:${at.tid}`;
    return { name: names.get(k) ?? k, ...(busy.get(k) ?? { busyMs: 0, longestTaskMs: 0, tasks: 0 }) };
  };
  const other = { name: 'DedicatedWorker thread (others)', busyMs: 0, longestTaskMs: 0, tasks: 0 };
  if (mainAt) {
    for (const [k, b] of busy) {
      const [pid, tid] = k.split(':').map(Number);
      if (pid !== mainAt.pid || (workerAt && tid === workerAt.tid) || !/DedicatedWorker/.test(names.get(k) ?? '')) continue;
      other.busyMs += b.busyMs;
      other.longestTaskMs = Math.max(other.longestTaskMs, b.longestTaskMs);
      other.tasks += b.tasks;
    }
  }
  return { result: result!, cpu: { wallMs, main: thread(mainAt), worker: thread(workerAt), otherWorkers: other } };
}
