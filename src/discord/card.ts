import {
  ButtonStyle,
  ComponentType,
  MessageFlags,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIComponentInContainer,
  type APIContainerComponent,
  type APIMediaGalleryItem,
} from 'discord.js';
import { keepsQuota, type Job } from '../jobs/record';
import type { JobEnding, Takes } from '../jobs/ports';
import { buttonId } from './custom-id';
import { literal } from './markdown';
import { en, wordFailure, wordLinkProblem, type Messages } from './messages';
import type { LinkCheck, NotAttached } from './card-reasons';
import { clip } from '../util/clip';

/**
 * The job message as a Components V2 card (docs/commands.md, the job message; docs/discord.md, Components V2):
 * one container holding a text display (status, one line per take, the quoted prompt, the options), a media
 * gallery whose items are the uploaded MP4s (`attachment://<file>`, which play in place), a text display for
 * takes that are links instead of files, and one row of buttons. Pure: the same takes render the same card.
 * Whatever the input it stays within Discord's limits: at most 10 components (of 40), text clipped to 4000
 * characters in all, at most 5 buttons with short custom ids, and a link button only for a URL Discord takes.
 */

export const IS_COMPONENTS_V2 = MessageFlags.IsComponentsV2;

/** A card as the bot means it, before it is sent; `./outgoing` turns it into a request body. */
export interface CardPayload {
  card: APIContainerComponent;
  /** The one user it may notify: the requester, when the card is posted as a new channel message. */
  ping?: string | undefined;
}

export type { NotAttached, LinkCheck };

/**
 * `files`: the takes whose MP4 the message carries after this write, the gallery's items; absent on a delivered
 * card, every made take not in `notAttached`. A take delivered as a link keeps its reason in its record.
 */
export type CardView =
  | { kind: 'running'; now: number; files?: ReadonlySet<string>; notAttached?: ReadonlyMap<string, NotAttached> }
  | { kind: 'delivered'; notAttached: ReadonlyMap<string, NotAttached>; files?: ReadonlySet<string> }
  | { kind: 'ended'; ending: JobEnding };

/** Discord's text displays hold about 4000 characters in all (docs/discord.md). */
const TEXT_MAX = 4000;
const NOTES_MAX = 1200;
/** A too-long link shown as text at most this long, so several of them still fit the notes. */
const BAD_LINK_TEXT_MAX = 1000;
/** Discord's limit on a link button's URL (docs/discord.md). */
const LINK_URL_MAX = 512;

/** The file name a take's MP4 is uploaded under, and the gallery item naming it. */
export const videoFileName = (job: Pick<Job, 'id'>) => `vidu-${job.id}.mp4`;

/** Quoted prompt, shown as typed: escaped, and each line prefixed so Discord keeps it inside the quote. */
function quotePrompt(prompt: string, max = 300): string {
  return literal(clip(prompt, max))
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
}

/**
 * Whether the provider's video link can be a link button. Discord takes only a well-formed http(s) URL of at
 * most 512 characters there, and refuses the whole message otherwise.
 */
export function videoLink(url: string): LinkCheck {
  const parsed = URL.canParse(url) && !/\s/.test(url) ? new URL(url) : undefined;
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) return { ok: false, why: { code: 'not_web' } };
  const length = [...url].length;
  if (length > LINK_URL_MAX) return { ok: false, why: { code: 'too_long', length, max: LINK_URL_MAX }, href: parsed.href };
  return { ok: true };
}

/** model · duration · resolution · aspect · seed · images; with several takes each take's line shows its seed. */
export function optionsLine(takes: Takes, m: Messages = en): string {
  const job = takes[0]!;
  const r = job.request;
  const seed = takes.length > 1 ? m.job.takesCount({ count: takes.length }) : seedOf(job, m);
  return [...(job.preview ? [m.job.preview] : []), r.model, m.job.duration({ seconds: r.duration }), r.resolution, r.aspect_ratio, seed, m.job.images({ count: job.imageNames.length })].join(' · ');
}

function progressBar(pct: number): string {
  const filled = Math.round(pct / 10);
  return `${'█'.repeat(filled)}${'░'.repeat(10 - filled)}`;
}

/** One take's state as its line in the card shows it. */
function status(job: Job, m: Messages): string {
  switch (job.state) {
    case 'reserved':
    case 'submitting':
      return `📨 **${m.job.submitting}**`;
    case 'queued':
      return `⏳ **${m.job.queued}**`;
    case 'generating':
      return `🎬 **${m.job.generating}** · ${Math.floor(job.progress)}% \`${progressBar(job.progress)}\``;
    case 'completed':
    case 'delivered':
      return m.job.takeReady;
    case 'failed':
      return m.job.takeFailed({ reason: literal(wordFailure(job.failure ?? { code: 'internal' }, m)) });
    case 'cancelled':
      return m.job.takeCancelled;
    case 'undeliverable':
      return m.job.takeUndeliverable;
    case 'waiting':
      return `⏸️ **${m.queue.waiting({ place: job.wait?.place ?? 1 })}**`;
    case 'awaiting_approval':
      return `🛡️ **${m.approval.awaiting}**`;
    case 'denied':
      return m.approval.deniedTitle({ byUserId: job.approval?.by ?? null });
  }
}

/**
 * The note under a job waiting in line or for an approval (docs/commands.md, queue and approval): how it goes on.
 * Only single jobs wait (takes are refused when the concurrency is full, JobService.startTakes); none for others.
 */
function waitNote(job: Job, m: Messages): string | undefined {
  if (job.state === 'waiting') return `-# ${m.queue.note}`;
  if (job.state === 'awaiting_approval' && job.approval) return `-# ${m.approval.awaitingNote({ channelId: job.approval.channelId })}`;
  return undefined;
}

/**
 * " · done <t:…:R>" while the provider makes it and once it said how long it takes: the submit time plus its
 * `estimated_time` (docs/apimart.md), as a Discord relative timestamp each reader sees in their own terms.
 */
function eta(job: Job, m: Messages): string {
  if ((job.state !== 'queued' && job.state !== 'generating') || job.estimatedTimeSec === null || job.submittedAt === null) return '';
  return ` · ${m.job.eta({ at: job.submittedAt + job.estimatedTimeSec * 1000 })}`;
}

const elapsed = (ms: number, m: Messages) => m.job.elapsed({ seconds: Math.max(0, Math.round(ms / 1000)) });
const takeLabel = (job: Job, m: Messages) => m.job.take({ index: job.group?.index ?? 1 });
const seedOf = (job: Job, m: Messages) => (job.request.seed === undefined ? m.job.randomSeed : m.job.seed({ seed: job.request.seed }));
const takeLine = (job: Job, state: string, m: Messages) => `**${takeLabel(job, m)}** · ${seedOf(job, m)} · ${state}`;
const expiryOf = (job: Job, m: Messages) => m.job.linkExpiry({ at: job.videoExpiresAt });

const cancelButton = (jobId: string, m: Messages): APIButtonComponent => ({ type: ComponentType.Button, style: ButtonStyle.Danger, label: m.job.cancelButton, custom_id: buttonId('cancel', jobId) });
const rerollButton = (jobId: string, m: Messages): APIButtonComponent => ({
  type: ComponentType.Button,
  style: ButtonStyle.Secondary,
  label: m.job.rerollButton,
  emoji: { name: '🎲' },
  custom_id: buttonId('reroll', jobId),
});
const linkButton = (label: string, url: string): APIButtonComponent => ({ type: ComponentType.Button, style: ButtonStyle.Link, label, url });
const actionButton = (action: 'remix' | 'final' | 'delete', jobId: string, label: string, style: ButtonStyle.Secondary | ButtonStyle.Primary | ButtonStyle.Danger): APIButtonComponent => ({
  type: ComponentType.Button,
  style,
  label,
  custom_id: buttonId(action, jobId),
});

/** Whether a Final can upgrade this take: below 1080p, and its seed known (the Final reproduces it). */
const finalable = (job: Pick<Job, 'request'>) => job.request.resolution !== '1080p' && job.request.seed !== undefined;

/**
 * The buttons a finished video gets besides Re-roll and its links (docs/commands.md, buttons): Remix; Final
 * when finalable; Delete. With takes, Final is per take (finalButtons), not here.
 */
export function finishedButtons(job: Pick<Job, 'id' | 'request'>, m: Messages = en, withFinal = true): APIButtonComponent[] {
  return [
    actionButton('remix', job.id, m.job.remixButton, ButtonStyle.Secondary),
    ...(withFinal && finalable(job) ? [actionButton('final', job.id, m.job.finalButton, ButtonStyle.Primary)] : []),
    actionButton('delete', job.id, m.job.deleteButton, ButtonStyle.Danger),
  ];
}

/** One Final per made take of a request with variations, labelled with the take (one per take: JobService.claimFinal). */
function finalButtons(made: readonly Job[], m: Messages): APIButtonComponent[] {
  return made.filter(finalable).map((t) => actionButton('final', t.id, `${m.job.finalButton} · ${takeLabel(t, m)}`, ButtonStyle.Primary));
}

/** A Remix's or Final's line linking the message it came from; none for other jobs. */
function cameFromLines(job: Pick<Job, 'cameFrom'>, m: Messages): string[] {
  return job.cameFrom ? [`-# ${m.job.cameFrom({ kind: job.cameFrom.kind, url: job.cameFrom.messageUrl })}`] : [];
}

/** The card of a job message: one job, or every take of a request with `variations` (docs/commands.md). */
export function renderCard(takes: Takes, view: CardView, opts: { mention?: string | undefined } = {}, m: Messages = en): CardPayload {
  const lead = takes[0]!;
  const group = takes.length > 1;
  const lines: string[] = [];
  const notes: string[] = [];
  const buttons: APIButtonComponent[] = [];
  /** A finished card's second and third rows: the videos' links, then (takes below 1080p) a Final per take. */
  const links: APIButtonComponent[] = [];
  const finals: APIButtonComponent[] = [];
  const gallery: APIMediaGalleryItem[] = [];
  const mention = opts.mention ? `<@${opts.mention}> ` : '';
  const what = (t: Job) => (group ? takeLabel(t, m) : m.job.theVideo);

  const isMade = (t: Job) => t.state === 'completed' || t.state === 'delivered';
  /**
   * The made takes' part of the card: each in the gallery when the message carries its file, else its link
   * button and why it is one (with when the link expires); a Final per take below 1080p. A take made but
   * posted on no route (undeliverable) gets its link only.
   */
  const showMade = (made: readonly Job[], files: ReadonlySet<string>, notAttached: ReadonlyMap<string, NotAttached>) => {
    if (group) finals.push(...finalButtons(made.filter(isMade), m));
    for (const t of made) {
      // Made but posted on no route (docs/commands.md, the job message): its link, as on an undeliverable card.
      if (t.state === 'undeliverable') {
        if (t.videoUrl && videoLink(t.videoUrl).ok) links.push(linkButton(takeLabel(t, m), t.videoUrl));
        continue;
      }
      const why = files.has(t.id) ? undefined : (notAttached.get(t.id) ?? t.delivery?.linked);
      if (files.has(t.id)) gallery.push({ media: { url: `attachment://${videoFileName(t)}` }, ...(group ? { description: takeLabel(t, m) } : {}) });
      if (why?.code === 'link_refused') {
        notes.push(m.job.fetchRefused);
        continue;
      }
      const link = t.videoUrl ? videoLink(t.videoUrl) : undefined;
      if (link?.ok) links.push(linkButton(group ? takeLabel(t, m) : !files.has(t.id) ? m.job.downloadButton : m.job.sourceButton, t.videoUrl!));
      const linkWhy = link && !link.ok ? wordLinkProblem(link.why, m) : undefined;
      if (!why) {
        if (linkWhy) notes.push(`-# ${m.job.sourceNotButton({ take: group ? takeLabel(t, m) : undefined, linkWhy })}`);
        continue;
      }
      const reason = notAttachedWhy(what(t), why, m);
      if (!link || link.ok) notes.push(`${reason}. ${m.job.useButton({ expiry: expiryOf(t, m) })}`);
      else {
        const noButton = m.job.noButton({ why: reason, linkWhy: linkWhy! });
        // A link too long for a button may still be shown as text, when it leaves room for the rest of the card.
        const withLink = link.href && m.job.hereItIs({ noButton, expiry: expiryOf(t, m), href: link.href });
        notes.push(withLink && [...withLink].length <= BAD_LINK_TEXT_MAX ? withLink : m.job.linkTooLongToShow({ noButton, hasLink: link.href !== undefined }));
      }
    }
  };
  const madeLine = (t: Job, files: ReadonlySet<string>) => (files.has(t.id) ? m.job.takeReady : m.job.takeLinked);

  if (view.kind === 'running') {
    const time = elapsed(view.now - Math.min(...takes.map((t) => t.submittedAt ?? t.createdAt)), m);
    if (group) {
      // Takes already delivered (or sent by this write) play in the card while the others run (docs/commands.md,
      // variations); one made but not yet sent is only "ready" until its delivery shows it.
      const files = view.files ?? new Set<string>();
      const notAttached = view.notAttached ?? new Map<string, NotAttached>();
      const shown = (t: Job) => t.state === 'delivered' || files.has(t.id) || notAttached.has(t.id);
      lines.push(`${mention}${m.job.runningTakes({ count: takes.length, elapsed: time })}`);
      for (const t of takes) lines.push(takeLine(t, shown(t) ? madeLine(t, files) : `${status(t, m)}${eta(t, m)}`, m));
      showMade(takes.filter((t) => shown(t) || t.state === 'undeliverable'), files, notAttached);
    } else {
      const note = waitNote(lead, m);
      // A waiting job has not started: its place or the approval, not a running time.
      lines.push(note ? `${mention}${status(lead, m)}\n${note}` : `${mention}${status(lead, m)} · ${time}${eta(lead, m)}`);
    }
    // Cancel while anything still runs; it cancels every take still running (JobService.cancel).
    buttons.push(cancelButton(lead.id, m));
  } else if (view.kind === 'delivered') {
    const made = takes.filter(isMade);
    const files = view.files ?? new Set(made.filter((t) => !view.notAttached.has(t.id)).map((t) => t.id));
    const fetched = made.some((t) => (view.notAttached.get(t.id) ?? t.delivery?.linked)?.code !== 'link_refused');
    const title = !fetched ? `⚠️ **${m.job.fetchRefusedTitle}**` : `✅ **${group ? m.job.takesReady({ made: made.length, count: takes.length }) : m.job.ready}**`;
    lines.push(`${mention}${title}`);
    buttons.push(rerollButton(lead.id, m), ...finishedButtons(lead, m, !group));
    if (group) for (const t of takes) lines.push(takeLine(t, isMade(t) ? madeLine(t, files) : status(t, m), m));
    showMade(group ? takes.filter((t) => isMade(t) || t.state === 'undeliverable') : made, files, view.notAttached);
  } else {
    const { ending } = view;
    if (ending.kind === 'failed') {
      lines.push(`${mention}❌ **${m.job.failedTitle}**${group ? '' : ` ${literal(wordFailure(ending.reason, m))}`}`);
    } else if (ending.kind === 'denied') {
      lines.push(`${mention}${m.approval.deniedTitle({ byUserId: ending.by })} ${m.approval.deniedQuotaBack}`);
    } else if (ending.kind === 'cancelled') {
      const quota = takes.some((t) => t.state === 'cancelled' && keepsQuota(t)) ? m.job.cancelledQuotaKept : m.job.cancelledQuotaBack;
      lines.push(`${mention}🛑 **${m.job.cancelledTitle({ byUserId: ending.by === lead.userId ? undefined : ending.by })}** ${quota}`);
    } else {
      const linked = takes.filter((t) => t.videoUrl !== null && videoLink(t.videoUrl).ok);
      const link = linked.length ? ` ${m.job.useButton({ expiry: expiryOf(linked[0]!, m) })}` : '';
      lines.push(`${mention}⚠️ **${m.job.undeliverableTitle}** ${literal(wordFailure(lead.failure ?? { code: 'undeliverable' }, m))}${link}`);
      for (const t of linked) buttons.push(linkButton(group ? takeLabel(t, m) : m.job.downloadButton, t.videoUrl!));
    }
    if (group) for (const t of takes) lines.push(takeLine(t, status(t, m), m));
    // Re-roll unless the one failure was the member's input, which a re-roll would repeat.
    const retry = ending.kind === 'undeliverable' || (ending.kind === 'failed' && (group || ending.retryable));
    if (retry) buttons.unshift(rerollButton(lead.id, m));
  }

  lines.push(quotePrompt(lead.request.prompt, view.kind === 'ended' ? 200 : 300), `-# ${optionsLine(takes, m)}`, ...cameFromLines(lead, m));
  const components: APIComponentInContainer[] = [{ type: ComponentType.TextDisplay, content: clip(lines.join('\n'), TEXT_MAX - NOTES_MAX) }];
  if (gallery.length) components.push({ type: ComponentType.MediaGallery, items: gallery });
  if (notes.length) components.push({ type: ComponentType.TextDisplay, content: clip(notes.join('\n'), NOTES_MAX) });
  // Rows of at most five buttons (docs/discord.md): the actions, then the links, then the Finals of takes.
  for (const row of [buttons, links, finals]) {
    if (row.length) components.push({ type: ComponentType.ActionRow, components: row.slice(0, 5) } satisfies APIActionRowComponent<APIButtonComponent>);
  }
  return { card: { type: ComponentType.Container, components }, ping: opts.mention };
}

/** The start of the sentence saying why a made take is a link here and not a file. */
function notAttachedWhy(what: string, why: Exclude<NotAttached, { code: 'link_refused' }>, m: Messages): string {
  switch (why.code) {
    case 'too_large':
      return m.job.tooLarge({ what, sizeBytes: why.sizeBytes, limitBytes: why.limitBytes });
    case 'refused':
      return m.job.tooLarge({ what, sizeBytes: why.sizeBytes, limitBytes: undefined });
    case 'no_room':
      return m.job.noRoom({ what, sizeBytes: why.sizeBytes, limitBytes: why.limitBytes });
    case 'not_downloaded':
      return m.job.notAttachable({ what });
  }
}
