import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from './config';
import { startApp, startFailure } from './app';

/** `npm start`: reads `.env` when present (real environment variables win), starts the bot, stops cleanly. */
if (existsSync('.env')) process.loadEnvFile('.env');

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

let app;
try {
  app = await startApp(config);
} catch (err) {
  console.error(startFailure(err, config.discordApiUrl));
  process.exit(1);
}
// A stray rejection is a bug to log, not a reason to drop every job in flight (they would resume, but late).
process.on('unhandledRejection', (err) => app.logger.error({ err }, 'unhandled promise rejection'));
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    app
      .stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        app.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  });
}
