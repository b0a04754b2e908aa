import { describe, expect, it } from 'vitest';
import { Poller, type PollHandler } from '../src/jobs/poller';
import type { TaskView } from '../src/apimart/parse';
import { scaledClock } from '../src/util/clock';
import { createLogger } from '../src/log';

const logger = createLogger({ level: 'silent' });

function view(taskId: string, done: boolean, progress = 50): TaskView {
  return { taskId, state: done ? 'completed' : 'processing', rawStatus: done ? 'completed' : 'processing', known: true, progress: done ? 100 : progress, createdAt: undefined, estimatedTimeSec: undefined, videoUrl: done ? 'https://x/v.mp4' : undefined, expiresAt: undefined, error: undefined };
}

describe('Poller', () => {
  it('serves every job under a request cap, earliest due first, none starving', async () => {
    // 25x faster than real time: 300 simulated jobs of 20-120 s finish within five real seconds. Not faster:
    // a timer late by 100 ms on a busy CI machine would already count as 2.5 simulated seconds of lag.
    const clock = scaledClock(25);
    const start = clock.now();
    const endAt = new Map<string, number>();
    const detected = new Map<string, number>();
    const polls = new Map<string, number>();
    let inFlight = 0;
    let maxInFlight = 0;
    const handler: PollHandler = {
      onTask: async (jobId, v) => {
        if (v.state !== 'completed') return 'continue';
        detected.set(jobId, clock.now());
        return 'done';
      },
      onError: async () => 'continue',
    };
    const poller = new Poller({
      logger,
      handler,
      maxRps: 20,
      clock,
      getTask: async (taskId) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        polls.set(taskId, (polls.get(taskId) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 1));
        inFlight--;
        const end = endAt.get(taskId)!;
        // Honest progress, as the provider reports it.
        return view(taskId, clock.now() >= end, Math.floor(((clock.now() - start) / (end - start)) * 100));
      },
    });
    for (let i = 0; i < 300; i++) {
      const id = `job${i}`;
      const sec = 20 + ((i * 37) % 100);
      endAt.set(id, start + sec * 1000);
      poller.add({ jobId: id, taskId: id, submittedAt: start, estimatedTimeSec: sec });
    }
    const deadline = Date.now() + 20_000;
    while (detected.size < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await poller.stop();

    expect(detected.size).toBe(300);
    expect(poller.size).toBe(0);
    expect(maxInFlight).toBeLessThanOrEqual(20);
    const lags = [...detected].map(([id, at]) => (at - endAt.get(id)!) / 1000).sort((a, b) => a - b);
    expect(lags[0]).toBeGreaterThanOrEqual(0);
    // Generous bounds: the point is that nobody waits for minutes while others are polled again and again.
    expect(lags[Math.floor(lags.length * 0.99)]).toBeLessThan(15);
    const perJob = [...polls.values()].reduce((a, b) => a + b, 0) / 300;
    expect(perJob).toBeLessThan(10);
  });

  it('stops polling a removed job', async () => {
    const clock = scaledClock(1000);
    let polls = 0;
    const poller = new Poller({
      logger,
      maxRps: 10,
      clock,
      handler: { onTask: async () => 'continue', onError: async () => 'continue' },
      getTask: async (id) => {
        polls++;
        return view(id, false);
      },
    });
    poller.add({ jobId: 'a', taskId: 'a', submittedAt: clock.now(), estimatedTimeSec: 60 }, 0);
    await new Promise((r) => setTimeout(r, 30));
    expect(polls).toBeGreaterThan(0);
    poller.remove('a');
    const after = polls;
    await new Promise((r) => setTimeout(r, 100));
    expect(polls - after).toBeLessThanOrEqual(1);
    expect(poller.has('a')).toBe(false);
    await poller.stop();
  });

  it('backs off a failing job and keeps it', async () => {
    const clock = scaledClock(1000);
    const seen: number[] = [];
    const poller = new Poller({
      logger,
      maxRps: 10,
      clock,
      handler: { onTask: async () => 'continue', onError: async (_id, _err, errors) => (seen.push(errors), errors >= 3 ? 'done' : 'continue') },
      getTask: async () => {
        throw new Error('boom');
      },
    });
    poller.add({ jobId: 'a', taskId: 'a', submittedAt: clock.now() }, 0);
    const deadline = Date.now() + 3_000;
    while (poller.has('a') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual([1, 2, 3]);
    await poller.stop();
  });
});
