import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@keyv/redis';
import { errors, startFakeApimart, type FakeApimart, type FakeResponse } from '../fakes/apimart';
import { startFakeDiscord, type FailureSpec, type FakeDiscord, type RecordedCall, type SentInteraction } from '../fakes/discord';
import { spawnBot, type BotProcess } from '../support/bot-process';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { pngHeader } from '../support/images';
import { openStore } from '../../src/store/kv';
import { JobRepo } from '../../src/jobs/repo';
import { UsageLedger } from '../../src/limits/usage';
import { utcDay } from '../../src/limits/policy';
import { createLogger } from '../../src/log';
import { apimartFault, CHAOS, discordFault, discordRoute, findTag, type ApimartFault, type DiscordFault, type Plan } from './plan';
import { classify, customIds, jobIdsIn, messageText, type Observation, type ObservedBot, type ObservedJob, type ObservedSubmit } from './verdict';

/**
 * Runs a chaos plan against the real bot (`src/main.ts` in child processes) and the loopback fakes, then
 * collects what happened. The bot's store is Redis behind a fault proxy; the suite's own reads go to Redis
 * directly. Faults are on from the first job sent until the last job is sent and the last kill is done;
 * then the bot gets time to finish what it can, is stopped with SIGTERM, and the run is observed.
 */

export interface RunOptions {
  redis: { host: string; port: number };
  /** A Redis database nobody else uses: it is emptied before and after the run. */
  db: number;
  /** How long the bot gets, once the faults stop, to bring every job to an end. */
  settleMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
const promptOf = (body: unknown): string =>
  body && typeof body === 'object' && typeof (body as { prompt?: unknown }).prompt === 'string' ? (body as { prompt: string }).prompt : '';
const FLAG_EPHEMERAL = 1 << 6;
/** Longer than the poller's longest overdue interval (15 s) and the backoff after three failed polls (16 s). */
const STILL_MS = 25_000;

function apimartResponse(op: 'submit' | 'poll', f: ApimartFault): FakeResponse {
  switch (f.kind) {
    case '429':
      return errors.rateLimited(f.retryAfterSec);
    case '5xx':
      return f.status === 502 ? errors.badGateway() : { ...errors.serverError(), status: f.status };
    case 'lost':
      return { ...errors.lostResponse(), delayMs: f.afterMs };
    case 'timeout':
    case 'slow':
      return errors.slow(f.ms);
    case 'malformed':
      return op === 'submit' ? errors.garbled() : errors.malformed();
  }
}

/** Faults whose request the provider still handles (a submit among them creates its task). */
const HANDLED: ReadonlySet<ApimartFault['kind']> = new Set(['lost', 'timeout', 'slow', 'malformed']);

async function flushDb(url: string): Promise<void> {
  const redis = createClient({ url });
  await redis.connect();
  await redis.flushDb();
  await redis.quit();
}

interface BotSlot {
  proc: BotProcess;
  index: number;
  killedByUs: boolean;
  stoppedByUs: boolean;
  hungOnStop: boolean;
}

export async function runChaos(plan: Plan, opts: RunOptions): Promise<Observation> {
  const startedAt = Date.now();
  const directUrl = `redis://${opts.redis.host}:${opts.redis.port}/${opts.db}`;
  await flushDb(directUrl);
  const dir = mkdtempSync(join(tmpdir(), 'vidu-chaos-'));
  const faults: Record<string, number> = {};
  const count = (kind: string) => void (faults[kind] = (faults[kind] ?? 0) + 1);
  const attempts = new Map<string, number>();
  const nextAttempt = (key: string) => {
    const n = attempts.get(key) ?? 0;
    attempts.set(key, n + 1);
    return n;
  };
  const byTag = new Map(plan.jobs.map((j) => [j.tag, j]));
  const sent = new Map<string, SentInteraction>();
  const tagByToken = new Map<string, string>();
  const submitsByTag = new Map<string, ObservedSubmit[]>();
  const timers: NodeJS.Timeout[] = [];
  const killsAt: number[] = [];
  const startupMs: number[] = [];
  const events: Observation['events'] = [];
  const note = (what: string) => void events.push({ at: Date.now(), what });
  const bots: BotSlot[] = [];
  let chaos = false;
  const mustMeet: Record<'submit' | 'poll', ApimartFault[]> = {
    submit: [{ kind: '5xx', status: 502 }, { kind: 'malformed' }, { kind: '429', retryAfterSec: 1 }, { kind: 'lost', afterMs: 500 }],
    poll: [{ kind: 'malformed' }, { kind: '429', retryAfterSec: 1 }, { kind: '5xx', status: 503 }, { kind: 'lost', afterMs: 500 }, { kind: 'timeout', ms: CHAOS.hangMs }],
  };
  const unseenFault = (op: 'submit' | 'poll'): ApimartFault | undefined => {
    const i = mustMeet[op].findIndex((f) => !faults[`apimart.${op}.${f.kind}`]);
    return i < 0 ? undefined : mustMeet[op].splice(i, 1)[0];
  };

  let proxy: FaultProxy | undefined;
  let apimart: FakeApimart | undefined;
  let discord: FakeDiscord | undefined;
  try {
    proxy = await startFaultProxy(opts.redis);
    apimart = await startFakeApimart({
      scriptFor: (body) => {
        const job = byTag.get(findTag(promptOf(body)) ?? '');
        return job && { timeline: job.timeline, estimatedTime: job.estimatedTime, videoBytes: job.videoBytes };
      },
      faults: (req) => {
        const tag = findTag(promptOf(req.op === 'submit' ? req.body : req.task?.body));
        const job = byTag.get(tag ?? '');
        if (!tag || !job) return undefined;
        const planned = chaos ? apimartFault(plan.seed, req.op, job, nextAttempt(`${req.op}:${tag}`), (faults['apimart.poll.timeout'] ?? 0) < CHAOS.pollHangs) : undefined;
        // A request the plan leaves clean gets a kind this run has not met yet: how many requests each job makes
        // depends on timing (a landing poll may be a job's only one), and every kind must be met in every run.
        const f = planned ?? (chaos ? unseenFault(req.op) : undefined);
        if (f) count(`apimart.${req.op}.${f.kind}`);
        if (req.op === 'submit') {
          const key = req.headers['idempotency-key'];
          const list = submitsByTag.get(tag) ?? [];
          list.push({ key: typeof key === 'string' ? key : undefined, processed: !f || HANDLED.has(f.kind), fault: f?.kind });
          submitsByTag.set(tag, list);
        }
        return f && apimartResponse(req.op, f);
      },
    });

    // Which job a Discord write is about: by its interaction token, by the reply it edits, else by its text.
    const tagOfCall = (call: RecordedCall): string | undefined => {
      const token = /^\/webhooks\/\d+\/([^/]+)/.exec(call.path)?.[1];
      if (token && tagByToken.has(token)) return tagByToken.get(token);
      const messageId = /^\/channels\/\d+\/messages\/(\d+)$/.exec(call.path)?.[1];
      if (messageId) for (const [tag, s] of sent) if (discord!.originalMessageId(s.id) === messageId) return tag;
      return findTag(JSON.stringify(call.body ?? ''));
    };
    discord = await startFakeDiscord({
      faults: (call): FailureSpec | undefined => {
        const route = chaos ? discordRoute(call.method, call.path) : undefined;
        if (!route) return undefined;
        const tag = tagOfCall(call) ?? 'untagged';
        const uploading = call.files.length > 0;
        const planned = discordFault(plan.seed, route, tag, nextAttempt(`${route}:${tag}`), uploading);
        // As for APIMart: an upload the plan leaves clean meets a 413 while the run has met none. How many uploads
        // a run makes depends on timing (a rush that ends many jobs unconfirmed leaves few), and every kind must be met.
        const f: DiscordFault | undefined = planned ?? (uploading && !faults['discord.413'] ? { kind: '413' } : undefined);
        if (!f) return undefined;
        count(`discord.${f.kind}`);
        if (f.kind === '429') return { status: 429, retryAfter: f.retryAfterSec };
        if (f.kind === '413') return { status: 413, code: 40005 };
        return { status: f.status };
      },
    });
    const fakeDiscord = discord;

    const env: Record<string, string> = {
      DISCORD_TOKEN: discord.botToken,
      APIMART_API_KEY: apimart.apiKey,
      APIMART_BASE_URL: apimart.url,
      DISCORD_API_URL: discord.apiUrl,
      STORE_URL: `redis://127.0.0.1:${proxy.port}/${opts.db}`,
      LOG_LEVEL: 'debug',
      APIMART_MAX_RPS: '50',
      DEFAULT_DAILY_VIDEOS: '1000',
      DEFAULT_DAILY_SECONDS: '100000',
      DEFAULT_CONCURRENT: '100',
      DEFAULT_COOLDOWN: '0',
    };

    // ---- the bot processes -------------------------------------------------------------------------------
    let current: BotSlot | undefined;
    let up = false;
    const upWaiters = new Set<() => void>();
    // Fault loops wait for a running bot, and then a little, so that faults due during a restart do not all
    // land on the first instant of the next process; once the chaos is over they must not wait at all.
    const whenUp = async () => {
      if (up || !chaos) return;
      await new Promise<void>((r) => upWaiters.add(r));
      await sleep(CHAOS.afterStartMs);
    };
    const alive = (s: BotSlot) => s.proc.child.exitCode === null && s.proc.child.signalCode === null;

    const startBot = async (): Promise<BotSlot> => {
      for (let attempt = 0; ; attempt++) {
        const t = Date.now();
        const slot: BotSlot = { proc: spawnBot(env, dir), index: bots.length, killedByUs: false, stoppedByUs: false, hungOnStop: false };
        bots.push(slot);
        const ready = slot.proc.waitFor('"msg":"bot started"', 60_000).then(
          () => true,
          () => false,
        );
        const ok = await Promise.race([ready, slot.proc.exited.then(() => false)]);
        if (ok) {
          note(`bot #${slot.index} started (pid ${slot.proc.child.pid})`);
          startupMs.push(Date.now() - t);
          current = slot;
          up = true;
          for (const w of upWaiters) w();
          upWaiters.clear();
          return slot;
        }
        // A start that failed or hung stays on the record (its slot was not killed by the plan).
        await slot.proc.kill('SIGKILL');
        if (attempt >= 2) throw new Error(`the bot would not start:\n${slot.proc.output().slice(-3000)}`);
      }
    };
    const killBot = async (slot: BotSlot) => {
      up = false;
      if (alive(slot)) {
        slot.killedByUs = true;
        killsAt.push(Date.now());
        note(`bot #${slot.index} killed`);
      }
      await slot.proc.kill('SIGKILL');
      // The next process starts on a working store; the faults resume once it is up.
      proxy!.heal();
    };

    // ---- the plan's events ---------------------------------------------------------------------------------
    const sendJobs = async (t0: number) => {
      for (const job of plan.jobs) {
        await sleep(t0 + job.sendAt - Date.now());
        const a = fakeDiscord.addAttachment({ filename: 'ref.png', contentType: 'image/png', width: 640, height: 480, data: pngHeader(640, 480) });
        const s = fakeDiscord.sendCommand({
          name: 'video',
          options: [
            { name: 'prompt', type: 3, value: job.prompt },
            { name: 'image1', type: 11, value: a.id },
            { name: 'model', type: 3, value: 'viduq3' },
            { name: 'duration', type: 4, value: job.duration },
            { name: 'resolution', type: 3, value: '540p' },
          ],
          attachments: [a],
          guildId: job.dm ? null : undefined,
          user: { id: job.userId },
          attachmentSizeLimit: job.attachmentSizeLimit,
        });
        sent.set(job.tag, s);
        tagByToken.set(s.token, job.tag);
        if (job.expireTokenAfterMs !== undefined) {
          timers.push(
            setTimeout(() => {
              fakeDiscord.expireInteraction(s.id);
              count('discord.token-expired');
            }, job.expireTokenAfterMs),
          );
        }
      }
    };
    const gatewayDrops = async (t0: number) => {
      for (const d of plan.gatewayDrops) {
        await sleep(t0 + d.at - Date.now());
        await whenUp();
        if (!chaos) return;
        fakeDiscord.disconnectShard(0, { code: d.code });
        note(`gateway closed with ${d.code}`);
        count('gateway.drop');
        count(d.code === 4000 ? 'gateway.drop-resume' : 'gateway.drop-reidentify');
      }
    };
    const storeFaults = async () => {
      for (const f of plan.storeFaults) {
        await sleep(f.after);
        await whenUp();
        if (!chaos) return;
        if (f.kind === 'drop') proxy!.drop();
        else if (f.kind === 'stall' || f.kind === 'hang') proxy!.stall(f.ms, { thenReset: f.kind === 'hang' });
        else proxy!.outage(f.ms);
        count(`store.${f.kind}`);
        note(`store ${f.kind}${f.ms ? ` ${f.ms} ms` : ''}`);
      }
    };
    const cancelled = new Set<string>();
    const cancelWatch = setInterval(() => {
      if (!chaos) return;
      for (const job of plan.jobs) {
        const s = sent.get(job.tag);
        if (job.cancelAfterMs === undefined || !s || cancelled.has(job.tag)) continue;
        const replyId = fakeDiscord.originalMessageId(s.id);
        const reply = replyId ? fakeDiscord.messages.get(replyId) : undefined;
        const customId = reply && customIds(reply.components).find((id) => id.startsWith('vidu:cancel:'));
        if (!reply || !customId) continue;
        cancelled.add(job.tag);
        timers.push(
          setTimeout(() => {
            fakeDiscord.sendButton({ customId, messageId: reply.id, user: { id: job.userId } });
            count('cancel.pressed');
          }, job.cancelAfterMs),
        );
      }
    }, 100);
    timers.push(cancelWatch);

    // ---- the run ---------------------------------------------------------------------------------------------
    await startBot();
    const t0 = Date.now();
    chaos = true;
    note('chaos on');
    const sending = sendJobs(t0);
    const background = Promise.all([gatewayDrops(t0), storeFaults()]);
    for (const k of plan.kills) {
      await sleep(k.uptimeMs);
      await killBot(current!);
      await sleep(k.downMs);
      await startBot();
    }
    const lastStart = Date.now();
    await sending;
    await sleep(lastStart + CHAOS.tailMs - Date.now());
    chaos = false;
    note('chaos off');
    proxy.heal();
    // Wake the fault loops so they see the chaos is over.
    for (const w of upWaiters) w();

    // ---- let the bot finish -----------------------------------------------------------------------------------
    const settled = (tag: string): boolean => {
      const s = sent.get(tag)!;
      const i = fakeDiscord.interactions.get(s.id)!;
      if (i.ackType === undefined) return Date.now() - i.sentAt > 8_000;
      const replyId = i.originalMessageId;
      const messages = [...fakeDiscord.messages.values()].filter((m) => !m.deleted && (m.id === replyId || findTag(messageText(m)) === tag));
      return messages.some((m) => !['thinking', 'running'].includes(classify(m)));
    };
    const lastActivity = () => Math.max(fakeDiscord.calls.at(-1)?.at ?? 0, apimart!.requests.at(-1)?.at ?? 0);
    // Done when every job shows an end and nothing moved for 3 s, or when nothing at all moved for longer than
    // any poll interval or backoff the bot can still be in: what has not ended by then will not.
    const settleBy = Date.now() + opts.settleMs;
    while (Date.now() < settleBy) {
      if (current && !alive(current) && !current.killedByUs) await startBot();
      const quiet = Date.now() - lastActivity();
      if ((plan.jobs.every((j) => settled(j.tag)) && quiet > 3_000) || quiet > STILL_MS) break;
      await sleep(250);
    }
    const last = current!;
    last.stoppedByUs = true;
    up = false;
    const stopped = await Promise.race([last.proc.kill('SIGTERM').then(() => true), sleep(20_000).then(() => false)]);
    if (!stopped) {
      last.hungOnStop = true;
      await last.proc.kill('SIGKILL');
    }
    await background;

    // ---- observe ------------------------------------------------------------------------------------------------
    const kv = await openStore(directUrl);
    const repo = new JobRepo(kv, createLogger({ level: 'silent' }));
    const ledger = new UsageLedger(kv);
    const guildId = fakeDiscord.guilds[0]!.id;
    const jobs: ObservedJob[] = [];
    for (const job of plan.jobs) {
      const s = sent.get(job.tag)!;
      const i = fakeDiscord.interactions.get(s.id)!;
      const replyId = i.originalMessageId;
      const messages = [...fakeDiscord.messages.values()]
        .filter((m) => !m.deleted && (m.id === replyId || (findTag(messageText(m)) === job.tag && ((m.flags ?? 0) & FLAG_EPHEMERAL) === 0)))
        .sort((a, b) => (a.id === replyId ? -1 : b.id === replyId ? 1 : 0));
      const calls = fakeDiscord.calls.filter((c) => c.path.includes(s.token) || findTag(JSON.stringify(c.body ?? '')) === job.tag);
      const submits = submitsByTag.get(job.tag) ?? [];
      const jobIds = [
        ...new Set([...messages.flatMap((m) => jobIdsIn(m.components)), ...calls.flatMap((c) => jobIdsIn(c.body?.components)), ...submits.flatMap((x) => (x.key ? [x.key] : []))]),
      ];
      const records: ObservedJob['records'] = {};
      for (const id of jobIds) records[id] = await repo.get(id);
      jobs.push({
        plan: job,
        interactionId: s.id,
        dispatchedAt: i.sentAt,
        acked: i.ackType !== undefined,
        ackedAt: fakeDiscord.calls.find((c) => c.path.startsWith(`/interactions/${s.id}/`) && c.status < 300)?.at,
        messages: messages.map((m) => ({
          id: m.id,
          isReply: m.id === replyId,
          dm: m.guildId === null,
          kind: classify(m),
          videoFiles: m.attachments.filter((a) => a.filename.endsWith('.mp4')).map((a) => a.filename),
          excerpt: messageText(m).replace(/\s+/g, ' ').slice(0, 90),
        })),
        jobIds,
        submits,
        tasks: [...apimart.tasks.values()].filter((t) => findTag(promptOf(t.body)) === job.tag).map((t) => ({ id: t.id, status: apimart!.taskStatus(t.id) })),
        records,
        uploads: calls.filter((c) => c.files.length > 0 && c.status < 300).length,
      });
    }
    const pairs = new Map(plan.jobs.map((j) => [`${j.dm ? 'dm' : guildId}|${j.userId}`, { scope: j.dm ? 'dm' : guildId, userId: j.userId }]));
    const usage: Observation['usage'] = [];
    for (const p of pairs.values()) {
      const snap = await ledger.get(p.scope, p.userId);
      usage.push({ ...p, videos: snap.videos, seconds: snap.seconds });
    }
    await kv.close();
    faults['discord.50027'] = fakeDiscord.calls.filter((c) => c.response?.code === 50027).length;
    const observedBots: ObservedBot[] = bots.map((b) => ({
      index: b.index,
      killedByUs: b.killedByUs,
      stoppedByUs: b.stoppedByUs,
      hungOnStop: b.hungOnStop,
      exitCode: b.proc.child.exitCode,
      signal: b.proc.child.signalCode,
      output: b.proc.output(),
    }));
    return {
      seed: plan.seed,
      jobs,
      killsAt,
      bots: observedBots,
      usage,
      days: [utcDay(startedAt), utcDay(Date.now())],
      secrets: [
        { name: 'the bot token', value: fakeDiscord.botToken },
        { name: 'the API key', value: apimart.apiKey },
        ...[...fakeDiscord.interactions.values()].map((x) => ({ name: 'an interaction token', value: x.token })),
      ],
      faults,
      webhookCallsWithBotToken: fakeDiscord.calls.filter((c) => /^\/(webhooks|interactions)\//.test(c.path) && c.auth?.includes(fakeDiscord.botToken)).length,
      startupMs,
      events,
      durationMs: Date.now() - startedAt,
    };
  } finally {
    chaos = false;
    for (const t of timers) clearTimeout(t);
    await Promise.all(bots.map((b) => b.proc.kill('SIGKILL')));
    await proxy?.close();
    await discord?.close();
    await apimart?.close();
    await flushDb(directUrl).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
