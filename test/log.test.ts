import { describe, expect, it } from 'vitest';
import { DiscordAPIError } from 'discord.js';
import { capturedLogger } from './support/log-capture';

const TOKEN = `aW50ZXJhY3Rpb246${'Q'.repeat(40)}_-x`;
const APP = '423456789012345678';

describe('log lines never carry an interaction token', () => {
  it('a DiscordAPIError logged whole keeps its route, not the token in it', () => {
    const log = capturedLogger(['the-api-key-123']);
    const url = `http://127.0.0.1:4000/api/v10/webhooks/${APP}/${TOKEN}/messages/%40original`;
    const err = new DiscordAPIError({ message: 'Invalid Webhook Token', code: 50027 }, 50027, 401, 'PATCH', url, { body: { content: 'x' } });
    log.logger.error({ err, reference: 'abcd1234' }, 'interaction handler failed');
    log.logger.warn({ err: new Error(`POST /interactions/523456789012345678/${TOKEN}/callback failed`) }, 'could not tell the user');
    const text = log.text();
    expect(text).not.toContain(TOKEN);
    expect(text).toContain(`/webhooks/${APP}/[REDACTED]/messages/%40original`);
    expect(text).toContain('/interactions/523456789012345678/[REDACTED]/callback');
    expect(text).toContain('"code":50027');
  });

  it('wherever it stands: a job logged deep, a message, with the literal secrets still scrubbed', () => {
    const log = capturedLogger(['the-api-key-123']);
    log.logger.info({ outer: { job: { interactionToken: TOKEN } }, note: `token ${TOKEN} seen`, key: 'the-api-key-123' }, 'debug dump');
    const text = log.text();
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('the-api-key-123');
    expect(text).toContain('"note":"token [REDACTED] seen"');
  });

  it('leaves the rest of a line alone', () => {
    const log = capturedLogger();
    log.logger.info({ route: '/webhooks/123', path: '/channels/1/messages/2' }, 'plain');
    expect(log.text()).toContain('"route":"/webhooks/123","path":"/channels/1/messages/2"');
  });
});
