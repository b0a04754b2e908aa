import { InteractionContextType, PermissionFlagsBits, SlashCommandBuilder, type ChatInputCommandInteraction, type SlashCommandSubcommandBuilder } from 'discord.js';
import type { AppContext } from '../src/interactions/context';
import { DURATION_BOUNDS, MODEL_IDS, RESOLUTIONS, type ModelId, type Resolution } from '../src/models';
import { LIMIT_BOUNDS, type LimitName } from '../src/limits/policy';
import type { LimitsPatch } from '../src/limits/usage';
import { isModerator } from '../src/interactions/guards';
import { describeCaps, describeLimits } from '../src/discord/render-limits';
import { ephemeral } from '../src/discord/outgoing';
import { en } from '../src/discord/messages';

/**
 * `/video-limits`: DESIGN.md section 1. Visible to Manage Server by default; the permission is checked again
 * at run time, because server admins can change who sees the command.
 */

const LIMIT_OPTIONS: { option: string; name: LimitName; description: string }[] = [
  { option: 'daily_videos', name: 'dailyVideos', description: 'Videos per UTC day (0 blocks)' },
  { option: 'daily_seconds', name: 'dailySeconds', description: 'Seconds of video per UTC day' },
  { option: 'concurrent', name: 'concurrent', description: 'Videos generating at once' },
  { option: 'cooldown', name: 'cooldown', description: 'Seconds between two videos' },
];

function withLimitOptions(sub: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  for (const l of LIMIT_OPTIONS) sub.addIntegerOption((o) => o.setName(l.option).setDescription(l.description).setMinValue(LIMIT_BOUNDS[l.name].min).setMaxValue(LIMIT_BOUNDS[l.name].max));
  return sub;
}

export const data = new SlashCommandBuilder()
  .setName('video-limits')
  .setDescription('Moderators: limits on /video for this server and its members')
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .setContexts(InteractionContextType.Guild)
  .addSubcommand((s) => s.setName('show').setDescription('Effective limits and usage today, for the server or one member').addUserOption((o) => o.setName('user').setDescription('A member')))
  .addSubcommand((s) => withLimitOptions(s.setName('user').setDescription("Set a member's own limits").addUserOption((o) => o.setName('user').setDescription('The member').setRequired(true))))
  .addSubcommand((s) =>
    withLimitOptions(s.setName('server').setDescription("Set the server's default limits and caps"))
      .addIntegerOption((o) => o.setName('max_duration').setDescription('Longest video in seconds').setMinValue(DURATION_BOUNDS.min).setMaxValue(DURATION_BOUNDS.max))
      .addStringOption((o) => o.setName('max_resolution').setDescription('Highest resolution').addChoices(...RESOLUTIONS.map((r) => ({ name: r, value: r }))))
      .addStringOption((o) =>
        o
          .setName('models')
          .setDescription('Models members may use')
          .addChoices({ name: 'all', value: 'all' }, ...MODEL_IDS.map((m) => ({ name: `only ${m}`, value: m }))),
      ),
  )
  .addSubcommand((s) => s.setName('reset').setDescription("Clear a member's own limits and today's usage").addUserOption((o) => o.setName('user').setDescription('The member').setRequired(true)));

function limitPatch(interaction: ChatInputCommandInteraction): LimitsPatch {
  const patch: LimitsPatch = {};
  for (const l of LIMIT_OPTIONS) {
    const v = interaction.options.getInteger(l.option);
    if (v !== null) patch[l.name] = v;
  }
  return patch;
}

export async function execute(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<void> {
  // English until the languages issue picks the catalogue by the interaction's locale.
  const m = en.limits;
  const guildId = interaction.guildId;
  if (!guildId) return void (await interaction.reply(ephemeral(m.serversOnly)));
  if (!isModerator(interaction)) return void (await interaction.reply(ephemeral(m.notModerator)));
  const { settings } = ctx.limits;
  const sub = interaction.options.getSubcommand(true);
  const user = interaction.options.getUser('user');
  const now = ctx.now();

  if (sub === 'show') {
    if (user) {
      const [eff, usage] = await Promise.all([ctx.limits.effective(guildId, user.id), ctx.limits.usage(guildId, user.id)]);
      return void (await interaction.reply(ephemeral(describeLimits(m.memberTitle({ userId: user.id }), eff, usage, now))));
    }
    const [eff, caps] = await Promise.all([ctx.limits.serverEffective(guildId), ctx.limits.caps(guildId)]);
    return void (await interaction.reply(ephemeral(`${describeLimits(m.serverTitle, eff, undefined, now)}\n${describeCaps(caps)}`)));
  }

  if (sub === 'user') {
    const patch = limitPatch(interaction);
    if (!Object.keys(patch).length) return void (await interaction.reply(ephemeral(m.noLimitGiven)));
    await settings.setMember(guildId, user!.id, patch);
    const [eff, usage] = await Promise.all([ctx.limits.effective(guildId, user!.id), ctx.limits.usage(guildId, user!.id)]);
    ctx.logger.info({ guildId, moderator: interaction.user.id, member: user!.id, patch }, 'member limits set');
    return void (await interaction.reply(ephemeral(m.saved({ details: describeLimits(m.memberTitle({ userId: user!.id }), eff, usage, now) }))));
  }

  if (sub === 'server') {
    const defaults = limitPatch(interaction);
    const models = interaction.options.getString('models');
    const maxDuration = interaction.options.getInteger('max_duration');
    const maxResolution = interaction.options.getString('max_resolution') as Resolution | null;
    const caps = {
      ...(maxDuration !== null ? { maxDuration } : {}),
      ...(maxResolution !== null ? { maxResolution } : {}),
      ...(models !== null ? { models: models === 'all' ? null : [models as ModelId] } : {}),
    };
    if (!Object.keys(defaults).length && !Object.keys(caps).length) return void (await interaction.reply(ephemeral(m.noValueGiven)));
    const saved = await settings.setServer(guildId, { defaults, caps });
    ctx.logger.info({ guildId, moderator: interaction.user.id, defaults, caps }, 'server limits set');
    const eff = await ctx.limits.serverEffective(guildId);
    return void (await interaction.reply(ephemeral(m.saved({ details: `${describeLimits(m.serverTitle, eff, undefined, now)}\n${describeCaps(saved.caps)}` }))));
  }

  // reset
  await ctx.limits.resetMember(guildId, user!.id);
  ctx.logger.info({ guildId, moderator: interaction.user.id, member: user!.id }, 'member limits reset');
  const [eff, usage] = await Promise.all([ctx.limits.effective(guildId, user!.id), ctx.limits.usage(guildId, user!.id)]);
  await interaction.reply(ephemeral(m.reset({ details: describeLimits(m.memberTitle({ userId: user!.id }), eff, usage, now) })));
}
