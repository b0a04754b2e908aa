import { renderProblems } from '../discord/render';
import { messagesFor, wordRefusal } from '../discord/messages';
import type { Refusal } from '../limits/policy';
import type { Actor, HandlerPorts } from './ports';

/**
 * A request the limits refused, answered in its deferred reply ("Limit reached" and why). A refusal for the
 * server's budget is news for the server's moderators too (/video-limits audit); the member's own limits are not.
 */
export async function refuse(actor: Actor, refusal: Refusal, { reply, audit }: Pick<HandlerPorts, 'reply' | 'audit'>): Promise<void> {
  const m = messagesFor(actor.locale);
  await reply.edit(renderProblems(m.problems.limitReached, [wordRefusal(refusal, m)], m));
  if (actor.limitsScope && (refusal.code === 'budget_daily' || refusal.code === 'budget_monthly')) {
    await audit.post(actor.limitsScope, { kind: 'budget_refused', userId: actor.userId, channelId: actor.channelId, refusal }, actor.guildLocale);
  }
}
