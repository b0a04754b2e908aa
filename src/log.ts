import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Paths that may carry credentials in anything we log; pino replaces them before serialising. */
const REDACT = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  '*.headers["idempotency-key"]',
  'apiKey',
  '*.apiKey',
  'token',
  '*.token',
  'interactionToken',
  '*.interactionToken',
];

const CENSOR = '[REDACTED]';

/**
 * Interaction tokens are credentials (whoever holds one can post as the bot for 15 minutes), and they travel
 * in URL paths: `/webhooks/<application id>/<token>/...` and `/interactions/<id>/<token>/callback`
 * (docs/discord.md). A `DiscordAPIError` carries its request URL, so an error logged whole would print the
 * token; so would a job logged at a depth the paths above miss. Discord's tokens begin with the base64 of
 * `interaction:`, which catches one outside a URL too.
 */
const TOKEN_PATTERNS: [RegExp, string][] = [
  [/\/(webhooks|interactions)\/(\d+)\/[^/?#\s"'\\]+/g, `/$1/$2/${CENSOR}`],
  [/aW50ZXJhY3Rpb246[A-Za-z0-9_-]+/g, CENSOR],
];

/**
 * Scrubs one serialised log line: the literal secrets given, then anything shaped like an interaction token.
 * Runs on the finished line, so it covers every field, message and nested error alike.
 */
export function scrubber(secrets: readonly string[]): (line: string) => string {
  // Short values would match ordinary words; no credential is that short.
  const literals = secrets.filter((s) => s.length >= 6);
  return (line) => {
    let out = literals.reduce((acc, s) => acc.split(s).join(CENSOR), line);
    for (const [pattern, replacement] of TOKEN_PATTERNS) out = out.replace(pattern, replacement);
    return out;
  };
}

/** The one logger factory: path redaction, then every line scrubbed (see `scrubber`). */
export function createLogger(opts: { level: string; secrets?: string[]; destination?: DestinationStream; base?: Record<string, unknown> }): Logger {
  return pino(
    {
      level: opts.level,
      base: opts.base ?? { pid: process.pid },
      redact: { paths: REDACT, censor: CENSOR },
      hooks: { streamWrite: scrubber(opts.secrets ?? []) },
    },
    opts.destination ?? pino.destination(1),
  );
}
