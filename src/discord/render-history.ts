import { ButtonStyle, ComponentType, type APIButtonComponent } from 'discord.js';
import type { Job } from '../jobs/record';
import { clip } from '../util/clip';
import { buttonId } from './custom-id';
import { literal } from './markdown';
import { en, type Messages } from './messages';
import type { ButtonRow, MessagePayload } from './render';

/** /video-history's answer: the layout here, the words in the catalogue. Pure. */

/** Discord's limits (docs/discord.md): 2000 characters of content, 5 rows of 5 buttons. */
const CONTENT_MAX = 2000;
const BUTTONS_PER_ROW = 5;
/**
 * Prompt excerpts, longest first: ten jobs with 120 characters each fit the content limit, unless their escapes
 * (a backslash per marker, markdown.ts) double them; then shorter excerpts, so every job keeps its line.
 */
const PROMPT_EXCERPTS = [120, 80, 40, 20];

/**
 * The job message's address: a link Discord opens at that message (`@me` for DMs). None for a private job: its
 * reply is ephemeral, gone once dismissed or reloaded, and no link opens it (docs/commands.md, private jobs).
 */
export function jobMessageLink(job: Pick<Job, 'guildId' | 'channelId' | 'replyMessageId' | 'private'>): string | null {
  return job.replyMessageId === null || job.private ? null : `https://discord.com/channels/${job.guildId ?? '@me'}/${job.channelId}/${job.replyMessageId}`;
}

/** Whether the provider still keeps the job's video file (its `expires_at`, docs/apimart.md): Send again can fetch it. */
export function canSendAgain(job: Pick<Job, 'videoUrl' | 'videoExpiresAt'>, now: number): boolean {
  return job.videoUrl !== null && job.videoExpiresAt !== null && job.videoExpiresAt > now;
}

/** The member's jobs, newest first, numbered; a Send again button for each whose file still exists. */
export function renderHistory(jobs: readonly Job[], now: number, m: Messages = en): MessagePayload {
  if (!jobs.length) return { text: m.history.empty, rows: [] };
  const text = (excerpt: number) =>
    [
      `**${m.history.title}**`,
      ...jobs.map((job, i) =>
        m.history.line({
          index: i + 1,
          state: m.history.state[job.state],
          at: job.createdAt,
          link: jobMessageLink(job),
          // One line, shown as typed: a quote line ends at the first line break.
          prompt: literal(clip(job.request.prompt.replace(/\s+/g, ' ').trim(), excerpt)),
        }),
      ),
    ].join('\n');
  const fitting = PROMPT_EXCERPTS.map(text).find((t) => [...t].length <= CONTENT_MAX) ?? text(PROMPT_EXCERPTS.at(-1)!);
  const buttons: APIButtonComponent[] = [];
  jobs.forEach((job, i) => {
    if (canSendAgain(job, now)) buttons.push({ type: ComponentType.Button, style: ButtonStyle.Secondary, label: m.history.sendAgainButton({ index: i + 1 }), custom_id: buttonId('resend', job.id) });
  });
  const rows: ButtonRow[] = [];
  for (let i = 0; i < buttons.length; i += BUTTONS_PER_ROW) rows.push({ type: ComponentType.ActionRow, components: buttons.slice(i, i + BUTTONS_PER_ROW) });
  return { text: clip(fitting, CONTENT_MAX), rows };
}
