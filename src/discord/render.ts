import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent } from 'discord.js';
import type { Job } from '../jobs/record';
import { buttonId } from './custom-id';
import { clip } from '../util/clip';
import { discordTime } from '../util/discord-time';

/**
 * Every message the bot shows about a job. Pure: the same job renders the same message, which is what lets
 * progress edits be skipped when nothing changed.
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
    text: clip(`${status} · ${elapsed(now - since)}\n${quotePrompt(job.request.prompt)}\n-# ${optionsLine(job)}`, CONTENT_MAX),
    rows: [row(cancelButton(job.id))],
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
    const expiry = job.videoExpiresAt ? `; the link expires ${discordTime(job.videoExpiresAt)}` : '';
    const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
    const why = opts.tooLarge
      ? `The video${opts.tooLarge.sizeBytes !== undefined ? ` (${mb(opts.tooLarge.sizeBytes)})` : ''} is too large to upload here${opts.tooLarge.limitBytes !== undefined ? ` (limit ${mb(opts.tooLarge.limitBytes)})` : ''}`
      : 'The video could not be attached here';
    lines.push(`${why}. Use the button below to download it${expiry}.`);
  }
  return {
    text: clip(lines.join('\n'), CONTENT_MAX),
    rows: [row(...buttons)],
    ping: opts.mention,
  };
}

export function renderFailed(job: Job, reason: string, opts: { retryable?: boolean } = {}): MessagePayload {
  return {
    text: clip(`❌ **The video could not be made.** ${reason}\n${quotePrompt(job.request.prompt, 200)}\n-# ${optionsLine(job)}`, CONTENT_MAX),
    rows: opts.retryable ? [row(rerollButton(job.id))] : [],
  };
}

export function renderCancelled(job: Job, byUserId: string): MessagePayload {
  const by = byUserId === job.userId ? '' : ` by <@${byUserId}>`;
  return {
    text: clip(`🛑 **Cancelled${by}.** Your quota for it was given back.\n${quotePrompt(job.request.prompt, 200)}\n-# ${optionsLine(job)}`, CONTENT_MAX),
    rows: [],
  };
}

/** Validation problems and limit refusals: the whole list, so one correction fixes everything. */
export function renderProblems(title: string, problems: string[]): MessagePayload {
  const list = problems.map((p) => `• ${p}`).join('\n');
  return { text: clip(`⚠️ **${title}**\n${list}\n-# Nothing was submitted and no quota was used.`, CONTENT_MAX), rows: [] };
}

export function renderError(sentence: string, reference?: string): MessagePayload {
  return { text: clip(`❌ ${sentence}${reference ? `\n-# Reference: \`${reference}\`` : ''}`, CONTENT_MAX), rows: [] };
}
