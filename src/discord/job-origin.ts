import { ApplicationIntegrationType, type BaseInteraction, type ButtonInteraction, type ChatInputCommandInteraction } from 'discord.js';
import type { AppContext } from '../context';
import type { NewJob } from '../jobs/record';

/** Discord's interaction tokens live 15 minutes from the interaction's creation. */
export const TOKEN_LIFETIME_MS = 15 * 60 * 1000;
/** Upload limit when Discord does not state one for the interaction. */
export const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024;

export type JobOrigin = Pick<
  NewJob,
  'shard' | 'guildId' | 'channelId' | 'userId' | 'applicationId' | 'interactionId' | 'interactionToken' | 'tokenExpiresAt' | 'replyMessageId' | 'attachmentSizeLimit'
>;

/**
 * Acknowledges the interaction (public "thinking…" reply) and returns where the job's messages go. Called
 * before any other I/O: Discord allows 3 s. The reply's message id is kept for channel-endpoint fallbacks
 * once the token has expired, so the deferral asks for the callback response.
 */
export async function deferForJob(interaction: ChatInputCommandInteraction | ButtonInteraction, ctx: AppContext): Promise<JobOrigin> {
  const deferred = await interaction.deferReply({ withResponse: true });
  return {
    shard: ctx.shardOf(interaction.guildId),
    guildId: interaction.guildId,
    channelId: interaction.channelId,
    userId: interaction.user.id,
    applicationId: interaction.applicationId,
    interactionId: interaction.id,
    interactionToken: interaction.token,
    tokenExpiresAt: interaction.createdTimestamp + TOKEN_LIFETIME_MS,
    replyMessageId: deferred.resource?.message?.id ?? deferred.interaction.responseMessageId ?? null,
    attachmentSizeLimit: interaction.attachmentSizeLimit || DEFAULT_UPLOAD_LIMIT,
  };
}

/**
 * The guild whose limits apply, or null for the bot default per user: DMs, and servers where the bot runs only
 * as a member's user-installed app (that server's moderators have not installed it and cannot set limits).
 */
export function limitsGuildOf(interaction: BaseInteraction): string | null {
  if (!interaction.guildId) return null;
  return interaction.authorizingIntegrationOwners[ApplicationIntegrationType.GuildInstall] ? interaction.guildId : null;
}
