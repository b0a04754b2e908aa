import type { RequestClass } from '../apimart/gate';

/**
 * When to poll a job next. Pure: the poller feeds it what it knows and gets a delay back.
 *
 * The provider reports `estimated_time` and progress. Polls in the middle of a long task tell the user little
 * and cost a request each; polls around the expected end decide the delivery lag. So: one early poll (fast
 * failures such as moderation show up at once), then intervals that shrink as the expected end nears, a
 * tight cadence just after it, and a slow drift back when the estimate was wrong. When many jobs share the
 * request budget, mid-task polls stretch so that the budget goes to jobs about to finish.
 */

export interface PollState {
  now: number;
  /** When the task was accepted by the provider (ms). */
  submittedAt: number;
  estimatedTimeSec: number | undefined;
  progress: number | undefined;
  /** Consecutive failed polls. */
  errors: number;
  /** Polls done so far. */
  polls: number;
  /** How long the poller would need to poll every job in flight once, at its share of the budget (ms). */
  spreadMs?: number;
  /**
   * The first poll's delay from the submit, aimed from the history of finished tasks of the same kind
   * (src/jobs/history.ts), instead of the early poll; already bounded there (HISTORY.maxFirstPollMs).
   */
  aimedFirstMs?: number | undefined;
}

export const SCHEDULE = {
  firstPollMs: 3_000,
  minIntervalMs: 2_000,
  /** While a task runs, the user should still see progress move this often. */
  maxIntervalMs: 30_000,
  /** Share of the remaining time slept before the next poll: estimates are honest, so land close to the end. */
  approach: 0.75,
  /** After the expected end, poll this often, growing slowly while the estimate keeps being wrong. */
  overdueBaseMs: 2_000,
  overdueGrowth: 0.15,
  overdueMaxMs: 15_000,
  /** Assumed duration when the provider gave no estimate (Vidu Q3: 1 to 6 minutes). */
  defaultEstimateSec: 90,
  errorBaseMs: 4_000,
  errorMaxMs: 120_000,
  jitter: 0.1,
  /** Polls stretched by a short request budget: ±40%, so a crowd submitted at once spreads out. */
  stretchedJitter: 0.4,
  /** A poll aimed at the expected end lands up to this much after it. */
  landingJitterMs: 250,
} as const;

/**
 * The expected end of a task (ms): the provider's estimate, brought earlier by progress that runs ahead of
 * it. Never later: reported progress moves in steps and trails the real fraction, so extrapolating it would
 * aim late; an estimate that proves too short is handled as overdue (polled often, then backing off).
 */
export function expectedEnd(s: Pick<PollState, 'now' | 'submittedAt' | 'estimatedTimeSec' | 'progress'>): number {
  const fromEstimate = s.submittedAt + (s.estimatedTimeSec ?? SCHEDULE.defaultEstimateSec) * 1000;
  const elapsed = s.now - s.submittedAt;
  // Progress extrapolation is trusted only once there is enough of it to extrapolate from.
  if (s.progress !== undefined && s.progress >= 20 && s.progress < 100 && elapsed > 0) {
    const fromProgress = s.submittedAt + (elapsed * 100) / s.progress;
    return s.estimatedTimeSec === undefined ? fromProgress : Math.min(fromEstimate, fromProgress);
  }
  return fromEstimate;
}

/** Delay before the next poll, without jitter. */
export function baseDelay(s: PollState): number {
  if (s.errors > 0) return Math.min(SCHEDULE.errorMaxMs, SCHEDULE.errorBaseMs * 2 ** (s.errors - 1));
  const remaining = expectedEnd(s) - s.now;
  // The early poll catches fast failures and learns the provider's estimate. Only a job whose estimate is
  // already known (a resumed one) lets it wait like any mid-task poll when the budget is short.
  if (s.polls === 0 && s.estimatedTimeSec === undefined && s.aimedFirstMs !== undefined) return Math.max(SCHEDULE.firstPollMs, s.submittedAt + s.aimedFirstMs - s.now);
  if (s.polls === 0) return s.estimatedTimeSec === undefined ? SCHEDULE.firstPollMs : Math.max(SCHEDULE.firstPollMs, Math.min(s.spreadMs ?? 0, remaining));
  if (remaining <= SCHEDULE.minIntervalMs) {
    const overdue = Math.max(0, -remaining);
    return Math.min(SCHEDULE.overdueMaxMs, SCHEDULE.overdueBaseMs + overdue * SCHEDULE.overdueGrowth);
  }
  // Close in on the expected end: most of the remaining time, bounded, and never past the end itself.
  const midTask = Math.min(SCHEDULE.maxIntervalMs, Math.max(SCHEDULE.minIntervalMs, remaining * SCHEDULE.approach), remaining);
  const stretched = Math.max(midTask, Math.min(s.spreadMs ?? 0, remaining));
  return Math.max(SCHEDULE.minIntervalMs, stretched);
}

/**
 * The delay with jitter (`random` in [0, 1)). A poll aimed at the expected end is never moved earlier (that
 * would waste it) and at most a little later. Mid-task polls are spread so that jobs submitted together do not
 * poll together; those stretched by a short budget are spread widely, since they are worth little.
 */
export function nextPollDelay(s: PollState, random: () => number = Math.random): number {
  const base = baseDelay(s);
  const remaining = expectedEnd(s) - s.now;
  if (s.errors === 0 && base >= remaining) return Math.round(base + random() * SCHEDULE.landingJitterMs);
  const spread = base > SCHEDULE.maxIntervalMs ? SCHEDULE.stretchedJitter : SCHEDULE.jitter;
  const jittered = Math.round(base * (1 + spread * (2 * random() - 1)));
  // Jitter may spread polls out, never carry one past the expected end.
  return s.errors === 0 ? Math.min(jittered, Math.round(remaining)) : jittered;
}

/**
 * What a poll made after `delay` is worth to the request budget (src/apimart/gate.ts): a job's first poll is an
 * early one, also when history aimed it (it learns the estimate; few tasks end exactly at the shortest one's
 * end, and a crowd's aimed first polls ranked as landing ones pushed the real landing polls back: bench/budget.ts,
 * warm p99 5.9 s against 1.x s); a poll at or past the expected end (within the tight cadence's reach) decides
 * the lag and lands; the rest is routine.
 */
export function pollClass(s: PollState, delay: number): RequestClass {
  if (s.polls === 0 && s.estimatedTimeSec === undefined) return 'early';
  return s.now + delay >= expectedEnd(s) - SCHEDULE.minIntervalMs ? 'landing' : 'routine';
}
