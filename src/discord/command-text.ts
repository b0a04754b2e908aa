import type { APIApplicationCommandOptionChoice, LocalizationMap } from 'discord.js';
import { commandEnglish, commandLocalizations, type TextValues } from './messages';

/**
 * Command-picker texts for command definitions (commands/*.ts): English as the definition's default, and
 * Discord's localisations for every translated language (docs/commands.md, languages). Keys are under
 * `commands.` in the resources (src/discord/messages/locales/). Only what Discord shows as words is
 * localised: command, option and subcommand names and choice values are a contract and stay as they are.
 */

interface Describable {
  setDescription(description: string): this;
  setDescriptionLocalizations(localizations: LocalizationMap | null): this;
}

interface Nameable {
  setName(name: string): this;
  setNameLocalizations(localizations: LocalizationMap | null): this;
}

/** Sets a command's, subcommand's or option's description and its translations. */
export function described<B extends Describable>(builder: B, key: string, values?: TextValues): B {
  return builder.setDescription(commandEnglish(key, values)).setDescriptionLocalizations(commandLocalizations(key, values));
}

/**
 * Sets a name that Discord shows as words and that may be translated: a message command's ("Make a video",
 * `named(new ContextMenuCommandBuilder(), 'makeVideo')`). Never a slash command's or an option's name.
 */
export function named<B extends Nameable>(builder: B, key: string): B {
  return builder.setName(commandEnglish(key)).setNameLocalizations(commandLocalizations(key));
}

/** A choice whose name is words: English, with its translations; the value unchanged. */
export function choice<V extends string | number>(key: string, value: V, values?: TextValues): APIApplicationCommandOptionChoice<V> {
  return { name: commandEnglish(key, values), name_localizations: commandLocalizations(key, values), value };
}
