import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, USER, type Harness } from './support/harness';
import { galleryOf, isCard, textOf } from './support/card';
import type { SentInteraction } from './fakes/discord/types';

/** `/video private:true` (docs/commands.md): only the requester ever sees the job, in its ephemeral reply or a DM. */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const fastTask = { timeline: [{ at: 0, status: 'pending' }, { at: 300, status: 'processing', progress: 40 }, { at: 1000, status: 'completed' }], estimatedTime: 1, videoBytes: 16 * 1024 };
const EXPIRED = () => Date.now() - 16 * 60 * 1000;
const EPHEMERAL = 64;

/** Every POST or PATCH the bot sent through the channel endpoint of `channelId` since call number `since`. */
const channelWrites = (channelId: string, since: number) =>
  h.discord.calls.slice(since).filter((c) => (c.method === 'POST' || c.method === 'PATCH') && c.path.startsWith(`/channels/${channelId}/messages`));

/** The ephemeral follow-ups the bot sent to an interaction (POST to its webhook). */
const followUps = (sent: SentInteraction) => h.discord.callsTo('POST', new RegExp(`^/webhooks/\\d+/${sent.token}$`));

describe('/video private:true', () => {
  it('the job message is ephemeral from the deferral to the video; nothing goes to the channel', async () => {
    const since = h.discord.calls.length;
    h.apimart.nextTask(fastTask);
    const sent = h.video({ private: true });
    const callback = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${sent.id}/`));
    expect(callback.body.type).toBe(5);
    expect(callback.body.data.flags & EPHEMERAL).toBe(EPHEMERAL);
    const job = await h.waitForState(sent.id, 'delivered');
    expect(job.private).toBe(true);
    expect(job.delivery).toMatchObject({ route: 'reply', attached: true });
    const reply = h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!;
    expect(reply.flags! & EPHEMERAL).toBe(EPHEMERAL);
    expect(isCard(reply)).toBe(true);
    expect(reply.attachments).toHaveLength(1);
    // Others in the channel see nothing of it.
    expect(h.discord.channelMessages(job.channelId).filter((m) => m.interactionId === sent.id)).toEqual([]);
    expect(channelWrites(job.channelId, since)).toEqual([]);
  });

  it('finishing after the token expired: the same card arrives by DM, never in the channel', async () => {
    const since = h.discord.calls.length;
    h.apimart.nextTask(fastTask);
    const sent = h.video({ private: true, createdAt: EXPIRED() });
    const job = await h.waitForState(sent.id, 'delivered');
    expect(job.delivery).toMatchObject({ route: 'dm', attached: true });
    const dm = h.discord.channelMessages(h.discord.dmChannelId(USER.id)).at(-1)!;
    expect(isCard(dm)).toBe(true);
    expect(galleryOf(dm).map((i) => i.media.url)).toEqual([`attachment://${dm.attachments[0]!.filename}`]);
    expect(channelWrites(job.channelId, since)).toEqual([]);
    // The token was past its end: not used again for the video.
    expect(h.discord.callsTo('PATCH', new RegExp(`^/webhooks/\\d+/${sent.token}/`)).filter((c) => c.files.length > 0)).toEqual([]);
  });

  it('variations: the takes share one private message, and past the token one DM holds every take', async () => {
    const since = h.discord.calls.length;
    h.apimart.nextTask(fastTask);
    h.apimart.nextTask(fastTask);
    const sent = h.video({ private: true, variations: 2, createdAt: EXPIRED() });
    const first = await h.waitForState(sent.id, 'delivered');
    const takes = first.group!.jobIds;
    await expect.poll(() => takes.map((id) => h.jobs.get(id)?.state)).toEqual(['delivered', 'delivered']);
    expect(takes.map((id) => h.jobs.get(id)!.private)).toEqual([true, true]);
    const dm = h.discord.channelMessages(h.discord.dmChannelId(USER.id)).at(-1)!;
    expect(galleryOf(dm)).toHaveLength(2);
    expect(channelWrites(first.channelId, since)).toEqual([]);
  });

  it('the reply refusing the edit (token dead early): the card goes to the DMs, not the channel', async () => {
    const since = h.discord.calls.length;
    h.apimart.nextTask(fastTask);
    const sent = h.video({ private: true });
    await h.waitForState(sent.id, ['queued', 'generating']);
    h.discord.failNext('PATCH', new RegExp(`^/webhooks/\\d+/${sent.token}/messages/`), { status: 401, code: 50027, message: 'Invalid Webhook Token', times: 5 });
    const job = await h.waitForState(sent.id, 'delivered');
    expect(job.delivery).toMatchObject({ route: 'dm', attached: true });
    expect(isCard(h.discord.channelMessages(h.discord.dmChannelId(USER.id)).at(-1)!)).toBe(true);
    expect(channelWrites(job.channelId, since)).toEqual([]);
  });

  it('DMs closed too: nothing is posted publicly, and the requester is told at their next command, once', async () => {
    const member = { id: '313131313131313131' };
    h.discord.forbidDM(member.id);
    const since = h.discord.calls.length;
    h.apimart.nextTask(fastTask);
    const sent = h.video({ private: true, createdAt: EXPIRED(), user: member });
    const job = await h.waitForState(sent.id, 'undeliverable');
    expect(channelWrites(job.channelId, since)).toEqual([]);
    expect(h.logs()).toContain('the requester will be told at their next command');

    const usage = h.discord.sendCommand({ name: 'video-usage', options: [], user: member });
    const told = await h.discord.waitForCall('POST', new RegExp(`^/webhooks/\\d+/${usage.token}$`));
    expect(told.body.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(String(told.body.content)).toContain('A private video of yours could not reach you');
    expect(String(told.body.content)).toContain('/video-history');

    // Told once: the next command has no follow-up.
    const again = h.discord.sendCommand({ name: 'video-usage', options: [], user: member });
    await h.discord.waitForCall('POST', new RegExp(`^/interactions/${again.id}/`));
    await new Promise((r) => setTimeout(r, 300));
    expect(followUps(again)).toEqual([]);
    // Someone else is not told about it.
    const other = h.discord.sendCommand({ name: 'video-usage', options: [], user: USER });
    await h.discord.waitForCall('POST', new RegExp(`^/interactions/${other.id}/`));
    await new Promise((r) => setTimeout(r, 300));
    expect(followUps(other)).toEqual([]);
  });

  it('Re-roll of a private job stays private', async () => {
    h.apimart.nextTask(fastTask);
    const sent = h.video({ private: true });
    const source = await h.waitForState(sent.id, 'delivered');
    const since = h.discord.calls.length;
    h.apimart.nextTask(fastTask);
    const press = h.discord.sendButton({ customId: `vidu:reroll:${source.id}`, messageId: h.discord.originalMessageId(sent.id)!, user: USER });
    const callback = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${press.id}/`));
    expect(callback.body.data.flags & EPHEMERAL).toBe(EPHEMERAL);
    const rerolled = await h.waitForState(press.id, 'delivered');
    expect(rerolled).toMatchObject({ private: true, rerollOf: source.id, delivery: { route: 'reply', attached: true } });
    expect(textOf(h.discord.messages.get(h.discord.originalMessageId(press.id)!)!)).toContain(String(rerolled.request.seed));
    expect(channelWrites(source.channelId, since)).toEqual([]);
  });

  it('Remix of a private job stays private: its form submit defers ephemerally', async () => {
    h.apimart.nextTask(fastTask);
    const sent = h.video({ private: true });
    const source = await h.waitForState(sent.id, 'delivered');
    const since = h.discord.calls.length;
    const press = h.discord.sendButton({ customId: `vidu:remix:${source.id}`, messageId: h.discord.originalMessageId(sent.id)!, user: USER });
    await h.discord.waitForModal(press.id);
    h.apimart.nextTask(fastTask);
    const submit = h.discord.submitModal({ interaction: press.id, values: { prompt: 'the bear turns away, slow pan left' } });
    const callback = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${submit.id}/`));
    expect(callback.body.data.flags & EPHEMERAL).toBe(EPHEMERAL);
    const remix = await h.waitForState(submit.id, 'delivered');
    expect(remix).toMatchObject({ private: true, cameFrom: { kind: 'remix', jobId: source.id }, delivery: { route: 'reply' } });
    expect(channelWrites(source.channelId, since)).toEqual([]);
  });
});
