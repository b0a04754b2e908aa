/** Why a card shows a take the way it does, as data (worded in ./messages, laid out in ./card.ts). */


/** Why a finished take is a link and not a file in the card. */
export type NotAttached =
  /** Larger than the route's upload limit per file. */
  | { code: 'too_large'; sizeBytes: number | undefined; limitBytes: number }
  /** Fits alone, but not with the takes before it: Discord limits the whole request (docs/discord.md). */
  | { code: 'no_room'; sizeBytes: number; limitBytes: number }
  /** Discord answered 413 below its stated limit. */
  | { code: 'refused'; sizeBytes: number | undefined }
  /** The download failed. */
  | { code: 'not_downloaded' }
  /** The provider's link points where the bot does not fetch from: neither file nor link. */
  | { code: 'link_refused' };

import type { LinkProblem } from './messages/types';

/** Whether the provider's link can be a link button (card.ts videoLink); `href` when it can be shown as text. */
export type LinkCheck = { ok: true } | { ok: false; why: LinkProblem; href?: string };
