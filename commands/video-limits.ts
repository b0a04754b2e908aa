import { InteractionContextType, PermissionFlagsBits, SlashCommandBuilder, type ChatInputCommandInteraction, type SlashCommandSubcommandBuilder } from 'discord.js';
import type { AppContext } from '../src/interactions/context';
import { DURATION_BOUNDS, MODEL_IDS, RESOLUTIONS, type ModelId, type Resolution } from '../src/models';
import { LIMIT_BOUNDS, type Effective, type LimitName, type UsageSnapshot } from '../src/limits/policy';
import type { LimitsPatch } from '../src/limits/usage';
import type { CapsPatch } from '../src/validation';
import { actorOf, portsOf } from '../src/interactions/edge';
import type { Actor, HandlerPorts } from '../src/interactions/ports';
import { describeCaps, describeLimits } from '../src/discord/render-limits';
import { messagesFor } from '../src/discord/messages';
import { choice, described } from '../src/discord/command-text';

/**
 * `/video-limits`: docs/commands.md. Visible to Manage Server by default; the permission is checked again
 * at run time, because server admins can change who sees the command.
 */

/** The limit options, by option name; `text` is the description's key (src/discord/command-text.ts). */
const LIMIT_OPTIONS: { option: string; name: LimitName; text: string }[] = [
  { option: 'daily_videos', name: 'dailyVideos', text: 'limits.dailyVideos' },
  { option: 'daily_seconds', name: 'dailySeconds', text: 'limits.dailySeconds' },
  { option: 'concurrent', name: 'concurrent', text: 'limits.concurrent' },
  { option: 'cooldown', name: 'cooldown', text: 'limits.cooldown' },
];

function withLimitOptions(sub: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  for (const l of LIMIT_OPTIONS) sub.addIntegerOption((o) => described(o.setName(l.option), l.text).setMinValue(LIMIT_BOUNDS[l.name].min).setMaxValue(LIMIT_BOUNDS[l.name].max));
  return sub;
}

export const data = described(new SlashCommandBuilder(), 'limits.description')
  .setName('video-limits')
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .setContexts(InteractionContextType.Guild)
  .addSubcommand((s) => described(s.setName('show'), 'limits.show').addUserOption((o) => described(o.setName('user'), 'limits.showUser')))
  .addSubcommand((s) => withLimitOptions(described(s.setName('user'), 'limits.user').addUserOption((o) => described(o.setName('user'), 'limits.theMember').setRequired(true))))
  .addSubcommand((s) =>
    withLimitOptions(described(s.setName('server'), 'limits.server'))
      .addIntegerOption((o) => described(o.setName('max_duration'), 'limits.maxDuration').setMinValue(DURATION_BOUNDS.min).setMaxValue(DURATION_BOUNDS.max))
      .addStringOption((o) => described(o.setName('max_resolution'), 'limits.maxResolution').addChoices(...RESOLUTIONS.map((r) => ({ name: r, value: r }))))
      .addStringOption((o) => described(o.setName('models'), 'limits.models').addChoices(choice('limits.modelsAll', 'all'), ...MODEL_IDS.map((m) => choice('limits.modelsOnly', m, { model: m })))),
  )
  .addSubcommand((s) => described(s.setName('reset'), 'limits.reset').addUserOption((o) => described(o.setName('user'), 'limits.theMember').setRequired(true)));

/** A /video-limits subcommand with its options, as typed. */
export type LimitsCommand =
  | { sub: 'show'; memberId: string | null }
  | { sub: 'user'; memberId: string; patch: LimitsPatch }
  | { sub: 'server'; defaults: LimitsPatch; caps: CapsPatch }
  | { sub: 'reset'; memberId: string };

function limitPatch(interaction: ChatInputCommandInteraction): LimitsPatch {
  const patch: LimitsPatch = {};
  for (const l of LIMIT_OPTIONS) {
    const v = interaction.options.getInteger(l.option);
    if (v !== null) patch[l.name] = v;
  }
  return patch;
}

function readCommand(interaction: ChatInputCommandInteraction): LimitsCommand {
  const o = interaction.options;
  const sub = o.getSubcommand(true);
  if (sub === 'show') return { sub, memberId: o.getUser('user')?.id ?? null };
  if (sub === 'user') return { sub, memberId: o.getUser('user', true).id, patch: limitPatch(interaction) };
  if (sub === 'reset') return { sub, memberId: o.getUser('user', true).id };
  const models = o.getString('models');
  const maxDuration = o.getInteger('max_duration');
  const maxResolution = o.getString('max_resolution') as Resolution | null;
  const caps = {
    ...(maxDuration !== null ? { maxDuration } : {}),
    ...(maxResolution !== null ? { maxResolution } : {}),
    ...(models !== null ? { models: models === 'all' ? null : [models as ModelId] } : {}),
  };
  return { sub: 'server', defaults: limitPatch(interaction), caps };
}

export async function execute(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<void> {
  await manageLimits(readCommand(interaction), actorOf(interaction), portsOf(interaction, ctx));
}

export async function manageLimits(command: LimitsCommand, actor: Actor, { reply, limits, now: clock, logger }: HandlerPorts): Promise<void> {
  const words = messagesFor(actor.locale);
  const m = words.limits;
  const guildId = actor.guildId;
  if (!guildId) return reply.reply(m.serversOnly);
  if (!actor.moderator) return reply.reply(m.notModerator);
  const { settings } = limits;
  const now = clock();
  const describe = (title: string, eff: Effective, usage: UsageSnapshot | undefined) => describeLimits(title, eff, usage, now, words);
  const memberLimits = (memberId: string) => Promise.all([limits.effective(guildId, memberId), limits.usage(guildId, memberId)]);

  if (command.sub === 'show') {
    if (command.memberId) {
      const [eff, usage] = await memberLimits(command.memberId);
      return reply.reply(describe(m.memberTitle({ userId: command.memberId }), eff, usage));
    }
    const [eff, caps] = await Promise.all([limits.serverEffective(guildId), limits.caps(guildId)]);
    return reply.reply(`${describe(m.serverTitle, eff, undefined)}\n${describeCaps(caps, words)}`);
  }

  if (command.sub === 'user') {
    const { memberId, patch } = command;
    if (!Object.keys(patch).length) return reply.reply(m.noLimitGiven);
    await settings.setMember(guildId, memberId, patch);
    const [eff, usage] = await memberLimits(memberId);
    logger.info({ guildId, moderator: actor.userId, member: memberId, patch }, 'member limits set');
    return reply.reply(m.saved({ details: describe(m.memberTitle({ userId: memberId }), eff, usage) }));
  }

  if (command.sub === 'server') {
    const { defaults, caps } = command;
    if (!Object.keys(defaults).length && !Object.keys(caps).length) return reply.reply(m.noValueGiven);
    const saved = await settings.setServer(guildId, { defaults, caps });
    logger.info({ guildId, moderator: actor.userId, defaults, caps }, 'server limits set');
    const eff = await limits.serverEffective(guildId);
    return reply.reply(m.saved({ details: `${describe(m.serverTitle, eff, undefined)}\n${describeCaps(saved.caps, words)}` }));
  }

  const { memberId } = command;
  await limits.resetMember(guildId, memberId);
  logger.info({ guildId, moderator: actor.userId, member: memberId }, 'member limits reset');
  const [eff, usage] = await memberLimits(memberId);
  await reply.reply(m.reset({ details: describe(m.memberTitle({ userId: memberId }), eff, usage) }));
}
