import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedVideoBytes } from './fakes/apimart';
import type { Job } from '../src/jobs/record';
import { startHarness, type Harness } from './support/harness';
import { buttonsOf, galleryOf, isCard, textOf } from './support/card';
import { eventually } from './support/eventually';

/**
 * `/video variations:N` (docs/commands.md): N takes with distinct seeds, each its own task, record, quota and
 * Idempotency-Key, shown together in one Components V2 card whose gallery plays every take that fits.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const fast = (videoBytes = 8192) => ({
  timeline: [
    { at: 0, status: 'pending' },
    { at: 300, status: 'processing', progress: 40 },
    { at: 1_500, status: 'completed' },
  ],
  estimatedTime: 2,
  videoBytes,
});

/** The two takes of a request once the first is delivered, the second still running. */
async function firstDelivered(interactionId: string): Promise<Job[]> {
  const running: Job['state'][] = ['reserved', 'submitting', 'queued', 'generating'];
  for (;;) {
    const takes = await h.waitForTakes(interactionId, 2, ['delivered', 'completed', ...running]);
    if (takes[0]!.state === 'delivered') return takes;
    await new Promise((r) => setTimeout(r, 25));
  }
}

const original = (token: string) => new RegExp(`/webhooks/\\d+/${token}/messages/@original`);
const cardOf = (interactionId: string) => h.discord.messages.get(h.discord.originalMessageId(interactionId)!)!;

describe('/video variations', () => {
  it('variations:4 submits 4 tasks with distinct seeds and shows them in one card that plays all 4', async () => {
    const sizes = [8192, 8193, 8194, 8195];
    for (const size of sizes) h.apimart.nextTask(fast(size));
    const before = h.apimart.submits().length;
    const sent = h.video({ variations: 4, seed: 1234 });
    const takes = await h.waitForTakes(sent.id, 4, ['delivered']);

    const submits = h.apimart.submits().slice(before);
    expect(submits).toHaveLength(4);
    const seeds = submits.map((s) => (s.body as { seed: number }).seed);
    expect(seeds[0]).toBe(1234);
    expect(new Set(seeds).size).toBe(4);
    // Each take is its own job, and its job id is the submit's Idempotency-Key.
    expect(submits.map((s) => s.headers['idempotency-key'])).toEqual(takes.map((t) => t.id));
    expect(takes.map((t) => t.request.seed)).toEqual(seeds);
    expect(takes.map((t) => t.group?.index)).toEqual([1, 2, 3, 4]);

    const card = cardOf(sent.id);
    expect(isCard(card)).toBe(true);
    expect(card.content).toBe('');
    expect(card.attachments).toHaveLength(4);
    // Every gallery item is an uploaded MP4 of this message, numbered.
    const gallery = galleryOf(card);
    expect(gallery.map((i) => i.description)).toEqual(['Take 1', 'Take 2', 'Take 3', 'Take 4']);
    // In take order, whatever order the takes were made (and uploaded) in.
    expect(gallery.map((i) => i.media.url)).toEqual(takes.map((t) => `attachment://vidu-${t.id}.mp4`));
    expect(card.attachments.map((a) => `attachment://${a.filename}`).sort()).toEqual(gallery.map((i) => i.media.url).sort());
    const text = textOf(card);
    expect(text).toContain('Your 4 takes are ready');
    for (const [i, seed] of seeds.entries()) expect(text).toContain(`**Take ${i + 1}** · seed ${seed} · ✅ ready`);
    expect(text).toContain('viduq3 · 5 s · 720p · 16:9 · 4 takes · 1 image');
    // The actions, a link per take, and (below 1080p) a Final per take.
    expect(buttonsOf(card).map((b) => b.label)).toEqual(['Re-roll', 'Remix', 'Delete', 'Take 1', 'Take 2', 'Take 3', 'Take 4', ...[1, 2, 3, 4].map((n) => `Final 1080p · Take ${n}`)]);

    // Each take's video uploaded once, as the take was made; an edit after the first keeps the files before it.
    const edits = h.discord.callsTo('PATCH', original(sent.token)).filter((c) => c.status < 300);
    const uploads = edits.filter((c) => c.files.length > 0);
    expect(uploads.flatMap((c) => c.files.map((f) => f.data.length)).sort()).toEqual(sizes);
    expect(uploads.flatMap((c) => c.files).find((f) => f.data.length === sizes[0])!.data.equals(expectedVideoBytes(sizes[0]!))).toBe(true);
    for (const edit of edits.slice(edits.indexOf(uploads[0]!) + 1)) {
      const listed = (edit.body as { attachments?: { id: string }[] }).attachments;
      // An edit either lists every file the message had (by id) or lists none, which keeps them all.
      if (listed) expect(listed.filter((a) => /^\d{17,}$/.test(a.id)).length).toBeGreaterThan(0);
    }

    // While they were submitted one after the other, the card showed every take as it went.
    const running = h.discord.callsTo('PATCH', original(sent.token)).filter((c) => c.files.length === 0 && textOf(c.body ?? {}).includes('4 takes'));
    expect(running.slice(0, 4).map((c) => textOf(c.body).match(/Queued/g)?.length)).toEqual([1, 2, 3, 4]);
    expect(buttonsOf(running[0]!.body)[0]).toMatchObject({ label: 'Cancel', custom_id: `vidu:cancel:${takes[0]!.id}` });

    // Each take counts as one video of its own duration.
    const usage = await h.app.ctx.limits.usage(takes[0]!.guildId, takes[0]!.userId);
    expect(usage.active.filter((id) => takes.some((t) => t.id === id))).toEqual([]);
  });

  it('the running card says when the provider expects each take done, once it has said', async () => {
    const slow = { timeline: [{ at: 0, status: 'pending' }, { at: 2_000, status: 'processing', progress: 20 }, { at: 13_000, status: 'processing', progress: 70 }, { at: 16_000, status: 'completed' }], estimatedTime: 16, videoBytes: 4096 };
    h.apimart.nextTask(slow);
    h.apimart.nextTask(slow);
    const sent = h.video({ variations: 2 });
    const takes = await h.waitForTakes(sent.id, 2, ['delivered'], 40_000);
    // Progress edits and the edit carrying take 1 while take 2 still runs alike.
    const running = h.discord.callsTo('PATCH', original(sent.token)).filter((c) => textOf(c.body ?? {}).includes('2 takes'));
    const due = (t: Job) => Math.floor((t.submittedAt! + 16_000) / 1000);
    // Each take's line, while that take ran, carried its expected end.
    const texts = running.map((c) => textOf(c.body));
    for (const [i, t] of takes.entries()) {
      const line = new RegExp(`\\*\\*Take ${i + 1}\\*\\* · seed ${t.request.seed} · .* · done <t:(${due(t) - 1}|${due(t)}|${due(t) + 1}):R>`);
      expect(texts.some((text) => line.test(text))).toBe(true);
    }
  }, 60_000);

  it('with 3 videos left, variations:4 is refused with the numbers and nothing is submitted', async () => {
    const member = { id: '777777777777777777' };
    await h.app.ctx.limits.settings.setMember(h.discord.guilds[0]!.id, member.id, { dailyVideos: 3 });
    const before = h.apimart.submitCount();
    const sent = h.video({ variations: 4, user: member });
    await h.discord.waitForCall('PATCH', original(sent.token));
    const text = textOf(cardOf(sent.id));
    expect(text).toContain('Limit reached');
    expect(text).toContain('variations:4 makes 4 videos, and you have 3 videos left today (limit 3)');
    expect(text).toContain('Nothing was submitted and no quota was used.');
    expect(h.apimart.submitCount()).toBe(before);
    expect((await h.app.ctx.limits.usage(h.discord.guilds[0]!.id, member.id)).videos).toBe(0);
  });

  it('one take failing does not fail the others: 3 are delivered and the card says why the 2nd is missing', async () => {
    const member = { id: '888888888888888888' };
    h.apimart.nextTask(fast());
    h.apimart.nextTask({ timeline: [{ at: 0, status: 'processing', progress: 10 }, { at: 400, status: 'failed', error: { code: 'moderation', message: 'the content was flagged', type: 'moderation' } }] });
    h.apimart.nextTask(fast());
    h.apimart.nextTask(fast());
    const sent = h.video({ variations: 4, user: member });
    const takes = await h.waitForTakes(sent.id, 4, ['delivered', 'failed']);
    expect(takes.map((t) => t.state)).toEqual(['delivered', 'failed', 'delivered', 'delivered']);

    // The card's last edit follows the last take's end (a take that failed after the others were delivered too).
    await eventually(() => textOf(cardOf(sent.id)).includes('3 of your 4 takes are ready'), 'the card shows how the request ended');
    const card = cardOf(sent.id);
    expect(galleryOf(card).map((i) => i.description)).toEqual(['Take 1', 'Take 3', 'Take 4']);
    expect(card.attachments).toHaveLength(3);
    const text = textOf(card);
    expect(text).toContain('3 of your 4 takes are ready');
    expect(text).toContain(`**Take 2** · seed ${takes[1]!.request.seed} · ❌ could not be made. The video service could not make it: the content was flagged`);
    // The failed take gave its video back; the three made ones count.
    const usage = await h.app.ctx.limits.usage(h.discord.guilds[0]!.id, member.id);
    expect([usage.videos, usage.seconds]).toEqual([3, 15]);
  });

  it('a take too large for the upload limit is a link in the card, with its expiry, while the others play', async () => {
    const limit = 1024 * 1024;
    h.apimart.nextTask(fast(64 * 1024));
    h.apimart.nextTask(fast(64 * 1024));
    h.apimart.nextTask({ ...fast(2 * limit), expiresInSec: 86_400 });
    const sent = h.video({ variations: 3, attachmentSizeLimit: limit });
    const takes = await h.waitForTakes(sent.id, 3, ['delivered']);
    expect(takes.map((t) => t.delivery)).toMatchObject([
      { route: 'reply', attached: true },
      { route: 'reply', attached: true },
      { route: 'reply', attached: false, linked: { code: 'too_large' } },
    ]);
    const card = cardOf(sent.id);
    expect(galleryOf(card).map((i) => i.description)).toEqual(['Take 1', 'Take 2']);
    expect(card.attachments).toHaveLength(2);
    const text = textOf(card);
    expect(text).toContain('**Take 3** · ');
    expect(text).toContain('✅ ready, linked below');
    expect(text).toMatch(/Take 3 \(2\.0 MB\) is too large to upload here \(limit 1\.0 MB\)\. Use the button below to download it; the link expires <t:\d+:R>\./);
    expect(buttonsOf(card).find((b) => b.label === 'Take 3')).toMatchObject({ style: 5, url: takes[2]!.videoUrl });
  });

  it('takes that each fit but not all together all play: each is uploaded on its own as it is made', async () => {
    const limit = 1024 * 1024;
    for (let i = 0; i < 3; i++) h.apimart.nextTask(fast(400 * 1024));
    const sent = h.video({ variations: 3, attachmentSizeLimit: limit });
    const takes = await h.waitForTakes(sent.id, 3, ['delivered']);
    expect(takes.map((t) => t.delivery?.attached)).toEqual([true, true, true]);
    const card = cardOf(sent.id);
    expect(galleryOf(card).map((i) => i.description)).toEqual(['Take 1', 'Take 2', 'Take 3']);
    expect(card.attachments).toHaveLength(3);
    // No upload carried more than the limit: the message keeps the files before, they are not sent again.
    const uploads = h.discord.callsTo('PATCH', original(sent.token)).filter((c) => c.files.length > 0);
    for (const u of uploads) expect(u.files.reduce((n, f) => n + f.data.length, 0)).toBeLessThanOrEqual(limit);
    expect(uploads.flatMap((u) => u.files)).toHaveLength(3);
  });

  it('each take joins the card as it is made: take 1 plays while take 2 runs, and take 2 is then uploaded alone', async () => {
    h.apimart.nextTask(fast(6000));
    h.apimart.nextTask({ timeline: [{ at: 0, status: 'pending' }, { at: 300, status: 'processing', progress: 30 }, { at: 7_000, status: 'completed' }], estimatedTime: 7, videoBytes: 6001 });
    const sent = h.video({ variations: 2 });
    const takes = await firstDelivered(sent.id);
    // Take 2 queued or generating, as its last poll found it.
    expect(takes[0]!.state).toBe('delivered');
    expect(['queued', 'generating']).toContain(takes[1]!.state);

    // What the member sees now: take 1 plays, take 2 shows its progress, Cancel still stops it, take 1 can go Final.
    let card = cardOf(sent.id);
    expect(galleryOf(card).map((i) => i.description)).toEqual(['Take 1']);
    expect(textOf(card)).toContain(`**Take 1** · seed ${takes[0]!.request.seed} · ✅ ready`);
    expect(textOf(card)).toMatch(new RegExp(`\\*\\*Take 2\\*\\* · seed ${takes[1]!.request.seed} · (⏳ \\*\\*Queued|🎬 \\*\\*Generating)`));
    expect(buttonsOf(card).map((b) => b.label)).toEqual(['Cancel', 'Take 1', 'Final 1080p · Take 1']);
    const kept = takes[0]!.delivery!.attachmentId!;
    expect(card.attachments.map((a) => a.id)).toEqual([kept]);

    const done = await h.waitForTakes(sent.id, 2, ['delivered'], 20_000);
    expect(done[0]!.finishedAt!).toBeLessThan(done[1]!.completedAt!);
    card = cardOf(sent.id);
    expect(galleryOf(card).map((i) => i.description)).toEqual(['Take 1', 'Take 2']);
    expect(textOf(card)).toContain('Your 2 takes are ready');
    // Take 2 went up on its own; take 1's file was kept by its id, not sent again.
    const uploads = h.discord.callsTo('PATCH', original(sent.token)).filter((c) => c.files.length > 0 && c.status < 300);
    expect(uploads.map((u) => u.files.map((f) => f.data.length))).toEqual([[6000], [6001]]);
    expect((uploads[1]!.body as { attachments: { id: string }[] }).attachments.map((a) => a.id)).toEqual([kept, '0']);
    expect(card.attachments.find((a) => a.filename === `vidu-${done[0]!.id}.mp4`)?.id).toBe(kept);
  }, 40_000);

  it('the last take failing after the others were delivered: they keep playing, and the card says why it is missing', async () => {
    h.apimart.nextTask(fast());
    h.apimart.nextTask({ timeline: [{ at: 0, status: 'processing', progress: 10 }, { at: 5_000, status: 'failed', error: { code: 'moderation', message: 'the content was flagged', type: 'moderation' } }], estimatedTime: 5 });
    const sent = h.video({ variations: 2 });
    const takes = await h.waitForTakes(sent.id, 2, ['delivered', 'failed'], 20_000);
    expect(takes.map((t) => t.state)).toEqual(['delivered', 'failed']);
    await eventually(() => textOf(cardOf(sent.id)).includes('1 of your 2 takes are ready'), 'the card shows how the request ended');
    const card = cardOf(sent.id);
    expect(galleryOf(card).map((i) => i.description)).toEqual(['Take 1']);
    expect(textOf(card)).toContain(`**Take 2** · seed ${takes[1]!.request.seed} · ❌ could not be made. The video service could not make it: the content was flagged`);
    expect(buttonsOf(card).map((b) => b.label)).toEqual(['Re-roll', 'Remix', 'Delete', 'Take 1', 'Final 1080p · Take 1']);
    // The last edit sent no file again: take 1 is the one uploaded when it was made.
    expect(h.discord.callsTo('PATCH', original(sent.token)).flatMap((c) => c.files)).toHaveLength(1);
  }, 40_000);

  it('a card whose message can no longer be edited moves to a new post, with every take made in it', async () => {
    h.apimart.nextTask(fast(7000));
    h.apimart.nextTask({ timeline: [{ at: 0, status: 'processing', progress: 10 }, { at: 5_000, status: 'completed' }], estimatedTime: 5, videoBytes: 7001 });
    const sent = h.video({ variations: 2 });
    const takes = await firstDelivered(sent.id);
    // Someone deleted the reply: both ways to edit it answer Unknown Message.
    h.discord.failNext('PATCH', original(sent.token), { status: 404, code: 10008, message: 'Unknown Message', times: 20 });
    h.discord.failNext('PATCH', new RegExp(`^/channels/\\d+/messages/${takes[0]!.replyMessageId}$`), { status: 404, code: 10008, message: 'Unknown Message', times: 20 });
    const done = await h.waitForTakes(sent.id, 2, ['delivered'], 20_000);
    expect(done[1]!.delivery).toMatchObject({ route: 'channel', attached: true });
    const post = h.discord.messages.get(done[1]!.delivery!.message!.messageId)!;
    expect(post.id).not.toBe(takes[0]!.replyMessageId);
    expect(galleryOf(post).map((i) => i.description)).toEqual(['Take 1', 'Take 2']);
    expect(post.attachments.map((a) => a.filename).sort()).toEqual(done.map((t) => `vidu-${t.id}.mp4`).sort());
    // Take 1 now lives in the post too, so a later edit of the card keeps it there.
    expect((await h.app.ctx.jobs.get(done[0]!.id))!.delivery).toMatchObject({ message: { messageId: post.id }, attachmentId: post.attachments.find((a) => a.filename === `vidu-${done[0]!.id}.mp4`)!.id });
  }, 40_000);

  it('past the token: the same card with every take arrives through the channel endpoint', async () => {
    h.apimart.nextTask(fast(5000));
    h.apimart.nextTask(fast(5001));
    const sent = h.video({ variations: 2, createdAt: Date.now() - 16 * 60 * 1000 });
    const takes = await h.waitForTakes(sent.id, 2, ['delivered']);
    expect(takes.map((t) => t.delivery)).toMatchObject([
      { route: 'channel-edit', attached: true },
      { route: 'channel-edit', attached: true },
    ]);
    const card = cardOf(sent.id);
    expect(isCard(card)).toBe(true);
    expect(galleryOf(card).map((i) => i.media.url).sort()).toEqual(card.attachments.map((a) => `attachment://${a.filename}`).sort());
    expect(textOf(card)).toContain('Your 2 takes are ready');
  });

  it('Cancel on the card cancels every take still running, each by the quota rules', async () => {
    const member = { id: '999999999999999999' };
    const long = { timeline: [{ at: 0, status: 'pending' }, { at: 300, status: 'processing', progress: 10 }, { at: 60_000, status: 'completed' }], estimatedTime: 60 };
    h.apimart.nextTask(long);
    h.apimart.nextTask(long);
    const sent = h.video({ variations: 2, user: member });
    const takes = await h.waitForTakes(sent.id, 2, ['queued', 'generating']);
    const stranger = h.discord.sendButton({ customId: `vidu:cancel:${takes[0]!.id}`, messageId: h.discord.originalMessageId(sent.id)!, user: { id: '121212121212121212' } });
    const refused = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${stranger.id}/`));
    expect(String(refused.body.data?.content)).toContain('This is not your video');
    const press = h.discord.sendButton({ customId: `vidu:cancel:${takes[0]!.id}`, messageId: h.discord.originalMessageId(sent.id)!, user: member });
    // Acknowledged privately at once (a take's submit may be in flight), then answered.
    const ack = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${press.id}/`));
    expect(ack.body.data?.flags & 64).toBe(64);
    const answer = await h.discord.waitForCall('PATCH', original(press.token));
    expect(String(answer.body.content)).toContain('counts toward your limits today');
    await h.waitForTakes(sent.id, 2, ['cancelled']);
    await h.discord.waitForCall('PATCH', original(sent.token), { predicate: (c) => textOf(c.body ?? {}).includes('Cancelled') });
    const text = textOf(cardOf(sent.id));
    expect(text).toContain('🛑 **Cancelled.**');
    expect(text).toContain('**Take 1** · ');
    expect(text).toContain('**Take 2** · ');
    expect(buttonsOf(cardOf(sent.id))).toEqual([]);
  });
});
