import type { Logger } from '../log';
import type { TaskView } from '../apimart/parse';
import type { TaskLanguage } from '../apimart/language';
import { systemClock, type Clock } from '../util/clock';
import { MinHeap } from '../util/min-heap';
import { nextPollDelay } from './schedule';

/**
 * One scheduler for every job in flight: a heap of due times, one timer for the earliest, and a small cap on
 * polls in flight so that the order of requests is decided here (earliest due first) rather than by whoever
 * queued at the request gate first. Per-job state is a few numbers.
 */

export interface PollTarget {
  jobId: string;
  taskId: string;
  submittedAt: number;
  estimatedTimeSec?: number | undefined;
  progress?: number | undefined;
  /** The language the provider words a failure in (the requester's, src/apimart/language.ts). */
  language?: TaskLanguage | undefined;
}

export type PollOutcome = 'continue' | 'done';

export interface PollHandler {
  onTask(jobId: string, view: TaskView): Promise<PollOutcome>;
  /** `errors` counts consecutive failures of this job. */
  onError(jobId: string, err: unknown, errors: number): Promise<PollOutcome>;
}

interface Entry {
  target: PollTarget;
  errors: number;
  polls: number;
  /** Bumped on every reschedule and on removal: heap entries with an older generation are stale. */
  gen: number;
}

export interface PollerOptions {
  getTask: (taskId: string, language: TaskLanguage | undefined) => Promise<TaskView>;
  handler: PollHandler;
  logger: Logger;
  /** The API's request budget; the poller keeps this share of it for mid-task polls. */
  maxRps: number;
  maxInFlight?: number;
  clock?: Clock;
  random?: () => number;
}

/** Share of the request budget that routine mid-task polls may use; the rest serves jobs about to finish. */
const MID_TASK_SHARE = 0.25;

export class Poller {
  private readonly entries = new Map<string, Entry>();
  private readonly heap = new MinHeap<{ jobId: string; gen: number }>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly maxInFlight: number;
  private inFlight = 0;
  private timer: { cancel(): void } | undefined;
  private timerAt = Infinity;
  private stopped = false;
  private readonly idle = new Set<() => void>();
  /** Counts for benchmarks and metrics. */
  readonly stats = { polls: 0, errors: 0 };

  constructor(private readonly opts: PollerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.maxInFlight = opts.maxInFlight ?? Math.max(2, Math.ceil(opts.maxRps));
  }

  get size(): number {
    return this.entries.size;
  }

  /** Starts polling a job; `firstPollIn` overrides the schedule (0 after a restart: catch up at once). */
  add(target: PollTarget, firstPollIn?: number): void {
    if (this.stopped) return;
    const entry: Entry = { target, errors: 0, polls: 0, gen: 0 };
    this.entries.set(target.jobId, entry);
    this.schedule(entry, firstPollIn ?? this.delayFor(entry));
  }

  remove(jobId: string): void {
    const entry = this.entries.get(jobId);
    if (!entry) return;
    entry.gen++;
    this.entries.delete(jobId);
  }

  has(jobId: string): boolean {
    return this.entries.has(jobId);
  }

  /** Stops scheduling and waits for the polls in flight to settle (their handlers included). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    if (this.inFlight > 0) await new Promise<void>((r) => this.idle.add(r));
  }

  private delayFor(entry: Entry): number {
    const spreadMs = (this.entries.size / (this.opts.maxRps * MID_TASK_SHARE)) * 1000;
    return nextPollDelay(
      {
        now: this.clock.now(),
        submittedAt: entry.target.submittedAt,
        estimatedTimeSec: entry.target.estimatedTimeSec,
        progress: entry.target.progress,
        errors: entry.errors,
        polls: entry.polls,
        spreadMs,
      },
      this.random,
    );
  }

  private schedule(entry: Entry, delay: number): void {
    entry.gen++;
    const at = this.clock.now() + delay;
    this.heap.push(at, { jobId: entry.target.jobId, gen: entry.gen });
    this.arm();
  }

  private arm(): void {
    if (this.stopped) return;
    const next = this.heap.peekKey();
    if (next === undefined || this.inFlight >= this.maxInFlight) return;
    if (this.timer && this.timerAt <= next) return;
    this.timer?.cancel();
    this.timerAt = next;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.dispatch();
    }, next - this.clock.now());
  }

  private dispatch(): void {
    const now = this.clock.now();
    while (!this.stopped && this.inFlight < this.maxInFlight && (this.heap.peekKey() ?? Infinity) <= now) {
      const item = this.heap.pop()!;
      const entry = this.entries.get(item.jobId);
      if (!entry || entry.gen !== item.gen) continue;
      this.inFlight++;
      void this.pollOnce(entry).finally(() => {
        this.inFlight--;
        if (this.inFlight === 0) for (const r of this.idle) r();
        if (this.inFlight === 0) this.idle.clear();
        this.dispatch();
      });
    }
    this.arm();
  }

  private async pollOnce(entry: Entry): Promise<void> {
    const { jobId, taskId, language } = entry.target;
    const gen = entry.gen;
    const logFailure = (e: unknown) => {
      this.opts.logger.error({ jobId, taskId, err: e }, 'poll handler failed');
      return 'continue' as const;
    };
    let outcome: PollOutcome;
    this.stats.polls++;
    try {
      const view = await this.opts.getTask(taskId, language);
      entry.polls++;
      entry.errors = 0;
      entry.target.progress = view.progress ?? entry.target.progress;
      entry.target.estimatedTimeSec = view.estimatedTimeSec ?? entry.target.estimatedTimeSec;
      outcome = await this.opts.handler.onTask(jobId, view).catch(logFailure);
    } catch (err) {
      this.stats.errors++;
      entry.errors++;
      outcome = await this.opts.handler.onError(jobId, err, entry.errors).catch(logFailure);
    }
    // Removed (cancelled) or re-added while we were polling: leave it to whoever did that.
    if (this.entries.get(jobId) !== entry || entry.gen !== gen) return;
    if (outcome === 'done') this.remove(jobId);
    else this.schedule(entry, this.delayFor(entry));
  }
}
