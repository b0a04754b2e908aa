import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startFakeApimart, type FakeApimart } from '../fakes/apimart';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord';
import { killAll, spawnBot, type BotProcess } from './bot-process';

/**
 * What the tests that run the bot as its own process (as `npm start` does) share: a fake APIMart and a fake
 * Discord, a scratch directory, the bot's environment, and every bot started, killed after the file's tests
 * (their output checked for secrets by killAll). Set up in beforeAll, so read its fields inside tests only.
 */
export interface BotWorld {
  readonly apimart: FakeApimart;
  readonly discord: FakeDiscord;
  readonly dir: string;
  /** The bot's environment: the fakes, the store, info logs, no cooldown; `extra` on top. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Spawns a bot (src/main.ts unless `entry`), kept to be killed after the file's tests. */
  spawn(env: Record<string, string>, entry?: string): BotProcess;
  /** Spawns a bot with env(extra) and waits for its "bot started". */
  start(extra?: Record<string, string>, timeoutMs?: number): Promise<BotProcess>;
}

export function botWorld(o: {
  name: string;
  /** The store URL, from the scratch directory: SQLite in it by default. */
  store?: (dir: string) => string;
  env?: Record<string, string>;
  discord?: Parameters<typeof startFakeDiscord>[0];
  /** Run before anything is set up; false leaves the world unset (a test file that skips itself). */
  enabled?: () => Promise<boolean>;
}): BotWorld {
  let apimart: FakeApimart | undefined;
  let discord: FakeDiscord | undefined;
  let dir: string | undefined;
  const bots: BotProcess[] = [];
  const need = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the bot world is not set up (read it inside a test)');
    return v;
  };
  beforeAll(async () => {
    if (o.enabled && !(await o.enabled())) return;
    dir = mkdtempSync(join(tmpdir(), `vidu-${o.name}-`));
    apimart = await startFakeApimart();
    discord = await startFakeDiscord(o.discord);
  });
  afterAll(async () => {
    try {
      await killAll(bots);
    } finally {
      await discord?.close();
      await apimart?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });
  const world: BotWorld = {
    get apimart() {
      return need(apimart);
    },
    get discord() {
      return need(discord);
    },
    get dir() {
      return need(dir);
    },
    env: (extra = {}) => ({
      DISCORD_TOKEN: world.discord.botToken,
      APIMART_API_KEY: world.apimart.apiKey,
      APIMART_BASE_URL: world.apimart.url,
      DISCORD_API_URL: world.discord.apiUrl,
      STORE_URL: o.store ? o.store(world.dir) : `sqlite://${join(world.dir, 'bot.sqlite')}`,
      LOG_LEVEL: 'info',
      DEFAULT_COOLDOWN: '0',
      ...o.env,
      ...extra,
    }),
    spawn: (env, entry) => {
      const bot = spawnBot(env, world.dir, entry);
      bots.push(bot);
      return bot;
    },
    start: async (extra, timeoutMs) => {
      const bot = world.spawn(world.env(extra));
      await bot.waitFor('"msg":"bot started"', timeoutMs);
      return bot;
    },
  };
  return world;
}
