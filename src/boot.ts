import { existsSync } from 'node:fs';
import { DiscordAPIError, Routes, type REST } from 'discord.js';
import { ConfigError, loadConfig, type Config } from './config';
import type { Logger } from './log';
import { StoreError, type KV } from './store/kv';
import { registerCommands } from './discord/registry';
import { commands } from '../commands';

/**
 * What every entry point (npm start, start:sharded, deploy-commands) does before its own work: read `.env`
 * (real environment variables win), check the config, and say in one line why a start failed.
 */

/** Ends the process with one line for the operator. */
export function exitWith(line: string): never {
  console.error(line);
  process.exit(1);
}

/** The config, or the process ends with the one line naming the variable; `check` adds an entry point's own rule. */
export function bootConfig(check?: (config: Config) => void): Config {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    const config = loadConfig();
    check?.(config);
    return config;
  } catch (err) {
    if (err instanceof ConfigError) exitWith(err.message);
    throw err;
  }
}

/**
 * One line for an operator when the bot cannot start, naming the part that failed; never a token or a password.
 * Store errors are typed and checked first: a Redis refusing connections has the same error codes as an
 * unreachable Discord.
 */
export function startFailure(err: unknown, discordApiUrl: string): string {
  if (err instanceof StoreError) {
    return err.op === 'open' && err.url !== undefined
      ? `Could not open the store at STORE_URL=${err.url} (${err.kind}): ${err.detail}. Check STORE_URL in .env.`
      : `The store (STORE_URL, ${err.kind}) failed during the start: ${err.message}`;
  }
  if (err instanceof DiscordAPIError && err.status === 401) return 'Discord refused DISCORD_TOKEN (401 Unauthorized): check the bot token in .env.';
  if (err instanceof Error && err.name === 'TokenInvalid') return 'Discord refused DISCORD_TOKEN: check the bot token in .env.';
  const code = (err as { code?: string; cause?: { code?: string } })?.cause?.code ?? (err as { code?: string })?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `Could not reach Discord at ${discordApiUrl} (${code}).`;
  return `The bot could not start: ${err instanceof Error ? err.message : String(err)}`;
}

/** Registers every command of `commands/` (in DEV_GUILD_ID when set, else globally); skipped when unchanged unless `force`. */
export async function registerAll(rest: REST, config: Config, logger: Logger, opts: { kv?: KV; force?: boolean } = {}): Promise<'registered' | 'unchanged'> {
  const application = (await rest.get(Routes.currentApplication())) as { id: string };
  return registerCommands({ rest, applicationId: application.id, guildId: config.devGuildId, commands, kv: opts.kv, logger, force: opts.force });
}
