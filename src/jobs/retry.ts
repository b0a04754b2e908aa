/**
 * How long to wait before doing again what a store error interrupted (recording a delivery, settling a
 * quota): one second, doubling, at most a minute. A store that is down for a while is then asked about once
 * a minute per job, and one that blinked is retried almost at once.
 */
export const STORE_RETRY = { baseMs: 1_000, maxMs: 60_000 } as const;

/** Delay before attempt `attempt + 1` (`attempt` counts the failures so far, from 1). */
export function storeRetryDelay(attempt: number): number {
  return Math.min(STORE_RETRY.maxMs, STORE_RETRY.baseMs * 2 ** Math.max(0, attempt - 1));
}
