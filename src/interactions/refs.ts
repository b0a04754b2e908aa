import type { ApplicationCommandOptionChoiceData } from 'discord.js';
import type { Logger } from '../log';
import type { RefSet, RefStore } from '../refs';
import { ApimartError } from '../apimart/errors';
import { messagesFor, type Messages } from '../discord/messages';
import type { Actor, HandlerPorts } from './ports';

/** Saved reference sets in the handlers: what a `refs` or `name` value names, its links, autocomplete. */

/** Discord shows at most 25 autocomplete choices. */
const MAX_CHOICES = 25;
/** A choice's value that names the server's set of that name, when the member has one of the same name too. */
const SERVER_PREFIX = 'server:';

/** What a `refs` or `name` value names: a set name, and whether the server's set was picked. */
export function refTarget(value: string): { name: string; server: boolean } {
  const v = value.trim();
  return v.startsWith(SERVER_PREFIX) ? { name: v.slice(SERVER_PREFIX.length), server: true } : { name: v, server: false };
}

/**
 * The set a value names, as the member can use it here: their own first, then the server's; a `server:` value
 * only the server's.
 */
export async function findRefSet(value: string, actor: Actor, refs: Pick<RefStore, 'find' | 'findOwned'>): Promise<{ name: string; set: RefSet | undefined }> {
  const target = refTarget(value);
  if (!target.server) return { name: target.name, set: await refs.find(target.name, actor.userId, actor.guildId) };
  return { name: target.name, set: actor.guildId ? await refs.findOwned({ kind: 'server', guildId: actor.guildId }, target.name) : undefined };
}

/** The provider links of a set's images, or the sentence to show when there are none (in `m`'s language). */
export async function setUrls(set: RefSet, { refs, logger }: Pick<HandlerPorts, 'refs' | 'logger'>, m: Messages): Promise<string[] | string> {
  try {
    return (await refs.providerUrls(set)) ?? m.refs.setGone;
  } catch (err) {
    if (!(err instanceof ApimartError)) throw err;
    logger.warn({ setId: set.id, err: err.message }, 'uploading a set image failed');
    return m.refs.uploadFailed;
  }
}

/**
 * Autocomplete of a set name: the member's sets, then the server's, whose names contain what was typed
 * (prefix matches first). From memory or one round trip to the store (RefStore.suggest); a store that does
 * not answer gives no choices rather than no answer.
 */
export async function refChoices(typed: string, actor: Actor, refs: Pick<RefStore, 'suggest'>, logger: Pick<Logger, 'warn'>): Promise<ApplicationCommandOptionChoiceData<string>[]> {
  let sets: Awaited<ReturnType<RefStore['suggest']>>;
  try {
    sets = await refs.suggest(actor.userId, actor.guildId);
  } catch (err) {
    logger.warn({ err: (err as Error).message, user: actor.userId }, 'autocomplete of reference sets failed');
    return [];
  }
  const m = messagesFor(actor.locale);
  const q = refTarget(typed).name.toLowerCase();
  const rank = (name: string) => (name.toLowerCase().startsWith(q) ? 0 : name.toLowerCase().includes(q) ? 1 : 2);
  const pick = (list: typeof sets.mine, server: boolean) =>
    list
      .filter((e) => rank(e.name) < 2)
      .sort((a, b) => rank(a.name) - rank(b.name))
      .map((e) => ({ name: m.refs.choice({ name: e.name, server, images: e.images }), value: server ? `${SERVER_PREFIX}${e.name}` : e.name }));
  return [...pick(sets.mine, false), ...pick(sets.server, true)].slice(0, MAX_CHOICES);
}
