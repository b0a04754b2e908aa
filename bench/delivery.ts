// Delivery of one large video: download from the fake APIMart, upload through the interaction webhook
// (PATCH @original, multipart) to the fake Discord, with the project's JobMessage and RestMessenger.
//
//   npx tsx bench/delivery.ts [--mib=25]
//
// The parent process hosts both fakes (they hold the file too: the fake Discord keeps what it received), the
// child process runs the delivery alone, so its RSS growth is the bot's. RSS is sampled every 5 ms from a
// worker thread, which keeps sampling while the main thread is busy copying buffers.
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { REST } from 'discord.js';
import { ApimartClient, memoryGate } from '../src/apimart';
import { createUploadRest, RestMessenger } from '../src/discord/messenger';
import { JobMessage } from '../src/discord/job-message';
import { downloadVideo } from '../src/jobs/download';
import { createOutboundHttp } from '../src/util/net-guard';
import type { Job } from '../src/jobs/record';
import { systemClock } from '../src/util/clock';
import { startFakeApimart } from '../test/fakes/apimart';
import { startFakeDiscord } from '../test/fakes/discord';
import { argValue, emitResult, forkTs, MB, printRows, silentLogger, sleep, startRssWorker, tryGc, type BenchRow } from './lib/common';

const SELF = fileURLToPath(import.meta.url);
const MiB = 1024 * 1024;
const LIMIT = 50 * MiB;
const WARMUP_BYTES = 1 * MiB;

interface Setup {
  apiUrl: string;
  botToken: string;
  applicationId: string;
  interactionId: string;
  token: string;
  createdAt: number;
  channelId: string;
  guildId: string | null;
  userId: string;
  warmUrl: string;
  bigUrl: string;
}

interface ChildResult {
  route: string | null;
  attached: boolean;
  downloadMs: number;
  totalMs: number;
  baselineRss: number;
  peakRss: number;
  /** Peak up to the end of the download (the upload has not started). */
  downloadPeakRss: number;
  warmupMs: number;
}

function jobFor(s: Setup, videoUrl: string): Job {
  const now = Date.now();
  return {
    v: 2,
    id: 'benchjob0001',
    state: 'completed',
    shard: 0,
    guildId: s.guildId,
    channelId: s.channelId,
    userId: s.userId,
    applicationId: s.applicationId,
    interactionId: s.interactionId,
    interactionToken: s.token,
    tokenExpiresAt: s.createdAt + 15 * 60_000,
    replyMessageId: null,
    attachmentSizeLimit: LIMIT,
    request: { model: 'viduq3', prompt: 'the bear waves at the camera, slow dolly in', image_urls: ['https://cdn.example/ref1.png'], duration: 5, resolution: '720p', aspect_ratio: '16:9', seed: 1 },
    imageNames: ['ref1.png'],
    usage: null,
    taskId: 'task_bench',
    providerStatus: 'completed',
    progress: 100,
    estimatedTimeSec: 60,
    videoUrl,
    videoExpiresAt: now + 86_400_000,
    failure: null,
    delivery: null,
    rerollOf: null,
    createdAt: now,
    submittedAt: now,
    completedAt: now,
    finishedAt: null,
    updatedAt: now,
  };
}

async function childMain(): Promise<void> {
  const s = JSON.parse(argValue('setup')!) as Setup;
  const rest = new REST({ api: s.apiUrl }).setToken(s.botToken);
  const messenger = new RestMessenger(rest, createUploadRest(s.apiUrl, s.botToken));
  // The fake APIMart serves the videos from its own (loopback) host, as a configured APIMART_BASE_URL would.
  const http = createOutboundHttp({ trustedHosts: [new URL(s.bigUrl).host] });
  let downloadMs = 0;
  let afterDownload: (() => Promise<number>) | undefined;
  let downloadPeakRss = 0;
  const delivery = new JobMessage({
    messenger,
    logger: silentLogger(),
    clock: systemClock,
    notices: { undelivered: async () => undefined },
    download: async (url, max) => {
      const t = performance.now();
      const got = await downloadVideo(url, max, { http });
      downloadMs = performance.now() - t;
      if (afterDownload) downloadPeakRss = await afterDownload();
      return got;
    },
  });

  // Warm-up: the same code paths with a small file, so the baseline includes loaded code and open sockets.
  let t = performance.now();
  await delivery.deliver([jobFor(s, s.warmUrl)]);
  const warmupMs = performance.now() - t;

  const rss = await startRssWorker(5);
  await tryGc();
  await sleep(100);
  const baselineRss = await rss.reset();
  afterDownload = () => rss.peak();
  t = performance.now();
  const r = await delivery.deliver([jobFor(s, s.bigUrl)]);
  const totalMs = performance.now() - t;
  const peakRss = await rss.peak();
  await rss.stop();
  const result: ChildResult = { route: r.route, attached: [...r.sent.values()].some((s) => !('linked' in s)), downloadMs, totalMs, baselineRss, peakRss, downloadPeakRss, warmupMs };
  process.send!(result, () => process.exit(0));
}

async function parentMain(): Promise<void> {
  const mib = Number(argValue('mib') ?? '25');
  const bytes = Math.round(mib * MiB);
  const apimart = await startFakeApimart({ record: false });
  // No maxUploadBytes: the fake Discord then refuses only what is over the interaction's attachment_size_limit.
  const discord = await startFakeDiscord({});
  try {
    const done = [{ at: 0, status: 'completed', progress: 100 }];
    apimart.nextTask({ timeline: done, videoBytes: WARMUP_BYTES });
    apimart.nextTask({ timeline: done, videoBytes: bytes });
    const client = new ApimartClient({ baseUrl: apimart.url, apiKey: apimart.apiKey, gate: memoryGate(100), logger: silentLogger() });
    const body = { model: 'viduq3' as const, prompt: 'bench', image_urls: ['https://cdn.example/ref1.png'], duration: 5, resolution: '720p' as const, aspect_ratio: '16:9' as const };
    const urls: string[] = [];
    for (const key of ['warm', 'big']) {
      const { taskId } = await client.submit(body, { idempotencyKey: `bench-${key}` });
      urls.push((await client.getTask(taskId)).videoUrl!);
    }
    await client.close();

    // An interaction whose upload limit is 50 MiB, acknowledged (deferred) by hand: no bot is logged in.
    const sent = discord.sendCommand({ name: 'video', options: [{ name: 'prompt', type: 3, value: 'bench' }], attachmentSizeLimit: LIMIT });
    const ack = await fetch(`${discord.apiUrl}/v10/interactions/${sent.id}/${sent.token}/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 5 }),
    });
    if (ack.status !== 204) throw new Error(`deferral answered ${ack.status}`);
    const i = discord.interactions.get(sent.id)!;
    const setup: Setup = {
      apiUrl: discord.apiUrl,
      botToken: discord.botToken,
      applicationId: discord.applicationId,
      interactionId: sent.id,
      token: sent.token,
      createdAt: sent.createdAt,
      channelId: i.channelId,
      guildId: i.guildId,
      userId: i.userId,
      warmUrl: urls[0]!,
      bigUrl: urls[1]!,
    };

    const child = forkTs(SELF, ['--role=child', `--setup=${JSON.stringify(setup)}`]);
    const r = await new Promise<ChildResult>((ok, fail) => {
      child.once('message', (m) => ok(m as ChildResult));
      child.once('exit', (code) => fail(new Error(`delivery child exited (${code}) without a result`)));
    });
    await new Promise((ok) => child.once('exit', ok));

    const uploads = discord.callsTo('PATCH', /\/messages\/@original$/).filter((c) => c.files.length > 0);
    const last = uploads.at(-1);
    const uploadedBytes = last?.status === 200 ? last.files[0]!.size : 0;
    if (!r.attached || uploadedBytes !== bytes) console.log(`  WARNING: the video was not uploaded whole (route ${r.route}, attached ${r.attached}, ${uploadedBytes} bytes, status ${last?.status})`);

    console.log(`delivery benchmark: one ${mib} MiB (${bytes} bytes) video, fake APIMart -> JobMessage (RestMessenger, interaction webhook PATCH @original) -> fake Discord`);
    console.log(`  interaction attachment_size_limit ${LIMIT / MiB} MiB, no hard upload cap; warm-up delivery of ${WARMUP_BYTES / MiB} MiB first (${r.warmupMs.toFixed(0)} ms);`);
    console.log('  RSS sampled every 5 ms from a worker thread; growth = peak - baseline after a GC; fakes in the parent process\n');
    const rows: BenchRow[] = [
      {
        label: `${mib} MiB via reply`,
        figures: {
          'total ms': r.totalMs,
          'download ms': r.downloadMs,
          'upload ms': r.totalMs - r.downloadMs,
          'MB/s': bytes / MB / (r.totalMs / 1000),
          'baseline RSS MB': r.baselineRss / MB,
          'peak RSS growth MB': (r.peakRss - r.baselineRss) / MB,
          'of it by download end MB': (r.downloadPeakRss - r.baselineRss) / MB,
          'growth / size': (r.peakRss - r.baselineRss) / bytes,
          uploaded: uploadedBytes === bytes ? 1 : 0,
        },
      },
    ];
    printRows(rows);
    emitResult({ bench: 'delivery', params: { mib, limitMiB: LIMIT / MiB }, rows });
  } finally {
    await discord.close();
    await apimart.close();
  }
}

if (argValue('role') === 'child') await childMain();
else await parentMain();
