import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedVideoBytes } from './fakes/apimart';
import type { Job } from '../src/jobs/record';
import { startHarness, type Harness } from './support/harness';
import { buttonsOf, galleryOf, isCard, textOf } from './support/card';

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
    expect(gallery.map((i) => i.media.url)).toEqual(card.attachments.map((a) => `attachment://${a.filename}`));
    const text = textOf(card);
    expect(text).toContain('Your 4 takes are ready');
    for (const [i, seed] of seeds.entries()) expect(text).toContain(`**Take ${i + 1}** · seed ${seed} · ✅ ready`);
    expect(text).toContain('viduq3 · 5 s · 720p · 16:9 · 4 takes · 1 image');
    // The actions, a link per take, and (below 1080p) a Final per take.
    expect(buttonsOf(card).map((b) => b.label)).toEqual(['Re-roll', 'Remix', 'Delete', 'Take 1', 'Take 2', 'Take 3', 'Take 4', ...[1, 2, 3, 4].map((n) => `Final 1080p · Take ${n}`)]);

    // Uploaded once, together: one edit with the four files, each the take's own video.
    const uploads = h.discord.callsTo('PATCH', original(sent.token)).filter((c) => c.files.length > 0 && c.status < 300);
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.files.map((f) => f.data.length).sort()).toEqual(sizes);
    expect(uploads[0]!.files[0]!.data.equals(expectedVideoBytes(sizes[0]!))).toBe(true);

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
    const running = h.discord.callsTo('PATCH', original(sent.token)).filter((c) => c.files.length === 0 && textOf(c.body ?? {}).includes('2 takes'));
    const due = (t: Job) => Math.floor((t.submittedAt! + 16_000) / 1000);
    const withEta = running.map((c) => textOf(c.body)).find((t) => t.includes('done <t:'));
    expect(withEta).toBeDefined();
    for (const [i, t] of takes.entries()) expect(withEta).toMatch(new RegExp(`\\*\\*Take ${i + 1}\\*\\* · seed ${t.request.seed} · .* · done <t:(${due(t) - 1}|${due(t)}|${due(t) + 1}):R>`));
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
    expect(takes.map((t) => t.delivery)).toEqual([
      { route: 'reply', attached: true },
      { route: 'reply', attached: true },
      { route: 'reply', attached: false },
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

  it('takes that each fit but not all together: the first ones play, the last is a link, none is dropped', async () => {
    const limit = 1024 * 1024;
    for (let i = 0; i < 3; i++) h.apimart.nextTask(fast(400 * 1024));
    const sent = h.video({ variations: 3, attachmentSizeLimit: limit });
    const takes = await h.waitForTakes(sent.id, 3, ['delivered']);
    expect(takes.map((t) => t.delivery?.attached)).toEqual([true, true, false]);
    const card = cardOf(sent.id);
    expect(galleryOf(card).map((i) => i.description)).toEqual(['Take 1', 'Take 2']);
    expect(textOf(card)).toMatch(/Take 3 \(0\.4 MB\) did not fit in this message beside the takes before it \(1\.0 MB in all\)\. Use the button below to download it; the link expires <t:\d+:R>\./);
    // The upload carried the two that fit, together within the limit.
    const upload = h.discord.callsTo('PATCH', original(sent.token)).find((c) => c.files.length > 0)!;
    expect(upload.files.reduce((n, f) => n + f.data.length, 0)).toBeLessThanOrEqual(limit);
  });

  it('past the token: the same card with every take arrives through the channel endpoint', async () => {
    h.apimart.nextTask(fast(5000));
    h.apimart.nextTask(fast(5001));
    const sent = h.video({ variations: 2, createdAt: Date.now() - 16 * 60 * 1000 });
    const takes = await h.waitForTakes(sent.id, 2, ['delivered']);
    expect(takes.map((t) => t.delivery)).toEqual([
      { route: 'channel-edit', attached: true },
      { route: 'channel-edit', attached: true },
    ]);
    const card = cardOf(sent.id);
    expect(isCard(card)).toBe(true);
    expect(galleryOf(card).map((i) => i.media.url)).toEqual(card.attachments.map((a) => `attachment://${a.filename}`));
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
