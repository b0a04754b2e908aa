import { existsSync } from 'node:fs';
import { REST, Routes } from 'discord.js';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './log';
import { commands } from './discord/commands';
import { registerCommands } from './discord/registry';

/** `npm run deploy-commands`: registers the slash commands (in DEV_GUILD_ID when set, else globally), always. */
if (existsSync('.env')) process.loadEnvFile('.env');
try {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, secrets: [config.apimartApiKey, config.discordToken] });
  const rest = new REST({ api: config.discordApiUrl }).setToken(config.discordToken);
  const application = (await rest.get(Routes.currentApplication())) as { id: string };
  await registerCommands({ rest, applicationId: application.id, guildId: config.devGuildId, commands, logger, force: true });
  logger.flush();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `Registering the commands failed: ${(err as Error).message}`);
  process.exit(1);
}
