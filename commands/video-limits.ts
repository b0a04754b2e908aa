import { ChannelType, InteractionContextType, PermissionFlagsBits, SlashCommandBuilder, type ChatInputCommandInteraction, type SlashCommandSubcommandBuilder } from 'discord.js';
import type { AppContext } from '../src/interactions/context';
import { DURATION_BOUNDS, MODEL_IDS, RESOLUTIONS, type ModelId, type Resolution } from '../src/models';
import { BUDGET_BOUNDS, LIMIT_BOUNDS, SERVER_CONCURRENT_BOUNDS, type LimitName } from '../src/limits/policy';
import type { LimitsPatch, ServerSettingsPatch } from '../src/limits/settings';
import { memberChanges, serverChanges, type AuditChange } from '../src/limits/audit';
import type { CapsPatch } from '../src/validation';
import { actorOf, portsOf } from '../src/interactions/edge';
import { limitsScope, roleIdsOf } from '../src/interactions/scope';
import type { Actor, HandlerPorts } from '../src/interactions/ports';
import { describeCaps, describeLimits, describeRole, describeServerSettings } from '../src/discord/render-limits';
import { en } from '../src/discord/messages';
import { clip } from '../src/util/clip';

/**
 * `/video-limits`: docs/commands.md. Visible to Manage Server by default; the permission is checked again
 * at run time, because server admins can change who sees the command. Every change is posted to the audit
 * channel when one is set (src/discord/audit.ts).
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

/** Channels a member can run /video in (threads follow their parent's rule). */
const VIDEO_CHANNEL_TYPES = [ChannelType.GuildText, ChannelType.GuildAnnouncement, ChannelType.GuildVoice, ChannelType.GuildStageVoice, ChannelType.GuildForum] as const;

/** Discord's limit on a message's content. */
const CONTENT_MAX = 2000;

export const data = new SlashCommandBuilder()
  .setName('video-limits')
  .setDescription('Moderators: limits on /video for this server and its members')
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .setContexts(InteractionContextType.Guild)
  .addSubcommand((s) => s.setName('show').setDescription('Effective limits and usage today, for the server or one member').addUserOption((o) => o.setName('user').setDescription('A member')))
  .addSubcommand((s) => withLimitOptions(s.setName('user').setDescription("Set a member's own limits").addUserOption((o) => o.setName('user').setDescription('The member').setRequired(true))))
  .addSubcommand((s) =>
    withLimitOptions(s.setName('server').setDescription("Set the server's default limits and caps"))
      .addIntegerOption((o) =>
        o.setName('server_concurrent').setDescription('Videos generating at once in the whole server (0: no limit)').setMinValue(SERVER_CONCURRENT_BOUNDS.min).setMaxValue(SERVER_CONCURRENT_BOUNDS.max),
      )
      .addIntegerOption((o) => o.setName('max_duration').setDescription('Longest video in seconds').setMinValue(DURATION_BOUNDS.min).setMaxValue(DURATION_BOUNDS.max))
      .addStringOption((o) => o.setName('max_resolution').setDescription('Highest resolution').addChoices(...RESOLUTIONS.map((r) => ({ name: r, value: r }))))
      .addStringOption((o) =>
        o
          .setName('models')
          .setDescription('Models members may use')
          .addChoices({ name: 'all', value: 'all' }, ...MODEL_IDS.map((m) => ({ name: `only ${m}`, value: m }))),
      ),
  )
  .addSubcommand((s) => s.setName('reset').setDescription("Clear a member's own limits and today's usage").addUserOption((o) => o.setName('user').setDescription('The member').setRequired(true)))
  .addSubcommand((s) =>
    withLimitOptions(
      s
        .setName('role')
        .setDescription("Set a role's limits (members get their most generous role's); no value clears them")
        .addRoleOption((o) => o.setName('role').setDescription('The role').setRequired(true)),
    ),
  )
  .addSubcommand((s) =>
    s
      .setName('channel')
      .setDescription('Allow or forbid /video in a channel (none set: everywhere)')
      .addChannelOption((o) => o.setName('channel').setDescription('The channel').setRequired(true).addChannelTypes(...VIDEO_CHANNEL_TYPES))
      .addBooleanOption((o) => o.setName('allowed').setDescription('Whether /video may run there').setRequired(true)),
  )
  .addSubcommand((s) =>
    s
      .setName('budget')
      .setDescription("The server's video seconds per UTC day and per UTC month (0 removes)")
      .addIntegerOption((o) => o.setName('daily_seconds').setDescription('Video seconds per UTC day, whole server (0: no daily budget)').setMinValue(BUDGET_BOUNDS.dailySeconds.min).setMaxValue(BUDGET_BOUNDS.dailySeconds.max))
      .addIntegerOption((o) => o.setName('monthly_seconds').setDescription('Video seconds per UTC month, whole server (0: no monthly budget)').setMinValue(BUDGET_BOUNDS.monthlySeconds.min).setMaxValue(BUDGET_BOUNDS.monthlySeconds.max)),
  )
  .addSubcommand((s) =>
    s
      .setName('approval')
      .setDescription('Requests over a threshold wait for a moderator to approve or deny them')
      .addIntegerOption((o) => o.setName('above_seconds').setDescription('Requests longer than this many seconds need approval (0: no length threshold)').setMinValue(0).setMaxValue(DURATION_BOUNDS.max))
      .addStringOption((o) =>
        o
          .setName('at_resolution')
          .setDescription('Requests at this resolution need approval')
          .addChoices({ name: '1080p', value: '1080p' }, { name: 'off', value: 'off' }),
      )
      .addChannelOption((o) => o.setName('channel').setDescription('Where requests are posted for moderators').addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement)),
  )
  .addSubcommand((s) =>
    s
      .setName('audit')
      .setDescription('A channel for a log of limit changes and budget refusals (none: off)')
      .addChannelOption((o) => o.setName('channel').setDescription('The log channel; leave out to turn the log off').addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement)),
  );

/** A /video-limits subcommand with its options, as typed. `memberRoles`: that member's roles, for their effective limits. */
export type LimitsCommand =
  | { sub: 'show'; memberId: string | null; memberRoles?: string[] }
  | { sub: 'user'; memberId: string; memberRoles?: string[]; patch: LimitsPatch }
  | { sub: 'server'; defaults: LimitsPatch; caps: CapsPatch; serverConcurrent?: number | null }
  | { sub: 'reset'; memberId: string; memberRoles?: string[] }
  | { sub: 'role'; roleId: string; patch: LimitsPatch }
  | { sub: 'channel'; channelId: string; allowed: boolean }
  | { sub: 'budget'; budget: NonNullable<ServerSettingsPatch['budget']> }
  | { sub: 'audit'; channelId: string | null }
  | { sub: 'approval'; approval: NonNullable<ServerSettingsPatch['approval']> };

function limitPatch(interaction: ChatInputCommandInteraction): LimitsPatch {
  const patch: LimitsPatch = {};
  for (const l of LIMIT_OPTIONS) {
    const v = interaction.options.getInteger(l.option);
    if (v !== null) patch[l.name] = v;
  }
  return patch;
}

/** An option's id as sent (a role or channel option), without asking discord.js to resolve it from its cache. */
function idOption(interaction: ChatInputCommandInteraction, name: string, required: true): string;
function idOption(interaction: ChatInputCommandInteraction, name: string, required?: false): string | null;
function idOption(interaction: ChatInputCommandInteraction, name: string, required = false): string | null {
  const value = interaction.options.get(name, required)?.value;
  return value === undefined ? null : String(value);
}

/** 0 is how a moderator removes a budget or the server-wide concurrency; nothing given leaves it. */
const zeroRemoves = (v: number | null) => (v === null ? undefined : v === 0 ? null : v);

function readCommand(interaction: ChatInputCommandInteraction): LimitsCommand {
  const o = interaction.options;
  const sub = o.getSubcommand(true);
  const rolesOfOption = () => roleIdsOf(o.getMember('user'), limitsScope(interaction));
  if (sub === 'show') return { sub, memberId: o.getUser('user')?.id ?? null, memberRoles: rolesOfOption() };
  if (sub === 'user') return { sub, memberId: o.getUser('user', true).id, memberRoles: rolesOfOption(), patch: limitPatch(interaction) };
  if (sub === 'reset') return { sub, memberId: o.getUser('user', true).id, memberRoles: rolesOfOption() };
  if (sub === 'role') return { sub, roleId: idOption(interaction, 'role', true), patch: limitPatch(interaction) };
  if (sub === 'channel') return { sub, channelId: idOption(interaction, 'channel', true), allowed: o.getBoolean('allowed', true) };
  if (sub === 'audit') return { sub, channelId: idOption(interaction, 'channel') };
  if (sub === 'approval') {
    const above = zeroRemoves(o.getInteger('above_seconds'));
    const resolution = o.getString('at_resolution');
    const channelId = idOption(interaction, 'channel');
    return {
      sub,
      approval: {
        ...(above !== undefined ? { aboveSeconds: above } : {}),
        ...(resolution !== null ? { atResolution: resolution === 'off' ? null : '1080p' } : {}),
        ...(channelId !== null ? { channelId } : {}),
      },
    };
  }
  if (sub === 'budget') {
    const budget: LimitsCommand & { sub: 'budget' } = { sub, budget: {} };
    const daily = zeroRemoves(o.getInteger('daily_seconds'));
    const monthly = zeroRemoves(o.getInteger('monthly_seconds'));
    if (daily !== undefined) budget.budget.dailySeconds = daily;
    if (monthly !== undefined) budget.budget.monthlySeconds = monthly;
    return budget;
  }
  const models = o.getString('models');
  const maxDuration = o.getInteger('max_duration');
  const maxResolution = o.getString('max_resolution') as Resolution | null;
  const caps = {
    ...(maxDuration !== null ? { maxDuration } : {}),
    ...(maxResolution !== null ? { maxResolution } : {}),
    ...(models !== null ? { models: models === 'all' ? null : [models as ModelId] } : {}),
  };
  const serverConcurrent = zeroRemoves(o.getInteger('server_concurrent'));
  return { sub: 'server', defaults: limitPatch(interaction), caps, ...(serverConcurrent !== undefined ? { serverConcurrent } : {}) };
}

export async function execute(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<void> {
  await manageLimits(readCommand(interaction), actorOf(interaction), portsOf(interaction, ctx));
}

export async function manageLimits(command: LimitsCommand, actor: Actor, ports: HandlerPorts): Promise<void> {
  // English until the languages issue picks the catalogue by the interaction's locale.
  const m = en.limits;
  const guildId = actor.guildId;
  if (!guildId) return ports.reply.reply(m.serversOnly);
  if (!actor.moderator) return ports.reply.reply(m.notModerator);
  const text = await answer(command, guildId, actor, ports);
  // A broken audit channel is told once, to whichever moderator comes next (or makes the change that found it).
  const failure = await ports.audit.takeFailure(guildId);
  await ports.reply.reply(clip(failure ? `${text}\n\n${m.auditFailed(failure)}` : text, CONTENT_MAX));
}

/** Applies the subcommand, posts what changed to the audit channel, and returns the answer. */
async function answer(command: LimitsCommand, guildId: string, actor: Actor, { limits, audit, now: clock, logger }: HandlerPorts): Promise<string> {
  const m = en.limits;
  const { settings } = limits;
  const now = clock();
  const memberLimits = async (memberId: string, roles: string[] | undefined) => {
    const [eff, usage] = await Promise.all([limits.effective(guildId, memberId, roles ?? []), limits.usage(guildId, memberId)]);
    return describeLimits(m.memberTitle({ userId: memberId }), eff, usage, now);
  };
  const serverView = async () => {
    const [eff, server, usage] = await Promise.all([limits.serverEffective(guildId), limits.server(guildId), limits.serverUsage(guildId)]);
    return `${describeLimits(m.serverTitle, eff, undefined, now)}\n${describeCaps(server.caps)}\n${describeServerSettings(server, usage, now)}`;
  };
  const changed = async (changes: AuditChange[]) => {
    logger.info({ guildId, moderator: actor.userId, changes }, 'video limits changed');
    if (changes.length) await audit.post(guildId, { kind: 'limits_changed', moderatorId: actor.userId, changes });
  };
  const changeServer = async (patch: ServerSettingsPatch) => {
    const { before, after } = await settings.setServer(guildId, patch);
    await changed(serverChanges(before, after));
    return after;
  };

  switch (command.sub) {
    case 'show':
      return command.memberId ? memberLimits(command.memberId, command.memberRoles) : serverView();

    case 'user': {
      const { memberId, patch } = command;
      if (!Object.keys(patch).length) return m.noLimitGiven;
      const { before, after } = await settings.setMember(guildId, memberId, patch);
      await changed(memberChanges(memberId, before, after));
      return m.saved({ details: await memberLimits(memberId, command.memberRoles) });
    }

    case 'server': {
      const { defaults, caps, serverConcurrent } = command;
      if (!Object.keys(defaults).length && !Object.keys(caps).length && serverConcurrent === undefined) return m.noValueGiven;
      await changeServer({ defaults, caps, serverConcurrent });
      return m.saved({ details: await serverView() });
    }

    case 'reset': {
      const { memberId } = command;
      const cleared = await limits.resetMember(guildId, memberId);
      logger.info({ guildId, moderator: actor.userId, member: memberId }, 'member limits reset');
      await audit.post(guildId, { kind: 'member_reset', moderatorId: actor.userId, userId: memberId, changes: memberChanges(memberId, cleared, {}) });
      return m.reset({ details: await memberLimits(memberId, command.memberRoles) });
    }

    case 'role': {
      const { roleId, patch } = command;
      const after = await changeServer({ role: { roleId, limits: Object.keys(patch).length ? patch : null } });
      const details = describeRole(roleId, after.roles[roleId]);
      return after.roles[roleId] ? m.saved({ details }) : details;
    }

    case 'channel':
      await changeServer({ channel: { channelId: command.channelId, allowed: command.allowed } });
      return m.saved({ details: await serverView() });

    case 'budget':
      if (!Object.keys(command.budget).length) return m.noBudgetGiven;
      await changeServer({ budget: command.budget });
      return m.saved({ details: await serverView() });

    case 'approval': {
      const { approval } = command;
      if (!Object.keys(approval).length) return m.noValueGiven;
      const before = (await limits.server(guildId)).approval;
      const enables = approval.aboveSeconds || approval.atResolution;
      if (enables && !approval.channelId && !before?.channelId) return en.approval.needsChannel;
      await changeServer({ approval });
      return m.saved({ details: await serverView() });
    }

    case 'audit': {
      // Turning the log off is itself logged, in the channel that is being turned off.
      if (command.channelId === null) {
        const before = await limits.server(guildId);
        if (before.audit) await audit.post(guildId, { kind: 'limits_changed', moderatorId: actor.userId, changes: serverChanges(before, { ...before, audit: undefined }) });
        await settings.setServer(guildId, { audit: null });
      } else {
        await changeServer({ audit: { channelId: command.channelId } });
      }
      return m.saved({ details: await serverView() });
    }
  }
}
