import { describe, expect, it } from 'vitest';
import { unused } from './support/unused';
import { requestVideo, type VideoInput } from '../commands/video';
import { manageLimits } from '../commands/video-limits';
import { showUsage } from '../commands/video-usage';
import { cancelJob, rerollJob } from '../src/interactions/buttons';
import type { Actor, HandlerPorts } from '../src/interactions/ports';
import type { JobOrigin } from '../src/interactions/defer';
import { newJob, type Job, type NewJob } from '../src/jobs/record';
import type { CancelOutcome } from '../src/jobs/service';
import type { Reserve } from '../src/limits/service';
import { emptyServerSettings, resolveLimits, type UsageSnapshot } from '../src/limits/policy';
import { StoreError } from '../src/store/errors';
import { manageRefs } from '../commands/video-refs';
import { refChoices } from '../src/interactions/refs';
import { RefStore } from '../src/refs';
import { openStore, type KV } from '../src/store/kv';
import type { UploadFile } from '../src/apimart';
import { pngHeader } from './support/images';
import { afterEach, beforeEach } from 'vitest';

/**
 * The command and button handlers' cores over in-memory ports: what the member sees (their private answers,
 * the "thinking…" and its edit) and what the bot did about it (reserved quota, started or cancelled a job).
 */

const GUILD = '100000000000000001';
const OTHER_GUILD = '100000000000000002';
const MEMBER = '200000000000000001';
const STRANGER = '200000000000000002';
const NOW = Date.UTC(2025, 0, 15, 12);

const member: Actor = { userId: MEMBER, guildId: GUILD, moderator: false, limitsScope: GUILD, roleIds: [GUILD], channelId: '300000000000000001', parentChannelId: null };
const stranger: Actor = { ...member, userId: STRANGER };

const image = { url: 'https://cdn.discordapp.com/attachments/1/2/cat.png', filename: 'cat.png', contentType: 'image/png', size: 40_000, width: 512, height: 512 };
const video: VideoInput = { prompt: 'The cat turns its head', model: null, duration: null, resolution: null, aspectRatio: null, seed: null, images: [image] };

const origin: JobOrigin = {
  shard: 0,
  guildId: GUILD,
  channelId: '300000000000000001',
  userId: MEMBER,
  applicationId: '400000000000000001',
  interactionId: '500000000000000001',
  interactionToken: 'token',
  tokenExpiresAt: NOW + 15 * 60_000,
  replyMessageId: '600000000000000001',
  attachmentSizeLimit: 10 * 1024 * 1024,
};

function job(over: Partial<Job>): Job {
  const base = newJob(
    { ...origin, id: 'job0000000000000001', request: { model: 'viduq3', prompt: 'The cat turns its head', image_urls: [image.url], duration: 5, resolution: '720p', aspect_ratio: '16:9' }, imageNames: ['cat.png'], usage: null, rerollOf: null },
    NOW,
  );
  return { ...base, ...over };
}

/** What the member sees, in order. */
type Seen = { thinking: 'public' | 'private' } | { reply: string } | { edit: string };

interface World {
  jobs?: Job[];
  reserve?: Reserve;
  cancel?: CancelOutcome;
  failCaps?: Error;
  /** The renewed link of each image Discord still has. */
  refreshed?: Map<string, string>;
  usage?: UsageSnapshot;
  /** Saved sets (/video-refs); a store over memory in the tests that use them. */
  refs?: HandlerPorts['refs'];
  /** The bytes behind each image link, for /video-refs save. */
  files?: Map<string, Buffer>;
}

/** For the tests that never reach saved sets: any use of them is a failure of the test. */
const noRefs = unused<HandlerPorts['refs']>('saved sets');

function world(w: World = {}) {
  const seen: Seen[] = [];
  const did: string[] = [];
  const started: NewJob[] = [];
  const stored = new Map((w.jobs ?? []).map((j) => [j.id, j]));
  const bot = { dailyVideos: 3, dailySeconds: 60, concurrent: 1, cooldown: 0 };
  const reservation = { key: `${GUILD}:${MEMBER}`, day: '2025-01-15', seconds: 5 };
  let ids = 0;
  const ports: HandlerPorts = {
    reply: {
      deferForJob: async () => (seen.push({ thinking: 'public' }), origin),
      deferPrivately: async () => void seen.push({ thinking: 'private' }),
      reply: async (text) => void seen.push({ reply: text }),
      edit: async (message) => void seen.push({ edit: message.text }),
    },
    jobs: {
      get: async (id) => stored.get(id),
      start: async (input) => (did.push('start'), started.push(input), newJob(input, NOW)),
      cancel: async (id, by) => (did.push(`cancel ${id} by ${by}`), w.cancel ?? { outcome: 'missing' }),
    },
    limits: {
      caps: async () => {
        if (w.failCaps) throw w.failCaps;
        return {};
      },
      reserve: async (who, jobId, seconds) => (did.push(`reserve ${seconds} s for ${who.userId} as ${jobId}`), w.reserve ?? { ok: true, usage: reservation }),
      effective: async () => resolveLimits(bot, undefined, undefined),
      serverEffective: async () => resolveLimits(bot, undefined, undefined),
      usage: async () => w.usage ?? { day: '2025-01-15', videos: 0, seconds: 0, active: [], lastSubmitAt: null },
      resetMember: async () => (did.push('reset member'), {}),
      server: async () => emptyServerSettings(),
      serverUsage: async () => ({ day: '2025-01-15', daySeconds: 0, month: '2025-01', monthSeconds: 0, active: [] }),
      settings: {
        setMember: async () => (did.push('set member'), { before: {}, after: {} }),
        setServer: async () => (did.push('set server'), { before: emptyServerSettings(), after: emptyServerSettings() }),
      },
    },
    audit: { post: async () => void did.push('audit'), takeFailure: async () => undefined },
    probe: async (a) => a,
    refreshImageUrls: async (urls) => w.refreshed ?? new Map(urls.map((u) => [u, `${u}?renewed`])),
    refs: w.refs ?? noRefs,
    readImage: async (url, max) => {
      const data = w.files?.get(url);
      if (!data) throw new Error('HTTP 404');
      return data.subarray(0, max);
    },
    newJobId: () => `new${String(++ids).padStart(16, '0')}`,
    newSeed: () => 42,
    now: () => NOW,
    afterDeferral: { run: (task) => task() },
    logger: { info: () => undefined, warn: () => undefined },
  };
  return { ports, seen, did, started };
}

describe('/video', () => {
  it('answers every problem of the request at once, and neither reserves nor submits', async () => {
    const w = world();
    await requestVideo({ ...video, prompt: '  ', model: 'sora', images: [{ ...image, width: 64, height: 64 }] }, member, w.ports);
    expect(w.seen).toHaveLength(2);
    expect(w.seen[0]).toEqual({ thinking: 'public' });
    const text = (w.seen[1] as { edit: string }).edit;
    expect(text).toContain('This request has 3 problems');
    expect(text).toContain('The prompt is empty');
    expect(text).toContain('Unknown model "sora"');
    expect(text).toContain('image1 (cat.png) is 64x64 px');
    expect(w.did).toEqual([]);
  });

  it('a limit refusal answers "Limit reached" with the reason and submits nothing', async () => {
    const w = world({ reserve: { ok: false, refusal: { code: 'concurrent_full', limit: 'concurrent', active: 1, max: 1 } } });
    await requestVideo(video, member, w.ports);
    const text = (w.seen.at(-1) as { edit: string }).edit;
    expect(text).toContain('Limit reached');
    expect(text).toContain('You already have 1 video generating (limit 1)');
    expect(w.started).toEqual([]);
  });

  it('a valid request reserves its seconds, then starts the job with the request in the deferred reply', async () => {
    const w = world();
    await requestVideo({ ...video, duration: 8, seed: 7 }, member, w.ports);
    expect(w.seen).toEqual([{ thinking: 'public' }]);
    expect(w.did).toEqual([`reserve 8 s for ${MEMBER} as new0000000000000001`, 'start']);
    expect(w.started[0]).toMatchObject({
      ...origin,
      id: 'new0000000000000001',
      request: { model: 'viduq3', prompt: 'The cat turns its head', image_urls: [image.url], duration: 8, resolution: '720p', aspect_ratio: '16:9', seed: 7 },
      imageNames: ['cat.png'],
      rerollOf: null,
    });
  });

  it('a request without a seed gets one picked and sent; a preview reserves its own duration', async () => {
    const w = world();
    await requestVideo({ ...video, preview: true }, member, w.ports);
    expect(w.did).toEqual([`reserve 3 s for ${MEMBER} as new0000000000000001`, 'start']);
    expect(w.started[0]).toMatchObject({ request: { resolution: '540p', duration: 3, seed: 42 }, preview: true });
  });

  it('a store error reaches the router, which words it; nothing is reserved or answered here', async () => {
    const down = new StoreError('get', 'redis', 'connection refused');
    const w = world({ failCaps: down });
    await expect(requestVideo(video, member, w.ports)).rejects.toBe(down);
    expect(w.seen).toEqual([{ thinking: 'public' }]);
    expect(w.did).toEqual([]);
  });
});

describe('Cancel', () => {
  const running = job({ state: 'generating' });

  it('is refused to someone else, and the job goes on', async () => {
    const w = world({ jobs: [running] });
    await cancelJob(running.id, stranger, w.ports);
    expect(w.seen).toEqual([{ reply: 'This is not your video: only the person who started it or a moderator can cancel it.' }]);
    expect(w.did).toEqual([]);
  });

  it('is refused to a moderator of another server', async () => {
    const w = world({ jobs: [running] });
    await cancelJob(running.id, { ...stranger, guildId: OTHER_GUILD, limitsScope: OTHER_GUILD, moderator: true }, w.ports);
    expect(w.seen).toEqual([{ reply: 'This is not your video: only the person who started it or a moderator can cancel it.' }]);
    expect(w.did).toEqual([]);
  });

  it("is allowed to a moderator of the job's server", async () => {
    const w = world({ jobs: [running], cancel: { outcome: 'cancelled', quotaKept: true } });
    await cancelJob(running.id, { ...stranger, moderator: true }, w.ports);
    expect(w.did).toEqual([`cancel ${running.id} by ${STRANGER}`]);
  });

  it('by the requester of an accepted job says it still counts', async () => {
    const w = world({ jobs: [running], cancel: { outcome: 'cancelled', quotaKept: true } });
    await cancelJob(running.id, member, w.ports);
    expect(w.did).toEqual([`cancel ${running.id} by ${MEMBER}`]);
    expect(w.seen).toHaveLength(1);
    expect((w.seen[0] as { reply: string }).reply).toContain('it counts toward your limits today');
  });

  it('by the requester during the submit waits privately, then says the quota was given back', async () => {
    const submitting = job({ state: 'submitting' });
    const w = world({ jobs: [submitting], cancel: { outcome: 'cancelled', quotaKept: false } });
    await cancelJob(submitting.id, member, w.ports);
    expect(w.seen).toEqual([{ thinking: 'private' }, { edit: 'Cancelled before it reached the video service. The quota for it was given back.' }]);
  });
});

describe('Re-roll', () => {
  it('is refused while the video is still being made', async () => {
    const w = world({ jobs: [job({ state: 'generating' })] });
    await rerollJob('job0000000000000001', member, w.ports);
    expect(w.seen).toEqual([{ reply: 'This video is still being made; re-roll it once it is finished.' }]);
    expect(w.did).toEqual([]);
  });

  it('is refused when Discord no longer has the images, before any quota is reserved', async () => {
    const w = world({ jobs: [job({ state: 'delivered' })], refreshed: new Map() });
    await rerollJob('job0000000000000001', member, w.ports);
    const text = (w.seen.at(-1) as { edit: string }).edit;
    expect(text).toContain('The reference images are gone');
    expect(text).toContain('Please run /video again with the images attached.');
    expect(w.did).toEqual([]);
  });

  it('of a finished video starts a new job with the renewed links and a new seed', async () => {
    const w = world({ jobs: [job({ state: 'delivered' })] });
    await rerollJob('job0000000000000001', member, w.ports);
    expect(w.did).toEqual([`reserve 5 s for ${MEMBER} as new0000000000000001`, 'start']);
    expect(w.started[0]).toMatchObject({ request: { image_urls: [`${image.url}?renewed`], seed: 42 }, rerollOf: 'job0000000000000001' });
  });
});

describe('/video-limits and /video-usage', () => {
  it('/video-limits by a member without Manage Server is refused and changes nothing', async () => {
    const w = world();
    await manageLimits({ sub: 'user', memberId: STRANGER, patch: { dailyVideos: 10 } }, member, w.ports);
    expect(w.seen).toEqual([{ reply: 'Only members with the Manage Server permission can change video limits. See your own with /video-usage.' }]);
    expect(w.did).toEqual([]);
  });

  it('/video-usage shows what was used today and what is left', async () => {
    const w = world({ usage: { day: '2025-01-15', videos: 2, seconds: 10, active: [], lastSubmitAt: null } });
    await showUsage(member, w.ports);
    const text = (w.seen[0] as { reply: string }).reply;
    expect(text).toContain('Your video usage today');
    expect(text).toContain('Videos per day: **3** (bot default) · used 2, 1 left');
    expect(text).toContain('Seconds of video per day: **60 s** (bot default) · used 10 s, 50 s left');
  });
});

describe('saved reference sets', () => {
  const moderator: Actor = { ...member, moderator: true };
  const HOUR = 3600_000;
  let kv: KV;
  let refs: RefStore;
  let uploads: UploadFile[];
  let clock: number;
  const files = new Map<string, Buffer>();
  const attach = (name: string, data: Buffer, over: Partial<typeof image> = {}) => {
    const url = `https://cdn.discordapp.com/attachments/1/${files.size}/${name}`;
    files.set(url, data);
    return { ...image, url, filename: name, size: data.length, ...over };
  };
  const saveCmd = (name: string, images: (typeof image)[], server = false) => ({ sub: 'save' as const, name, server, images });
  const lastText = (seen: Seen[]) => {
    const last = seen.at(-1)!;
    return 'edit' in last ? last.edit : 'reply' in last ? last.reply : '';
  };

  beforeEach(async () => {
    kv = await openStore('memory:');
    uploads = [];
    clock = NOW;
    refs = new RefStore(kv, {
      host: { upload: async (f) => (uploads.push(f), { url: `https://upload.apimart.example/${uploads.length}/${f.filename}`, expiresAt: clock + 72 * HOUR }) },
      now: () => clock,
      limits: { perMember: 2, perServer: 5 },
    });
  });
  afterEach(async () => kv.close());

  async function saveHero(actor = member, server = false) {
    const w = world({ refs, files });
    await manageRefs(saveCmd('hero', [attach('a.png', pngHeader(800, 600)), attach('b.png', pngHeader(600, 800))], server), actor, w.ports);
    return lastText(w.seen);
  }

  it('save keeps the images read from their bytes and says how to use the set', async () => {
    expect(await saveHero()).toBe('Saved your set `hero` with 2 images. Use it with /video refs:hero.');
    const set = await refs.find('hero', MEMBER, GUILD);
    expect(set?.images.map((i) => [i.filename, i.width, i.height])).toEqual([['a.png', 800, 600], ['b.png', 600, 800]]);
  });

  it('save reports every problem of every image at once, from the bytes, and keeps nothing', async () => {
    const w = world({ refs, files });
    // Discord claims a fine PNG each time; the bytes say otherwise.
    const tiny = attach('tiny.png', pngHeader(64, 64));
    const text = attach('notes.png', Buffer.from('just some text, not an image'));
    const wide = attach('wide.png', pngHeader(2048, 256));
    const huge = attach('huge.png', Buffer.alloc(10), { size: 30 * 1024 * 1024 });
    await manageRefs(saveCmd('hero', [tiny, text, wide, huge]), member, w.ports);
    const shown = lastText(w.seen);
    expect(shown).toContain('The images have 4 problems; nothing was saved');
    expect(shown).toContain('image1 (tiny.png) is 64x64 px');
    expect(shown).toContain('image2 (notes.png): its size could not be read');
    expect(shown).toContain('image3 (wide.png) is 2048x256 px, too wide');
    expect(shown).toContain('image4 (huge.png) is 30 MB; each image can be at most 20 MB.');
    expect(await refs.index({ kind: 'member', userId: MEMBER })).toEqual([]);
  });

  it('a bad name is refused at once, before any image is read', async () => {
    const w = world({ refs, files: new Map() });
    await manageRefs(saveCmd('my hero!', [image]), member, w.ports);
    expect(w.seen).toEqual([{ reply: '`my hero!` cannot be a set name: use 1 to 32 letters, digits, - or _.' }]);
  });

  it('the bounds refuse with their number, and a taken name says so', async () => {
    await saveHero();
    expect(await saveHero()).toBe('You already have a set named `hero`; choose another name, or delete that one first with /video-refs delete.');
    const w = world({ refs, files });
    await manageRefs(saveCmd('villain', [attach('v.png', pngHeader(512, 512))]), member, w.ports);
    await manageRefs(saveCmd('third', [attach('t.png', pngHeader(512, 512))]), member, w.ports);
    expect(lastText(w.seen)).toBe('You already keep 2 sets, the most allowed; delete one with /video-refs delete first.');
  });

  it('a server set needs Manage Server to save and to delete; list shows both kinds with their counts', async () => {
    expect(await saveHero(member, true)).toBe('Only members with the Manage Server permission can save server sets; leave out server:true to save the set as your own.');
    expect(await saveHero(moderator, true)).toBe('Saved the server set `hero` with 2 images. Use it with /video refs:hero.');
    const w = world({ refs, files });
    await manageRefs({ sub: 'list' }, member, w.ports);
    expect(lastText(w.seen)).toBe("**Your sets** (0 of 2): none yet; save one with /video-refs save\n**This server's sets** (1 of 5): `hero` (2 images)");
    await manageRefs({ sub: 'delete', name: 'hero' }, member, w.ports);
    expect(lastText(w.seen)).toBe('`hero` is a server set: only members with the Manage Server permission can delete it.');
    expect(await refs.find('hero', MEMBER, GUILD)).toBeDefined();
    await manageRefs({ sub: 'delete', name: 'server:hero' }, moderator, w.ports);
    expect(lastText(w.seen)).toBe('Deleted the server set `hero` and its images.');
    expect(await refs.find('hero', MEMBER, GUILD)).toBeUndefined();
  });

  it('show answers privately with each image and a link that works', async () => {
    await saveHero();
    const w = world({ refs, files });
    await manageRefs({ sub: 'show', name: 'hero' }, member, w.ports);
    expect(w.seen[0]).toEqual({ thinking: 'private' });
    expect(lastText(w.seen)).toBe(
      'Your set `hero`, 2 images:\n1. a.png, 800x600 px, 0.0 MB: https://upload.apimart.example/1/a.png\n2. b.png, 600x800 px, 0.0 MB: https://upload.apimart.example/2/b.png',
    );
  });

  it("/video refs: the set's images first, then the attached one, on links that work now; the job remembers the set", async () => {
    await saveHero();
    const w = world({ refs, files });
    await requestVideo({ ...video, refs: 'hero' }, member, w.ports);
    expect(w.did).toEqual([`reserve 5 s for ${MEMBER} as new0000000000000001`, 'start']);
    const started = w.started[0]!;
    expect(started.request.image_urls).toEqual(['https://upload.apimart.example/1/a.png', 'https://upload.apimart.example/2/b.png', image.url]);
    expect(started.imageNames).toEqual(['a.png', 'b.png', 'cat.png']);
    expect(started.refSet).toMatchObject({ images: 2 });
  });

  it('/video with neither images nor a set says one is needed, in one sentence', async () => {
    const w = world({ refs });
    await requestVideo({ ...video, images: [] }, member, w.ports);
    expect(lastText(w.seen)).toContain('Give at least one reference image: attach one (image1) or choose a saved set with refs (see /video-refs).');
    expect(w.did).toEqual([]);
  });

  it('/video counts the set and the attachments together against the 7', async () => {
    const w = world({ refs, files });
    const seven = Array.from({ length: 7 }, (_, i) => attach(`s${i}.png`, pngHeader(512, 512)));
    await manageRefs(saveCmd('full', seven), member, w.ports);
    await requestVideo({ ...video, refs: 'full' }, member, w.ports);
    expect(lastText(w.seen)).toContain('The saved set has 7 images and you attached 1: 8 in all; the limit is 7.');
    expect(w.did).toEqual([]);
    expect(uploads).toEqual([]);
  });

  it('/video with an unknown set says so and starts nothing', async () => {
    const w = world({ refs });
    await requestVideo({ ...video, refs: 'nope' }, member, w.ports);
    // Problem lists escape markdown: the name shows with its quotes.
    expect(lastText(w.seen).replaceAll('\\', '')).toContain("There is no set named `nope` among your sets or this server's; see /video-refs list.");
    expect(w.did).toEqual([]);
  });

  it('autocomplete lists the member\'s sets, then the server\'s, filtered by what was typed', async () => {
    await saveHero();
    await saveHero(moderator, true);
    const w = world({ refs, files });
    await manageRefs(saveCmd('villain', [attach('v.png', pngHeader(512, 512))]), member, w.ports);
    const log = { warn: () => undefined };
    expect(await refChoices('', member, refs, log)).toEqual([
      { name: 'hero · yours · 2 images', value: 'hero' },
      { name: 'villain · yours · 1 image', value: 'villain' },
      { name: 'hero · server · 2 images', value: 'server:hero' },
    ]);
    expect((await refChoices('VIL', member, refs, log)).map((c) => c.value)).toEqual(['villain']);
    expect(await refChoices('he', { ...member, guildId: null }, refs, log)).toEqual([{ name: 'hero · yours · 2 images', value: 'hero' }]);
  });

  it('Re-roll of a job made from a set renews the expired provider links and keeps the attached image', async () => {
    await saveHero();
    const w = world({ refs, files });
    await requestVideo({ ...video, refs: 'hero' }, member, w.ports);
    const first = w.started[0]!;
    clock += 70 * HOUR; // the links have 2 h left: under the margin
    const done = { ...newJob(first, NOW), state: 'delivered' as const };
    const w2 = world({ refs, jobs: [done] });
    await rerollJob(done.id, member, w2.ports);
    expect(w2.started[0]!.request.image_urls).toEqual(['https://upload.apimart.example/3/a.png', 'https://upload.apimart.example/4/b.png', `${image.url}?renewed`]);
    expect(w2.started[0]!.refSet).toEqual(first.refSet);
  });

  it('Re-roll of a job whose set was deleted says the set is gone and reserves nothing', async () => {
    await saveHero();
    const w = world({ refs, files });
    await requestVideo({ ...video, refs: 'hero' }, member, w.ports);
    await manageRefs({ sub: 'delete', name: 'hero' }, member, w.ports);
    const done = { ...newJob(w.started[0]!, NOW), state: 'delivered' as const };
    const w2 = world({ refs, jobs: [done] });
    await rerollJob(done.id, member, w2.ports);
    expect(lastText(w2.seen)).toContain('The saved set this video was made from has been deleted. Please run /video again.');
    expect(w2.did).toEqual([]);
  });
});
