import { PermissionFlagsBits, type BaseInteraction } from 'discord.js';
import type { Actor } from './ports';

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
