import { z } from 'zod';
import type { KV } from '../store/kv';
import { atomicUpdater, type AtomicUpdate } from '../store/atomic';
import type { Logger } from '../log';
import { utcDay } from '../limits/policy';
import type { Job } from './record';

/**
 * Who made which job, for /video-history and /video-stats (docs/commands.md): job ids per member (their
 * latest USER_HISTORY_MAX) and per server and UTC day (at most GUILD_DAY_MAX a day, kept GUILD_DAY_TTL_MS), so
 * both commands read a bounded number of keys and records whatever the store holds. Written once, when a job
 * is created (JobRepo.create), never on a progress update. An entry whose record is missing (its write never
 * came, or it expired) is skipped by the readers; records written before these indexes existed are not in them.
 *
 * Each list is changed by one atomic update (src/store/atomic.ts): a member's jobs in several servers are
 * written by the processes of several shards.
 */

export const USER_HISTORY_MAX = 50;
/** A day's list of a busy server: 2000 ids of 20 characters is about 45 KB, rewritten once per new job. */
export const GUILD_DAY_MAX = 2000;
const DAY_MS = 24 * 3600 * 1000;
/** Finished records live 30 days (repo.ts): a list outliving them by a little only costs skipped reads. */
const USER_HISTORY_TTL_MS = 31 * DAY_MS;
/** A month's stats read up to 31 day lists, and the CSV the last 30 days. */
const GUILD_DAY_TTL_MS = 32 * DAY_MS;

const idListSchema = z.array(z.string().regex(/^[a-z0-9]{8,32}$/));

/** Appends `id` to a list (oldest first), keeping the latest `max`. Pure. */
export function appendBounded(ids: readonly string[], id: string, max: number): string[] {
  const next = ids.filter((x) => x !== id);
  next.push(id);
  return next.slice(Math.max(0, next.length - max));
}

export class JobHistory {
  private readonly update: AtomicUpdate;

  constructor(
    private readonly kv: KV,
    private readonly logger: Pick<Logger, 'error'>,
  ) {
    this.update = atomicUpdater(kv);
  }

  /** The new job's entries: its member's list and, in a server, that server's day. Written side by side. */
  async add(job: Pick<Job, 'id' | 'userId' | 'guildId' | 'createdAt'>): Promise<void> {
    await Promise.all([
      this.append(userKey(job.userId), job.id, USER_HISTORY_MAX, USER_HISTORY_TTL_MS),
      job.guildId === null ? undefined : this.append(guildDayKey(job.guildId, utcDay(job.createdAt)), job.id, GUILD_DAY_MAX, GUILD_DAY_TTL_MS),
    ]);
  }

  /** The member's job ids, newest first. */
  async ofUser(userId: string): Promise<string[]> {
    return (await this.read(userKey(userId))).reverse();
  }

  /** The server's job ids created on the UTC days from `fromMs` to `toMs`, newest first. */
  async ofGuild(guildId: string, fromMs: number, toMs: number): Promise<string[]> {
    const days: string[] = [];
    for (let t = Date.parse(utcDay(fromMs)); t <= toMs; t += DAY_MS) days.push(utcDay(t));
    const lists = await Promise.all(days.map((d) => this.read(guildDayKey(guildId, d))));
    return lists.flat().reverse();
  }

  private append(key: string, id: string, max: number, ttlMs: number): Promise<void> {
    return this.update(key, async (current) => ({ result: undefined, next: appendBounded(this.parse(key, current), id, max) }), ttlMs);
  }

  private async read(key: string): Promise<string[]> {
    return this.parse(key, await this.kv.get(key));
  }

  /**
   * A damaged list is an index, not a record: it reads as empty (logged) and the next job starts it again.
   * A store that does not answer still throws (kv.get), never an empty answer.
   */
  private parse(key: string, raw: unknown): string[] {
    if (raw === undefined) return [];
    const parsed = idListSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    this.logger.error({ key, issues: parsed.error.issues.slice(0, 3) }, 'job history index failed its schema; reading it as empty');
    return [];
  }
}

const userKey = (userId: string) => `history:user:${userId}`;
const guildDayKey = (guildId: string, day: string) => `history:guild:${guildId}:${day}`;
