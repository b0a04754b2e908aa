import { ApplicationIntegrationType, InteractionContextType, SlashCommandBuilder, type Attachment, type AutocompleteInteraction, type ChatInputCommandInteraction } from 'discord.js';
import { ASPECT_RATIOS, DEFAULTS, DURATION_BOUNDS, MODELS, PROMPT_MAX, PREVIEW_DEFAULTS, RESOLUTIONS, SEED_MAX, VARIATIONS } from '../src/models';
import { renderProblems } from '../src/discord/render';
import { en, wordProblem, wordRefusal } from '../src/discord/messages';
import { validateVideoRequest, type AttachmentMeta, type RequestOptions } from '../src/validation';
import type { RefSet } from '../src/refs';
import { findRefSet, refChoices, setUrls } from '../src/interactions/refs';
import type { AppContext } from '../src/interactions/context';
import type { JobOrigin } from '../src/interactions/defer';
import { actorOf, attachmentMeta, portsOf } from '../src/interactions/edge';
import { reserveAndStart } from '../src/interactions/takes';
import { channelBeforeDeferral, videoChannelRefusal } from '../src/interactions/guards';
import { refuse } from '../src/interactions/refusal';
import type { Actor, HandlerPorts } from '../src/interactions/ports';

/** `/video`: docs/commands.md. Option names are a contract: operators' scripts and outside tests use them. */

export const IMAGE_OPTIONS = ['image1', 'image2', 'image3', 'image4', 'image5', 'image6', 'image7'] as const;

const builder = new SlashCommandBuilder()
  .setName('video')
  .setDescription('Turn 1 to 7 reference images (attached or a saved set) into a short AI video')
  .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
  // Members may also install the bot as their own app and use it where the server has not added it.
  .setIntegrationTypes(ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall)
  .addStringOption((o) => o.setName('prompt').setDescription('Describe the motion and camera, not the looks (the images give those)').setRequired(true).setMinLength(1).setMaxLength(PROMPT_MAX))
  // Optional since `refs` exists: Discord cannot express "image1 or refs", so validation asks for one of them.
  .addAttachmentOption((o) => o.setName('image1').setDescription('First reference image (PNG, JPEG or WebP), or use refs').setRequired(false).setFileTypes('image'));
for (const name of IMAGE_OPTIONS.slice(1)) {
  builder.addAttachmentOption((o) => o.setName(name).setDescription(`Reference image ${name.slice(5)}`).setRequired(false).setFileTypes('image'));
}
builder
  .addStringOption((o) =>
    o
      .setName('model')
      .setDescription(`Model (default ${DEFAULTS.model})`)
      .addChoices(...MODELS.map((m) => ({ name: m.label, value: m.id }))),
  )
  .addIntegerOption((o) =>
    o
      .setName('duration')
      .setDescription(`Seconds (default ${DEFAULTS.duration}; ${MODELS.map((m) => `${m.id} ${m.minDuration}-${m.maxDuration}`).join(', ')})`)
      .setMinValue(DURATION_BOUNDS.min)
      .setMaxValue(DURATION_BOUNDS.max),
  )
  .addStringOption((o) =>
    o
      .setName('resolution')
      .setDescription(`Resolution (default ${DEFAULTS.resolution}; ${MODELS.filter((m) => !m.resolutions.includes('540p' as never)).map((m) => m.id).join(', ')} has no 540p)`)
      .addChoices(...RESOLUTIONS.map((r) => ({ name: r, value: r }))),
  )
  .addStringOption((o) =>
    o
      .setName('aspect_ratio')
      .setDescription(`Aspect ratio (default ${DEFAULTS.aspectRatio})`)
      .addChoices(...ASPECT_RATIOS.map((a) => ({ name: a, value: a }))),
  )
  .addIntegerOption((o) => o.setName('seed').setDescription('Seed for similar results (optional)').setMinValue(0).setMaxValue(SEED_MAX))
  .addIntegerOption((o) =>
    o
      .setName('variations')
      .setDescription(`Takes with different seeds, in one message; each counts as a video (default ${VARIATIONS.default})`)
      .setMinValue(VARIATIONS.min)
      .setMaxValue(VARIATIONS.max),
  )
  .addBooleanOption((o) => o.setName('preview').setDescription(`Quick, cheap take: ${PREVIEW_DEFAULTS.model}, lowest resolution, ${PREVIEW_DEFAULTS.duration} s unless given`))
  .addStringOption((o) => o.setName('refs').setDescription('A saved reference set (/video-refs): its images come first').setAutocomplete(true))
  .addBooleanOption((o) => o.setName('private').setDescription('Only you see the video; after 15 minutes it comes to your DMs'));

export const data = builder;

export async function execute(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<void> {
  const o = interaction.options;
  const input: VideoInput = {
    prompt: o.getString('prompt', true),
    model: o.getString('model'),
    duration: o.getInteger('duration'),
    resolution: o.getString('resolution'),
    aspectRatio: o.getString('aspect_ratio'),
    seed: o.getInteger('seed'),
    preview: o.getBoolean('preview'),
    variations: o.getInteger('variations'),
    refs: o.getString('refs'),
    private: o.getBoolean('private'),
    images: IMAGE_OPTIONS.map((name) => o.getAttachment(name)).filter((a): a is Attachment => a !== null).map(attachmentMeta),
  };
  await requestVideo(input, actorOf(interaction), portsOf(interaction, ctx));
}

export async function autocomplete(interaction: AutocompleteInteraction, ctx: AppContext): Promise<void> {
  await interaction.respond(await refChoices(interaction.options.getFocused(), actorOf(interaction), ctx.refs, ctx.logger));
}

/** The options of a /video as typed, the images as Discord describes them; `refs` names a saved set. */
export type VideoInput = RequestOptions & { images: AttachmentMeta[]; refs?: string | null; private?: boolean | null };

/**
 * A kept image as validation sees it. Its link is a placeholder under `.invalid` (reserved, never resolves):
 * the provider's link is asked for only once the request is valid, and replaces it before the submit.
 */
const keptMeta = (set: RefSet): AttachmentMeta[] =>
  set.images.map((i, n) => ({ url: `https://kept.invalid/${set.id}/${n}`, filename: i.filename, contentType: i.contentType, size: i.bytes, width: i.width, height: i.height }));

/**
 * Validates, reserves quota and starts the job; a problem or a refusal replaces the "thinking…" reply. A channel
 * where the server does not allow videos is answered before that, privately, when the settings come in time
 * (guards.ts); otherwise it is checked after the deferral.
 */
export async function requestVideo(input: VideoInput, actor: Actor, ports: HandlerPorts): Promise<void> {
  const channel = await channelBeforeDeferral(actor, ports.limits);
  if (channel.refusal) return ports.reply.reply(wordRefusal(channel.refusal));
  // Acknowledge first: Discord allows 3 s, and everything below may wait on the network.
  const origin = await ports.reply.deferForJob({ private: input.private === true });
  await ports.afterDeferral.run(() => createJob(input, actor, ports, origin, channel.known));
}

// `private` is already in the origin (an ephemeral deferral); it is no option of the generation request.
async function createJob({ images, refs: refsName, private: _private, ...options }: VideoInput, actor: Actor, ports: HandlerPorts, origin: JobOrigin, channelKnown: boolean): Promise<void> {
  const { reply, probe, limits, refs, audit } = ports;
  const notHere = channelKnown ? undefined : await videoChannelRefusal(actor, limits);
  if (notHere) return refuse(actor, notHere, { reply, audit });
  const attachments = await probe(images);
  let set: RefSet | undefined;
  if (refsName) {
    const found = await findRefSet(refsName, actor, refs);
    set = found.set;
    if (!set) return reply.edit(renderProblems(en.problems.request({ count: 1 }), [en.refs.notFound({ name: found.name, inServer: actor.guildId !== null })]));
  }
  const kept = set ? keptMeta(set) : [];
  const caps = await limits.caps(actor.limitsScope);
  const result = validateVideoRequest({ ...options, attachments: [...kept, ...attachments], fromSet: kept.length }, caps);
  if (!result.ok) {
    await reply.edit(renderProblems(en.problems.request({ count: result.problems.length }), result.problems.map((p) => wordProblem(p))));
    return;
  }
  // Before the reservation: a set whose images cannot be handed over starts nothing and counts nothing.
  const request = result.request;
  if (set) {
    const urls = await setUrls(set, ports);
    if (typeof urls === 'string') return reply.edit(renderProblems(en.problems.request({ count: 1 }), [urls]));
    request.image_urls = [...urls, ...request.image_urls.slice(urls.length)];
  }

  // A seed the user did not give is picked and sent, so the result can be reproduced or upgraded; with
  // `variations`, every take gets its own (reserveAndStart). One video may wait in line or for an approval;
  // takes do not (src/interactions/takes.ts).
  const refusal = await reserveAndStart(
    ports,
    actor,
    options.variations ?? VARIATIONS.default,
    {
      ...origin,
      request,
      imageNames: [...kept, ...images].map((a) => a.filename),
      rerollOf: null,
      preview: options.preview === true,
      refSet: set ? { id: set.id, images: kept.length } : null,
    },
    request.seed,
  );
  if (refusal) await refuse(actor, refusal, { reply, audit });
}

