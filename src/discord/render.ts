import type { APIActionRowComponent, APIButtonComponent } from 'discord.js';
import { literal } from './markdown';
import { en, type Messages } from './messages';
import { clip } from '../util/clip';

/**
 * Plain messages: the answers to a command (validation problems, limit refusals, errors): the layout here, the
 * words in the catalogue (./messages). Pure. The job message itself is a Components V2 card (./card.ts).
 * Whatever the input, a message stays within Discord's limits (docs/discord.md): content clipped to 2000
 * characters.
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
