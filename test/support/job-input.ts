import type { JobOrigin, NewJob } from '../../src/jobs/record';

/**
 * Where a test's job comes from (the deferral's part of it), with valid ids; a test overrides what it checks.
 * One place, so a field added to the origin is added to every test's jobs at once.
 */
export function jobOrigin(over: Partial<JobOrigin> = {}): JobOrigin {
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
    ...over,
  };
}

/** The parts of a new job a test does not care about: jobOrigin's, and a one-image request. */
export function jobInput(over: Partial<NewJob> & Pick<NewJob, 'id'>): NewJob {
  return {
    ...jobOrigin(),
    request: { model: 'viduq3', prompt: 'wave', image_urls: ['https://cdn.example/a.png'], duration: 5, resolution: '720p', aspect_ratio: '16:9' },
    imageNames: ['a.png'],
    usage: null,
    rerollOf: null,
    ...over,
  };
}
