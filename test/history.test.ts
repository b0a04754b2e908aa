import { mkdtempSync, rmSync } from 'node:fs';
import { jobInput } from './support/job-input';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { KV } from '../src/store/kv';
import { JobRepo } from '../src/jobs/repo';
import { appendBounded, GUILD_DAY_MAX, USER_HISTORY_MAX } from '../src/jobs/history';
import { newJob, type Job } from '../src/jobs/record';
import { csvField, guildStats, statsCsv, statsWindowStart } from '../src/jobs/stats';
import { createLogger } from '../src/log';
import { buttonId, parseButtonId } from '../src/discord/custom-id';
import { redisAvailable } from './support/redis';
import { storeForSuite } from './support/store-suite';

/**
 * What /video-history and /video-stats are made of: the job indexes (bounded, written once per job, an entry
 * without its record skipped), the stats of today, this month and 30 days from a given clock, and the CSV.
 */

const logger = createLogger({ level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'vidu-history-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAY = 24 * 3600 * 1000;
// A run's own ids, so runs sharing a Redis never see each other's lists.
const RUN = String(Date.now()).slice(-9);
const GUILD = `10000000${RUN}`;
const MEMBER = `20000000${RUN}`;
const OTHER = `20000001${RUN}`;
const GUILD2 = `10000001${RUN}`;
const redisUp = await redisAvailable();

let seq = 0;
function aJob(over: Partial<Job> & { at: number; duration?: number }): Job {
  const { at, duration = 5, ...rest } = over;
  const id = `h${RUN}${(seq++).toString(36).padStart(6, '0')}`;
  const request = { model: 'viduq3' as const, prompt: 'the cat turns', image_urls: ['https://x/a.png'], duration, resolution: '720p' as const, aspect_ratio: '16:9' as const };
  const base = newJob(jobInput({ id, guildId: GUILD, userId: MEMBER, tokenExpiresAt: at + 900_000, replyMessageId: '600000000000000001', request }), at);
  return { ...base, state: 'delivered', taskId: 'task_1', ...rest };
}

describe('the CSV', () => {
  it('quotes commas, quotes, line breaks and edge spaces, doubles quotes, and defuses formulas', () => {
    expect(csvField('viduq3')).toBe('viduq3');
    expect(csvField(16)).toBe('16');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rlf')).toBe('"cr\rlf"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('@cmd')).toBe("'@cmd");
    // A negative number is a number, not a formula.
    expect(csvField(-1)).toBe('-1');
  });

  it('has the header row, one row per job with the creation time in ISO, and CRLF line ends', () => {
    const at = Date.UTC(2026, 2, 14, 9, 30);
    const csv = statsCsv(guildStats([aJob({ at, duration: 8, state: 'failed' })], at + 1000).rows);
    expect(csv).toBe(`created_at,member_id,model,duration,resolution,variations,state\r\n2026-03-14T09:30:00.000Z,${MEMBER},viduq3,8,720p,1,failed\r\n`);
  });
});

describe('stats from an injected clock', () => {
  // 2026-03-14 15:00 UTC: the month began 13 days ago, the CSV reaches back to 2026-02-12 15:00.
  const now = Date.UTC(2026, 2, 14, 15);
  const today = now - 3600_000;
  const earlierThisMonth = Date.UTC(2026, 2, 2);
  const lastMonthInWindow = Date.UTC(2026, 1, 20);
  const tooOld = now - 31 * DAY;
  const jobs = [
    aJob({ at: today, duration: 10 }),
    aJob({ at: today, duration: 4, userId: OTHER }),
    // Failed, and cancelled before the provider had it: no quota used, not counted (but in the CSV).
    aJob({ at: today, duration: 16, state: 'failed' }),
    aJob({ at: today, duration: 16, state: 'cancelled', taskId: null }),
    // Cancelled after the provider accepted it: still made and billed, counted.
    aJob({ at: today, duration: 3, state: 'cancelled', taskId: 'task_2', userId: OTHER }),
    // Running: its quota is held.
    aJob({ at: today, duration: 2, state: 'generating' }),
    aJob({ at: earlierThisMonth, duration: 6, userId: OTHER }),
    aJob({ at: lastMonthInWindow, duration: 9 }),
    aJob({ at: tooOld, duration: 9 }),
  ];
  const stats = guildStats(jobs, now);

  it('today counts the UTC day, this month the calendar month, and only jobs that use quota', () => {
    expect(stats.today).toMatchObject({ videos: 4, seconds: 19 });
    expect(stats.month).toMatchObject({ videos: 5, seconds: 25 });
  });

  it('ranks members by seconds', () => {
    expect(stats.today.top).toEqual([
      { userId: MEMBER, videos: 2, seconds: 12 },
      { userId: OTHER, videos: 2, seconds: 7 },
    ]);
    expect(stats.month.top.map((t) => [t.userId, t.seconds])).toEqual([
      [OTHER, 13],
      [MEMBER, 12],
    ]);
  });

  it('the CSV holds every job of the last 30 days, newest first, whatever its state', () => {
    expect(stats.rows).toHaveLength(8);
    expect(stats.rows.at(-1)!.createdAt).toBe(lastMonthInWindow);
    expect(stats.rows.map((r) => r.createdAt)).toEqual([...stats.rows.map((r) => r.createdAt)].sort((a, b) => b - a));
  });

  it('reads back to the earlier of the month start and 30 days ago', () => {
    expect(statsWindowStart(now)).toBe(now - 30 * DAY);
    const endOfMonth = Date.UTC(2026, 0, 31, 12);
    expect(statsWindowStart(endOfMonth)).toBe(Date.UTC(2026, 0, 1));
  });

  it('shows at most 5 top members', () => {
    const many = Array.from({ length: 7 }, (_, i) => aJob({ at: today, duration: i + 1, userId: `2100000000000000${i}` }));
    const top = guildStats(many, now).today.top;
    expect(top).toHaveLength(5);
    expect(top[0]!.seconds).toBe(7);
  });
});

describe('the Send again button id', () => {
  it('reads back the action and job id, and nothing else is taken', () => {
    expect(parseButtonId(buttonId('resend', 'abc12345'))).toEqual({ action: 'resend', jobId: 'abc12345' });
    expect(parseButtonId('vidu:resend:abc12345:extra')).toBeUndefined();
    expect(parseButtonId('vidu:resendx:abc12345')).toBeUndefined();
    expect(parseButtonId('vidu:resend:ABC12345')).toBeUndefined();
  });
});

describe('a bounded list', () => {
  it('keeps the latest entries, each once', () => {
    expect(appendBounded(['a', 'b', 'c'], 'd', 3)).toEqual(['b', 'c', 'd']);
    expect(appendBounded(['a', 'b'], 'a', 3)).toEqual(['b', 'a']);
  });
});

const backends = [
  { name: 'memory', url: () => 'memory:', available: true },
  { name: 'sqlite', url: () => `sqlite://${join(dir, 'history.sqlite')}`, available: true },
  // A db of this suite's own on the shared Redis; only this run's keys are deleted afterwards.
  { name: 'redis', url: () => 'redis://127.0.0.1:6379/13', available: redisUp },
];

describe.each(backends)('the job indexes on $name', ({ name, url, available }) => {
  const skip = !available;
  const store = storeForSuite(url, skip);
  const now = Date.UTC(2026, 2, 14, 15);
  const track = (...jobs: Job[]) => {
    store.track(`history:user:${MEMBER}`, `history:user:${OTHER}`, ...jobs.map((j) => `job:${j.id}`));
    for (let d = 0; d <= 41; d++) for (const g of [GUILD, GUILD2]) store.track(`history:guild:${g}:${new Date(now - d * DAY).toISOString().slice(0, 10)}`);
    for (let b = 0; b < 32; b++) store.track(`active:0:${b}`);
  };

  it.skipIf(skip)(`keeps a member's latest ${USER_HISTORY_MAX} jobs, newest first; an entry without its record is skipped`, async () => {
    const repo = new JobRepo(store.kv, logger);
    const jobs = Array.from({ length: USER_HISTORY_MAX + 5 }, (_, i) => aJob({ at: now - (60 - i) * 60_000 }));
    track(...jobs);
    for (const j of jobs) await repo.create(j);
    const recent = await repo.recentOfUser(MEMBER, USER_HISTORY_MAX + 5);
    expect(recent).toHaveLength(USER_HISTORY_MAX);
    expect(recent[0]!.id).toBe(jobs.at(-1)!.id);
    expect(recent.at(-1)!.id).toBe(jobs[5]!.id);

    // The newest record is gone (its write never came, or it expired): the ten shown are the next ten.
    await store.kv.delete(`job:${jobs.at(-1)!.id}`);
    const ten = await repo.recentOfUser(MEMBER, 10);
    expect(ten.map((j) => j.id)).toEqual(jobs.slice(-11, -1).reverse().map((j) => j.id));
  });

  it.skipIf(skip)("lists a server's jobs by UTC day, within the range asked, newest first", async () => {
    const repo = new JobRepo(store.kv, logger);
    const jobs = [
      aJob({ at: now - 40 * DAY, guildId: GUILD2 }),
      aJob({ at: now - 29 * DAY, guildId: GUILD2, userId: OTHER }),
      aJob({ at: now - DAY, guildId: GUILD2 }),
      aJob({ at: now - 60_000, guildId: GUILD2 }),
      // In DMs: in the member's history only.
      aJob({ at: now - 1000, guildId: null }),
      aJob({ at: now - 1000 }),
    ];
    track(...jobs);
    for (const j of jobs) await repo.create(j);
    const found = await repo.ofGuild(GUILD2, now - 30 * DAY, now);
    expect(found.map((j) => j.id)).toEqual([jobs[3]!.id, jobs[2]!.id, jobs[1]!.id]);
  });

  it.skipIf(skip)('writes its entries once, at create: a progress update writes no index', async () => {
    const writes: string[] = [];
    const kv = store.kv;
    const counting: KV = { ...kv, set: async (key, value, ttl) => (writes.push(key), kv.set(key, value, ttl)) };
    const repo = new JobRepo(counting, logger);
    const j = aJob({ at: now, state: 'queued' });
    track(j);
    await repo.create(j);
    // The member's list and the server's day. On Redis both change by compare-and-set, not through kv.set.
    expect(writes.filter((k) => k.startsWith('history:'))).toHaveLength(name === 'redis' ? 0 : 2);
    writes.length = 0;
    for (let p = 10; p <= 50; p += 10) await repo.update(j.id, (x) => ({ ...x, state: 'generating', progress: p }));
    expect(writes.filter((k) => !k.startsWith('job:'))).toEqual([]);
  });

  it.skipIf(skip)('reads a damaged list as empty, and the next job starts it again', async () => {
    const repo = new JobRepo(store.kv, logger);
    track();
    await store.kv.set(`history:user:${OTHER}`, { not: 'a list' });
    expect(await repo.recentOfUser(OTHER, 10)).toEqual([]);
    const j = aJob({ at: now, userId: OTHER });
    track(j);
    await repo.create(j);
    expect((await repo.recentOfUser(OTHER, 10)).map((x) => x.id)).toEqual([j.id]);
  });
});

it(`bounds a server's day at ${GUILD_DAY_MAX} ids`, () => {
  const ids = Array.from({ length: GUILD_DAY_MAX }, (_, i) => `id${String(i).padStart(8, '0')}`);
  const next = appendBounded(ids, 'idnewest0', GUILD_DAY_MAX);
  expect(next).toHaveLength(GUILD_DAY_MAX);
  expect(next[0]).toBe('id00000001');
  expect(next.at(-1)).toBe('idnewest0');
});
