import { randomInt } from 'node:crypto';
import { MessageFlags, type AutocompleteInteraction, type ButtonInteraction, type ChatInputCommandInteraction } from 'discord.js';
import { SEED_MAX } from '../models';
import { ephemeral, replyOptions } from '../discord/outgoing';
import { DEFAULT_UPLOAD_LIMIT } from '../discord/platform';
import type { AppContext } from './context';
import { deferForJob } from './defer';
import { isModerator } from './guards';
import { limitsScope, memberRoleIds, parentChannelId } from './scope';
import type { Actor, HandlerPorts, HistoryPorts, Reply } from './ports';

/** The discord.js side of the handler ports (./ports.ts): what a core needs, read off a real interaction. */

type Answerable = ChatInputCommandInteraction | ButtonInteraction;

export function actorOf(interaction: Answerable | AutocompleteInteraction): Actor {
  return {
    userId: interaction.user.id,
    guildId: interaction.guildId,
    moderator: isModerator(interaction),
    limitsScope: limitsScope(interaction),
    locale: interaction.locale,
    guildLocale: interaction.guildLocale,
    roleIds: memberRoleIds(interaction),
    channelId: interaction.channelId,
    parentChannelId: parentChannelId(interaction),
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
    audit: ctx.audit,
    probe: ctx.probe,
    refreshImageUrls: ctx.refreshImageUrls,
    refs: ctx.refs,
    readImage: ctx.readImage,
    newJobId: ctx.newJobId,
    // randomInt's upper bound is exclusive.
    newSeed: () => randomInt(0, SEED_MAX + 1),
    now: ctx.now,
    afterDeferral: ctx.afterDeferral,
    logger: ctx.logger,
  };
}

export function historyPortsOf(interaction: Answerable, ctx: AppContext): HistoryPorts {
  const target = { applicationId: interaction.applicationId, interactionToken: interaction.token };
  return {
    reply: {
      ...discordReply(interaction, ctx),
      uploadLimit: interaction.attachmentSizeLimit || DEFAULT_UPLOAD_LIMIT,
      // The messenger's upload REST: a long timeout and no retry (src/discord/messenger.ts), and no bot token on a webhook call.
      editWithFile: (message, file) => ctx.messenger.editOriginal(target, message, file),
    },
    jobs: ctx.jobs,
    history: ctx.history,
    download: ctx.download,
    dm: (userId, message, file) => ctx.messenger.sendDm(userId, message, file),
    budgetLeft: ctx.budgetLeft,
    now: ctx.now,
    logger: ctx.logger,
  };
}
