import { ApplicationIntegrationType, InteractionContextType, SlashCommandBuilder, type Attachment, type AutocompleteInteraction, type ChatInputCommandInteraction } from 'discord.js';
import { UPLOAD_MAX_BYTES } from '../src/apimart';
import { messagesFor, wordProblem, wordSaveRefusal } from '../src/discord/messages';
import { described } from '../src/discord/command-text';
import { renderProblems } from '../src/discord/render';
import type { AppContext } from '../src/interactions/context';
import { actorOf, portsOf } from '../src/interactions/edge';
import type { Actor, HandlerPorts } from '../src/interactions/ports';
import { findRefSet, refChoices, setUrls } from '../src/interactions/refs';
import { isRefName, REF_NAME_MAX, type RefOwner, type RefSet } from '../src/refs';
import { readImagesToKeep, type AttachmentMeta } from '../src/validation';
import { clip } from '../src/util/clip';
import { attachmentMeta } from '../src/interactions/edge';
import { IMAGE_OPTIONS } from './video';

/**
 * `/video-refs`: docs/commands.md. Everyone; server sets need Manage Server, checked when the command runs
 * (server admins can change who sees a command). Every answer is ephemeral.
 */

const CONTENT_MAX = 2000;

const builder = described(new SlashCommandBuilder(), 'refs.description')
  .setName('video-refs')
  .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
  .setIntegrationTypes(ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall)
  .addSubcommand((s) => {
    described(s.setName('save'), 'refs.save')
      .addStringOption((o) => described(o.setName('name'), 'refs.name').setRequired(true).setMinLength(1).setMaxLength(REF_NAME_MAX))
      .addAttachmentOption((o) => described(o.setName('image1'), 'refs.image1').setRequired(true).setFileTypes('image'));
    for (const name of IMAGE_OPTIONS.slice(1)) s.addAttachmentOption((o) => described(o.setName(name), 'video.image', { n: name.slice(5) }).setFileTypes('image'));
    return s.addBooleanOption((o) => described(o.setName('server'), 'refs.server'));
  })
  .addSubcommand((s) => described(s.setName('list'), 'refs.list'))
  .addSubcommand((s) => described(s.setName('show'), 'refs.show').addStringOption((o) => described(o.setName('name'), 'refs.theSet').setRequired(true).setAutocomplete(true)))
  .addSubcommand((s) => described(s.setName('delete'), 'refs.delete').addStringOption((o) => described(o.setName('name'), 'refs.theSet').setRequired(true).setAutocomplete(true)));

export const data = builder;

/** A /video-refs subcommand with its options, as typed. */
export type RefsCommand =
  | { sub: 'save'; name: string; server: boolean; images: AttachmentMeta[] }
  | { sub: 'list' }
  | { sub: 'show'; name: string }
  | { sub: 'delete'; name: string };

function readCommand(interaction: ChatInputCommandInteraction): RefsCommand {
  const o = interaction.options;
  const sub = o.getSubcommand(true);
  if (sub === 'list') return { sub };
  const name = o.getString('name', true);
  if (sub === 'show' || sub === 'delete') return { sub, name };
  const images = IMAGE_OPTIONS.map((n) => o.getAttachment(n)).filter((a): a is Attachment => a !== null).map(attachmentMeta);
  return { sub: 'save', name, server: o.getBoolean('server') ?? false, images };
}

export async function execute(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<void> {
  await manageRefs(readCommand(interaction), actorOf(interaction), portsOf(interaction, ctx));
}

export async function autocomplete(interaction: AutocompleteInteraction, ctx: AppContext): Promise<void> {
  await interaction.respond(await refChoices(interaction.options.getFocused(), actorOf(interaction), ctx.refs, ctx.logger));
}

export async function manageRefs(command: RefsCommand, actor: Actor, ports: HandlerPorts): Promise<void> {
  if (command.sub === 'save') return saveSet(command, actor, ports);
  if (command.sub === 'list') return listSets(actor, ports);
  if (command.sub === 'show') return showSet(command.name, actor, ports);
  return deleteSet(command.name, actor, ports);
}

async function saveSet({ name, server, images }: Extract<RefsCommand, { sub: 'save' }>, actor: Actor, { reply, refs, readImage, afterDeferral, logger }: HandlerPorts): Promise<void> {
  const words = messagesFor(actor.locale);
  const m = words.refs;
  if (!isRefName(name)) return reply.reply(m.badName({ name }));
  let owner: RefOwner = { kind: 'member', userId: actor.userId };
  if (server) {
    if (!actor.guildId) return reply.reply(m.serversOnly);
    if (!actor.moderator) return reply.reply(m.notModerator);
    owner = { kind: 'server', guildId: actor.guildId };
  }
  // Refused before anything is downloaded when the name or the bound already stands in the way.
  const early = refs.refusal(owner, name, await refs.index(owner));
  if (early) return reply.reply(wordSaveRefusal(early, words));

  await reply.deferPrivately();
  await afterDeferral.run(async () => {
    // Kept images are re-hosted at APIMart's upload endpoint, which takes at most 20 MB (docs/apimart.md).
    const read = await readImagesToKeep(images, readImage, UPLOAD_MAX_BYTES, (a, err) =>
      logger.warn({ filename: a.filename, err: (err as Error).message }, 'an image to keep could not be read'),
    );
    if (!read.ok) return reply.edit(renderProblems(m.problems({ count: read.problems.length }), read.problems.map((p) => wordProblem(p, words)), words));
    const kept = read.images.map(({ meta, data }) => ({
      image: { filename: meta.filename, contentType: meta.contentType, bytes: data.length, width: meta.width, height: meta.height },
      data,
    }));
    const saved = await refs.save(owner, name, actor.userId, kept);
    if (!saved.ok) return reply.edit({ text: wordSaveRefusal(saved.refusal, words), rows: [] });
    logger.info({ setId: saved.set.id, owner, images: kept.length, bytes: kept.reduce((n, k) => n + k.data.length, 0) }, 'reference set saved');
    await reply.edit({ text: m.saved({ name, images: kept.length, server: owner.kind === 'server' }), rows: [] });
  });
}

async function listSets(actor: Actor, { reply, refs }: HandlerPorts): Promise<void> {
  const m = messagesFor(actor.locale).refs;
  const { mine, server } = await refs.visible(actor.userId, actor.guildId);
  const entries = (sets: typeof mine) => (sets.length ? sets.map((e) => m.listEntry({ name: e.name, images: e.images })).join(', ') : m.listNone);
  const lines = [`${m.listMine({ count: mine.length, max: refs.limits.perMember })}: ${entries(mine)}`];
  if (actor.guildId) lines.push(`${m.listServer({ count: server.length, max: refs.limits.perServer })}: ${entries(server)}`);
  await reply.reply(clip(lines.join('\n'), CONTENT_MAX));
}

/** The set a show or delete names, or the sentence saying there is none. */
async function targetSet(value: string, actor: Actor, refs: HandlerPorts['refs']): Promise<RefSet | string> {
  const { name, set } = await findRefSet(value, actor, refs);
  return set ?? messagesFor(actor.locale).refs.notFound({ name, inServer: actor.guildId !== null });
}

async function showSet(typed: string, actor: Actor, ports: HandlerPorts): Promise<void> {
  const { reply, refs } = ports;
  const words = messagesFor(actor.locale);
  const m = words.refs;
  // The links are the provider's (an upload may be needed): that can outlast Discord's 3 s.
  await reply.deferPrivately();
  const set = await targetSet(typed, actor, refs);
  if (typeof set === 'string') return reply.edit({ text: set, rows: [] });
  const urls = await setUrls(set, ports, words);
  if (typeof urls === 'string') return reply.edit({ text: urls, rows: [] });
  const lines = [m.showTitle({ name: set.name, server: set.owner.kind === 'server', images: set.images.length })];
  set.images.forEach((i, n) => lines.push(m.showImage({ n: n + 1, filename: i.filename, width: i.width, height: i.height, bytes: i.bytes, url: urls[n]! })));
  await reply.edit({ text: clip(lines.join('\n'), CONTENT_MAX), rows: [] });
}

async function deleteSet(typed: string, actor: Actor, { reply, refs, logger }: HandlerPorts): Promise<void> {
  const m = messagesFor(actor.locale).refs;
  const set = await targetSet(typed, actor, refs);
  if (typeof set === 'string') return reply.reply(set);
  const server = set.owner.kind === 'server';
  // A set found through find() is the member's own or this server's: Manage Server here decides the latter.
  if (server && !actor.moderator) return reply.reply(m.deleteNotModerator({ name: set.name }));
  // Removing up to 7 kept images (20 MB each) may outlast Discord's 3 s under load.
  await reply.deferPrivately();
  await refs.delete(set.owner, set.name);
  logger.info({ setId: set.id, owner: set.owner, by: actor.userId }, 'reference set deleted');
  await reply.edit({ text: m.deleted({ name: set.name, server }), rows: [] });
}
