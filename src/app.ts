import { randomBytes } from 'node:crypto';
import { Client, DiscordAPIError, GatewayIntentBits, Routes } from 'discord.js';
import type { Config } from './config';
import { createLogger, type Logger } from './log';
import type { DestinationStream } from 'pino';
import { openStore, type KV } from './store/kv';
import { ApimartClient, memoryGate, redisGate } from './apimart';
import { createUploadRest, RestMessenger } from './discord/messenger';
import { registerCommands } from './discord/registry';
import { routeInteractions } from './discord/router';
import { buttonHandlers } from './discord/buttons';
import { commands } from './discord/commands';
import { Delivery } from './jobs/delivery';
import { downloadVideo } from './jobs/download';
import { JobRepo } from './jobs/repo';
import { JobService, type JobEvents } from './jobs/service';
import { isFinal } from './jobs/record';
import { LimitsService } from './limits/service';
import { LimitSettings, UsageLedger } from './limits/usage';
import { completeAttachmentSizes } from './validation';
import { systemClock, type Clock } from './util/clock';
import { Semaphore } from './util/semaphore';
import type { AppContext } from './context';
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

/** The shard Discord sends a guild's interactions to; DMs go to shard 0. */
export function shardOfGuild(guildId: string | null, shardCount: number): number {
  return guildId ? Number((BigInt(guildId) >> 22n) % BigInt(shardCount)) : 0;
}

/** One line for an operator when the bot cannot start; never the token itself. */
export function startFailure(err: unknown, discordApiUrl: string): string {
  if (err instanceof DiscordAPIError && err.status === 401) return 'Discord refused DISCORD_TOKEN (401 Unauthorized): check the bot token in .env.';
  if (err instanceof Error && err.name === 'TokenInvalid') return 'Discord refused DISCORD_TOKEN: check the bot token in .env.';
  const code = (err as { code?: string; cause?: { code?: string } })?.cause?.code ?? (err as { code?: string })?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `Could not reach Discord at ${discordApiUrl} (${code}).`;
  if (err instanceof Error && /STORE|sqlite|redis/i.test(err.message)) return `Could not open the store (STORE_URL): ${err.message}`;
  return `The bot could not start: ${err instanceof Error ? err.message : String(err)}`;
}

/** The composition root: builds every service from the config, logs in, resumes this process's jobs. */
export async function startApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const logger = createLogger({ level: config.logLevel, secrets: [config.apimartApiKey, config.discordToken], destination: opts.logDestination });
  const clock = opts.clock ?? systemClock;
  const opened = await openStore(config.storeUrl);
  const kv = opts.wrapStore ? opts.wrapStore(opened) : opened;
  const gate = kv.redis ? redisGate(config.apimartMaxRps, kv.redis) : memoryGate(config.apimartMaxRps);
  // Read at scrape time only, after `jobs` exists.
  const metrics = new Metrics(() => jobs.poller.size);
  const apimart = new ApimartClient({
    baseUrl: config.apimartBaseUrl,
    apiKey: config.apimartApiKey,
    gate,
    logger: logger.child({ component: 'apimart' }),
    observe: (op, seconds, kind) => metrics.observeApi(op, seconds, kind),
  });

  // Under ShardingManager the client takes its shards from SHARDS/SHARD_COUNT, which the manager sets per child.
  const managed = process.env.SHARDING_MANAGER === 'true';
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: { api: config.discordApiUrl },
    ...(!managed && config.shardIds ? { shards: config.shardIds } : {}),
    ...(!managed && config.shardCount ? { shardCount: config.shardCount } : {}),
  });
  client.rest.setToken(config.discordToken);
  const messenger = new RestMessenger(client.rest, createUploadRest(config.discordApiUrl, config.discordToken));
  const repo = new JobRepo(kv, logger);
  const limits = new LimitsService(
    config.defaultLimits,
    new LimitSettings(kv),
    new UsageLedger(kv, {
      isJobActive: async (id) => {
        const job = await repo.get(id);
        return job !== undefined && !isFinal(job.state);
      },
    }),
  );
  const delivery = new Delivery({ messenger, download: (url, max) => downloadVideo(url, max), logger, clock });
  const events: JobEvents = {
    onState: (job) => {
      metrics.onState(job);
      opts.events?.onState?.(job);
    },
    onDelivered: (job, lag) => {
      metrics.onDelivered(job, lag);
      opts.events?.onDelivered?.(job, lag);
    },
  };
  const jobs = new JobService({ repo, apimart, messenger, delivery, quota: limits, logger, maxRps: config.apimartMaxRps, clock, events });

  const ctx: AppContext = {
    logger,
    jobs,
    repo,
    messenger,
    limits,
    probe: (a) => completeAttachmentSizes(a),
    shardOf: (guildId) => shardOfGuild(guildId, client.options.shardCount ?? 1),
    newJobId: () => randomBytes(10).toString('hex'),
    afterDeferral: new Semaphore(AFTER_DEFERRAL_CONCURRENCY),
    now: () => clock.now(),
  };
  routeInteractions(client, ctx, commands, buttonHandlers);
  client.on('error', (err) => logger.error({ err }, 'discord client error'));
  client.on('shardError', (err, shard) => logger.warn({ err: err.message, shard }, 'gateway shard error'));

  // The shard manager registers the commands once for all its children.
  if (opts.registerCommands !== false && !managed) {
    const application = (await client.rest.get(Routes.currentApplication())) as { id: string };
    await registerCommands({ rest: client.rest, applicationId: application.id, guildId: config.devGuildId, commands, kv, logger });
  }
  await client.login(config.discordToken);
  const shards = client.options.shards === 'auto' || client.options.shards === undefined ? [0] : ([] as number[]).concat(client.options.shards);
  const resumed = await jobs.resume(shards);
  const health = config.healthPort
    ? await startHealthServer(config.healthPort, metrics, () => ({ ready: client.isReady(), shards, jobsInFlight: jobs.poller.size }))
    : undefined;
  logger.info({ shards, shardCount: client.options.shardCount, ...resumed, store: kv.kind, healthPort: config.healthPort }, 'bot started');

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
        await jobs.stop();
        await client.destroy();
        await apimart.close();
        await kv.close();
        logger.flush();
      })()),
  };
}
