import { randomInt } from 'node:crypto';
import {
  ComponentType,
  MessageFlags,
  type Attachment,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type MessageContextMenuCommandInteraction,
  type ModalSubmitInteraction,
} from 'discord.js';
import { SEED_MAX } from '../models';
import { ephemeral, replyOptions } from '../discord/outgoing';
import type { AttachmentMeta } from '../validation';
import { DEFAULT_UPLOAD_LIMIT } from '../discord/platform';
import type { AppContext } from './context';
import { deferForJob } from './defer';
import type { FormAnswers } from './forms';
import { isModerator } from './guards';
import { limitsScope, memberRoleIds, parentChannelId } from './scope';
import type { Actor, HandlerPorts, HistoryPorts, Reply } from './ports';

/** The discord.js side of the handler ports (./ports.ts): what a core needs, read off a real interaction. */

type Answerable = ChatInputCommandInteraction | ButtonInteraction | MessageContextMenuCommandInteraction | ModalSubmitInteraction;

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

export function attachmentMeta(a: Attachment): AttachmentMeta {
  return { url: a.url, filename: a.name, contentType: a.contentType, size: a.size, width: a.width, height: a.height };
}

export function discordReply(interaction: Answerable, ctx: AppContext): Reply {
  return {
    deferForJob: (opts) => deferForJob(interaction, ctx, opts?.private === true),
    deferPrivately: async () => void (await interaction.deferReply({ flags: MessageFlags.Ephemeral })),
    reply: async (text) => void (await interaction.reply(ephemeral(text))),
    edit: async (message) => void (await interaction.editReply(replyOptions(message))),
    showModal: async (modal) => {
      // Discord takes no form in answer to a form (docs/discord.md); no core asks for one there.
      if (interaction.isModalSubmit()) throw new Error('a modal cannot answer a modal submit');
      await interaction.showModal(modal);
    },
  };
}

/** A submit's answers by field id; a field the form did not have reads as empty. */
export function formAnswers(interaction: ModalSubmitInteraction): FormAnswers {
  const field = (id: string) => interaction.fields.fields.get(id);
  return {
    text: (id) => {
      const f = field(id);
      return f?.type === ComponentType.TextInput ? f.value : null;
    },
    choice: (id) => {
      const f = field(id);
      if (f?.type === ComponentType.RadioGroup) return f.value;
      return f && 'values' in f && f.type === ComponentType.StringSelect ? (f.values[0] ?? null) : null;
    },
    files: (id) => {
      const f = field(id);
      if (f?.type !== ComponentType.FileUpload) return [];
      // In the order the member added them.
      return f.values.map((v) => f.attachments.get(v)).filter((a): a is Attachment => a !== undefined).map(attachmentMeta);
    },
  };
}

export function portsOf(interaction: Answerable, ctx: AppContext): HandlerPorts {
  return {
    reply: discordReply(interaction, ctx),
    jobs: ctx.jobs,
    posts: ctx.posts,
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
    removeJobMessage: ctx.removeJobMessage,
    drafts: ctx.drafts,
  };
}

export function historyPortsOf(interaction: Answerable, ctx: AppContext): HistoryPorts {
  const target = { applicationId: interaction.applicationId, interactionToken: interaction.token };
  return {
    reply: {
      ...discordReply(interaction, ctx),
      uploadLimit: interaction.attachmentSizeLimit || DEFAULT_UPLOAD_LIMIT,
      // The messenger's upload REST: a long timeout and no retry (src/discord/messenger.ts), and no bot token on a webhook call.
      editWithFile: async (message, file) => void (await ctx.messenger.editOriginal(target, message, file ? [file] : [])),
    },
    jobs: ctx.jobs,
    history: ctx.history,
    download: ctx.download,
    dm: async (userId, message, file) => void (await ctx.messenger.sendDm(userId, message, file ? [file] : [])),
    budgetLeft: ctx.budgetLeft,
    now: ctx.now,
    logger: ctx.logger,
  };
}
