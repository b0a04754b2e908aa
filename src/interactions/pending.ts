import { z } from 'zod';
import type { KV } from '../store/kv';
import { atomicUpdater, type AtomicUpdate } from '../store/atomic';
import type { Logger } from '../log';
import { TOKEN_LIFETIME_MS } from '../discord/platform';
import type { ReplyTarget } from '../discord/messenger';
import type { Outgoing } from '../discord/outgoing';
import { renderError } from '../discord/render';
import { messagesFor } from '../discord/messages';
import { bucketOf } from '../util/bucket';
import type { JobOrigin } from '../jobs/record';
import { strandedAction } from './stranded';

/**
 * A job's "thinking…" reply between its deferral and the moment it is answered for good: the job record is
 * written (the job owns the message from then on), or a refusal or problem replaced it. A process that dies in
 * between leaves the reply "thinking…" until Discord gives up; the marker lets the next start of the shard's
 * process answer it through the interaction token (docs/commands.md, "After a restart").
 *
 * The markers of a shard live in a few bucket records, so that a start finds them with a fixed number of reads
 * (as the active jobs' index, src/jobs/repo.ts). Each marker is versioned and checked on its own: one that fails
 * its schema is dropped without costing the others.
 */
const markerSchema = z.object({
  v: z.literal(1),
  /** The shard whose process answers it after a restart. */
  shard: z.number().int().min(0),
  userId: z.string().regex(/^\d+$/),
  applicationId: z.string().regex(/^\d+$/),
  interactionToken: z.string().min(1).max(500),
  tokenExpiresAt: z.number(),
  locale: z.string().max(16).optional(),
  createdAt: z.number(),
});
type Marker = z.infer<typeof markerSchema>;

const bucketSchema = z.record(z.string().regex(/^\d+$/), z.unknown());

/** A bucket record's markers that pass their schema, by interaction id; a record that fails its own has none. */
function entriesOf(raw: unknown): [string, Marker][] {
  const parsed = bucketSchema.safeParse(raw);
  if (!parsed.success) return [];
  return Object.entries(parsed.data).flatMap(([id, v]) => {
    const m = markerSchema.safeParse(v);
    return m.success ? [[id, m.data] as [string, Marker]] : [];
  });
}

/** A shard's markers: few in flight at once (the deferred work runs a few at a time, src/app.ts). */
const BUCKETS = 8;
/** A marker outlives its token by a margin, so a restart still finds it and logs it as expired. */
const BUCKET_TTL_MS = TOKEN_LIFETIME_MS + 60 * 60_000;

/** A removal the store refused is tried again after this (the store's outages seen last seconds). */
const REMOVE_RETRY_MS = 15_000;

const bucketKey = (shard: number, bucket: number) => `pending:${shard}:${bucket}`;

/** What the deferral knows of the reply (src/interactions/defer.ts) that a restart needs to answer it. */
export type DeferredReply = Pick<JobOrigin, 'shard' | 'userId' | 'applicationId' | 'interactionId' | 'interactionToken' | 'tokenExpiresAt' | 'locale'>;

export interface PendingRepliesDeps {
  logger: Pick<Logger, 'info' | 'warn'>;
  now: () => number;
  /** Edits the reply through its interaction token, never the bot token (docs/discord.md). */
  editReply: (target: ReplyTarget, message: Outgoing) => Promise<void>;
  /** Whether the member has a job record started by this interaction (JobRepo.startedBy). */
  startedBy: (userId: string, interactionId: string, since: number) => Promise<boolean>;
}

export interface StrandedCounts {
  answered: number;
  /** Discord refused the edit. */
  unreachable: number;
  expired: number;
  started: number;
}

export class PendingReplies {
  private readonly update: AtomicUpdate;
  /** This process's markers, by interaction id: their shard and their write (true once stored). */
  private readonly mine = new Map<string, { shard: number; written: Promise<boolean> }>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly kv: KV,
    private readonly deps: PendingRepliesDeps,
  ) {
    this.update = atomicUpdater(kv);
  }

  /**
   * Stores the marker in the background: the request does not wait for it (Discord's 3 s, and the work after
   * the deferral), and a write that fails is logged, never the request's failure.
   */
  begin(reply: DeferredReply): void {
    const marker: Marker = markerSchema.parse({
      v: 1,
      shard: reply.shard,
      userId: reply.userId,
      applicationId: reply.applicationId,
      interactionToken: reply.interactionToken,
      tokenExpiresAt: reply.tokenExpiresAt,
      ...(reply.locale ? { locale: reply.locale } : {}),
      createdAt: this.deps.now(),
    });
    const id = reply.interactionId;
    const written = this.change(reply.shard, id, (entries) => ({ ...entries, [id]: marker })).then(
      () => true,
      (err: unknown) => {
        this.deps.logger.warn({ err, interactionId: id }, 'the deferred reply could not be marked; a restart before it is answered would leave it unanswered');
        return false;
      },
    );
    this.mine.set(id, { shard: reply.shard, written });
  }

  /** The request was answered for good (a job took the reply, or it shows a refusal or a problem): the marker goes. */
  async end(interactionId: string): Promise<void> {
    const own = this.mine.get(interactionId);
    if (!own) return;
    // Removed even after a write reported failed: a write that timed out may have landed all the same. It stays
    // this process's own until it is gone, so that a second look (answerStranded) never answers it.
    await own.written;
    try {
      await this.remove(own.shard, interactionId);
      this.mine.delete(interactionId);
    } catch (err) {
      // Left over, a next start would take the answered reply for a stranded one: tried once more, a little later.
      this.deps.logger.warn({ err, interactionId }, 'the marker of an answered reply could not be removed; trying again');
      this.after(REMOVE_RETRY_MS, 'the marker of an answered reply could not be removed again; a next start may answer the reply', () =>
        this.remove(own.shard, interactionId).finally(() => this.mine.delete(interactionId)),
      );
    }
  }

  /**
   * Answers the replies the shards' previous process left "thinking…" (called once the service resumed their
   * jobs): each marker past the grace without a job record gets the restart sentence, in the member's language;
   * one whose token is dead is dropped. A marker still within its grace is looked at again once it has passed.
   */
  async answerStranded(shards: readonly number[], again = true): Promise<StrandedCounts> {
    const counts: StrandedCounts = { answered: 0, unreachable: 0, expired: 0, started: 0 };
    let laterMs: number | undefined;
    for (const shard of shards) {
      let markers: [string, Marker][];
      try {
        markers = await this.list(shard);
      } catch (err) {
        // Not worth failing the start for: the markers stay, for the next start while their tokens live.
        this.deps.logger.warn({ err, shard }, 'could not read the replies a restart may have left unanswered');
        continue;
      }
      for (const [id, marker] of markers) {
        const action = strandedAction(marker, this.deps.now(), this.mine.has(id));
        if (action.kind === 'mine') continue;
        if (action.kind === 'later') {
          laterMs = Math.max(laterMs ?? 0, action.inMs);
          continue;
        }
        try {
          if (action.kind === 'expired') {
            counts.expired++;
            this.deps.logger.info({ interactionId: id, shard }, 'a reply left unanswered by a restart has an expired token; dropping its marker');
          } else if (await this.deps.startedBy(marker.userId, id, marker.createdAt)) {
            // The job record was written before the process died: the job owns the message and its resume shows it.
            counts.started++;
          } else if (await this.answer(id, marker)) {
            counts.answered++;
          } else {
            counts.unreachable++;
          }
          await this.remove(shard, id);
        } catch (err) {
          this.deps.logger.warn({ err, interactionId: id, shard }, 'could not settle a reply a restart may have left unanswered; the next start looks again');
        }
      }
    }
    if (again && laterMs !== undefined) this.after(laterMs, 'looking again at replies left unanswered by a restart failed', () => this.answerStranded(shards, false));
    return counts;
  }

  /** Drops the timers of a second look and of a removal tried again. */
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** The restart sentence in the reply; false when Discord refused it. */
  private async answer(id: string, marker: Marker): Promise<boolean> {
    const m = messagesFor(marker.locale);
    try {
      await this.deps.editReply({ applicationId: marker.applicationId, interactionToken: marker.interactionToken }, renderError(m.router.restarted, undefined, m));
      this.deps.logger.info({ interactionId: id, shard: marker.shard }, 'answered a reply a restart had left unanswered');
      return true;
    } catch (err) {
      // Discord refused the edit (the token died meanwhile, the reply was deleted): nothing else can reach it.
      this.deps.logger.warn({ err, interactionId: id, shard: marker.shard }, 'could not answer a reply a restart had left unanswered');
      return false;
    }
  }

  /** `work` once, `ms` from now, unless stopped first; its failure is logged as `failed`. */
  private after(ms: number, failed: string, work: () => Promise<unknown>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void work().catch((err: unknown) => this.deps.logger.warn({ err }, failed));
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  /** The shard's markers that pass their schema, by interaction id. */
  async list(shard: number): Promise<[string, Marker][]> {
    const buckets = await Promise.all(Array.from({ length: BUCKETS }, (_, b) => this.read(shard, b)));
    return buckets.flat();
  }

  private async read(shard: number, bucket: number): Promise<[string, Marker][]> {
    return entriesOf(await this.kv.get(bucketKey(shard, bucket)));
  }

  private remove(shard: number, id: string): Promise<void> {
    return this.change(shard, id, ({ [id]: _gone, ...rest }) => rest);
  }

  /** One atomic read-modify-write of the interaction's bucket; markers that fail their schema are dropped on the way. */
  private change(shard: number, id: string, edit: (entries: Record<string, Marker>) => Record<string, Marker>): Promise<void> {
    return this.update(
      bucketKey(shard, bucketOf(id, BUCKETS)),
      async (current) => {
        // A marker a failed removal left behind, dead for longer than a start would still log it, goes too.
        const longDead = this.deps.now() - (BUCKET_TTL_MS - TOKEN_LIFETIME_MS);
        const entries = Object.fromEntries(entriesOf(current).filter(([, m]) => m.tokenExpiresAt > longDead));
        return { result: undefined, next: edit(entries) };
      },
      BUCKET_TTL_MS,
    );
  }
}
