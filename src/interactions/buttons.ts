import { randomInt } from 'node:crypto';
import type { ButtonInteraction } from 'discord.js';
import type { AppContext } from './context';
import { SEED_MAX } from '../models';
import { optionProblems, toRequest } from '../validation';
import { moderates } from './guards';
import { renderProblems } from '../discord/render';
import { en, wordProblem, wordRefusal } from '../discord/messages';
import { ephemeral, replyOptions } from '../discord/outgoing';
import type { ButtonAction } from '../discord/custom-id';
import { deferForJob, type JobOrigin } from './defer';
import { limitsScope } from './scope';
import type { Job } from '../jobs/record';

export type ButtonHandler = (interaction: ButtonInteraction, jobId: string, ctx: AppContext) => Promise<void>;


export const cancelButton: ButtonHandler = async (interaction, jobId, ctx) => {
  const job = await ctx.repo.get(jobId);
  if (!job) return void (await interaction.reply(ephemeral('This video job no longer exists.')));
  if (job.userId !== interaction.user.id && !moderates(interaction, job.guildId)) {
    return void (await interaction.reply(ephemeral('This is not your video: only the person who started it or a moderator can cancel it.')));
  }
  const outcome = await ctx.jobs.cancel(jobId, interaction.user.id);
  await interaction.reply(
    ephemeral(
      outcome === 'cancelled'
        ? 'Cancelled. The quota for it was given back. (The video service may still finish it on its side.)'
        : outcome === 'finished'
          ? 'This video has already finished; there is nothing to cancel.'
          : 'This video job no longer exists.',
    ),
  );
};

/**
 * Same inputs, new seed, a new job message, counted against the presser's limits. Discord's image links
 * expire after about a day, so they are renewed first; images Discord no longer has end the re-roll.
 */
export const rerollButton: ButtonHandler = async (interaction, jobId, ctx) => {
  const source = await ctx.repo.get(jobId);
  if (!source) return void (await interaction.reply(ephemeral('This video job is too old to re-roll; please run /video again.')));
  if (source.state !== 'delivered' && source.state !== 'failed' && source.state !== 'undeliverable') {
    return void (await interaction.reply(ephemeral('This video is still being made; re-roll it once it is finished.')));
  }
  const origin = await deferForJob(interaction, ctx);
  await ctx.afterDeferral.run(() => reroll(interaction, ctx, source, origin));
};

async function reroll(interaction: ButtonInteraction, ctx: AppContext, source: Job, origin: JobOrigin): Promise<void> {
  const guildId = limitsScope(interaction);

  const r = source.request;
  const problems = optionProblems(
    { prompt: r.prompt, model: r.model, duration: r.duration, resolution: r.resolution, aspectRatio: r.aspect_ratio },
    await ctx.limits.caps(guildId),
  );
  if (problems.length) return void (await interaction.editReply(replyOptions(renderProblems(en.problems.rerollNotHere, problems.map((p) => wordProblem(p))))));

  let refreshed: Map<string, string>;
  try {
    refreshed = await ctx.messenger.refreshAttachmentUrls(r.image_urls);
  } catch (err) {
    ctx.logger.warn({ jobId: source.id, err: (err as Error).message }, 'refreshing attachment links failed');
    refreshed = new Map();
  }
  const urls = r.image_urls.map((u) => refreshed.get(u));
  if (urls.some((u) => u === undefined)) {
    return void (await interaction.editReply(replyOptions(renderProblems(en.problems.imagesGoneTitle, [en.problems.imagesGone]))));
  }

  const newId = ctx.newJobId();
  const reserved = await ctx.limits.reserve({ guildId, userId: interaction.user.id }, newId, r.duration);
  if (!reserved.ok) return void (await interaction.editReply(replyOptions(renderProblems(en.problems.limitReached, [wordRefusal(reserved.refusal)]))));

  await ctx.jobs.start({
    ...origin,
    id: newId,
    request: { ...toRequest({ prompt: r.prompt, model: r.model, duration: r.duration, resolution: r.resolution, aspectRatio: r.aspect_ratio }, urls as string[]), seed: randomInt(0, SEED_MAX) },
    imageNames: source.imageNames,
    usage: reserved.usage,
    rerollOf: source.id,
  });
}

export const buttonHandlers: Record<ButtonAction, ButtonHandler> = { cancel: cancelButton, reroll: rerollButton };
