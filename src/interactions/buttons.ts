import { randomInt } from 'node:crypto';
import { MessageFlags, type ButtonInteraction } from 'discord.js';
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
import type { CancelOutcome } from '../jobs/service';

export type ButtonHandler = (interaction: ButtonInteraction, jobId: string, ctx: AppContext) => Promise<void>;


/** The Cancel answer; it says whether the job still counts (docs/commands.md, limits). */
function cancelAnswer(result: CancelOutcome): string {
  switch (result.outcome) {
    case 'cancelled':
      return result.quotaKept
        ? 'Cancelled: you will not get this video. The video service had already accepted it and still makes it (it cannot be stopped there), so it counts toward your limits today.'
        : 'Cancelled before it reached the video service. The quota for it was given back.';
    case 'finished':
      return 'This video has already finished; there is nothing to cancel.';
    case 'failed':
      return 'This video could not be made (its message says why), so there is nothing to cancel. Its quota was given back.';
    case 'missing':
      return 'This video job no longer exists.';
  }
}

export const cancelButton: ButtonHandler = async (interaction, jobId, ctx) => {
  const job = await ctx.jobs.get(jobId);
  if (!job) return void (await interaction.reply(ephemeral('This video job no longer exists.')));
  if (job.userId !== interaction.user.id && !moderates(interaction, job.guildId)) {
    return void (await interaction.reply(ephemeral('This is not your video: only the person who started it or a moderator can cancel it.')));
  }
  // A submit in flight is waited for (its answer decides whether the job still counts): that can outlast
  // Discord's 3 s, so acknowledge first.
  const waits = job.state === 'reserved' || job.state === 'submitting';
  if (waits) await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const content = cancelAnswer(await ctx.jobs.cancel(jobId, interaction.user.id));
  if (waits) await interaction.editReply(replyOptions({ text: content, rows: [] }));
  else await interaction.reply(ephemeral(content));
};

/**
 * Same inputs, new seed, a new job message, counted against the presser's limits. Discord's image links
 * expire after about a day, so they are renewed first; images Discord no longer has end the re-roll.
 */
export const rerollButton: ButtonHandler = async (interaction, jobId, ctx) => {
  const source = await ctx.jobs.get(jobId);
  if (!source) return void (await interaction.reply(ephemeral('This video job is too old to re-roll; please run /video again.')));
  // `completed` too: the video is shown (with this button) a moment before its delivery is recorded.
  if (source.state !== 'completed' && source.state !== 'delivered' && source.state !== 'failed' && source.state !== 'undeliverable') {
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
    refreshed = await ctx.refreshImageUrls(r.image_urls);
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
