import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent, type APIMessageTopLevelComponent } from 'discord.js';
import { keepsQuota, type Job } from '../jobs/record';
import { UNDELIVERABLE } from '../jobs/failure';
import { buttonId } from './custom-id';
import { clip } from '../util/clip';
import { discordTime } from '../util/discord-time';

/**
 * Every message the bot shows about a job, as plain API payloads. Pure: the same job renders the same
 * message, which is what lets progress edits be skipped when nothing changed.
 */

export interface MessagePayload {
  content: string;
  components: APIMessageTopLevelComponent[];
  allowed_mentions: { parse: []; users?: string[] };
}

const NO_MENTIONS = { parse: [] as [] };
const CONTENT_MAX = 2000;

/** Quoted prompt, each line prefixed so Discord keeps it inside the quote. */
function quotePrompt(prompt: string, max = 300): string {
  return clip(prompt, max)
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
}

export function optionsLine(job: Pick<Job, 'request' | 'imageNames'>): string {
  const r = job.request;
  const images = `${job.imageNames.length} image${job.imageNames.length === 1 ? '' : 's'}`;
  return [r.model, `${r.duration} s`, r.resolution, r.aspect_ratio, r.seed === undefined ? 'random seed' : `seed ${r.seed}`, images].join(' · ');
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

/** The part of a running job's message that changes: used to decide whether an edit is worth sending. */
export function progressKey(job: Job): string {
  return `${job.state}:${Math.floor(job.progress)}`;
}

export function renderRunning(job: Job, now: number): MessagePayload {
  const status =
    job.state === 'generating'
      ? `🎬 **Generating** · ${Math.floor(job.progress)}% \`${progressBar(job.progress)}\``
      : job.state === 'submitting' || job.state === 'reserved'
        ? '📨 **Submitting**'
        : '⏳ **Queued**';
  const since = job.submittedAt ?? job.createdAt;
  return {
    content: clip(`${status} · ${elapsed(now - since)}\n${quotePrompt(job.request.prompt)}\n-# ${optionsLine(job)}`, CONTENT_MAX),
    components: [row(cancelButton(job.id))],
    allowed_mentions: NO_MENTIONS,
  };
}

/**
 * The finished job. Without the file attached, the link button carries the video, and the text says why: too
 * large for this channel's upload limit, or not attachable (the download failed).
 */
export function renderDelivered(
  job: Job,
  opts: { attached: boolean; mention?: string | undefined; tooLarge?: { sizeBytes: number | undefined; limitBytes?: number | undefined } | undefined },
): MessagePayload {
  const lines = [`${opts.mention ? `<@${opts.mention}> ` : ''}✅ **Your video is ready**`, quotePrompt(job.request.prompt), `-# ${optionsLine(job)}`];
  const buttons = [rerollButton(job.id)];
  if (job.videoUrl) buttons.push(linkButton(opts.attached ? 'Source video' : 'Download video', job.videoUrl));
  if (!opts.attached) {
    const expiry = linkExpiry(job);
    const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
    const why = opts.tooLarge
      ? `The video${opts.tooLarge.sizeBytes !== undefined ? ` (${mb(opts.tooLarge.sizeBytes)})` : ''} is too large to upload here${opts.tooLarge.limitBytes !== undefined ? ` (limit ${mb(opts.tooLarge.limitBytes)})` : ''}`
      : 'The video could not be attached here';
    lines.push(`${why}. Use the button below to download it${expiry}.`);
  }
  return {
    content: clip(lines.join('\n'), CONTENT_MAX),
    components: [row(...buttons)],
    allowed_mentions: opts.mention ? { parse: [], users: [opts.mention] } : NO_MENTIONS,
  };
}

export function renderFailed(job: Job, reason: string, opts: { retryable?: boolean } = {}): MessagePayload {
  return {
    content: clip(`❌ **The video could not be made.** ${reason}\n${quotePrompt(job.request.prompt, 200)}\n-# ${optionsLine(job)}`, CONTENT_MAX),
    components: opts.retryable ? [row(rerollButton(job.id))] : [],
    allowed_mentions: NO_MENTIONS,
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
    content: clip(`🛑 **Cancelled${by}.** ${quota}\n${quotePrompt(job.request.prompt, 200)}\n-# ${optionsLine(job)}`, CONTENT_MAX),
    components: [],
    allowed_mentions: NO_MENTIONS,
  };
}

/** A video that was made but that no delivery route took (delivery.ts): say so, and offer its link. */
export function renderUndeliverable(job: Job): MessagePayload {
  const buttons = [rerollButton(job.id)];
  if (job.videoUrl) buttons.push(linkButton('Download video', job.videoUrl));
  const reason = job.failure ?? UNDELIVERABLE;
  const link = job.videoUrl ? ` Use the button below to download it${linkExpiry(job)}.` : '';
  return {
    content: clip(`⚠️ **Your video was made, but it could not be posted.** ${reason}${link}\n${quotePrompt(job.request.prompt, 200)}\n-# ${optionsLine(job)}`, CONTENT_MAX),
    components: [row(...buttons)],
    allowed_mentions: NO_MENTIONS,
  };
}

/** Validation problems and limit refusals: the whole list, so one correction fixes everything. */
export function renderProblems(title: string, problems: string[]): MessagePayload {
  const list = problems.map((p) => `• ${p}`).join('\n');
  return { content: clip(`⚠️ **${title}**\n${list}\n-# Nothing was submitted and no quota was used.`, CONTENT_MAX), components: [], allowed_mentions: NO_MENTIONS };
}

export function renderError(sentence: string, reference?: string): MessagePayload {
  return { content: clip(`❌ ${sentence}${reference ? `\n-# Reference: \`${reference}\`` : ''}`, CONTENT_MAX), components: [], allowed_mentions: NO_MENTIONS };
}
