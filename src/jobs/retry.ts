/**
 * How long to wait before doing again what a store error interrupted (recording a delivery, settling a
 * quota): one second, doubling, at most 15 s. A store that is down for a while is then asked about every 15 s
 * per job (a few cheap calls), one that blinked is retried almost at once, and one that is back is used again
 * within 15 s: a member's quota or a job's record does not wait minutes after an outage.
 */
export const STORE_RETRY = { baseMs: 1_000, maxMs: 15_000 } as const;

/** Delay before attempt `attempt + 1` (`attempt` counts the failures so far, from 1). */
export function storeRetryDelay(attempt: number): number {
  return Math.min(STORE_RETRY.maxMs, STORE_RETRY.baseMs * 2 ** Math.max(0, attempt - 1));
}
