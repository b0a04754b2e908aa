// Deferral and modal-open latency: how long after Discord sends an interaction the bot gives its first answer
// (Discord allows 3 s; docs/commands.md aims for well under 100 ms for a deferral). A `/video` is deferred; Remix
// and Final on a finished card and the "Make a video" message command answer with a modal, which must be the
// first answer (docs/discord.md), so little may come before it: Remix and Final read the job, "Make a video"
// reads the channel rule (bounded) and stores its draft (src/interactions/drafts.ts). The bot runs in
// this process (startApp) against the fake Discord gateway and REST and the fake APIMart, all on 127.0.0.1.
//
//   npx tsx bench/deferral.ts [--burst=500] [--sequential=200] [--warmup=20] [--modal-burst=500] [--modal-sequential=100] [--cards=10]
//     [--store-url=sqlite://path]   (default memory:, so the figures leave out the store's own latency)
//
// latency = the fake's receive time of POST /interactions/:id/:token/callback (call.at) - the time it
// dispatched the interaction on the gateway (sentAt). Both clocks are this process's Date.now() (1 ms steps).
// A modal's callback counts only when it is one (type 9); anything else is a failed answer.
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
const MODAL_BURST = Number(argValue('modal-burst') ?? '500');
const MODAL_SEQUENTIAL = Number(argValue('modal-sequential') ?? '100');
/** Finished cards the Remix and Final presses are spread over. */
const CARDS = Number(argValue('cards') ?? '10');
const STORE_URL = argValue('store-url') ?? 'memory:';
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
  STORE_URL,
  LOG_LEVEL: 'silent',
  APIMART_MAX_RPS: MAX_RPS,
  DEFAULT_DAILY_VIDEOS: '100000',
  DEFAULT_DAILY_SECONDS: '10000000',
  DEFAULT_CONCURRENT: '1000',
  DEFAULT_COOLDOWN: '0',
});
const queued = new Set<string>();
/** Interaction id -> its job, once delivered (the finished cards). */
const delivered = new Map<string, Job>();
const app = await startApp(config, {
  registerCommands: false,
  logDestination: { write: () => undefined },
  events: {
    onState: (job: Job) => {
      if (job.state !== 'submitting' && job.state !== 'reserved') queued.add(job.interactionId);
      if (job.state === 'delivered') delivered.set(job.interactionId, job);
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

/** `modal`: the answer had to be a modal (callback type 9). */
function latencies(sent: SentInteraction[], modal = false): { ms: Float64Array; failed: number } {
  scan();
  const out: number[] = [];
  let failed = 0;
  for (const s of sent) {
    const c = callbacks.get(s.id)!;
    if (c.status < 200 || c.status >= 300 || (modal && c.body?.type !== 9)) failed++;
    out.push(c.at - discord.interactions.get(s.id)!.sentAt);
  }
  return { ms: sortedNumbers(out), failed };
}

/**
 * One at a time: the next interaction goes out once the previous one is answered and, for a /video, its job
 * submitted (`settled`).
 */
async function sequential(n: number, send: () => SentInteraction, settled: (s: SentInteraction) => boolean = () => true): Promise<SentInteraction[]> {
  const sent: SentInteraction[] = [];
  for (let k = 0; k < n; k++) {
    const s = send();
    sent.push(s);
    await waitFor('an answer', () => (scan(), callbacks.has(s.id)), 10_000);
    await waitFor('a job to be submitted', () => settled(s), 10_000);
  }
  return sent;
}

/**
 * `n` sent in one go; resolves when every one is answered, with the seconds that took and the seconds the fake
 * took to send them (it builds and dispatches them on this thread, so that much of the latency is the fake's).
 */
async function burstOf(n: number, send: () => SentInteraction): Promise<{ sent: SentInteraction[]; sentSec: number; ackedSec: number; start: number }> {
  const start = Date.now();
  const sent = Array.from({ length: n }, send);
  const sentSec = (Date.now() - start) / 1000;
  await waitFor('the burst answers', () => (scan(), sent.every((s) => callbacks.has(s.id))), 60_000);
  return { sent, sentSec, ackedSec: (Date.now() - start) / 1000, start };
}

const submitted = (s: SentInteraction) => queued.has(s.id);
const newVideo = () => video(discord);

await sequential(WARMUP, newVideo, submitted);
const seq = await sequential(SEQUENTIAL, newVideo, submitted);
await sleep(200);

const burst = await burstOf(BURST, newVideo);
await waitFor('the burst jobs to be submitted', () => burst.sent.every(submitted), 120_000);
const burstSubmitted = Date.now();

// Finished cards to press Remix and Final on: the next submits get 1 s tasks, while the burst's keep polling.
for (let k = 0; k < CARDS; k++) apimart.nextTask({ timeline: [{ at: 0, status: 'pending' }, { at: 1_000, status: 'completed' }], estimatedTime: 1, videoBytes: 8 * 1024 });
const cardVideos = Array.from({ length: CARDS }, newVideo);
await waitFor('the cards to be delivered', () => cardVideos.every((s) => delivered.has(s.id)), 60_000);
const cards = cardVideos.map((s) => ({ job: delivered.get(s.id)!, messageId: discord.originalMessageId(s.id)! }));
let pressSeq = 0;
/** Remix and Final in turn, over the cards in turn, each by a new member (Final opens its form until one is submitted). */
function press(): SentInteraction {
  const k = pressSeq++;
  const card = cards[Math.floor(k / 2) % cards.length]!;
  return discord.sendButton({ customId: `vidu:${k % 2 ? 'final' : 'remix'}:${card.job.id}`, messageId: card.messageId, user: { id: String(500_000_000_000_000_000n + userSeq++) } });
}
const target = discord.addMessage({
  author: { id: '600000000000000000' },
  content: 'our hero',
  files: [1, 2].map((n) => ({ filename: `hero${n}.png`, contentType: 'image/png', width: 1024, height: 768, data: pngHeader(1024, 768) })),
});
/** "Make a video" on one message with two images, by a new member each time. */
const make = (): SentInteraction => discord.sendMessageCommand({ name: 'Make a video', messageId: target.id, user: { id: String(700_000_000_000_000_000n + userSeq++) } });

await sequential(WARMUP, press);
const pressSeqRun = await sequential(MODAL_SEQUENTIAL, press);
const pressBurst = await burstOf(MODAL_BURST, press);
await sleep(200);
await sequential(WARMUP, make);
const makeSeqRun = await sequential(MODAL_SEQUENTIAL, make);
const makeBurst = await burstOf(MODAL_BURST, make);

await app.stop();
await discord.close();
await apimart.close();

const row = (l: { ms: Float64Array; failed: number }) => ({
  'p50 ms': percentile(l.ms, 50),
  'p90 ms': percentile(l.ms, 90),
  'p99 ms': percentile(l.ms, 99),
  'max ms': percentile(l.ms, 100),
  'over 3 s': l.ms.filter((x) => x > 3000).length,
  'failed acks': l.failed,
});
const rows: BenchRow[] = [
  { label: `/video sequential ${SEQUENTIAL}`, figures: row(latencies(seq)) },
  { label: `/video burst ${BURST}`, figures: { ...row(latencies(burst.sent)), 'all sent s': burst.sentSec, 'all acked s': burst.ackedSec, 'all submitted s': (burstSubmitted - burst.start) / 1000 } },
  { label: `Remix/Final modal sequential ${MODAL_SEQUENTIAL}`, figures: row(latencies(pressSeqRun, true)) },
  { label: `Remix/Final modal burst ${MODAL_BURST}`, figures: { ...row(latencies(pressBurst.sent, true)), 'all sent s': pressBurst.sentSec, 'all acked s': pressBurst.ackedSec } },
  { label: `Make a video modal sequential ${MODAL_SEQUENTIAL}`, figures: row(latencies(makeSeqRun, true)) },
  { label: `Make a video modal burst ${MODAL_BURST}`, figures: { ...row(latencies(makeBurst.sent, true)), 'all sent s': makeBurst.sentSec, 'all acked s': makeBurst.ackedSec } },
];
console.log('deferral and modal benchmark: interaction sent on the fake gateway -> POST .../callback received by the fake');
console.log(`  bot in this process (startApp, STORE_URL ${STORE_URL}, LOG_LEVEL silent, APIMART_MAX_RPS ${MAX_RPS}), fakes in this process too;`);
console.log(`  ${WARMUP} warm-up interactions before each sequential run; sequential = next sent after the previous was answered`);
console.log(`  (a /video: its job submitted); burst = all sent in one go. /video: a new user each time with one 1024x768 PNG.`);
console.log(`  Modals: Remix and Final in turn on ${CARDS} finished cards, and "Make a video" on a message with 2 PNGs, a new member`);
console.log(`  each time, while the ${SEQUENTIAL + BURST + 2 * WARMUP} /video jobs of the first part keep being polled; real time, no compression\n`);
printRows(rows);
emitResult({ bench: 'deferral', params: { burst: BURST, sequential: SEQUENTIAL, warmup: WARMUP, maxRps: MAX_RPS, modalBurst: MODAL_BURST, modalSequential: MODAL_SEQUENTIAL, cards: CARDS, store: STORE_URL }, rows });
process.exit(0);
