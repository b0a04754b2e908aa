import { REST } from 'discord.js';
import { bootConfig, exitWith, registerAll, startFailure } from './boot';
import { createLogger } from './log';

/** `npm run deploy-commands`: registers the commands (in DEV_GUILD_ID when set, else globally), always. */
const config = bootConfig();
const logger = createLogger({ level: config.logLevel, secrets: [config.apimartApiKey, config.discordToken] });
try {
  await registerAll(new REST({ api: config.discordApiUrl }).setToken(config.discordToken), config, logger, { force: true });
  logger.flush();
} catch (err) {
  exitWith(`Registering the commands failed: ${startFailure(err, config.discordApiUrl)}`);
}
