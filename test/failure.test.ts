import { describe, expect, it } from 'vitest';
import { jobInput } from './support/job-input';
import { InsufficientBalance, InvalidRequest, Malformed, RateLimited, Transient, Unauthorized } from '../src/apimart';
import type { TaskView } from '../src/apimart/parse';
import { failureSchema, submitFailure, taskFailure, type Failure } from '../src/jobs/failure';
import { jobSchema, newJob, JOB_RECORD_VERSION, type Job } from '../src/jobs/record';
import { JobRepo } from '../src/jobs/repo';
import { openStore } from '../src/store/kv';
import { en, wordFailure, type ByCode, type Messages } from '../src/discord/messages';
import { renderCard } from '../src/discord/card';
import type { Failure as JobFailure } from '../src/jobs/failure';
import { textOf } from './support/card';

const renderFailed = (job: Job, reason: JobFailure) => ({ text: textOf(renderCard([job], { kind: 'ended', ending: { kind: 'failed', reason, retryable: true } })) });
const renderUndeliverable = (job: Job) => ({ text: textOf(renderCard([job], { kind: 'ended', ending: { kind: 'undeliverable' } })) });
import { capturedLogger } from './support/log-capture';

/**
 * Why a job failed is data (src/jobs/failure.ts); the member reads the catalogue's sentence for it
 * (src/discord/messages/locales/en.ts). The sentences here are the ones members have always read.
 */

const input = jobInput({ id: 'abcdef0123456789abcd' });

describe('a refused submit gives a failure code per ApimartError kind', () => {
  it.each<[string, unknown, Failure, string]>([
    ['unauthorized', new Unauthorized('x', { status: 401 }), { code: 'unauthorized' }, 'The bot is misconfigured: the video service refused its API key. Please tell a server admin.'],
    ['insufficient_balance', new InsufficientBalance('x', { status: 402 }), { code: 'no_credit' }, "The bot's video credit is used up. Please tell the bot's owner."],
    [
      'invalid_request',
      new InvalidRequest('x', { status: 400, providerMessage: 'image_urls[0] is not reachable' }),
      { code: 'refused', providerMessage: 'image_urls[0] is not reachable' },
      'The video service refused the request: image_urls[0] is not reachable',
    ],
    [
      'invalid_request (build_request_failed)',
      new InvalidRequest('x', { status: 500, providerMessage: 'build_request_failed: image too small' }),
      { code: 'refused', providerMessage: 'image too small' },
      'The video service refused the request: image too small',
    ],
    ['invalid_request without a reason', new InvalidRequest('x', { status: 400 }), { code: 'refused' }, 'The video service refused the request.'],
    ['rate_limited', new RateLimited('x', { status: 429 }), { code: 'busy' }, 'The video service is busy right now. Please try again in a minute.'],
    ['transient, never sent', new Transient('x', { maybeSent: false }), { code: 'unreachable' }, 'The video service could not be reached. Please try again in a minute.'],
    [
      'transient, maybe sent',
      new Transient('x', { status: 500, maybeSent: true }),
      { code: 'unconfirmed' },
      'The video service did not confirm the submission, so the bot stopped tracking it and gave your quota back. Please run /video again.',
    ],
    [
      'malformed',
      new Malformed('x', { status: 200 }),
      { code: 'unconfirmed' },
      'The video service did not confirm the submission, so the bot stopped tracking it and gave your quota back. Please run /video again.',
    ],
    ['anything else', new Error('boom'), { code: 'internal' }, 'Something went wrong on our side. Please try again.'],
  ])('%s', (_kind, err, failure, sentence) => {
    expect(submitFailure(err)).toEqual(failure);
    expect(wordFailure(submitFailure(err))).toBe(sentence);
  });

  it('cuts a long provider message to 300 characters', () => {
    const f = submitFailure(new InvalidRequest('x', { status: 400, providerMessage: 'é'.repeat(400) }));
    expect(f.code === 'refused' && [...(f.providerMessage ?? '')].length).toBe(300);
  });
});

describe('a task the provider ended', () => {
  const view = (over: Partial<TaskView>): TaskView => ({ taskId: 'task_1', state: 'failed', rawStatus: 'failed', ...over }) as TaskView;
  it.each<[string, TaskView, Failure, string]>([
    ['failed with a reason', view({ error: { message: 'the content was flagged by moderation' } } as Partial<TaskView>), { code: 'task_failed', providerMessage: 'the content was flagged by moderation' }, 'The video service could not make it: the content was flagged by moderation'],
    ['failed without one', view({}), { code: 'task_failed' }, 'The video service could not make it.'],
    ['cancelled', view({ state: 'cancelled', rawStatus: 'cancelled' }), { code: 'task_cancelled' }, 'The video service cancelled the task.'],
  ])('%s', (_name, v, failure, sentence) => {
    expect(taskFailure(v)).toEqual(failure);
    expect(wordFailure(taskFailure(v))).toBe(sentence);
  });

  it('the bot giving up words the minutes it waited, and losing track says the quota is back', () => {
    expect(wordFailure({ code: 'overdue', waitedMs: 47 * 60_000 + 20_000 })).toBe(
      'The video service had still not finished it after 47 minutes, so the bot stopped waiting and gave your quota back. Please try again.',
    );
    expect(wordFailure({ code: 'lost_track' })).toBe('The bot lost track of this job at the video service. Your quota was given back; please try again.');
  });
});

describe('job record v2 stores the reason; v1 records migrate', () => {
  const v1 = (failure: string | null, state: Job['state'] = 'failed') => ({ ...newJob(input, 1_000), v: 1, state, failure, finishedAt: 2_000 });

  it('new records are v2 and keep the reason as data', () => {
    const job = { ...newJob(input, 1_000), state: 'failed' as const, failure: { code: 'overdue', waitedMs: 60_000 } as Failure };
    expect(JOB_RECORD_VERSION).toBe(2);
    expect(jobSchema.parse(job)).toEqual({ ...job, v: 2 });
  });

  it('a v1 sentence becomes a legacy reason that still says what it said', () => {
    const old = 'The video service could not make it: the content was flagged by moderation';
    const job = jobSchema.parse(v1(old));
    expect(job.v).toBe(2);
    expect(job.failure).toEqual({ code: 'legacy', text: old });
    expect(renderFailed(job, job.failure!).text).toContain(`The video could not be made.** ${old}`);
  });

  it('an undeliverable v1 job shows its stored sentence, and a v1 record without a failure migrates to none', () => {
    const old = 'Discord refused every way the bot tried to post it: this message, a new message in the channel and a DM to you.';
    const job = jobSchema.parse({ ...v1(old, 'undeliverable'), videoUrl: 'https://files.example/v.mp4' });
    expect(renderUndeliverable(job).text).toContain(`could not be posted.** ${old} Use the button below`);
    expect(renderUndeliverable({ ...job, failure: null }).text).toBe(renderUndeliverable(job).text);
    expect(jobSchema.parse(v1(null, 'delivered')).failure).toBeNull();
  });

  it('a stored v1 record is read as v2 and written back as v2; an unknown version or reason is refused', async () => {
    const kv = await openStore('memory:');
    const log = capturedLogger();
    const repo = new JobRepo(kv, log.logger);
    await kv.set(`job:${input.id}`, v1('The video service cancelled the task.'));
    expect((await repo.get(input.id))?.failure).toEqual({ code: 'legacy', text: 'The video service cancelled the task.' });
    await repo.update(input.id, (j) => ({ ...j, announced: true }));
    expect(await kv.get(`job:${input.id}`)).toMatchObject({ v: 2, failure: { code: 'legacy', text: 'The video service cancelled the task.' } });

    await kv.set(`job:${input.id}`, { ...v1(null), v: 3 });
    expect(await repo.get(input.id)).toBeUndefined();
    await kv.set(`job:${input.id}`, { ...v1(null), v: 2, failure: { code: 'melted' } });
    expect(await repo.get(input.id)).toBeUndefined();
    expect(log.text()).toContain('job record failed its schema');
  });
});

describe('the catalogue words every failure code', () => {
  it('has a message for each code of the schema, and no other', () => {
    const codes = failureSchema.options.map((o) => o.shape.code.value).sort();
    expect(Object.keys(en.failure).sort()).toEqual(codes);
  });

  it('is enforced by the types: a catalogue missing a code does not compile', () => {
    // `npx tsc --noEmit` checks this file: the directive fails the build if the line below ever compiles.
    // @ts-expect-error `internal` is missing
    const partial: ByCode<Failure> = { ...en.failure, internal: undefined };
    const { internal: _dropped, ...rest } = en.failure;
    // @ts-expect-error a language without one code is not a Messages
    const incomplete: Messages = { ...en, failure: rest };
    expect([partial, incomplete]).toHaveLength(2);
  });
});
