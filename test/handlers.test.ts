import { describe, expect, it } from 'vitest';
import { unused } from './support/unused';
import { requestVideo, type VideoInput } from '../commands/video';
import { manageLimits } from '../commands/video-limits';
import { showUsage } from '../commands/video-usage';
import { ComponentType, type Attachment, type Embed } from 'discord.js';
import { cancelJob, deleteJob, openFinal, openRemix, rerollJob, submitFinal, submitRemix } from '../src/interactions/buttons';
import { messageImages, openMakeAVideo, submitMakeAVideo } from '../commands/make-a-video';
import type { FormAnswers } from '../src/interactions/forms';
import type { Actor, HandlerPorts } from '../src/interactions/ports';
import { newJob, type Job, type NewJob } from '../src/jobs/record';
import type { CancelOutcome } from '../src/jobs/service';
import type { Reserve, ReserveTakes } from '../src/limits/service';
import { emptyServerSettings, resolveLimits, type ServerSettings, type UsageSnapshot } from '../src/limits/policy';
import { StoreError } from '../src/store/errors';
import type { Modal } from '../src/discord/modals';
import type { Draft } from '../src/interactions/drafts';
import { manageRefs } from '../commands/video-refs';
import { refChoices } from '../src/interactions/refs';
import { RefStore } from '../src/refs';
import { openStore, type KV } from '../src/store/kv';
import type { UploadFile } from '../src/apimart';
import { pngHeader } from './support/images';
import { afterEach, beforeEach } from 'vitest';
import { jobOrigin } from './support/job-input';

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

const origin = jobOrigin({ guildId: GUILD, channelId: '300000000000000001', userId: MEMBER, interactionToken: 'token', tokenExpiresAt: NOW + 15 * 60_000, replyMessageId: '600000000000000001' });

function job(over: Partial<Job>): Job {
  const base = newJob(
    { ...origin, id: 'job0000000000000001', request: { model: 'viduq3', prompt: 'The cat turns its head', image_urls: [image.url], duration: 5, resolution: '720p', aspect_ratio: '16:9' }, imageNames: ['cat.png'], usage: null, rerollOf: null },
    NOW,
  );
  return { ...base, ...over };
}

/** What the member sees, in order. */
type Seen = { thinking: 'public' | 'private' | 'private job' } | { reply: string } | { edit: string } | { modal: Modal };

interface World {
  jobs?: Job[];
  reserve?: Reserve;
  cancel?: CancelOutcome;
  failCaps?: Error;
  /** The renewed link of each image Discord still has. */
  refreshed?: Map<string, string>;
  usage?: UsageSnapshot;
  removeFails?: boolean;
  reserveTakes?: ReserveTakes;
  /** Seeds newSeed returns, in turn (then 42). */
  seeds?: number[];
  /** Saved sets (/video-refs); a store over memory in the tests that use them. */
  refs?: HandlerPorts['refs'];
  /** The bytes behind each image link, for /video-refs save. */
  files?: Map<string, Buffer>;
  /** The server's settings (its approval thresholds); none by default. */
  server?: ServerSettings;
}

/** For the tests that never reach saved sets: any use of them is a failure of the test. */
const noRefs = unused<HandlerPorts['refs']>('saved sets');

function world(w: World = {}) {
  const seen: Seen[] = [];
  const did: string[] = [];
  const started: NewJob[] = [];
  const stored = new Map((w.jobs ?? []).map((j) => [j.id, j]));
  const drafts = new Map<string, Draft>();
  const bot = { dailyVideos: 3, dailySeconds: 60, concurrent: 1, cooldown: 0 };
  const reservation = { key: `${GUILD}:${MEMBER}`, day: '2025-01-15', seconds: 5 };
  let ids = 0;
  const ports: HandlerPorts = {
    reply: {
      deferForJob: async (o) => (seen.push({ thinking: o?.private ? 'private job' : 'public' }), o?.private ? { ...origin, private: true } : origin),
      deferPrivately: async () => void seen.push({ thinking: 'private' }),
      reply: async (text) => void seen.push({ reply: text }),
      edit: async (message) => void seen.push({ edit: message.text }),
      showModal: async (modal) => void seen.push({ modal }),
    },
    jobs: {
      get: async (id) => stored.get(id),
      start: async (input) => (did.push('start'), started.push(input), newJob(input, NOW)),
      startTakes: async (inputs) => (did.push(`start ${inputs.length} takes`), started.push(...inputs), inputs.map((i) => newJob(i, NOW, 'reserved'))),
      cancel: async (id, by) => (did.push(`cancel ${id} by ${by}`), w.cancel ?? { outcome: 'missing' }),
      approve: async () => ({ outcome: 'missing' }),
      deny: async () => ({ outcome: 'missing' }),
      notePost: async () => undefined,
      claimFinal: async (id, finalId) => {
        const j = stored.get(id);
        if (!j || j.finalJobId !== undefined) return false;
        stored.set(id, { ...j, finalJobId: finalId });
        return true;
      },
      releaseFinal: async (id, finalId) => {
        const j = stored.get(id);
        if (j?.finalJobId === finalId) stored.set(id, { ...j, finalJobId: undefined });
      },
    },
    removeJobMessage: async (j, at) => (did.push(`remove ${j.id} at ${at.messageId}`), w.removeFails !== true),
    drafts: {
      put: async (id, d) => void (did.push(`draft ${id}`), drafts.set(id, d)),
      get: async (id) => drafts.get(id),
    },
    posts: { send: async () => '1', showDecided: async () => undefined },
    limits: {
      caps: async () => {
        if (w.failCaps) throw w.failCaps;
        return {};
      },
      reserve: async (who, jobId, seconds) => (did.push(`reserve ${seconds} s for ${who.userId} as ${jobId}`), w.reserve ?? { ok: true, usage: reservation }),
      reserveTakes: async (who, jobIds, seconds) => (
        did.push(`reserve ${jobIds.length} x ${seconds} s for ${who.userId} as ${jobIds.join(',')}`), w.reserveTakes ?? { ok: true, usage: jobIds.map(() => reservation) }
      ),
      effective: async () => resolveLimits(bot, undefined, undefined),
      serverEffective: async () => resolveLimits(bot, undefined, undefined),
      usage: async () => w.usage ?? { day: '2025-01-15', videos: 0, seconds: 0, active: [], lastSubmitAt: null },
      resetMember: async () => (did.push('reset member'), {}),
      server: async () => w.server ?? emptyServerSettings(),
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
    newSeed: () => w.seeds?.shift() ?? 42,
    now: () => NOW,
    afterDeferral: { run: (task) => task() },
    logger: { info: () => undefined, warn: () => undefined },
  };
  return { ports, seen, did, started, stored };
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

  it('variations:3 reserves three videos at once and starts three takes with distinct seeds, the given one first', async () => {
    // The seed picker repeats itself: a repeated seed moves to the next free number.
    const w = world({ seeds: [99, 7] });
    await requestVideo({ ...video, seed: 7, variations: 3 }, member, w.ports);
    const ids = ['new0000000000000001', 'new0000000000000002', 'new0000000000000003'];
    expect(w.did).toEqual([`reserve 3 x 5 s for ${MEMBER} as ${ids.join(',')}`, 'start 3 takes']);
    expect(w.started.map((t) => t.request.seed)).toEqual([7, 99, 8]);
    expect(w.started.map((t) => t.group)).toEqual(ids.map((_, i) => ({ id: ids[0], index: i + 1, jobIds: ids })));
  });

  it('variations refused by the limits starts nothing and says why with the numbers', async () => {
    const w = world({ reserveTakes: { ok: false, refusal: { code: 'daily_videos_left', limit: 'dailyVideos', takes: 4, left: 3, max: 10, resetAt: NOW + 3_600_000 } } });
    await requestVideo({ ...video, variations: 4 }, member, w.ports);
    expect(w.started).toEqual([]);
    const text = (w.seen.at(-1) as { edit: string }).edit;
    expect(text).toContain('variations:4 makes 4 videos, and you have 3 videos left today (limit 10)');
  });

  it('variations over the approval threshold are refused, nothing reserved: takes do not wait for a moderator', async () => {
    const w = world({ server: { ...emptyServerSettings(), approval: { channelId: '800000000000000003', aboveSeconds: 4 } } });
    await requestVideo({ ...video, variations: 2 }, member, w.ports);
    expect(w.did).toEqual([]);
    expect((w.seen.at(-1) as { edit: string }).edit).toContain('variations:2 cannot wait for one');
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

describe('private:true', () => {
  it('/video defers ephemerally and the job is stored as private; the option is no part of the request', async () => {
    const w = world();
    await requestVideo({ ...video, private: true }, member, w.ports);
    expect(w.seen).toEqual([{ thinking: 'private job' }]);
    expect(w.started[0]).toMatchObject({ private: true });
    expect(w.started[0]!.request).not.toHaveProperty('private');
  });

  it('Re-roll of a private job is private, even pressed on its DM (not ephemeral)', async () => {
    const w = world({ jobs: [{ ...job({ state: 'delivered' }), private: true }] });
    await rerollJob('job0000000000000001', member, w.ports, { channelId: '9', messageId: '10', ephemeral: false });
    expect(w.seen[0]).toEqual({ thinking: 'private job' });
    expect(w.started[0]).toMatchObject({ private: true, rerollOf: 'job0000000000000001' });
  });

  it('Remix and Final submitted from a private card (ephemeral) are private jobs', async () => {
    const onCard = { ...pressed, ephemeral: true };
    const w = world({ jobs: [{ ...finished(), private: true }] });
    await submitRemix(SOURCE, answers({ prompt: 'The cat looks away' }), member, w.ports, onCard);
    await submitFinal(SOURCE, answers({ duration: '5' }), member, w.ports, onCard);
    expect(w.seen.filter((x) => 'thinking' in x)).toEqual([{ thinking: 'private job' }, { thinking: 'private job' }]);
    expect(w.started.map((j) => [j.cameFrom?.kind, j.private])).toEqual([['remix', true], ['final', true]]);
  });

  it('Re-roll of a public job stays public', async () => {
    const w = world({ jobs: [job({ state: 'delivered' })] });
    await rerollJob('job0000000000000001', member, w.ports, { channelId: '9', messageId: '10', ephemeral: false });
    expect(w.seen[0]).toEqual({ thinking: 'public' });
    expect(w.started[0]!.private).toBeUndefined();
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

/** A submit's answers, by field id (src/discord/modals.ts FIELD). */
function answers(a: { prompt?: string; model?: string; duration?: string; aspect?: string; images?: (typeof image)[] }): FormAnswers {
  return {
    text: (id) => (id === 'prompt' ? (a.prompt ?? null) : null),
    choice: (id) => (id === 'model' ? a.model : id === 'duration' ? a.duration : id === 'aspect' ? a.aspect : undefined) ?? null,
    files: (id) => (id === 'images' ? (a.images ?? []) : []),
  };
}

type Shown = Modal['components'][number];
const modalOf = (seen: Seen[]): Modal => (seen.find((s) => 'modal' in s) as { modal: Modal }).modal;
/** A form's input by custom id, inside its Label. */
function input(modal: Modal, id: string): Record<string, unknown> | undefined {
  for (const c of modal.components as Shown[]) if (c.type === ComponentType.Label && (c.component as { custom_id: string }).custom_id === id) return c.component as unknown as Record<string, unknown>;
  return undefined;
}
const texts = (modal: Modal) => (modal.components as Shown[]).filter((c) => c.type === ComponentType.TextDisplay).map((c) => (c as { content: string }).content);
const defaults = (component: Record<string, unknown> | undefined) => (component?.options as { value: string; default?: boolean }[]).filter((o) => o.default).map((o) => o.value);

/** What Discord refuses in a form (docs/discord.md): checked on every form a test opens. */
function expectDiscordTakes(modal: Modal) {
  expect(modal.components.length).toBeGreaterThanOrEqual(1);
  expect(modal.components.length).toBeLessThanOrEqual(5);
  expect([...modal.title].length).toBeLessThanOrEqual(45);
  expect(modal.custom_id.length).toBeLessThanOrEqual(100);
  for (const c of modal.components as Shown[]) {
    if (c.type !== ComponentType.Label) continue;
    expect([...c.label].length).toBeLessThanOrEqual(45);
    const inner = c.component as { type: ComponentType; value?: string; max_length?: number; options?: unknown[] };
    if (inner.type === ComponentType.TextInput) {
      expect([...(inner.value ?? '')].length).toBeLessThanOrEqual(4000);
      expect(inner.max_length ?? 0).toBeLessThanOrEqual(4000);
    }
    if (inner.options) expect(inner.options.length).toBeLessThanOrEqual(25);
  }
}

const SOURCE = 'job0000000000000001';
const finished = (over: Partial<Job> = {}) => job({ state: 'delivered', request: { ...job({}).request, seed: 1234 }, ...over });
const pressed = { channelId: origin.channelId, messageId: '600000000000000009' };

describe('Remix', () => {
  it('opens a form holding the prompt and options, after nothing but reading the job', async () => {
    const w = world({ jobs: [finished({ request: { ...finished().request, model: 'viduq3-mix', duration: 8, resolution: '1080p', aspect_ratio: '9:16' } })] });
    await openRemix(SOURCE, stranger, w.ports);
    expect(w.seen).toHaveLength(1);
    const modal = modalOf(w.seen);
    expectDiscordTakes(modal);
    expect(modal.title).toBe('Remix this video');
    expect(input(modal, 'prompt')).toMatchObject({ value: 'The cat turns its head', required: true });
    expect(defaults(input(modal, 'model'))).toEqual(['viduq3-mix|1080p']);
    expect(defaults(input(modal, 'duration'))).toEqual(['8']);
    expect(defaults(input(modal, 'aspect'))).toEqual(['9:16']);
    expect(w.did).toEqual([]);
  });

  it('a prompt longer than a form field holds is not prefilled, the form says so, and an empty field keeps it', async () => {
    const long = 'slow pan '.repeat(500).trim();
    const w = world({ jobs: [finished({ request: { ...finished().request, prompt: long } })] });
    await openRemix(SOURCE, member, w.ports);
    const modal = modalOf(w.seen);
    expectDiscordTakes(modal);
    expect(input(modal, 'prompt')).not.toHaveProperty('value');
    expect(input(modal, 'prompt')).toMatchObject({ required: false });
    expect(texts(modal)[0]).toContain(`The prompt is ${long.length} characters, more than a form field holds (4000)`);

    await submitRemix(SOURCE, answers({ model: 'viduq3|720p', duration: '5', aspect: '16:9' }), member, w.ports, pressed);
    expect(w.started[0]?.request.prompt).toBe(long);
  });

  it('starts a new job with the edited prompt and options, the renewed images, charged to the presser and linking its source', async () => {
    const w = world({ jobs: [finished()] });
    await submitRemix(SOURCE, answers({ prompt: 'The cat jumps', model: 'viduq3|540p', duration: '4', aspect: '1:1' }), stranger, w.ports, pressed);
    expect(w.seen).toEqual([{ thinking: 'public' }]);
    expect(w.did).toEqual([`reserve 4 s for ${STRANGER} as new0000000000000001`, 'start']);
    expect(w.started[0]).toMatchObject({
      request: { prompt: 'The cat jumps', model: 'viduq3', resolution: '540p', duration: 4, aspect_ratio: '1:1', image_urls: [`${image.url}?renewed`], seed: 42 },
      cameFrom: { kind: 'remix', jobId: SOURCE, messageUrl: `https://discord.com/channels/${GUILD}/${origin.channelId}/600000000000000009` },
      rerollOf: null,
    });
  });

  it('answers every problem of the edited options at once and reserves nothing', async () => {
    const w = world({ jobs: [finished()] });
    await submitRemix(SOURCE, answers({ prompt: '   ', model: 'viduq3-mix|540p', duration: '5', aspect: '16:9' }), member, w.ports, pressed);
    const text = (w.seen.at(-1) as { edit: string }).edit;
    expect(text).toContain('This remix has 2 problems');
    expect(text).toContain('The prompt is empty');
    expect(text).toContain('viduq3-mix does not offer 540p');
    expect(w.did).toEqual([]);
  });

  it('tells the member when Discord no longer has the images, before any quota is reserved', async () => {
    const w = world({ jobs: [finished()], refreshed: new Map() });
    await submitRemix(SOURCE, answers({ prompt: 'The cat jumps', model: 'viduq3|720p', duration: '5', aspect: '16:9' }), member, w.ports, pressed);
    expect((w.seen.at(-1) as { edit: string }).edit).toContain('The reference images are gone');
    expect(w.did).toEqual([]);
  });

  it('is refused while the video is still being made, without a form', async () => {
    const w = world({ jobs: [job({ state: 'generating' })] });
    await openRemix(SOURCE, member, w.ports);
    expect(w.seen).toEqual([{ reply: 'This video is still being made; use this once it is finished.' }]);
  });
});

describe('Final', () => {
  it('asks the duration, starting from the original, and says what stays', async () => {
    const w = world({ jobs: [finished({ request: { ...finished().request, duration: 7 } })] });
    await openFinal(SOURCE, member, w.ports);
    const modal = modalOf(w.seen);
    expectDiscordTakes(modal);
    expect(defaults(input(modal, 'duration'))).toEqual(['7']);
    expect(texts(modal)[0]).toBe('Same images, prompt, seed 1234, model viduq3 and aspect ratio 16:9, at 1080p. Choose the duration.');
  });

  it("remakes the take at 1080p with its seed, images, prompt, model and aspect, charged to the presser", async () => {
    const w = world({ jobs: [finished({ preview: true, request: { ...finished().request, resolution: '540p', duration: 3 } })] });
    await submitFinal(SOURCE, answers({ duration: '6' }), stranger, w.ports, pressed);
    expect(w.did).toEqual([`reserve 6 s for ${STRANGER} as new0000000000000001`, 'start']);
    expect(w.started[0]).toMatchObject({
      request: { prompt: 'The cat turns its head', model: 'viduq3', resolution: '1080p', duration: 6, aspect_ratio: '16:9', seed: 1234, image_urls: [`${image.url}?renewed`] },
      cameFrom: { kind: 'final', jobId: SOURCE },
      preview: false,
    });
  });

  it('is one per take: a second press says so, before and after the form', async () => {
    const w = world({ jobs: [finished()] });
    await submitFinal(SOURCE, answers({ duration: '5' }), member, w.ports, pressed);
    await openFinal(SOURCE, member, w.ports);
    expect(w.seen.at(-1)).toEqual({ reply: 'This take already has its Final (one per take); look for it in this channel.' });
    await submitFinal(SOURCE, answers({ duration: '5' }), member, w.ports, pressed);
    expect((w.seen.at(-1) as { edit: string }).edit).toContain('This take already has its Final');
    expect(w.started).toHaveLength(1);
  });

  it('a Final refused by the limits is not used up', async () => {
    const refusal = { code: 'concurrent_full', limit: 'concurrent', active: 1, max: 1 } as const;
    const w = world({ jobs: [finished()], reserve: { ok: false, refusal } });
    await submitFinal(SOURCE, answers({ duration: '5' }), member, w.ports, pressed);
    expect((w.seen.at(-1) as { edit: string }).edit).toContain('Limit reached');
    expect(w.stored.get(SOURCE)?.finalJobId).toBeUndefined();
  });

  it('is refused on a 1080p video, without a form', async () => {
    const w = world({ jobs: [finished({ request: { ...finished().request, resolution: '1080p' } })] });
    await openFinal(SOURCE, member, w.ports);
    expect(w.seen).toEqual([{ reply: 'This video is already 1080p; Final makes a 1080p version of a smaller take.' }]);
  });
});

describe('Delete', () => {
  it('is refused to someone else, privately, and removes nothing', async () => {
    const w = world({ jobs: [finished()] });
    await deleteJob(SOURCE, stranger, w.ports, pressed);
    expect(w.seen).toEqual([{ reply: 'Only the person who made this video or a moderator can delete it.' }]);
    expect(w.did).toEqual([]);
  });

  it("removes the pressed message for the requester, and for a moderator of the job's server", async () => {
    for (const who of [member, { ...stranger, moderator: true }]) {
      const w = world({ jobs: [finished()] });
      await deleteJob(SOURCE, who, w.ports, pressed);
      expect(w.did).toEqual([`remove ${SOURCE} at ${pressed.messageId}`]);
      expect(w.seen).toEqual([{ thinking: 'private' }, { edit: 'Deleted.' }]);
    }
  });

  it('says so when Discord refused the deletion', async () => {
    const w = world({ jobs: [finished()], removeFails: true });
    await deleteJob(SOURCE, member, w.ports, pressed);
    expect(w.seen.at(-1)).toEqual({ edit: 'Discord did not let the bot delete that message; it may already be gone.' });
  });
});

describe('Make a video', () => {
  const attachment = (name: string, contentType: string | null) =>
    ({ url: `https://cdn.discordapp.com/attachments/1/2/${name}`, name, contentType, size: 40_000, width: 512, height: 512 }) as unknown as Attachment;
  const embedImage = (n: number) => ({ url: `https://example.com/e${n}.png`, width: 256, height: 256 });

  it("takes the image attachments, then the embeds' images and thumbnails, in order, skipping other files", () => {
    const found = messageImages({
      attachments: [attachment('a.png', 'image/png'), attachment('notes.txt', 'text/plain'), attachment('b.jpg', null)],
      embeds: [{ image: embedImage(1), thumbnail: embedImage(2) } as unknown as Embed, { image: null, thumbnail: embedImage(1) } as unknown as Embed],
    });
    expect(found.images.map((i) => i.url)).toEqual([
      'https://cdn.discordapp.com/attachments/1/2/a.png',
      'https://cdn.discordapp.com/attachments/1/2/b.jpg',
      'https://example.com/e1.png',
      'https://example.com/e2.png',
    ]);
    // An embed's type and size come from its bytes: the probe reads them.
    expect(found.images[2]).toMatchObject({ filename: 'e1.png', contentType: null, width: null });
    expect(found.total).toBe(4);
  });

  it('keeps the first 7 of more, and the form says so instead of offering an upload', async () => {
    const found = messageImages({ attachments: Array.from({ length: 9 }, (_, i) => attachment(`${i}.png`, 'image/png')), embeds: [] });
    expect(found).toMatchObject({ total: 9 });
    expect(found.images).toHaveLength(7);
    const w = world();
    await openMakeAVideo(found, '700000000000000001', member, w.ports);
    const modal = modalOf(w.seen);
    expectDiscordTakes(modal);
    expect(input(modal, 'images')).toBeUndefined();
    expect(texts(modal)).toEqual(['This message has 9 images; the first 7 are used (a video takes at most 7), so no more can be added.']);
  });

  it('a message without images gets a private answer saying what was looked for, and no form', async () => {
    const w = world();
    await openMakeAVideo(messageImages({ attachments: [attachment('notes.txt', 'text/plain')], embeds: [] }), '700000000000000001', member, w.ports);
    expect(w.seen).toHaveLength(1);
    const text = (w.seen[0] as { reply: string }).reply;
    expect(text).toContain('no images');
    expect(text).toContain('attachments');
    expect(text).toContain('embeds');
    expect(text).toContain('/video');
    expect(w.did).toEqual([]);
  });

  it('opens a form with the defaults and room for the rest of the 7, the images kept for its submit', async () => {
    const w = world();
    await openMakeAVideo({ images: [image, image, image], total: 3 }, '700000000000000001', member, w.ports);
    expect(w.did).toEqual(['draft 700000000000000001']);
    const modal = modalOf(w.seen);
    expectDiscordTakes(modal);
    expect(modal.title).toBe('Make a video from 3 images');
    expect(modal.custom_id).toBe('vidu-modal:make:700000000000000001');
    expect(input(modal, 'prompt')).toMatchObject({ required: true, max_length: 4000 });
    expect(defaults(input(modal, 'model'))).toEqual(['viduq3|720p']);
    expect(defaults(input(modal, 'duration'))).toEqual(['5']);
    expect(defaults(input(modal, 'aspect'))).toEqual(['16:9']);
    expect(input(modal, 'images')).toMatchObject({ type: ComponentType.FileUpload, min_values: 0, max_values: 4, required: false });
  });

  it("submits the message's images, then the uploaded ones, through /video's pipeline", async () => {
    const w = world();
    const upload = { ...image, url: 'https://cdn.discordapp.com/attachments/9/9/up.png', filename: 'up.png' };
    await openMakeAVideo({ images: [image], total: 1 }, '700000000000000001', member, w.ports);
    await submitMakeAVideo('700000000000000001', answers({ prompt: 'The cat waves', model: 'viduq3|1080p', duration: '6', aspect: '9:16', images: [upload] }), member, w.ports);
    expect(w.did).toEqual(['draft 700000000000000001', `reserve 6 s for ${MEMBER} as new0000000000000001`, 'start']);
    expect(w.started[0]).toMatchObject({ request: { prompt: 'The cat waves', resolution: '1080p', duration: 6, aspect_ratio: '9:16', image_urls: [image.url, upload.url], seed: 42 }, imageNames: ['cat.png', 'up.png'] });
  });

  it('2 uploads on a message with 6 images: refused (8 > 7), nothing reserved or submitted', async () => {
    const w = world();
    await openMakeAVideo({ images: Array(6).fill(image), total: 6 }, '700000000000000001', member, w.ports);
    await submitMakeAVideo('700000000000000001', answers({ prompt: 'The cat waves', model: 'viduq3|720p', duration: '5', aspect: '16:9', images: [image, image] }), member, w.ports);
    expect((w.seen.at(-1) as { edit: string }).edit).toContain('You attached 8 images; the limit is 7.');
    expect(w.did).toEqual(['draft 700000000000000001']);
  });

  it('a form whose images are no longer kept says to run it again', async () => {
    const w = world();
    await submitMakeAVideo('700000000000000001', answers({ prompt: 'x' }), member, w.ports);
    expect(w.seen).toEqual([{ reply: 'This form has expired. Run "Make a video" on the message again.' }]);
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
