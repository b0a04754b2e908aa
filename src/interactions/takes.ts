import { SEED_MAX } from '../models';
import type { NewJob } from '../jobs/record';
import type { Refusal } from '../limits';
import type { HandlerPorts } from './ports';

/** What a request starts as: one job per take, the same request but for the seed. */
export type TakesBase = Omit<NewJob, 'id' | 'usage' | 'group'>;

/**
 * Reserves the quota of `count` takes of one request (`variations`, docs/commands.md: each counts as a video)
 * and starts them: one job, or takes sharing the job message (JobService.startTakes). `seed` goes to the first
 * take; the others get picked seeds, all distinct, so every take differs and each result can be reproduced.
 * `firstId`: the first take's id when the caller needs it before (a Final's claim on its source).
 * Returns the refusal when the limits do not take them all; then nothing was reserved or submitted.
 */
export async function reserveAndStart(
  { limits, jobs, newJobId, newSeed }: Pick<HandlerPorts, 'limits' | 'jobs' | 'newJobId' | 'newSeed'>,
  who: { guildId: string | null; userId: string; roleIds: readonly string[] },
  count: number,
  base: TakesBase,
  seed: number | undefined,
  firstId?: string,
): Promise<Refusal | undefined> {
  const ids = Array.from({ length: count }, (_, i) => (i === 0 && firstId ? firstId : newJobId()));
  const seeds = [seed ?? newSeed()];
  while (seeds.length < count) {
    // A repeated pick moves to the next free number: at most `count` steps, whatever the picker does.
    let next = newSeed();
    while (seeds.includes(next)) next = next >= SEED_MAX ? 0 : next + 1;
    seeds.push(next);
  }
  if (count === 1) {
    const reserved = await limits.reserve(who, ids[0]!, base.request.duration);
    if (!reserved.ok) return reserved.refusal;
    await jobs.start({ ...base, id: ids[0]!, request: { ...base.request, seed: seeds[0]! }, usage: reserved.usage });
    return undefined;
  }
  const reserved = await limits.reserveTakes(who, ids, base.request.duration);
  if (!reserved.ok) return reserved.refusal;
  await jobs.startTakes(
    ids.map((id, i) => ({ ...base, id, request: { ...base.request, seed: seeds[i]! }, usage: reserved.usage[i]!, group: { id: ids[0]!, index: i + 1, jobIds: ids } })),
  );
  return undefined;
}
