import type { ButtonInteraction } from 'discord.js';
import type { AppContext } from './context';
import { optionProblems, toRequest } from '../validation';
import { channelBeforeDeferral, moderates, videoChannelRefusal } from './guards';
import { refuse } from './refusal';
import { renderProblems } from '../discord/render';
import { messagesFor, wordProblem, wordRefusal, type Messages } from '../discord/messages';
import type { ButtonAction } from '../discord/custom-id';
import type { JobOrigin } from './defer';
import { actorOf, historyPortsOf, portsOf } from './edge';
import { sendAgain } from './resend';
import type { Actor, HandlerPorts } from './ports';
import type { Job } from '../jobs/record';
import type { CancelOutcome } from '../jobs/service';
import { setUrls } from './refs';

export type ButtonHandler = (interaction: ButtonInteraction, jobId: string, ctx: AppContext) => Promise<void>;


/** The Cancel answer; it says whether the job still counts (docs/commands.md, limits). */
function cancelAnswer(result: CancelOutcome, m: Messages): string {
  switch (result.outcome) {
    case 'cancelled':
      return result.quotaKept ? m.buttons.cancelledQuotaKept : m.buttons.cancelledQuotaBack;
    case 'finished':
      return m.buttons.alreadyFinished;
    case 'failed':
      return m.buttons.alreadyFailed;
    case 'missing':
      return m.buttons.jobMissing;
  }
}

/** The discord.js edge of a button: who pressed it, and the ports answering that interaction. */
const edge =
  (core: (jobId: string, actor: Actor, ports: HandlerPorts) => Promise<void>): ButtonHandler =>
  (interaction, jobId, ctx) =>
    core(jobId, actorOf(interaction), portsOf(interaction, ctx));

export async function cancelJob(jobId: string, actor: Actor, { reply, jobs }: HandlerPorts): Promise<void> {
  const m = messagesFor(actor.locale);
  const job = await jobs.get(jobId);
  if (!job) return reply.reply(m.buttons.jobMissing);
  if (job.userId !== actor.userId && !moderates(actor, job.guildId)) {
    return reply.reply(m.buttons.notYours);
  }
  // A submit in flight is waited for (its answer decides whether the job still counts): that can outlast
  // Discord's 3 s, so acknowledge first.
  const waits = job.state === 'reserved' || job.state === 'submitting';
  if (waits) await reply.deferPrivately();
  const content = cancelAnswer(await jobs.cancel(jobId, actor.userId), m);
  if (waits) await reply.edit({ text: content, rows: [] });
  else await reply.reply(content);
}

/**
 * Same inputs, new seed, a new job message, counted against the presser's limits. Discord's image links
 * expire after about a day, so they are renewed first; images Discord no longer has end the re-roll. A saved
 * set's images get links from the set instead (renewed uploads when the kept ones are near their end); a set
 * deleted since ends the re-roll too.
 */
export async function rerollJob(jobId: string, actor: Actor, ports: HandlerPorts): Promise<void> {
  const m = messagesFor(actor.locale);
  const source = await ports.jobs.get(jobId);
  if (!source) return ports.reply.reply(m.buttons.tooOldToReroll);
  // `completed` too: the video is shown (with this button) a moment before its delivery is recorded.
  if (source.state !== 'completed' && source.state !== 'delivered' && source.state !== 'failed' && source.state !== 'undeliverable') {
    return ports.reply.reply(m.buttons.stillRunning);
  }
  const channel = await channelBeforeDeferral(actor, ports.limits);
  if (channel.refusal) return ports.reply.reply(wordRefusal(channel.refusal, m));
  const origin = await ports.reply.deferForJob();
  await ports.afterDeferral.run(() => reroll(source, actor, ports, origin, channel.known));
}

async function reroll(source: Job, actor: Actor, ports: HandlerPorts, origin: JobOrigin, channelKnown: boolean): Promise<void> {
  const { reply, limits, jobs, refreshImageUrls, newJobId, newSeed, logger, audit } = ports;
  const guildId = actor.limitsScope;
  const m = messagesFor(actor.locale);
  const notHere = channelKnown ? undefined : await videoChannelRefusal(actor, limits);
  if (notHere) return refuse(actor, notHere, { reply, audit });

  const r = source.request;
  const problems = optionProblems(
    { prompt: r.prompt, model: r.model, duration: r.duration, resolution: r.resolution, aspectRatio: r.aspect_ratio },
    await limits.caps(guildId),
  );
  if (problems.length) return reply.edit(renderProblems(m.problems.rerollNotHere, problems.map((p) => wordProblem(p, m)), m));

  // A saved set's images come first and get links from the set (its provider links expire); the rest are
  // Discord attachments.
  const fromSet = source.refSet?.images ?? 0;
  let kept: string[] = [];
  if (source.refSet) {
    const set = await ports.refs.get(source.refSet.id);
    const urls = set ? await setUrls(set, ports, m) : m.refs.setGone;
    if (typeof urls === 'string') return reply.edit(renderProblems(m.refs.setGoneTitle, [urls], m));
    kept = urls;
  }
  const attached = r.image_urls.slice(fromSet);
  let refreshed: Map<string, string>;
  try {
    refreshed = attached.length ? await refreshImageUrls(attached) : new Map();
  } catch (err) {
    logger.warn({ jobId: source.id, err: (err as Error).message }, 'refreshing attachment links failed');
    refreshed = new Map();
  }
  const urls = [...kept, ...attached.map((u) => refreshed.get(u))];
  if (urls.some((u) => u === undefined)) {
    return reply.edit(renderProblems(m.problems.imagesGoneTitle, [m.problems.imagesGone], m));
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
    preview: source.preview === true,
    refSet: source.refSet ?? null,
  });
}

export const buttonHandlers: Record<ButtonAction, ButtonHandler> = {
  cancel: edge(cancelJob),
  reroll: edge(rerollJob),
  resend: (interaction, jobId, ctx) => sendAgain(jobId, actorOf(interaction), historyPortsOf(interaction, ctx)),
};
