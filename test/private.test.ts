import { describe, expect, it } from 'vitest';
import type { Messenger } from '../src/discord/messenger';
import { createLogger } from '../src/log';
import { JobMessage } from '../src/discord/job-message';
import { Notices } from '../src/discord/notices';
import { newJob, type Job } from '../src/jobs/record';
import { openStore } from '../src/store/kv';
import type { Clock } from '../src/util/clock';
import { UNREAD } from './support/posted';
import { jobInput } from './support/job-input';
import type { DeliveryResult } from '../src/jobs/ports';

/** `private:true` (docs/commands.md, private jobs): the route chain of a private job, and the next-command notice. */

const MIN = 60_000;
const logger = createLogger({ level: 'silent' });
const clock: Clock = { now: () => 1_000_000_000_000 } as Clock;
const refused = (status: number, code: number) => Object.assign(new Error('refused'), { status, code });

function world(fail: { reply?: boolean; dm?: boolean } = {}) {
  const calls: string[] = [];
  const attempt = (route: string, failing?: boolean) => async () => {
    calls.push(route);
    if (failing) throw route === 'dm' ? refused(403, 50007) : refused(404, 10008);
    return UNREAD;
  };
  const messenger: Messenger = {
    editOriginal: attempt('reply', fail.reply),
    editChannelMessage: attempt('channel-edit'),
    sendChannel: attempt('channel'),
    sendDm: attempt('dm', fail.dm),
    deleteOriginal: async () => undefined,
    deleteChannelMessage: async () => undefined,
    refreshAttachmentUrls: async () => new Map(),
  };
  const noticed: string[] = [];
  const view = new JobMessage({
    messenger,
    logger,
    clock,
    download: async () => ({ ok: true as const, data: Buffer.alloc(16) }),
    notices: { undelivered: async (userId, jobId) => void noticed.push(`${userId} ${jobId}`) },
  });
  return { view, calls, noticed };
}

function privateJob(tokenLeftMs: number): Job {
  const job = newJob(
    jobInput({ id: 'privatejob0001', userId: '3', tokenExpiresAt: clock.now() + tokenLeftMs, replyMessageId: '623456789012345678', request: { model: 'viduq3', prompt: 'pan', image_urls: ['https://cdn.example/a.png'], duration: 5, resolution: '720p', aspect_ratio: '16:9', seed: 7 }, private: true }),
    clock.now(),
  );
  return { ...job, state: 'completed', taskId: 't1', videoUrl: 'https://cdn.example/v.mp4' };
}

/** Where a delivery went, and the takes it sent as files. */
const summary = (r: DeliveryResult) => ({ route: r.route, files: [...r.sent].filter(([, s]) => !('linked' in s)).map(([id]) => id) });

describe('JobMessage: a private job', () => {
  it('goes reply, then DM when the reply refuses; never the channel endpoint', async () => {
    const w = world({ reply: true });
    expect(summary(await w.view.deliver([privateJob(15 * MIN)]))).toEqual({ route: 'dm', files: ['privatejob0001'] });
    expect(w.calls).toEqual(['reply', 'dm']);
  });

  it('past its token goes straight to the DMs; progress then shows nowhere rather than in the channel', async () => {
    const w = world();
    expect(await w.view.showRunning([{ ...privateJob(30_000), state: 'generating' }], clock.now())).toBe(false);
    expect(summary(await w.view.deliver([privateJob(30_000)]))).toEqual({ route: 'dm', files: ['privatejob0001'] });
    expect(w.calls).toEqual(['dm']);
  });

  it('DMs closed: undeliverable, nothing posted anywhere else, and the member is remembered for their next command', async () => {
    const w = world({ dm: true });
    expect(summary(await w.view.deliver([privateJob(0)]))).toEqual({ route: null, files: [] });
    expect(w.calls).toEqual(['dm']);
    expect(w.noticed).toEqual(['3 privatejob0001']);
  });

  it('a job that is not private keeps the whole chain and leaves no notice', async () => {
    const w = world({ reply: true, dm: true });
    const { private: _, ...publicJob } = privateJob(15 * MIN);
    await w.view.deliver([publicJob]);
    expect(w.calls.slice(0, 2)).toEqual(['reply', 'channel-edit']);
    expect(w.noticed).toEqual([]);
  });
});

describe('Notices', () => {
  it('keeps each job once per member, is taken once, and is nobody else’s', async () => {
    const kv = await openStore('memory:');
    const notices = new Notices(kv);
    await notices.undelivered('3', 'privatejob0001');
    await notices.undelivered('3', 'privatejob0001');
    await notices.undelivered('3', 'privatejob0002');
    expect(await notices.take('9')).toBeUndefined();
    const [a, b] = await Promise.all([notices.take('3'), notices.take('3')]);
    expect([a, b].filter(Boolean)).toEqual([{ v: 1, undelivered: ['privatejob0001', 'privatejob0002'] }]);
    expect(await notices.take('3')).toBeUndefined();
    await kv.close();
  });

  it('a damaged record is dropped, not shown', async () => {
    const kv = await openStore('memory:');
    await kv.set('notice:3', { v: 1, undelivered: 'nope' });
    expect(await new Notices(kv).take('3')).toBeUndefined();
    await kv.close();
  });
});
