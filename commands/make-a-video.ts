import {
  ApplicationCommandType,
  ApplicationIntegrationType,
  ContextMenuCommandBuilder,
  InteractionContextType,
  type Attachment,
  type Embed,
  type MessageContextMenuCommandInteraction,
} from 'discord.js';
import { IMAGE_RULES } from '../src/models';
import { clip } from '../src/util/clip';
import { FIELD, makeModal } from '../src/discord/modals';
import { messagesFor, wordRefusal } from '../src/discord/messages';
import { named } from '../src/discord/command-text';
import { channelBeforeDeferral } from '../src/interactions/guards';
import type { AttachmentMeta } from '../src/validation';
import type { AppContext } from '../src/interactions/context';
import type { ModalHandler } from '../src/interactions/buttons';
import { actorOf, attachmentMeta, formAnswers, portsOf } from '../src/interactions/edge';
import { formOptions, type FormAnswers } from '../src/interactions/forms';
import type { Actor, HandlerPorts } from '../src/interactions/ports';
import { requestVideo } from './video';

/**
 * The message context menu "Make a video" (docs/commands.md): the target message's images, then a form for
 * the prompt and options, then the same pipeline as /video, the form's submit reply being the job message.
 */

export const kind = 'message';

// Its name is words, shown in the member's language (src/discord/command-text.ts); Discord routes by the English one.
export const data = named(new ContextMenuCommandBuilder(), 'makeVideo')
  .setType(ApplicationCommandType.Message)
  .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
  .setIntegrationTypes(ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall);

const IMAGE_EXTENSION = /\.(png|jpe?g|webp|gif|avif|bmp|heic)$/i;

/** An attachment that is an image by its type, or by its name when Discord gave no type; the rules judge it later. */
const isImage = (a: Attachment) => (a.contentType ? a.contentType.toLowerCase().startsWith('image/') : IMAGE_EXTENSION.test(a.name));

/** An embed's image as an attachment whose type and size only its bytes can tell: the probe reads them. */
function embedImage(media: { url: string }): AttachmentMeta {
  const name = URL.canParse(media.url) ? new URL(media.url).pathname.split('/').pop() : undefined;
  return { url: media.url, filename: clip(name || 'embed image', 100), contentType: null, size: 0, width: null, height: null };
}

/**
 * The message's images in order: its image attachments, then each embed's image and thumbnail (a link's
 * preview often shows the same picture twice: kept once). At most 7 are used; `total` says how many there were.
 */
export function messageImages(message: { attachments: Iterable<Attachment>; embeds: readonly Pick<Embed, 'image' | 'thumbnail'>[] }): { images: AttachmentMeta[]; total: number } {
  // Without their sizes, so the probe reads every one from its bytes before anything is spent: a link that no
  // longer loads (someone else's message, edited or deleted since) is reported as such, not by the provider.
  const all: AttachmentMeta[] = [...message.attachments].filter(isImage).map((a) => ({ ...attachmentMeta(a), width: null, height: null }));
  for (const e of message.embeds) {
    for (const media of [e.image, e.thumbnail]) if (media?.url && !all.some((a) => a.url === media.url)) all.push(embedImage(media));
  }
  return { images: all.slice(0, IMAGE_RULES.maxImages), total: all.length };
}

export async function execute(interaction: MessageContextMenuCommandInteraction, ctx: AppContext): Promise<void> {
  const message = interaction.targetMessage;
  await openMakeAVideo(messageImages({ attachments: message.attachments.values(), embeds: message.embeds }), interaction.id, actorOf(interaction), portsOf(interaction, ctx));
}

/**
 * No images: say what was looked for, and nothing else happens. A channel where the server does not allow
 * videos is answered privately when its rule comes in time (guards.ts; else the submit checks it, as /video's
 * does after its deferral). Otherwise the images are stored for the submit (src/interactions/drafts.ts says
 * why they are stored rather than read again) and the form is shown: a bounded read and one write before it,
 * well inside Discord's 3 s.
 */
export async function openMakeAVideo(found: { images: AttachmentMeta[]; total: number }, interactionId: string, actor: Actor, { reply, drafts, limits }: HandlerPorts): Promise<void> {
  const m = messagesFor(actor.locale);
  if (found.images.length === 0) return reply.reply(m.make.noImages);
  const channel = await channelBeforeDeferral(actor, limits);
  if (channel.refusal) return reply.reply(wordRefusal(channel.refusal, m));
  await drafts.put(interactionId, { userId: actor.userId, images: found.images, total: found.total });
  await reply.showModal(makeModal(interactionId, found.images.length, found.total, m));
}

/** The form's submit: the message's images, then the uploaded ones, through /video's pipeline. */
export async function submitMakeAVideo(interactionId: string, answers: FormAnswers, actor: Actor, ports: HandlerPorts): Promise<void> {
  const draft = await ports.drafts.get(interactionId);
  if (!draft || draft.userId !== actor.userId) return ports.reply.reply(messagesFor(actor.locale).make.draftGone);
  const { prompt, ...options } = formOptions(answers);
  await requestVideo({ ...options, prompt: prompt ?? '', seed: null, images: [...draft.images, ...answers.files(FIELD.images)] }, actor, ports);
}

export const submit: ModalHandler = (interaction, interactionId, ctx) => submitMakeAVideo(interactionId, formAnswers(interaction), actorOf(interaction), portsOf(interaction, ctx));
