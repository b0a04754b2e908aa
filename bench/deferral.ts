// Deferral latency: how long after Discord sends a /video interaction the bot acknowledges it (Discord allows
// 3 s; docs/commands.md aims for well under 100 ms). The bot runs in this process (startApp) against the fake Discord
// gateway and REST and the fake APIMart, all on 127.0.0.1.
//
//   npx tsx bench/deferral.ts [--burst=500] [--sequential=200] [--warmup=20]
//
// latency = the fake's receive time of POST /interactions/:id/:token/callback (call.at) - the time it
// dispatched the interaction on the gateway (sentAt). Both clocks are this process's Date.now() (1 ms steps).
import { loadConfig } from '../src/config';
import { startApp } from '../src/app';
import type { Job } from '../src/jobs/record';
import { startFakeApimart } from '../test/fakes/apimart';
import { startFakeDiscord, type FakeDiscord, type RecordedCall, type SentInteraction } from '../test/fakes/discord';
import { pngHeader } from '../test/support/images';
import { argValue, emitResult, percentile, printRows, sleep, sortedNumbers, type BenchRow } from './lib/common';

const BURST = Number(argValue('burst') ?? '500');
const SEQUENTIAL = Number(argValue('sequential') ?? '200');
const WARMUP = Number(argValue('warmup') ?? '20');
/** Generous, so that submits and progress edits run during the burst instead of trickling out afterwards. */
const MAX_RPS = '1000';

const apimart = await startFakeApimart({ record: false });
// Tasks run an hour: nothing is delivered during the benchmark, the poller only polls.
apimart.setDefaultScript({ timeline: [{ at: 0, status: 'pending', progress: 0 }, { at: 3_600_000, status: 'completed', progress: 100 }], estimatedTime: 3600 });
const discord = await startFakeDiscord({});
const config = loadConfig({
  DISCORD_TOKEN: discord.botToken,
  APIMART_API_KEY: apimart.apiKey,
  APIMART_BASE_URL: apimart.url,
  DISCORD_API_URL: discord.apiUrl,
  STORE_URL: 'memory:',
  LOG_LEVEL: 'silent',
  APIMART_MAX_RPS: MAX_RPS,
  DEFAULT_DAILY_VIDEOS: '100000',
  DEFAULT_DAILY_SECONDS: '10000000',
  DEFAULT_CONCURRENT: '1000',
  DEFAULT_COOLDOWN: '0',
});
const queued = new Set<string>();
const app = await startApp(config, {
  registerCommands: false,
  logDestination: { write: () => undefined },
  events: {
    onState: (job: Job) => {
      if (job.state !== 'submitting' && job.state !== 'reserved') queued.add(job.interactionId);
    },
  },
});
for (const deadline = Date.now() + 10_000; !app.client.isReady(); ) {
  if (Date.now() > deadline) throw new Error('the bot did not get ready');
  await sleep(10);
}

let userSeq = 0n;
/** One /video with one 1024x768 PNG, from a new user each time (per-user limits stay out of the way). */
function video(d: FakeDiscord): SentInteraction {
  const a = d.addAttachment({ filename: 'ref1.png', contentType: 'image/png', width: 1024, height: 768, data: pngHeader(1024, 768) });
  return d.sendCommand({
    name: 'video',
    options: [
      { name: 'prompt', type: 3, value: 'the bear waves at the camera, slow dolly in' },
      { name: 'image1', type: 11, value: a.id },
    ],
    attachments: [a],
    user: { id: String(400_000_000_000_000_000n + userSeq++) },
  });
}

const CALLBACK = /^\/interactions\/(\d+)\/[^/]+\/callback$/;
/** Interaction id -> its callback call, filled from the fake's call log as it grows. */
const callbacks = new Map<string, RecordedCall>();
let scanned = 0;
function scan(): void {
  for (; scanned < discord.calls.length; scanned++) {
    const c = discord.calls[scanned]!;
    const m = c.method === 'POST' ? CALLBACK.exec(c.path) : null;
    if (m) callbacks.set(m[1]!, c);
  }
}

async function waitFor(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !done(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

function latencies(sent: SentInteraction[]): { ms: Float64Array; failed: number } {
  scan();
  const out: number[] = [];
  let failed = 0;
  for (const s of sent) {
    const c = callbacks.get(s.id)!;
    if (c.status < 200 || c.status >= 300) failed++;
    out.push(c.at - discord.interactions.get(s.id)!.sentAt);
  }
  return { ms: sortedNumbers(out), failed };
}

/** One at a time: the next interaction goes out once the previous one is acknowledged and its job submitted. */
async function sequential(n: number): Promise<SentInteraction[]> {
  const sent: SentInteraction[] = [];
  for (let k = 0; k < n; k++) {
    const s = video(discord);
    sent.push(s);
    await waitFor('a deferral', () => (scan(), callbacks.has(s.id)), 10_000);
    await waitFor('a job to be submitted', () => queued.has(s.id), 10_000);
  }
  return sent;
}

await sequential(WARMUP);
const seq = await sequential(SEQUENTIAL);
await sleep(200);

const burstStart = Date.now();
const burst: SentInteraction[] = [];
for (let k = 0; k < BURST; k++) burst.push(video(discord));
await waitFor('the burst deferrals', () => (scan(), burst.every((s) => callbacks.has(s.id))), 60_000);
const burstAcked = Date.now();
await waitFor('the burst jobs to be submitted', () => burst.every((s) => queued.has(s.id)), 120_000);
const burstSubmitted = Date.now();

await app.stop();
await discord.close();
await apimart.close();

const s = latencies(seq);
const b = latencies(burst);
const row = (l: { ms: Float64Array; failed: number }) => ({
  'p50 ms': percentile(l.ms, 50),
  'p99 ms': percentile(l.ms, 99),
  'max ms': percentile(l.ms, 100),
  'over 3 s': l.ms.filter((x) => x > 3000).length,
  'failed acks': l.failed,
});
const rows: BenchRow[] = [
  { label: `sequential ${SEQUENTIAL}`, figures: row(s) },
  { label: `burst ${BURST}`, figures: { ...row(b), 'all acked s': (burstAcked - burstStart) / 1000, 'all submitted s': (burstSubmitted - burstStart) / 1000 } },
];
console.log('deferral benchmark: /video interaction sent on the fake gateway -> POST .../callback received by the fake');
console.log(`  bot in this process (startApp, STORE_URL memory:, LOG_LEVEL silent, APIMART_MAX_RPS ${MAX_RPS}), fakes in this process too;`);
console.log(`  ${WARMUP} warm-up interactions first; sequential = next sent after the previous job was submitted; burst = ${BURST} sent in one go`);
console.log('  each interaction from a new user with one 1024x768 PNG; real time, no compression\n');
printRows(rows);
emitResult({ bench: 'deferral', params: { burst: BURST, sequential: SEQUENTIAL, warmup: WARMUP, maxRps: MAX_RPS }, rows });
process.exit(0);
