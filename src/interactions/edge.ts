import { randomInt } from 'node:crypto';
import { MessageFlags, type ButtonInteraction, type ChatInputCommandInteraction } from 'discord.js';
import { SEED_MAX } from '../models';
import { ephemeral, replyOptions } from '../discord/outgoing';
import type { AppContext } from './context';
import { deferForJob } from './defer';
import { isModerator } from './guards';
import { limitsScope } from './scope';
import type { Actor, HandlerPorts, Reply } from './ports';

/** The discord.js side of the handler ports (./ports.ts): what a core needs, read off a real interaction. */

type Answerable = ChatInputCommandInteraction | ButtonInteraction;

export function actorOf(interaction: Answerable): Actor {
  return {
    userId: interaction.user.id,
    guildId: interaction.guildId,
    moderator: isModerator(interaction),
    limitsScope: limitsScope(interaction),
    locale: interaction.locale,
    guildLocale: interaction.guildLocale,
  };
}

export function discordReply(interaction: Answerable, ctx: AppContext): Reply {
  return {
    deferForJob: () => deferForJob(interaction, ctx),
    deferPrivately: async () => void (await interaction.deferReply({ flags: MessageFlags.Ephemeral })),
    reply: async (text) => void (await interaction.reply(ephemeral(text))),
    edit: async (message) => void (await interaction.editReply(replyOptions(message))),
  };
}

export function portsOf(interaction: Answerable, ctx: AppContext): HandlerPorts {
  return {
    reply: discordReply(interaction, ctx),
    jobs: ctx.jobs,
    limits: ctx.limits,
    probe: ctx.probe,
    refreshImageUrls: ctx.refreshImageUrls,
    newJobId: ctx.newJobId,
    // randomInt's upper bound is exclusive.
    newSeed: () => randomInt(0, SEED_MAX + 1),
    now: ctx.now,
    afterDeferral: ctx.afterDeferral,
    logger: ctx.logger,
  };
}
