import { z } from 'zod';
import { generationRequestSchema } from '../apimart/request';
import { reservationSchema } from '../limits/reservation';
import { failureSchema } from './failure';

/**
 * A job as stored. Versioned and checked on every read: a record of a known older version is migrated, one
 * written by a newer build, or damaged, is refused loudly instead of half-understood.
 */

/**
 * `waiting`: in line for a concurrency slot (./queue.ts); `awaiting_approval`: for a moderator's Approve or Deny;
 * `denied`: a moderator's Deny or the approval's timeout. Both waits hold the quota but no slot.
 */
export const JOB_STATES = ['reserved', 'submitting', 'queued', 'generating', 'completed', 'delivered', 'failed', 'cancelled', 'undeliverable', 'waiting', 'awaiting_approval', 'denied'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const FINAL_STATES: ReadonlySet<JobState> = new Set(['delivered', 'failed', 'cancelled', 'undeliverable', 'denied']);
export const isFinal = (s: JobState) => FINAL_STATES.has(s);

/**
 * Whether a job that ended keeps the quota it reserved (docs/commands.md, limits): a video was made
 * (delivered or not), or the provider had accepted the task before a Cancel, since it still makes and bills
 * it. Everything else ended without a video and gives the quota back.
 */
export function keepsQuota(job: Pick<Job, 'state' | 'taskId'>): boolean {
  if (job.state === 'delivered' || job.state === 'undeliverable') return true;
  return job.state === 'cancelled' && job.taskId !== null;
}


const snowflake = z.string().regex(/^\d+$/);

/** Why a finished take is a link and not a file in its message (worded in src/discord/messages). */
export const notAttachedSchema = z.discriminatedUnion('code', [
  /** Larger than the route's upload limit per file. */
  z.object({ code: z.literal('too_large'), sizeBytes: z.number().optional(), limitBytes: z.number() }),
  /** Fits alone, but not with the takes sent with it: Discord limits the whole request (docs/discord.md). */
  z.object({ code: z.literal('no_room'), sizeBytes: z.number(), limitBytes: z.number() }),
  /** Discord answered 413 below its stated limit. */
  z.object({ code: z.literal('refused'), sizeBytes: z.number().optional() }),
  /** The download failed. */
  z.object({ code: z.literal('not_downloaded') }),
  /** The provider's link points where the bot does not fetch from: neither file nor link. */
  z.object({ code: z.literal('link_refused') }),
]);
export type NotAttached = z.infer<typeof notAttachedSchema>;

export const DELIVERY_ROUTES = ['reply', 'channel-edit', 'channel', 'dm'] as const;
export type DeliveryRoute = (typeof DELIVERY_ROUTES)[number];

const jobId = z.string().regex(/^[a-z0-9]{8,32}$/);

/**
 * One take of a request made with `variations` (docs/commands.md): the takes are separate jobs (own task, seed,
 * quota, Idempotency-Key) that share one job message. `id` is the first take's job id, the key of that message;
 * `jobIds` lists every take in order, so any take finds the others; `index` is this take's place, from 1.
 */
export const takeGroupSchema = z
  .object({ id: jobId, index: z.number().int().min(1), jobIds: z.array(jobId).min(2) })
  .refine((g) => g.index <= g.jobIds.length && g.jobIds[0] === g.id, { message: 'a take group lists its takes from the first' });
export type TakeGroup = z.infer<typeof takeGroupSchema>;

/** The version this build writes. v2: `failure` is a reason as data (failure.ts); v1 stored its sentence. */
export const JOB_RECORD_VERSION = 2;

const jobV2Schema = z.object({
  v: z.literal(JOB_RECORD_VERSION),
  id: jobId,
  state: z.enum(JOB_STATES),
  shard: z.number().int().min(0),
  guildId: snowflake.nullable(),
  channelId: snowflake,
  userId: snowflake,
  applicationId: snowflake,
  interactionId: snowflake,
  interactionToken: z.string(),
  /** ms since epoch; the webhook token stops working then. */
  tokenExpiresAt: z.number(),
  /** The deferred reply's message id, for channel-endpoint fallbacks once the token has expired. */
  replyMessageId: snowflake.nullable(),
  attachmentSizeLimit: z.number().int().positive(),
  request: generationRequestSchema,
  /** Attachment file names, in order, for the summary. */
  imageNames: z.array(z.string()),
  /** The usage bucket the job's quota was reserved in (limits), so it can be committed or returned. */
  usage: reservationSchema.nullable(),
  taskId: z.string().nullable(),
  providerStatus: z.string().nullable(),
  progress: z.number().min(0).max(100),
  estimatedTimeSec: z.number().nullable(),
  videoUrl: z.string().nullable(),
  videoExpiresAt: z.number().nullable(),
  /** Why a failed or undeliverable job ended so; the words are the messages' (src/discord/messages/). */
  failure: failureSchema.nullable(),
  /**
   * How the video reached the requester: the route, and whether as a file or as a link; where that message is
   * and the file's attachment id there, so the next take of its request joins that message and keeps this
   * take's file (docs/commands.md, variations). The last two are absent when Discord's answer lacked them, and
   * in records of earlier builds.
   */
  delivery: z
    .object({
      route: z.enum(DELIVERY_ROUTES),
      attached: z.boolean(),
      message: z.object({ channelId: snowflake, messageId: snowflake }).optional(),
      attachmentId: snowflake.optional(),
      /** Why it is a link and not a file, for every later rendering of the card. */
      linked: notAttachedSchema.optional(),
    })
    .nullable(),
  rerollOf: z.string().nullable(),
  /**
   * The requester's Discord locale: the job's messages after the interaction (progress, the end, the channel
   * post, the DM) are written in it, and the provider is asked for its failure reason in it where it can.
   * Absent in records of earlier builds: English.
   */
  locale: z.string().max(16).optional(),
  /**
   * A Remix or Final of another job (docs/commands.md, buttons): which one, and where its message is, so this
   * job's message links to it. Absent for /video, Re-roll and records of earlier builds.
   */
  cameFrom: z.object({ kind: z.enum(['remix', 'final']), jobId: z.string(), messageUrl: z.string().url().nullable() }).optional(),
  /** The Final made of this job: one per take, claimed before it starts (JobService.claimFinal). */
  finalJobId: z.string().optional(),
  /** A take of a request with `variations`; absent for a single video (and in records of earlier builds). */
  group: takeGroupSchema.optional(),
  /** Made with `preview:true` (docs/commands.md): the card says so. Absent in records of earlier builds. */
  preview: z.boolean().optional(),
  /**
   * Made with `private:true` (docs/commands.md): the reply is ephemeral, so the job's message is only ever its
   * interaction reply or a DM (src/discord/job-message.ts). Absent in records of earlier builds: not private.
   */
  private: z.boolean().optional(),
  /**
   * The saved reference set (/video-refs) whose images are the first `images` of `request.image_urls`: a
   * re-roll asks the set for links that work then, since provider links expire (docs/apimart.md, upload).
   * Absent: no set (and records of earlier builds).
   */
  refSet: z.object({ id: z.string(), images: z.number().int().min(1) }).nullable().optional(),
  /**
   * false: the job ended and its final message has not been shown yet. Such a job stays in the unfinished index,
   * so a restart shows it (a crash between writing the end and editing the message must not leave "Queued").
   * Absent (records of earlier builds, delivered jobs): nothing left to show.
   */
  announced: z.boolean().optional(),
  /**
   * A job that waits for a slot (./queue.ts): the member's `concurrent` when it was asked for (their roles are
   * not stored), and its place in line as last shown. Absent: it never waited.
   */
  wait: z.object({ concurrent: z.number().int().min(1), place: z.number().int().min(1) }).optional(),
  /**
   * A request over the server's approval threshold: where it was posted for the moderators, until when it
   * waits (then it is denied), and who decided. Absent: no approval was needed. `locale`: the server's
   * preferred locale, which the post is written in for its moderators (absent in earlier records: English).
   */
  approval: z
    .object({ channelId: snowflake, messageId: snowflake.nullable(), expiresAt: z.number(), by: snowflake.nullable(), locale: z.string().max(16).optional() })
    .optional(),
  createdAt: z.number(),
  submittedAt: z.number().nullable(),
  completedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  updatedAt: z.number(),
});

/**
 * v1 stored the failure's English sentence. A job of that build resumed or re-shown by this one keeps saying
 * what it said: the sentence becomes a `legacy` reason carrying its text.
 */
const jobV1Schema = jobV2Schema.extend({ v: z.literal(1), failure: z.string().nullable() });

export const jobSchema = z.union([
  jobV2Schema,
  jobV1Schema.transform(({ failure, ...rest }): z.infer<typeof jobV2Schema> => ({
    ...rest,
    v: JOB_RECORD_VERSION,
    failure: failure === null ? null : { code: 'legacy', text: failure },
  })),
]);

export type Job = z.infer<typeof jobV2Schema>;

/** Where a job's interaction came from and where its messages go: what its deferral learns (src/interactions/defer.ts). */
export type JobOrigin = Pick<
  Job,
  | 'shard'
  | 'guildId'
  | 'channelId'
  | 'userId'
  | 'applicationId'
  | 'interactionId'
  | 'interactionToken'
  | 'tokenExpiresAt'
  | 'replyMessageId'
  | 'attachmentSizeLimit'
  | 'locale'
  | 'private'
>;

/** What a new job is made of; the rest starts empty. */
export type NewJob = JobOrigin &
  Pick<Job, 'id' | 'request' | 'imageNames' | 'usage' | 'rerollOf' | 'preview' | 'cameFrom' | 'group' | 'refSet'> &
  Partial<Pick<Job, 'wait' | 'approval'>>;

/**
 * A job about to be submitted is written in `reserved` (quota held, never sent) and moves to `submitting` only
 * when the request gate grants its submit the turn, just before the request goes out (JobService.submitReserved):
 * a restart submits a job found `reserved` and reports one found `submitting` unconfirmed, so none is
 * submitted twice and none that waited at the gate is lost. The takes of a group are all written in `reserved`
 * before the first is submitted. One that waits (for a slot or an approval) is written in that state instead,
 * and submitted later.
 */
export function newJob(input: NewJob, now: number, state: 'reserved' | 'waiting' | 'awaiting_approval' = 'reserved'): Job {
  return {
    ...input,
    v: JOB_RECORD_VERSION,
    state,
    taskId: null,
    providerStatus: null,
    progress: 0,
    estimatedTimeSec: null,
    videoUrl: null,
    videoExpiresAt: null,
    failure: null,
    delivery: null,
    createdAt: now,
    submittedAt: null,
    completedAt: null,
    finishedAt: null,
    updatedAt: now,
  };
}
