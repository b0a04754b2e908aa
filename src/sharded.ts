import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { REST, Routes, ShardingManager } from 'discord.js';
import { ConfigError } from './config';
import { createLogger } from './log';
import { openStore } from './store/kv';
import { bootConfig, exitWith, registerAll, startFailure } from './boot';

/**
 * `npm run start:sharded`: one process per shard (discord.js ShardingManager), all sharing one Redis store.
 * `SHARD_IDS` picks this machine's shards when several machines split the bot (README: Sharding).
 */
const config = bootConfig((c) => {
  if (!/^rediss?:\/\//.test(c.storeUrl)) {
    throw new ConfigError('Configuration error: STORE_URL must be redis://host:port for npm run start:sharded (the shards share jobs, limits and the API cap)');
  }
});

const logger = createLogger({ level: config.logLevel, secrets: [config.apimartApiKey, config.discordToken], base: { pid: process.pid, role: 'shard-manager' } });
const rest = new REST({ api: config.discordApiUrl }).setToken(config.discordToken);

// ShardingManager's 'auto' asks discord.com whatever rest.api says (docs/discord.md): ask DISCORD_API_URL instead.
let totalShards: number;
try {
  totalShards = config.shardCount ?? ((await rest.get(Routes.gatewayBot())) as { shards: number }).shards;
  // Commands are registered once here, not by every shard.
  const kv = await openStore(config.storeUrl);
  await registerAll(rest, config, logger, { kv });
  await kv.close();
} catch (err) {
  exitWith(startFailure(err, config.discordApiUrl));
}

const here = dirname(fileURLToPath(import.meta.url));
const tsxLoader = pathToFileURL(resolve(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/loader.mjs')).href;
const manager = new ShardingManager(resolve(here, 'main.ts'), {
  totalShards,
  shardList: config.shardIds ?? 'auto',
  token: config.discordToken,
  execArgv: ['--import', tsxLoader],
  respawn: true,
});
manager.on('shardCreate', (shard) => {
  logger.info({ shard: shard.id, totalShards }, 'shard process started');
  shard.on('death', () => logger.warn({ shard: shard.id }, 'shard process exited'));
});
// Installed before spawning: a stop that arrives while shards are still starting must stop those too.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info('stopping shards');
    // Each child gets SIGTERM and shuts down gracefully (main.ts).
    manager.respawn = false;
    for (const shard of manager.shards.values()) shard.process?.kill('SIGTERM');
    setTimeout(() => process.exit(0), 15_000).unref();
    const running = [...manager.shards.values()].map((s) => s.process).filter((p) => p && p.exitCode === null && p.signalCode === null);
    void Promise.all(running.map((p) => new Promise((r) => p!.once('exit', r)))).then(() => process.exit(0));
  });
}

await manager.spawn({ timeout: 60_000 });
logger.info({ shards: manager.shardList, totalShards }, 'all shards ready');
