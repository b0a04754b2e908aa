import type { Reserve } from '../limits/service';
import type { NewJob } from '../jobs/record';
import type { Actor, HandlerPorts } from './ports';

/**
 * A request's quota, reserved for /video, "Make a video" and Re-roll alike. A request that passes every check
 * but finds the member's or the server's concurrency full waits in line for a slot (docs/commands.md, queue):
 * the job is started with `wait`, and the job engine starts it when a slot frees.
 */
export async function admit(actor: Actor, { limits }: Pick<HandlerPorts, 'limits'>, jobId: string, seconds: number): Promise<Reserve & { job?: Pick<NewJob, 'usage' | 'wait'> }> {
  const reserved = await limits.reserve({ guildId: actor.limitsScope, userId: actor.userId, roleIds: actor.roleIds }, jobId, seconds, { wait: 'queue' });
  if (!reserved.ok) return reserved;
  return { ...reserved, job: { usage: reserved.usage, ...(reserved.waits ? { wait: { concurrent: reserved.waits.concurrent, place: 1 } } : {}) } };
}
