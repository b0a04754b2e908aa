import { ApplicationIntegrationType, InteractionContextType, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { AppContext } from '../src/interactions/context';
import { describeUsage } from '../src/discord/render-limits';
import { messagesFor } from '../src/discord/messages';
import { described } from '../src/discord/command-text';
import { actorOf, portsOf } from '../src/interactions/edge';
import type { Actor, HandlerPorts } from '../src/interactions/ports';

/** `/video-usage`: docs/commands.md. Everyone, ephemeral. */
export const data = described(new SlashCommandBuilder(), 'usage.description')
  .setName('video-usage')
  .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
  .setIntegrationTypes(ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall);

export async function execute(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<void> {
  await showUsage(actorOf(interaction), portsOf(interaction, ctx));
}

export async function showUsage(actor: Actor, { reply, limits, now }: HandlerPorts): Promise<void> {
  const [eff, usage] = await Promise.all([limits.effective(actor.limitsScope, actor.userId), limits.usage(actor.limitsScope, actor.userId)]);
  await reply.reply(describeUsage(eff, usage, now(), messagesFor(actor.locale)));
}
