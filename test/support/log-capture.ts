import { createLogger, type Logger } from '../../src/log';

/** A logger whose lines tests can read, with the same redaction as production. */
export function capturedLogger(secrets: string[] = [], level = 'debug'): { logger: Logger; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const logger = createLogger({ level, secrets, destination: { write: (s: string) => void lines.push(s) } });
  return { logger, lines, text: () => lines.join('') };
}
