export interface BackoffOptions {
  /** First delay ceiling, ms. */
  readonly initialMs: number;
  /** Largest delay ceiling, ms. */
  readonly maxMs: number;
}

/**
 * A 5 s cap, as Home Assistant's websocket client uses: an operator watching
 * "next try in 24 s" while the network is back has lost trust. Between
 * attempts the broker's host is probed cheaply (connection.ts), so a path
 * that returns is noticed within about a second whatever the delay.
 */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 5_000 };

/** Attempts are never closer than this: at most two per second, whatever triggers them. */
export const MIN_ATTEMPT_GAP_MS = 500;

/**
 * ...and never three within this: at 500 ms apart, three attempts would span
 * exactly one second, which a broker (or a proxy in front of it, a few ms off
 * the console's clock) counts as three in a second. The margin covers timer
 * and network jitter.
 */
export const ATTEMPT_WINDOW_MS = 1050;

/**
 * Exponential backoff with full jitter: a uniform delay in [0, ceiling].
 * Full jitter spreads a room of tablets reconnecting after a broker restart.
 * `attempt` counts from 0. It never gives up: the ceiling just stays at maxMs.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(random() * ceiling);
}

/**
 * While nothing answers at the broker's host, the probe (one HTTP request
 * about every second) watches for it, and a WebSocket attempt is only the
 * fallback in case the probe is wrong: its ceiling grows to this. A room of
 * tablets then does not knock on a closed door every few seconds, and does
 * not all come through it in the same second when it opens.
 */
export const WATCHED_MAX_MS = 60_000;

/**
 * How widely a console spreads its reconnect once the broker's host answers
 * again: `baseMs` after a blip (one tablet's WiFi: recovery time is what
 * matters), growing with the outage to three times that. After a long outage
 * (a broker restart) every console in the room is waiting for the same moment.
 */
export function reconnectSpreadMs(outageMs: number, baseMs = 1000): number {
  return Math.round(Math.min(3 * baseMs, Math.max(baseMs, outageMs / 4)));
}

/** A probe interval with ±25 % jitter, so probes of many consoles do not line up either. */
export function probeDelay(intervalMs: number, random: () => number = Math.random): number {
  return Math.round(intervalMs * (0.75 + random() * 0.5));
}
