import { mkdtempSync, rmSync } from 'node:fs';
import { jobInput } from './support/job-input';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@keyv/redis';
import { openStore, type KV } from '../src/store/kv';
import { JobRepo } from '../src/jobs/repo';
import { JOB_RECORD_VERSION, newJob, type Job } from '../src/jobs/record';
import { redisGate } from '../src/apimart/gate';
import { createLogger } from '../src/log';
import { redisAvailable, REDIS_TEST_URL } from './support/redis';

const logger = createLogger({ level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'vidu-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let seq = 0;
function job(over: Partial<Job> = {}): Job {
  const id = `job${Date.now().toString(36)}${(seq++).toString(36).padStart(4, '0')}`;
  const base = newJob(jobInput({ id, tokenExpiresAt: Date.now() + 900_000 }), Date.now());
  return { ...base, state: 'queued', taskId: 'task_1', submittedAt: Date.now(), ...over };
}

const backends = [
  { name: 'sqlite', url: () => `sqlite://${join(dir, 'jobs.sqlite')}`, available: async () => true },
  { name: 'redis', url: () => REDIS_TEST_URL, available: redisAvailable },
];

describe.each(backends)('job records on $name', ({ url, available }) => {
  let kv: KV;
  let repo: JobRepo;
  let skip = false;
  // A shard number of this run alone, so runs sharing a Redis never see each other's jobs.
  const shard = 1000 + Math.floor(Math.random() * 1_000_000);

  beforeAll(async () => {
    skip = !(await available());
    if (skip) return;
    kv = await openStore(url());
    repo = new JobRepo(kv, logger);
  });
  afterAll(async () => {
    await kv?.close();
  });

  it('keeps an unfinished job listed for its shard until it is final', async (t) => {
    if (skip) t.skip();
    const a = job({ shard });
    const b = job({ shard, state: 'generating' });
    const other = job({ shard: shard + 1 });
    await Promise.all([repo.create(a), repo.create(b), repo.create(other)]);
    expect((await repo.listActive(shard)).map((j) => j.id).sort()).toEqual([a.id, b.id].sort());
    await repo.update(a.id, (j) => ({ ...j, state: 'delivered' }));
    expect((await repo.listActive(shard)).map((j) => j.id)).toEqual([b.id]);
    expect((await repo.get(a.id))!.state).toBe('delivered');
  });

  it('serialises concurrent updates of one job', async (t) => {
    if (skip) t.skip();
    const a = job({ shard });
    await repo.create(a);
    await Promise.all(Array.from({ length: 20 }, () => repo.update(a.id, (j) => ({ ...j, progress: j.progress + 1 }))));
    expect((await repo.get(a.id))!.progress).toBe(20);
  });

  it('refuses a record that fails its schema instead of half-reading it', async (t) => {
    if (skip) t.skip();
    const a = job({ shard });
    // A version no build of this bot wrote yet.
    await kv.set(`job:${a.id}`, { ...a, v: JOB_RECORD_VERSION + 1 });
    expect(await repo.get(a.id)).toBeUndefined();
  });

  it('survives a reopen (nothing lost on restart)', async (t) => {
    if (skip) t.skip();
    const a = job({ shard });
    await repo.create(a);
    await kv.close();
    kv = await openStore(url());
    repo = new JobRepo(kv, logger);
    expect((await repo.listActive(shard)).map((j) => j.id)).toContain(a.id);
  });
});

describe('the API request cap through Redis', () => {
  it('is shared by two processes’ gates', async (t) => {
    if (!(await redisAvailable())) t.skip();
    const a = createClient({ url: REDIS_TEST_URL });
    const b = createClient({ url: REDIS_TEST_URL });
    await Promise.all([a.connect(), b.connect()]);
    try {
      const key = `test-${Date.now()}-${Math.random()}`;
      const gateA = redisGate(4, a, key);
      const gateB = redisGate(4, b, key);
      const started = Date.now();
      // 12 requests at 4 per second, split over two gates: at least two full windows after the first.
      await Promise.all([...Array.from({ length: 6 }, () => gateA.acquire()), ...Array.from({ length: 6 }, () => gateB.acquire())]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    } finally {
      await Promise.all([a.quit(), b.quit()]);
    }
  });
});

describe('a new job under a store fault', () => {
  it('a record whose write is reported failed after it landed is still found by resume (index first)', async () => {
    const kv = await openStore('memory:');
    // The job record's write lands, then the store reports it failed (a timeout after the write): create throws.
    const flaky: KV = { ...kv, set: async (key, value, ttl) => { await kv.set(key, value, ttl); if (key.startsWith('job:')) throw new Error('injected: answered too late'); } };
    const repo = new JobRepo(flaky, logger);
    const j = job();
    await expect(repo.create(j)).rejects.toThrow('injected');
    // On restart, resume() lists it, and so reports it unconfirmed instead of leaving it in `submitting` forever.
    expect((await new JobRepo(kv, logger).listActive(0)).map((x) => x.id)).toContain(j.id);
    await kv.close();
  });
});

describe('the job record clock', () => {
  it('stamps updatedAt from the clock it was given, not the machine clock', async () => {
    const kv = await openStore('memory:');
    const repo = new JobRepo(kv, logger, () => 1_234_567);
    const j = job();
    await repo.create(j);
    expect((await repo.update(j.id, (x) => ({ ...x, progress: 5 })))!.updatedAt).toBe(1_234_567);
    await kv.close();
  });
});
