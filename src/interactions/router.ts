import { randomBytes } from 'node:crypto';
import { Events, MessageFlags, type ChatInputCommandInteraction, type Client, type Interaction } from 'discord.js';
import type { AppContext } from './context';
import type { CommandModule, MessageCommandModule, SlashCommandModule } from './command';
import { parseButtonId, parseModalId, type ButtonAction, type ModalAction } from '../discord/custom-id';
import type { ButtonHandler, ModalHandler } from './buttons';
import { renderError } from '../discord/render';
import { ephemeral, replyOptions } from '../discord/outgoing';
import { StoreError } from '../store/kv';
import { UserError } from '../util/user-error';
import { messagesFor, wordUserError } from '../discord/messages';

/**
 * Routes interactions: slash commands and their autocomplete by name, message commands by name, buttons and
 * form submits by custom id. A handler that throws a UserError gets
 * the user its sentence as written: it says what to do, and a reference id would only suggest asking someone.
 * Any other failure gets the user a friendly sentence with a reference id; the log gets the detail under the
 * same id.
 */
export function routeInteractions(
  client: Client,
  ctx: AppContext,
  commands: readonly CommandModule[],
  buttons: Record<ButtonAction, ButtonHandler>,
  modals: Record<ModalAction, ModalHandler>,
): void {
  const byName = new Map(commands.filter((c): c is SlashCommandModule => c.kind !== 'message').map((c) => [c.data.name, c]));
  const messageCommands = new Map(commands.filter((c): c is MessageCommandModule => c.kind === 'message').map((c) => [c.data.name, c]));
  client.on(Events.InteractionCreate, (interaction) => {
    const answered = handle(interaction).catch(async (err: unknown) => {
      const who = { interactionId: interaction.id, user: interaction.user.id };
      const m = messagesFor(interaction.locale);
      let payload: ReturnType<typeof replyOptions>;
      let reference: string | undefined;
      if (err instanceof UserError) {
        // Still logged: the operator may want to know (a damaged record, say) before anyone asks.
        ctx.logger.warn({ err, reason: err.reason, ...who }, 'interaction refused with a reason shown to the user');
        payload = replyOptions(renderError(wordUserError(err.reason, m), undefined, m));
      } else {
        reference = randomBytes(4).toString('hex');
        const storeDown = err instanceof StoreError;
        ctx.logger.error({ err, reference, ...who }, storeDown ? 'interaction refused: the store is not answering' : 'interaction handler failed');
        payload = replyOptions(renderError(storeDown ? m.router.storeDown : m.router.crash, reference, m));
      }
      if (!interaction.isRepliable()) return;
      try {
        if (interaction.deferred || interaction.replied) await interaction.editReply(payload);
        else await interaction.reply({ ...payload, flags: MessageFlags.Ephemeral });
      } catch (e) {
        ctx.logger.warn({ err: e, reference, ...who }, 'could not tell the user about the failure');
      }
    });
    // Answered for good: a job took the reply, or it shows a refusal, a problem or the error above (./pending.ts).
    void answered.finally(() => ctx.pending.end(interaction.id));
  });

  /**
   * What the member has yet to hear (src/discord/notices.ts), as a follow-up only they see, after the command's
   * own answer: that answer is never delayed, and nothing here can turn it into an error.
   */
  async function tellNotice(interaction: ChatInputCommandInteraction): Promise<void> {
    if (!interaction.deferred && !interaction.replied) return;
    const who = { interactionId: interaction.id, user: interaction.user.id };
    try {
      const notice = await ctx.notices.take(interaction.user.id);
      if (!notice) return;
      await interaction.followUp(ephemeral(messagesFor(interaction.locale).router.privateUndelivered({ count: notice.undelivered.length })));
      ctx.logger.info({ ...who, jobIds: notice.undelivered }, 'told the member about private videos that reached them nowhere');
    } catch (err) {
      ctx.logger.warn({ err, ...who }, 'could not tell the member about their undelivered private videos');
    }
  }

  async function handle(interaction: Interaction): Promise<void> {
    if (interaction.isChatInputCommand()) {
      const command = byName.get(interaction.commandName);
      if (command) {
        await command.execute(interaction, ctx);
        await tellNotice(interaction);
      }
      return;
    }
    if (interaction.isAutocomplete()) {
      await byName.get(interaction.commandName)?.autocomplete?.(interaction, ctx);
      return;
    }
    if (interaction.isButton()) {
      const parsed = parseButtonId(interaction.customId);
      if (!parsed) {
        await interaction.reply(ephemeral(messagesFor(interaction.locale).router.buttonInvalid));
        return;
      }
      await buttons[parsed.action](interaction, parsed.jobId, ctx);
      return;
    }
    if (interaction.isMessageContextMenuCommand()) {
      const command = messageCommands.get(interaction.commandName);
      if (command) await command.execute(interaction, ctx);
      return;
    }
    if (interaction.isModalSubmit()) {
      const parsed = parseModalId(interaction.customId);
      if (!parsed) {
        await interaction.reply(ephemeral(messagesFor(interaction.locale).router.formInvalid));
        return;
      }
      await modals[parsed.action](interaction, parsed.subject, ctx);
    }
  }
}
