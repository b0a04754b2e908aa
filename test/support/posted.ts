import type { Posted } from '../../src/discord/messenger';

/** What a test double of the messenger answers to a write when the test reads nothing of Discord's answer. */
export const UNREAD: Posted = { channelId: null, messageId: null, attachments: [] };
