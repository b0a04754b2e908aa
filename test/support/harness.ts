import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config';
import { startApp, type App, type AppOptions } from '../../src/app';
import type { Job } from '../../src/jobs/record';
import { startFakeApimart, type FakeApimart, type FakeApimartOptions } from '../fakes/apimart';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord';
import type { FakeAttachment, StartOptions } from '../fakes/discord/types';
import { capturedLogger } from './log-capture';
import { pngHeader } from './images';
import { assertNoSecrets } from './secrets';

export interface ImageSpec {
  filename?: string;
  /** null: Discord's metadata carries no content type. */
  contentType?: string | null;
  /** The file's bytes (default: a PNG header of width x height). */
  data?: Buffer;
  width?: number;
  height?: number;
  /** Leave width/height out of Discord's metadata, so the bot must probe the bytes. */
  noDimensions?: boolean;
  /** Declared size in bytes (Discord's `size`). */
  size?: number;
}

export interface VideoOptions {
  prompt?: string;
  images?: ImageSpec[];
  model?: string;
  duration?: number;
  resolution?: string;
  aspect_ratio?: string;
  seed?: number;
  /** Additions (DESIGN.md section 1), sent only when given. */
  variations?: number;
  preview?: boolean;
  refs?: string;
  private?: boolean;
  guildId?: string | null;
  channelId?: string;
  /** The member's roles (ids from `discord.addRole`). */
  roles?: string[];
  /** The member's Discord client language (interaction.locale; the fake's default is en-US). */
  locale?: string;
  user?: { id: string };
  createdAt?: number;
  attachmentSizeLimit?: number;
  memberPermissions?: string;
}

export interface Harness {
  apimart: FakeApimart;
  discord: FakeDiscord;
  app: App;
  config: Config;
  logs: () => string;
  storeUrl: string;
  /** Runs /video through the fake gateway; returns the interaction. */
  video(opts?: VideoOptions): ReturnType<FakeDiscord['sendCommand']>;
  /** The latest state of every job the bot reported (JobEvents.onState), by job id. */
  jobs: Map<string, Job>;
  /** Waits until the job started by `interactionId` reaches `state`. */
  waitForState(interactionId: string, state: Job['state'] | Job['state'][], timeoutMs?: number): Promise<Job>;
  /** The `count` takes (`variations`) started by `interactionId`, in take order, once each is in one of `states`. */
  waitForTakes(interactionId: string, count: number, states: Job['state'][], timeoutMs?: number): Promise<Job[]>;
  restart(opts?: AppOptions): Promise<void>;
  /** Stops everything, then fails if the bot logged the bot token, the API key or any interaction token. */
  close(): Promise<void>;
}

export const USER = { id: '111111111111111111' };

export async function startHarness(
  opts: { discord?: StartOptions; apimart?: FakeApimartOptions; env?: Record<string, string>; app?: AppOptions; storeUrl?: string } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'vidu-e2e-'));
  const apimart = await startFakeApimart(opts.apimart);
  const discord = await startFakeDiscord(opts.discord);
  const storeUrl = opts.storeUrl ?? `sqlite://${join(dir, 'bot.sqlite')}`;
  const config = loadConfig({
    DISCORD_TOKEN: discord.botToken,
    APIMART_API_KEY: apimart.apiKey,
    APIMART_BASE_URL: apimart.url,
    DISCORD_API_URL: discord.apiUrl,
    STORE_URL: storeUrl,
    LOG_LEVEL: 'debug',
    APIMART_MAX_RPS: '50',
    DEFAULT_DAILY_VIDEOS: '100',
    DEFAULT_DAILY_SECONDS: '10000',
    DEFAULT_CONCURRENT: '20',
    DEFAULT_COOLDOWN: '0',
    ...opts.env,
  });
  const log = capturedLogger();
  const jobs = new Map<string, Job>();
  const startOpts = (o?: AppOptions): AppOptions => ({
    logDestination: { write: (s: string) => void log.lines.push(s) },
    events: { onState: (job) => void jobs.set(job.id, job) },
    ...opts.app,
    ...o,
  });
  let app = await startApp(config, startOpts());

  const h: Harness = {
    apimart,
    discord,
    get app() {
      return app;
    },
    config,
    storeUrl,
    logs: log.text,
    video(v: VideoOptions = {}) {
      const specs = v.images ?? [{}];
      const attachments: FakeAttachment[] = specs.map((s, i) => {
        const width = s.width ?? 1024;
        const height = s.height ?? 768;
        const a = discord.addAttachment({
          filename: s.filename ?? `ref${i + 1}.png`,
          ...(s.contentType === null ? {} : { contentType: s.contentType ?? 'image/png' }),
          ...(s.noDimensions ? {} : { width, height }),
          data: s.data ?? pngHeader(width, height),
        });
        if (s.size !== undefined) a.size = s.size;
        return a;
      });
      const options: { name: string; type: number; value: string | number | boolean }[] = [{ name: 'prompt', type: 3, value: v.prompt ?? 'the bear waves at the camera, slow dolly in' }];
      attachments.forEach((a, i) => options.push({ name: `image${i + 1}`, type: 11, value: a.id }));
      for (const [name, type] of [['model', 3], ['duration', 4], ['resolution', 3], ['aspect_ratio', 3], ['seed', 4], ['variations', 4], ['preview', 5], ['refs', 3], ['private', 5]] as const) {
        const value = v[name];
        if (value !== undefined) options.push({ name, type, value });
      }
      return discord.sendCommand({
        name: 'video',
        options,
        attachments,
        guildId: v.guildId,
        channelId: v.channelId,
        roles: v.roles,
        locale: v.locale,
        user: v.user ?? USER,
        createdAt: v.createdAt,
        attachmentSizeLimit: v.attachmentSizeLimit,
        memberPermissions: v.memberPermissions,
      });
    },
    jobs,
    async waitForState(interactionId, state, timeoutMs = 20_000) {
      const wanted = ([] as string[]).concat(state);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const job = [...jobs.values()].find((j) => j.interactionId === interactionId);
        if (job && wanted.includes(job.state)) return job;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${wanted.join('/')}; job is ${job?.state ?? 'absent'}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async waitForTakes(interactionId, count, states, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const takes = [...jobs.values()].filter((j) => j.interactionId === interactionId).sort((a, b) => (a.group?.index ?? 0) - (b.group?.index ?? 0));
        if (takes.length === count && takes.every((t) => states.includes(t.state))) return takes;
        if (Date.now() > deadline) throw new Error(`timed out: takes are ${takes.map((t) => t.state).join(', ') || 'absent'}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async restart(o) {
      await app.stop();
      app = await startApp(config, startOpts(o));
    },
    async close() {
      try {
        await app.stop();
      } finally {
        await discord.close();
        await apimart.close();
        rmSync(dir, { recursive: true, force: true });
      }
      assertNoSecrets(
        log.text(),
        [
          { name: 'bot token', value: discord.botToken },
          { name: 'APIMart key', value: apimart.apiKey },
          ...discord.interactionTokens().map((value) => ({ name: 'interaction token', value })),
        ],
        'the bot',
      );
      // Every body the bot sent must agree with Discord's published spec (test/fakes/discord/spec.ts).
      const specErrors = discord.specErrors();
      if (specErrors.length > 0) {
        throw new Error(`the bot sent request bodies Discord's spec refuses:\n${specErrors.map((f) => `${f.route} ${f.path}: ${f.message}`).join('\n')}`);
      }
    },
  };
  return h;
}

