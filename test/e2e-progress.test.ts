import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness';
import { buttonsOf, textOf } from './support/card';

let h: Harness;
let healthPort: number;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

beforeAll(async () => {
  healthPort = await freePort();
  h = await startHarness({ env: { HEALTH_PORT: String(healthPort) } });
});
afterAll(async () => {
  await h?.close();
});

describe('progress and operations', () => {
  it('shows progress while generating: edits at most every 10 s, only when something changed', async () => {
    h.apimart.nextTask({
      timeline: [
        { at: 0, status: 'pending' },
        { at: 2_000, status: 'processing', progress: 20 },
        { at: 8_000, status: 'processing', progress: 45 },
        { at: 14_000, status: 'processing', progress: 70 },
        { at: 24_000, status: 'completed' },
      ],
      estimatedTime: 24,
      videoBytes: 8192,
    });
    const sent = h.video();
    const job = await h.waitForState(sent.id, 'delivered', 40_000);
    const edits = h.discord.callsTo('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`)).filter((c) => c.status < 300);
    const running = edits.filter((c) => c.files.length === 0 && !String(textOf(c.body)).includes('ready'));
    expect(textOf(running[0]!.body)).toContain('Queued');
    expect(buttonsOf(running[0]!.body)[0]).toMatchObject({ label: 'Cancel', custom_id: `vidu:cancel:${job.id}` });
    const generating = running.filter((c) => String(textOf(c.body)).includes('Generating'));
    expect(generating.length).toBeGreaterThanOrEqual(1);
    expect(textOf(generating[0]!.body)).toMatch(/Generating\*\* · \d+% `█+░*` · \d+s/);
    // Once the provider gave its estimate, the card says when it expects the video: submit + estimated_time.
    const due = Math.floor((job.submittedAt! + 24_000) / 1000);
    expect(textOf(generating[0]!.body)).toMatch(new RegExp(`· \\d+s · done <t:(${due - 1}|${due}|${due + 1}):R>`));
    // At most one edit per 10 s, but for the one that first says when the video is expected: it goes out at once.
    const firstEta = running.findIndex((c) => String(textOf(c.body)).includes('done <t:'));
    expect(firstEta).toBeGreaterThan(0);
    expect(running[firstEta]!.at - running[0]!.at).toBeLessThan(8_000);
    for (let i = 1; i < running.length; i++) if (i !== firstEta) expect(running[i]!.at - running[i - 1]!.at).toBeGreaterThanOrEqual(10_000);
    const contents = running.map((c) => `${String(textOf(c.body)).split(' · ')[0]}${String(textOf(c.body)).match(/\d+%/)?.[0] ?? ''}`);
    expect(new Set(contents).size).toBe(contents.length);
    // Polls for a 24 s task: a handful, not one every 2-5 s.
    expect(h.apimart.polls(job.taskId!)).toBeLessThanOrEqual(8);
  }, 60_000);

  it('a token that dies mid-job is used no more: one 401, then the channel route', async () => {
    h.apimart.nextTask({
      timeline: [
        { at: 0, status: 'pending' },
        { at: 1_000, status: 'processing', progress: 30 },
        { at: 11_000, status: 'processing', progress: 60 },
        { at: 16_000, status: 'completed' },
      ],
      estimatedTime: 16,
      videoBytes: 8192,
    });
    const sent = h.video();
    const webhook = new RegExp(`/webhooks/\\d+/${sent.token}`);
    await h.discord.waitForCall('PATCH', webhook);
    h.discord.expireInteraction(sent.id);
    const job = await h.waitForState(sent.id, 'delivered', 40_000);
    const refused = h.discord.callsTo('*', webhook).filter((c) => c.status === 401);
    // The one 401 is a progress edit; the upload never went to the dead token.
    expect(refused).toHaveLength(1);
    expect(refused[0]!.files).toHaveLength(0);
    expect(job.delivery).toMatchObject({ route: 'channel-edit', attached: true });
  }, 60_000);

  it('serves /healthz and Prometheus /metrics on 127.0.0.1', async () => {
    const health = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', shards: [0], jobsInFlight: 0 });
    const metrics = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
    expect(metrics).toMatch(/vidu_job_transitions_total\{state="delivered"\} 2/);
    expect(metrics).toMatch(/vidu_deliveries_total\{route="reply",attached="true"\} 1/);
    expect(metrics).toMatch(/vidu_deliveries_total\{route="channel-edit",attached="true"\} 1/);
    expect(metrics).toMatch(/vidu_apimart_request_seconds_count\{op="submit",outcome="ok"\} 2/);
    expect(metrics).toMatch(/vidu_jobs_in_flight 0/);
  });

  it('a restart does not register unchanged commands again', async () => {
    const puts = () => h.discord.callsTo('PUT', /^\/applications\/\d+\/commands$/).length;
    expect(puts()).toBe(1);
    await h.restart();
    expect(puts()).toBe(1);
    expect(h.logs()).toContain('slash commands unchanged; registration skipped');
  });
});
