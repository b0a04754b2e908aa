import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { ApimartClient, InsufficientBalance, InvalidRequest, Malformed, RateLimited, Transient, Unauthorized, memoryGate } from '../src/apimart';
import type { GenerationRequest } from '../src/apimart/request';
import { errors, startFakeApimart, type FakeApimart } from './fakes/apimart';
import { capturedLogger } from './support/log-capture';
import { submitFailure } from '../src/jobs/failure';
import { wordFailure } from '../src/discord/messages';

const body: GenerationRequest = { model: 'viduq3', prompt: 'wave', image_urls: ['https://cdn.example/a.png'], duration: 5, resolution: '720p', aspect_ratio: '16:9' };
let fake: FakeApimart;
const log = capturedLogger();
// Named in no logger's secrets list: the key must stay out of the log by construction, not by scrubbing.

function client(over: Partial<ConstructorParameters<typeof ApimartClient>[0]> = {}) {
  return new ApimartClient({ baseUrl: fake.url, apiKey: fake.apiKey, gate: memoryGate(1000), logger: log.logger, timeoutMs: 2_000, ...over });
}

beforeAll(async () => {
  fake = await startFakeApimart();
});
afterAll(async () => {
  await fake.close();
  // Every error path above has run through this logger, at debug level.
  expect(log.text()).not.toContain(fake.apiKey);
  expect(log.text().length).toBeGreaterThan(0);
});
afterEach(() => {
  fake.submitResponseShape = 'array';
});

describe('submit', () => {
  it('sends the body, the key and an Idempotency-Key, and reads the array answer', async () => {
    const before = fake.submitCount();
    const res = await client().submit(body, { idempotencyKey: 'job123456' });
    expect(res.taskId).toMatch(/^task_/);
    const req = fake.submits().at(-1)!;
    expect(req.body).toEqual(body);
    expect(req.headers['authorization']).toBe(`Bearer ${fake.apiKey}`);
    expect(req.headers['idempotency-key']).toBe('job123456');
    expect(fake.submitCount()).toBe(before + 1);
  });

  it('reads the object answer too', async () => {
    fake.submitResponseShape = 'object';
    const res = await client().submit(body, { idempotencyKey: 'job-object' });
    expect(fake.tasks.has(res.taskId)).toBe(true);
  });

  it.each([
    ['400', errors.badRequest('prompt contains banned words'), InvalidRequest, 'prompt contains banned words'],
    ['401', errors.unauthorized(), Unauthorized, 'Invalid API key'],
    ['403', errors.forbidden(), Unauthorized, 'Model not enabled for this API key'],
    ['402', errors.paymentRequired(), InsufficientBalance, 'Insufficient balance'],
    ['500 build_request_failed', errors.buildRequestFailed('image too small'), InvalidRequest, 'build_request_failed: image too small'],
    ['500', errors.serverError(), Transient, 'Internal server error'],
    ['502 HTML', errors.badGateway(), Transient, undefined],
    ['top-level shape', errors.topLevel(401, 401, 'token expired'), Unauthorized, 'token expired'],
  ])('maps %s to its typed error, sent once', async (_name, response, type, message) => {
    const before = fake.submitCount();
    fake.failSubmit(response);
    const err = await client().submit(body, { idempotencyKey: `k${before}` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(type);
    expect((err as InvalidRequest).providerMessage).toBe(message);
    expect((err as Error).message).not.toContain(fake.apiKey);
    expect(fake.submitCount()).toBe(before + 1);
  });

  it('never repeats the key, even when the provider echoes it', async () => {
    fake.failSubmit(errors.badRequest(`invalid header Authorization: Bearer ${fake.apiKey}`));
    const err = (await client().submit(body, { idempotencyKey: 'echo' }).catch((e: unknown) => e)) as InvalidRequest;
    expect(err.providerMessage).toBe('invalid header Authorization: Bearer [REDACTED]');
    expect(err.message).not.toContain(fake.apiKey);
  });

  it('reads a request id from the answer headers', async () => {
    fake.failSubmit({ ...errors.badRequest('bad'), headers: { 'X-Request-Id': 'req-77' } });
    const err = (await client().submit(body, { idempotencyKey: 'rid' }).catch((e: unknown) => e)) as InvalidRequest;
    expect(err.requestId).toBe('req-77');
  });

  it('is not retried when the answer is lost after sending (no double bill)', async () => {
    const before = fake.submitCount();
    fake.failSubmit(errors.lostResponse());
    const err = (await client().submit(body, { idempotencyKey: 'lost' }).catch((e: unknown) => e)) as Transient;
    expect(err).toBeInstanceOf(Transient);
    expect(err.maybeSent).toBe(true);
    expect(fake.submitCount()).toBe(before + 1);
  });

  it('times out a slow answer without retrying', async () => {
    const before = fake.submitCount();
    fake.failSubmit(errors.slow(1_500));
    const started = Date.now();
    const err = (await client({ timeoutMs: 300 }).submit(body, { idempotencyKey: 'slow' }).catch((e: unknown) => e)) as Transient;
    expect(err).toBeInstanceOf(Transient);
    expect(err.maybeSent).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_400);
    expect(fake.submitCount()).toBe(before + 1);
  });

  it('a request gate that cannot answer (its Redis is down) sends nothing, and the member is told to try again', async () => {
    const before = fake.submitCount();
    const open = memoryGate(1000);
    const gate = { acquire: () => Promise.reject(new Error('The client is closed')), limited: (ms: number | undefined) => open.limited(ms), rate: () => open.rate(), waiting: () => open.waiting() };
    const err = await client({ gate }).submit(body, { idempotencyKey: 'job-gate-down' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Transient);
    expect((err as Transient).maybeSent).toBe(false);
    expect(fake.submitCount()).toBe(before);
    // It used to reach the member as "Something went wrong on our side".
    expect(wordFailure(submitFailure(err))).toBe('The video service could not be reached. Please try again in a minute.');
  });

  it('runs onTurn once its turn is granted and before sending; when onTurn throws, nothing is sent nor retried', async () => {
    const before = fake.submitCount();
    let seenAtTurn = -1;
    await client().submit(body, { idempotencyKey: 'turn-ok', onTurn: async () => void (seenAtTurn = fake.submitCount()) });
    expect(seenAtTurn).toBe(before);
    expect(fake.submitCount()).toBe(before + 1);

    let turns = 0;
    const refused = new Error('store down');
    const err = await client()
      .submit(body, { idempotencyKey: 'turn-refused', onTurn: async () => (turns++, Promise.reject(refused)) })
      .catch((e: unknown) => e);
    expect(err).toBe(refused);
    expect(turns).toBe(1);
    expect(fake.submitCount()).toBe(before + 1);
  });

  it('runs onTurn at the first attempt only: a 429 retried is the same submit', async () => {
    let turns = 0;
    fake.failSubmit(errors.rateLimited(1));
    await client().submit(body, { idempotencyKey: 'turn-429', onTurn: async () => void turns++ });
    expect(turns).toBe(1);
  });

  it('answers Malformed for JSON it cannot read', async () => {
    fake.failSubmit(errors.malformed());
    await expect(client().submit(body, { idempotencyKey: 'mal' })).rejects.toBeInstanceOf(Malformed);
  });

  it('retries a 429 after its Retry-After, then succeeds', async () => {
    const before = fake.submitCount();
    fake.failSubmit(errors.rateLimited(1));
    const started = Date.now();
    const res = await client().submit(body, { idempotencyKey: 'rl' });
    expect(res.taskId).toMatch(/^task_/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(fake.submitCount()).toBe(before + 2);
  });

  it('retries a 429 without Retry-After with backoff, and gives up as RateLimited', async () => {
    const before = fake.submitCount();
    fake.failSubmit(errors.rateLimited(), errors.rateLimited(), errors.rateLimited());
    const err = await client({ submitRetries: 2, random: () => 0.01 }).submit(body, { idempotencyKey: 'rl2' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimited);
    expect(fake.submitCount()).toBe(before + 3);
  });

  it('retries when the connection was refused before sending, and says nothing was sent', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    let sleeps = 0;
    const err = (await client({ baseUrl: `http://127.0.0.1:${port}`, sleep: async () => void sleeps++ })
      .submit(body, { idempotencyKey: 'refused' })
      .catch((e: unknown) => e)) as Transient;
    expect(err).toBeInstanceOf(Transient);
    expect(err.maybeSent).toBe(false);
    expect(sleeps).toBe(3);
  });
});

describe('getTask', () => {
  async function newTask(script: Parameters<FakeApimart['nextTask']>[0] = {}) {
    fake.nextTask(script);
    return (await client().submit(body, { idempotencyKey: `t${Math.random()}` })).taskId;
  }

  it.each(['array', 'string'] as const)('reads a completed task with the %s URL shape', async (urlShape) => {
    const id = await newTask({ timeline: [{ at: 0, status: 'completed' }], urlShape, estimatedTime: 100 });
    const view = await client().getTask(id);
    expect(view).toMatchObject({ state: 'completed', progress: 100, videoUrl: `${fake.url}/files/${id}.mp4`, estimatedTimeSec: 100 });
    expect(view.expiresAt).toBeGreaterThan(Date.now());
  });

  it('reads progress and a failure reason', async () => {
    const running = await newTask({ timeline: [{ at: 0, status: 'processing', progress: 42 }] });
    expect(await client().getTask(running)).toMatchObject({ state: 'processing', progress: 42 });
    const failed = await newTask({ timeline: [{ at: 0, status: 'failed', error: { code: 'moderation', message: 'content flagged', type: 'moderation' } }] });
    expect(await client().getTask(failed)).toMatchObject({ state: 'failed', error: { message: 'content flagged' } });
  });

  it('treats an unknown status as still running and logs it', async () => {
    const id = await newTask({ timeline: [{ at: 0, status: 'upscaling', progress: 90 }] });
    expect(await client().getTask(id)).toMatchObject({ state: 'processing', rawStatus: 'upscaling', known: false });
    expect(log.text()).toContain('unknown task status');
  });

  it('answers InvalidRequest for an unknown task id (HTTP 400)', async () => {
    await expect(client().getTask('task_nope')).rejects.toBeInstanceOf(InvalidRequest);
  });

  it('retries transient failures with backoff', async () => {
    const id = await newTask({ timeline: [{ at: 0, status: 'processing', progress: 5 }] });
    const before = fake.polls(id);
    fake.failPoll(errors.serverError(), errors.badGateway());
    const view = await client({ random: () => 0.01 }).getTask(id);
    expect(view.state).toBe('processing');
    expect(fake.polls(id) - before).toBe(3);
  });

  it('gives up after its retries, with a timeout on each', async () => {
    const id = await newTask();
    fake.failPoll(errors.slow(1_000, errors.serverError()), errors.slow(1_000, errors.serverError()));
    const err = await client({ timeoutMs: 200, pollRetries: 1, random: () => 0 }).getTask(id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Transient);
  });

  it('holds the request cap', async () => {
    const id = await newTask();
    const capped = client({ gate: memoryGate(5) });
    const started = Date.now();
    await Promise.all(Array.from({ length: 11 }, () => capped.getTask(id)));
    // 11 requests at 5 per second need at least two full windows after the first.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
  });
});

describe('upload', () => {
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);

  it('sends the image as the multipart field `file` through the gate and answers a link that serves it for 72 h', async () => {
    let acquired = 0;
    const gate = memoryGate(1000);
    const counted = { acquire: async () => void (acquired++, await gate.acquire('submit')), limited: (ms: number | undefined) => gate.limited(ms), rate: () => gate.rate(), waiting: () => gate.waiting() };
    const before = Date.now();
    const up = await client({ gate: counted }).upload({ data: png, filename: 'hero.png', contentType: 'image/png' });
    expect(acquired).toBe(1);
    const stored = fake.uploads.at(-1)!;
    expect(stored.filename).toBe('hero.png');
    expect(stored.data.equals(png)).toBe(true);
    expect(up.url).toBe(stored.url);
    // created_at has whole seconds: the link's end is 72 h after it, never later than 72 h after now.
    expect(up.expiresAt).toBeGreaterThan(before + 72 * 3600_000 - 2_000);
    expect(up.expiresAt).toBeLessThanOrEqual(Date.now() + 72 * 3600_000);
    const res = await fetch(up.url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(png)).toBe(true);
  });

  it('retries a 429 and a 500, and refuses a 400 with a typed error', async () => {
    fake.failUpload(errors.rateLimited(0), errors.serverError());
    const up = await client({ sleep: async () => undefined }).upload({ data: png, filename: 'a.png', contentType: 'image/png' });
    expect(fake.uploadedData(up.url)?.equals(png)).toBe(true);
    fake.failUpload(errors.badRequest('file exceeds 20MB'));
    await expect(client().upload({ data: png, filename: 'a.png', contentType: 'image/png' })).rejects.toBeInstanceOf(InvalidRequest);
  });

  it('an answer without a URL is Malformed', async () => {
    fake.failUpload({ status: 200, body: { filename: 'a.png' } });
    await expect(client().upload({ data: png, filename: 'a.png', contentType: 'image/png' })).rejects.toBeInstanceOf(Malformed);
  });
});

describe('fake upload links', () => {
  it('expire after the configured TTL of the fake clock', async () => {
    let t = Date.now();
    const short = await startFakeApimart({ now: () => t, uploadTtlMs: 60_000 });
    try {
      const c = new ApimartClient({ baseUrl: short.url, apiKey: short.apiKey, gate: memoryGate(1000), logger: log.logger, now: () => t });
      const up = await c.upload({ data: Buffer.from('RIFF0000WEBPVP8 '), filename: 'a.webp', contentType: 'image/webp' });
      expect((await fetch(up.url)).status).toBe(200);
      t += 61_000;
      expect((await fetch(up.url)).status).toBe(404);
      await c.close();
    } finally {
      await short.close();
    }
  });
});
