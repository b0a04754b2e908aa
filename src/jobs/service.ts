import { InvalidRequest, taskLanguage, type Apimart, type RequestGate } from '../apimart';
import type { TaskView } from '../apimart/parse';
import type { Logger } from '../log';
import { systemClock, type Clock } from '../util/clock';
import { KeyedMutex } from '../util/keyed-mutex';
import { Semaphore } from '../util/semaphore';
import type { DeliveryResult, JobEnding, JobView, QuotaSettler, SlotTaker } from './ports';
import { queueKeyOf, type WaitQueue } from './queue';
import { isOperatorProblem, submitFailure, taskFailure, type Failure } from './failure';
import { giveUpAt } from './overdue';
import { TaskHistory, taskKind } from './task-history';
import { Poller, type PollHandler, type PollOutcome } from './poller';
import { isFinal, keepsQuota, newJob, type DeliveryRoute, type Job, type NewJob } from './record';
import type { JobRepo } from './repo';
import { storeRetryDelay } from './retry';

/** What a Cancel did; `quotaKept`: the provider had accepted the task, which it still makes and bills. */
/** What an Approve or Deny did: `decided`: the request was no longer awaiting one (decided, cancelled). */
export type DecisionOutcome = { outcome: 'done'; job: Job } | { outcome: 'decided' | 'missing' };

/** How long a request waits for a moderator's decision before it is denied (docs/commands.md, approval). */
export const APPROVAL_TIMEOUT_MS = 24 * 3600 * 1000;

export type CancelOutcome = { outcome: 'cancelled'; quotaKept: boolean } | { outcome: 'finished' | 'failed' | 'missing' };


export interface JobEvents {
  onState?(job: Job): void;
  onDelivered?(job: Job, lagMs: number | undefined): void;
}

export interface JobServiceDeps {
  repo: JobRepo;
  apimart: Apimart;
  /** The job's message on Discord (src/discord/job-message.ts). */
  view: JobView;
  quota: QuotaSettler;
  logger: Logger;
  /** The request budget's ceiling (APIMART_MAX_RPS) and its current rate (the gate's, learnt under it). */
  maxRps: number;
  budget?: Pick<RequestGate, 'rate' | 'waiting'>;
  clock?: Clock;
  events?: JobEvents;
  random?: () => number;
  /** The line of jobs waiting for a slot and the slots themselves (./queue.ts); without them no job waits. */
  queue?: { line: WaitQueue; slots: SlotTaker };
}

/** The part of a running job's message that changes: an edit is worth sending only when it does. */
function progressKey(job: Job): string {
  return `${job.state}:${Math.floor(job.progress)}:${job.estimatedTimeSec ?? ''}:${job.wait?.place ?? ''}`;
}

/** The key of a job's message: its own id, or its group's (every take of a request shares one message). */
const messageKey = (job: Pick<Job, 'id' | 'group'>): string => job.group?.id ?? job.id;

/** Not ended and not finished: the take still waits for the provider (or for its submit). */
const inFlight = (job: Job): boolean => !isFinal(job.state) && job.state !== 'completed';

/**
 * Whether a message has something to deliver: a made take not yet sent, or, once none runs, delivered takes
 * whose card does not show yet how the others ended.
 */
const toDeliver = (takes: readonly Job[]): boolean =>
  takes.some((t) => t.state === 'completed') || (!takes.some(inFlight) && takes.some((t) => t.state === 'delivered') && takes.some((t) => t.announced === false));

/** Progress edits share the interaction's webhook bucket (about 5 per 5 s): at most one per job this often. */
export const PROGRESS_EDIT_MIN_MS = 10_000;
const MAX_CONCURRENT_DELIVERIES = 4;
/** Consecutive failed polls after which a job is given up (the backoff makes this most of an hour). */
const MAX_POLL_ERRORS = 25;
/**
 * How often this process looks at its waiting jobs' lines: a slot freed by another process (or by a job whose
 * end this process missed) is noticed this late at worst. A job ending here starts its line's next at once.
 */
export const QUEUE_SWEEP_MS = 5_000;

/**
 * The job lifecycle: submit, poll (through the one Poller), show progress, deliver, fail, cancel, resume.
 * Every state change is written before the side effect that follows it, so a crash anywhere resumes without
 * a second submit and without a second delivery. A write that fails is never followed by its side effect:
 * polls retry theirs at the next poll, a delivery retries its record (never the post), quota settling is
 * retried until the store takes it.
 */
export class JobService implements PollHandler {
  readonly poller: Poller;
  private readonly clock: Clock;
  private readonly lastEdit = new Map<string, { at: number; key: string }>();
  private readonly delivering = new Set<string>();
  /** Messages to deliver once more when their delivery under way ends (deliverInBackground). */
  private readonly deliverAgain = new Set<string>();
  private readonly background = new Set<Promise<unknown>>();
  /** Deliveries hold the video in memory: a few at a time keeps a burst of large ones from exhausting it. */
  private readonly deliveries = new Semaphore(MAX_CONCURRENT_DELIVERIES);
  /**
   * Jobs whose running message this process shows, until they end here. A progress edit checks it at the last
   * moment, so one computed before a Cancel or a failure never lands over the final message.
   */
  private readonly live = new Set<string>();
  /**
   * A message's edits (progress, the delivery, the final one) go out one at a time, in order, per message: the
   * takes of a request share one (messageKey), and each edit renders all of them as stored when it goes out.
   */
  private readonly edits = new KeyedMutex();
  /** start() in flight, by job: a Cancel waits for the submit's answer to know whether the task was accepted. */
  private readonly starting = new Map<string, Promise<unknown>>();
  /** Retries waiting for their next attempt; stop() wakes them to give up. */
  private readonly retryWaits = new Set<() => void>();
  private stopped = false;
  /** Waiting jobs this process owns (./queue.ts), by their line; only their owner starts them. */
  private readonly waitingHere = new Map<string, string>();
  /** One look at a line at a time in this process. */
  private readonly pumps = new KeyedMutex();
  private sweep: { cancel(): void } | undefined;
  /** Requests awaiting approval this process owns, and when each times out. */
  private readonly awaiting = new Map<string, number>();

  constructor(private readonly deps: JobServiceDeps) {
    this.clock = deps.clock ?? systemClock;
    this.poller = new Poller({
      getTask: (id, cls, language) => deps.apimart.getTask(id, cls, { language }),
      handler: this,
      logger: deps.logger,
      maxRps: deps.maxRps,
      budget: deps.budget,
      history: new TaskHistory(),
      clock: this.clock,
      random: deps.random,
    });
  }

  private log(job: Pick<Job, 'id' | 'taskId'>) {
    return this.deps.logger.child({ jobId: job.id, taskId: job.taskId ?? undefined });
  }

  /** The job as stored; undefined when there is none (a store error throws). */
  get(jobId: string): Promise<Job | undefined> {
    return this.deps.repo.get(jobId);
  }

  /**
   * Claims the one Final of a take (docs/commands.md, buttons) for `finalId`; false when it already has one.
   * Under the job's lock: two presses at once get one Final. A job's buttons are pressed on its guild's shard,
   * which owns the job, so the lock of this process is the one that counts.
   */
  async claimFinal(jobId: string, finalId: string): Promise<boolean> {
    let claimed = false;
    await this.deps.repo.update(jobId, (j) => {
      if (j.finalJobId !== undefined) return undefined;
      claimed = true;
      return { ...j, finalJobId: finalId };
    });
    return claimed;
  }

  /** Gives a claimed Final back when that Final did not start (refused by validation or limits, images gone). */
  async releaseFinal(jobId: string, finalId: string): Promise<void> {
    await this.deps.repo.update(jobId, ({ finalJobId, ...j }) => (finalJobId === finalId ? j : undefined));
  }

  /**
   * Submits a validated, quota-reserved request and shows the job message. One reserved without its slot
   * (`wait`) joins its line instead and starts when a slot frees (./queue.ts).
   */
  async start(input: NewJob): Promise<Job> {
    if (input.approval) return this.hold(input);
    if (input.wait && this.deps.queue) return this.enqueue(input, this.deps.queue);
    const run = this.createAndSubmit(input);
    this.starting.set(input.id, run);
    try {
      return await run;
    } finally {
      this.starting.delete(input.id);
    }
  }

  /**
   * The takes of one request (`variations`), each quota-reserved, sharing one job message. Every record is
   * written in `reserved` before the first submit, then the takes are submitted one after the other, each moved
   * to `submitting` at its own submit's turn: a crash anywhere leaves takes a restart can tell apart (never
   * sent: submitted then; maybe sent: unconfirmed), and none is submitted twice. One take failing does not stop
   * the others. A store error before any submit throws, as start() does, with every reservation given back.
   */
  async startTakes(inputs: readonly NewJob[]): Promise<Job[]> {
    const jobs = inputs.map((input) => newJob(input, this.clock.now(), 'reserved'));
    const run = this.createAndSubmitTakes(jobs);
    // Listed as starting until the last submit is answered: a resume in this process leaves them alone, and a
    // Cancel of a take in `submitting` waits for its answer.
    for (const job of jobs) this.starting.set(job.id, run);
    try {
      return await run;
    } finally {
      for (const job of jobs) this.starting.delete(job.id);
    }
  }

  private async createAndSubmitTakes(jobs: Job[]): Promise<Job[]> {
    try {
      for (const job of jobs) await this.deps.repo.create(job);
    } catch (err) {
      // Nothing was submitted: every take's reservation comes back.
      for (const job of jobs) await this.abandonUnwritten(job);
      throw err;
    }
    for (const job of jobs) this.emit(job);
    const submitted: Job[] = [];
    for (const job of jobs) submitted.push(await this.submitReserved(job));
    return submitted;
  }

  private async createAndSubmit(input: NewJob): Promise<Job> {
    const job = newJob(input, this.clock.now(), 'reserved');
    try {
      await this.deps.repo.create(job);
    } catch (err) {
      await this.abandonUnwritten(job);
      throw err;
    }
    this.emit(job);
    return this.submitReserved(job);
  }

  /**
   * Nothing was submitted. The reservation must not keep counting against the member, and a record that landed
   * although its write was reported failed must not stay waiting. Both are retried in the background until the
   * store takes them; the member is told by the router (the store sentence).
   */
  private async abandonUnwritten(job: Job): Promise<void> {
    const abandon = async () => {
      const now = this.clock.now();
      // No failure reason: this job's message is the router's store answer, never a rendered failure.
      await this.deps.repo.update(job.id, (j) => (j.state === job.state ? { ...j, state: 'failed', failure: null, finishedAt: now } : undefined));
      await this.deps.quota.release(job);
    };
    await abandon().catch((abandonErr: unknown) => {
      this.log(job).warn({ err: abandonErr, usage: job.usage }, 'the job could not be written and its reservation could not be given back yet; retrying');
      this.track(this.retrying(job, 'giving back the reservation of a job that could not be written', abandon, 1));
    });
  }

  /**
   * Submits a job stored in `reserved` (never sent), records the task, shows the message and starts polling.
   * The record moves to `submitting` when the request gate grants the submit its turn (onTurn), not before: a
   * submit can wait there for seconds behind a rush, and a process killed meanwhile must leave a job a restart
   * submits, not one it reports unconfirmed (resume). A job cancelled before its turn is not sent. When the store
   * does not take `submitting`, nothing is sent and the submit waits for a later turn: holding the turn until
   * the store answers would send every submit held so at once when it does, past the rate.
   */
  private async submitReserved(job: Job): Promise<Job> {
    for (let storeFailures = 0; ; ) {
      let atTurn: Job | undefined;
      let notSent: 'stopping' | 'store' | 'gone' | undefined;
      const onTurn = async () => {
        // Stopping: left `reserved`, the next start submits it (a submit sent now might not get its answer recorded).
        if (this.stopped) notSent = 'stopping';
        else {
          try {
            atTurn = await this.deps.repo.update(job.id, (j) => (j.state === 'reserved' ? { ...j, state: 'submitting' } : undefined));
            if (atTurn?.state === 'submitting') this.emit(atTurn);
            else notSent = 'gone';
          } catch (err) {
            notSent = 'store';
            throw err;
          }
        }
        if (notSent) throw new Error(`submit not sent (${notSent})`);
      };
      let taskId: string;
      try {
        taskId = (await this.deps.apimart.submit(job.request, { idempotencyKey: job.id, onTurn })).taskId;
      } catch (err) {
        if (notSent === 'store') {
          this.log(job).warn({ err, attempt: ++storeFailures }, 'recording the submit at its turn failed; not sent, waiting for another turn');
          if (await this.wait(storeRetryDelay(storeFailures))) continue;
          this.log(job).error({ attempts: storeFailures }, 'recording the submit at its turn kept failing; stopping without it');
          return job;
        }
        if (notSent === 'stopping') return job;
        // Cancelled (or gone) before its turn: its quota was settled by whoever ended it.
        if (notSent === 'gone') return atTurn ?? job;
        return this.submitRefused(job, err);
      }
      return this.recordAccepted(atTurn!, taskId);
    }
  }

  private async submitRefused(job: Job, err: unknown): Promise<Job> {
    const log = this.log(job);
    if (isOperatorProblem(err)) log.error({ err }, 'submit failed: operator action needed');
    else log.warn({ err }, 'submit failed');
    // From the submit on, a store error retries the write: throwing would tell the member nothing was
    // started while the reservation stays held by a job left in `submitting`.
    return (await this.retrying(job, 'recording the refused submit', () => this.fail(job.id, submitFailure(err), { retryable: !(err instanceof InvalidRequest) }))) ?? job;
  }

  private async recordAccepted(job: Job, taskId: string): Promise<Job> {
    const submittedAt = this.clock.now();
    // The provider accepted (and bills) the task: its id must be stored, or a Cancel or a restart would take
    // the job for one that never reached it and give its quota back.
    const queued = await this.retrying(job, 'recording the accepted task', () =>
      this.deps.repo.update(job.id, (j) => (j.state === 'submitting' ? { ...j, state: 'queued', taskId, submittedAt } : undefined)),
    );
    if (!queued || queued.state !== 'queued') return queued ?? job;
    this.log(queued).info({ model: job.request.model, duration: job.request.duration, take: job.group?.index }, 'task submitted');
    this.emit(queued);
    this.live.add(queued.id);
    await this.showProgress(queued, true);
    this.poller.add({ jobId: queued.id, taskId, submittedAt: queued.submittedAt!, kind: taskKind(job.request), language: taskLanguage(queued.locale) });
    return queued;
  }

  /**
   * A job reserved without its slot: stored in `waiting`, put at the end of its line and shown with its place
   * (docs/commands.md, queue); then the line is looked at, in case a slot freed meanwhile.
   */
  private async enqueue(input: NewJob, queue: NonNullable<JobServiceDeps['queue']>): Promise<Job> {
    const job = await this.createWaiting(newJob(input, this.clock.now(), 'waiting'));
    return this.joinLine(job, queue);
  }

  /** Writes a job that waits; a failed write gives its reservation back (later, if the store is down now). */
  private async createWaiting(job: Job): Promise<Job> {
    try {
      await this.deps.repo.create(job);
    } catch (err) {
      // Nothing waits; the router tells the member.
      await this.abandonUnwritten(job);
      throw err;
    }
    return job;
  }


  private async joinLine(job: Job, queue: NonNullable<JobServiceDeps['queue']>): Promise<Job> {
    const key = queueKeyOf(job);
    this.waitingHere.set(job.id, key);
    this.live.add(job.id);
    this.emit(job);
    const place = await this.retrying(job, 'joining the line', () => queue.line.add(key, job.id));
    if (place !== undefined) await this.setPlace(job, place, true);
    this.ensureSweep();
    await this.pump(key).catch((err: unknown) => this.log(job).warn({ err }, 'looking at the line failed; the sweep tries again'));
    return (await this.deps.repo.get(job.id).catch(() => undefined)) ?? job;
  }

  /**
   * A request over the server's approval threshold (docs/commands.md, approval): stored in
   * `awaiting_approval`, its quota held and no slot, and shown so until a moderator decides or it times out.
   */
  private async hold(input: NewJob): Promise<Job> {
    const job = await this.createWaiting(newJob(input, this.clock.now(), 'awaiting_approval'));
    this.live.add(job.id);
    this.awaiting.set(job.id, job.approval!.expiresAt);
    this.emit(job);
    await this.showProgress(job, true);
    this.ensureSweep();
    return job;
  }

  /** Where the request was posted for the moderators, so its post can be updated once decided. */
  async notePost(jobId: string, messageId: string): Promise<void> {
    await this.deps.repo.update(jobId, (j) => (j.approval && j.state === 'awaiting_approval' ? { ...j, approval: { ...j.approval, messageId } } : undefined));
  }

  /** A moderator's Approve: the request joins the line for a slot (and starts at once when one is free). */
  async approve(jobId: string, byUserId: string): Promise<DecisionOutcome> {
    const queue = this.deps.queue;
    if (!queue) throw new Error('approvals need the queue');
    let changed = false;
    const after = await this.deps.repo.update(jobId, (j) => {
      if (j.state !== 'awaiting_approval' || !j.approval) return undefined;
      changed = true;
      return { ...j, state: 'waiting', approval: { ...j.approval, by: byUserId }, wait: j.wait ?? { concurrent: 1, place: 1 } };
    });
    if (!after) return { outcome: 'missing' };
    if (!changed) return { outcome: 'decided' };
    this.awaiting.delete(jobId);
    this.log(after).info({ by: byUserId }, 'request approved');
    return { outcome: 'done', job: await this.joinLine(after, queue) };
  }

  /** A moderator's Deny, or the timeout (by: null): the request ends `denied`, its quota and budget back. */
  async deny(jobId: string, byUserId: string | null): Promise<DecisionOutcome> {
    let changed = false;
    const after = await this.deps.repo.update(jobId, (j) => {
      if (j.state !== 'awaiting_approval' || !j.approval) return undefined;
      changed = true;
      return { ...j, state: 'denied', approval: { ...j.approval, by: byUserId }, finishedAt: this.clock.now(), announced: false };
    });
    if (!after) return { outcome: 'missing' };
    if (!changed) return { outcome: 'decided' };
    this.log(after).info({ by: byUserId }, byUserId ? 'request denied' : 'request not decided in time; denied');
    await this.finish(after, { kind: 'denied', by: byUserId });
    return { outcome: 'done', job: after };
  }

  /** This process's waiting jobs after a restart, back in their lines (keeping their places), oldest first. */
  private async rejoin(jobs: Job[]): Promise<void> {
    const queue = this.deps.queue;
    if (!queue || !jobs.length) return;
    const keys = new Set<string>();
    for (const job of [...jobs].sort((a, b) => a.createdAt - b.createdAt)) {
      const key = queueKeyOf(job);
      this.waitingHere.set(job.id, key);
      this.live.add(job.id);
      await queue.line.add(key, job.id);
      keys.add(key);
    }
    this.ensureSweep();
    for (const key of keys) await this.pump(key);
  }

  /**
   * Looks at a line in order: jobs no longer waiting leave it; each of this process's jobs, while the server
   * still has a slot, tries for its slots (taken atomically in the store, so processes sharing it never start
   * two jobs into one slot) and starts when it gets them; the others are shown their new place.
   */
  private pump(key: string): Promise<void> {
    const queue = this.deps.queue;
    if (!queue || this.stopped) return Promise.resolve();
    return this.pumps.run(key, async () => {
      const ids = await queue.line.list(key);
      const gone: string[] = [];
      let place = 0;
      let serverFull = false;
      for (const id of ids) {
        const job = await this.deps.repo.get(id);
        if (!job || job.state !== 'waiting') {
          gone.push(id);
          continue;
        }
        const mine = this.waitingHere.has(id);
        if (mine && !serverFull) {
          const answer = await queue.slots.takeSlots(job);
          if (answer === 'taken') {
            gone.push(id);
            this.waitingHere.delete(id);
            this.track(this.launch(job));
            continue;
          }
          serverFull = answer === 'server_full';
        }
        place++;
        if (mine && job.wait && job.wait.place !== place) await this.setPlace(job, place);
      }
      await queue.line.remove(key, gone);
    });
  }

  /** A waiting job that got its slots: written `reserved` (slots held, never sent) and submitted as any job. */
  private async launch(waiting: Job): Promise<void> {
    const run = (async () => {
      const job = await this.retrying(waiting, 'recording the start of a waiting job', () =>
        this.deps.repo.update(waiting.id, (j) => (j.state === 'waiting' ? { ...j, state: 'reserved' } : undefined)),
      );
      if (!job) return;
      if (job.state !== 'reserved') {
        // Cancelled while its slots were being taken: the Cancel settled before they were, so they go back now.
        if (isFinal(job.state)) await this.settleQuota(job);
        return;
      }
      this.log(job).info('a slot freed: starting the waiting job');
      this.emit(job);
      await this.submitReserved(job);
    })();
    this.starting.set(waiting.id, run);
    try {
      await run;
    } finally {
      this.starting.delete(waiting.id);
    }
  }

  /** Stores and shows a waiting job's place in line. */
  private async setPlace(job: Job, place: number, force = false): Promise<void> {
    const placed = await this.deps.repo.update(job.id, (j) => (j.state === 'waiting' && j.wait && (force || j.wait.place !== place) ? { ...j, wait: { ...j.wait, place } } : undefined));
    if (placed?.state === 'waiting') await this.showProgress(placed, true);
  }

  /** A job ended: it leaves its line, and the line is looked at (a slot or a place freed). */
  private nextInLine(job: Job): void {
    if (!this.deps.queue) return;
    this.waitingHere.delete(job.id);
    this.track(this.pump(queueKeyOf(job)));
  }

  /**
   * Every few seconds while this process has waiting jobs, their lines are looked at (QUEUE_SWEEP_MS), and
   * requests awaiting approval past their time are denied.
   */
  private ensureSweep(): void {
    if (this.sweep || this.stopped) return;
    this.sweep = this.clock.setTimeout(() => {
      this.sweep = undefined;
      if (this.stopped || (this.waitingHere.size === 0 && this.awaiting.size === 0)) return;
      for (const key of new Set(this.waitingHere.values())) this.track(this.pump(key));
      const now = this.clock.now();
      for (const [id, expiresAt] of this.awaiting) if (now >= expiresAt) this.track(this.deny(id, null));
      this.ensureSweep();
    }, QUEUE_SWEEP_MS);
  }

  /** One store read-modify-write per poll: the job's lock decides against what is stored, not a stale copy. */
  async onTask(jobId: string, view: TaskView): Promise<PollOutcome> {
    const running = (j: Job) => j.state === 'queued' || j.state === 'generating';
    if (view.state === 'completed') {
      const completed = await this.deps.repo.update(jobId, (j) =>
        running(j)
          ? { ...j, state: 'completed', progress: 100, providerStatus: view.rawStatus, videoUrl: view.videoUrl!, videoExpiresAt: view.expiresAt ?? null, completedAt: this.clock.now() }
          : undefined,
      );
      if (completed?.state === 'completed') {
        // From here the delivery owns the message (a take joins its card, the others running on there).
        this.live.delete(jobId);
        this.emit(completed);
        this.deliverInBackground(completed);
      } else if (completed) await this.recover(completed);
      return 'done';
    }
    if (view.state === 'failed' || view.state === 'cancelled') {
      this.deps.logger.warn({ jobId, taskId: view.taskId, providerError: view.error, status: view.rawStatus }, 'task failed at the provider');
      await this.fail(jobId, taskFailure(view), { retryable: true });
      return 'done';
    }
    let before: Job | undefined;
    let overdue: number | undefined;
    const now = this.clock.now();
    const after = await this.deps.repo.update(jobId, (j) => {
      before = j;
      if (!running(j)) return undefined;
      const submittedAt = j.submittedAt ?? j.createdAt;
      if (now >= giveUpAt({ submittedAt, estimatedTimeSec: view.estimatedTimeSec ?? j.estimatedTimeSec })) {
        overdue = now - submittedAt;
        return undefined;
      }
      const state = view.state === 'pending' ? 'queued' : 'generating';
      const progress = view.progress ?? j.progress;
      const estimatedTimeSec = view.estimatedTimeSec ?? j.estimatedTimeSec;
      if (state === j.state && progress === j.progress && estimatedTimeSec === j.estimatedTimeSec) return undefined;
      return { ...j, state, progress, providerStatus: view.rawStatus, estimatedTimeSec };
    });
    if (overdue !== undefined) {
      this.deps.logger.warn({ jobId, taskId: view.taskId, status: view.rawStatus, waitedMs: overdue }, 'task overdue at the provider; giving up on it');
      await this.fail(jobId, { code: 'overdue', waitedMs: overdue }, { retryable: true });
      return 'done';
    }
    if (!after || !before || !running(after)) {
      if (after) await this.recover(after);
      return 'done';
    }
    if (after !== before) {
      if (after.state !== before.state) this.emit(after);
      // The expected finish is news the member waits for (docs/commands.md, the job message): shown when first known.
      await this.showProgress(after, before.estimatedTimeSec === null && after.estimatedTimeSec !== null);
    }
    return 'continue';
  }

  async onError(jobId: string, err: unknown, errors: number): Promise<PollOutcome> {
    const job = await this.deps.repo.get(jobId);
    if (!job || isFinal(job.state)) {
      if (job) await this.recover(job);
      return 'done';
    }
    const log = this.log(job);
    // 400 on a poll means the provider does not know the task: polling again cannot help.
    if (err instanceof InvalidRequest || errors >= MAX_POLL_ERRORS) {
      log.error({ err, errors }, 'giving up on the task');
      await this.fail(jobId, { code: 'lost_track' }, { retryable: true });
      return 'done';
    }
    log.warn({ err: (err as Error).message, errors }, 'poll failed; backing off');
    return 'continue';
  }

  /**
   * Cancel by the requester or a moderator: stops polling and tracking. The provider has no cancel, so a task
   * it accepted keeps its quota (keepsQuota); only a job cancelled before that gives it back. A submit still in
   * flight is waited for: its answer decides which of the two this is. A write that fails throws before
   * anything is shown or settled. On a take of a request with `variations`, every take still running is
   * cancelled, each by the same rules; the answer is the group's (cancelled if any take was).
   */
  async cancel(jobId: string, byUserId: string): Promise<CancelOutcome> {
    const job = await this.deps.repo.get(jobId);
    if (!job?.group) return this.cancelOne(jobId, byUserId);
    const outcomes: CancelOutcome[] = [];
    for (const id of job.group.jobIds) outcomes.push(await this.cancelOne(id, byUserId));
    const cancelled = outcomes.filter((o): o is Extract<CancelOutcome, { outcome: 'cancelled' }> => o.outcome === 'cancelled');
    if (cancelled.length) return { outcome: 'cancelled', quotaKept: cancelled.some((o) => o.quotaKept) };
    return outcomes.find((o) => o.outcome === 'finished') ?? outcomes[0] ?? { outcome: 'missing' };
  }

  private async cancelOne(jobId: string, byUserId: string): Promise<CancelOutcome> {
    let changed = false;
    let after: Job | undefined;
    for (;;) {
      // A take still `reserved` is cancelled without waiting for its turn: it was never sent, so it never will be.
      let inSubmit = false;
      const stored = await this.deps.repo.get(jobId);
      if (stored?.state !== 'reserved') await this.starting.get(jobId)?.catch(() => undefined);
      after = await this.deps.repo.update(jobId, (j) => {
        if (isFinal(j.state) || j.state === 'completed') return undefined;
        // Its submit began meanwhile: wait for the answer, then decide.
        if (j.state === 'submitting' && this.starting.has(jobId)) {
          inSubmit = true;
          return undefined;
        }
        changed = true;
        return { ...j, state: 'cancelled', finishedAt: this.clock.now(), announced: false };
      });
      if (!inSubmit) break;
    }
    if (!after) return { outcome: 'missing' };
    if (after.state === 'failed') return { outcome: 'failed' };
    if (after.state !== 'cancelled') return { outcome: 'finished' };
    // Not changed here but still tracked: an earlier Cancel stored the state and then failed; finish its work.
    if (changed || this.live.has(jobId)) {
      this.log(after).info({ by: byUserId, quotaKept: keepsQuota(after) }, 'job cancelled');
      await this.finish(after, { kind: 'cancelled', by: byUserId });
    }
    return { outcome: 'cancelled', quotaKept: keepsQuota(after) };
  }

  /** Picks up this process's unfinished jobs after a start. */
  async resume(shards: number[]): Promise<{ resumed: number; submitted: number; unconfirmed: number; delivering: number; announced: number }> {
    const counts = { resumed: 0, submitted: 0, unconfirmed: 0, delivering: 0, announced: 0 };
    const waiting: Job[] = [];
    for (const shard of shards) {
      const jobs = await this.deps.repo.listActive(shard);
      // Spread the catch-up polls over the request budget instead of firing them all at once.
      const spreadMs = (jobs.length / this.deps.maxRps) * 1000;
      for (const job of jobs) {
        // Interactions are served from before the login, so this process may already be submitting, polling
        // or delivering a job of its own here: those are not left over from a dead process.
        if (this.starting.has(job.id) || this.live.has(job.id) || this.delivering.has(messageKey(job))) continue;
        if (isFinal(job.state)) {
          // Ended before a crash, its final message not shown yet (announced: false): show it now.
          counts.announced++;
          await this.recover(job, true);
        } else if (job.state === 'reserved') {
          // Written before its submit's turn at the request gate, so never sent: send it now.
          counts.submitted++;
          const run = this.submitReserved(job);
          this.starting.set(job.id, run);
          this.track(run.finally(() => this.starting.delete(job.id)));
        } else if (job.state === 'submitting') {
          // The process died between its submit's turn and recording the provider's answer: a second submit
          // could bill twice, so the job is reported as unconfirmed instead.
          counts.unconfirmed++;
          this.log(job).warn('job found in submitting after a restart; reporting it unconfirmed');
          await this.fail(job.id, { code: 'unconfirmed' }, { retryable: true });
        } else if (job.state === 'waiting') {
          counts.resumed++;
          waiting.push(job);
        } else if (job.state === 'awaiting_approval') {
          // Its buttons read the store; only the timeout is this process's to keep.
          counts.resumed++;
          this.live.add(job.id);
          this.awaiting.set(job.id, job.approval?.expiresAt ?? job.createdAt + APPROVAL_TIMEOUT_MS);
          this.ensureSweep();
        } else if (job.state === 'completed') {
          counts.delivering++;
          this.deliverInBackground(job);
        } else if (job.taskId && job.submittedAt) {
          counts.resumed++;
          this.live.add(job.id);
          this.poller.add(
            {
              jobId: job.id,
              taskId: job.taskId,
              submittedAt: job.submittedAt,
              estimatedTimeSec: job.estimatedTimeSec ?? undefined,
              progress: job.progress,
              kind: taskKind(job.request),
              language: taskLanguage(job.locale),
            },
            (this.deps.random ?? Math.random)() * spreadMs,
          );
        }
      }
    }
    await this.rejoin(waiting);
    return counts;
  }

  /** Stops polling and waits for what is in flight (polls, deliveries, their writes); pending retries give up. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.sweep?.cancel();
    for (const wake of this.retryWaits) wake();
    await this.poller.stop();
    await Promise.allSettled([...this.background]);
  }

  private emit(job: Job) {
    this.deps.events?.onState?.(job);
  }

  /** A job reached a final state or delivery: forget everything this process kept about it. */
  private ended(job: Job) {
    this.poller.remove(job.id);
    this.awaiting.delete(job.id);
    this.live.delete(job.id);
    this.lastEdit.delete(job.id);
    this.emit(job);
  }

  /**
   * What follows a final state that is stored: stop tracking the job, settle its quota, show the final message
   * (none after a delivery: the delivery was it). A take of a request with `variations` shows its end in the
   * message it shares (afterTake). Safe to run again for the same stored state.
   */
  private async finish(job: Job, ending: JobEnding | undefined): Promise<void> {
    this.ended(job);
    await this.settleQuota(job);
    // A slot (or a place in line) is free now: the next in line may start.
    this.nextInLine(job);
    if (job.group) {
      if (ending) await this.afterTake(job, ending);
      return;
    }
    if (ending) await this.showFinal(job, ending);
    this.deps.view.forget(job);
  }

  /** The takes sharing a job's message, as stored now, in take order: the job alone when it has no group. */
  private async takesOf(job: Job): Promise<Job[]> {
    if (!job.group) return [job];
    const takes = await Promise.all(job.group.jobIds.map((id) => this.deps.repo.get(id)));
    return takes.filter((t): t is Job => t !== undefined);
  }

  /**
   * A take reached `completed` or ended. What the shared message shows next depends on all the takes: a made
   * take joins the card at once, the others showing their progress there (docs/commands.md, variations); an
   * ended one shows in the progress while others run; once none runs, the card's last state: the made takes
   * and how the others ended (a delivery with nothing new to send) or, when none was made, the final message.
   */
  private async afterTake(job: Job, ending?: JobEnding): Promise<void> {
    const takes = await this.retrying(job, 'reading the takes of a job message', () => this.takesOf(job));
    if (!takes) return;
    if (toDeliver(takes)) return this.deliverInBackground(job);
    if (takes.some(inFlight)) return this.showProgress(job, true);
    if (!takes.some((t) => t.announced === false)) return;
    await this.showFinal(job, ending ?? endingOf(job) ?? { kind: 'failed', reason: job.failure ?? { code: 'internal' }, retryable: true });
    this.lastEdit.delete(messageKey(job));
    this.deps.view.forget(job);
  }

  /** The final message, every take as stored when it goes out; then the ends leave the unfinished index. */
  private async showFinal(job: Job, ending: JobEnding): Promise<void> {
    const takes = await this.edits.run(messageKey(job), async () => {
      const now = await this.takesOf(job).catch(() => [job]);
      await this.deps.view.showEnded(now, ending);
      return now;
    });
    await this.markShown(takes);
  }

  /** Shown (or logged as impossible). A store error here only means a restart shows the final message once more. */
  private async markShown(takes: readonly Job[]): Promise<void> {
    for (const t of takes) {
      if (t.announced !== false) continue;
      await this.deps.repo.update(t.id, (j) => (j.announced === false ? { ...j, announced: true } : undefined)).catch((err: unknown) => this.log(t).warn({ err }, 'marking the final message shown failed'));
    }
  }

  /**
   * A poll found the job in a final state this process never finished: the write that stored it failed after
   * storing (for instance in the active-jobs index), so what should have followed it did not run. Run it now.
   */
  private async recover(job: Job, afterRestart = false): Promise<void> {
    if (!isFinal(job.state) || !(afterRestart || this.live.has(job.id))) return;
    this.log(job).warn({ state: job.state, afterRestart }, 'finishing a job whose final state was stored but not shown');
    await this.finish(job, endingOf(job));
  }

  /** Commits or returns the quota (keepsQuota); a store error is retried in the background, not lost. */
  private async settleQuota(job: Job): Promise<void> {
    const keep = keepsQuota(job);
    const settle = () => (keep ? this.deps.quota.commit(job) : this.deps.quota.release(job));
    const what = keep ? 'committing the quota' : 'giving the quota back';
    try {
      await settle();
    } catch (err) {
      this.log(job).warn({ err }, `${what} failed; retrying`);
      this.track(this.retrying(job, what, settle, 1));
    }
  }

  /**
   * Runs `work` until it succeeds, waiting storeRetryDelay between attempts; `failures` counts the attempts
   * that already failed. Returns undefined when the service stops first: a restart then resumes the job from
   * what is stored.
   */
  private async retrying<T>(job: Job, what: string, work: () => Promise<T>, failures = 0): Promise<T | undefined> {
    const log = this.log(job);
    for (let attempt = failures; ; attempt++) {
      if (attempt > 0 && !(await this.wait(storeRetryDelay(attempt)))) {
        log.error({ attempts: attempt }, `${what} kept failing; stopping without it`);
        return undefined;
      }
      try {
        return await work();
      } catch (err) {
        log.warn({ err, attempt: attempt + 1 }, `${what} failed; retrying`);
      }
    }
  }

  /** Sleeps on the service's clock; false when the service stops first. */
  private wait(ms: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = () => {
        timer.cancel();
        this.retryWaits.delete(wake);
        resolve(false);
      };
      const timer = this.clock.setTimeout(() => {
        this.retryWaits.delete(wake);
        resolve(true);
      }, ms);
      this.retryWaits.add(wake);
    });
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((err: unknown) => this.deps.logger.error({ err }, 'background job work crashed')).finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  /**
   * Delivery throws only before sending anything (every send is caught inside it), so a throw is retried
   * whole; once something was sent, only its records are retried (recordDelivery). A message's takes are read
   * as stored when its delivery goes out; one made (or ended) while that delivery is under way gets another
   * right after it, so each take joins the card about as soon as a single video would.
   */
  private deliverInBackground(job: Job) {
    const key = messageKey(job);
    if (this.delivering.has(key)) {
      this.deliverAgain.add(key);
      return;
    }
    this.delivering.add(key);
    const send = () =>
      this.deliveries.run(() =>
        this.edits.run(key, async () => {
          const takes = await this.takesOf(job);
          if (!toDeliver(takes)) return undefined;
          const result = await this.deps.view.deliver(takes);
          // Recorded before the message's next edit reads the takes: one read before would render a take just
          // sent as not in the message, and drop it from the gallery while the message still carries its file.
          return { takes, result, recorded: await this.recordDelivery(takes, result) };
        }),
      );
    this.track(
      this.retrying(job, 'delivery', send)
        .then((sent) => sent && this.afterDelivery(sent.takes, sent.result, sent.recorded))
        .finally(() => {
          this.delivering.delete(key);
          if (this.deliverAgain.delete(key) && !this.stopped) this.deliverInBackground(job);
        }),
    );
  }

  /**
   * Stores what a delivery sent, in the delivery's turn at the message; never throws, since a throw there would
   * send the videos again (a store error retries the record, never the post). The takes it moved out of `completed`.
   */
  private async recordDelivery(takes: readonly Job[], result: DeliveryResult): Promise<Job[]> {
    const now = this.clock.now();
    const recorded: Job[] = [];
    const deliveryOf = (id: string, route: DeliveryRoute): NonNullable<Job['delivery']> => {
      const sent = result.sent.get(id);
      const file = sent && 'attachmentId' in sent ? sent : undefined;
      return {
        route,
        attached: file !== undefined,
        ...(result.message ? { message: result.message } : {}),
        ...(file?.attachmentId ? { attachmentId: file.attachmentId } : {}),
        ...(sent && 'linked' in sent ? { linked: sent.linked } : {}),
      };
    };
    for (const job of takes) {
      if (job.state === 'delivered' && result.route && result.sent.has(job.id)) {
        // Sent again, to the message the card moved to: a store error only means a later take sends it once more.
        const route = result.route;
        await this.deps.repo.update(job.id, (j) => (j.state === 'delivered' ? { ...j, delivery: deliveryOf(j.id, route) } : undefined)).catch((err: unknown) => this.log(job).warn({ err }, 'recording where a take was sent again failed'));
      }
      if (job.state !== 'completed') continue;
      // The video is out (or nothing would take it): from here a store error retries the record, never the post.
      const done = await this.retrying(job, 'recording the delivery', () =>
        this.deps.repo.update(job.id, (j) =>
          j.state !== 'completed'
            ? undefined
            : result.route
              ? { ...j, state: 'delivered', delivery: deliveryOf(j.id, result.route), finishedAt: now }
              : { ...j, state: 'undeliverable', failure: { code: 'undeliverable' }, finishedAt: now, announced: false },
        ),
      );
      if (done && (done.state === 'delivered' || done.state === 'undeliverable')) recorded.push(done);
    }
    return recorded;
  }

  private async afterDelivery(takes: readonly Job[], result: DeliveryResult, recorded: readonly Job[]): Promise<void> {
    for (const done of recorded) {
      this.log(done).info({ route: result.route, attached: done.delivery?.attached === true, take: done.group?.index }, done.state === 'delivered' ? 'video delivered' : 'video undeliverable');
      this.deps.events?.onDelivered?.(done, done.completedAt && done.finishedAt ? done.finishedAt - done.completedAt : undefined);
      this.ended(done);
      await this.settleQuota(done);
    }
    // Takes still running go on in this card; the message is over once none does.
    if (takes.some(inFlight)) return;
    const [lead] = recorded;
    // A take delivered before still plays in the card: its last state is a delivery with nothing new to upload
    // (run once this one ends), not the end of a request that delivered nothing.
    if (!result.route && lead && takes.some((t) => t.state === 'delivered')) return this.deliverInBackground(lead);
    // The video was made (and billed) either way; an undeliverable one still gets its message, with the link.
    if (!result.route && lead) await this.showFinal(lead, { kind: 'undeliverable' });
    // Takes that ended without a video were shown in the delivered message.
    else await this.markShown(takes.filter((t) => t.announced === false));
    this.lastEdit.delete(messageKey(takes[0]!));
    this.deps.view.forget(takes[0]!);
  }

  /**
   * Fails a job that has not ended. Nothing follows a write that fails (the next poll tries again); a failure
   * stored by an earlier attempt that broke off afterwards is finished here.
   */
  private async fail(jobId: string, reason: Failure, opts: { retryable: boolean }): Promise<Job | undefined> {
    let changed = false;
    const failed = await this.deps.repo.update(jobId, (j) => {
      if (isFinal(j.state) || j.state === 'completed') return undefined;
      changed = true;
      return { ...j, state: 'failed', failure: reason, finishedAt: this.clock.now(), announced: false };
    });
    if (!failed || failed.state !== 'failed' || !(changed || this.live.has(jobId))) return failed;
    await this.finish(failed, { kind: 'failed', reason: failed.failure ?? reason, retryable: opts.retryable });
    return failed;
  }

  private async showProgress(job: Job, force: boolean): Promise<void> {
    const key = messageKey(job);
    const now = this.clock.now();
    const last = this.lastEdit.get(key);
    if ((!job.group && !this.live.has(job.id)) || (!force && last && now - last.at < PROGRESS_EDIT_MIN_MS)) return;
    await this.edits.run(key, async () => {
      // Every take as stored when the edit goes out (a skipped edit costs nothing: the next change shows it).
      const takes = await this.takesOf(job).catch((err: unknown) => void this.log(job).warn({ err }, 'reading the takes for a progress edit failed; skipping it'));
      // The job (or every take) may have ended while this edit waited its turn: the final message stays.
      if (!takes || (job.group ? !takes.some(inFlight) : !this.live.has(job.id))) return;
      const state = takes.map(progressKey).join(' ');
      const before = this.lastEdit.get(key);
      // Forced past the pace, never to show the same again.
      if (before && (before.key === state || (!force && now - before.at < PROGRESS_EDIT_MIN_MS))) return;
      this.lastEdit.set(key, { at: now, key: state });
      await this.deps.view.showRunning(takes, now);
    });
  }
}

/** How a job that ended without a delivered video ended, as its message shows it (from its record). */
function endingOf(job: Job): JobEnding | undefined {
  switch (job.state) {
    case 'failed':
      // Only a job whose first write failed is failed without a reason (abandonUnwritten), and it is never left
      // to be shown; should one be, it is the bot's fault.
      return { kind: 'failed', reason: job.failure ?? { code: 'internal' }, retryable: true };
    case 'cancelled':
      return { kind: 'cancelled', by: job.userId };
    case 'undeliverable':
      return { kind: 'undeliverable' };
    case 'denied':
      return { kind: 'denied', by: job.approval?.by ?? null };
    default:
      return undefined;
  }
}
