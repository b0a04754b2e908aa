import { bootConfig, exitWith, startFailure } from './boot';
import { startApp, type App } from './app';

/** `npm start`: one process for this machine's shards; stops cleanly on SIGTERM or Ctrl-C. */
const config = bootConfig();

let app: App | undefined;
let stopRequested = false;
// Installed before the start: a SIGTERM that arrives while the bot is starting (or right after "bot started")
// must still shut it down cleanly, not kill it with Node's default action.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    stopRequested = true;
    if (app) stop(app);
  });
}

function stop(running: App): void {
  running
    .stop()
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      running.logger.error({ err }, 'shutdown failed');
      process.exit(1);
    });
}

try {
  app = await startApp(config);
} catch (err) {
  exitWith(startFailure(err, config.discordApiUrl));
}
const started = app;
// A stray rejection is a bug to log, not a reason to drop every job in flight (they would resume, but late).
process.on('unhandledRejection', (err) => started.logger.error({ err }, 'unhandled promise rejection'));
if (stopRequested) stop(started);
