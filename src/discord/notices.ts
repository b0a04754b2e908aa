import { z } from 'zod';
import type { KV } from '../store/kv';
import { atomicUpdater, type AtomicUpdate } from '../store/atomic';

/**
 * What the bot still has to tell a member the next time they use it (docs/commands.md, `private`): a private
 * job's video that reached neither its ephemeral reply (the token expired or the edit failed) nor their DMs
 * (closed). Nothing about a private job is ever posted in the channel, so this waits for the member's next
 * command and is shown to them alone, then cleared. One small record per member, bounded and expiring.
 */

/** The jobs remembered per member: enough to say how many, never a growing record. */
const MAX_JOBS = 10;
/** A member who does not come back within a month is not told any more; the videos are long gone by then. */
const NOTICE_TTL_MS = 30 * 24 * 3600 * 1000;

const noticeSchema = z.object({ v: z.literal(1), undelivered: z.array(z.string().regex(/^[a-z0-9]{8,32}$/)).max(MAX_JOBS) });
export type Notice = z.infer<typeof noticeSchema>;

const key = (userId: string) => `notice:${userId}`;

export class Notices {
  private readonly update: AtomicUpdate;

  constructor(private readonly kv: KV) {
    this.update = atomicUpdater(kv);
  }

  /** Remembers that the job's video did not reach the member (several processes may write it: atomic). */
  async undelivered(userId: string, jobId: string): Promise<void> {
    await this.update(
      key(userId),
      async (current) => {
        const ids = parse(current)?.undelivered.filter((id) => id !== jobId) ?? [];
        return { result: undefined, next: { v: 1, undelivered: [...ids, jobId].slice(-MAX_JOBS) } satisfies Notice };
      },
      NOTICE_TTL_MS,
    );
  }

  /**
   * The member's notice, cleared as it is read, so two commands at once show it once. One plain read when there
   * is none (the usual case): every command of every member passes here.
   */
  async take(userId: string): Promise<Notice | undefined> {
    if (!parse(await this.kv.get(key(userId)))?.undelivered.length) return undefined;
    return this.update(
      key(userId),
      async (current) => {
        const notice = parse(current);
        return notice?.undelivered.length ? { result: notice, next: { v: 1, undelivered: [] } satisfies Notice } : { result: undefined };
      },
      NOTICE_TTL_MS,
    );
  }
}

/** A record this build cannot read is dropped rather than shown half-understood: it only ever held a reminder. */
function parse(raw: unknown): Notice | undefined {
  const parsed = noticeSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
