import { ApplicationIntegrationType, InteractionContextType, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { AppContext } from '../src/interactions/context';
import { actorOf, historyPortsOf } from '../src/interactions/edge';
import type { Actor, HistoryPorts } from '../src/interactions/ports';
import { renderHistory } from '../src/discord/render-history';
import { messagesFor } from '../src/discord/messages';
import { described } from '../src/discord/command-text';

const HISTORY_SHOWN = 10;

/** `/video-history`: docs/commands.md. Everyone, ephemeral; Send again is src/interactions/resend.ts. */
export const data = described(new SlashCommandBuilder(), 'history.description', { shown: HISTORY_SHOWN })
  .setName('video-history')
  .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
  .setIntegrationTypes(ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall);

export async function execute(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<void> {
  await showHistory(actorOf(interaction), historyPortsOf(interaction, ctx));
}

export async function showHistory(actor: Actor, { reply, history, now }: HistoryPorts): Promise<void> {
  // Up to ten record reads: acknowledge first.
  await reply.deferPrivately();
  await reply.edit(renderHistory(await history.recentOfUser(actor.userId, HISTORY_SHOWN), now(), messagesFor(actor.locale)));
}
