export interface BackoffOptions {
  /** First delay ceiling, ms. */
  readonly initialMs: number;
  /** Largest delay ceiling, ms. */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000 };

/**
 * Exponential backoff with full jitter: a uniform delay in [0, ceiling].
 * Full jitter spreads a room of tablets reconnecting after a broker restart.
 * `attempt` counts from 0. It never gives up: the ceiling just stays at maxMs.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(random() * ceiling);
}
