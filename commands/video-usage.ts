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

/** The member's own limits and usage where they are, and the server's budget when the server has one. */
export async function showUsage(actor: Actor, { reply, limits, now }: HandlerPorts): Promise<void> {
  const scope = actor.limitsScope;
  const [eff, usage, server] = await Promise.all([
    limits.effective(scope, actor.userId, actor.roleIds),
    limits.usage(scope, actor.userId),
    scope ? Promise.all([limits.server(scope), limits.serverUsage(scope)]) : undefined,
  ]);
  await reply.reply(describeUsage(eff, usage, now(), server && { budget: server[0].budget, usage: server[1] }, messagesFor(actor.locale)));
}
