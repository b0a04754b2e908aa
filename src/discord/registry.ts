import { createHash } from 'node:crypto';
import { Routes, type REST, type RESTPostAPIApplicationCommandsJSONBody } from 'discord.js';
import type { KV } from '../store/kv';
import type { Logger } from '../log';

/** What registration needs of a command (slash or message command): its definition as Discord takes it. */
export interface CommandDefinition {
  data: { toJSON(): RESTPostAPIApplicationCommandsJSONBody };
}

export function commandPayload(commands: readonly CommandDefinition[]): RESTPostAPIApplicationCommandsJSONBody[] {
  return commands.map((c) => c.data.toJSON());
}

/**
 * Registers the commands by bulk overwrite, globally or in `guildId`. Skipped when the definitions' hash is
 * the one last registered for that scope: a restart must not spend Discord's command-update rate limit.
 */
export async function registerCommands(opts: {
  rest: REST;
  applicationId: string;
  guildId?: string | undefined;
  commands: readonly CommandDefinition[];
  kv?: KV | undefined;
  logger: Logger;
  force?: boolean;
}): Promise<'registered' | 'unchanged'> {
  const body = commandPayload(opts.commands);
  const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
  const scope = opts.guildId ? `guild:${opts.guildId}` : 'global';
  const key = `commands:hash:${opts.applicationId}:${scope}`;
  if (!opts.force && opts.kv && (await opts.kv.get<string>(key)) === hash) {
    opts.logger.info({ scope }, 'slash commands unchanged; registration skipped');
    return 'unchanged';
  }
  const route = opts.guildId ? Routes.applicationGuildCommands(opts.applicationId, opts.guildId) : Routes.applicationCommands(opts.applicationId);
  await opts.rest.put(route, { body });
  await opts.kv?.set(key, hash);
  opts.logger.info({ scope, commands: body.map((c) => c.name) }, 'slash commands registered');
  return 'registered';
}
