import type { Reserve } from '../limits/service';
import type { ApprovalReason } from '../limits/policy';
import type { NewJob } from '../jobs/record';
import { approvalOf } from './approval';
import type { Actor, HandlerPorts } from './ports';

/**
 * A request's quota, reserved for /video, "Make a video" and Re-roll alike. A request that passes every check
 * but finds the member's or the server's concurrency full waits in line for a slot (docs/commands.md, queue):
 * the job is started with `wait`, and the job engine starts it when a slot frees. One over the server's approval
 * threshold waits for a moderator first.
 */
export async function admit(
  actor: Actor,
  ports: Pick<HandlerPorts, 'limits' | 'now'>,
  jobId: string,
  request: { duration: number; resolution: string },
): Promise<Reserve & { job?: Pick<NewJob, 'usage' | 'wait' | 'approval'>; approvalReason?: ApprovalReason }> {
  // A request over the approval threshold holds its quota but no slot until a moderator approves (./approval.ts).
  const approval = await approvalOf(actor, ports, request);
  const reserved = await ports.limits.reserve({ guildId: actor.limitsScope, userId: actor.userId, roleIds: actor.roleIds }, jobId, request.duration, { wait: approval ? 'hold' : 'queue' });
  if (!reserved.ok) return reserved;
  const wait = reserved.waits ? { wait: { concurrent: reserved.waits.concurrent, place: 1 } } : {};
  return approval
    ? { ...reserved, job: { usage: reserved.usage, ...wait, approval: approval.approval }, approvalReason: approval.reason }
    : { ...reserved, job: { usage: reserved.usage, ...wait } };
}
