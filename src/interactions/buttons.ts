import type { ButtonInteraction } from 'discord.js';
import type { AppContext } from './context';
import { optionProblems, toRequest } from '../validation';
import { channelBeforeDeferral, moderates, videoChannelRefusal } from './guards';
import { refuse } from './refusal';
import { renderProblems } from '../discord/render';
import { en, wordProblem, wordRefusal } from '../discord/messages';
import type { ButtonAction } from '../discord/custom-id';
import type { JobOrigin } from './defer';
import { actorOf, portsOf } from './edge';
import type { Actor, HandlerPorts } from './ports';
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

/** The discord.js edge of a button: who pressed it, and the ports answering that interaction. */
const edge =
  (core: (jobId: string, actor: Actor, ports: HandlerPorts) => Promise<void>): ButtonHandler =>
  (interaction, jobId, ctx) =>
    core(jobId, actorOf(interaction), portsOf(interaction, ctx));

export async function cancelJob(jobId: string, actor: Actor, { reply, jobs }: HandlerPorts): Promise<void> {
  const job = await jobs.get(jobId);
  if (!job) return reply.reply('This video job no longer exists.');
  if (job.userId !== actor.userId && !moderates(actor, job.guildId)) {
    return reply.reply('This is not your video: only the person who started it or a moderator can cancel it.');
  }
  // A submit in flight is waited for (its answer decides whether the job still counts): that can outlast
  // Discord's 3 s, so acknowledge first.
  const waits = job.state === 'reserved' || job.state === 'submitting';
  if (waits) await reply.deferPrivately();
  const content = cancelAnswer(await jobs.cancel(jobId, actor.userId));
  if (waits) await reply.edit({ text: content, rows: [] });
  else await reply.reply(content);
}

/**
 * Same inputs, new seed, a new job message, counted against the presser's limits. Discord's image links
 * expire after about a day, so they are renewed first; images Discord no longer has end the re-roll.
 */
export async function rerollJob(jobId: string, actor: Actor, ports: HandlerPorts): Promise<void> {
  const source = await ports.jobs.get(jobId);
  if (!source) return ports.reply.reply('This video job is too old to re-roll; please run /video again.');
  // `completed` too: the video is shown (with this button) a moment before its delivery is recorded.
  if (source.state !== 'completed' && source.state !== 'delivered' && source.state !== 'failed' && source.state !== 'undeliverable') {
    return ports.reply.reply('This video is still being made; re-roll it once it is finished.');
  }
  const channel = await channelBeforeDeferral(actor, ports.limits);
  if (channel.refusal) return ports.reply.reply(wordRefusal(channel.refusal));
  const origin = await ports.reply.deferForJob();
  await ports.afterDeferral.run(() => reroll(source, actor, ports, origin, channel.known));
}

async function reroll(source: Job, actor: Actor, { reply, limits, jobs, refreshImageUrls, newJobId, newSeed, logger, audit }: HandlerPorts, origin: JobOrigin, channelKnown: boolean): Promise<void> {
  const guildId = actor.limitsScope;
  const notHere = channelKnown ? undefined : await videoChannelRefusal(actor, limits);
  if (notHere) return refuse(actor, notHere, { reply, audit });

  const r = source.request;
  const problems = optionProblems(
    { prompt: r.prompt, model: r.model, duration: r.duration, resolution: r.resolution, aspectRatio: r.aspect_ratio },
    await limits.caps(guildId),
  );
  if (problems.length) return reply.edit(renderProblems(en.problems.rerollNotHere, problems.map((p) => wordProblem(p))));

  let refreshed: Map<string, string>;
  try {
    refreshed = await refreshImageUrls(r.image_urls);
  } catch (err) {
    logger.warn({ jobId: source.id, err: (err as Error).message }, 'refreshing attachment links failed');
    refreshed = new Map();
  }
  const urls = r.image_urls.map((u) => refreshed.get(u));
  if (urls.some((u) => u === undefined)) {
    return reply.edit(renderProblems(en.problems.imagesGoneTitle, [en.problems.imagesGone]));
  }

  const newId = newJobId();
  const reserved = await limits.reserve({ guildId, userId: actor.userId, roleIds: actor.roleIds }, newId, r.duration);
  if (!reserved.ok) return refuse(actor, reserved.refusal, { reply, audit });

  await jobs.start({
    ...origin,
    id: newId,
    request: { ...toRequest({ prompt: r.prompt, model: r.model, duration: r.duration, resolution: r.resolution, aspectRatio: r.aspect_ratio }, urls as string[]), seed: newSeed() },
    imageNames: source.imageNames,
    usage: reserved.usage,
    rerollOf: source.id,
  });
}

export const buttonHandlers: Record<ButtonAction, ButtonHandler> = { cancel: edge(cancelJob), reroll: edge(rerollJob) };
