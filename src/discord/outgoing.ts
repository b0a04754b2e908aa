import { MessageFlags } from 'discord.js';
import type { MessagePayload } from './render';

/**
 * The one place a rendered message becomes a request, and so the one place that decides who it may notify.
 * The two ways out read different keys: a raw REST body is the API's JSON, `allowed_mentions`; discord.js's
 * interaction methods read `allowedMentions` and drop anything else. A body without the key it reads gets
 * Discord's default, which notifies every user mentioned, so `@someone` in a prompt would ping them
 * (docs/discord.md). The only notification the bot ever allows is `MessagePayload.ping`: the requester, on the
 * channel fallback.
 */

/** The same shape under either key: no type parsed from the content, at most one user listed. */
type Mentions = { parse: []; users?: [string] };

/** The client's default for a discord.js call that names no mentions: nothing notifies anyone. */
export const NO_MENTIONS: Mentions = { parse: [] };

function allowedMentions(m: MessagePayload): Mentions {
  return m.ping ? { parse: [], users: [m.ping] } : { parse: [] };
}

/** For raw REST calls (the job message, deliveries): the API's field names. */
export function apiBody(m: MessagePayload) {
  return { content: m.text, components: m.rows, allowed_mentions: allowedMentions(m) };
}

/** For discord.js's `reply` / `editReply`. */
export function replyOptions(m: MessagePayload) {
  return { content: m.text, components: m.rows, allowedMentions: allowedMentions(m) };
}

/** A short answer only the presser sees, e.g. to a button or to /video-usage. */
export function ephemeral(text: string) {
  return { ...replyOptions({ text, rows: [] }), flags: MessageFlags.Ephemeral as const };
}
