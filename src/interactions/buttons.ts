import { MessageFlags, type ButtonInteraction, type MessageFlagsBitField, type ModalSubmitInteraction } from 'discord.js';
import type { AppContext } from './context';
import { optionProblems, toRequest, type RequestOptions } from '../validation';
import { channelBeforeDeferral, moderates, videoChannelRefusal } from './guards';
import { refuse } from './refusal';
import { decide } from './approval';
import { renderError, renderProblems } from '../discord/render';
import { finalModal, remixModal, TEXT_INPUT_MAX } from '../discord/modals';
import { messagesFor, wordProblem, wordRefusal, type Messages } from '../discord/messages';
import type { ButtonAction, ModalAction } from '../discord/custom-id';
import type { JobOrigin } from './defer';
import { actorOf, formAnswers, historyPortsOf, portsOf } from './edge';
import { formOptions, type FormAnswers } from './forms';
import { sendAgain } from './resend';
import { reserveAndStart } from './takes';
import type { Actor, HandlerPorts, Pressed } from './ports';
import type { Job } from '../jobs/record';
import type { CancelOutcome } from '../jobs/service';
import { setUrls } from './refs';

export type ButtonHandler = (interaction: ButtonInteraction, jobId: string, ctx: AppContext) => Promise<void>;
/** A form's submit; `subject` is what its custom id names (src/discord/custom-id.ts). */
export type ModalHandler = (interaction: ModalSubmitInteraction, subject: string, ctx: AppContext) => Promise<void>;

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

/** The discord.js edge of a button: who pressed it, on which message, and the ports answering that interaction. */
const edge =
  (core: (jobId: string, actor: Actor, ports: HandlerPorts, pressed: Pressed) => Promise<void>): ButtonHandler =>
  (interaction, jobId, ctx) =>
    core(jobId, actorOf(interaction), portsOf(interaction, ctx), pressedOn(interaction.channelId, interaction.message));

/** The edge of a form's submit: its answers, and the message whose button opened it when there was one. */
const modalEdge =
  (core: (subject: string, answers: FormAnswers, actor: Actor, ports: HandlerPorts, pressed: Pressed | null) => Promise<void>): ModalHandler =>
  (interaction, subject, ctx) =>
    core(subject, formAnswers(interaction), actorOf(interaction), portsOf(interaction, ctx), interaction.message && interaction.channelId ? pressedOn(interaction.channelId, interaction.message) : null);

/** The message a button (or the button that opened a form) was on; ephemeral: a private job's. */
const pressedOn = (channelId: string, message: { id: string; flags: Readonly<MessageFlagsBitField> }): Pressed => ({
  channelId,
  messageId: message.id,
  ephemeral: message.flags.has(MessageFlags.Ephemeral),
});

export async function cancelJob(jobId: string, actor: Actor, { reply, jobs }: HandlerPorts): Promise<void> {
  const m = messagesFor(actor.locale);
  const job = await jobs.get(jobId);
  if (!job) return reply.reply(m.buttons.jobMissing);
  if (job.userId !== actor.userId && !moderates(actor, job.guildId)) {
    return reply.reply(m.buttons.notYours);
  }
  // A submit in flight is waited for (its answer decides whether the job still counts): that can outlast
  // Discord's 3 s, so acknowledge first. Takes (`variations`) may have one in flight whatever the first's state.
  const waits = job.state === 'reserved' || job.state === 'submitting' || job.group !== undefined;
  if (waits) await reply.deferPrivately();
  const content = cancelAnswer(await jobs.cancel(jobId, actor.userId), m);
  if (waits) await reply.edit({ text: content, rows: [] });
  else await reply.reply(content);
}

/** `completed` too: the video is shown (with its buttons) a moment before its delivery is recorded. */
const isFinished = (job: Job) => job.state === 'completed' || job.state === 'delivered' || job.state === 'undeliverable';

/**
 * Same inputs, new seed, a new job message, counted against the presser's limits. Discord's image links
 * expire after about a day, so they are renewed first; images Discord no longer has end the re-roll. A saved
 * set's images get links from the set instead (renewed uploads when the kept ones are near their end); a set
 * deleted since ends the re-roll too.
 */
export async function rerollJob(jobId: string, actor: Actor, ports: HandlerPorts, pressed?: Pressed): Promise<void> {
  const m = messagesFor(actor.locale);
  const source = await ports.jobs.get(jobId);
  if (!source) return ports.reply.reply(m.buttons.tooOldToReroll);
  if (!isFinished(source) && source.state !== 'failed') return ports.reply.reply(m.buttons.stillRunning);
  const channel = await channelBeforeDeferral(actor, ports.limits);
  if (channel.refusal) return ports.reply.reply(wordRefusal(channel.refusal, m));
  // A private job's Re-roll stays private (docs/commands.md), wherever its card reached the member.
  const origin = await ports.reply.deferForJob({ private: source.private === true || pressed?.ephemeral === true });
  const r = source.request;
  const options = { prompt: r.prompt, model: r.model, duration: r.duration, resolution: r.resolution, aspectRatio: r.aspect_ratio };
  await ports.afterDeferral.run(() =>
    remake(source, { options, seed: ports.newSeed(), title: () => m.problems.rerollNotHere, rerollOf: source.id, preview: source.preview === true, takes: source.group?.jobIds.length ?? 1 }, actor, ports, { origin, newId: ports.newJobId(), channelKnown: channel.known }),
  );
}

/** How a Re-roll, Remix or Final differs from its source. */
interface Remake {
  options: RequestOptions;
  seed: number;
  /** The title of the problems found, given their number. */
  title: (count: number) => string;
  rerollOf: string | null;
  cameFrom?: Job['cameFrom'];
  /** How many takes: a Re-roll of takes (`variations`) makes as many new ones; Remix and Final make one. */
  takes: number;
  preview: boolean;
}

/**
 * A new job from `source`'s images: the channel checked (unless that was done before the deferral), the
 * options checked against the current caps (every problem at once), the image links renewed (a saved set's
 * from the set; Discord's expire after about a day, and images it no longer has end it here), the quota
 * reserved for the presser, then started. Whatever stops it replaces the "thinking…" reply; true when started.
 */
async function remake(source: Job, how: Remake, actor: Actor, ports: HandlerPorts, at: { origin: JobOrigin; newId: string; channelKnown: boolean }): Promise<boolean> {
  const m = messagesFor(actor.locale);
  const { reply, limits, refreshImageUrls, logger, audit } = ports;
  const notHere = at.channelKnown ? undefined : await videoChannelRefusal(actor, limits);
  if (notHere) {
    await refuse(actor, notHere, { reply, audit });
    return false;
  }
  const problems = optionProblems(how.options, await limits.caps(actor.limitsScope));
  if (problems.length) {
    await reply.edit(renderProblems(how.title(problems.length), problems.map((p) => wordProblem(p, m)), m));
    return false;
  }

  const r = source.request;
  // A saved set's images come first and get links from the set (its provider links expire); the rest are
  // Discord attachments.
  const fromSet = source.refSet?.images ?? 0;
  let kept: string[] = [];
  if (source.refSet) {
    const set = await ports.refs.get(source.refSet.id);
    const urls = set ? await setUrls(set, ports, m) : m.refs.setGone;
    if (typeof urls === 'string') {
      await reply.edit(renderProblems(m.refs.setGoneTitle, [urls], m));
      return false;
    }
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
    await reply.edit(renderProblems(m.problems.imagesGoneTitle, [m.problems.imagesGone], m));
    return false;
  }

  const refusal = await reserveAndStart(
    ports,
    actor,
    how.takes,
    {
      ...at.origin,
      request: toRequest(how.options, urls as string[]),
      imageNames: source.imageNames,
      rerollOf: how.rerollOf,
      preview: how.preview,
      refSet: source.refSet ?? null,
      ...(how.cameFrom ? { cameFrom: how.cameFrom } : {}),
    },
    how.seed,
    at.newId,
  );
  if (refusal) {
    await refuse(actor, refusal, { reply, audit });
    return false;
  }
  return true;
}

/**
 * A form's submit starts a job like /video: the channel answered privately before the deferral when the
 * settings come in time (guards.ts), else checked after it by `remake`.
 */
async function deferSubmit(actor: Actor, ports: HandlerPorts, pressed: Pressed | null): Promise<{ origin: JobOrigin; channelKnown: boolean } | undefined> {
  const m = messagesFor(actor.locale);
  const channel = await channelBeforeDeferral(actor, ports.limits);
  if (channel.refusal) {
    await ports.reply.reply(wordRefusal(channel.refusal, m));
    return undefined;
  }
  // The source is read only after the deferral; a private job's form was opened on its ephemeral card.
  return { origin: await ports.reply.deferForJob({ private: pressed?.ephemeral === true }), channelKnown: channel.known };
}

/** A form's submit, deferred (deferSubmit), then `run` with the source job read after the deferral. */
async function afterSubmit(
  jobId: string,
  actor: Actor,
  ports: HandlerPorts,
  pressed: Pressed | null,
  run: (source: Job, deferred: { origin: JobOrigin; channelKnown: boolean }) => Promise<void>,
): Promise<void> {
  const deferred = await deferSubmit(actor, ports, pressed);
  if (!deferred) return;
  await ports.afterDeferral.run(async () => {
    const source = await ports.jobs.get(jobId);
    if (!source) {
      const m = messagesFor(actor.locale);
      return ports.reply.edit(renderError(m.buttons.tooOld, undefined, m));
    }
    await run(source, deferred);
  });
}

/** Where the source's message is, for the new one to link to: the pressed message, else the source's reply. */
function sourceLink(source: Job, pressed: Pressed | null): string | null {
  const messageId = pressed?.messageId ?? source.replyMessageId;
  return messageId ? `https://discord.com/channels/${source.guildId ?? '@me'}/${pressed?.channelId ?? source.channelId}/${messageId}` : null;
}

/** Remix: a form holding the prompt and options to edit. Nothing before the form but one store read (Discord's 3 s). */
export async function openRemix(jobId: string, actor: Actor, { jobs, reply }: HandlerPorts): Promise<void> {
  const m = messagesFor(actor.locale);
  const source = await jobs.get(jobId);
  if (!source) return reply.reply(m.buttons.tooOld);
  if (!isFinished(source)) return reply.reply(m.buttons.stillRunningRemix);
  await reply.showModal(remixModal(source, m));
}

/** The Remix form's submit: the edited prompt and options, the same images, a new job charged to the presser. */
export async function submitRemix(jobId: string, answers: FormAnswers, actor: Actor, ports: HandlerPorts, pressed: Pressed | null): Promise<void> {
  const m = messagesFor(actor.locale);
  await afterSubmit(jobId, actor, ports, pressed, async (source, deferred) => {
    const r = source.request;
    const given = formOptions(answers);
    // A prompt too long for the form was not shown in it: an empty field keeps it (src/discord/modals.ts).
    const prompt = given.prompt ?? ([...r.prompt].length > TEXT_INPUT_MAX ? r.prompt : '');
    // A field left out keeps the source's value, not /video's default.
    const options = { prompt, model: given.model ?? r.model, resolution: given.resolution ?? r.resolution, duration: given.duration ?? r.duration, aspectRatio: given.aspectRatio ?? r.aspect_ratio };
    await remake(
      source,
      { options, seed: ports.newSeed(), title: (count) => m.problems.remixNotHere({ count }), rerollOf: null, cameFrom: { kind: 'remix', jobId: source.id, messageUrl: sourceLink(source, pressed) }, preview: false, takes: 1 },
      actor,
      ports,
      { ...deferred, newId: ports.newJobId() },
    );
  });
}

/** Final: a form asking the duration (prefilled with the original's). Refused at once when there can be none. */
export async function openFinal(jobId: string, actor: Actor, { jobs, reply }: HandlerPorts): Promise<void> {
  const m = messagesFor(actor.locale);
  const source = await jobs.get(jobId);
  if (!source) return reply.reply(m.buttons.tooOld);
  if (!isFinished(source)) return reply.reply(m.buttons.stillRunningRemix);
  const seed = source.request.seed;
  if (source.request.resolution === '1080p') return reply.reply(m.buttons.finalAlready1080);
  if (seed === undefined) return reply.reply(m.buttons.finalNoSeed);
  if (source.finalJobId !== undefined) return reply.reply(m.buttons.finalTaken);
  await reply.showModal(finalModal({ ...source, request: { ...source.request, seed } }, m));
}

/**
 * The Final form's submit: the source's images, prompt, seed, model and aspect ratio at 1080p, the chosen
 * duration. The take's one Final is claimed first (two presses at once get one), and given back when this one
 * does not start.
 */
export async function submitFinal(jobId: string, answers: FormAnswers, actor: Actor, ports: HandlerPorts, pressed: Pressed | null): Promise<void> {
  const m = messagesFor(actor.locale);
  await afterSubmit(jobId, actor, ports, pressed, async (source, deferred) => {
    const r = source.request;
    if (r.seed === undefined) return ports.reply.edit(renderError(m.buttons.finalNoSeed, undefined, m));
    const newId = ports.newJobId();
    if (!(await ports.jobs.claimFinal(source.id, newId))) return ports.reply.edit(renderError(m.buttons.finalTaken, undefined, m));
    let started = false;
    try {
      const options = { prompt: r.prompt, model: r.model, resolution: '1080p', duration: formOptions(answers).duration ?? r.duration, aspectRatio: r.aspect_ratio, seed: r.seed };
      started = await remake(
        source,
        { options, seed: r.seed, title: () => m.problems.finalNotHere, rerollOf: null, cameFrom: { kind: 'final', jobId: source.id, messageUrl: sourceLink(source, pressed) }, preview: false, takes: 1 },
        actor,
        ports,
        { ...deferred, newId },
      );
    } finally {
      if (!started) await ports.jobs.releaseFinal(source.id, newId);
    }
  });
}

/** Delete: the requester or a moderator of the job's server removes its message; anyone else is refused. */
export async function deleteJob(jobId: string, actor: Actor, { jobs, reply, removeJobMessage }: HandlerPorts, pressed: Pressed): Promise<void> {
  const m = messagesFor(actor.locale);
  const job = await jobs.get(jobId);
  if (!job) return reply.reply(m.buttons.tooOld);
  if (job.userId !== actor.userId && !moderates(actor, job.guildId)) return reply.reply(m.buttons.notYoursToDelete);
  if (!isFinished(job)) return reply.reply(m.buttons.stillRunningRemix);
  await reply.deferPrivately();
  const removed = await removeJobMessage(job, pressed);
  await reply.edit({ text: removed ? m.buttons.deleted : m.buttons.deleteFailed, rows: [] });
}

export const buttonHandlers: Record<ButtonAction, ButtonHandler> = {
  cancel: edge(cancelJob),
  reroll: edge(rerollJob),
  resend: (interaction, jobId, ctx) => sendAgain(jobId, actorOf(interaction), historyPortsOf(interaction, ctx)),
  remix: edge(openRemix),
  final: edge(openFinal),
  delete: edge(deleteJob),
  approve: edge((jobId, actor, ports) => decide('approved', jobId, actor, ports)),
  deny: edge((jobId, actor, ports) => decide('denied', jobId, actor, ports)),
};

/** The forms the buttons open; "Make a video"'s is its command's (commands/make-a-video.ts). */
export const buttonModalHandlers: Record<Exclude<ModalAction, 'make'>, ModalHandler> = { remix: modalEdge(submitRemix), final: modalEdge(submitFinal) };
