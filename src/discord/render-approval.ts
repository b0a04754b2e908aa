import { ButtonStyle, ComponentType, type APIButtonComponent } from 'discord.js';
import type { Job } from '../jobs/record';
import type { ApprovalReason } from '../limits/policy';
import { buttonId } from './custom-id';
import { literal } from './markdown';
import { en, type Messages } from './messages';
import { optionsLine } from './card';
import type { MessagePayload } from './render';
import { clip } from '../util/clip';

/**
 * The messages of a request awaiting a moderator's approval (docs/commands.md, approval): the post in the
 * approval channel with Approve / Deny (their custom ids carry the job id only: the decision is read from the
 * store when pressed, so they keep working after a restart) and the post once decided; the requester's job
 * message, waiting or denied, is the card (./card.ts). Mentions in them name people and never ping (allowed mentions: none, ./outgoing.ts).
 */

const CONTENT_MAX = 2000;

const button = (label: string, style: ButtonStyle.Success | ButtonStyle.Danger, custom_id: string): APIButtonComponent => ({ type: ComponentType.Button, style, label, custom_id });

/** `why`: the thresholds it is over, or empty. */
function requestText(job: Job, why: string, m: Messages): string {
  return m.approval.request({
    userId: job.userId,
    channelId: job.channelId,
    prompt: `> ${literal(clip(job.request.prompt, 300)).split('\n').join('\n> ')}`,
    options: optionsLine([job], m),
    why,
    expiresAt: job.approval?.expiresAt ?? job.createdAt,
  });
}

export function wordApprovalReason(reason: ApprovalReason, m: Messages = en): string {
  return m.approval.over(reason);
}

export function renderApprovalRequest(job: Job, why: string, m: Messages = en): MessagePayload {
  return {
    text: clip(requestText(job, why, m), CONTENT_MAX),
    rows: [{ type: ComponentType.ActionRow, components: [button(m.approval.approveButton, ButtonStyle.Success, buttonId('approve', job.id)), button(m.approval.denyButton, ButtonStyle.Danger, buttonId('deny', job.id))] }],
  };
}

/** The post once decided: the request as it was, who decided, no buttons. */
export function renderApprovalDecided(job: Job, m: Messages = en): MessagePayload {
  const post = requestText(job, '', m);
  const by = job.approval?.by ?? null;
  const text =
    job.state === 'cancelled' && by === null
      ? m.approval.cancelledPost({ post })
      : job.state === 'denied' || by === null
        ? m.approval.deniedPost({ post, byUserId: by })
        : m.approval.approvedPost({ post, byUserId: by });
  return { text: clip(text, CONTENT_MAX), rows: [] };
}
