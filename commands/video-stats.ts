import { InteractionContextType, PermissionFlagsBits, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { AppContext } from '../src/interactions/context';
import { actorOf, historyPortsOf } from '../src/interactions/edge';
import type { Actor, HistoryPorts } from '../src/interactions/ports';
import { renderStats } from '../src/discord/render-stats';
import { messagesFor } from '../src/discord/messages';
import { described } from '../src/discord/command-text';
import { guildStats, statsCsv, statsWindowStart } from '../src/jobs/stats';
import { utcDay } from '../src/limits/policy';

/**
 * `/video-stats`: docs/commands.md. Visible to Manage Server by default, guild only; the permission is checked
 * again at run time, as for /video-limits.
 */
export const data = described(new SlashCommandBuilder(), 'stats.description')
  .setName('video-stats')
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .setContexts(InteractionContextType.Guild);

export async function execute(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<void> {
  await showStats(actorOf(interaction), historyPortsOf(interaction, ctx));
}

export async function showStats(actor: Actor, { reply, history, budgetLeft, now: clock }: HistoryPorts): Promise<void> {
  const words = messagesFor(actor.locale);
  const m = words.stats;
  const guildId = actor.guildId;
  if (!guildId) return reply.reply(m.serversOnly);
  if (!actor.moderator) return reply.reply(m.notModerator);
  // A month of a busy server is many record reads: acknowledge first.
  await reply.deferPrivately();
  const now = clock();
  const [jobs, budget] = await Promise.all([history.ofGuild(guildId, statsWindowStart(now), now), budgetLeft(guildId)]);
  const stats = guildStats(jobs, now);
  await reply.editWithFile(renderStats(stats, budget, words), { name: `video-stats-${utcDay(now)}.csv`, data: Buffer.from(statsCsv(stats.rows), 'utf8'), contentType: 'text/csv' });
}
