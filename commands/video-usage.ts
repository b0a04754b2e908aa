import { ApplicationIntegrationType, InteractionContextType, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { AppContext } from '../src/interactions/context';
import { describeUsage } from '../src/discord/render-limits';
import { limitsScope } from '../src/interactions/scope';
import { ephemeral } from '../src/discord/outgoing';

/** `/video-usage`: DESIGN.md section 1. Everyone, ephemeral. */
export const data = new SlashCommandBuilder()
  .setName('video-usage')
  .setDescription('Your video usage today, what remains, and when it resets')
  .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
  .setIntegrationTypes(ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall);

export async function execute(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<void> {
  const guildId = limitsScope(interaction);
  const [eff, usage] = await Promise.all([ctx.limits.effective(guildId, interaction.user.id), ctx.limits.usage(guildId, interaction.user.id)]);
  await interaction.reply(ephemeral(describeUsage(eff, usage, ctx.now())));
}
