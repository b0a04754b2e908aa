import { describe, expect, it } from 'vitest';
import { HISTORY, TaskHistory, taskKind } from '../src/jobs/task-history';
import { Poller } from '../src/jobs/poller';
import { pollClass, SCHEDULE, type PollState } from '../src/jobs/schedule';
import type { RequestClass } from '../src/apimart/gate';
import type { TaskView } from '../src/apimart/parse';
import { scaledClock } from '../src/util/clock';
import { createLogger } from '../src/log';

const KIND = taskKind({ model: 'viduq3', duration: 5, resolution: '720p' });

describe('task history', () => {
  it('aims nothing until it has seen enough tasks of the kind, then before the shortest recent one ends', () => {
    const h = new TaskHistory();
    for (let i = 0; i < HISTORY.minSamples - 1; i++) h.record(KIND, 40_000 + i * 1_000);
    expect(h.firstPollMs(KIND)).toBeUndefined();
    h.record(KIND, 24_000);
    expect(h.firstPollMs(KIND)).toBe(24_000 * HISTORY.aimShare);
    // Another kind has its own history.
    expect(h.firstPollMs(taskKind({ model: 'viduq3', duration: 16, resolution: '1080p' }))).toBeUndefined();
  });

  it('never aims a first poll past the bound on catching fast failures', () => {
    const h = new TaskHistory();
    for (let i = 0; i < HISTORY.minSamples; i++) h.record(KIND, 300_000);
    expect(h.firstPollMs(KIND)).toBe(HISTORY.maxFirstPollMs);
  });

  it('forgets old tasks: the aim follows the most recent ones', () => {
    const h = new TaskHistory();
    for (let i = 0; i < HISTORY.keep; i++) h.record(KIND, 8_000);
    for (let i = 0; i < HISTORY.keep; i++) h.record(KIND, 20_000);
    expect(h.firstPollMs(KIND)).toBe(20_000 * HISTORY.aimShare);
  });
});

describe('poll classes', () => {
  const s = (over: Partial<PollState>): PollState => ({ now: 0, submittedAt: 0, estimatedTimeSec: undefined, progress: undefined, errors: 0, polls: 0, ...over });

  it('a first poll is early, aimed from history or not; one at the expected end lands; one mid-task is routine', () => {
    expect(pollClass(s({}), SCHEDULE.firstPollMs)).toBe<RequestClass>('early');
    expect(pollClass(s({ aimedFirstMs: 20_000 }), 20_000)).toBe<RequestClass>('early');
    expect(pollClass(s({ polls: 1, now: 3_000, estimatedTimeSec: 60 }), 57_000)).toBe<RequestClass>('landing');
    expect(pollClass(s({ polls: 3, now: 70_000, estimatedTimeSec: 60 }), 2_000)).toBe<RequestClass>('landing');
    expect(pollClass(s({ polls: 1, now: 3_000, estimatedTimeSec: 300 }), 30_000)).toBe<RequestClass>('routine');
  });
});

describe('poller with history', () => {
  const logger = createLogger({ level: 'silent' });
  const view = (taskId: string, done: boolean, est: number): TaskView => ({
    taskId,
    state: done ? 'completed' : 'processing',
    rawStatus: done ? 'completed' : 'processing',
    known: true,
    progress: done ? 100 : 10,
    createdAt: undefined,
    estimatedTimeSec: est,
    videoUrl: done ? 'https://x/v.mp4' : undefined,
    expiresAt: undefined,
    error: undefined,
  });

  it('a task of a kind seen often is first polled near the history’s aim, not 3 s after its submit', async () => {
    const clock = scaledClock(50);
    const history = new TaskHistory();
    for (let i = 0; i < HISTORY.minSamples; i++) history.record(KIND, 24_000);
    const asked: { at: number; cls: RequestClass }[] = [];
    const start = clock.now();
    const endAt = start + 26_000;
    let done = false;
    const poller = new Poller({
      logger,
      maxRps: 10,
      clock,
      history,
      random: () => 0,
      handler: { onTask: async (_id, v) => (v.state === 'completed' ? ((done = true), 'done') : 'continue'), onError: async () => 'continue' },
      getTask: async (id, cls) => {
        asked.push({ at: clock.now() - start, cls });
        return view(id, clock.now() >= endAt, 26);
      },
    });
    poller.add({ jobId: 'j', taskId: 't', submittedAt: start, kind: KIND });
    const deadline = Date.now() + 5_000;
    while (!done && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await poller.stop();
    expect(done).toBe(true);
    expect(asked[0]!.cls).toBe('early');
    // 18 s (0.75 of the shortest 24 s), give or take a timer's slack on a compressed clock.
    expect(asked[0]!.at).toBeGreaterThan(15_000);
    expect(asked[0]!.at).toBeLessThan(21_000);
    expect(asked.at(-1)!.cls).toBe('landing');
    // And it learnt this task's duration for the next ones.
    expect(history.firstPollMs(KIND)).toBe(24_000 * HISTORY.aimShare);
  });
});
