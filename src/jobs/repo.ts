import type { KV } from '../store/kv';
import type { Logger } from '../log';
import { KeyedMutex } from '../util/keyed-mutex';
import { isFinal, jobSchema, type Job } from './record';

/** Finished jobs stay readable this long, for Re-roll and support questions. */
const FINAL_TTL_MS = 30 * 24 * 3600 * 1000;
/**
 * The ids of a shard's unfinished jobs, spread over buckets so that no single index record grows with the
 * number of jobs in flight (10,000 jobs: about 300 ids a bucket).
 */
const BUCKETS = 32;

function bucketOf(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % BUCKETS;
}

export class JobRepo {
  private readonly mutex = new KeyedMutex();
  /** Ids this process knows to be indexed: progress writes then cost no index read. */
  private readonly indexed = new Set<string>();
  /** Jobs between their index entry and their record (create). */
  private readonly creating = new Set<string>();

  /** `now`: the clock stamped into `updatedAt` (the composition root passes the app's clock). */
  constructor(
    private readonly kv: KV,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

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
   */
  async create(job: Job): Promise<void> {
    const record = jobSchema.parse(job);
    this.creating.add(record.id);
    try {
      await this.mutex.run(record.id, async () => {
        await this.index(record.shard, record.id);
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
    const key = this.indexKey(shard, bucketOf(id));
    await this.mutex.run(key, async () => {
      const ids = (await this.kv.get<string[]>(key)) ?? [];
      if (!ids.includes(id)) await this.kv.set(key, [...ids, id]);
    });
    this.indexed.add(id);
  }

  private async unindex(shard: number, id: string) {
    this.indexed.delete(id);
    const key = this.indexKey(shard, bucketOf(id));
    await this.mutex.run(key, async () => {
      const ids = (await this.kv.get<string[]>(key)) ?? [];
      if (ids.includes(id)) await this.kv.set(key, ids.filter((x) => x !== id));
    });
  }
}
