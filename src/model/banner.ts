/** Which connection notice to show. Pure, so the timing rules are tested without a browser. */
export type Banner = { readonly kind: 'none' } | { readonly kind: 'reconnecting' } | { readonly kind: 'offline' } | { readonly kind: 'failed' };

export const RECONNECTING_AFTER_MS = 2_000;
export const OFFLINE_AFTER_MS = 30_000;

/**
 * A blip shorter than 2 s shows only the status badge (no flashing banner);
 * then a non-blocking "Reconnecting…" with a countdown; after 30 s, a clear
 * offline notice. A failure retrying cannot fix is shown at once.
 */
export function bannerFor(status: string | null, downSince: number | null, now: number): Banner {
  if (status === 'failed-permanent') return { kind: 'failed' };
  if (status === null || status === 'open' || status === 'idle' || downSince === null) return { kind: 'none' };
  const down = now - downSince;
  if (down < RECONNECTING_AFTER_MS) return { kind: 'none' };
  if (down < OFFLINE_AFTER_MS) return { kind: 'reconnecting' };
  return { kind: 'offline' };
}
