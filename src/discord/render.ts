import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent } from 'discord.js';
import { keepsQuota, type Job } from '../jobs/record';
import { UNDELIVERABLE } from '../jobs/failure';
import { buttonId } from './custom-id';
import { literal } from './markdown';
import { clip } from '../util/clip';
import { discordTime } from '../util/discord-time';

/**
 * Every message the bot shows about a job. Pure: the same job renders the same message, which is what lets
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
 * at most 512 characters there, and refuses the whole message otherwise; the reason ends a sentence.
 */
function videoLink(url: string): { ok: true } | { ok: false; why: string; href?: string } {
  const parsed = URL.canParse(url) && !/\s/.test(url) ? new URL(url) : undefined;
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    return { ok: false, why: 'the video service sent a link that is not a web (http or https) address' };
  }
  const length = [...url].length;
  if (length > LINK_URL_MAX) return { ok: false, why: `it is ${length} characters long and Discord allows ${LINK_URL_MAX}`, href: parsed.href };
  return { ok: true };
}

export function optionsLine(job: Pick<Job, 'request' | 'imageNames' | 'preview'>): string {
  const r = job.request;
  const images = `${job.imageNames.length} image${job.imageNames.length === 1 ? '' : 's'}`;
  return [...(job.preview ? ['preview'] : []), r.model, `${r.duration} s`, r.resolution, r.aspect_ratio, r.seed === undefined ? 'random seed' : `seed ${r.seed}`, images].join(' · ');
}

function progressBar(pct: number): string {
  const filled = Math.round(pct / 10);
  return `${'█'.repeat(filled)}${'░'.repeat(10 - filled)}`;
}

function elapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

function row(...buttons: APIButtonComponent[]): APIActionRowComponent<APIButtonComponent> {
  return { type: ComponentType.ActionRow, components: buttons };
}

const cancelButton = (jobId: string): APIButtonComponent => ({ type: ComponentType.Button, style: ButtonStyle.Danger, label: 'Cancel', custom_id: buttonId('cancel', jobId) });
const rerollButton = (jobId: string): APIButtonComponent => ({ type: ComponentType.Button, style: ButtonStyle.Secondary, label: 'Re-roll', emoji: { name: '🎲' }, custom_id: buttonId('reroll', jobId) });
const linkButton = (label: string, url: string): APIButtonComponent => ({ type: ComponentType.Button, style: ButtonStyle.Link, label, url });

/** "; the link expires <t:…:R>" when the provider said when, else nothing. */
const linkExpiry = (job: Pick<Job, 'videoExpiresAt'>) => (job.videoExpiresAt ? `; the link expires ${discordTime(job.videoExpiresAt)}` : '');

export function renderRunning(job: Job, now: number): MessagePayload {
  const status =
    job.state === 'generating'
      ? `🎬 **Generating** · ${Math.floor(job.progress)}% \`${progressBar(job.progress)}\``
      : job.state === 'submitting' || job.state === 'reserved'
        ? '📨 **Submitting**'
        : '⏳ **Queued**';
  const since = job.submittedAt ?? job.createdAt;
  return {
    text: clip(`${status} · ${elapsed(now - since)}\n${quotePrompt(job.request.prompt)}\n-# ${optionsLine(job)}`, CONTENT_MAX),
    rows: [row(cancelButton(job.id))],
  };
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
): MessagePayload {
  const title = opts.linkRefused ? '⚠️ **Your video was made but could not be fetched**' : '✅ **Your video is ready**';
  const lines = [`${opts.mention ? `<@${opts.mention}> ` : ''}${title}`, quotePrompt(job.request.prompt), `-# ${optionsLine(job)}`];
  const buttons = [rerollButton(job.id)];
  const link = job.videoUrl && !opts.linkRefused ? videoLink(job.videoUrl) : undefined;
  if (opts.linkRefused) {
    lines.push("The video service's link points somewhere the bot does not fetch from, so there is no file or link to show; Re-roll makes a new one.");
  } else if (link?.ok) buttons.push(linkButton(opts.attached ? 'Source video' : 'Download video', job.videoUrl!));
  if (!opts.attached && !opts.linkRefused) {
    const expiry = linkExpiry(job);
    const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
    const why = opts.tooLarge
      ? `The video${opts.tooLarge.sizeBytes !== undefined ? ` (${mb(opts.tooLarge.sizeBytes)})` : ''} is too large to upload here${opts.tooLarge.limitBytes !== undefined ? ` (limit ${mb(opts.tooLarge.limitBytes)})` : ''}`
      : 'The video could not be attached here';
    if (!link || link.ok) lines.push(`${why}. Use the button below to download it${expiry}.`);
    else {
      const noButton = `${why}, and its download link cannot be a button: ${link.why}`;
      const withLink = link.href && `${noButton}. Here it is${expiry}: <${link.href}>`;
      const fits = withLink && [...[...lines, withLink].join('\n')].length <= CONTENT_MAX;
      lines.push(fits ? withLink : `${noButton}${link.href ? ', and it is too long to show here' : ''}.`);
    }
  } else if (link && !link.ok) {
    lines.push(`-# The source link is not shown as a button: ${link.why}.`);
  }
  return {
    text: clip(lines.join('\n'), CONTENT_MAX),
    rows: [row(...buttons)],
    ping: opts.mention,
  };
}

/** `reason` is a plain sentence, possibly quoting the provider, and is shown literally. */
export function renderFailed(job: Job, reason: string, opts: { retryable?: boolean } = {}): MessagePayload {
  return {
    text: clip(`❌ **The video could not be made.** ${literal(reason)}\n${quotePrompt(job.request.prompt, 200)}\n-# ${optionsLine(job)}`, CONTENT_MAX),
    rows: opts.retryable ? [row(rerollButton(job.id))] : [],
  };
}

/**
 * A cancelled job. Once the provider had accepted the task it still makes and bills it (there is no cancel
 * there, docs/apimart.md), so the quota stays used and the message says so (docs/commands.md, limits).
 */
export function renderCancelled(job: Job, byUserId: string): MessagePayload {
  const by = byUserId === job.userId ? '' : ` by <@${byUserId}>`;
  const quota = keepsQuota(job)
    ? 'The video service had already accepted it and still makes it (it cannot be stopped there), so it counts toward your limits today.'
    : 'It never reached the video service; your quota for it was given back.';
  return {
    text: clip(`🛑 **Cancelled${by}.** ${quota}\n${quotePrompt(job.request.prompt, 200)}\n-# ${optionsLine(job)}`, CONTENT_MAX),
    rows: [],
  };
}

/** A video that was made but that no delivery route took (delivery.ts): say so, and offer its link. */
export function renderUndeliverable(job: Job): MessagePayload {
  const buttons = [rerollButton(job.id)];
  const usable = job.videoUrl !== null && videoLink(job.videoUrl).ok;
  if (usable) buttons.push(linkButton('Download video', job.videoUrl!));
  const reason = job.failure ?? UNDELIVERABLE;
  const link = usable ? ` Use the button below to download it${linkExpiry(job)}.` : '';
  return {
    text: clip(`⚠️ **Your video was made, but it could not be posted.** ${literal(reason)}${link}\n${quotePrompt(job.request.prompt, 200)}\n-# ${optionsLine(job)}`, CONTENT_MAX),
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
export function renderProblems(title: string, problems: string[]): MessagePayload {
  const list = problems.map((p) => `• ${literal(p)}`).join('\n');
  return { text: clip(`⚠️ **${title}**\n${list}\n-# Nothing was submitted and no quota was used.`, CONTENT_MAX), rows: [] };
}

export function renderError(sentence: string, reference?: string): MessagePayload {
  return { text: clip(`❌ ${sentence}${reference ? `\n-# Reference: \`${reference}\`` : ''}`, CONTENT_MAX), rows: [] };
}
