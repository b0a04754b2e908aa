import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from './support/eventually';
import { errors } from './fakes/apimart';
import type { SentInteraction } from './fakes/discord/types';
import { startHarness, USER, type Harness } from './support/harness';
import { jobState, storeFaults } from './support/store-faults';
import { systemClock, type Clock } from '../src/util/clock';
import type { Job } from '../src/jobs/record';
import { buttonsOf, textOf } from './support/card';
import { wordFailure } from '../src/discord/messages';

/**
 * How a job ends, seen from outside: what Cancel costs, that no job ends with its message still saying it
 * runs, and that store errors while polling or delivering lose nothing and do nothing twice.
 */

let h: Harness;
const faults = storeFaults();
/** The bot's clock runs this far ahead of the wall clock (the fakes keep the wall clock). */
let ahead = 0;
const clock: Clock = { ...systemClock, now: () => Date.now() + ahead };

const MOD = { id: '333333333333333333' };
const MANAGE_GUILD = String(1n << 5n);
let nextMember = 700000000000000000n;
/** A member of their own, so usage and limits of one test never meet another's. */
const member = () => ({ id: String(nextMember++) });

beforeAll(async () => {
  h = await startHarness({ storeUrl: 'memory:', app: { wrapStore: (kv) => faults.wrap(kv), clock } });
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => {
  ahead = 0;
  faults.clear();
});

const longTask = { timeline: [{ at: 0, status: 'pending' }, { at: 300, status: 'processing', progress: 10 }, { at: 120_000, status: 'completed' }], estimatedTime: 120 };
const fastTask = { timeline: [{ at: 0, status: 'pending' }, { at: 500, status: 'processing', progress: 40 }, { at: 1500, status: 'completed' }], estimatedTime: 2, videoBytes: 8 * 1024 };

const original = (sent: SentInteraction) => new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`);
const messageOf = (sent: SentInteraction) => h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!;
const uploadsFor = (sent: SentInteraction) => h.discord.callsTo('PATCH', original(sent)).filter((c) => c.files.length > 0 && c.status < 300);
const buttonLabels = (sent: SentInteraction) => buttonsOf(messageOf(sent)).map((b) => b.label);

/** The answer a button or command got: its immediate reply, or the edit of its deferral. */
async function answerTo(sent: SentInteraction): Promise<string> {
  const callback = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${sent.id}/`));
  if (callback.body.type === 4) return String(callback.body.data?.content ?? '');
  const edit = await h.discord.waitForCall('PATCH', original(sent));
  return String(textOf(edit.body) ?? '');
}

const command = (name: string, options: unknown[], user: { id: string }, memberPermissions = '0') => answerTo(h.discord.sendCommand({ name, options, user, memberPermissions }));
const usageOf = (user: { id: string }) => command('video-usage', [], user);
const limitTo = (user: { id: string }, dailyVideos: number) =>
  command('video-limits', [{ name: 'user', type: 1, options: [{ name: 'user', type: 6, value: user.id }, { name: 'daily_videos', type: 4, value: dailyVideos }] }], MOD, MANAGE_GUILD);
const press = (action: 'cancel' | 'reroll', job: Job, sent: SentInteraction, user: { id: string }) =>
  h.discord.sendButton({ customId: `vidu:${action}:${job.id}`, messageId: h.discord.originalMessageId(sent.id)!, user });

/** A running job whose message (with its Cancel button) is on screen. */
async function runningJob(user: { id: string }, task: object = longTask) {
  h.apimart.nextTask(task);
  const sent = h.video({ user });
  const job = await h.waitForState(sent.id, ['queued', 'generating']);
  await h.discord.waitForCall('PATCH', original(sent), { predicate: (c) => c.status < 300 && c.body?.components?.length > 0 });
  return { sent, job };
}

describe('Cancel keeps the quota of a task the provider accepted', () => {
  it('under daily_videos:1, submit then Cancel leaves no second video, and the answer says it counts', async () => {
    const m = member();
    await limitTo(m, 1);
    const submits = h.apimart.submitCount();
    const { sent, job } = await runningJob(m);

    const answer = await answerTo(press('cancel', job, sent, m));
    expect(answer).toContain('still makes it');
    expect(answer).toContain('counts toward your limits');
    await h.waitForState(sent.id, 'cancelled');
    expect(textOf(messageOf(sent))).toContain('still makes it (it cannot be stopped there), so it counts toward your limits today');
    expect(buttonLabels(sent)).toEqual([]);

    expect(await usageOf(m)).toContain('used 1, 0 left');
    const again = h.video({ user: m });
    await h.discord.waitForCall('PATCH', original(again));
    expect(textOf(messageOf(again))).toContain('Limit reached');
    expect(h.apimart.submitCount()).toBe(submits + 1);
  });

  it('Cancel pressed while the submit is in flight waits for it; the accepted task keeps its quota', async () => {
    const m = member();
    await limitTo(m, 1);
    h.apimart.nextTask(longTask);
    h.apimart.failSubmit(errors.slow(1_500));
    const sent = h.video({ user: m });
    const submitting = await h.waitForState(sent.id, 'submitting');

    const answer = await answerTo(press('cancel', submitting, sent, m));
    expect(answer).toContain('counts toward your limits');
    const cancelled = await h.waitForState(sent.id, 'cancelled');
    expect(cancelled.taskId).not.toBeNull();
    expect(h.app.ctx.jobs.poller.has(cancelled.id)).toBe(false);
    await eventually(() => String(textOf(messageOf(sent))).includes('Cancelled'), 'the Cancelled message');
    expect(textOf(messageOf(sent))).toContain('counts toward your limits today');
    expect(await usageOf(m)).toContain('used 1, 0 left');
  });
});

describe('no job ends with a message that says it still runs', () => {
  it('every delivery route failing: the message says so and offers the link; the video counts', async () => {
    const m = member();
    const { sent, job } = await runningJob(m, fastTask);
    // The upload into the reply, the channel edit, the channel post, the DM: each refused once.
    h.discord.failNext('PATCH', original(sent), { status: 500, times: 1 });
    h.discord.failNext('PATCH', new RegExp(`^/channels/${job.channelId}/messages/${job.replyMessageId}$`), { status: 500, times: 1 });
    h.discord.failNext('POST', new RegExp(`^/channels/${job.channelId}/messages$`), { status: 500, times: 1 });
    h.discord.forbidDM(m.id);

    const done = await h.waitForState(sent.id, 'undeliverable');
    await eventually(() => String(textOf(messageOf(sent))).includes('could not be posted'), 'the undeliverable message');
    const message = messageOf(sent);
    expect(textOf(message)).toContain('Your video was made, but it could not be posted.** Discord refused every way the bot tried to post it');
    expect(textOf(message)).toContain('Use the button below to download it; the link expires <t:');
    expect(buttonLabels(sent)).toEqual(['Re-roll', 'Download video']);
    expect(buttonsOf(message)[1]).toMatchObject({ url: done.videoUrl });
    expect(await usageOf(m)).toContain('used 1,');
  });

  it('when even that edit is refused, the log says the requester was not told, and why', async () => {
    h.apimart.nextTask(fastTask);
    const sent = h.video({ createdAt: Date.now() - 16 * 60 * 1000 });
    const queued = await h.waitForState(sent.id, ['queued', 'generating']);
    h.discord.forbidChannel(queued.channelId, 50001);
    h.discord.forbidDM(USER.id);
    try {
      await h.waitForState(sent.id, 'undeliverable');
      await eventually(() => h.logs().includes('the requester has not been told'), 'the log line');
      const line = h.logs().split('\n').find((l) => l.includes('the requester has not been told'))!;
      expect(JSON.parse(line)).toMatchObject({ jobId: queued.id, state: 'undeliverable', tokenExpired: true, channelMessage: true });
    } finally {
      h.discord.allowChannel(queued.channelId);
    }
  });

  it('a task that stays pending past its bound fails, frees its slot and gives the quota back', async () => {
    const m = member();
    h.apimart.nextTask({ timeline: [{ at: 0, status: 'pending' }], estimatedTime: 60 });
    const sent = h.video({ user: m });
    await h.waitForState(sent.id, ['queued', 'generating']);
    // Three hours later for the bot: well past the bound (overdue.ts) for a 60 s estimate.
    ahead = 3 * 3600 * 1000;
    const failed = await h.waitForState(sent.id, 'failed', 15_000);
    expect(wordFailure(failed.failure!)).toContain('had still not finished it after');
    expect(h.app.ctx.jobs.poller.has(failed.id)).toBe(false);
    await eventually(() => String(textOf(messageOf(sent))).includes('had still not finished it'), 'the failure message');
    expect(textOf(messageOf(sent))).toContain('gave your quota back');
    expect(buttonLabels(sent)).toEqual(['Re-roll']);
    expect(await usageOf(m)).toContain('used 0,');
  });

  it('Re-roll works the moment the video is visible, before its delivery is recorded', async () => {
    const m = member();
    // The delivery record is written a while after the video went out.
    faults.add({ op: 'set', key: /^job:/, value: jobState('delivered'), kind: 'delay', delayMs: 3_000 });
    h.apimart.nextTask(fastTask);
    const sent = h.video({ user: m });
    await eventually(() => uploadsFor(sent).length === 1, 'the video');
    const job = await h.waitForState(sent.id, 'completed');

    h.apimart.nextTask(fastTask);
    const reroll = press('reroll', job, sent, m);
    const callback = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${reroll.id}/`));
    expect(callback.body.type).toBe(5);
    const second = await h.waitForState(reroll.id, 'delivered');
    expect(second.rerollOf).toBe(job.id);
    await h.waitForState(sent.id, 'delivered');
  });
});

describe('store errors while polling or delivering lose nothing and do nothing twice', () => {
  it('poll writes that fail are redone by the next poll: one video, posted once', async () => {
    const m = member();
    faults.add({ op: 'set', key: /^job:/, value: jobState('generating') });
    faults.add({ op: 'set', key: /^job:/, value: jobState('completed'), times: 2 });
    h.apimart.nextTask(fastTask);
    const sent = h.video({ user: m });
    await h.waitForState(sent.id, 'delivered', 30_000);
    expect(faults.hits.filter((f) => f.op === 'set' && f.key.startsWith('job:'))).not.toHaveLength(0);
    expect(uploadsFor(sent)).toHaveLength(1);
    expect(await usageOf(m)).toContain('used 1,');
  });

  it('the delivery record failing is retried, never the post: one upload, the job ends delivered and counted', async () => {
    const m = member();
    faults.add({ op: 'set', key: /^job:/, value: jobState('delivered'), times: 2 });
    h.apimart.nextTask(fastTask);
    const sent = h.video({ user: m });
    const job = await h.waitForState(sent.id, 'delivered', 20_000);
    expect(uploadsFor(sent)).toHaveLength(1);
    expect(h.discord.callsTo('POST', new RegExp(`^/channels/${job.channelId}/messages$`)).filter((c) => c.at >= job.createdAt)).toHaveLength(0);
    expect((await h.app.ctx.jobs.get(job.id))!.state).toBe('delivered');
    const usage = await h.app.ctx.limits.usage(job.guildId, m.id);
    expect(usage).toMatchObject({ videos: 1, active: [] });
  });

  it('giving the quota back failing still shows the failure, and the quota comes back once the store works', async () => {
    const m = member();
    h.apimart.nextTask({ timeline: [{ at: 0, status: 'processing', progress: 10 }, { at: 4_000, status: 'failed', error: { code: 'moderation', message: 'flagged', type: 'moderation' } }], estimatedTime: 4 });
    const sent = h.video({ user: m });
    await h.waitForState(sent.id, ['queued', 'generating']);
    faults.add({ op: 'set', key: /^usage:/ });
    await h.waitForState(sent.id, 'failed', 20_000);
    await eventually(() => String(textOf(messageOf(sent))).includes('flagged'), 'the failure message');
    await eventually(async () => (await usageOf(m)).includes('used 0,'), 'the quota back');
  });

  it('the accepted task failing to be recorded is recorded later: submitted once, delivered once, counted', async () => {
    const m = member();
    faults.add({ op: 'set', key: /^job:/, value: jobState('queued'), times: 2 });
    const submits = h.apimart.submitCount();
    h.apimart.nextTask(fastTask);
    const sent = h.video({ user: m });
    const job = await h.waitForState(sent.id, 'delivered', 20_000);
    expect(job.taskId).not.toBeNull();
    expect(h.apimart.submitCount()).toBe(submits + 1);
    expect(uploadsFor(sent)).toHaveLength(1);
    expect(textOf(messageOf(sent))).not.toContain('storage is not answering');
    expect(await h.app.ctx.limits.usage(job.guildId, m.id)).toMatchObject({ videos: 1, active: [] });
  });

  it('a refused submit whose failure fails to be recorded still ends failed, shown, with the quota back', async () => {
    const m = member();
    faults.add({ op: 'set', key: /^job:/, value: jobState('failed'), times: 2 });
    h.apimart.failSubmit(errors.badRequest('prompt rejected'));
    const sent = h.video({ user: m });
    const failed = await h.waitForState(sent.id, 'failed', 20_000);
    await eventually(() => String(textOf(messageOf(sent))).includes('prompt rejected'), 'the refusal');
    expect(textOf(messageOf(sent))).not.toContain('storage is not answering');
    expect(await h.app.ctx.limits.usage(failed.guildId, m.id)).toMatchObject({ videos: 0, active: [] });
  });

  it('a provider failure stored by a write that then failed is finished by the next poll: shown once, quota back', async () => {
    const m = member();
    h.apimart.nextTask({ timeline: [{ at: 0, status: 'processing', progress: 10 }, { at: 1_000, status: 'failed', error: { code: 'moderation', message: 'flagged', type: 'moderation' } }], estimatedTime: 2 });
    faults.add({ op: 'set', key: /^job:/, value: jobState('failed'), kind: 'throw-after' });
    const sent = h.video({ user: m });
    const failed = await h.waitForState(sent.id, 'failed', 20_000);
    await eventually(() => String(textOf(messageOf(sent))).includes('flagged'), 'the failure message', 20_000);
    expect(h.app.ctx.jobs.poller.has(failed.id)).toBe(false);
    expect(await h.app.ctx.limits.usage(failed.guildId, m.id)).toMatchObject({ videos: 0, active: [] });
  });

  it('a Cancel whose write fails says so and changes nothing; pressed again it works', async () => {
    const m = member();
    const { sent, job } = await runningJob(m);
    faults.add({ op: 'set', key: /^job:/, value: jobState('cancelled') });
    const first = await answerTo(press('cancel', job, sent, m));
    expect(first).toContain('Something went wrong on our side');
    expect((await h.app.ctx.jobs.get(job.id))!.state).not.toBe('cancelled');
    expect(textOf(messageOf(sent))).not.toContain('Cancelled');
    expect(buttonLabels(sent)).toEqual(['Cancel']);

    expect(await answerTo(press('cancel', job, sent, m))).toContain('counts toward your limits');
    await eventually(() => String(textOf(messageOf(sent))).includes('Cancelled'), 'the Cancelled message');
  });

  it('a Cancel stored by a write that then failed is finished by the next press: message edited, slot freed', async () => {
    const m = member();
    const { sent, job } = await runningJob(m);
    faults.add({ op: 'set', key: /^job:/, value: jobState('cancelled'), kind: 'throw-after' });
    expect(await answerTo(press('cancel', job, sent, m))).toContain('Something went wrong on our side');
    expect((await h.app.ctx.jobs.get(job.id))!.state).toBe('cancelled');

    expect(await answerTo(press('cancel', job, sent, m))).toContain('counts toward your limits');
    await eventually(() => String(textOf(messageOf(sent))).includes('Cancelled'), 'the Cancelled message');
    expect(h.app.ctx.jobs.poller.has(job.id)).toBe(false);
    expect((await h.app.ctx.limits.usage(job.guildId, m.id)).active).not.toContain(job.id);
  });
});
