import { ApplicationIntegrationType, type BaseInteraction } from 'discord.js';

/**
 * The guild whose limits apply, or null for the bot default per user: DMs, and servers where the bot runs only
 * as a member's user-installed app (that server's moderators have not installed it and cannot set limits).
 */
export function limitsScope(interaction: BaseInteraction): string | null {
  if (!interaction.guildId) return null;
  return interaction.authorizingIntegrationOwners[ApplicationIntegrationType.GuildInstall] ? interaction.guildId : null;
}
