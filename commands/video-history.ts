import { ApplicationIntegrationType, InteractionContextType, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { AppContext } from '../src/interactions/context';
import { actorOf, historyPortsOf } from '../src/interactions/edge';
import type { Actor, HistoryPorts } from '../src/interactions/ports';
import { renderHistory } from '../src/discord/render-history';

/** `/video-history`: docs/commands.md. Everyone, ephemeral; Send again is src/interactions/resend.ts. */
export const data = new SlashCommandBuilder()
  .setName('video-history')
  .setDescription('Your last 10 videos, with links, and Send again while the file exists')
  .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
  .setIntegrationTypes(ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall);

const HISTORY_SHOWN = 10;

export async function execute(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<void> {
  await showHistory(actorOf(interaction), historyPortsOf(interaction, ctx));
}

export async function showHistory(actor: Actor, { reply, history, now }: HistoryPorts): Promise<void> {
  // Up to ten record reads: acknowledge first.
  await reply.deferPrivately();
  await reply.edit(renderHistory(await history.recentOfUser(actor.userId, HISTORY_SHOWN), now()));
}
