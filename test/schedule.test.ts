import { describe, expect, it } from 'vitest';
import { baseDelay, expectedEnd, nextPollDelay, SCHEDULE, type PollState } from '../src/jobs/schedule';

const state = (over: Partial<PollState>): PollState => ({ now: 0, submittedAt: 0, estimatedTimeSec: 60, progress: undefined, errors: 0, polls: 1, ...over });

/** Simulates polling one task that finishes exactly at `durationSec`, as the estimate says. */
function simulate(durationSec: number, estimateSec = durationSec) {
  let now = 0;
  let polls = 0;
  for (;;) {
    now += baseDelay(state({ now, estimatedTimeSec: estimateSec, polls, progress: Math.min(99, (now / (durationSec * 1000)) * 100) }));
    polls++;
    if (now >= durationSec * 1000) return { polls, lagMs: now - durationSec * 1000 };
  }
}

describe('schedule', () => {
  it('polls soon after the submit, to catch fast failures', () => {
    expect(baseDelay(state({ polls: 0 }))).toBe(SCHEDULE.firstPollMs);
  });

  it('spaces polls mid-task and tightens them near the expected end', () => {
    const early = baseDelay(state({ now: 5_000, estimatedTimeSec: 300 }));
    const late = baseDelay(state({ now: 290_000, estimatedTimeSec: 300 }));
    expect(early).toBe(SCHEDULE.maxIntervalMs);
    expect(late).toBe(10_000 * SCHEDULE.approach);
    expect(late).toBeGreaterThanOrEqual(SCHEDULE.minIntervalMs);
  });

  it('never sleeps past the expected end', () => {
    for (const now of [1_000, 20_000, 50_000, 58_000]) {
      expect(now + baseDelay(state({ now }))).toBeLessThanOrEqual(Math.max(60_000, now + SCHEDULE.minIntervalMs));
    }
  });

  it('polls often right after the expected end and backs off while the estimate stays wrong', () => {
    const justLate = baseDelay(state({ now: 61_000 }));
    const veryLate = baseDelay(state({ now: 600_000 }));
    expect(justLate).toBeLessThan(3_000);
    expect(veryLate).toBe(SCHEDULE.overdueMaxMs);
  });

  it('backs off exponentially on errors, to a cap', () => {
    expect(baseDelay(state({ errors: 1 }))).toBe(SCHEDULE.errorBaseMs);
    expect(baseDelay(state({ errors: 2 }))).toBe(SCHEDULE.errorBaseMs * 2);
    expect(baseDelay(state({ errors: 20 }))).toBe(SCHEDULE.errorMaxMs);
  });

  it('stretches mid-task polls when many jobs share the budget, but not past the expected end', () => {
    expect(baseDelay(state({ now: 5_000, estimatedTimeSec: 300, spreadMs: 200_000 }))).toBe(200_000);
    expect(baseDelay(state({ now: 5_000, estimatedTimeSec: 60, spreadMs: 200_000 }))).toBe(55_000);
  });

  it('lets progress bring the expected end earlier, never later', () => {
    // Half done after 60 s and no estimate: about 120 s.
    expect(expectedEnd({ now: 60_000, submittedAt: 0, estimatedTimeSec: undefined, progress: 50 })).toBe(120_000);
    // Three quarters done after 60 s of an estimated 120: about 80 s.
    expect(expectedEnd({ now: 60_000, submittedAt: 0, estimatedTimeSec: 120, progress: 75 })).toBe(80_000);
    // Progress trailing the estimate (it moves in steps) does not push the end out.
    expect(expectedEnd({ now: 60_000, submittedAt: 0, estimatedTimeSec: 90, progress: 50 })).toBe(90_000);
  });

  it('jitters within ±10%', () => {
    const base = baseDelay(state({ now: 5_000, estimatedTimeSec: 300 }));
    expect(nextPollDelay(state({ now: 5_000, estimatedTimeSec: 300 }), () => 0)).toBe(Math.round(base * 0.9));
    expect(nextPollDelay(state({ now: 5_000, estimatedTimeSec: 300 }), () => 0.999999)).toBeLessThanOrEqual(Math.round(base * 1.1));
  });

  it.each([60, 300])('a %i s task costs a fraction of fixed 5 s polling, with a lag of a few seconds', (sec) => {
    const { polls, lagMs } = simulate(sec);
    expect(polls).toBeLessThan(sec / 5 / 2);
    expect(lagMs).toBeLessThanOrEqual(3_000);
  });
});
