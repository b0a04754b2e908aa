import { randomBytes } from 'node:crypto';
import { Events, MessageFlags, type Client, type Interaction } from 'discord.js';
import type { AppContext } from './context';
import type { CommandModule } from './command';
import { parseButtonId, type ButtonAction } from '../discord/custom-id';
import type { ButtonHandler } from './buttons';
import { renderError } from '../discord/render';
import { ephemeral, replyOptions } from '../discord/outgoing';
import { StoreError } from '../store/kv';

/**
 * Said when the store failed or did not answer in time. Handlers write nothing before their reads succeed and
 * give a reservation back when the job cannot be written (JobService.start), so nothing was started or counted.
 */
export const STORE_DOWN_SENTENCE = "The bot's storage is not answering right now, so nothing was started or counted. Please try again in a minute.";
const CRASH_SENTENCE = 'Something went wrong on our side. Please try again.';

/**
 * Routes interactions: slash commands by name, buttons by custom id. A handler that throws gets the user a
 * friendly sentence with a reference id; the log gets the detail under the same id.
 */
export function routeInteractions(client: Client, ctx: AppContext, commands: readonly CommandModule[], buttons: Record<ButtonAction, ButtonHandler>): void {
  const byName = new Map(commands.map((c) => [c.data.name, c]));
  client.on(Events.InteractionCreate, (interaction) => {
    void handle(interaction).catch(async (err: unknown) => {
      const reference = randomBytes(4).toString('hex');
      const storeDown = err instanceof StoreError;
      ctx.logger.error({ err, reference, interactionId: interaction.id, user: interaction.user.id }, storeDown ? 'interaction refused: the store is not answering' : 'interaction handler failed');
      if (!interaction.isRepliable()) return;
      const payload = replyOptions(renderError(storeDown ? STORE_DOWN_SENTENCE : CRASH_SENTENCE, reference));
      try {
        if (interaction.deferred || interaction.replied) await interaction.editReply(payload);
        else await interaction.reply({ ...payload, flags: MessageFlags.Ephemeral });
      } catch (e) {
        ctx.logger.warn({ err: e, reference }, 'could not tell the user about the failure');
      }
    });
  });

  async function handle(interaction: Interaction): Promise<void> {
    if (interaction.isChatInputCommand()) {
      const command = byName.get(interaction.commandName);
      if (command) await command.execute(interaction, ctx);
      return;
    }
    if (interaction.isButton()) {
      const parsed = parseButtonId(interaction.customId);
      if (!parsed) {
        await interaction.reply(ephemeral('This button is no longer valid.'));
        return;
      }
      await buttons[parsed.action](interaction, parsed.jobId, ctx);
    }
  }
}
