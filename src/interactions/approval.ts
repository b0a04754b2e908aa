import { needsApproval, type ApprovalReason } from '../limits/policy';
import { APPROVAL_TIMEOUT_MS } from '../jobs/service';
import type { Job, NewJob } from '../jobs/record';
import { messagesFor } from '../discord/messages';
import { renderApprovalRequest, wordApprovalReason } from '../discord/render-approval';
import { moderates } from './guards';
import type { Actor, HandlerPorts } from './ports';

/**
 * Requests over the server's approval threshold (docs/commands.md, approval): whether one needs an approval,
 * its post in the approval channel, and the Approve / Deny buttons there. Who may decide is checked when the
 * button is pressed (Manage Server in that server); what is decided is read from the store, so the buttons
 * keep working after a restart.
 */

/** The approval a request needs where the actor is, as the job stores it, and why; undefined: none. */
export async function approvalOf(actor: Actor, { limits, now }: Pick<HandlerPorts, 'limits' | 'now'>, request: { duration: number; resolution: string }): Promise<{ approval: NonNullable<Job['approval']>; reason: ApprovalReason } | undefined> {
  if (!actor.limitsScope) return undefined;
  const { approval } = await limits.server(actor.limitsScope);
  const reason = needsApproval(approval, request);
  if (!approval || !reason) return undefined;
  const locale = actor.guildLocale ? { locale: actor.guildLocale } : {};
  return { approval: { channelId: approval.channelId, messageId: null, expiresAt: now() + APPROVAL_TIMEOUT_MS, by: null, ...locale }, reason };
}

/**
 * Starts the job; one awaiting approval is then posted for the moderators. A post Discord refuses is logged:
 * the request waits until the timeout denies it (its quota back), and a moderator sees why in the logs.
 */
export async function startJob(ports: Pick<HandlerPorts, 'jobs' | 'posts' | 'logger'>, input: NewJob, reason: ApprovalReason | undefined): Promise<void> {
  const job = await ports.jobs.start(input);
  if (!reason || !job.approval) return;
  try {
    // The moderators read the approval channel together: the server's language.
    const m = messagesFor(job.approval.locale);
    const messageId = await ports.posts.send(job.approval.channelId, renderApprovalRequest(job, wordApprovalReason(reason, m), m));
    if (messageId) await ports.jobs.notePost(job.id, messageId);
    else ports.logger.warn({ jobId: job.id, channelId: job.approval.channelId }, "the approval request was posted but Discord's answer had no message id; its buttons stay after the decision");
  } catch (err) {
    ports.logger.warn({ jobId: job.id, channelId: job.approval.channelId, err: (err as Error).message }, 'the approval request could not be posted; it waits for its timeout');
  }
}

/** Approve or Deny, pressed on the post in the approval channel. */
export async function decide(decision: 'approved' | 'denied', jobId: string, actor: Actor, { reply, jobs, posts, audit }: HandlerPorts): Promise<void> {
  const m = messagesFor(actor.locale).approval;
  const job = await jobs.get(jobId);
  if (!job) return reply.reply(m.missing);
  if (!moderates(actor, job.guildId)) return reply.reply(m.notModerator);
  await reply.deferPrivately();
  const result = decision === 'approved' ? await jobs.approve(jobId, actor.userId) : await jobs.deny(jobId, actor.userId);
  if (result.outcome !== 'done') return reply.edit({ text: result.outcome === 'missing' ? m.missing : m.alreadyDecided, rows: [] });
  // A Deny's post is updated with the requester's message (the job's end); an Approve's here.
  if (decision === 'approved') await posts.showDecided(result.job);
  const r = job.request;
  await audit.post(job.guildId!, { kind: 'approval', decision, moderatorId: actor.userId, userId: job.userId, jobId, request: { model: r.model, duration: r.duration, resolution: r.resolution } }, job.approval?.locale ?? actor.guildLocale);
  await reply.edit({ text: decision === 'approved' ? m.approved : m.denied, rows: [] });
}
