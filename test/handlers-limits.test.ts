import { afterEach, describe, expect, it } from 'vitest';
import { unused } from './support/unused';
import { openMakeAVideo } from '../commands/make-a-video';
import { requestVideo, type VideoInput } from '../commands/video';
import { manageLimits } from '../commands/video-limits';
import { showUsage } from '../commands/video-usage';
import type { Actor, HandlerPorts } from '../src/interactions/ports';
import { newJob, type NewJob } from '../src/jobs/record';
import { BudgetLedger, LimitSettings, UsageLedger } from '../src/limits';
import { LimitsService } from '../src/limits/service';
import { DiscordAuditLog } from '../src/discord/audit';
import type { MessagePayload } from '../src/discord/render';
import { openStore, type KV } from '../src/store/kv';
import { jobOrigin } from './support/job-input';

/**
 * The /video, /video-limits and /video-usage cores with the real limits (LimitsService on a memory store) and
 * the real audit log over a recording channel post: what a moderator and a member see, what the audit channel
 * gets, and what was reserved or started.
 */

const GUILD = '100000000000000001';
const MOD = '200000000000000009';
const MEMBER = '200000000000000001';
const ROLE_A = '700000000000000001';
const ROLE_B = '700000000000000002';
const VIDEOS = '800000000000000001';
const GENERAL = '800000000000000002';
const AUDIT = '800000000000000003';
const NOW = Date.UTC(2025, 0, 15, 12);

const member: Actor = { userId: MEMBER, guildId: GUILD, moderator: false, limitsScope: GUILD, roleIds: [GUILD], channelId: GENERAL, parentChannelId: null };
const moderator: Actor = { ...member, userId: MOD, moderator: true };

const image = { url: 'https://cdn.discordapp.com/attachments/1/2/cat.png', filename: 'cat.png', contentType: 'image/png', size: 40_000, width: 512, height: 512 };
const video = (duration: number): VideoInput => ({ prompt: 'The cat turns its head', model: null, duration, resolution: null, aspectRatio: null, seed: null, images: [image] });

const origin = jobOrigin({ guildId: GUILD, channelId: GENERAL, userId: MEMBER, interactionToken: 'token', tokenExpiresAt: NOW + 15 * 60_000, replyMessageId: '600000000000000001' });

type Seen = { thinking: 'public' | 'private' } | { reply: string } | { edit: string };

const stores: KV[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((kv) => kv.close()));
});

/** A Discord error as discord.js throws it, by shape (messenger.ts: discordErrorCode). */
const discordError = (status: number, code: number) => Object.assign(new Error(`Discord ${status}/${code}`), { status, code });

async function world(opts: { auditFails?: Error } = {}) {
  const kv = await openStore('memory:');
  stores.push(kv);
  const settings = new LimitSettings(kv);
  const limits = new LimitsService({ dailyVideos: 10, dailySeconds: 600, concurrent: 5, cooldown: 0 }, settings, new UsageLedger(kv, { now: () => NOW }), new BudgetLedger(kv, { now: () => NOW }));
  const seen: Seen[] = [];
  const posts: { channelId: string; payload: MessagePayload }[] = [];
  const sendAttempts: string[] = [];
  const started: NewJob[] = [];
  const warnings: string[] = [];
  let ids = 0;
  const audit = new DiscordAuditLog({
    send: async (channelId, payload) => {
      sendAttempts.push(channelId);
      if (opts.auditFails) throw opts.auditFails;
      posts.push({ channelId, payload });
    },
    settings,
    logger: { warn: (_o: unknown, msg?: string) => void warnings.push(String(msg)) },
    now: () => NOW,
  });
  const ports: HandlerPorts = {
    reply: {
      deferForJob: async () => (seen.push({ thinking: 'public' }), origin),
      deferPrivately: async () => void seen.push({ thinking: 'private' }),
      reply: async (text) => void seen.push({ reply: text }),
      edit: async (message) => void seen.push({ edit: message.text }),
      showModal: async () => {
        throw new Error('a form shown unexpectedly');
      },
    },
    jobs: {
      get: async () => undefined,
      start: async (input) => (started.push(input), newJob(input, NOW)),
      startTakes: async (inputs) => (started.push(...inputs), inputs.map((i) => newJob(i, NOW, 'reserved'))),
      cancel: async () => ({ outcome: 'missing' }),
      approve: async () => ({ outcome: 'missing' }),
      deny: async () => ({ outcome: 'missing' }),
      notePost: async () => undefined,
      claimFinal: async () => false,
      releaseFinal: async () => undefined,
    },
    posts: { send: async () => '1', showDecided: async () => undefined },
    removeJobMessage: unused<HandlerPorts['removeJobMessage']>('deleting a job message'),
    drafts: unused<HandlerPorts['drafts']>('Make a video drafts'),
    limits,
    audit,
    probe: async (a) => a,
    refreshImageUrls: async (urls) => new Map(urls.map((u) => [u, u])),
    refs: unused<HandlerPorts['refs']>('saved sets'),
    readImage: async () => {
      throw new Error('image bytes read unexpectedly');
    },
    newJobId: () => `job${String(++ids).padStart(16, '0')}`,
    newSeed: () => 42,
    now: () => NOW,
    afterDeferral: { run: (task) => task() },
    logger: { info: () => undefined, warn: () => undefined },
  };
  const last = () => {
    const s = seen.at(-1)!;
    return 'reply' in s ? s.reply : 'edit' in s ? s.edit : '';
  };
  const limitsCommand = async (command: Parameters<typeof manageLimits>[0]) => {
    await manageLimits(command, moderator, ports);
    return last();
  };
  return { ports, seen, posts, sendAttempts, started, limits, warnings, last, limitsCommand };
}

describe('/video-limits role', () => {
  it('a member with two roles (2 and 5 videos) gets 5; their override of 1 wins; show names the role', async () => {
    const w = await world();
    await w.limitsCommand({ sub: 'role', roleId: ROLE_A, patch: { dailyVideos: 2 } });
    expect(w.last()).toContain(`Limits of the role <@&${ROLE_A}>`);
    await w.limitsCommand({ sub: 'role', roleId: ROLE_B, patch: { dailyVideos: 5 } });

    const roles = [GUILD, ROLE_A, ROLE_B];
    expect(await w.limitsCommand({ sub: 'show', memberId: MEMBER, memberRoles: roles })).toContain(`Videos per day: **5** (role <@&${ROLE_B}>)`);
    expect(await w.limitsCommand({ sub: 'user', memberId: MEMBER, memberRoles: roles, patch: { dailyVideos: 1 } })).toContain('Videos per day: **1** (member override)');

    // The member's own /video-usage and reservations use the same resolution, from the interaction's roles.
    const withRoles = { ...member, roleIds: roles };
    await showUsage(withRoles, w.ports);
    expect(w.last()).toContain('Videos per day: **1** (member override)');
    await w.limitsCommand({ sub: 'reset', memberId: MEMBER, memberRoles: roles });
    await showUsage(withRoles, w.ports);
    expect(w.last()).toContain(`Videos per day: **5** (role <@&${ROLE_B}>)`);
  });

  it('a role given no value has its limits cleared; the server view lists the roles that have some', async () => {
    const w = await world();
    await w.limitsCommand({ sub: 'role', roleId: ROLE_A, patch: { concurrent: 3 } });
    expect(await w.limitsCommand({ sub: 'show', memberId: null })).toContain(`<@&${ROLE_A}>: Videos at once **3**`);
    expect(await w.limitsCommand({ sub: 'role', roleId: ROLE_A, patch: {} })).toBe(`Cleared: the role <@&${ROLE_A}> has no limits of its own now.`);
    expect(await w.limitsCommand({ sub: 'show', memberId: null })).toContain('no role has limits of its own');
  });
});

describe('/video-limits channel', () => {
  it('/video elsewhere is refused privately, before any "thinking…", naming the channel where it works; nothing is reserved', async () => {
    const w = await world();
    await w.limitsCommand({ sub: 'channel', channelId: VIDEOS, allowed: true });
    w.seen.length = 0;
    await requestVideo(video(5), member, w.ports);
    expect(w.seen).toEqual([{ reply: `Videos are made in <#${VIDEOS}> on this server, not here.` }]);
    expect(w.started).toEqual([]);
    expect(await w.limits.usage(GUILD, MEMBER)).toMatchObject({ videos: 0, seconds: 0 });

    await requestVideo(video(5), { ...member, channelId: VIDEOS }, w.ports);
    expect(w.started).toHaveLength(1);
    // A thread of the allowed channel is allowed too.
    await requestVideo(video(5), { ...member, channelId: '800000000000000099', parentChannelId: VIDEOS }, w.ports);
    expect(w.started).toHaveLength(2);
  });

  it('"Make a video" elsewhere is refused privately, before its form and before anything is kept', async () => {
    const w = await world();
    await w.limitsCommand({ sub: 'channel', channelId: VIDEOS, allowed: true });
    w.seen.length = 0;
    const image = { url: 'https://cdn.discordapp.com/attachments/1/2/cat.png', filename: 'cat.png', contentType: 'image/png', size: 40_000, width: 512, height: 512 };
    // The drafts port is `unused` here: keeping the images would fail the test.
    await openMakeAVideo({ images: [image], total: 1 }, '700000000000000001', member, w.ports);
    expect(w.seen).toEqual([{ reply: `Videos are made in <#${VIDEOS}> on this server, not here.` }]);
  });

  it('a rule that cannot be read before the deferral is checked after it, and a store error there reaches the router', async () => {
    const w = await world();
    await w.limitsCommand({ sub: 'channel', channelId: VIDEOS, allowed: true });
    w.seen.length = 0;
    const server = w.limits.server.bind(w.limits);
    let calls = 0;
    const flaky = { ...w.ports, limits: Object.assign(Object.create(w.limits), { server: (id: string) => (++calls === 1 ? Promise.reject(new Error('store down')) : server(id)) }) };
    await requestVideo(video(5), member, flaky);
    expect(w.seen[0]).toEqual({ thinking: 'public' });
    expect((w.seen[1] as { edit: string }).edit).toContain(`Videos are made in <#${VIDEOS}> on this server, not here.`);
    expect(w.started).toEqual([]);

    const down = new Error('still down');
    const broken = { ...w.ports, limits: Object.assign(Object.create(w.limits), { server: () => Promise.reject(down) }) };
    await expect(requestVideo(video(5), member, broken)).rejects.toBe(down);
    expect(w.started).toEqual([]);
  });

  it('does not apply outside the server’s limits (DMs)', async () => {
    const w = await world();
    await w.limitsCommand({ sub: 'channel', channelId: VIDEOS, allowed: true });
    await requestVideo(video(5), { ...member, guildId: null, limitsScope: null, roleIds: [], channelId: '900000000000000001' }, w.ports);
    expect(w.started).toHaveLength(1);
  });
});

describe('/video-limits budget', () => {
  it('10 s a day: 8 s passes, 5 s more is refused with the numbers and posted to the audit channel; a failed task gives its seconds back', async () => {
    const w = await world();
    await w.limitsCommand({ sub: 'audit', channelId: AUDIT });
    await w.limitsCommand({ sub: 'budget', budget: { dailySeconds: 10 } });
    expect(w.last()).toContain('Today: 0 s used of 10 s, 10 s left');

    await requestVideo(video(8), member, w.ports);
    expect(w.started).toHaveLength(1);
    await requestVideo(video(5), member, w.ports);
    expect(w.started).toHaveLength(1);
    expect(w.last()).toContain('Limit reached');
    expect(w.last()).toContain("This server's daily video budget has 2 s of 10 s left today; this video needs 5 s. It resets <t:");
    expect(w.posts.at(-1)!.payload.text).toBe(`**Budget refusal**: <@${MEMBER}> in <#${GENERAL}> asked for 5 s; 2 s of 10 s left today.`);

    await showUsage(member, w.ports);
    expect(w.last()).toContain("This server's video budget");
    expect(w.last()).toContain('Today: 8 s used of 10 s, 2 s left');

    // The job engine settles a failed task through the QuotaSettler port: its seconds come back.
    await w.limits.release({ id: w.started[0]!.id, usage: w.started[0]!.usage });
    await requestVideo(video(5), member, w.ports);
    expect(w.started).toHaveLength(2);
  });

  it('0 removes a budget; no value asks for one', async () => {
    const w = await world();
    await w.limitsCommand({ sub: 'budget', budget: { dailySeconds: 10, monthlySeconds: 100 } });
    expect(await w.limitsCommand({ sub: 'budget', budget: { dailySeconds: null } })).toContain('(no daily budget)');
    expect(w.last()).toContain('This month: 0 s used of 100 s');
    expect(await w.limitsCommand({ sub: 'budget', budget: {} })).toContain('Give daily_seconds or monthly_seconds');
  });
});

describe('/video-limits server server_concurrent', () => {
  it('is stored and shown; a request over it waits in line for the slot instead of being refused', async () => {
    const w = await world();
    expect(await w.limitsCommand({ sub: 'server', defaults: {}, caps: {}, serverConcurrent: 1 })).toContain('Videos at once in the whole server: **1** (0 generating now)');
    await requestVideo(video(5), member, w.ports);
    await requestVideo(video(5), { ...member, userId: '200000000000000002' }, w.ports);
    expect(w.started.map((j) => j.wait)).toEqual([undefined, { concurrent: expect.any(Number), place: 1 }]);
  });
});

describe('/video-limits audit', () => {
  it('a limit change is posted with who, what, before -> after', async () => {
    const w = await world();
    await w.limitsCommand({ sub: 'audit', channelId: AUDIT });
    expect(w.posts[0]).toMatchObject({ channelId: AUDIT, payload: { text: `**Video limits changed** by <@${MOD}>\n• server · audit channel: not set -> <#${AUDIT}>` } });
    await w.limitsCommand({ sub: 'server', defaults: { dailyVideos: 3 }, caps: {} });
    await w.limitsCommand({ sub: 'server', defaults: { dailyVideos: 4 }, caps: { maxResolution: '720p' } });
    expect(w.posts.at(-1)!.payload.text).toBe(`**Video limits changed** by <@${MOD}>\n• server · videos per day: 3 -> 4\n• server · highest resolution: not set -> 720p`);
    await w.limitsCommand({ sub: 'user', memberId: MEMBER, patch: { cooldown: 60 } });
    expect(w.posts.at(-1)!.payload.text).toBe(`**Video limits changed** by <@${MOD}>\n• <@${MEMBER}> · cooldown: not set -> 60 s`);
    await w.limitsCommand({ sub: 'channel', channelId: VIDEOS, allowed: true });
    expect(w.posts.at(-1)!.payload.text).toContain(`• <#${VIDEOS}> · /video allowed: not set -> yes`);
    await w.limitsCommand({ sub: 'reset', memberId: MEMBER });
    expect(w.posts.at(-1)!.payload.text).toBe(`**Video limits reset** for <@${MEMBER}> by <@${MOD}> (usage today cleared)\n• <@${MEMBER}> · cooldown: 60 s -> not set`);
    // Turning the log off is the last thing it logs.
    await w.limitsCommand({ sub: 'audit', channelId: null });
    expect(w.posts.at(-1)!.payload.text).toContain(`audit channel: <#${AUDIT}> -> not set`);
    const count = w.posts.length;
    await w.limitsCommand({ sub: 'server', defaults: { dailyVideos: 5 }, caps: {} });
    expect(w.posts).toHaveLength(count);
  });

  it("is written in the server's language; each answer is in the language of whoever asked", async () => {
    const w = await world();
    const ja: Actor = { ...moderator, locale: 'ja', guildLocale: 'de' };
    await manageLimits({ sub: 'audit', channelId: AUDIT }, ja, w.ports);
    await manageLimits({ sub: 'budget', budget: { dailySeconds: 4 } }, ja, w.ports);
    expect(w.last()).toMatch(/^保存しました。/);
    expect(w.last()).toContain('今日：4秒中0秒使用、残り4秒。');
    expect(w.posts.at(-1)!.payload.text).toBe(`**Videolimits geändert** von <@${MOD}>\n• Server · Budget pro Tag: nicht gesetzt -> 4 s`);

    await requestVideo(video(5), { ...member, locale: 'fr', guildLocale: 'de' }, w.ports);
    expect(w.last()).toContain('Il reste 4 s sur 4 s au budget vidéo quotidien de ce serveur aujourd’hui ; cette vidéo a besoin de 5 s.');
    expect(w.posts.at(-1)!.payload.text).toBe(`**Abgelehnt wegen Budget**: <@${MEMBER}> in <#${GENERAL}> wollte 5 s; heute sind noch 4 s von 4 s übrig.`);
  });

  it('a channel that refuses the bot (403/50013) is told to the moderator once, in the reply of the change, and not posted to again', async () => {
    const w = await world({ auditFails: discordError(403, 50013) });
    const reply = await w.limitsCommand({ sub: 'audit', channelId: AUDIT });
    expect(reply).toContain(`Audit posts to <#${AUDIT}> have stopped: Discord refused the bot there (403 / 50013`);
    expect(w.warnings.some((m) => m.includes('audit posts stop'))).toBe(true);
    expect(await w.limitsCommand({ sub: 'server', defaults: { dailyVideos: 3 }, caps: {} })).not.toContain('Audit posts');
    expect(w.sendAttempts).toEqual([AUDIT]);
    expect(await w.limitsCommand({ sub: 'show', memberId: null })).toContain(`Audit channel: <#${AUDIT}>`);
  });

  it('a failure found by a budget refusal is told to the next moderator who uses /video-limits', async () => {
    const failing = await world({ auditFails: discordError(403, 50001) });
    await failing.ports.limits.settings.setServer(GUILD, { audit: { channelId: AUDIT }, budget: { dailySeconds: 4 } });
    await requestVideo(video(5), member, failing.ports);
    expect(failing.last()).toContain('Limit reached');
    expect(await failing.limitsCommand({ sub: 'show', memberId: null })).toContain('(403 / 50001');
    expect(await failing.limitsCommand({ sub: 'show', memberId: null })).not.toContain('Audit posts');
  });

  it("a member's retries after a budget refusal are posted once until the budget resets; another member's are news", async () => {
    const w = await world();
    await w.limitsCommand({ sub: 'audit', channelId: AUDIT });
    await w.limitsCommand({ sub: 'budget', budget: { dailySeconds: 4 } });
    const before = w.posts.length;
    await requestVideo(video(5), member, w.ports);
    await requestVideo(video(5), member, w.ports);
    await requestVideo(video(5), { ...member, userId: '200000000000000002' }, w.ports);
    expect(w.posts.slice(before).map((p) => p.payload.text)).toEqual([
      `**Budget refusal**: <@${MEMBER}> in <#${GENERAL}> asked for 5 s; 4 s of 4 s left today.`,
      `**Budget refusal**: <@200000000000000002> in <#${GENERAL}> asked for 5 s; 4 s of 4 s left today.`,
    ]);
  });

  it('a passing error (a 500) loses that post only', async () => {
    const w = await world({ auditFails: discordError(500, 0) });
    await w.limitsCommand({ sub: 'audit', channelId: AUDIT });
    await w.limitsCommand({ sub: 'server', defaults: { dailyVideos: 3 }, caps: {} });
    expect(w.sendAttempts).toEqual([AUDIT, AUDIT]);
    expect(w.last()).not.toContain('Audit posts');
  });
});

describe('the audit log is best effort', () => {
  it('a store that fails under it loses the post, never the answer already given', async () => {
    const warnings: string[] = [];
    const down = () => Promise.reject(new Error('store down'));
    const log = new DiscordAuditLog({
      send: async () => undefined,
      settings: { getServer: down, auditFailed: down, takeAuditFailure: down },
      logger: { warn: (_o: unknown, msg?: string) => void warnings.push(String(msg)) },
      now: () => NOW,
    });
    await expect(log.post(GUILD, { kind: 'limits_changed', moderatorId: MOD, changes: [] })).resolves.toBeUndefined();
    await expect(log.takeFailure(GUILD)).resolves.toBeUndefined();
    expect(warnings).toEqual(['audit post failed; this one is lost', 'the audit channel state could not be read; a failure is told next time']);
  });
});
