import { describe, expect, it } from 'vitest';
import type { TaskView } from '../src/apimart/parse';
import type { Messenger } from '../src/discord/messenger';
import type { Outgoing } from '../src/discord/outgoing';
import { textOf } from './support/card';
import { createLogger } from '../src/log';
import { JobMessage } from '../src/discord/job-message';
import { giveUpAt, OVERDUE } from '../src/jobs/overdue';
import { keepsQuota, newJob, type Job, type JobState } from '../src/jobs/record';
import { JobRepo } from '../src/jobs/repo';
import { STORE_RETRY, storeRetryDelay } from '../src/jobs/retry';
import { SCHEDULE } from '../src/jobs/schedule';
import { JobService } from '../src/jobs/service';
import { openStore } from '../src/store/kv';
import { scaledClock } from '../src/util/clock';
import { UNREAD } from './support/posted';
import { jobInput } from './support/job-input';
import { eventually } from './support/eventually';

const MIN = 60_000;
const logger = createLogger({ level: 'silent' });

describe('giveUpAt: when a task that never ends is given up', () => {
  it('waits the estimate plus at least 30 minutes', () => {
    expect(giveUpAt({ submittedAt: 0, estimatedTimeSec: 60 })).toBe(60_000 + 30 * MIN);
    expect(giveUpAt({ submittedAt: 1_000, estimatedTimeSec: 360 })).toBe(1_000 + 6 * MIN + 30 * MIN);
  });

  it('waits twice a long estimate past it', () => {
    expect(giveUpAt({ submittedAt: 0, estimatedTimeSec: 40 * 60 })).toBe(40 * MIN + 80 * MIN);
  });

  it('assumes the default estimate when there is none or it is nonsense', () => {
    const fallback = SCHEDULE.defaultEstimateSec * 1000 + OVERDUE.graceFloorMs;
    for (const estimatedTimeSec of [undefined, null, 0, -5, Number.NaN, Number.POSITIVE_INFINITY]) expect(giveUpAt({ submittedAt: 0, estimatedTimeSec })).toBe(fallback);
  });

  it('stays under three hours whatever the provider estimates', () => {
    expect(giveUpAt({ submittedAt: 0, estimatedTimeSec: 10 ** 9 })).toBe(3 * 60 * MIN);
  });
});

describe('storeRetryDelay', () => {
  it('doubles from a second up to a minute', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map(storeRetryDelay)).toEqual([1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000, 15_000, STORE_RETRY.maxMs]);
  });
});

describe('keepsQuota', () => {
  it.each<[JobState, string | null, boolean]>([
    ['delivered', 't1', true],
    ['undeliverable', 't1', true],
    ['cancelled', 't1', true],
    ['cancelled', null, false],
    ['failed', 't1', false],
    ['failed', null, false],
  ])('%s with task %s: %s', (state, taskId, kept) => {
    expect(keepsQuota({ state, taskId })).toBe(kept);
  });
});

/** A JobService on a memory store, with a messenger and a quota that record what they were asked. */
async function service(opts: { download?: () => Promise<{ ok: true; data: Buffer }> } = {}) {
  const kv = await openStore('memory:');
  const repo = new JobRepo(kv, logger);
  const clock = scaledClock(20);
  const edits: { target: string; payload: Outgoing; file: boolean }[] = [];
  const messenger: Messenger = {
    editOriginal: async (_t, payload, file) => (edits.push({ target: 'reply', payload, file: (file?.length ?? 0) > 0 }), UNREAD),
    editChannelMessage: async (_c, _m, payload, file) => (edits.push({ target: 'channel-edit', payload, file: (file?.length ?? 0) > 0 }), UNREAD),
    sendChannel: async (_c, payload, file) => (edits.push({ target: 'channel', payload, file: (file?.length ?? 0) > 0 }), UNREAD),
    sendDm: async (_u, payload, file) => (edits.push({ target: 'dm', payload, file: (file?.length ?? 0) > 0 }), UNREAD),
    deleteOriginal: async () => undefined,
    deleteChannelMessage: async () => undefined,
    refreshAttachmentUrls: async () => new Map(),
  };
  const settled: string[] = [];
  const quota = { commit: async (j: Job) => void settled.push(`commit ${j.id}`), release: async (j: Job) => void settled.push(`release ${j.id}`) };
  const download = opts.download ?? (async () => ({ ok: true as const, data: Buffer.alloc(16) }));
  const view = new JobMessage({ messenger, download, logger, clock, notices: { undelivered: async () => undefined } });
  const counts = { submits: 0, onSubmit: undefined as ((key: string) => Promise<void>) | undefined, beforeTurn: undefined as (() => Promise<void>) | undefined };
  const apimart = {
    submit: async (_r: unknown, o: { idempotencyKey: string; onTurn?: () => Promise<void> }) => {
      // The request gate's wait, then its turn.
      await counts.beforeTurn?.();
      await o.onTurn?.();
      counts.submits++;
      await counts.onSubmit?.(o.idempotencyKey);
      return { taskId: `task${counts.submits}`, status: 'submitted' };
    },
    getTask: async (taskId: string): Promise<TaskView> => ({ taskId, state: 'completed', rawStatus: 'completed', known: true, progress: 100, createdAt: undefined, estimatedTimeSec: undefined, videoUrl: 'https://cdn.example/v.mp4', expiresAt: undefined, error: undefined }),
  };
  const jobs = new JobService({ repo, apimart, view, quota, logger, maxRps: 10, clock });
  const job = (id: string): Job =>
    newJob(
      jobInput({ id, tokenExpiresAt: clock.now() + 15 * MIN, replyMessageId: '623456789012345678', usage: { key: 'usage:1:3', day: '2025-01-01', seconds: 5 }, request: { model: 'viduq3', prompt: 'pan', image_urls: ['https://cdn.example/a.png'], duration: 5, resolution: '720p', aspect_ratio: '16:9' } }),
      clock.now(),
    );
  return {
    kv,
    repo,
    jobs,
    edits,
    settled,
    job,
    get submits() {
      return counts.submits;
    },
    set onSubmit(f: (key: string) => Promise<void>) {
      counts.onSubmit = f;
    },
    set beforeTurn(f: () => Promise<void>) {
      counts.beforeTurn = f;
    },
  };
}

describe('JobService', () => {
  it('a job whose end was stored but not shown before a crash gets its final message after the restart', async () => {
    const s = await service();
    await s.repo.create(s.job('job00009'));
    // The process wrote the Cancel and died before editing the message.
    await s.repo.update('job00009', (j) => ({ ...j, state: 'cancelled', taskId: 't9', finishedAt: 1, announced: false }));
    expect(await s.jobs.resume([0])).toMatchObject({ announced: 1 });
    expect(textOf(s.edits.at(-1)!.payload)).toContain('Cancelled');
    expect((await s.repo.get('job00009'))!.announced).toBe(true);
    expect(await s.repo.listActive(0)).toEqual([]);
    await s.jobs.stop();
  });

  it('a job cancelled before its task reached the provider gives its quota back and says so', async () => {
    const s = await service();
    // Left in `submitting` with no submit in flight in this process (as after a crash).
    await s.repo.create({ ...s.job('job00001'), state: 'submitting' });
    expect(await s.jobs.cancel('job00001', '3')).toEqual({ outcome: 'cancelled', quotaKept: false });
    expect(s.settled).toEqual(['release job00001']);
    expect(textOf(s.edits.at(-1)!.payload)).toContain('It never reached the video service; your quota for it was given back.');
    await s.jobs.stop();
  });

  it('takes: a store error writing the 3rd record submits nothing and gives every reservation back', async () => {
    const s = await service();
    let creates = 0;
    const create = s.repo.create.bind(s.repo);
    s.repo.create = async (job) => {
      if (++creates === 3) throw new Error('store down');
      return create(job);
    };
    const ids = ['take0001', 'take0002', 'take0003', 'take0004'];
    const takes = ids.map((id, i) => ({ ...s.job(id), group: { id: ids[0]!, index: i + 1, jobIds: ids } }));
    await expect(s.jobs.startTakes(takes)).rejects.toThrow('store down');
    expect(s.submits).toBe(0);
    expect(s.settled).toEqual(ids.map((id) => `release ${id}`));
    for (const id of ids.slice(0, 2)) expect((await s.repo.get(id))?.state).toBe('failed');
    await s.jobs.stop();
  });

  it('takes: all written as reserved before the first submit; each then submitted once with its own key', async () => {
    const s = await service();
    const ids = ['take0011', 'take0012', 'take0013'];
    const seen: string[][] = [];
    s.onSubmit = async (key) => void seen.push([key, ...(await Promise.all(ids.map(async (id) => (await s.repo.get(id))!.state)))]);
    const takes = ids.map((id, i) => ({ ...s.job(id), group: { id: ids[0]!, index: i + 1, jobIds: ids } }));
    const started = await s.jobs.startTakes(takes);
    expect(started.map((j) => j.state)).toEqual(['queued', 'queued', 'queued']);
    expect(seen).toEqual([
      ['take0011', 'submitting', 'reserved', 'reserved'],
      ['take0012', 'queued', 'submitting', 'reserved'],
      ['take0013', 'queued', 'queued', 'submitting'],
    ]);
    await s.jobs.stop();
  });

  it('a store error writing `submitting` at the submit\'s turn sends nothing; a later turn sends it once', async () => {
    const s = await service();
    const update = s.repo.update.bind(s.repo);
    let refused = 0;
    s.repo.update = async (id, change) =>
      update(id, (j) => {
        const next = change(j);
        if (next?.state === 'submitting' && refused++ === 0) throw new Error('store down');
        return next;
      });
    const started = await s.jobs.start(s.job('job00003'));
    expect(refused).toBe(2);
    expect(started.state).toBe('queued');
    expect(s.submits).toBe(1);
    await s.jobs.stop();
  });

  it('a job cancelled while its submit waits for its turn is never sent and gets its quota back', async () => {
    const s = await service();
    let turn!: () => void;
    s.beforeTurn = () => new Promise<void>((r) => (turn = r));
    const started = s.jobs.start(s.job('job00004'));
    await eventually(async () => (await s.repo.get('job00004'))?.state === 'reserved' && turn !== undefined, 'the submit waiting for its turn');
    expect(await s.jobs.cancel('job00004', '3')).toEqual({ outcome: 'cancelled', quotaKept: false });
    turn();
    expect((await started).state).toBe('cancelled');
    expect(s.submits).toBe(0);
    expect(s.settled).toEqual(['release job00004']);
    await s.jobs.stop();
  });

  it('a delivery that breaks before sending anything is retried later, and the video goes out once', async () => {
    let downloads = 0;
    const s = await service({
      download: async () => {
        if (++downloads === 1) throw new Error('download crashed');
        return { ok: true, data: Buffer.alloc(16) };
      },
    });
    const started = await s.jobs.start(s.job('job00002'));
    expect(started.state).toBe('queued');
    const deadline = Date.now() + 10_000;
    while ((await s.repo.get('job00002'))!.state !== 'delivered' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect((await s.repo.get('job00002'))!.state).toBe('delivered');
    expect(downloads).toBe(2);
    expect(s.edits.filter((e) => e.file)).toHaveLength(1);
    expect(s.settled).toEqual(['commit job00002']);
    await s.jobs.stop();
  });
});
