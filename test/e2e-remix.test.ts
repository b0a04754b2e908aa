import { describe, expect, it } from 'vitest';
import { buttonsOf, textOf } from './support/card';
import type { SentInteraction } from './fakes/discord/types';
import { FLAG_EPHEMERAL } from './fakes/discord';
import type { Harness } from './support/harness';
import { describeOnStores } from './support/stores';
import { pngHeader } from './support/images';
import type { Job } from '../src/jobs/record';

/**
 * The modal-driven ways of making a video, through the fake Discord and the fake APIMart: the message menu
 * "Make a video", and Remix, Final and Delete on a finished video (docs/commands.md).
 */

let h: Harness;

const fastTask = { timeline: [{ at: 0, status: 'pending' }, { at: 300, status: 'processing', progress: 40 }, { at: 900, status: 'completed' }], estimatedTime: 1, videoBytes: 8 * 1024 };
const STRANGER = { id: '222222222222222222' };
let nextMember = 800000000000000000n;
/** A member of their own, so one test's usage never meets another's. */
const member = () => ({ id: String(nextMember++) });
const png = (filename: string, width = 800, height = 600) => ({ filename, contentType: 'image/png', width, height, data: pngHeader(width, height) });

const messageOf = (sent: SentInteraction) => h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!;
const buttons = (sent: SentInteraction) => buttonsOf(messageOf(sent));
const press = (action: string, job: Job, sent: SentInteraction, user: { id: string }) =>
  h.discord.sendButton({ customId: `vidu:${action}:${job.id}`, messageId: h.discord.originalMessageId(sent.id)!, user });
/** The private sentence a button or command answered with at once (callback type 4). */
async function immediateAnswer(sent: SentInteraction): Promise<{ content: string; ephemeral: boolean }> {
  const callback = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${sent.id}/`));
  expect(callback.body.type).toBe(4);
  return { content: String(callback.body.data?.content ?? ''), ephemeral: ((callback.body.data?.flags ?? 0) & FLAG_EPHEMERAL) !== 0 };
}
/** The edit of a deferral. */
async function editedAnswer(sent: SentInteraction): Promise<string> {
  const edit = await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`));
  return String(edit.body.content ?? '');
}
const usedBy = async (user: { id: string }) => (await h.app.ctx.limits.usage(h.discord.guilds[0]!.id, user.id)).videos;

/** A finished /video of `user`: its interaction and job. */
async function finishedVideo(user: { id: string }, opts: Parameters<Harness['video']>[0] = {}) {
  h.apimart.nextTask(fastTask);
  const sent = h.video({ user, images: [{}, { filename: 'b.png' }], ...opts });
  const job = await h.waitForState(sent.id, 'delivered');
  return { sent, job };
}

describeOnStores({}, (started) => (h = started), () => {

  describe('"Make a video" on a message', () => {
    it('is registered as a message command for servers, the bot\'s DMs and private channels, server and user installs', () => {
      const put = h.discord.callsTo('PUT', /^\/applications\/\d+\/commands$/)[0]!;
      const make = (put.body as { name: string }[]).find((c) => c.name === 'Make a video');
      expect(make).toMatchObject({ type: 3, contexts: [0, 1, 2], integration_types: [0, 1] });
      expect(make).not.toHaveProperty('options');
    });

    it('3 image attachments and an embed image -> a form -> one submit with the 4 images in order, the job message in the channel, the video delivered', async () => {
      const poster = member();
      const target = h.discord.addMessage({ author: poster, content: 'our hero', files: [png('a.png'), png('b.png', 600, 800), png('c.png')], embedImages: [png('e.png')] });
      const user = member();
      const sent = h.discord.sendMessageCommand({ name: 'Make a video', messageId: target.id, user });
      const modal = await h.discord.waitForModal(sent.id);
      expect(modal.latencyMs).toBeLessThan(3000);
      expect(modal.title).toBe('Make a video from 4 images');
      expect(modal.components.length).toBeLessThanOrEqual(5);
      expect(h.discord.specErrors()).toEqual([]);

      const before = h.apimart.submits().length;
      h.apimart.nextTask(fastTask);
      const submit = h.discord.submitModal({ interaction: sent.id, values: { prompt: 'the hero turns to the camera, slow dolly in' } });
      const job = await h.waitForState(submit.id, 'delivered');

      expect(h.apimart.submits()).toHaveLength(before + 1);
      const resolved = sent.payload.data.resolved.messages[target.id];
      const expected = [...resolved.attachments.map((a: { url: string }) => a.url), resolved.embeds[0].image.url];
      expect(h.apimart.submits().at(-1)!.body).toMatchObject({ prompt: 'the hero turns to the camera, slow dolly in', image_urls: expected, model: 'viduq3', duration: 5, resolution: '720p', aspect_ratio: '16:9' });
      const message = messageOf(submit);
      expect(message.channelId).toBe(target.channelId);
      expect(textOf(message)).toContain('Your video is ready');
      expect(textOf(message)).toContain('4 images');
      expect(message.attachments).toHaveLength(1);
      expect(job.userId).toBe(user.id);
    });

    it('a message with a text file and no image: a private answer saying what was looked for, no form, no API call', async () => {
      const target = h.discord.addMessage({ author: member(), content: 'notes', files: [{ filename: 'notes.txt', contentType: 'text/plain', data: Buffer.from('hello') }] });
      const before = h.apimart.submits().length;
      const sent = h.discord.sendMessageCommand({ name: 'Make a video', messageId: target.id, user: member() });
      const answer = await immediateAnswer(sent);
      expect(answer.ephemeral).toBe(true);
      expect(answer.content).toContain('attachments');
      expect(answer.content).toContain('embeds');
      expect(h.discord.modalFor(sent.id)).toBeUndefined();
      expect(() => h.discord.submitModal({ interaction: sent.id, values: { prompt: 'x' } })).toThrow(/no modal/);
      expect(h.apimart.submits()).toHaveLength(before);
    });

    it('2 uploads on a message with 6 images: refused (8 > 7), nothing submitted', async () => {
      const target = h.discord.addMessage({ author: member(), files: Array.from({ length: 6 }, (_, i) => png(`${i}.png`)) });
      const before = h.apimart.submits().length;
      const sent = h.discord.sendMessageCommand({ name: 'Make a video', messageId: target.id, user: member() });
      const modal = await h.discord.waitForModal(sent.id);
      // The form offers room for one more, so Discord itself refuses a second upload (the bot refuses 8 as well:
      // test/handlers.test.ts, for a submit that got past it).
      const upload = modal.components.find((c: { component?: { custom_id: string } }) => c.component?.custom_id === 'images');
      expect(upload.component).toMatchObject({ type: 19, min_values: 0, max_values: 1 });
      expect(() => h.discord.submitModal({ interaction: sent.id, values: { prompt: 'x', images: [png('u1.png'), png('u2.png')] } })).toThrow(/0\.\.1 values, got 2/);
      expect(h.apimart.submits()).toHaveLength(before);
    });

    it('a message image whose link no longer loads is reported as such before anything is spent', async () => {
      const target = h.discord.addMessage({ author: member(), files: [png('gone.png'), png('ok.png')] });
      h.discord.deleteAttachment(target.attachments[0]!.url);
      const user = member();
      const before = h.apimart.submits().length;
      const sent = h.discord.sendMessageCommand({ name: 'Make a video', messageId: target.id, user });
      await h.discord.waitForModal(sent.id);
      const submit = h.discord.submitModal({ interaction: sent.id, values: { prompt: 'slow pan' } });
      expect(await editedAnswer(submit)).toContain('image1 (gone.png): its link no longer loads');
      expect(h.apimart.submits()).toHaveLength(before);
      expect(await usedBy(user)).toBe(0);
    });
  });

  describe('Remix, Final and Delete on a finished video', () => {
    it('Final on a preview: the preview\'s seed, images, prompt, model and aspect at 1080p, charged to the presser, linking the preview', async () => {
      const requester = member();
      const { sent, job } = await finishedVideo(requester, { preview: true, aspect_ratio: '9:16' });
      expect(buttons(sent).map((b) => b.label)).toEqual(['Re-roll', 'Remix', 'Final 1080p', 'Delete', 'Source video']);
      const presser = member();
      const pressed = press('final', job, sent, presser);
      const modal = await h.discord.waitForModal(pressed.id);
      expect(modal.latencyMs).toBeLessThan(3000);

      h.apimart.nextTask(fastTask);
      const submit = h.discord.submitModal({ interaction: pressed.id, values: { duration: ['6'] } });
      const final = await h.waitForState(submit.id, 'delivered');
      const body = h.apimart.submits().at(-1)!.body as { image_urls: string[] };
      expect(body).toEqual({ model: job.request.model, prompt: job.request.prompt, image_urls: body.image_urls, duration: 6, resolution: '1080p', aspect_ratio: '9:16', seed: job.request.seed });
      expect(body.image_urls).toHaveLength(2);
      expect(final.userId).toBe(presser.id);
      expect(await usedBy(presser)).toBe(1);
      expect(await usedBy(requester)).toBe(1);
      expect(textOf(messageOf(submit))).toContain(`Final of https://discord.com/channels/${job.guildId}/${job.channelId}/${h.discord.originalMessageId(sent.id)}`);

      // One Final per take.
      const again = press('final', job, sent, presser);
      expect((await immediateAnswer(again)).content).toContain('already has its Final');
    });

    it("Final on take 2 of a variations card: take 2's seed, images, prompt, model and aspect at 1080p, one per take, take 1's still open", async () => {
      const requester = member();
      h.apimart.nextTask(fastTask);
      h.apimart.nextTask(fastTask);
      const sent = h.video({ user: requester, variations: 2, duration: 4, aspect_ratio: '1:1', images: [{}, { filename: 'b.png' }] });
      const takes = await h.waitForTakes(sent.id, 2, ['delivered']);
      const [take1, take2] = takes as [Job, Job];
      expect(take1.request.seed).not.toBe(take2.request.seed);
      const finals = buttons(sent).filter((b) => b.label?.startsWith('Final'));
      expect(finals.map((b) => b.label)).toEqual(['Final 1080p · Take 1', 'Final 1080p · Take 2']);
      const pressFinal = (take: 1 | 2, user: { id: string }) => h.discord.sendButton({ customId: finals[take - 1]!.custom_id!, messageId: h.discord.originalMessageId(sent.id)!, user });

      const presser = member();
      const pressed = pressFinal(2, presser);
      const modal = await h.discord.waitForModal(pressed.id);
      expect(modal.latencyMs).toBeLessThan(3000);
      expect(modal.title).toBe('Final at 1080p');
      const duration = modal.components.find((c: { component?: { custom_id: string } }) => c.component?.custom_id === 'duration');
      expect(duration.component.options.filter((o: { default?: boolean }) => o.default).map((o: { value: string }) => o.value)).toEqual(['4']);
      expect(textOf({ components: modal.components })).toContain(`seed ${take2.request.seed}`);

      const before = h.apimart.submits().length;
      h.apimart.nextTask(fastTask);
      const submit = h.discord.submitModal({ interaction: pressed.id, values: { duration: ['7'] } });
      const final = await h.waitForState(submit.id, 'delivered');
      const submits = h.apimart.submits().slice(before);
      expect(submits).toHaveLength(1);
      const r = take2.request;
      expect(submits[0]!.body).toEqual({ model: r.model, prompt: r.prompt, image_urls: expect.any(Array), duration: 7, resolution: '1080p', aspect_ratio: '1:1', seed: r.seed });
      // The same images in the same order; their links renewed (Discord's expire), so the same files, new signatures.
      const file = (url: string) => new URL(url).pathname;
      expect((submits[0]!.body as { image_urls: string[] }).image_urls.map(file)).toEqual(r.image_urls.map(file));
      expect(r.image_urls).toHaveLength(2);
      expect(final.imageNames).toEqual(take2.imageNames);
      expect(final.userId).toBe(presser.id);
      expect(final.group).toBeUndefined();
      expect(await usedBy(presser)).toBe(1);
      expect(await usedBy(requester)).toBe(2);
      const card = textOf(messageOf(submit));
      expect(card).toContain(`Final of https://discord.com/channels/${take2.guildId}/${take2.channelId}/${h.discord.originalMessageId(sent.id)}`);
      expect(card).toContain(`seed ${r.seed}`);

      // One Final per take: take 2's again is refused with nothing submitted; take 1's still opens and makes take 1's.
      const again = pressFinal(2, member());
      expect((await immediateAnswer(again)).content).toContain('already has its Final');
      expect(h.discord.modalFor(again.id)).toBeUndefined();
      expect(h.apimart.submits()).toHaveLength(before + 1);

      const other = pressFinal(1, presser);
      await h.discord.waitForModal(other.id);
      h.apimart.nextTask(fastTask);
      const submit1 = h.discord.submitModal({ interaction: other.id, values: { duration: ['4'] } });
      await h.waitForState(submit1.id, 'delivered');
      expect(h.apimart.submits().slice(before + 1)).toHaveLength(1);
      expect(h.apimart.submits().at(-1)!.body).toMatchObject({ seed: take1.request.seed, resolution: '1080p', duration: 4, aspect_ratio: '1:1' });
      expect(await usedBy(presser)).toBe(2);
    });

    it('Remix with an edited prompt: same images, the new prompt and options, a new job message charged to the presser', async () => {
      const { sent, job } = await finishedVideo(member());
      const presser = member();
      const pressed = press('remix', job, sent, presser);
      const modal = await h.discord.waitForModal(pressed.id);
      const prompt = modal.components.find((c: { component?: { custom_id: string } }) => c.component?.custom_id === 'prompt');
      expect(prompt.component.value).toBe(job.request.prompt);

      h.apimart.nextTask(fastTask);
      const submit = h.discord.submitModal({ interaction: pressed.id, values: { prompt: 'the bear dances at night', model: ['viduq3-mix|1080p'], aspect: '1:1' } });
      const remix = await h.waitForState(submit.id, 'delivered');
      expect(h.apimart.submits().at(-1)!.body).toMatchObject({ prompt: 'the bear dances at night', model: 'viduq3-mix', resolution: '1080p', aspect_ratio: '1:1', duration: job.request.duration });
      expect((h.apimart.submits().at(-1)!.body as { image_urls: string[] }).image_urls).toHaveLength(2);
      expect(remix.userId).toBe(presser.id);
      expect(await usedBy(presser)).toBe(1);
      expect(textOf(messageOf(submit))).toContain('Remix of https://discord.com/channels/');
    });

    it('a burst of 20 Remix and Final presses and 10 "Make a video": every form opens within Discord\'s 3 s', async () => {
      const { sent, job } = await finishedVideo(member());
      const target = h.discord.addMessage({ author: member(), files: [png('a.png')] });
      const presses = [
        ...Array.from({ length: 20 }, (_, i) => press(i % 2 ? 'final' : 'remix', job, sent, member())),
        ...Array.from({ length: 10 }, () => h.discord.sendMessageCommand({ name: 'Make a video', messageId: target.id, user: member() })),
      ];
      const modals = await Promise.all(presses.map((p) => h.discord.waitForModal(p.id)));
      expect(modals.filter((m) => m.title === 'Remix this video')).toHaveLength(10);
      expect(modals.filter((m) => m.title === 'Final at 1080p')).toHaveLength(10);
      expect(modals.filter((m) => m.title === 'Make a video from 1 image')).toHaveLength(10);
      expect(Math.max(...modals.map((m) => m.latencyMs))).toBeLessThan(3000);
    });

    it('Delete by a stranger is refused privately; by the requester the message is gone', async () => {
      const requester = member();
      const { sent, job } = await finishedVideo(requester);
      const messageId = h.discord.originalMessageId(sent.id)!;

      const refused = await immediateAnswer(press('delete', job, sent, STRANGER));
      expect(refused).toEqual({ content: 'Only the person who made this video or a moderator can delete it.', ephemeral: true });
      expect(h.discord.messages.get(messageId)?.deleted).toBeFalsy();

      const done = press('delete', job, sent, requester);
      expect(await editedAnswer(done)).toBe('Deleted.');
      expect(h.discord.messages.get(messageId)?.deleted).toBe(true);
    });

    it("Delete after the job's interaction token expired goes through the channel", async () => {
      const requester = member();
      // Created 14 min ago: the token is past the bot's margin, so the video is delivered by a channel edit.
      const { sent, job } = await finishedVideo(requester, { createdAt: Date.now() - 14 * 60_000 });
      const messageId = h.discord.originalMessageId(sent.id)!;
      const done = press('delete', job, sent, requester);
      expect(await editedAnswer(done)).toBe('Deleted.');
      expect(h.discord.messages.get(messageId)?.deleted).toBe(true);
      expect(h.discord.callsTo('DELETE', new RegExp(`^/channels/${job.channelId}/messages/${messageId}$`))).toHaveLength(1);
      expect(h.discord.callsTo('DELETE', new RegExp(`/webhooks/\\d+/${sent.token}/`))).toEqual([]);
    });
  });
});
