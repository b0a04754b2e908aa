import type { Readable } from 'node:stream';

/**
 * Stops reading an undici response body early. undici destroys an unfinished body with a RequestAbortedError
 * ('error' event); without a listener that would surface as an unhandled error.
 */
export function abandon(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}
