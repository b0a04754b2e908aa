import type { Logger } from '../log';
import type { TaskView } from '../apimart/parse';
import type { TaskLanguage } from '../apimart/language';
import { REQUEST_ORDER, STARVATION_EVERY, type RequestClass, type RequestGate } from '../apimart/gate';
import { ClassQueue } from '../util/class-queue';
import { systemClock, type Clock } from '../util/clock';
import { MinHeap } from '../util/min-heap';
import type { TaskHistory } from './task-history';
import { nextPollDelay, pollClass, SCHEDULE, type PollState } from './schedule';

/**
 * One scheduler for every job in flight: a heap of due times, one timer for the earliest, and a small cap on
 * polls in flight so that the order of requests is decided here rather than by whoever queued at the request
 * gate first. Due polls wait in classes (a landing poll before an early one before a routine one, as the gate
 * orders them: src/apimart/gate.ts), so a backlog of first polls never holds a landing poll back. Per-job state
 * is a few numbers; every step is O(log n) or O(1), never a scan of the jobs.
 */

export interface PollTarget {
  jobId: string;
  taskId: string;
  submittedAt: number;
  estimatedTimeSec?: number | undefined;
  progress?: number | undefined;
  /** The language the provider words a failure in (the requester's, src/apimart/language.ts). */
  language?: TaskLanguage | undefined;
  /** Model, duration and resolution (e.g. `viduq3/5/720p`): tasks of one kind take about as long. */
  kind?: string | undefined;
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
  /** What the scheduled poll is worth to the budget. */
  cls: RequestClass;
  /** Bumped on every reschedule and on removal: heap entries with an older generation are stale. */
  gen: number;
}

export interface PollerOptions {
  getTask: (taskId: string, cls: RequestClass, language: TaskLanguage | undefined) => Promise<TaskView>;
  handler: PollHandler;
  logger: Logger;
  /** The API's request budget's ceiling; the poller keeps a share of the budget for mid-task polls. */
  maxRps: number;
  /**
   * The request budget now (src/apimart/gate.ts): its rate, learnt under the ceiling, and the requests waiting
   * for it (submits among them: jobs about to be polled too). maxRps and nothing waiting when absent.
   */
  budget?: Pick<RequestGate, 'rate' | 'waiting'>;
  /** Durations of finished tasks by kind, to aim first polls (src/jobs/task-history.ts). */
  history?: TaskHistory;
  maxInFlight?: number;
  clock?: Clock;
  random?: () => number;
}

/**
 * Share of the request budget that routine mid-task polls may use; the rest serves first polls, submits and
 * jobs about to finish. A mid-task poll only moves a percentage (the message already shows when the provider
 * expects the video), so a tenth: with 150 jobs at 10 requests/s a job's progress is refreshed every 150 s
 * at most, and a lone job still every 30 s (SCHEDULE.maxIntervalMs). bench/budget.ts: at a quarter, 150 jobs
 * cost 2.9 polls each instead of 2.0.
 */
const MID_TASK_SHARE = 0.1;

const RANK = Object.fromEntries(REQUEST_ORDER.map((c, i) => [c, i])) as Record<RequestClass, number>;

export class Poller {
  private readonly entries = new Map<string, Entry>();
  private readonly heap = new MinHeap<{ jobId: string; gen: number }>();
  /** Polls that are due, waiting for a slot in flight, by class. */
  private readonly ready = new ClassQueue<{ jobId: string; gen: number }>(REQUEST_ORDER.length, STARVATION_EVERY);
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
    const entry: Entry = { target, errors: 0, polls: 0, cls: 'early', gen: 0 };
    this.entries.set(target.jobId, entry);
    if (firstPollIn === undefined) this.scheduleNext(entry);
    else this.schedule(entry, firstPollIn, pollClass(this.stateOf(entry), firstPollIn));
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

  private stateOf(entry: Entry): PollState {
    const rate = this.opts.budget?.rate() ?? this.opts.maxRps;
    // Requests waiting at the gate count as jobs: in a rush they are mostly submits, each a job polled soon.
    const waiting = this.opts.budget?.waiting() ?? 0;
    const load = this.entries.size + waiting;
    const { target } = entry;
    return {
      now: this.clock.now(),
      submittedAt: target.submittedAt,
      estimatedTimeSec: target.estimatedTimeSec,
      progress: target.progress,
      errors: entry.errors,
      polls: entry.polls,
      spreadMs: (load / (rate * MID_TASK_SHARE)) * 1000,
      aimedFirstMs: entry.polls === 0 ? this.aimedFirstMs(target, waiting, rate) : undefined,
    };
  }

  /**
   * The history's aim for a first poll, brought earlier by the time the requests now waiting at the gate take:
   * in a rush the poll would otherwise be sent after the ends of the shortest tasks it was aimed before
   * (bench/budget.ts, 1,000 jobs: p99 8.5 s against 0.6 s). Undefined: an early poll.
   */
  private aimedFirstMs(target: PollTarget, waiting: number, rate: number): number | undefined {
    const aim = target.kind === undefined ? undefined : this.opts.history?.firstPollMs(target.kind);
    if (aim === undefined) return undefined;
    const queued = aim - (waiting / rate) * 1000;
    return queued > SCHEDULE.firstPollMs ? queued : undefined;
  }

  private scheduleNext(entry: Entry): void {
    const state = this.stateOf(entry);
    const delay = nextPollDelay(state, this.random);
    this.schedule(entry, delay, pollClass(state, delay));
  }

  private schedule(entry: Entry, delay: number, cls: RequestClass): void {
    entry.cls = cls;
    entry.gen++;
    const at = this.clock.now() + delay;
    this.heap.push(at, { jobId: entry.target.jobId, gen: entry.gen });
    this.arm();
  }

  private arm(): void {
    if (this.stopped) return;
    const next = this.heap.peekKey();
    // At the cap, the next poll to finish dispatches again.
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
    while ((this.heap.peekKey() ?? Infinity) <= now) {
      const item = this.heap.pop()!;
      const entry = this.entries.get(item.jobId);
      if (entry && entry.gen === item.gen) this.ready.push(RANK[entry.cls], item);
    }
    while (!this.stopped && this.inFlight < this.maxInFlight && this.ready.size > 0) {
      const item = this.ready.shift()!;
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
      const view = await this.opts.getTask(taskId, entry.cls, language);
      entry.polls++;
      entry.errors = 0;
      entry.target.progress = view.progress ?? entry.target.progress;
      entry.target.estimatedTimeSec = view.estimatedTimeSec ?? entry.target.estimatedTimeSec;
      outcome = await this.opts.handler.onTask(jobId, view).catch(logFailure);
      if (view.state === 'completed') this.learn(entry.target);
    } catch (err) {
      this.stats.errors++;
      entry.errors++;
      outcome = await this.opts.handler.onError(jobId, err, entry.errors).catch(logFailure);
    }
    // Removed (cancelled) or re-added while we were polling: leave it to whoever did that.
    if (this.entries.get(jobId) !== entry || entry.gen !== gen) return;
    if (outcome === 'done') this.remove(jobId);
    else this.scheduleNext(entry);
  }

  /** A task of a known kind completed: how long it took feeds the aim of the next ones' first polls. */
  private learn(target: PollTarget): void {
    if (target.kind === undefined || !this.opts.history) return;
    const seen = this.clock.now() - target.submittedAt;
    // The moment seen is late by the lag; an honest estimate is closer, a wrong one is caught by the min.
    const estimated = target.estimatedTimeSec === undefined ? Infinity : target.estimatedTimeSec * 1000;
    this.opts.history.record(target.kind, Math.min(seen, estimated));
  }
}
