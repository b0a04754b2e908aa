import { ApplicationIntegrationType, type APIInteractionDataResolvedGuildMember, type APIInteractionGuildMember, type BaseInteraction, type GuildMember } from 'discord.js';

/**
 * The guild whose limits apply, or null for the bot default per user: DMs, and servers where the bot runs only
 * as a member's user-installed app (that server's moderators have not installed it and cannot set limits).
 */
export function limitsScope(interaction: BaseInteraction): string | null {
  if (!interaction.guildId) return null;
  return interaction.authorizingIntegrationOwners[ApplicationIntegrationType.GuildInstall] ? interaction.guildId : null;
}

/** A guild member as discord.js hands it over: cached (a role manager) or raw from the payload (role ids). */
export type AnyMember = GuildMember | APIInteractionGuildMember | APIInteractionDataResolvedGuildMember | null | undefined;

/**
 * The role ids of a member in `guildId`, for role limits (limits/policy.ts), @everyone (the guild's own id)
 * included either way: discord.js's role cache lists it, the API's `member.roles` does not.
 */
export function roleIdsOf(member: AnyMember, guildId: string | null): string[] {
  if (!guildId || !member) return [];
  const roles = member.roles;
  const ids = Array.isArray(roles) ? roles : [...roles.cache.keys()];
  return [...new Set([guildId, ...ids])];
}

/** The roles that count for the limits: none where the bot default applies (limitsScope null). */
export function memberRoleIds(interaction: BaseInteraction): string[] {
  return roleIdsOf(interaction.member, limitsScope(interaction));
}

/** A thread's parent channel: a thread follows its channel's /video-limits channel rule unless it has its own. */
export function parentChannelId(interaction: BaseInteraction): string | null {
  const channel = interaction.channel;
  return channel?.isThread() ? channel.parentId : null;
}
