import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Notices } from '../src/discord/notices';
import { checkLimits, emptyServerSettings, needsApproval, type LimitValues } from '../src/limits/policy';
import { checkServer } from '../src/limits/budget';
import { BudgetLedger, LimitSettings, UsageLedger } from '../src/limits';
import { LimitsService } from '../src/limits/service';
import { WaitQueue, queueKeyOf } from '../src/jobs/queue';
import { newJob, type NewJob } from '../src/jobs/record';
import { renderCard } from '../src/discord/card';
import { renderApprovalDecided, renderApprovalRequest, wordApprovalReason } from '../src/discord/render-approval';
import { parseButtonId } from '../src/discord/custom-id';
import { en, messagesFor } from '../src/discord/messages';
import { openStore, type KV } from '../src/store/kv';
import { JobRepo } from '../src/jobs/repo';
import { APPROVAL_TIMEOUT_MS, JobService } from '../src/jobs/service';
import { JobMessage } from '../src/discord/job-message';
import { createLogger } from '../src/log';
import type { Messenger } from '../src/discord/messenger';
import type { Clock } from '../src/util/clock';
import { redisAvailable, REDIS_TEST_URL } from './support/redis';
import { buttonsOf, textOf } from './support/card';
import type { Job } from '../src/jobs/record';
import { UNREAD } from './support/posted';
import { jobInput } from './support/job-input';

const renderRunning = (job: Job, now: number) => renderCard([job], { kind: 'running', now });
import { storeForSuite } from './support/store-suite';

const skipRedis = !(await redisAvailable());

/** The pure and store-level parts of the queue and of approval (docs/commands.md, queue and approval). */

const NOW = Date.UTC(2025, 0, 15, 12);
const eff: LimitValues = { dailyVideos: 5, dailySeconds: 100, concurrent: 1, cooldown: 0 };
const usage = { day: '2025-01-15', videos: 1, seconds: 5, active: ['running1'], lastSubmitAt: null };

let kv: KV;
beforeAll(async () => {
  kv = await openStore('memory:');
});
afterAll(async () => {
  await kv.close();
});

describe('checks without the slot', () => {
  it('a full member or server slot is a refusal with the slot counted, and no refusal without it', () => {
    expect(checkLimits(eff, usage, 5, NOW)).toMatchObject({ code: 'concurrent_full' });
    expect(checkLimits(eff, usage, 5, NOW, 'server', 1, false)).toBeUndefined();
    const server = { budget: {}, serverConcurrent: 1 };
    expect(checkServer(server, { daySeconds: 0, monthSeconds: 0, active: ['x'] }, 5, NOW)).toMatchObject({ code: 'server_concurrent_full' });
    expect(checkServer(server, { daySeconds: 0, monthSeconds: 0, active: ['x'] }, 5, NOW, 1, false)).toBeUndefined();
  });

  it('everything else still refuses a request that would wait: a day used up is not waited for', () => {
    expect(checkLimits(eff, { ...usage, videos: 5 }, 5, NOW, 'server', 1, false)).toMatchObject({ code: 'daily_videos_used' });
    expect(checkServer({ budget: { dailySeconds: 10 }, serverConcurrent: 1 }, { daySeconds: 8, monthSeconds: 8, active: ['x'] }, 5, NOW, 1, false)).toMatchObject({ code: 'budget_daily' });
  });
});

describe('slots in the store', () => {
  it('a request that finds the slot full reserves its quota without it; the slot is taken once the first ends', async () => {
    const limits = new LimitsService(eff, new LimitSettings(kv), new UsageLedger(kv, { now: () => NOW }), new BudgetLedger(kv, { now: () => NOW }));
    const who = { guildId: '900000000000000001', userId: '100000000000000001', roleIds: [] };
    const first = await limits.reserve(who, 'first00001', 5, { wait: 'queue' });
    const second = await limits.reserve(who, 'second0001', 5, { wait: 'queue' });
    expect(first).toMatchObject({ ok: true });
    expect(first.ok && first.waits).toBeUndefined();
    expect(second).toMatchObject({ ok: true, waits: { concurrent: 1 } });
    expect((await limits.usage(who.guildId, who.userId)).videos).toBe(2);
    if (!first.ok || !second.ok) throw new Error('unreachable');
    const waiting = { id: 'second0001', guildId: who.guildId, usage: second.usage, wait: { concurrent: 1 } };
    expect(await limits.takeSlots(waiting)).toBe('member_full');
    // The server's slot taken for the try was given back: the server shows only the running job.
    expect((await limits.serverUsage(who.guildId)).active).toEqual(['first00001']);
    await limits.commit({ id: 'first00001', usage: first.usage });
    expect(await limits.takeSlots(waiting)).toBe('taken');
    expect(await limits.takeSlots(waiting)).toBe('taken');
    expect((await limits.usage(who.guildId, who.userId)).active).toEqual(['second0001']);
  });

  it('the line keeps its order, a place once given, and drops what leaves it', async () => {
    const line = new WaitQueue(kv);
    const key = queueKeyOf({ guildId: '900000000000000002', userId: '1' });
    expect(await line.add(key, 'a')).toBe(1);
    expect(await line.add(key, 'b')).toBe(2);
    expect(await line.add(key, 'a')).toBe(1);
    await line.remove(key, ['a']);
    expect(await line.list(key)).toEqual(['b']);
    expect(queueKeyOf({ guildId: null, userId: '7' })).toBe('queue:dm:7');
  });
});

describe('approval thresholds', () => {
  const approval = { aboveSeconds: 8, atResolution: '1080p' as const, channelId: '800000000000000001' };
  it('a request over either threshold needs approval; one at or under both does not', () => {
    expect(needsApproval(approval, { duration: 10, resolution: '720p' })).toEqual({ seconds: 10, aboveSeconds: 8, resolution: '720p', atResolution: '1080p' });
    expect(needsApproval(approval, { duration: 5, resolution: '1080p' })).toBeDefined();
    expect(needsApproval(approval, { duration: 8, resolution: '720p' })).toBeUndefined();
    expect(needsApproval(undefined, { duration: 16, resolution: '1080p' })).toBeUndefined();
    expect(en.approval.over({ seconds: 10, aboveSeconds: 8, resolution: '1080p', atResolution: '1080p' })).toBe('longer than 8 s and at 1080p');
  });

  it('is saved with a channel, and off once no threshold is left', async () => {
    const settings = new LimitSettings(kv);
    const g = '900000000000000003';
    expect((await settings.setServer(g, { approval: { aboveSeconds: 8, channelId: '800000000000000001' } })).after.approval).toEqual({ aboveSeconds: 8, channelId: '800000000000000001' });
    expect((await settings.setServer(g, { approval: { atResolution: '1080p' } })).after.approval).toEqual({ aboveSeconds: 8, atResolution: '1080p', channelId: '800000000000000001' });
    expect((await settings.setServer(g, { approval: { aboveSeconds: null, atResolution: null } })).after.approval).toBeUndefined();
    expect(emptyServerSettings().approval).toBeUndefined();
  });
});

describe('messages', () => {
  const input: NewJob = jobInput({
    id: 'job0000000000001',
    guildId: '900000000000000004',
    channelId: '800000000000000002',
    userId: '100000000000000002',
    tokenExpiresAt: NOW + 900_000,
    request: { model: 'viduq3', prompt: 'a *bear* waves', duration: 10, resolution: '720p', aspect_ratio: '16:9', image_urls: ['https://x/a.png'] },
  });

  it('a waiting job shows its place in line (1st, 2nd, 3rd, 11th, 22nd) and Cancel', () => {
    const place = (n: number) => textOf(renderRunning({ ...newJob({ ...input, wait: { concurrent: 1, place: n } }, NOW, 'waiting') }, NOW)).split('\n')[0];
    expect([1, 2, 3, 4, 11, 12, 13, 22].map(place)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '22nd'].map((p) => `⏸️ **Waiting: ${p} in line**`));
    const shown = renderRunning(newJob({ ...input, wait: { concurrent: 1, place: 1 } }, NOW, 'waiting'), NOW);
    expect(buttonsOf(shown).map((b) => b.label)).toEqual(['Cancel']);
  });

  it('the approval post names the requester, why, carries the job id in Approve / Deny, and loses them once decided', () => {
    const job = newJob({ ...input, approval: { channelId: '800000000000000003', messageId: null, expiresAt: NOW + 86_400_000, by: null } }, NOW, 'awaiting_approval');
    const post = renderApprovalRequest(job, 'longer than 8 s');
    expect(post.text).toContain(`from <@${input.userId}> in <#${input.channelId}> (longer than 8 s)`);
    expect(post.text).toContain('> a \\*bear\\* waves');
    const ids = post.rows[0]!.components.map((b) => ('custom_id' in b ? parseButtonId(b.custom_id) : undefined));
    expect(ids).toEqual([{ action: 'approve', jobId: job.id }, { action: 'deny', jobId: job.id }]);
    expect(renderApprovalDecided({ ...job, state: 'waiting', approval: { ...job.approval!, by: '100000000000000009' } })).toMatchObject({ rows: [] });
    expect(renderApprovalDecided({ ...job, state: 'denied', approval: { ...job.approval!, by: null } }).text).toContain('not decided within 24 hours');
    expect(textOf(renderCard([{ ...job, state: 'denied' }], { kind: 'ended', ending: { kind: 'denied', by: null } }))).toContain('no moderator decided within 24 hours');
    expect(textOf(renderRunning(job, NOW))).toContain(`A moderator decides in <#800000000000000003>`);
  });
});

describe('approval in two languages', () => {
  it("the post and its decided edit are in the server's language; the requester's card in theirs", () => {
    const base = newJob(
      {
        id: 'job0000000000002', shard: 0, guildId: '900000000000000004', channelId: '800000000000000002', userId: '100000000000000002', applicationId: '700000000000000001',
        interactionId: '600000000000000002', interactionToken: 'tok', tokenExpiresAt: NOW + 900_000, replyMessageId: null, attachmentSizeLimit: 10 * 1024 * 1024,
        request: { model: 'viduq3', prompt: 'a bear waves', duration: 10, resolution: '1080p', aspect_ratio: '16:9', image_urls: ['https://x/a.png'] },
        imageNames: ['a.png'], usage: null, rerollOf: null, locale: 'ja',
        approval: { channelId: '800000000000000003', messageId: null, expiresAt: NOW + 86_400_000, by: null, locale: 'de' },
      },
      NOW,
      'awaiting_approval',
    );
    const de = messagesFor(base.approval!.locale);
    const why = wordApprovalReason({ seconds: 10, aboveSeconds: 8, resolution: '1080p', atResolution: '1080p' }, de);
    expect(why).toBe('länger als 8 s und in 1080p');
    const post = renderApprovalRequest(base, why, de);
    expect(post.text).toContain(`**Videoanfrage wartet auf Freigabe** von <@${base.userId}> in <#${base.channelId}> (länger als 8 s und in 1080p)`);
    expect(post.rows[0]!.components.map((b) => ('label' in b ? b.label : undefined))).toEqual(['Freigeben', 'Ablehnen']);
    expect(renderApprovalDecided({ ...base, state: 'denied', approval: { ...base.approval!, by: null } }, de).text).toContain('⛔ Abgelehnt: binnen 24 Stunden nicht entschieden');
    expect(textOf(renderCard([base], { kind: 'running', now: NOW }, {}, messagesFor(base.locale)))).toContain('<#800000000000000003> でモデレーターが判断します。');
  });
});

describe('the approval timeout', () => {
  it('a request not decided within 24 h ends denied, its quota back, its post and message saying so', async () => {
    let now = NOW;
    const timers: { at: number; fn: () => void; on: boolean }[] = [];
    const clock: Clock = {
      now: () => now,
      setTimeout: (fn, ms) => {
        const t = { at: now + ms, fn, on: true };
        timers.push(t);
        return { cancel: () => void (t.on = false) };
      },
      sleep: async () => undefined,
    };
    const edits: { where: string; text: string }[] = [];
    const messenger: Messenger = {
      editOriginal: async (_t, p) => (edits.push({ where: 'reply', text: textOf(p) }), UNREAD),
      editChannelMessage: async (c, _m, p) => (edits.push({ where: `channel ${c}`, text: textOf(p) }), UNREAD),
      sendChannel: async () => UNREAD,
      sendDm: async () => UNREAD,
      refreshAttachmentUrls: async () => new Map(),
      deleteOriginal: async () => undefined,
      deleteChannelMessage: async () => undefined,
    };
    const logger = createLogger({ level: 'silent' });
    const settled: string[] = [];
    const quota = { commit: async (j: { id: string }) => void settled.push(`commit ${j.id}`), release: async (j: { id: string }) => void settled.push(`release ${j.id}`) };
    const apimart = { submit: async () => ({ taskId: 't', status: 'submitted' }), getTask: async () => { throw new Error('no polls expected'); } };
    const jobs = new JobService({ repo: new JobRepo(kv, logger, () => now), apimart, view: new JobMessage({ messenger, download: async () => ({ ok: false, reason: 'x' }) as never, logger, clock, notices: new Notices(kv) }), quota, logger, maxRps: 10, clock, queue: { line: new WaitQueue(kv), slots: { takeSlots: async () => 'taken' as const } } });
    const id = 'timeout000000001';
    const job = await jobs.start(
      jobInput({
        id,
        guildId: '900000000000000005',
        channelId: '800000000000000002',
        userId: '100000000000000002',
        tokenExpiresAt: NOW + 900_000,
        replyMessageId: '500000000000000001',
        request: { model: 'viduq3', prompt: 'pan', duration: 10, resolution: '720p', aspect_ratio: '16:9', image_urls: ['https://x/a.png'] },
        usage: { key: 'usage:g:u', day: '2025-01-15', seconds: 10 },
        wait: { concurrent: 1, place: 1 },
        approval: { channelId: '800000000000000003', messageId: null, expiresAt: NOW + APPROVAL_TIMEOUT_MS, by: null },
      }),
    );
    expect(job.state).toBe('awaiting_approval');
    await jobs.notePost(id, '400000000000000001');
    const advance = async (ms: number) => {
      now += ms;
      for (const t of timers.splice(0)) if (t.on && t.at <= now) t.fn(); else if (t.on) timers.push(t);
      await new Promise((r) => setTimeout(r, 30));
    };
    await advance(60_000);
    expect((await jobs.get(id))!.state).toBe('awaiting_approval');
    await advance(APPROVAL_TIMEOUT_MS);
    await advance(10_000);
    expect((await jobs.get(id))!.state).toBe('denied');
    expect(settled).toEqual([`release ${id}`]);
    expect(edits.find((e) => e.where === 'channel 800000000000000003')?.text).toContain('not decided within 24 hours');
    expect(edits.at(-1)!.text).toContain('no moderator decided within 24 hours');
    expect((await jobs.approve(id, '100000000000000009')).outcome).toBe('decided');
    await jobs.stop();
  });
});

describe.skipIf(skipRedis)('slots shared by two processes on Redis', () => {
  const a = storeForSuite(() => REDIS_TEST_URL, skipRedis);
  const b = storeForSuite(() => REDIS_TEST_URL, skipRedis);

  it('two waiting jobs racing for one freed slot from two connections: exactly one gets it, the line keeps both', async () => {
    const run = `${Date.now()}${Math.floor(Math.random() * 1e6)}`;
    const guildId = `9${run}`.slice(0, 19).padEnd(18, '0');
    const userId = `1${run}`.slice(0, 19).padEnd(18, '1');
    const service = (kv: KV) => new LimitsService({ ...eff, dailyVideos: 100 }, new LimitSettings(kv), new UsageLedger(kv), new BudgetLedger(kv));
    const [one, two] = [service(a.kv), service(b.kv)];
    a.track(one.ledger.usageKey(guildId, userId), one.budget.budgetKey(guildId), `queue:${guildId}`);
    const who = { guildId, userId, roleIds: [] };
    for (let round = 0; round < 5; round++) {
      const ids = [`r${round}run0${run}`, `r${round}wa0${run}`, `r${round}wb0${run}`].map((x) => x.slice(0, 32));
      const running = await one.reserve(who, ids[0]!, 1, { wait: 'queue' });
      const left = await one.reserve(who, ids[1]!, 1, { wait: 'queue' });
      const right = await two.reserve(who, ids[2]!, 1, { wait: 'queue' });
      if (!running.ok || !left.ok || !right.ok) throw new Error('refused');
      expect([running.waits, left.waits, right.waits]).toEqual([undefined, { concurrent: 1 }, { concurrent: 1 }]);
      await Promise.all([new WaitQueue(a.kv).add(`queue:${guildId}`, ids[1]!), new WaitQueue(b.kv).add(`queue:${guildId}`, ids[2]!)]);
      await one.commit({ id: ids[0]!, usage: running.usage });
      const answers = await Promise.all([
        one.takeSlots({ id: ids[1]!, guildId, usage: left.usage, wait: { concurrent: 1 } }),
        two.takeSlots({ id: ids[2]!, guildId, usage: right.usage, wait: { concurrent: 1 } }),
      ]);
      expect(answers.filter((x) => x === 'taken')).toHaveLength(1);
      expect((await one.usage(guildId, userId)).active).toHaveLength(1);
      expect(new Set(await new WaitQueue(a.kv).list(`queue:${guildId}`))).toEqual(new Set([ids[1], ids[2]]));
      // Both end: the slot and the line are empty for the next round.
      await one.commit({ id: ids[1]!, usage: left.usage });
      await two.commit({ id: ids[2]!, usage: right.usage });
      await new WaitQueue(a.kv).remove(`queue:${guildId}`, [ids[1]!, ids[2]!]);
    }
  });
});
