import { ContextConsumer } from '@lit/context';
import type { ReactiveController, ReactiveElement } from 'lit';
import type { Console } from '../../app/console.js';
import { consoleContext } from '../context.js';

/** A source of values: subscribing calls back at once and on every change; the result unsubscribes. */
export type Subscribable<S> = (fn: (value: S) => void) => () => void;

/**
 * Binds an element to one slice of the console: it re-renders only when
 * that slice changes (as `equals` sees it), not on every change anywhere.
 * The element calls `rebind()` when what it shows changes (e.g. a new
 * deviceId); it unsubscribes when disconnected.
 */
export class SliceController<S, T = S> implements ReactiveController {
  private readonly consumer: ContextConsumer<typeof consoleContext, ReactiveElement> | null;
  private unsubscribe: (() => void) | null = null;
  private current: T | undefined;
  private has = false;

  constructor(
    private readonly host: ReactiveElement,
    private readonly source: (c: Console) => Subscribable<S> | null,
    private readonly select: (s: S) => T = (s) => s as unknown as T,
    private readonly equals: (a: T, b: T) => boolean = Object.is,
    /** For the element that provides the console itself (a provider does not answer its own requests). */
    private readonly own?: () => Console | undefined,
  ) {
    this.consumer = own ? null : new ContextConsumer(host, { context: consoleContext, subscribe: true, callback: () => this.rebind() });
    host.addController(this);
  }

  get console(): Console | undefined {
    return this.own ? this.own() : this.consumer?.value;
  }

  /** The slice's value (undefined until the console is there). */
  get value(): T | undefined {
    return this.current;
  }

  rebind(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.has = false;
    const c = this.console;
    if (!c || !this.host.isConnected) return;
    const subscribe = this.source(c);
    if (!subscribe) {
      this.current = undefined;
      return;
    }
    this.unsubscribe = subscribe((s) => {
      const next = this.select(s);
      if (this.has && this.equals(this.current as T, next)) return;
      this.has = true;
      this.current = next;
      this.host.requestUpdate();
    });
  }

  hostConnected(): void {
    if (!this.unsubscribe) this.rebind();
  }

  hostDisconnected(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.has = false;
  }
}

/** Shallow equality of arrays (same items in the same order). */
export function sameItems<X>(a: readonly X[], b: readonly X[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
