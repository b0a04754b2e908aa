import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@keyv/redis';
import { startHarness, USER, type Harness } from './support/harness';
import { pngHeader } from './support/images';
import { REDIS_TEST_URL, redisAvailable } from './support/redis';
import type { FakeAttachment } from './fakes/discord/types';

/**
 * Saved reference sets end to end through the fakes (docs/commands.md, /video-refs): a set saved today still
 * makes a video after Discord's links have expired, on SQLite and on Redis (db 11, this file's alone).
 */

const REDIS_DB_URL = `${REDIS_TEST_URL}/11`;
const MOD = { id: '333333333333333333' };
const MEMBER = { id: '444444444444444444' };
const MANAGE_GUILD = String(1n << 5n);
const NO_PERMS = '0';
const fastTask = { timeline: [{ at: 0, status: 'processing', progress: 50 }, { at: 300, status: 'completed' }], estimatedTime: 1 };

/** Deletes the bot's keys in db 11 (nobody else uses that db): jobs, usage, sets, the request gate. */
async function cleanRedis(): Promise<void> {
  const client = createClient({ url: REDIS_DB_URL });
  await client.connect();
  try {
    for (const pattern of ['vidu::*', 'vidu-apimart*']) {
      for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: 500 })) if (keys.length) await client.del(keys);
    }
  } finally {
    client.destroy();
  }
}

const stores: { name: string; redis: boolean }[] = [
  { name: 'SQLite', redis: false },
  { name: 'Redis', redis: true },
];

describe.each(stores)('saved reference sets on $name', ({ redis }) => {
  let h: Harness;
  let skip = false;

  beforeAll(async () => {
    if (redis) {
      if (!(await redisAvailable())) {
        skip = true;
        return;
      }
      await cleanRedis();
    }
    h = await startHarness({
      apimart: { loadImages: true },
      env: { REFS_PER_MEMBER: '2', REFS_PER_SERVER: '1' },
      ...(redis ? { storeUrl: REDIS_DB_URL } : {}),
    });
  });
  afterAll(async () => {
    await h?.close();
    if (redis && !skip) await cleanRedis();
  });

  const image = (name: string, width: number, height: number): FakeAttachment =>
    h.discord.addAttachment({ filename: name, contentType: 'image/png', width, height, data: pngHeader(width, height) });

  /** Runs a /video-refs subcommand; the answer's text, whether it was deferred (then edited) or direct. */
  async function refs(sub: string, options: unknown[], user: { id: string }, o: { perms?: string; attachments?: FakeAttachment[] } = {}): Promise<string> {
    const sent = h.discord.sendCommand({ name: 'video-refs', options: [{ name: sub, type: 1, options }], user, memberPermissions: o.perms ?? NO_PERMS, attachments: o.attachments ?? [] });
    const ack = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${sent.id}/`));
    expect(ack.body.data?.flags & 64).toBe(64);
    if (ack.body.type === 4) return String(ack.body.data.content);
    const edit = await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`));
    return String(edit.body.content);
  }

  const save = (name: string, images: FakeAttachment[], user: { id: string }, o: { server?: boolean; perms?: string } = {}) =>
    refs(
      'save',
      [{ name: 'name', type: 3, value: name }, ...images.map((a, i) => ({ name: `image${i + 1}`, type: 11, value: a.id })), ...(o.server ? [{ name: 'server', type: 5, value: true }] : [])],
      user,
      { ...(o.perms ? { perms: o.perms } : {}), attachments: images },
    );

  it('a set saved today makes a video after its Discord links have expired: the submit gets links that load', async (ctx) => {
    if (skip) return ctx.skip();
    const a = image('hero-front.png', 1024, 768);
    const b = image('hero-side.png', 768, 1024);
    expect(await save('hero', [a, b], USER)).toBe('Saved your set `hero` with 2 images. Use it with /video refs:hero.');

    // Two days later: Discord's signed links are dead (they live about a day).
    for (const url of [a.url, b.url]) h.discord.expireAttachment(url);
    expect((await fetch(a.url)).status).toBe(404);

    h.apimart.nextTask(fastTask);
    const sent = h.video({ refs: 'hero', images: [] });
    await h.waitForState(sent.id, 'delivered');
    const submit = h.apimart.submits().at(-1)!.body as { image_urls: string[] };
    expect(submit.image_urls).toHaveLength(2);
    // Loaded by the fake provider when the submit arrived: the bytes that were saved, in order.
    const loads = h.apimart.submitImageLoads.at(-1)!;
    expect(loads.map((l) => l.status)).toEqual([200, 200]);
    expect(loads[0]!.data.equals(pngHeader(1024, 768))).toBe(true);
    expect(loads[1]!.data.equals(pngHeader(768, 1024))).toBe(true);
    // Uploaded side by side, so in either order; the submit keeps the set's order (the loads above).
    expect(h.apimart.uploads.map((u) => u.filename).sort()).toEqual(['hero-front.png', 'hero-side.png']);

    // A second video reuses the links while they last: no new upload.
    h.apimart.nextTask(fastTask);
    const again = h.video({ refs: 'hero', images: [{}] });
    await h.waitForState(again.id, 'delivered');
    const second = h.apimart.submits().at(-1)!.body as { image_urls: string[] };
    expect(second.image_urls.slice(0, 2)).toEqual(submit.image_urls);
    expect(second.image_urls).toHaveLength(3);
    expect(h.apimart.uploads).toHaveLength(2);
    expect(h.apimart.submitImageLoads.at(-1)!.map((l) => l.status)).toEqual([200, 200, 200]);
  });

  it("autocomplete of refs lists the member's sets, then the server's, within Discord's 3 s", async (ctx) => {
    if (skip) return ctx.skip();
    const typed = (value: string, user = USER) =>
      h.discord.sendAutocomplete({ name: 'video', options: [{ name: 'prompt', type: 3, value: 'x' }, { name: 'refs', type: 3, value, focused: true }], user });
    const answer = await h.discord.waitForAutocomplete(typed('he').id);
    expect(answer.choices).toEqual([{ name: 'hero · yours · 2 images', value: 'hero' }]);
    expect(answer.latencyMs).toBeLessThan(3_000);
    expect((await h.discord.waitForAutocomplete(typed('zz').id)).choices).toEqual([]);
    // Another member sees none of them.
    expect((await h.discord.waitForAutocomplete(typed('', MEMBER).id)).choices).toEqual([]);
  });

  it('/video with neither a set nor an image says so in one sentence and submits nothing', async (ctx) => {
    if (skip) return ctx.skip();
    const before = h.apimart.submitCount();
    const sent = h.video({ images: [] });
    const edit = await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`));
    expect(String(edit.body.content)).toContain('Give at least one reference image: attach one (image1) or choose a saved set with refs (see /video-refs).');
    expect(h.apimart.submitCount()).toBe(before);
  });

  it('a member cannot save or delete a server set; a moderator can; the bounds refuse with their number', async (ctx) => {
    if (skip) return ctx.skip();
    const team = () => [image('team.png', 512, 512)];
    expect(await save('team', team(), MEMBER, { server: true })).toContain('Only members with the Manage Server permission can save server sets');
    expect(await save('team', team(), MOD, { server: true, perms: MANAGE_GUILD })).toBe('Saved the server set `team` with 1 image. Use it with /video refs:team.');
    expect(await save('more', team(), MOD, { server: true, perms: MANAGE_GUILD })).toBe(
      'This server already keeps 1 set, the most allowed; a moderator can delete one with /video-refs delete.',
    );

    expect(await refs('list', [], MEMBER)).toBe("**Your sets** (0 of 2): none yet; save one with /video-refs save\n**This server's sets** (1 of 1): `team` (1 image)");
    expect(await refs('delete', [{ name: 'name', type: 3, value: 'team' }], MEMBER)).toBe('`team` is a server set: only members with the Manage Server permission can delete it.');
    expect(await refs('delete', [{ name: 'name', type: 3, value: 'server:team' }], MOD, { perms: MANAGE_GUILD })).toBe('Deleted the server set `team` and its images.');
    expect(await refs('list', [], MEMBER)).toContain("**This server's sets** (0 of 1): none yet");

    expect(await save('one', team(), MEMBER)).toContain('Saved your set `one`');
    expect(await save('two', team(), MEMBER)).toContain('Saved your set `two`');
    expect(await save('three', team(), MEMBER)).toBe('You already keep 2 sets, the most allowed; delete one with /video-refs delete first.');
    const typed = h.discord.sendAutocomplete({ name: 'video-refs', options: [{ name: 'delete', type: 1, options: [{ name: 'name', type: 3, value: '', focused: true }] }], user: MEMBER });
    expect((await h.discord.waitForAutocomplete(typed.id)).choices.map((c) => c.value)).toEqual(['one', 'two']);
  });

  it('registers /video-refs, and /video with refs (autocomplete) and an optional image1', async (ctx) => {
    if (skip) return ctx.skip();
    const put = h.discord.callsTo('PUT', /^\/applications\/\d+\/commands$/)[0]!;
    const byName = (name: string) => put.body.find((c: { name: string }) => c.name === name);
    expect(byName('video-refs').options.map((o: { name: string }) => o.name)).toEqual(['save', 'list', 'show', 'delete']);
    const video = byName('video').options as { name: string; required?: boolean; autocomplete?: boolean }[];
    expect(video.find((o) => o.name === 'image1')?.required).toBe(false);
    expect(video.find((o) => o.name === 'refs')?.autocomplete).toBe(true);
  });
});

describe('provider links that expire', () => {
  let h: Harness;
  beforeAll(async () => {
    // The fake's upload links live 3 s and say so (expires_at): each use of the set needs fresh ones.
    h = await startHarness({ apimart: { loadImages: true, uploadTtlMs: 3_000 } });
  });
  afterAll(async () => h?.close());

  it('Re-roll of a video made from a set, after the links expired, submits renewed links that load', async () => {
    const a = h.discord.addAttachment({ filename: 'hero.png', contentType: 'image/png', width: 640, height: 640, data: pngHeader(640, 640) });
    const sent = h.discord.sendCommand({ name: 'video-refs', options: [{ name: 'save', type: 1, options: [{ name: 'name', type: 3, value: 'hero' }, { name: 'image1', type: 11, value: a.id }] }], user: USER, attachments: [a] });
    await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`));
    h.discord.expireAttachment(a.url);

    h.apimart.nextTask(fastTask);
    const first = h.video({ refs: 'hero', images: [] });
    const job = await h.waitForState(first.id, 'delivered');
    const before = (h.apimart.submits().at(-1)!.body as { image_urls: string[] }).image_urls;
    await new Promise((r) => setTimeout(r, 3_100));
    expect((await fetch(before[0]!)).status).toBe(404);

    h.apimart.nextTask(fastTask);
    const press = h.discord.sendButton({ customId: `vidu:reroll:${job.id}`, messageId: h.discord.originalMessageId(first.id)!, user: USER });
    const reroll = await h.waitForState(press.id, 'delivered');
    expect(reroll.rerollOf).toBe(job.id);
    const after = (h.apimart.submits().at(-1)!.body as { image_urls: string[] }).image_urls;
    expect(after[0]).not.toBe(before[0]);
    expect(h.apimart.submitImageLoads.at(-1)!.map((l) => [l.status, l.data.equals(pngHeader(640, 640))])).toEqual([[200, true]]);
    expect(h.apimart.uploads).toHaveLength(2);
  });
});
