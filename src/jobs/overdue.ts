import { SCHEDULE } from './schedule';

/**
 * When the bot stops waiting for a task that stays pending or processing. The provider has no cancel and may
 * never report an end (docs/apimart.md); polling such a task forever would also hold one of the member's
 * `concurrent` slots forever. Vidu Q3 tasks take 1 to 6 minutes, queues at the provider add to that, so
 * the bound is generous: the expected end plus twice the estimate, and never less than 30 minutes after it.
 * An estimate is believed up to an hour: a larger one is more likely wrong than honest, and the bound stays
 * under 3 hours whatever the provider says.
 */
export const OVERDUE = {
  graceFloorMs: 30 * 60_000,
  graceFactor: 2,
  maxEstimateSec: 3600,
} as const;

/** The provider's estimate as the bound uses it (s): the default when absent or not a positive number. */
function usableEstimateSec(estimatedTimeSec: number | null | undefined): number {
  const e = estimatedTimeSec ?? SCHEDULE.defaultEstimateSec;
  return Number.isFinite(e) && e > 0 ? Math.min(e, OVERDUE.maxEstimateSec) : SCHEDULE.defaultEstimateSec;
}

/** The moment (ms) after which a task accepted at `submittedAt` is given up as stuck. */
export function giveUpAt(task: { submittedAt: number; estimatedTimeSec: number | null | undefined }): number {
  const estimateMs = usableEstimateSec(task.estimatedTimeSec) * 1000;
  return task.submittedAt + estimateMs + Math.max(OVERDUE.graceFloorMs, OVERDUE.graceFactor * estimateMs);
}
