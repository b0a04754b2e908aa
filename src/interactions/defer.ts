import { MessageFlags, type ButtonInteraction, type ChatInputCommandInteraction, type MessageContextMenuCommandInteraction, type ModalSubmitInteraction } from 'discord.js';
import type { AppContext } from './context';
import type { JobOrigin } from '../jobs/record';
import { DEFAULT_UPLOAD_LIMIT, TOKEN_LIFETIME_MS } from '../discord/platform';

export type { JobOrigin };

/**
 * Acknowledges the interaction (public "thinking…" reply, or ephemeral for a private job) and returns where the
 * job's messages go. Called before any other I/O: Discord allows 3 s. The reply's message id is kept for
 * channel-endpoint fallbacks once the token has expired, so the deferral asks for the callback response.
 */
export async function deferForJob(
  interaction: ChatInputCommandInteraction | ButtonInteraction | MessageContextMenuCommandInteraction | ModalSubmitInteraction,
  ctx: AppContext,
  isPrivate: boolean,
): Promise<JobOrigin> {
  // discord.js types a modal submit's channel as optional; Discord always sends it for one that can have a reply.
  if (interaction.channelId === null) throw new Error('an interaction without a channel cannot start a job');
  const deferred = await interaction.deferReply({ withResponse: true, ...(isPrivate ? { flags: MessageFlags.Ephemeral } : {}) });
  const origin: JobOrigin = {
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
    locale: interaction.locale,
    ...(isPrivate ? { private: true } : {}),
  };
  // From here a restart must not leave the reply "thinking…": marked in the background, removed by the router
  // once the request is answered (./pending.ts).
  ctx.pending.begin(origin);
  return origin;
}
