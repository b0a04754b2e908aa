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
import { messagesFor, type Messages } from '../src/discord/messages';
import { choice, described } from '../src/discord/command-text';
import { clip } from '../src/util/clip';

/**
 * `/video-limits`: docs/commands.md. Visible to Manage Server by default; the permission is checked again
 * at run time, because server admins can change who sees the command. Every change is posted to the audit
 * channel when one is set (src/discord/audit.ts).
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

/** Channels a member can run /video in (threads follow their parent's rule). */
const VIDEO_CHANNEL_TYPES = [ChannelType.GuildText, ChannelType.GuildAnnouncement, ChannelType.GuildVoice, ChannelType.GuildStageVoice, ChannelType.GuildForum] as const;

/** Discord's limit on a message's content. */
const CONTENT_MAX = 2000;

export const data = described(new SlashCommandBuilder(), 'limits.description')
  .setName('video-limits')
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .setContexts(InteractionContextType.Guild)
  .addSubcommand((s) => described(s.setName('show'), 'limits.show').addUserOption((o) => described(o.setName('user'), 'limits.showUser')))
  .addSubcommand((s) => withLimitOptions(described(s.setName('user'), 'limits.user').addUserOption((o) => described(o.setName('user'), 'limits.theMember').setRequired(true))))
  .addSubcommand((s) =>
    withLimitOptions(described(s.setName('server'), 'limits.server'))
      .addIntegerOption((o) =>
        described(o.setName('server_concurrent'), 'limits.serverConcurrent').setMinValue(SERVER_CONCURRENT_BOUNDS.min).setMaxValue(SERVER_CONCURRENT_BOUNDS.max),
      )
      .addIntegerOption((o) => described(o.setName('max_duration'), 'limits.maxDuration').setMinValue(DURATION_BOUNDS.min).setMaxValue(DURATION_BOUNDS.max))
      .addStringOption((o) => described(o.setName('max_resolution'), 'limits.maxResolution').addChoices(...RESOLUTIONS.map((r) => ({ name: r, value: r }))))
      .addStringOption((o) => described(o.setName('models'), 'limits.models').addChoices(choice('limits.modelsAll', 'all'), ...MODEL_IDS.map((m) => choice('limits.modelsOnly', m, { model: m })))),
  )
  .addSubcommand((s) => described(s.setName('reset'), 'limits.reset').addUserOption((o) => described(o.setName('user'), 'limits.theMember').setRequired(true)))
  .addSubcommand((s) => withLimitOptions(described(s.setName('role'), 'limits.role').addRoleOption((o) => described(o.setName('role'), 'limits.theRole').setRequired(true))))
  .addSubcommand((s) =>
    described(s.setName('channel'), 'limits.channel')
      .addChannelOption((o) => described(o.setName('channel'), 'limits.theChannel').setRequired(true).addChannelTypes(...VIDEO_CHANNEL_TYPES))
      .addBooleanOption((o) => described(o.setName('allowed'), 'limits.allowed').setRequired(true)),
  )
  .addSubcommand((s) =>
    described(s.setName('budget'), 'limits.budget')
      .addIntegerOption((o) => described(o.setName('daily_seconds'), 'limits.budgetDaily').setMinValue(BUDGET_BOUNDS.dailySeconds.min).setMaxValue(BUDGET_BOUNDS.dailySeconds.max))
      .addIntegerOption((o) => described(o.setName('monthly_seconds'), 'limits.budgetMonthly').setMinValue(BUDGET_BOUNDS.monthlySeconds.min).setMaxValue(BUDGET_BOUNDS.monthlySeconds.max)),
  )
  .addSubcommand((s) =>
    described(s.setName('approval'), 'limits.approval')
      .addIntegerOption((o) => described(o.setName('above_seconds'), 'limits.aboveSeconds').setMinValue(0).setMaxValue(DURATION_BOUNDS.max))
      .addStringOption((o) => described(o.setName('at_resolution'), 'limits.atResolution').addChoices({ name: '1080p', value: '1080p' }, choice('limits.approvalOff', 'off')))
      .addChannelOption((o) => described(o.setName('channel'), 'limits.approvalChannel').addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement)),
  )
  .addSubcommand((s) =>
    described(s.setName('audit'), 'limits.audit').addChannelOption((o) => described(o.setName('channel'), 'limits.auditChannel').addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement)),
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
  const words = messagesFor(actor.locale);
  const m = words.limits;
  const guildId = actor.guildId;
  if (!guildId) return ports.reply.reply(m.serversOnly);
  if (!actor.moderator) return ports.reply.reply(m.notModerator);
  const text = await answer(command, guildId, actor, ports, words);
  // A broken audit channel is told once, to whichever moderator comes next (or makes the change that found it).
  const failure = await ports.audit.takeFailure(guildId);
  await ports.reply.reply(clip(failure ? `${text}\n\n${m.auditFailed(failure)}` : text, CONTENT_MAX));
}

/** Applies the subcommand, posts what changed to the audit channel, and returns the answer. */
async function answer(command: LimitsCommand, guildId: string, actor: Actor, { limits, audit, now: clock, logger }: HandlerPorts, words: Messages): Promise<string> {
  const m = words.limits;
  const { settings } = limits;
  const now = clock();
  const memberLimits = async (memberId: string, roles: string[] | undefined) => {
    const [eff, usage] = await Promise.all([limits.effective(guildId, memberId, roles ?? []), limits.usage(guildId, memberId)]);
    return describeLimits(m.memberTitle({ userId: memberId }), eff, usage, now, words);
  };
  const serverView = async () => {
    const [eff, server, usage] = await Promise.all([limits.serverEffective(guildId), limits.server(guildId), limits.serverUsage(guildId)]);
    return `${describeLimits(m.serverTitle, eff, undefined, now, words)}\n${describeCaps(server.caps, words)}\n${describeServerSettings(server, usage, now, words)}`;
  };
  const changed = async (changes: AuditChange[]) => {
    logger.info({ guildId, moderator: actor.userId, changes }, 'video limits changed');
    if (changes.length) await audit.post(guildId, { kind: 'limits_changed', moderatorId: actor.userId, changes }, actor.guildLocale);
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
      await audit.post(guildId, { kind: 'member_reset', moderatorId: actor.userId, userId: memberId, changes: memberChanges(memberId, cleared, {}) }, actor.guildLocale);
      return m.reset({ details: await memberLimits(memberId, command.memberRoles) });
    }

    case 'role': {
      const { roleId, patch } = command;
      const after = await changeServer({ role: { roleId, limits: Object.keys(patch).length ? patch : null } });
      const details = describeRole(roleId, after.roles[roleId], words);
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
      if (enables && !approval.channelId && !before?.channelId) return words.approval.needsChannel;
      await changeServer({ approval });
      return m.saved({ details: await serverView() });
    }

    case 'audit': {
      // Turning the log off is itself logged, in the channel that is being turned off.
      if (command.channelId === null) {
        const before = await limits.server(guildId);
        if (before.audit) await audit.post(guildId, { kind: 'limits_changed', moderatorId: actor.userId, changes: serverChanges(before, { ...before, audit: undefined }) }, actor.guildLocale);
        await settings.setServer(guildId, { audit: null });
      } else {
        await changeServer({ audit: { channelId: command.channelId } });
      }
      return m.saved({ details: await serverView() });
    }
  }
}
