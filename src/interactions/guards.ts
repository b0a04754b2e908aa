import { PermissionFlagsBits, type BaseInteraction } from 'discord.js';
import { checkChannel, type ChannelRefusal } from '../limits/policy';
import { withDeadline } from '../store/errors';
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

/**
 * How long the channel rule may hold up the deferral. A healthy store answers in milliseconds; a slow or failing
 * one must not eat Discord's 3 s (a store call may take up to STORE_CALL_TIMEOUT_MS to fail).
 */
export const CHANNEL_CHECK_BEFORE_DEFERRAL_MS = 500;

/**
 * The channel rule before the deferral, so a refusal is private and no "thinking…" shows in a channel where
 * videos do not belong. `known: false` when the settings did not come in time or could not be read (store
 * down, damaged record): the caller defers and checks again with videoChannelRefusal, whose error then
 * reaches the router like any other after a deferral.
 */
export async function channelBeforeDeferral(actor: Actor, limits: Pick<HandlerPorts['limits'], 'server'>): Promise<{ known: boolean; refusal?: ChannelRefusal }> {
  if (!actor.limitsScope) return { known: true };
  try {
    const refusal = await withDeadline(videoChannelRefusal(actor, limits), CHANNEL_CHECK_BEFORE_DEFERRAL_MS, () => new Error('channel settings not read in time'));
    return refusal ? { known: true, refusal } : { known: true };
  } catch {
    return { known: false };
  }
}
