import type {
  AutocompleteInteraction,
  ChatInputCommandInteraction,
  MessageContextMenuCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
  RESTPostAPIContextMenuApplicationCommandsJSONBody,
} from 'discord.js';
import type { AppContext } from './context';

/** One slash command: its definition and its handler (commands/*.ts). */
export interface SlashCommandModule {
  kind?: 'slash';
  data: { name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  execute(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<void>;
  /** Answers the options marked autocomplete; Discord allows 3 s and shows nothing after. */
  autocomplete?(interaction: AutocompleteInteraction, ctx: AppContext): Promise<void>;
}

/** One message context menu command (type 3): the target message arrives resolved in the interaction. */
export interface MessageCommandModule {
  kind: 'message';
  data: { name: string; toJSON(): RESTPostAPIContextMenuApplicationCommandsJSONBody };
  execute(interaction: MessageContextMenuCommandInteraction, ctx: AppContext): Promise<void>;
}

export type CommandModule = SlashCommandModule | MessageCommandModule;
