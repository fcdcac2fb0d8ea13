import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * One shared 1 Hz clock per page: every "3 s ago" on screen updates from
 * the same tick instead of one timer per element.
 */
const hosts = new Set<ReactiveControllerHost>();
let timer: ReturnType<typeof setInterval> | undefined;
let nowValue = Date.now();

function tick(): void {
  nowValue = Date.now();
  for (const h of hosts) h.requestUpdate();
}

export class ClockController implements ReactiveController {
  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  get now(): number {
    return nowValue;
  }

  hostConnected(): void {
    hosts.add(this.host);
    if (timer === undefined) {
      nowValue = Date.now();
      timer = setInterval(tick, 1000);
    }
  }

  hostDisconnected(): void {
    hosts.delete(this.host);
    if (hosts.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  }
}
