import { PermissionFlagsBits, type BaseInteraction } from 'discord.js';
import { checkChannel, type ChannelRefusal } from '../limits/policy';
import type { Actor, HandlerPorts } from './ports';

/**
 * Who may moderate: Manage Server, checked when the interaction runs, because server admins can change who
 * sees a command whatever its default member permission says.
 */
export function isModerator(interaction: BaseInteraction): boolean {
  return interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false;
}

/** A moderator of that server: a moderator of another server has no say over its jobs. */
export function moderates(actor: Actor, guildId: string | null): boolean {
  return guildId !== null && actor.guildId === guildId && actor.moderator;
}

/**
 * Whether a video may be made where the actor is (/video-limits channel): a refusal as data, or undefined.
 * Outside a server's limits (DMs, user-installed use) the server's channel rules do not apply. Checked before
 * anything is reserved or sent to the provider, for /video, Re-roll and "Make a video" alike.
 */
export async function videoChannelRefusal(actor: Actor, limits: Pick<HandlerPorts['limits'], 'server'>): Promise<ChannelRefusal | undefined> {
  if (!actor.limitsScope) return undefined;
  const { channels } = await limits.server(actor.limitsScope);
  return checkChannel(channels, actor.channelId, actor.parentChannelId);
}
