/** Discord's own numbers and rules that the bot builds on (docs/discord.md). */

/** An interaction token lives 15 minutes from the interaction's creation; then every webhook call is 401/50027. */
export const TOKEN_LIFETIME_MS = 15 * 60 * 1000;

/**
 * 10 MiB: the upload limit of a plain bot-token post (channel messages, DMs), and of an interaction that
 * states none (`attachment_size_limit` absent).
 */
export const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024;

/** The shard Discord sends a guild's interactions to, `(guild_id >> 22) % shard_count`; DMs go to shard 0. */
export function shardOfGuild(guildId: string | null, shardCount: number): number {
  return guildId ? Number((BigInt(guildId) >> 22n) % BigInt(shardCount)) : 0;
}
