import type { KV } from '../store/kv';
import type { Logger } from '../log';
import { KeyedMutex } from '../util/keyed-mutex';
import { Semaphore } from '../util/semaphore';
import { bucketOf } from '../util/bucket';
import { JobHistory } from './history';
import { isFinal, jobSchema, type Job } from './record';

/** Finished jobs stay readable this long, for Re-roll and support questions. */
const FINAL_TTL_MS = 30 * 24 * 3600 * 1000;
/**
 * The ids of a shard's unfinished jobs, spread over buckets so that no single index record grows with the
 * number of jobs in flight (10,000 jobs: about 300 ids a bucket).
 */
const BUCKETS = 32;
/** Records read at once for /video-history and /video-stats: a month of a busy server reads without flooding the store. */
const HISTORY_READS_AT_ONCE = 16;

export class JobRepo {
  private readonly mutex = new KeyedMutex();
  /** Ids this process knows to be indexed: progress writes then cost no index read. */
  private readonly indexed = new Set<string>();
  /** Jobs between their index entry and their record (create). */
  private readonly creating = new Set<string>();
  /** Each member's and each server's job ids (history.ts). */
  private readonly history: JobHistory;

  /** `now`: the clock stamped into `updatedAt` (the composition root passes the app's clock). */
  constructor(
    private readonly kv: KV,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.history = new JobHistory(kv, logger);
  }

  async get(id: string): Promise<Job | undefined> {
    const raw = await this.kv.get(`job:${id}`);
    if (raw === undefined) return undefined;
    const parsed = jobSchema.safeParse(raw);
    if (!parsed.success) {
      this.logger.error({ jobId: id, issues: parsed.error.issues.slice(0, 3) }, 'job record failed its schema; ignoring it');
      return undefined;
    }
    return parsed.data;
  }

  /**
   * Indexes a new job, then writes it. In this order a record that exists is always found by resume(), even when
   * the process dies or the store fails between the two writes (a record without its index entry would sit in
   * `submitting` forever, its quota held); an index entry whose record never came is dropped by listActive.
   * The history entries (history.ts) are written with the index entry, before the record, and their readers
   * likewise skip an id whose record never came; side by side, they add no round trip to the submit.
   */
  async create(job: Job): Promise<void> {
    const record = jobSchema.parse(job);
    this.creating.add(record.id);
    try {
      await this.mutex.run(record.id, async () => {
        await Promise.all([this.index(record.shard, record.id), this.history.add(record)]);
        await this.kv.set(`job:${record.id}`, record);
      });
    } finally {
      this.creating.delete(record.id);
    }
  }

  /**
   * Read-modify-write under the job's lock. `change` returns the new record, or undefined to leave it (for
   * instance when the job already moved on). Returns what is stored afterwards.
   */
  async update(id: string, change: (job: Job) => Job | undefined): Promise<Job | undefined> {
    return this.mutex.run(id, async () => {
      const current = await this.get(id);
      if (!current) return undefined;
      const next = change(current);
      if (!next) return current;
      const stamped = { ...next, updatedAt: this.now() };
      await this.write(stamped);
      return stamped;
    });
  }

  async listActive(shard: number): Promise<Job[]> {
    const ids = new Set<string>();
    for (let b = 0; b < BUCKETS; b++) for (const id of (await this.kv.get<string[]>(this.indexKey(shard, b))) ?? []) ids.add(id);
    const jobs: Job[] = [];
    for (const id of ids) {
      const job = await this.get(id);
      if (job && (!isFinal(job.state) || job.announced === false)) jobs.push(job);
      // A job this process is creating has its index entry before its record: not a leftover.
      else if (!this.creating.has(id)) await this.unindex(shard, id);
    }
    return jobs;
  }

  /** The member's latest `limit` jobs, newest first (/video-history). */
  async recentOfUser(userId: string, limit: number): Promise<Job[]> {
    const ids = await this.history.ofUser(userId);
    const jobs: Job[] = [];
    // Most entries have their record: read a page at a time until `limit` are found.
    for await (const page of this.pages(ids, limit)) {
      for (const job of page) if (job && job.userId === userId && jobs.length < limit) jobs.push(job);
      if (jobs.length >= limit) break;
    }
    return jobs;
  }

  /**
   * Whether the member has a job started by `interactionId` (a reply a restart may have left unanswered,
   * src/interactions/pending.ts). The member's history lists a job before its record is written; it is read
   * newest first, down to the jobs created before `since`, which no interaction of then can have started.
   */
  async startedBy(userId: string, interactionId: string, since: number): Promise<boolean> {
    const ids = await this.history.ofUser(userId);
    for await (const page of this.pages(ids, HISTORY_READS_AT_ONCE)) {
      if (page.some((job) => job?.interactionId === interactionId)) return true;
      if (page.some((job) => job !== undefined && job.createdAt < since)) return false;
    }
    return false;
  }

  /** The server's jobs created from `fromMs` to `toMs`, newest first (/video-stats). */
  async ofGuild(guildId: string, fromMs: number, toMs: number): Promise<Job[]> {
    const ids = await this.history.ofGuild(guildId, fromMs, toMs);
    const reads = new Semaphore(HISTORY_READS_AT_ONCE);
    const found = await Promise.all(ids.map((id) => reads.run(() => this.get(id))));
    return found.filter((j): j is Job => j !== undefined && j.guildId === guildId && j.createdAt >= fromMs && j.createdAt <= toMs);
  }

  /** The records of `ids`, in order, `size` read at once: a caller that has found what it wanted stops reading. */
  private async *pages(ids: readonly string[], size: number): AsyncGenerator<(Job | undefined)[]> {
    for (let i = 0; i < ids.length; i += size) yield await Promise.all(ids.slice(i, i + size).map((id) => this.get(id)));
  }

  private async write(job: Job): Promise<void> {
    const record = jobSchema.parse(job);
    const final = isFinal(record.state);
    await this.kv.set(`job:${record.id}`, record, final ? FINAL_TTL_MS : undefined);
    if (final && record.announced !== false) await this.unindex(record.shard, record.id);
    else await this.index(record.shard, record.id);
  }

  private indexKey(shard: number, bucket: number) {
    return `active:${shard}:${bucket}`;
  }

  private async index(shard: number, id: string) {
    if (this.indexed.has(id)) return;
    const key = this.indexKey(shard, bucketOf(id, BUCKETS));
    await this.mutex.run(key, async () => {
      const ids = (await this.kv.get<string[]>(key)) ?? [];
      if (!ids.includes(id)) await this.kv.set(key, [...ids, id]);
    });
    this.indexed.add(id);
  }

  private async unindex(shard: number, id: string) {
    this.indexed.delete(id);
    const key = this.indexKey(shard, bucketOf(id, BUCKETS));
    await this.mutex.run(key, async () => {
      const ids = (await this.kv.get<string[]>(key)) ?? [];
      if (ids.includes(id)) await this.kv.set(key, ids.filter((x) => x !== id));
    });
  }
}
