import { createClient } from '@keyv/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness';
import { redisAvailable } from './support/redis';
import type { FakeMessage } from './fakes/discord';
import type { Job } from '../src/jobs/record';
import { buttonsOf, textOf } from './support/card';

/**
 * /video-history and /video-stats end to end through the fakes, on SQLite and on Redis (a db of this file's
 * own, 13; only the keys this run made are deleted): three /video jobs, one failing; the history lists them
 * newest first with their states and links; Send again re-sends the file; the stats count them and the CSV
 * rows are those jobs.
 */

const MANAGE_GUILD = String(1n << 5n);
const REDIS_URL = 'redis://127.0.0.1:6379/13';
const redisUp = await redisAvailable();

const fastTask = (videoBytes: number) => ({ timeline: [{ at: 0, status: 'processing', progress: 50 }, { at: 400, status: 'completed' }], estimatedTime: 1, videoBytes });
const failingTask = { timeline: [{ at: 0, status: 'processing', progress: 10 }, { at: 300, status: 'failed', error: { code: 'moderation', message: 'flagged', type: 'moderation' } }] };

/** Ids of this run alone: runs sharing a Redis never see each other's history. */
const runId = (prefix: string) => `${prefix}${String(Date.now()).slice(-9)}${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`.slice(0, 18);

describe.each([
  { name: 'sqlite', storeUrl: undefined, skip: false },
  { name: 'redis', storeUrl: REDIS_URL, skip: !redisUp },
])('history and stats on $name', ({ storeUrl, skip }) => {
  let h: Harness;
  const member = { id: runId('71') };
  const moderator = { id: runId('72') };
  const stranger = { id: runId('73') };
  const jobs: Job[] = [];
  const prompts = ['first: the bear waves', 'second: **bold** move', 'third: the bear jumps'];
  const bytes = [5000, 6000, 0];

  beforeAll(async () => {
    if (skip) return;
    h = await startHarness(storeUrl ? { storeUrl } : {});
    // Three jobs in order, the last one failing at the provider.
    for (const [i, prompt] of prompts.entries()) {
      h.apimart.nextTask(i === 2 ? failingTask : fastTask(bytes[i]!));
      const sent = h.video({ prompt, user: member, duration: 3 + i });
      jobs.push(await h.waitForState(sent.id, i === 2 ? 'failed' : 'delivered'));
    }
    // A job's end is stored a moment before its final message is shown: wait for the failed one's.
    const failed = jobs[2]!;
    for (let t = 0; !textOf(h.discord.messages.get(failed.replyMessageId!) ?? {}).includes('could not be made'); t++) {
      if (t > 100) throw new Error('the failed job never showed its final message');
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 60_000);

  afterAll(async () => {
    if (skip) return;
    const guildId = h?.discord.guilds[0]?.id;
    await h?.close();
    if (!storeUrl) return;
    const redis = createClient({ url: storeUrl });
    await redis.connect();
    try {
      const mine = [member.id, moderator.id, stranger.id, guildId, h.discord.applicationId, ...jobs.map((j) => j.id)].filter(Boolean) as string[];
      for await (const keys of redis.scanIterator({ MATCH: 'vidu:*', COUNT: 500 })) {
        for (const key of ([] as string[]).concat(keys)) {
          // The unfinished-jobs buckets are named by shard, not by job: this run's are left empty.
          const emptyBucket = key.includes(':active:') && (await redis.get(key)) === '{"value":[]}';
          if (emptyBucket || mine.some((id) => key.includes(id))) await redis.del(key);
        }
      }
    } finally {
      await redis.quit();
    }
  });

  async function answerOf(sent: { id: string; token: string }, predicate: (m: FakeMessage) => boolean = () => true): Promise<FakeMessage> {
    await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`), { timeoutMs: 10_000 });
    const message = h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!;
    expect(predicate(message)).toBe(true);
    return message;
  }
  const isEphemeral = (m: FakeMessage) => ((m.flags ?? 0) & 64) === 64;

  it.skipIf(skip)('/video-history lists the jobs newest first with states, times and links, privately', async () => {
    const sent = h.discord.sendCommand({ name: 'video-history', options: [], user: member });
    const answer = await answerOf(sent);
    expect(isEphemeral(answer)).toBe(true);
    const lines = textOf(answer).split('\n');
    const entries = lines.filter((l) => /^\*\*\d+\.\*\*/.test(l));
    expect(entries).toHaveLength(3);
    const [newest, middle, oldest] = [jobs[2]!, jobs[1]!, jobs[0]!];
    const link = (j: Job) => `https://discord.com/channels/${j.guildId}/${j.channelId}/${j.replyMessageId}`;
    expect(entries[0]).toBe(`**1.** Failed · <t:${Math.floor(newest.createdAt / 1000)}:R> · [job message](${link(newest)})`);
    expect(entries[1]).toContain(`Delivered · <t:${Math.floor(middle.createdAt / 1000)}:R> · [job message](${link(middle)})`);
    expect(entries[2]).toContain(`[job message](${link(oldest)})`);
    // The link points at the job message itself.
    expect(textOf(h.discord.messages.get(newest.replyMessageId!) ?? {})).toContain('could not be made');
    expect(lines).toContain('> second: \\*\\*bold\\*\\* move');
    expect(buttonsOf(answer).map((b) => b.label)).toEqual(['Send #2 again', 'Send #3 again']);
  });

  it.skipIf(skip)("Send again re-sends the file to its owner only", async () => {
    const history = await answerOf(h.discord.sendCommand({ name: 'video-history', options: [], user: member }));
    const button = buttonsOf(history).find((b) => b.label === 'Send #2 again')!;
    expect(button.custom_id).toBe(`vidu:resend:${jobs[1]!.id}`);

    const refused = h.discord.sendButton({ customId: button.custom_id!, messageId: history.id, user: stranger });
    const callback = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${refused.id}/`));
    expect(callback.body.data.content).toContain('only the person who made it');
    expect(callback.body.data.flags & 64).toBe(64);

    const press = h.discord.sendButton({ customId: button.custom_id!, messageId: history.id, user: member });
    const upload = await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${press.token}/messages/@original`), { timeoutMs: 10_000 });
    expect(upload.auth).toBeUndefined();
    expect(upload.files).toHaveLength(1);
    expect(upload.files[0]!.filename).toBe(`vidu-${jobs[1]!.id}.mp4`);
    // The same bytes the job message got.
    const first = h.discord.callsTo('PATCH', new RegExp(`/webhooks/\\d+/${jobs[1]!.interactionToken}/messages/@original`)).find((c) => c.files.length)!;
    expect(upload.files[0]!.data.equals(first.files[0]!.data)).toBe(true);
    expect(upload.files[0]!.data.length).toBe(bytes[1]);
    const resent = h.discord.messages.get(h.discord.originalMessageId(press.id)!)!;
    expect(isEphemeral(resent)).toBe(true);
    expect(textOf(resent)).toContain('Your video is ready');
  });

  it.skipIf(skip)("Send again gives the link with its expiry when the video is over the press's upload limit", async () => {
    const history = await answerOf(h.discord.sendCommand({ name: 'video-history', options: [], user: member }));
    const press = h.discord.sendButton({ customId: `vidu:resend:${jobs[1]!.id}`, messageId: history.id, user: member, attachmentSizeLimit: 4096 });
    const answer = await answerOf(press);
    expect(h.discord.callsTo('PATCH', new RegExp(`/webhooks/\\d+/${press.token}/`)).every((c) => c.files.length === 0)).toBe(true);
    expect(textOf(answer)).toContain('too large to upload here (limit 0.0 MB)');
    expect(textOf(answer)).toMatch(/the link expires <t:\d+:R>/);
    expect(buttonsOf(answer).map((b) => b.label)).toContain('Download video');
  });

  it.skipIf(skip)("Send again goes by DM once the press's token is dead, and does not use that token again", async () => {
    const history = await answerOf(h.discord.sendCommand({ name: 'video-history', options: [], user: member }));
    const press = h.discord.sendButton({ customId: `vidu:resend:${jobs[0]!.id}`, messageId: history.id, user: member });
    // Dispatched over the gateway after this returns: the failure is in place before the bot answers.
    h.discord.failNext('PATCH', new RegExp(`/webhooks/\\d+/${press.token}/messages/@original`), { status: 401, code: 50027, message: 'Invalid Webhook Token' });
    const dmChannel = h.discord.dmChannelId(member.id);
    const dm = await h.discord.waitForCall('POST', new RegExp(`^/channels/${dmChannel}/messages$`), { timeoutMs: 10_000 });
    expect(dm.files[0]!.filename).toBe(`vidu-${jobs[0]!.id}.mp4`);
    expect(dm.files[0]!.data.length).toBe(bytes[0]);
    expect(textOf(dm.body)).toContain('Your video is ready');
    await new Promise((r) => setTimeout(r, 300));
    expect(h.discord.callsTo('PATCH', new RegExp(`/webhooks/\\d+/${press.token}/`))).toHaveLength(1);
  });

  it.skipIf(skip)('/video-stats is refused to a member without Manage Server at run time', async () => {
    const sent = h.discord.sendCommand({ name: 'video-stats', options: [], user: stranger, memberPermissions: '0' });
    const callback = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${sent.id}/`));
    expect(callback.body.data.content).toContain('Only members with the Manage Server permission');
    expect(callback.body.data.flags & 64).toBe(64);
  });

  it.skipIf(skip)("/video-stats shows a moderator today's counts and top members, pings no one, and the CSV rows are the jobs run", async () => {
    const pingsBefore = h.discord.pings.length;
    const sent = h.discord.sendCommand({ name: 'video-stats', options: [], user: moderator, memberPermissions: MANAGE_GUILD });
    const upload = await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`), { timeoutMs: 10_000 });
    const answer = h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!;
    expect(isEphemeral(answer)).toBe(true);
    // The two delivered (3 s and 4 s); the failed one gave its quota back and counts nothing.
    expect(textOf(answer)).toContain('**Today (UTC)**: 2 videos, 7 seconds');
    expect(textOf(answer)).toContain(`1. <@${member.id}>: 7 seconds (2 videos)`);
    expect(upload.body.allowed_mentions).toEqual({ parse: [] });
    expect(h.discord.pings.length).toBe(pingsBefore);

    expect(upload.files[0]!.filename).toMatch(/^video-stats-\d{4}-\d{2}-\d{2}\.csv$/);
    const rows = upload.files[0]!.data.toString('utf8').trim().split('\r\n');
    expect(rows).toEqual([
      'created_at,member_id,model,duration,resolution,variations,state',
      ...[...jobs].reverse().map((j) => `${new Date(j.createdAt).toISOString()},${member.id},viduq3,${j.request.duration},720p,1,${j.state}`),
    ]);
  });

  it.skipIf(skip)('/video-stats shows the budget left once the server has one', async () => {
    const set = h.discord.sendCommand({ name: 'video-limits', options: [{ name: 'budget', type: 1, options: [{ name: 'daily_seconds', type: 4, value: 100 }] }], user: moderator, memberPermissions: MANAGE_GUILD });
    await h.discord.waitForCall('POST', new RegExp(`^/interactions/${set.id}/`));
    const sent = h.discord.sendCommand({ name: 'video-stats', options: [], user: moderator, memberPermissions: MANAGE_GUILD });
    await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`), { timeoutMs: 10_000 });
    expect(textOf(h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!)).toMatch(/Budget left: \d+ seconds today/);
  });

  // On SQLite only: a Redis may hold this application's registration hash, and registration is then skipped.
  it.skipIf(skip || storeUrl !== undefined)('registers both commands: history for everyone, stats for Manage Server in servers only', () => {
    const put = h.discord.callsTo('PUT', /^\/applications\/\d+\/commands$/)[0]!;
    const byName = (n: string) => put.body.find((c: { name: string }) => c.name === n);
    expect(byName('video-history')).toMatchObject({ contexts: [0, 1, 2] });
    expect(byName('video-history').default_member_permissions ?? null).toBeNull();
    expect(byName('video-stats')).toMatchObject({ default_member_permissions: MANAGE_GUILD, contexts: [0] });
  });
});
