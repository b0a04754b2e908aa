import type { DeliveryRoute, Job, NotAttached } from './record';
import type { Reservation } from '../limits/reservation';
import type { Failure } from './failure';

/**
 * What the job engine needs from the world above it, declared here and implemented there (docs/architecture.md,
 * ports): the job's message on Discord, and the member's quota. jobs/ imports nothing from discord/ or limits'
 * services; the composition root (src/app.ts) wires the implementations in.
 */

/** How a job ended without a delivered video, as the message shows it. */
export type JobEnding =
  | { kind: 'failed'; reason: Failure; retryable: boolean }
  | { kind: 'cancelled'; by: string }
  | { kind: 'undeliverable' }
  /** A moderator's Deny of a request awaiting approval, or its timeout (by: null). */
  | { kind: 'denied'; by: string | null };

/**
 * What one job message shows: a single job, or every take of a request made with `variations` (record.ts,
 * TakeGroup), in take order, each as stored now. They share the message, so the view always gets them all.
 */
export type Takes = readonly Job[];

export interface DeliveryResult {
  route: DeliveryRoute | null;
  /**
   * What this write did to each take it sent (the finished ones, and earlier ones it had to send again): as a
   * file, with its attachment id there when Discord said it, or as a link, with why.
   */
  sent: ReadonlyMap<string, { attachmentId?: string | undefined } | { linked: NotAttached }>;
  /** The message the card is in now, when Discord's answer said it. */
  message?: { channelId: string; messageId: string } | undefined;
}

/** The job's message, wherever it lives now (src/discord/job-message.ts). */
export interface JobView {
  /** Running takes' status. Edits the message in place only; false when it could not be edited. */
  showRunning(takes: Takes, now: number): Promise<boolean>;
  /**
   * The end of a message without a video to deliver; every route is tried, and a failure is logged, never silent.
   * `ending` is how the last take ended; the others' endings are read from their records.
   */
  showEnded(takes: Takes, ending: JobEnding): Promise<void>;
  /**
   * The finished videos (the takes in `completed`) join the card as each is made: sent to the message holding
   * the takes delivered before (their files kept there, not sent again), while the takes still running show
   * their progress; by the first route that takes it, route null when none did. With nothing in `completed`,
   * the card's last state once no take runs. Throws only before sending anything.
   */
  deliver(takes: Takes): Promise<DeliveryResult>;
  /** The message is over: drop what was kept about it. */
  forget(job: Job): void;
}

/** Quota bookkeeping as the lifecycle needs it; LimitsService meets it by shape. */
export interface QuotaSettler {
  /** The job ended with a video (delivered or not), or was cancelled after the provider accepted it: its quota stays used. */
  commit(job: { id: string; usage: Reservation | null }): Promise<void>;
  /** The job ended without one (failed, refused, cancelled before acceptance, unconfirmed): its quota comes back. */
  release(job: { id: string; usage: Reservation | null }): Promise<void>;
}

/**
 * A waiting job's concurrency slots (the server's, then the member's), taken atomically in the store; LimitsService
 * meets it by shape. `member_full` / `server_full`: which line the job is still in.
 */
export interface SlotTaker {
  takeSlots(job: { id: string; guildId: string | null; usage: Reservation | null; wait?: { concurrent: number } | undefined }): Promise<'taken' | 'member_full' | 'server_full'>;
}
