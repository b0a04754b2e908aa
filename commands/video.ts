import { ApplicationIntegrationType, InteractionContextType, SlashCommandBuilder, type Attachment, type ChatInputCommandInteraction } from 'discord.js';
import { ASPECT_RATIOS, DEFAULTS, DURATION_BOUNDS, MODELS, PROMPT_MAX, PREVIEW_DEFAULTS, RESOLUTIONS, SEED_MAX } from '../src/models';
import { renderProblems } from '../src/discord/render';
import { messagesFor, wordProblem, wordRefusal } from '../src/discord/messages';
import { choice, described } from '../src/discord/command-text';
import { validateVideoRequest, type AttachmentMeta, type RequestOptions } from '../src/validation';
import type { AppContext } from '../src/interactions/context';
import type { JobOrigin } from '../src/interactions/defer';
import { actorOf, portsOf } from '../src/interactions/edge';
import type { Actor, HandlerPorts } from '../src/interactions/ports';

/** `/video`: docs/commands.md. Option names are a contract: operators' scripts and outside tests use them. */

export const IMAGE_OPTIONS = ['image1', 'image2', 'image3', 'image4', 'image5', 'image6', 'image7'] as const;

const builder = described(new SlashCommandBuilder(), 'video.description')
  .setName('video')
  .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
  // Members may also install the bot as their own app and use it where the server has not added it.
  .setIntegrationTypes(ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall)
  .addStringOption((o) => described(o.setName('prompt'), 'video.prompt').setRequired(true).setMinLength(1).setMaxLength(PROMPT_MAX))
  .addAttachmentOption((o) => described(o.setName('image1'), 'video.image1').setRequired(true).setFileTypes('image'));
for (const name of IMAGE_OPTIONS.slice(1)) {
  builder.addAttachmentOption((o) => described(o.setName(name), 'video.image', { n: name.slice(5) }).setRequired(false).setFileTypes('image'));
}
builder
  .addStringOption((o) =>
    described(o.setName('model'), 'video.model', { model: DEFAULTS.model }).addChoices(...MODELS.map((m) => choice(`video.modelChoice.${m.id}`, m.id))),
  )
  .addIntegerOption((o) =>
    described(o.setName('duration'), 'video.duration', (say) => ({
      duration: DEFAULTS.duration,
      ranges: MODELS.map((m) => say('video.durationRange', { model: m.id, min: m.minDuration, max: m.maxDuration })),
    }))
      .setMinValue(DURATION_BOUNDS.min)
      .setMaxValue(DURATION_BOUNDS.max),
  )
  .addStringOption((o) =>
    described(o.setName('resolution'), 'video.resolution', {
      resolution: DEFAULTS.resolution,
      models: MODELS.filter((m) => !m.resolutions.includes('540p' as never)).map((m) => m.id),
    }).addChoices(...RESOLUTIONS.map((r) => ({ name: r, value: r }))),
  )
  .addStringOption((o) => described(o.setName('aspect_ratio'), 'video.aspectRatio', { aspectRatio: DEFAULTS.aspectRatio }).addChoices(...ASPECT_RATIOS.map((a) => ({ name: a, value: a }))))
  .addIntegerOption((o) => described(o.setName('seed'), 'video.seed').setMinValue(0).setMaxValue(SEED_MAX))
  .addBooleanOption((o) => described(o.setName('preview'), 'video.preview', { model: PREVIEW_DEFAULTS.model, duration: PREVIEW_DEFAULTS.duration }));

export const data = builder;

export function attachmentMeta(a: Attachment): AttachmentMeta {
  return { url: a.url, filename: a.name, contentType: a.contentType, size: a.size, width: a.width, height: a.height };
}

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
    images: IMAGE_OPTIONS.map((name) => o.getAttachment(name)).filter((a): a is Attachment => a !== null).map(attachmentMeta),
  };
  await requestVideo(input, actorOf(interaction), portsOf(interaction, ctx));
}

/** The options of a /video as typed, the images as Discord describes them. */
export type VideoInput = RequestOptions & { images: AttachmentMeta[] };

/** Validates, reserves quota and starts the job; a problem or a refusal replaces the "thinking…" reply. */
export async function requestVideo(input: VideoInput, actor: Actor, ports: HandlerPorts): Promise<void> {
  // Acknowledge first: Discord allows 3 s, and everything below may wait on the network.
  const origin = await ports.reply.deferForJob();
  await ports.afterDeferral.run(() => createJob(input, actor, ports, origin));
}

async function createJob({ images, ...options }: VideoInput, actor: Actor, { reply, probe, limits, jobs, newJobId, newSeed }: HandlerPorts, origin: JobOrigin): Promise<void> {
  const m = messagesFor(actor.locale);
  const attachments = await probe(images);
  const caps = await limits.caps(actor.limitsScope);
  const result = validateVideoRequest({ ...options, attachments }, caps);
  if (!result.ok) {
    await reply.edit(renderProblems(m.problems.request({ count: result.problems.length }), result.problems.map((p) => wordProblem(p, m)), m));
    return;
  }

  const jobId = newJobId();
  const reserved = await limits.reserve({ guildId: actor.limitsScope, userId: actor.userId }, jobId, result.request.duration);
  if (!reserved.ok) {
    await reply.edit(renderProblems(m.problems.limitReached, [wordRefusal(reserved.refusal, m)], m));
    return;
  }

  await jobs.start({
    ...origin,
    id: jobId,
    // A seed the user did not give is picked here and sent, so the result can be reproduced or upgraded.
    request: { ...result.request, seed: result.request.seed ?? newSeed() },
    imageNames: images.map((a) => a.filename),
    usage: reserved.usage,
    rerollOf: null,
    preview: options.preview === true,
  });
}
