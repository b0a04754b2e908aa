import { z } from 'zod';
import type { KV } from '../store/kv';
import { atomicUpdater, type AtomicUpdate } from '../store/atomic';
import type { Job } from './record';

/*
 * The line of jobs waiting for a concurrency slot (docs/commands.md, queue): one ordered list of job ids per
 * limits scope (a server, or one member's DMs), shared by every process on the store and changed only by atomic
 * updates (src/store/atomic.ts). The list orders the jobs; the slots themselves are taken in the usage and
 * budget records when a job starts (LimitsService.takeSlots), so two processes can never start two jobs into
 * one slot. Each job is started by the process that owns it (its shard), in the list's order.
 */

/** Longer than any wait: a list nobody touched for this long holds only jobs long gone. */
const QUEUE_TTL_MS = 7 * 24 * 3600 * 1000;

const queueSchema = z.array(z.string());

/** The list a job waits in. */
export function queueKeyOf(job: Pick<Job, 'guildId' | 'userId'>): string {
  return job.guildId ? `queue:${job.guildId}` : `queue:dm:${job.userId}`;
}

export class WaitQueue {
  private readonly update: AtomicUpdate;

  constructor(private readonly kv: KV) {
    this.update = atomicUpdater(kv);
  }

  async list(key: string): Promise<string[]> {
    const parsed = queueSchema.safeParse(await this.kv.get(key));
    return parsed.success ? parsed.data : [];
  }

  /** Puts the job at the end of the line, unless it is in it already (a restart keeps its place). Returns its place. */
  async add(key: string, jobId: string): Promise<number> {
    return this.update(key, async (stored) => {
      const ids = read(stored);
      if (ids.includes(jobId)) return { result: ids.indexOf(jobId) + 1 };
      const next = [...ids, jobId];
      return { result: next.length, next };
    }, QUEUE_TTL_MS);
  }

  async remove(key: string, jobIds: readonly string[]): Promise<void> {
    if (!jobIds.length) return;
    await this.update(key, async (stored) => {
      const ids = read(stored);
      const next = ids.filter((id) => !jobIds.includes(id));
      return next.length === ids.length ? { result: undefined } : { result: undefined, next };
    }, QUEUE_TTL_MS);
  }
}

/** A damaged list reads as empty: the jobs in it are still found by their owners' resume and put back. */
function read(raw: unknown): string[] {
  const parsed = queueSchema.safeParse(raw);
  return parsed.success ? parsed.data : [];
}
