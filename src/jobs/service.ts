import { InvalidRequest, type Apimart } from '../apimart';
import type { TaskView } from '../apimart/parse';
import type { Logger } from '../log';
import { discordErrorCode, DiscordCodes, type Messenger } from '../discord/messenger';
import { progressKey, renderCancelled, renderFailed, renderRunning, type MessagePayload } from '../discord/render';
import { systemClock, type Clock } from '../util/clock';
import { Semaphore } from '../util/semaphore';
import type { Delivery } from './delivery';
import { isOperatorProblem, submitFailureText, taskFailureText, UNCONFIRMED } from './failure';
import { Poller, type PollHandler, type PollOutcome } from './poller';
import { isFinal, newJob, type Job, type NewJob } from './record';
import type { JobRepo } from './repo';

/** Quota bookkeeping as the job lifecycle needs it; the limits module implements it. */
export interface QuotaSettler {
  /** The job ended with a video (delivered or not): its quota stays used. */
  commit(job: Job): Promise<void>;
  /** The job ended without one (failed, refused, cancelled, unconfirmed): its quota comes back. */
  release(job: Job): Promise<void>;
}


export interface JobEvents {
  onState?(job: Job): void;
  onDelivered?(job: Job, lagMs: number | undefined): void;
}

export interface JobServiceDeps {
  repo: JobRepo;
  apimart: Apimart;
  messenger: Messenger;
  delivery: Delivery;
  quota: QuotaSettler;
  logger: Logger;
  maxRps: number;
  clock?: Clock;
  events?: JobEvents;
  random?: () => number;
}

/** Progress edits share the interaction's webhook bucket (about 5 per 5 s): at most one per job this often. */
export const PROGRESS_EDIT_MIN_MS = 10_000;
const MAX_CONCURRENT_DELIVERIES = 4;
/** Consecutive failed polls after which a job is given up (the backoff makes this most of an hour). */
const MAX_POLL_ERRORS = 25;

/**
 * The job lifecycle: submit, poll (through the one Poller), show progress, deliver, fail, cancel, resume.
 * Every state change is written before the side effect that follows it, so a crash anywhere resumes without
 * a second submit and without a second delivery.
 */
export class JobService implements PollHandler {
  readonly poller: Poller;
  private readonly clock: Clock;
  private readonly lastEdit = new Map<string, { at: number; key: string }>();
  /** Tokens that answered 401/50027 or 10015: using them again only counts toward Discord's invalid-request ban. */
  private readonly deadTokens = new Set<string>();
  private readonly delivering = new Set<string>();
  private readonly background = new Set<Promise<unknown>>();
  /** Deliveries hold the video in memory: a few at a time keeps a burst of large ones from exhausting it. */
  private readonly deliveries = new Semaphore(MAX_CONCURRENT_DELIVERIES);

  constructor(private readonly deps: JobServiceDeps) {
    this.clock = deps.clock ?? systemClock;
    this.poller = new Poller({ getTask: (id) => deps.apimart.getTask(id), handler: this, logger: deps.logger, maxRps: deps.maxRps, clock: this.clock, random: deps.random });
  }

  private log(job: Pick<Job, 'id' | 'taskId'>) {
    return this.deps.logger.child({ jobId: job.id, taskId: job.taskId ?? undefined });
  }

  /** Submits a validated, quota-reserved request and shows the job message. */
  async start(input: NewJob): Promise<Job> {
    const job = newJob(input, this.clock.now());
    try {
      await this.deps.repo.create(job);
    } catch (err) {
      // Nothing was submitted: the reservation made for this job must not keep counting against the member.
      await this.deps.quota.release(job).catch((releaseErr: unknown) =>
        this.log(job).error({ err: releaseErr, usage: job.usage }, 'the job could not be written and its reservation could not be given back'),
      );
      throw err;
    }
    this.emit(job);
    let taskId: string;
    try {
      taskId = (await this.deps.apimart.submit(job.request, { idempotencyKey: job.id })).taskId;
    } catch (err) {
      const log = this.log(job);
      if (isOperatorProblem(err)) log.error({ err }, 'submit failed: operator action needed');
      else log.warn({ err }, 'submit failed');
      return (await this.fail(job.id, submitFailureText(err), { retryable: !(err instanceof InvalidRequest) })) ?? job;
    }
    const queued = await this.deps.repo.update(job.id, (j) => (j.state === 'submitting' ? { ...j, state: 'queued', taskId, submittedAt: this.clock.now() } : undefined));
    if (!queued || queued.state !== 'queued') return queued ?? job;
    this.log(queued).info({ model: job.request.model, duration: job.request.duration }, 'task submitted');
    this.emit(queued);
    await this.showProgress(queued, true);
    this.poller.add({ jobId: queued.id, taskId, submittedAt: queued.submittedAt! });
    return queued;
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
        this.emit(completed);
        this.deliverInBackground(completed);
      }
      return 'done';
    }
    if (view.state === 'failed' || view.state === 'cancelled') {
      this.deps.logger.warn({ jobId, taskId: view.taskId, providerError: view.error, status: view.rawStatus }, 'task failed at the provider');
      await this.fail(jobId, taskFailureText(view), { retryable: true });
      return 'done';
    }
    let before: Job | undefined;
    const after = await this.deps.repo.update(jobId, (j) => {
      before = j;
      if (!running(j)) return undefined;
      const state = view.state === 'pending' ? 'queued' : 'generating';
      const progress = view.progress ?? j.progress;
      const estimatedTimeSec = view.estimatedTimeSec ?? j.estimatedTimeSec;
      if (state === j.state && progress === j.progress && estimatedTimeSec === j.estimatedTimeSec) return undefined;
      return { ...j, state, progress, providerStatus: view.rawStatus, estimatedTimeSec };
    });
    if (!after || !before || !running(after)) return 'done';
    if (after !== before) {
      if (after.state !== before.state) this.emit(after);
      await this.showProgress(after, false);
    }
    return 'continue';
  }

  async onError(jobId: string, err: unknown, errors: number): Promise<PollOutcome> {
    const job = await this.deps.repo.get(jobId);
    if (!job || isFinal(job.state)) return 'done';
    const log = this.log(job);
    // 400 on a poll means the provider does not know the task: polling again cannot help.
    if (err instanceof InvalidRequest || errors >= MAX_POLL_ERRORS) {
      log.error({ err, errors }, 'giving up on the task');
      await this.fail(jobId, 'The bot lost track of this job at the video service. Your quota was given back; please try again.', { retryable: true });
      return 'done';
    }
    log.warn({ err: (err as Error).message, errors }, 'poll failed; backing off');
    return 'continue';
  }

  /** Cancel by the requester or a moderator: stops polling, returns the quota. The provider may still bill. */
  async cancel(jobId: string, byUserId: string): Promise<'cancelled' | 'finished' | 'missing'> {
    let changed = false;
    const after = await this.deps.repo.update(jobId, (j) => {
      if (isFinal(j.state) || j.state === 'completed') return undefined;
      changed = true;
      return { ...j, state: 'cancelled', finishedAt: this.clock.now() };
    });
    if (!after) return 'missing';
    if (!changed) return after.state === 'cancelled' ? 'cancelled' : 'finished';
    this.ended(after);
    this.log(after).info({ by: byUserId }, 'job cancelled');
    await this.deps.quota.release(after);
    await this.editJobMessage(after, renderCancelled(after, byUserId));
    return 'cancelled';
  }

  /** Picks up this process's unfinished jobs after a start. */
  async resume(shards: number[]): Promise<{ resumed: number; unconfirmed: number; delivering: number }> {
    const counts = { resumed: 0, unconfirmed: 0, delivering: 0 };
    for (const shard of shards) {
      const jobs = await this.deps.repo.listActive(shard);
      // Spread the catch-up polls over the request budget instead of firing them all at once.
      const spreadMs = (jobs.length / this.deps.maxRps) * 1000;
      for (const job of jobs) {
        if (job.state === 'reserved' || job.state === 'submitting') {
          // The process died between writing the job and recording the provider's answer: a second submit
          // could bill twice, so the job is reported as unconfirmed instead.
          counts.unconfirmed++;
          this.log(job).warn('job found in submitting after a restart; reporting it unconfirmed');
          await this.fail(job.id, UNCONFIRMED, { retryable: true });
        } else if (job.state === 'completed') {
          counts.delivering++;
          this.deliverInBackground(job);
        } else if (job.taskId && job.submittedAt) {
          counts.resumed++;
          this.poller.add(
            { jobId: job.id, taskId: job.taskId, submittedAt: job.submittedAt, estimatedTimeSec: job.estimatedTimeSec ?? undefined, progress: job.progress },
            Math.random() * spreadMs,
          );
        }
      }
    }
    return counts;
  }

  /** Stops polling and waits for what is in flight (polls, deliveries, their writes). */
  async stop(): Promise<void> {
    await this.poller.stop();
    await Promise.allSettled([...this.background]);
  }

  private emit(job: Job) {
    this.deps.events?.onState?.(job);
  }

  /** A job reached a final state or delivery: forget everything this process kept about it. */
  private ended(job: Job) {
    this.poller.remove(job.id);
    this.lastEdit.delete(job.id);
    this.deadTokens.delete(job.interactionToken);
    this.emit(job);
  }

  private deliverInBackground(job: Job) {
    if (this.delivering.has(job.id)) return;
    this.delivering.add(job.id);
    const p = this.deliveries
      .run(() => this.deliver(job))
      .catch((err: unknown) => this.log(job).error({ err }, 'delivery crashed'))
      .finally(() => {
        this.delivering.delete(job.id);
        this.background.delete(p);
      });
    this.background.add(p);
  }

  private async deliver(job: Job): Promise<void> {
    const result = await this.deps.delivery.deliver(job, { tokenDead: this.deadTokens.has(job.interactionToken) });
    const now = this.clock.now();
    const done = await this.deps.repo.update(job.id, (j) =>
      j.state !== 'completed'
        ? undefined
        : result.route
          ? { ...j, state: 'delivered', delivery: { route: result.route, attached: result.attached }, finishedAt: now }
          : { ...j, state: 'undeliverable', failure: 'Every delivery route failed.', finishedAt: now },
    );
    if (!done || (done.state !== 'delivered' && done.state !== 'undeliverable')) return;
    this.log(done).info({ route: result.route, attached: result.attached }, done.state === 'delivered' ? 'video delivered' : 'video undeliverable');
    this.ended(done);
    this.deps.events?.onDelivered?.(done, done.completedAt ? now - done.completedAt : undefined);
    // The video was made (and billed) either way.
    await this.deps.quota.commit(done);
  }

  private async fail(jobId: string, reason: string, opts: { retryable: boolean }): Promise<Job | undefined> {
    const failed = await this.deps.repo.update(jobId, (j) => (isFinal(j.state) || j.state === 'completed' ? undefined : { ...j, state: 'failed', failure: reason, finishedAt: this.clock.now() }));
    if (!failed || failed.state !== 'failed') return failed;
    this.ended(failed);
    await this.deps.quota.release(failed);
    await this.editJobMessage(failed, renderFailed(failed, reason, opts));
    return failed;
  }

  private async showProgress(job: Job, force: boolean): Promise<void> {
    const now = this.clock.now();
    const key = progressKey(job);
    const last = this.lastEdit.get(job.id);
    if (!force && last && (last.key === key || now - last.at < PROGRESS_EDIT_MIN_MS)) return;
    this.lastEdit.set(job.id, { at: now, key });
    await this.editJobMessage(job, renderRunning(job, now));
  }

  /** Edits the job's message: the interaction reply while the token lives, else the channel message. */
  private async editJobMessage(job: Job, payload: MessagePayload): Promise<boolean> {
    const { messenger } = this.deps;
    const log = this.log(job);
    if (this.clock.now() < job.tokenExpiresAt && !this.deadTokens.has(job.interactionToken)) {
      try {
        await messenger.editOriginal(job, payload);
        return true;
      } catch (err) {
        const { status, code } = discordErrorCode(err);
        if (status === 401 || code === DiscordCodes.InvalidWebhookToken || code === DiscordCodes.UnknownWebhook) this.deadTokens.add(job.interactionToken);
        log.warn({ status, code }, 'editing the interaction reply failed');
      }
    }
    if (job.replyMessageId) {
      try {
        await messenger.editChannelMessage(job.channelId, job.replyMessageId, payload);
        return true;
      } catch (err) {
        log.warn({ ...discordErrorCode(err) }, 'editing the job message through the channel failed');
      }
    }
    return false;
  }
}
