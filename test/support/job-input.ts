import type { NewJob } from '../../src/jobs/record';

/**
 * The parts of a new job a test does not care about, with valid ids and a one-image request; a test overrides
 * what it checks. One place, so a field added to the record is added to every test's jobs at once.
 */
export function jobInput(over: Partial<NewJob> & Pick<NewJob, 'id'>): NewJob {
  return {
    shard: 0,
    guildId: '123456789012345678',
    channelId: '223456789012345678',
    userId: '323456789012345678',
    applicationId: '423456789012345678',
    interactionId: '523456789012345678',
    interactionToken: 'tok',
    tokenExpiresAt: 0,
    replyMessageId: null,
    attachmentSizeLimit: 10_485_760,
    request: { model: 'viduq3', prompt: 'wave', image_urls: ['https://cdn.example/a.png'], duration: 5, resolution: '720p', aspect_ratio: '16:9' },
    imageNames: ['a.png'],
    usage: null,
    rerollOf: null,
    ...over,
  };
}
