import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent } from 'discord.js';
import { keepsQuota, type Job } from '../jobs/record';
import type { Failure } from '../jobs/failure';
import { buttonId } from './custom-id';
import { literal } from './markdown';
import { en, wordFailure, wordLinkProblem, type LinkProblem, type Messages } from './messages';
import { clip } from '../util/clip';

/**
 * Every message the bot shows about a job: the layout here, the words in the catalogue (./messages). Pure:
 * the same job renders the same message, which is what lets
 * progress edits be skipped when nothing changed. Whatever the input, a message stays within Discord's limits
 * (docs/discord.md): content clipped to 2000 characters, one row of at most two buttons with fixed labels and
 * short custom ids, and a link button only for a URL Discord takes.
 */

export type ButtonRow = APIActionRowComponent<APIButtonComponent>;

/**
 * A message as the bot means it, before it is sent. The field names differ from both wire shapes on purpose
 * (`text`, not `content`): handed straight to discord.js or into a REST body it does not compile, so it always
 * goes through `apiBody` / `replyOptions` (./outgoing), which decide who it may notify.
 */
export interface MessagePayload {
  text: string;
  rows: ButtonRow[];
  /** The one user it may notify: the requester, when the video is posted as a new channel message. */
  ping?: string | undefined;
}

/** Discord counts content in characters (code points), as `clip` does. */
const CONTENT_MAX = 2000;
/** Discord's limit on a link button's URL (docs/discord.md). */
const LINK_URL_MAX = 512;

/** Quoted prompt, shown as typed: escaped, and each line prefixed so Discord keeps it inside the quote. */
function quotePrompt(prompt: string, max = 300): string {
  return literal(clip(prompt, max))
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
}

/**
 * Whether the provider's video link can be a link button. Discord takes only a well-formed http(s) URL of
 * at most 512 characters there, and refuses the whole message otherwise.
 */
function videoLink(url: string): { ok: true } | { ok: false; why: LinkProblem; href?: string } {
  const parsed = URL.canParse(url) && !/\s/.test(url) ? new URL(url) : undefined;
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) return { ok: false, why: { code: 'not_web' } };
  const length = [...url].length;
  if (length > LINK_URL_MAX) return { ok: false, why: { code: 'too_long', length, max: LINK_URL_MAX }, href: parsed.href };
  return { ok: true };
}

export function optionsLine(job: Pick<Job, 'request' | 'imageNames' | 'preview'>, m: Messages = en): string {
  const r = job.request;
  const seed = r.seed === undefined ? m.job.randomSeed : m.job.seed({ seed: r.seed });
  return [...(job.preview ? [m.job.preview] : []), r.model, m.job.duration({ seconds: r.duration }), r.resolution, r.aspect_ratio, seed, m.job.images({ count: job.imageNames.length })].join(' · ');
}

function progressBar(pct: number): string {
  const filled = Math.round(pct / 10);
  return `${'█'.repeat(filled)}${'░'.repeat(10 - filled)}`;
}

function elapsed(ms: number, m: Messages): string {
  return m.job.elapsed({ seconds: Math.max(0, Math.round(ms / 1000)) });
}

function row(...buttons: APIButtonComponent[]): APIActionRowComponent<APIButtonComponent> {
  return { type: ComponentType.ActionRow, components: buttons };
}

const cancelButton = (jobId: string, m: Messages): APIButtonComponent => ({ type: ComponentType.Button, style: ButtonStyle.Danger, label: m.job.cancelButton, custom_id: buttonId('cancel', jobId) });
const rerollButton = (jobId: string, m: Messages): APIButtonComponent => ({
  type: ComponentType.Button,
  style: ButtonStyle.Secondary,
  label: m.job.rerollButton,
  emoji: { name: '🎲' },
  custom_id: buttonId('reroll', jobId),
});
const linkButton = (label: string, url: string): APIButtonComponent => ({ type: ComponentType.Button, style: ButtonStyle.Link, label, url });

export function renderRunning(job: Job, now: number, m: Messages = en): MessagePayload {
  const waits = renderWaiting(job, m);
  if (waits) return { text: clip(`${waits}\n${quotePrompt(job.request.prompt)}\n-# ${optionsLine(job, m)}`, CONTENT_MAX), rows: [row(cancelButton(job.id, m))] };
  const status =
    job.state === 'generating'
      ? `🎬 **${m.job.generating}** · ${Math.floor(job.progress)}% \`${progressBar(job.progress)}\``
      : job.state === 'submitting' || job.state === 'reserved'
        ? `📨 **${m.job.submitting}**`
        : `⏳ **${m.job.queued}**`;
  const since = job.submittedAt ?? job.createdAt;
  return {
    text: clip(`${status} · ${elapsed(now - since, m)}\n${quotePrompt(job.request.prompt)}\n-# ${optionsLine(job, m)}`, CONTENT_MAX),
    rows: [row(cancelButton(job.id, m))],
  };
}

/** The status of a job waiting in line or for an approval (docs/commands.md, queue and approval); else undefined. */
function renderWaiting(job: Job, m: Messages): string | undefined {
  if (job.state === 'waiting') return `⏸️ **${m.queue.waiting({ place: job.wait?.place ?? 1 })}**\n-# ${m.queue.note}`;
  if (job.state === 'awaiting_approval') return `🛡️ **${m.approval.awaiting}**${job.approval ? `\n-# ${m.approval.awaitingNote({ channelId: job.approval.channelId })}` : ''}`;
  return undefined;
}

/**
 * The finished job. Without the file attached, the link button carries the video, and the text says why: too
 * large for this channel's upload limit, or not attachable (the download failed). A link Discord would refuse
 * as a button is left out and the text says why; a link that is only too long is shown as text when it fits.
 * `linkRefused`: the provider's link points somewhere the bot does not fetch from (jobs/download.ts), so there
 * is no link either.
 */
export function renderDelivered(
  job: Job,
  opts: {
    attached: boolean;
    mention?: string | undefined;
    tooLarge?: { sizeBytes: number | undefined; limitBytes?: number | undefined } | undefined;
    linkRefused?: boolean;
  },
  m: Messages = en,
): MessagePayload {
  const title = opts.linkRefused ? `⚠️ **${m.job.fetchRefusedTitle}**` : `✅ **${m.job.ready}**`;
  const lines = [`${opts.mention ? `<@${opts.mention}> ` : ''}${title}`, quotePrompt(job.request.prompt), `-# ${optionsLine(job, m)}`];
  const buttons = [rerollButton(job.id, m)];
  const link = job.videoUrl && !opts.linkRefused ? videoLink(job.videoUrl) : undefined;
  if (opts.linkRefused) {
    lines.push(m.job.fetchRefused);
  } else if (link?.ok) buttons.push(linkButton(opts.attached ? m.job.sourceButton : m.job.downloadButton, job.videoUrl!));
  if (!opts.attached && !opts.linkRefused) {
    const expiry = m.job.linkExpiry({ at: job.videoExpiresAt });
    const why = opts.tooLarge ? m.job.tooLarge({ sizeBytes: opts.tooLarge.sizeBytes, limitBytes: opts.tooLarge.limitBytes }) : m.job.notAttachable;
    if (!link || link.ok) lines.push(`${why}. ${m.job.useButton({ expiry })}`);
    else {
      const noButton = m.job.noButton({ why, linkWhy: wordLinkProblem(link.why, m) });
      const withLink = link.href && m.job.hereItIs({ noButton, expiry, href: link.href });
      const fits = withLink && [...[...lines, withLink].join('\n')].length <= CONTENT_MAX;
      lines.push(fits ? withLink : m.job.linkTooLongToShow({ noButton, hasLink: link.href !== undefined }));
    }
  } else if (link && !link.ok) {
    lines.push(`-# ${m.job.sourceNotButton({ linkWhy: wordLinkProblem(link.why, m) })}`);
  }
  return {
    text: clip(lines.join('\n'), CONTENT_MAX),
    rows: [row(...buttons)],
    ping: opts.mention,
  };
}

/** The worded reason may quote the provider (or be a v1 record's sentence), so it is shown literally. */
export function renderFailed(job: Job, reason: Failure, opts: { retryable?: boolean } = {}, m: Messages = en): MessagePayload {
  return {
    text: clip(`❌ **${m.job.failedTitle}** ${literal(wordFailure(reason, m))}\n${quotePrompt(job.request.prompt, 200)}\n-# ${optionsLine(job, m)}`, CONTENT_MAX),
    rows: opts.retryable ? [row(rerollButton(job.id, m))] : [],
  };
}

/**
 * A cancelled job. Once the provider had accepted the task it still makes and bills it (there is no cancel
 * there, docs/apimart.md), so the quota stays used and the message says so (docs/commands.md, limits).
 */
export function renderCancelled(job: Job, byUserId: string, m: Messages = en): MessagePayload {
  const title = m.job.cancelledTitle({ byUserId: byUserId === job.userId ? undefined : byUserId });
  const quota = keepsQuota(job) ? m.job.cancelledQuotaKept : m.job.cancelledQuotaBack;
  return {
    text: clip(`🛑 **${title}** ${quota}\n${quotePrompt(job.request.prompt, 200)}\n-# ${optionsLine(job, m)}`, CONTENT_MAX),
    rows: [],
  };
}

/** A video that was made but that no delivery route took (delivery.ts): say so, and offer its link. */
export function renderUndeliverable(job: Job, m: Messages = en): MessagePayload {
  const buttons = [rerollButton(job.id, m)];
  const usable = job.videoUrl !== null && videoLink(job.videoUrl).ok;
  if (usable) buttons.push(linkButton(m.job.downloadButton, job.videoUrl!));
  const reason = wordFailure(job.failure ?? { code: 'undeliverable' }, m);
  const link = usable ? ` ${m.job.useButton({ expiry: m.job.linkExpiry({ at: job.videoExpiresAt }) })}` : '';
  return {
    text: clip(`⚠️ **${m.job.undeliverableTitle}** ${literal(reason)}${link}\n${quotePrompt(job.request.prompt, 200)}\n-# ${optionsLine(job, m)}`, CONTENT_MAX),
    rows: [row(...buttons)],
  };
}

/** The same message posted where the requester would not otherwise see it: it names them, and may notify only them. */
export function mentioning(payload: MessagePayload, userId: string): MessagePayload {
  return { ...payload, text: clip(`<@${userId}> ${payload.text}`, CONTENT_MAX), ping: userId };
}

/**
 * Validation problems and limit refusals: the whole list, so one correction fixes everything. Problems are
 * plain sentences that quote what the member gave (file names, option values), shown literally.
 */
export function renderProblems(title: string, problems: string[], m: Messages = en): MessagePayload {
  const list = problems.map((p) => `• ${literal(p)}`).join('\n');
  return { text: clip(`⚠️ **${title}**\n${list}\n-# ${m.job.nothingSubmitted}`, CONTENT_MAX), rows: [] };
}

export function renderError(sentence: string, reference?: string, m: Messages = en): MessagePayload {
  return { text: clip(`❌ ${sentence}${reference ? `\n-# ${m.job.reference({ reference })}` : ''}`, CONTENT_MAX), rows: [] };
}
