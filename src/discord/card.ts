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
import { en, type Messages } from './messages';
import type { LinkCheck, NotAttached } from './card-reasons';
import { clip } from '../util/clip';

/**
 * The job message as a Components V2 card (docs/commands.md, the job message; docs/discord.md, Components V2):
 * one container holding a text display (status, one line per take, the quoted prompt, the options), a media
 * gallery whose items are the uploaded MP4s (`attachment://<file>`, which play in place), a text display for
 * takes that are links instead of files, and one row of buttons. Pure: the same takes render the same card.
 * Whatever the input it stays within Discord's limits: at most 8 components (of 40), text clipped to 4000
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

export type CardView =
  | { kind: 'running'; now: number }
  | { kind: 'delivered'; notAttached: ReadonlyMap<string, NotAttached> }
  | { kind: 'ended'; ending: JobEnding };

/** Discord's text displays hold about 4000 characters in all (docs/discord.md). */
const TEXT_MAX = 4000;
const NOTES_MAX = 1200;
/** A too-long link shown as text at most this long, so four of them still leave the card its buttons' notes. */
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
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) return { ok: false, why: 'not_web' };
  const length = [...url].length;
  if (length > LINK_URL_MAX) return { ok: false, why: 'too_long', length, max: LINK_URL_MAX, href: parsed.href };
  return { ok: true };
}

/** model · duration · resolution · aspect · seed · images; a group shows each take's seed on its own line. */
export function optionsLine(takes: Takes, m: Messages = en): string {
  const job = takes[0]!;
  const r = job.request;
  const seed = takes.length > 1 ? m.card.takesCount({ count: takes.length }) : r.seed === undefined ? m.card.randomSeed : m.card.seed({ seed: r.seed });
  return [...(job.preview ? [m.card.preview] : []), r.model, `${r.duration} s`, r.resolution, r.aspect_ratio, seed, m.card.images({ count: job.imageNames.length })].join(' · ');
}

function progressBar(pct: number): string {
  const filled = Math.round(pct / 10);
  return `${'█'.repeat(filled)}${'░'.repeat(10 - filled)}`;
}

/** Running state of one take: status, progress, and the provider's expected finish once it is known. */
function runningStatus(job: Job, m: Messages): string {
  switch (job.state) {
    case 'reserved':
    case 'submitting':
      return m.card.submitting;
    case 'queued':
      return m.card.queued;
    case 'generating':
      return m.card.generating({ progress: Math.floor(job.progress), bar: progressBar(job.progress) });
    case 'completed':
    case 'delivered':
      return m.card.takeReady;
    case 'failed':
      return m.card.takeFailed({ reason: literal(job.failure ?? '') });
    case 'cancelled':
      return m.card.takeCancelled;
    case 'undeliverable':
      return m.card.takeUndeliverable;
  }
}

/**
 * " · done <t:…:R>" while the provider makes it and once it said how long it takes: the submit time plus its
 * `estimated_time` (docs/apimart.md), as a Discord relative timestamp each reader sees in their own terms.
 */
function eta(job: Job, m: Messages): string {
  if ((job.state !== 'queued' && job.state !== 'generating') || job.estimatedTimeSec === null || job.submittedAt === null) return '';
  return ` · ${m.card.eta({ at: job.submittedAt + job.estimatedTimeSec * 1000 })}`;
}

function elapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

const takeLabel = (job: Job, m: Messages) => m.card.take({ index: job.group?.index ?? 1 });
const seedOf = (job: Job, m: Messages) => (job.request.seed === undefined ? m.card.randomSeed : m.card.seed({ seed: job.request.seed }));

const cancelButton = (jobId: string, m: Messages): APIButtonComponent => ({ type: ComponentType.Button, style: ButtonStyle.Danger, label: m.card.cancel, custom_id: buttonId('cancel', jobId) });
const rerollButton = (jobId: string, m: Messages): APIButtonComponent => ({
  type: ComponentType.Button,
  style: ButtonStyle.Secondary,
  label: m.card.reroll,
  emoji: { name: '🎲' },
  custom_id: buttonId('reroll', jobId),
});
const linkButton = (label: string, url: string): APIButtonComponent => ({ type: ComponentType.Button, style: ButtonStyle.Link, label, url });

function row(buttons: APIButtonComponent[]): APIActionRowComponent<APIButtonComponent>[] {
  return buttons.length ? [{ type: ComponentType.ActionRow, components: buttons.slice(0, 5) }] : [];
}

/** The ended takes' retry: Re-roll unless every failure was the user's input, which a re-roll repeats. */
function retryable(takes: Takes, view: CardView): boolean {
  if (view.kind === 'ended' && view.ending.kind === 'failed' && takes.length === 1) return view.ending.retryable;
  return true;
}

/** The card of a job message: one job, or every take of a request with `variations` (docs/commands.md). */
export function renderCard(takes: Takes, view: CardView, opts: { mention?: string | undefined } = {}, m: Messages = en): CardPayload {
  const lead = takes[0]!;
  const group = takes.length > 1;
  const lines: string[] = [];
  const notes: string[] = [];
  const buttons: APIButtonComponent[] = [];
  const gallery: APIMediaGalleryItem[] = [];
  const mention = opts.mention ? `<@${opts.mention}> ` : '';

  if (view.kind === 'running') {
    const since = Math.min(...takes.map((t) => t.submittedAt ?? t.createdAt));
    const time = elapsed(view.now - since);
    if (group) {
      lines.push(`${mention}${m.card.runningTakes({ count: takes.length, elapsed: time })}`);
      for (const t of takes) lines.push(`**${takeLabel(t, m)}** · ${seedOf(t, m)} · ${runningStatus(t, m)}${eta(t, m)}`);
    } else {
      lines.push(`${mention}${runningStatus(lead, m)} · ${time}${eta(lead, m)}`);
    }
    // Cancel while anything still runs; it cancels every take still running (JobService.cancel).
    buttons.push(cancelButton(lead.id, m));
  } else if (view.kind === 'delivered') {
    const made = takes.filter((t) => t.state === 'completed' || t.state === 'delivered');
    const fetched = made.filter((t) => view.notAttached.get(t.id)?.code !== 'link_refused');
    lines.push(`${mention}${fetched.length ? (group ? m.card.takesReady({ made: made.length, count: takes.length }) : m.card.ready) : m.card.notFetched}`);
    buttons.push(rerollButton(lead.id, m));
    for (const t of takes) {
      const why = view.notAttached.get(t.id);
      const isMade = made.includes(t);
      if (isMade && why === undefined) gallery.push({ media: { url: `attachment://${videoFileName(t)}` }, ...(group ? { description: takeLabel(t, m) } : {}) });
      if (group) lines.push(`**${takeLabel(t, m)}** · ${seedOf(t, m)} · ${isMade && why ? m.card.takeLinked : runningStatus(t, m)}`);
      if (!isMade) continue;
      const link = why?.code !== 'link_refused' && t.videoUrl ? videoLink(t.videoUrl) : undefined;
      if (link?.ok) buttons.push(linkButton(group ? takeLabel(t, m) : why ? m.card.download : m.card.source, t.videoUrl!));
      if (link && !link.ok) notes.push(badLinkNote(t, link, why?.code === 'link_refused' ? undefined : why, m, group));
      else if (why) notes.push(linkNote(t, why, group, m));
    }
  } else {
    const { ending } = view;
    if (ending.kind === 'failed') {
      const reasons = group ? '' : ` ${literal(ending.reason)}`;
      lines.push(`${mention}${m.card.failed}${reasons}`);
    } else if (ending.kind === 'cancelled') {
      const quota = takes.some((t) => t.state === 'cancelled' && keepsQuota(t)) ? m.card.cancelledKept : m.card.cancelledReturned;
      lines.push(`${mention}${m.card.cancelled({ by: ending.by === lead.userId ? undefined : ending.by })} ${quota}`);
    } else {
      lines.push(`${mention}${m.card.undeliverable({ reason: literal(lead.failure ?? m.card.undeliverableWhy) })}`);
    }
    if (group) for (const t of takes) lines.push(`**${takeLabel(t, m)}** · ${seedOf(t, m)} · ${runningStatus(t, m)}`);
    if (ending.kind !== 'cancelled' && retryable(takes, view)) buttons.push(rerollButton(lead.id, m));
    if (ending.kind === 'undeliverable') {
      for (const t of takes) {
        if (t.videoUrl && videoLink(t.videoUrl).ok) buttons.push(linkButton(group ? takeLabel(t, m) : m.card.download, t.videoUrl));
      }
      const expiry = lead.videoExpiresAt ? m.card.expires({ at: lead.videoExpiresAt }) : '';
      if (buttons.length > 1) notes.push(m.card.useButtons({ expiry }));
    }
  }

  lines.push(quotePrompt(lead.request.prompt, view.kind === 'ended' ? 200 : 300), `-# ${optionsLine(takes, m)}`);
  const components: APIComponentInContainer[] = [{ type: ComponentType.TextDisplay, content: clip(lines.join('\n'), TEXT_MAX - NOTES_MAX) }];
  if (gallery.length) components.push({ type: ComponentType.MediaGallery, items: gallery });
  if (notes.length) components.push({ type: ComponentType.TextDisplay, content: clip(notes.join('\n'), NOTES_MAX) });
  components.push(...row(buttons));
  return { card: { type: ComponentType.Container, components }, ping: opts.mention };
}

/** Why a made take is a link, with its size and the limit, and when the link expires. */
function linkNote(job: Job, why: NotAttached, group: boolean, m: Messages): string {
  const who = group ? takeLabel(job, m) : m.card.theVideo;
  const expiry = job.videoExpiresAt ? m.card.expires({ at: job.videoExpiresAt }) : '';
  return m.card.notAttached({ who, why, expiry });
}

function badLinkNote(job: Job, link: Exclude<LinkCheck, { ok: true }>, notAttached: Exclude<NotAttached, { code: 'link_refused' }> | undefined, m: Messages, group: boolean): string {
  const who = group ? takeLabel(job, m) : m.card.theVideo;
  const expiry = job.videoExpiresAt ? m.card.expires({ at: job.videoExpiresAt }) : '';
  const long = m.card.badLink({ who, link, notAttached, expiry, showHref: true });
  // A link too long for a button may still be shown as text, when it leaves room for the rest of the card.
  return [...long].length <= BAD_LINK_TEXT_MAX ? long : m.card.badLink({ who, link, notAttached, expiry, showHref: false });
}

/** The gallery items' attachment names a card references: each must be backed by a file in the same request. */
export function referencedFiles(card: CardPayload): string[] {
  return card.card.components.flatMap((c) => (c.type === ComponentType.MediaGallery ? c.items.map((i) => i.media.url.replace(/^attachment:\/\//, '')) : []));
}
