import { MessageFlags } from 'discord.js';
import type { MessagePayload } from './render';
import { IS_COMPONENTS_V2, type CardPayload } from './card';

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

/** What the bot sends: a plain message (answers, problems) or a job message's card (Components V2). */
export type Outgoing = MessagePayload | CardPayload;

function allowedMentions(m: Outgoing): Mentions {
  return m.ping ? { parse: [], users: [m.ping] } : { parse: [] };
}

/**
 * For raw REST calls (the job message, deliveries): the API's field names. A card carries the Components V2 flag
 * and no `content` (Discord refuses both together, docs/discord.md).
 */
export function apiBody(m: Outgoing) {
  if ('card' in m) return { flags: IS_COMPONENTS_V2, components: [m.card], allowed_mentions: allowedMentions(m) };
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
