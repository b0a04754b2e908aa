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

/**
 * The one logger factory. Besides path redaction, every line is scrubbed of the literal secrets given:
 * a key that slips into an error message or a provider's echo still never reaches the log.
 */
export function createLogger(opts: { level: string; secrets?: string[]; destination?: DestinationStream; base?: Record<string, unknown> }): Logger {
  const secrets = (opts.secrets ?? []).filter((s) => s.length >= 6);
  const scrub = (line: string) => secrets.reduce((out, s) => out.split(s).join('[REDACTED]'), line);
  return pino(
    {
      level: opts.level,
      base: opts.base ?? { pid: process.pid },
      redact: { paths: REDACT, censor: '[REDACTED]' },
      hooks: secrets.length ? { streamWrite: scrub } : {},
    },
    opts.destination ?? pino.destination(1),
  );
}
