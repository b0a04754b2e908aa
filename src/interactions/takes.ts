import { SEED_MAX } from '../models';
import type { NewJob } from '../jobs/record';
import type { Refusal } from '../limits';
import { admit } from './admit';
import { approvalOf, startJob } from './approval';
import type { Actor, HandlerPorts } from './ports';

/** What a request starts as: one job per take, the same request but for the seed. */
export type TakesBase = Omit<NewJob, 'id' | 'usage' | 'group'>;

/**
 * Reserves the quota of `count` takes of one request (`variations`, docs/commands.md: each counts as a video)
 * and starts them: one job, or takes sharing the job message (JobService.startTakes). `seed` goes to the first
 * take; the others get picked seeds, all distinct, so every take differs and each result can be reproduced.
 * `firstId`: the first take's id when the caller needs it before (a Final's claim on its source).
 * One job goes through admission (./admit.ts): it may wait in line for a slot or for a moderator's approval.
 * Takes do not queue: they are refused when the concurrency has no room for all of them, and refused when the
 * request needs an approval (docs/commands.md, queue and approval); queueing several jobs that share one
 * message is left out on purpose.
 * Returns the refusal when the limits do not take them all; then nothing was reserved or submitted.
 */
export async function reserveAndStart(
  ports: Pick<HandlerPorts, 'limits' | 'jobs' | 'newJobId' | 'newSeed' | 'now' | 'posts' | 'logger'>,
  actor: Actor,
  count: number,
  base: TakesBase,
  seed: number | undefined,
  firstId?: string,
): Promise<Refusal | undefined> {
  const { limits, jobs, newJobId, newSeed } = ports;
  const ids = Array.from({ length: count }, (_, i) => (i === 0 && firstId ? firstId : newJobId()));
  const seeds = [seed ?? newSeed()];
  while (seeds.length < count) {
    // A repeated pick moves to the next free number: at most `count` steps, whatever the picker does.
    let next = newSeed();
    while (seeds.includes(next)) next = next >= SEED_MAX ? 0 : next + 1;
    seeds.push(next);
  }
  if (count === 1) {
    const reserved = await admit(actor, ports, ids[0]!, base.request);
    if (!reserved.ok) return reserved.refusal;
    await startJob(ports, { ...base, id: ids[0]!, request: { ...base.request, seed: seeds[0]! }, ...reserved.job, usage: reserved.usage }, reserved.approvalReason);
    return undefined;
  }
  if (await approvalOf(actor, ports, base.request)) return { code: 'takes_need_approval', limit: 'approval', takes: count };
  const reserved = await limits.reserveTakes({ guildId: actor.limitsScope, userId: actor.userId, roleIds: actor.roleIds }, ids, base.request.duration);
  if (!reserved.ok) return reserved.refusal;
  await jobs.startTakes(
    ids.map((id, i) => ({ ...base, id, request: { ...base.request, seed: seeds[i]! }, usage: reserved.usage[i]!, group: { id: ids[0]!, index: i + 1, jobIds: ids } })),
  );
  return undefined;
}
