import type { DeliveryRoute, Job } from './record';
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

export interface DeliveryResult {
  route: DeliveryRoute | null;
  attached: boolean;
}

/** The job's message, wherever it lives now (src/discord/job-message.ts). */
export interface JobView {
  /** A running job's status. Edits the message in place only; false when it could not be edited. */
  showRunning(job: Job, now: number): Promise<boolean>;
  /** The end of a job without a video to deliver; every route is tried, and a failure is logged, never silent. */
  showEnded(job: Job, ending: JobEnding): Promise<void>;
  /** The finished video, by the first route that takes it; route null when none did. Throws only before sending anything. */
  deliver(job: Job): Promise<DeliveryResult>;
  /** The job is over: drop what was kept about its message. */
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
