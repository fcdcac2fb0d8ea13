import { ContextConsumer } from '@lit/context';
import type { ReactiveController, ReactiveElement } from 'lit';
import type { Hub, HubState } from '../../engine/hub.js';
import { hubContext } from '../context.js';

/** Binds an element to the Hub's state; re-renders on every state replacement. */
export class HubController implements ReactiveController {
  private unsubscribe: (() => void) | null = null;
  private readonly consumer: ContextConsumer<typeof hubContext, ReactiveElement>;
  state: HubState | null = null;

  constructor(private readonly host: ReactiveElement) {
    this.consumer = new ContextConsumer(host, {
      context: hubContext,
      subscribe: true,
      callback: (hub) => this.bind(hub),
    });
    host.addController(this);
  }

  get hub(): Hub | undefined {
    return this.consumer.value;
  }

  private bind(hub: Hub): void {
    this.unsubscribe?.();
    this.unsubscribe = hub.subscribe((s) => {
      this.state = s;
      this.host.requestUpdate();
    });
  }

  hostConnected(): void {
    if (this.consumer.value && !this.unsubscribe) this.bind(this.consumer.value);
  }

  hostDisconnected(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}
