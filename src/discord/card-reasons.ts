/** Why a card shows a take the way it does, as data (worded in ./messages, laid out in ./card.ts). */


export type { NotAttached } from '../jobs/record';

import type { LinkProblem } from './messages/types';

/** Whether the provider's link can be a link button (card.ts videoLink); `href` when it can be shown as text. */
export type LinkCheck = { ok: true } | { ok: false; why: LinkProblem; href?: string };
