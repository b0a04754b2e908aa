import { randomBytes } from 'node:crypto';
import { Client, GatewayIntentBits } from 'discord.js';
import type { Config } from './config';
import { createLogger, type Logger } from './log';
import type { DestinationStream } from 'pino';
import { openStore, type KV } from './store/kv';
import { ApimartClient, memoryGate, redisGate } from './apimart';
import { createUploadRest, RestMessenger } from './discord/messenger';
import { NO_MENTIONS } from './discord/outgoing';
import { DiscordAuditLog } from './discord/audit';
import { registerAll } from './boot';
import { shardOfGuild } from './discord/platform';
import { routeInteractions } from './interactions/router';
import { buttonHandlers, buttonModalHandlers } from './interactions/buttons';
import { MakeVideoDrafts } from './interactions/drafts';
import { PendingReplies } from './interactions/pending';
import { commands } from '../commands';
import * as makeAVideo from '../commands/make-a-video';
import { JobMessage } from './discord/job-message';
import { Notices } from './discord/notices';
import { downloadVideo } from './jobs/download';
import { JobRepo } from './jobs/repo';
import { JobService, type JobEvents } from './jobs/service';
import { isFinal } from './jobs/record';
import { WaitQueue } from './jobs/queue';
import { LimitsService } from './limits/service';
import { UsageLedger } from './limits/usage';
import { LimitSettings } from './limits/settings';
import { BudgetLedger } from './limits/budget';
import { completeAttachmentSizes, createReadHead } from './validation';
import { RefStore } from './refs';
import { createOutboundHttp } from './util/net-guard';
import { systemClock, type Clock } from './util/clock';
import { Semaphore } from './util/semaphore';
import type { AppContext } from './interactions/context';
import { Metrics } from './ops/metrics';
import { startHealthServer } from './ops/health';

export interface App {
  client: Client;
  ctx: AppContext;
  kv: KV;
  logger: Logger;
  /** Stops polling, lets in-flight work and writes finish, closes the store and the gateway. */
  stop(): Promise<void>;
}

export interface AppOptions {
  logDestination?: DestinationStream;
  clock?: Clock;
  events?: JobEvents;
  /** Register slash commands at start (npm start does; tests may skip). */
  registerCommands?: boolean;
  /** Wraps the opened store, for tests that inject store faults. */
  wrapStore?: (kv: KV) => KV;
}

/** Interactions processed at once after their deferral (bench/deferral.ts: bursts of 500 stay far below 3 s). */
const AFTER_DEFERRAL_CONCURRENCY = 8;
/** Reading one image to keep in a saved set (/video-refs save), up to 20 MB. */
const READ_IMAGE_DEADLINE_MS = 60_000;

/** The composition root: builds every service from the config, logs in, resumes this process's jobs. */
export async function startApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const logger = createLogger({ level: config.logLevel, secrets: [config.apimartApiKey, config.discordToken], destination: opts.logDestination });
  const clock = opts.clock ?? systemClock;
  const opened = await openStore(config.storeUrl, {
    onHealthChange: (s) =>
      s.ok ? logger.info({ store: s.kind }, 'store answering again') : logger.error({ store: s.kind, error: s.error }, 'store not answering; commands are refused until it is back'),
  });
  const kv = opts.wrapStore ? opts.wrapStore(opened) : opened;
  // The gate paces real requests on the wall clock, as the provider counts them, not on the app's clock (which
  // tests move by hours to expire tokens).
  const gateOpts = { logger: logger.child({ component: 'gate' }) };
  const gate = kv.redis ? redisGate(config.apimartMaxRps, kv.redis, 'apimart', gateOpts) : memoryGate(config.apimartMaxRps, gateOpts);
  // Read at scrape time only, after `jobs` exists.
  const metrics = new Metrics(() => jobs.poller.size, () => gate.rate());
  const apimart = new ApimartClient({
    baseUrl: config.apimartBaseUrl,
    apiKey: config.apimartApiKey,
    gate,
    now: () => clock.now(),
    logger: logger.child({ component: 'apimart' }),
    observe: (op, seconds, kind) => metrics.observeApi(op, seconds, kind),
  });

  // Under ShardingManager the client takes its shards from SHARDS/SHARD_COUNT, which the manager sets per child.
  const managed = process.env.SHARDING_MANAGER === 'true';
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: { api: config.discordApiUrl },
    // A discord.js call that names no mentions notifies no one (src/discord/outgoing.ts).
    allowedMentions: NO_MENTIONS,
    ...(!managed && config.shardIds ? { shards: config.shardIds } : {}),
    ...(!managed && config.shardCount ? { shardCount: config.shardCount } : {}),
  });
  client.rest.setToken(config.discordToken);
  const messenger = new RestMessenger(client.rest, createUploadRest(config.discordApiUrl, config.discordToken));
  const repo = new JobRepo(kv, logger, () => clock.now());
  const isJobActive = async (id: string) => {
    const job = await repo.get(id);
    return job !== undefined && !isFinal(job.state);
  };
  const limits = new LimitsService(
    config.defaultLimits,
    new LimitSettings(kv),
    new UsageLedger(kv, { now: () => clock.now(), isJobActive }),
    new BudgetLedger(kv, { now: () => clock.now(), isJobActive }),
  );
  // Provider video links and attachment links come from outside: fetched only through the address guard.
  const outbound = createOutboundHttp({ trustedHosts: config.trustedFetchHosts });
  const readHead = createReadHead(outbound);
  // A kept image may be 20 MB: more time than a header's probe.
  const readImage = createReadHead(outbound, READ_IMAGE_DEADLINE_MS);
  const download = (url: string, max: number) => downloadVideo(url, max, { http: outbound });
  const notices = new Notices(kv);
  const view = new JobMessage({ messenger, download, logger, clock, notices });
  const audit = new DiscordAuditLog({ send: (channelId, payload) => messenger.sendChannel(channelId, payload), settings: limits.settings, logger, now: () => clock.now() });
  const events: JobEvents = {
    onState: (job) => {
      metrics.onState(job);
      // A moderator's decision is posted by its button (src/interactions/approval.ts); a timeout has no button.
      if (job.state === 'denied' && job.approval?.by === null && job.guildId) {
        const r = job.request;
        void audit.post(job.guildId, { kind: 'approval', decision: 'denied', moderatorId: null, userId: job.userId, jobId: job.id, request: { model: r.model, duration: r.duration, resolution: r.resolution } }, job.approval?.locale);
      }
      opts.events?.onState?.(job);
    },
    onDelivered: (job, lag) => {
      metrics.onDelivered(job, lag);
      opts.events?.onDelivered?.(job, lag);
    },
  };
  const pending = new PendingReplies(kv, {
    logger,
    now: () => clock.now(),
    editReply: async (target, message) => void (await messenger.editOriginal(target, message)),
    startedBy: (userId, interactionId, since) => repo.startedBy(userId, interactionId, since),
  });
  const jobs = new JobService({ repo, apimart, view, quota: limits, logger, maxRps: config.apimartMaxRps, budget: gate, clock, events, queue: { line: new WaitQueue(kv), slots: limits } });

  const ctx: AppContext = {
    logger,
    jobs,
    limits,
    audit,
    refreshImageUrls: (urls) => messenger.refreshAttachmentUrls(urls),
    refs: new RefStore(kv, { host: apimart, now: () => clock.now(), limits: config.refLimits }),
    readImage,
    probe: (a) =>
      completeAttachmentSizes(a, readHead, (img, err) =>
        logger.warn({ filename: img.filename, err: (err as Error).message }, 'attachment bytes could not be read; the image is refused'),
      ),
    shardOf: (guildId) => shardOfGuild(guildId, client.options.shardCount ?? 1),
    newJobId: () => randomBytes(10).toString('hex'),
    afterDeferral: new Semaphore(AFTER_DEFERRAL_CONCURRENCY),
    now: () => clock.now(),
    removeJobMessage: (job, at) => view.remove(job, at),
    drafts: new MakeVideoDrafts(kv),
    pending,
    notices,
    history: repo,
    download,
    messenger,
    posts: { send: async (channelId, message) => (await messenger.sendChannel(channelId, message)).messageId, showDecided: (job) => view.showDecided(job) },
    budgetLeft: async (guildId) => {
      const [{ budget }, used] = await Promise.all([limits.server(guildId), limits.serverUsage(guildId)]);
      if (budget.dailySeconds === undefined && budget.monthlySeconds === undefined) return undefined;
      const left = (max: number | undefined, spent: number) => (max === undefined ? null : Math.max(0, max - spent));
      return { daily: left(budget.dailySeconds, used.daySeconds), monthly: left(budget.monthlySeconds, used.monthSeconds) };
    },
  };
  routeInteractions(client, ctx, commands, buttonHandlers, { ...buttonModalHandlers, make: makeAVideo.submit });
  client.on('error', (err) => logger.error({ err }, 'discord client error'));
  client.on('shardError', (err, shard) => logger.warn({ err: err.message, shard }, 'gateway shard error'));

  const shards = client.options.shards === 'auto' || client.options.shards === undefined ? [0] : ([] as number[]).concat(client.options.shards);
  let resumed: Awaited<ReturnType<JobService['resume']>>;
  let stranded: Awaited<ReturnType<PendingReplies['answerStranded']>>;
  let health: Awaited<ReturnType<typeof startHealthServer>> | undefined;
  try {
    // The shard manager registers the commands once for all its children.
    if (opts.registerCommands !== false && !managed) {
      await registerAll(client.rest, config, logger, { kv });
    }
    await client.login(config.discordToken);
    resumed = await jobs.resume(shards);
    // After the resume: a reply whose job was written is the job's; only the others are answered here.
    stranded = await pending.answerStranded(shards);
    health = config.healthPort
      ? await startHealthServer(config.healthPort, metrics, () => ({ ready: client.isReady(), shards, jobsInFlight: jobs.poller.size, store: kv.health() }))
      : undefined;
  } catch (err) {
    // A start that fails half-way releases what it opened, and the caller reports the error that stopped it.
    pending.stop();
    for (const release of [() => jobs.stop(), () => client.destroy(), () => apimart.close(), () => outbound.close(), () => kv.close()]) {
      await release().catch((e: unknown) => logger.warn({ err: e }, 'releasing what a failed start opened failed'));
    }
    throw err;
  }
  logger.info({ shards, shardCount: client.options.shardCount, ...resumed, stranded, store: kv.kind, healthPort: config.healthPort }, 'bot started');

  let stopping: Promise<void> | undefined;
  return {
    client,
    ctx,
    kv,
    logger,
    stop: () =>
      (stopping ??= (async () => {
        logger.info('shutting down');
        health?.close();
        pending.stop();
        await jobs.stop();
        await client.destroy();
        await apimart.close();
        await outbound.close();
        // Every write was awaited before this point: a store that fails to close loses nothing.
        await kv.close().catch((err: unknown) => logger.error({ err }, 'closing the store failed'));
        logger.flush();
      })()),
  };
}
