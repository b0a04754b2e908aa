import type { AutocompleteInteraction, ChatInputCommandInteraction, RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { AppContext } from './context';

/** One slash command: its definition and its handler (commands/*.ts). */
export interface CommandModule {
  data: { name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  execute(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<void>;
  /** Answers the options marked autocomplete; Discord allows 3 s and shows nothing after. */
  autocomplete?(interaction: AutocompleteInteraction, ctx: AppContext): Promise<void>;
}
