import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedVideoBytes } from './fakes/apimart';
import { startHarness, USER, type Harness } from './support/harness';
import { LimitSettings } from '../src/limits/settings';
import { shownText } from './support/markdown';
import { buttonsOf, galleryOf, isCard, textOf } from './support/card';
import { wordFailure } from '../src/discord/messages';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
  // Nothing the bot sent to Discord carries the API key, and no webhook call carried the bot token.
  for (const c of h.discord.calls) {
    expect(JSON.stringify(c.body ?? null)).not.toContain(h.apimart.apiKey);
    if (c.path.startsWith('/webhooks/') || c.path.startsWith('/interactions/')) expect(c.auth).toBeUndefined();
  }
  expect(h.logs()).not.toContain(h.apimart.apiKey);
});

const fastTask = (videoBytes = 64 * 1024) => ({ timeline: [{ at: 0, status: 'pending' }, { at: 500, status: 'processing', progress: 40 }, { at: 1500, status: 'completed' }], estimatedTime: 2, videoBytes });

describe('/video end to end', () => {
  it('registers the commands with the contract option names', async () => {
    const put = h.discord.callsTo('PUT', /^\/applications\/\d+\/commands$/)[0]!;
    const video = put.body.find((c: { name: string }) => c.name === 'video');
    expect(video.options.map((o: { name: string }) => o.name)).toEqual(['prompt', 'image1', 'image2', 'image3', 'image4', 'image5', 'image6', 'image7', 'model', 'duration', 'resolution', 'aspect_ratio', 'seed', 'variations', 'preview', 'refs', 'private']);
    expect(video.options[0]).toMatchObject({ type: 3, required: true, max_length: 5000 });
    // Optional since `refs` exists (DESIGN section 1): validation asks for an image from either.
    expect(video.options[1]).toMatchObject({ type: 11, required: false, file_types: ['image'] });
    expect(video.options.find((o: { name: string }) => o.name === 'refs')).toMatchObject({ type: 3, autocomplete: true });
    expect(video.options.find((o: { name: string }) => o.name === 'model').choices.map((c: { value: string }) => c.value)).toEqual(['viduq3', 'viduq3-mix']);
    expect(video.options.find((o: { name: string }) => o.name === 'seed')).toMatchObject({ min_value: 0, max_value: 2147483647 });
    expect(video.options.find((o: { name: string }) => o.name === 'variations')).toMatchObject({ type: 4, min_value: 1, max_value: 4 });
    // Servers, the bot's DMs and private channels; installable by servers and by members as their own app.
    expect(video.contexts).toEqual([0, 1, 2]);
    expect(video.integration_types).toEqual([0, 1]);
  });

  it('defers at once, submits the exact body, shows the job and delivers the file', async () => {
    h.apimart.nextTask(fastTask());
    const sent = h.video({ images: [{}, { filename: 'bear.webp', contentType: 'image/webp', width: 800, height: 800 }], model: 'viduq3-mix', duration: 2, resolution: '1080p', aspect_ratio: '9:16', seed: 42 });
    const callback = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${sent.id}/`));
    expect(callback.body.type).toBe(5);
    const interaction = h.discord.interactions.get(sent.id)!;
    expect(callback.at - interaction.sentAt).toBeLessThan(1_000);

    const delivered = await h.waitForState(sent.id, 'delivered');
    const submit = h.apimart.submits().at(-1)!;
    const urls = sent.payload.data.resolved.attachments;
    expect(submit.body).toEqual({
      model: 'viduq3-mix',
      prompt: 'the bear waves at the camera, slow dolly in',
      image_urls: Object.values(urls).map((a) => (a as { url: string }).url),
      duration: 2,
      resolution: '1080p',
      aspect_ratio: '9:16',
      seed: 42,
    });
    expect(submit.headers['idempotency-key']).toBe(delivered.id);
    const original = h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!;
    expect(original.attachments).toHaveLength(1);
    // Where the video is, as Discord answered: what a later edit of the message lists to keep it.
    expect(delivered.delivery).toEqual({ route: 'reply', attached: true, message: { channelId: original.channelId, messageId: original.id }, attachmentId: original.attachments[0]!.id });
    expect(textOf(original)).toContain('Your video is ready');
    expect(textOf(original)).toContain('viduq3-mix · 2 s · 1080p · 9:16 · seed 42 · 2 images');
    const upload = h.discord.callsTo('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`)).find((c) => c.files.length > 0)!;
    expect(upload.files[0]!.data.equals(expectedVideoBytes(64 * 1024))).toBe(true);
    const buttons = buttonsOf(original);
    // 1080p: no Final (docs/commands.md, buttons).
    expect(buttons.map((b) => b.label)).toEqual(['Re-roll', 'Remix', 'Delete', 'Source video']);
    // A Components V2 card: the MP4 plays in its media gallery, backed by the uploaded file.
    expect(isCard(original)).toBe(true);
    expect(galleryOf(original).map((i) => i.media.url)).toEqual([`attachment://${original.attachments[0]!.filename}`]);
  });
});

describe('seeds and previews', () => {
  it('picks a seed when none is given, sends it, and the card shows the same number', async () => {
    h.apimart.nextTask(fastTask());
    const sent = h.video();
    await h.waitForState(sent.id, 'delivered');
    const seed = (h.apimart.submits().at(-1)!.body as { seed: number }).seed;
    expect(Number.isInteger(seed) && seed >= 0 && seed <= 2147483647).toBe(true);
    const original = h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!;
    expect(textOf(original)).toContain(`seed ${seed} ·`);
  });

  it('preview:true is viduq3, 540p, 3 s, and the card marks it as a preview', async () => {
    h.apimart.nextTask(fastTask());
    const sent = h.video({ preview: true });
    await h.waitForState(sent.id, 'delivered');
    expect(h.apimart.submits().at(-1)!.body).toMatchObject({ model: 'viduq3', resolution: '540p', duration: 3 });
    const original = h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!;
    expect(textOf(original)).toContain('preview · viduq3 · 3 s · 540p');
  });

  it('preview keeps the options given: duration:8 stays 8', async () => {
    h.apimart.nextTask(fastTask());
    const sent = h.video({ preview: true, duration: 8 });
    await h.waitForState(sent.id, 'delivered');
    expect(h.apimart.submits().at(-1)!.body).toMatchObject({ model: 'viduq3', resolution: '540p', duration: 8 });
  });
});

describe('/video in a DM', () => {
  it('works in a DM, with the bot default limits per user', async () => {
    h.apimart.nextTask(fastTask());
    const sent = h.video({ guildId: null });
    const job = await h.waitForState(sent.id, 'delivered');
    expect(job.guildId).toBeNull();
    expect(job.shard).toBe(0);
    expect(job.delivery).toMatchObject({ route: 'reply', attached: true });
    expect(job.usage?.key).toContain(':dm:');
  });
});

describe('/video refusals cost nothing', () => {
  it('reports every validation problem together and submits nothing', async () => {
    const before = h.apimart.submitCount();
    const sent = h.video({
      model: 'viduq3-mix',
      resolution: '540p',
      duration: 1,
      images: [{ width: 100, height: 100 }, { filename: 'anim.gif', contentType: 'image/gif' }, { size: 50 * 1024 * 1024 + 1 }, { width: 1000, height: 200 }],
    });
    await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`));
    const reply = h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!;
    expect(textOf(reply)).toContain('This request has 5 problems');
    expect(textOf(reply)).toContain('viduq3-mix does not offer 540p; choose 720p or 1080p.');
    expect(textOf(reply)).toContain('image1 (ref1.png) is 100x100 px; images must be at least 128x128 px.');
    expect(textOf(reply)).toContain('image2 (anim.gif) is of type image/gif; use PNG, JPEG or WebP.');
    expect(textOf(reply)).toContain('image3 (ref3.png) is 50.0 MB; each image can be at most 50 MB.');
    expect(textOf(reply)).toContain('image4 (ref4.png) is 1000x200 px, too wide; the aspect ratio must be between 1:4 and 4:1.');
    expect(textOf(reply)).toContain('Nothing was submitted and no quota was used.');
    expect(h.apimart.submitCount()).toBe(before);
  });

  it.each([
    ['viduq3', 2, 'viduq3 supports 3 to 16 seconds; you asked for 2.'],
    ['viduq3-mix', 1, undefined],
  ])('duration on %s: %i', async (model, duration, problem) => {
    if (!problem) h.apimart.nextTask(fastTask());
    const before = h.apimart.submitCount();
    const sent = h.video({ model, duration });
    await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`));
    if (problem) {
      expect(textOf(h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!)).toContain(problem);
      expect(h.apimart.submitCount()).toBe(before);
    } else {
      expect((await h.waitForState(sent.id, 'delivered')).request.duration).toBe(duration);
      expect(h.apimart.submitCount()).toBe(before + 1);
    }
  });

  it('reads the size of an image Discord gave none for, and refuses a tiny one', async () => {
    const before = h.apimart.submitCount();
    const sent = h.video({ images: [{ noDimensions: true, width: 64, height: 64 }] });
    await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`));
    expect(textOf(h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!)).toContain('image1 (ref1.png) is 64x64 px');
    expect(h.apimart.submitCount()).toBe(before);
  });
});

describe('/video failures say why in one sentence', () => {
  it.each([
    ['401', () => h.apimart.failSubmit({ status: 401, body: { error: { code: 401, message: 'Invalid API key', type: 'authentication_error' } } }), 'the video service refused its API key'],
    ['402', () => h.apimart.failSubmit({ status: 402, body: { error: { code: 402, message: 'Insufficient balance', type: 'payment_required' } } }), "The bot's video credit is used up"],
    ['400', () => h.apimart.failSubmit({ status: 400, body: { error: { code: 400, message: 'image_urls[0] is not reachable', type: 'invalid_request_error' } } }), 'The video service refused the request: image_urls[0] is not reachable'],
    ['429', () => h.apimart.failSubmit(...Array.from({ length: 4 }, () => ({ status: 429, body: { error: { code: 429, message: 'slow down', type: 'rate_limit_error' } }, headers: { 'Retry-After': '0' } }))), 'The video service is busy right now'],
    ['500', () => h.apimart.failSubmit({ status: 500, body: { error: { code: 500, message: 'upstream exploded', type: 'server_error' } } }), 'did not confirm the submission'],
  ])('submit answered %s', async (_status, inject, sentence) => {
    inject();
    const before = h.apimart.submitCount();
    const sent = h.video();
    const job = await h.waitForState(sent.id, 'failed');
    expect(wordFailure(job.failure!)).toContain(sentence);
    // Nothing was retried that could bill twice (a 429 is retried: it was not accepted), and the quota came back.
    if (_status !== '429') expect(h.apimart.submitCount()).toBe(before + 1);
    const usage = await h.app.ctx.limits.usage(job.guildId, job.userId);
    expect(usage.active).not.toContain(job.id);
    // The provider's words are escaped on the wire (`image\_urls\[0]`): compare what Discord shows.
    const edit = await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`), { predicate: (c) => shownText(String(textOf(c.body ?? {}))).includes(sentence) });
    expect(textOf(edit.body)).toContain('The video could not be made.');
    expect(shownText(textOf(h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!) ?? '')).toContain(sentence);
  });

  it('a task that fails at the provider', async () => {
    h.apimart.nextTask({ timeline: [{ at: 0, status: 'processing', progress: 10 }, { at: 300, status: 'failed', error: { code: 'moderation', message: 'the content was flagged by moderation', type: 'moderation' } }] });
    const sent = h.video();
    const job = await h.waitForState(sent.id, 'failed');
    expect(wordFailure(job.failure!)).toBe('The video service could not make it: the content was flagged by moderation');
    await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`), { predicate: (c) => String(textOf(c.body ?? {})).includes('flagged') });
    expect(textOf(h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!)).toContain('the content was flagged by moderation');
  });
});

describe('/video when the bot itself fails', () => {
  it('shows a friendly sentence with a reference id that is also in the log, and submits nothing', async () => {
    // Any failure the user cannot act on; a damaged limits record used to be one, and now says what to do.
    const probe = h.app.ctx.probe;
    h.app.ctx.probe = async () => {
      throw new Error('probe exploded');
    };
    try {
      const before = h.apimart.submitCount();
      const sent = h.video();
      const edit = await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`));
      expect(textOf(edit.body)).toContain('Something went wrong on our side. Please try again.');
      const reference = String(textOf(edit.body)).match(/Reference: `([0-9a-f]{8})`/)?.[1];
      expect(reference).toBeDefined();
      expect(h.logs()).toContain(`"reference":"${reference}"`);
      expect(h.apimart.submitCount()).toBe(before);
    } finally {
      h.app.ctx.probe = probe;
    }
  });
});

describe('/video with a damaged limits record', () => {
  it("says what repairs the server's record, with no reference id, and submits nothing", async () => {
    const guildId = h.discord.guilds[0]!.id;
    const key = LimitSettings.serverKey(guildId);
    await h.app.kv.set(key, { damaged: true });
    try {
      const before = h.apimart.submitCount();
      const sent = h.video();
      const edit = await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`));
      const content = String(textOf(edit.body));
      expect(content).toContain("This server's saved video limits could not be read");
      expect(content).toContain('/video-limits server');
      expect(content).not.toContain('Something went wrong');
      expect(content).not.toContain('Reference');
      expect(h.apimart.submitCount()).toBe(before);
      // The operator hears of it too.
      expect(h.logs()).toContain(`limits record ${key} failed its schema`);
    } finally {
      await h.app.kv.delete(key);
    }
  });

  it("says what repairs a member's record, ephemeral, when /video-usage reads it", async () => {
    const guildId = h.discord.guilds[0]!.id;
    const key = LimitSettings.memberKey(guildId, USER.id);
    await h.app.kv.set(key, { v: 1, limits: { dailyVideos: -5 } });
    try {
      const sent = h.discord.sendCommand({ name: 'video-usage', options: [], user: USER });
      const call = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${sent.id}/`));
      const content = String(call.body.data?.content ?? '');
      expect(call.body.data?.flags & 64).toBe(64);
      expect(content).toContain(`The video limits saved for <@${USER.id}> in this server could not be read`);
      expect(content).toContain('/video-limits reset');
      expect(content).not.toContain('Reference');
    } finally {
      await h.app.kv.delete(key);
    }
  });
});

describe('/video polling failures', () => {
  it('a task the provider no longer knows (400 on poll) ends with one sentence and the quota back', async () => {
    h.apimart.nextTask({ timeline: [{ at: 0, status: 'processing', progress: 10 }, { at: 60_000, status: 'completed' }], estimatedTime: 60 });
    const sent = h.video();
    await h.waitForState(sent.id, ['queued', 'generating']);
    h.apimart.failPoll({ status: 400, body: { error: { code: 400, message: 'invalid task ID', type: 'invalid_request_error' } } });
    const job = await h.waitForState(sent.id, 'failed', 15_000);
    expect(wordFailure(job.failure!)).toContain('lost track of this job');
    await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`), { predicate: (c) => String(textOf(c.body ?? {})).includes('lost track') });
    expect((await h.app.ctx.limits.usage(job.guildId, job.userId)).active).not.toContain(job.id);
  });
});

describe('/video delivery routes', () => {
  it('a video larger than the upload limit becomes a link with its expiry', async () => {
    h.apimart.nextTask(fastTask(2 * 1024 * 1024));
    const sent = h.video({ attachmentSizeLimit: 1024 * 1024 });
    const job = await h.waitForState(sent.id, 'delivered');
    expect(job.delivery).toMatchObject({ route: 'reply', attached: false });
    const reply = h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!;
    expect(reply.attachments).toHaveLength(0);
    expect(textOf(reply)).toContain('The video (2.0 MB) is too large to upload here (limit 1.0 MB). Use the button below to download it; the link expires <t:');
    expect(textOf(reply)).toMatch(/the link expires <t:\d+:R>/);
    const link = buttonsOf(reply).find((b) => b.style === 5);
    expect(link).toMatchObject({ label: 'Download video', url: job.videoUrl });
  });

  it('an upload refused with 413 despite the stated limit falls back to the link', async () => {
    h.apimart.nextTask(fastTask(300 * 1024));
    const sent = h.video({ attachmentSizeLimit: 8 * 1024 * 1024 });
    const original = new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`);
    // The first edit is the job message; the one after it is the upload, which Discord refuses.
    await h.discord.waitForCall('PATCH', original);
    h.discord.failNext('PATCH', original, { status: 413, code: 40005, message: 'Request entity too large', times: 1 });
    const done = await h.waitForState(sent.id, 'delivered');
    expect(done.delivery?.attached).toBe(false);
    expect(textOf(h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!)).toContain('The video (0.3 MB) is too large to upload here. Use the button below');
  });

  it('a video that cannot be downloaded is delivered as its link, never dropped', async () => {
    h.apimart.nextTask({ ...fastTask(), expiresInSec: 0 });
    const sent = h.video();
    const job = await h.waitForState(sent.id, 'delivered');
    expect(job.delivery).toMatchObject({ route: 'reply', attached: false });
    const reply = h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!;
    expect(textOf(reply)).toContain('The video could not be attached here. Use the button below to download it');
    expect(buttonsOf(reply).find((b) => b.style === 5)).toMatchObject({ url: job.videoUrl });
  });

  it('an expired token: the same message is edited through the channel, with the file', async () => {
    h.apimart.nextTask(fastTask());
    const sent = h.video({ createdAt: Date.now() - 16 * 60 * 1000 });
    const job = await h.waitForState(sent.id, 'delivered');
    expect(job.delivery).toMatchObject({ route: 'channel-edit', attached: true });
    const reply = h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!;
    expect(reply.attachments).toHaveLength(1);
    // The same card by the channel endpoint: the video plays in its gallery.
    expect(galleryOf(reply).map((i) => i.media.url)).toEqual([`attachment://${reply.attachments[0]!.filename}`]);
    // The expired token was never used after the deferral: no 401 counted toward Discord's ban.
    expect(h.discord.callsTo('*', new RegExp(`/webhooks/\\d+/${sent.token}`)).filter((c) => c.status === 401)).toHaveLength(0);
  });

  it('token expired and the message cannot be edited: a new channel message mentioning only the requester', async () => {
    h.apimart.nextTask(fastTask());
    const sent = h.video({ createdAt: Date.now() - 16 * 60 * 1000 });
    const queued = await h.waitForState(sent.id, ['queued', 'generating']);
    h.discord.failNext('PATCH', new RegExp(`^/channels/\\d+/messages/${queued.replyMessageId}$`), { status: 404, code: 10008, message: 'Unknown Message', times: 10 });
    const job = await h.waitForState(sent.id, 'delivered');
    expect(job.delivery).toMatchObject({ route: 'channel', attached: true });
    const post = h.discord.callsTo('POST', new RegExp(`^/channels/${job.channelId}/messages$`)).at(-1)!;
    expect(post.body.allowed_mentions).toEqual({ parse: [], users: [USER.id] });
    expect(textOf(post.body)).toContain(`<@${USER.id}>`);
    expect(post.files).toHaveLength(1);
    expect(isCard(post.body)).toBe(true);
    expect(galleryOf(post.body)).toHaveLength(1);
  });

  it('channel posting forbidden: the video arrives by DM', async () => {
    h.apimart.nextTask(fastTask());
    const sent = h.video({ createdAt: Date.now() - 16 * 60 * 1000 });
    const queued = await h.waitForState(sent.id, ['queued', 'generating']);
    h.discord.forbidChannel(queued.channelId, 50013);
    try {
      const job = await h.waitForState(sent.id, 'delivered');
      expect(job.delivery).toMatchObject({ route: 'dm', attached: true });
      const dm = h.discord.channelMessages(h.discord.dmChannelId(USER.id)!).at(-1)!;
      expect(dm.attachments).toHaveLength(1);
      expect(isCard(dm)).toBe(true);
      expect(galleryOf(dm).map((i) => i.media.url)).toEqual([`attachment://${dm.attachments[0]!.filename}`]);
    } finally {
      h.discord.allowChannel(queued.channelId);
    }
  });

  it('every route failing marks the job undeliverable and logs it', async () => {
    h.apimart.nextTask(fastTask());
    const sent = h.video({ createdAt: Date.now() - 16 * 60 * 1000 });
    const queued = await h.waitForState(sent.id, ['queued', 'generating']);
    h.discord.forbidChannel(queued.channelId, 50001);
    h.discord.forbidDM(USER.id);
    try {
      const job = await h.waitForState(sent.id, 'undeliverable');
      expect(h.logs()).toContain(`"jobId":"${job.id}"`);
      expect(h.logs()).toContain('every delivery route failed');
    } finally {
      h.discord.allowChannel(queued.channelId);
    }
  });
});
