import { afterEach, describe, expect, it } from 'vitest';
import { errors, expectedVideoBytes, startFakeApimart, type FakeApimart } from './apimart';

const T0 = 1_757_156_493_000;
let fake: FakeApimart | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function auth(f: FakeApimart, extra: Record<string, string> = {}) {
  return { Authorization: `Bearer ${f.apiKey}`, 'Content-Type': 'application/json', ...extra };
}

async function submit(f: FakeApimart, extra: Record<string, string> = {}) {
  const res = await fetch(`${f.url}/v1/videos/generations`, {
    method: 'POST',
    headers: auth(f, extra),
    body: JSON.stringify({ model: 'viduq3', prompt: 'hug', image_urls: ['https://x/a.png'] }),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function submitId(f: FakeApimart, extra: Record<string, string> = {}): Promise<string> {
  const { text } = await submit(f, extra);
  return JSON.parse(text).data[0].task_id;
}

async function poll(f: FakeApimart, id: string) {
  const res = await fetch(`${f.url}/v1/tasks/${id}?language=en`, { headers: auth(f) });
  return { status: res.status, json: (await res.json()) as any };
}

describe('fake APIMart', () => {
  it('answers submits in both documented shapes and records the request', async () => {
    fake = await startFakeApimart();
    const a = await submit(fake, { 'Idempotency-Key': 'job-1' });
    expect(a.status).toBe(200);
    const arr = JSON.parse(a.text);
    expect(arr).toEqual({ code: 200, data: [{ status: 'submitted', task_id: expect.stringMatching(/^task_[A-Za-z0-9]+$/) }] });

    fake.submitResponseShape = 'object';
    const obj = JSON.parse((await submit(fake)).text);
    expect(obj.data).toMatchObject({ id: expect.stringMatching(/^task_/), status: 'pending' });

    expect(fake.submits()).toHaveLength(2);
    expect(fake.submits()[0]!.headers['idempotency-key']).toBe('job-1');
    expect(fake.submits()[0]!.body).toMatchObject({ model: 'viduq3', prompt: 'hug' });
    expect(fake.tasks.size).toBe(2);
  });

  it('progresses along the timeline by elapsed time and reports the result', async () => {
    let t = T0;
    fake = await startFakeApimart({ now: () => t });
    const id = await submitId(fake);

    expect((await poll(fake, id)).json.data).toMatchObject({ id, status: 'pending', progress: 0, created: T0 / 1000, estimated_time: 1 });
    t = T0 + 250;
    expect((await poll(fake, id)).json.data).toMatchObject({ status: 'processing', progress: 10 });
    t = T0 + 700;
    expect((await poll(fake, id)).json.data).toMatchObject({ status: 'processing', progress: 60 });
    expect((await fetch(`${fake.url}/files/${id}.mp4`)).status).toBe(404);
    t = T0 + 1000;
    const done = (await poll(fake, id)).json.data;
    expect(done).toMatchObject({ status: 'completed', progress: 100, completed: T0 / 1000 + 1, actual_time: 1 });
    expect(done.result.videos[0]).toEqual({ url: [`${fake.url}/files/${id}.mp4`], expires_at: T0 / 1000 + 1 + 86400 });
    expect(done.error).toBeUndefined();
    expect(fake.completedAt(id)).toBe(T0 + 1000);
    expect(fake.polls(id)).toBe(4);
    expect(fake.polls()).toBe(4);
  });

  it('honours timeScale, url shape and failed steps', async () => {
    let t = T0;
    fake = await startFakeApimart({ now: () => t, timeScale: 100 });
    fake.nextTask({ urlShape: 'string', timeline: [{ at: 0, status: 'pending' }, { at: 60_000, status: 'completed' }] });
    fake.nextTask({
      timeline: [
        { at: 0, status: 'queued_upstream' },
        { at: 30_000, status: 'failed', error: { code: 'content_moderation', message: 'blocked', type: 'moderation' } },
      ],
    });
    const s = await submitId(fake);
    const f = await submitId(fake);
    expect(fake.completedAt(s)).toBe(T0 + 600);
    expect((await poll(fake, s)).json.data.estimated_time).toBe(1);
    expect((await poll(fake, f)).json.data.status).toBe('queued_upstream');

    t = T0 + 600;
    expect((await poll(fake, s)).json.data.result.videos[0].url).toBe(`${fake.url}/files/${s}.mp4`);
    const failed = (await poll(fake, f)).json.data;
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'content_moderation', message: 'blocked' } });
    expect(failed.result).toBeUndefined();
    expect(fake.taskStatus(f)).toBe('failed');
  });

  it('answers 400 for an unknown task and 401 for a wrong key', async () => {
    fake = await startFakeApimart();
    const unknown = await poll(fake, 'task_nope');
    expect(unknown.status).toBe(400);
    expect(unknown.json).toEqual({ error: { code: 400, message: 'invalid task ID', type: 'invalid_request_error' } });

    const res = await fetch(`${fake.url}/v1/tasks/task_nope`, { headers: { Authorization: 'Bearer wrong' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toEqual({ error: { code: 401, message: 'Invalid API key', type: 'authentication_error' } });
    expect((await fetch(`${fake.url}/v1/videos/generations`, { method: 'POST' })).status).toBe(401);
    expect(fake.tasks.size).toBe(0);
  });

  it('consumes scripted submit failures in order, then creates tasks', async () => {
    fake = await startFakeApimart();
    fake.failSubmit(errors.rateLimited(7), errors.badGateway(), errors.malformed(), errors.topLevel(503, 503, 'busy'));
    const limited = await submit(fake);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(JSON.parse(limited.text).error.type).toBe('rate_limit_error');
    const gateway = await submit(fake);
    expect(gateway.status).toBe(502);
    expect(gateway.text).toContain('<html>');
    expect((await submit(fake)).text).toBe('{"code":200,"data":');
    expect(JSON.parse((await submit(fake)).text)).toEqual({ code: 503, message: 'busy' });
    expect(fake.tasks.size).toBe(0);
    expect((await submit(fake)).status).toBe(200);
    expect(fake.tasks.size).toBe(1);
    expect(fake.submitCount()).toBe(5);
  });

  it('scripts poll failures, dropped connections and lost answers', async () => {
    fake = await startFakeApimart();
    const id = await submitId(fake);
    fake.failPoll(errors.serverError(), errors.slow(50, errors.badRequest('late')));
    expect((await poll(fake, id)).status).toBe(500);
    expect((await poll(fake, id)).json.error.message).toBe('late');
    expect((await poll(fake, id)).status).toBe(200);

    fake.failSubmit(errors.dropConnection(), errors.lostResponse());
    await expect(submit(fake)).rejects.toThrow();
    expect(fake.tasks.size).toBe(1);
    await expect(submit(fake)).rejects.toThrow();
    // The provider did the work although the client never heard back.
    expect(fake.tasks.size).toBe(2);
  });

  it('fault hook: asked after the scripted failures; a garbled answer still creates the task', async () => {
    const seen: string[] = [];
    fake = await startFakeApimart({
      scriptFor: (body) => ((body as { prompt?: string }).prompt === 'fails' ? { timeline: [{ at: 0, status: 'failed' }] } : undefined),
      faults: (req) => {
        seen.push(`${req.op}:${req.task?.id ?? String(req.headers['idempotency-key'])}`);
        return seen.length === 2 ? errors.garbled() : undefined;
      },
    });
    fake.failSubmit(errors.rateLimited(1));
    expect((await submit(fake, { 'Idempotency-Key': 'k1' })).status).toBe(429); // scripted: the hook is not asked
    const id = await submitId(fake, { 'Idempotency-Key': 'k1' });
    const garbled = await submit(fake, { 'Idempotency-Key': 'k2' });
    expect(garbled.status).toBe(200);
    expect(() => JSON.parse(garbled.text)).toThrow();
    expect(fake.tasks.size).toBe(2); // the garbled answer's task exists
    expect((await poll(fake, id)).status).toBe(200);
    expect(seen).toEqual(['submit:k1', 'submit:k2', `poll:${id}`]);

    const res = await fetch(`${fake.url}/v1/videos/generations`, { method: 'POST', headers: auth(fake), body: JSON.stringify({ model: 'viduq3', prompt: 'fails', image_urls: ['https://x/a.png'] }) });
    const failing = JSON.parse(await res.text()).data[0].task_id;
    expect((await poll(fake, failing)).json.data.status).toBe('failed');
  });

  it('dedupes submits by Idempotency-Key', async () => {
    fake = await startFakeApimart();
    const a = await submitId(fake, { 'Idempotency-Key': 'job-42' });
    const b = await submitId(fake, { 'Idempotency-Key': 'job-42' });
    const c = await submitId(fake, { 'Idempotency-Key': 'job-43' });
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(fake.tasks.size).toBe(2);
    expect(fake.submits()).toHaveLength(3);
  });

  it('serves the video bytes after completion and expires them', async () => {
    let t = T0;
    fake = await startFakeApimart({ now: () => t });
    const size = 251 * 256 * 3 + 77; // spans several stream chunks
    fake.nextTask({ videoBytes: size, expiresInSec: 60 });
    const id = await submitId(fake);
    t = T0 + 1000;
    const res = await fetch(`${fake.url}/files/${id}.mp4`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('content-length')).toBe(String(size));
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(bytes.equals(expectedVideoBytes(size))).toBe(true);
    expect(fake.videoDownloads(id)).toBe(1);
    expect(fake.videoDownloads()).toBe(1);

    t = T0 + 1000 + 61_000;
    expect((await fetch(`${fake.url}/files/${id}.mp4`)).status).toBe(403);
    expect(expectedVideoBytes(10).equals(expectedVideoBytes(32).subarray(0, 10))).toBe(true);
  });

  it('skips storing requests when record is false but still counts', async () => {
    fake = await startFakeApimart({ record: false });
    const id = await submitId(fake);
    await poll(fake, id);
    expect(fake.requests).toHaveLength(0);
    expect(fake.submitCount()).toBe(1);
    expect(fake.polls(id)).toBe(1);
  });
});
