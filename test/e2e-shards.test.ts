import { describe, expect, it } from 'vitest';
import { createClient } from '@keyv/redis';
import type { BotProcess } from './support/bot-process';
import { botWorld } from './support/bot-world';
import { pngHeader } from './support/images';
import { redisAvailable } from './support/redis';

/**
 * Several processes sharing one Redis: each runs its own shards, owns the jobs of its guilds, and resumes
 * only those. The bots use Redis database 7, emptied before the run, so leftovers of earlier runs (Redis
 * keeps them while it runs) are not resumed as if they were this run's.
 */
const STORE_URL = 'redis://127.0.0.1:6379/7';

let skip = false;

async function freshRedis(): Promise<boolean> {
  skip = !(await redisAvailable());
  if (skip) return false;
  const redis = createClient({ url: STORE_URL });
  await redis.connect();
  await redis.flushDb();
  await redis.quit();
  return true;
}

const w = botWorld({ name: 'shards', store: () => STORE_URL, discord: { shardCount: 2 }, enabled: freshRedis });

async function start(extra: Record<string, string>, entry?: string, ready = '"msg":"bot started"'): Promise<BotProcess> {
  const bot = w.spawn(w.env(extra), entry);
  await bot.waitFor(ready, 40_000);
  return bot;
}

function video(guildId: string, prompt: string) {
  const a = w.discord.addAttachment({ filename: 'ref.png', contentType: 'image/png', width: 640, height: 480, data: pngHeader(640, 480) });
  return w.discord.sendCommand({ name: 'video', guildId, options: [{ name: 'prompt', type: 3, value: prompt }, { name: 'image1', type: 11, value: a.id }], attachments: [a], user: { id: '666666666666666666' } });
}

const jobIdOf = (prompt: string) => String(w.apimart.submits().find((r) => (r.body as { prompt: string }).prompt === prompt)!.headers['idempotency-key']);
const deliveredBy = (bot: BotProcess, jobId: string) => bot.output().split('\n').some((l) => l.includes('"msg":"video delivered"') && l.includes(jobId));

describe('two shards in two processes sharing Redis', () => {
  it('serve their own guilds, and one survives the other’s restart', async (t) => {
    if (skip) t.skip();
    const [g0, g1] = [w.discord.guilds.find((g) => g.shard === 0)!.id, w.discord.guilds.find((g) => g.shard === 1)!.id];
    const bot0 = await start({ SHARD_COUNT: '2', SHARD_IDS: '0' });
    let bot1 = await start({ SHARD_COUNT: '2', SHARD_IDS: '1' });
    const task = { timeline: [{ at: 0, status: 'pending' }, { at: 500, status: 'processing', progress: 20 }, { at: 7_000, status: 'completed' }], estimatedTime: 7, videoBytes: 8192 };
    w.apimart.nextTask(task);
    const a = video(g0, 'shard zero job');
    await w.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${a.token}/messages/@original`));
    w.apimart.nextTask(task);
    const b = video(g1, 'shard one job');
    await w.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${b.token}/messages/@original`));
    const [jobA, jobB] = [jobIdOf('shard zero job'), jobIdOf('shard one job')];
    // Log lines cross a pipe: wait for them rather than racing the HTTP call that followed them.
    await bot0.waitFor(`"jobId":"${jobA}"`, 5_000);
    await bot1.waitFor(`"jobId":"${jobB}"`, 5_000);
    expect(bot0.output()).not.toContain(jobB);
    expect(bot1.output()).not.toContain(jobA);

    // Shard 1 dies mid-poll; shard 0 keeps working and delivers its job.
    await bot1.kill('SIGKILL');
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 20_000;
      const tick = () => (deliveredBy(bot0, jobA) ? resolve() : Date.now() > deadline ? reject(new Error('shard 0 did not deliver')) : setTimeout(tick, 50));
      tick();
    });

    // Shard 1 comes back and resumes only its own job.
    bot1 = await start({ SHARD_COUNT: '2', SHARD_IDS: '1' });
    expect(bot1.output()).toMatch(/"resumed":1/);
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 20_000;
      const tick = () => (deliveredBy(bot1, jobB) ? resolve() : Date.now() > deadline ? reject(new Error('shard 1 did not deliver')) : setTimeout(tick, 50));
      tick();
    });
    expect(deliveredBy(bot0, jobB)).toBe(false);
    expect(w.apimart.submits().filter((r) => ['shard zero job', 'shard one job'].includes((r.body as { prompt: string }).prompt))).toHaveLength(2);
    const uploads = w.discord.calls.filter((c) => c.method === 'PATCH' && c.files.length > 0 && (c.path.includes(a.token) || c.path.includes(b.token)));
    expect(uploads).toHaveLength(2);
    await Promise.all([bot0.kill('SIGTERM'), bot1.kill('SIGTERM')]);
  });

  it('npm run start:sharded runs one process per shard and stops cleanly', async (t) => {
    if (skip) t.skip();
    const manager = await start({}, 'src/sharded.ts', '"msg":"all shards ready"');
    await manager.waitFor('"shards":[0],"shardCount":2', 10_000);
    await manager.waitFor('"shards":[1],"shardCount":2', 10_000);
    expect(manager.output().match(/"msg":"bot started"/g)).toHaveLength(2);
    const code = await manager.kill('SIGTERM');
    expect(code, manager.output().slice(-2000)).toBe(0);
  });

  it('start:sharded refuses a SQLite store with one clear line', async (t) => {
    if (skip) t.skip();
    const bot = w.spawn(w.env({ STORE_URL: 'sqlite://x.sqlite' }), 'src/sharded.ts');
    expect(await bot.exited).toBe(1);
    expect(bot.output().trim()).toBe('Configuration error: STORE_URL must be redis://host:port for npm run start:sharded (the shards share jobs, limits and the API cap)');
  });
});
