// Request budget benchmark (issue 11): a crowd of members starts /video within a few seconds; the bot submits
// and polls through its request gate against a fake APIMart that allows only so many requests per second
// (answering 429 with Retry-After beyond it). Ours (src/apimart/gate.ts + src/jobs/poller.ts) side by side with
// a fixed 5 s round-robin poller under the same cap (APIMART_MAX_RPS) and the same task mix.
//
//   npx tsx bench/budget.ts [--scenario=150|1000|all] [--scale=5|10] [--seed=1] [--cap=20]
//                           [--order=landing,early,submit,routine]
//
// Scenarios: "150": 150 jobs submitted within 3 s, tasks of 20..90 s, provider 10 req/s; "1000": 1,000 jobs
// within 3 s, tasks of 20..300 s, provider 20 req/s. Tasks report an honest estimated_time and progress in
// 10 % steps. Time is compressed S times (bench/README.md; S = 5 for "150", 10 for "1000"); every figure is in
// simulated seconds.
// "ours" starts with an empty task history (cold: every first poll is an early one); "ours warm" has seen 32
// finished tasks of the mix before (a bot that has run for a while: first polls aimed from history).
// Lag = when the poller saw the task completed - when the fake completed it (the delivery itself is
// bench/delivery.ts). Polls per job count every poll the fake received, 429s included.
import { RateLimiterMemory, RateLimiterQueue } from 'rate-limiter-flexible';
import { startFakeApimart, type TaskScript, type TimelineStep } from '../test/fakes/apimart';
import { ApimartClient } from '../src/apimart';
import { memoryGate, type RequestClass, type RequestGate } from '../src/apimart/gate';
import type { TaskView } from '../src/apimart/parse';
import { HISTORY, TaskHistory, taskKind } from '../src/jobs/task-history';
import { Poller } from '../src/jobs/poller';
import { scaledClock, type Clock } from '../src/util/clock';
import { argValue, detections, emitResult, percentile, printRows, seeded, silentLogger, sortedNumbers, type BenchRow } from './lib/common';

interface Scenario {
  name: string;
  /** Time compression (--scale= overrides): 429s depend on when requests reach the fake, and every real
   * millisecond of event-loop or network jitter is S simulated ones, so the rate-limited crowd runs at 5. */
  scale: number;
  jobs: number;
  providerRps: number;
  minSec: number;
  maxSec: number;
}
const SCENARIOS: Scenario[] = [
  { name: '150', scale: 5, jobs: 150, providerRps: 10, minSec: 20, maxSec: 90 },
  { name: '1000', scale: 10, jobs: 1000, providerRps: 20, minSec: 20, maxSec: 300 },
];
/** Members press /video within this window (simulated ms). */
const SUBMIT_WINDOW_MS = 3_000;
/** APIMART_MAX_RPS for both variants: ours' ceiling, the naive poller's fixed cap. */
const CAP_RPS = Number(argValue('cap') ?? '20');
const ORDER = argValue('order')?.split(',') as RequestClass[] | undefined;
const NAIVE_INTERVAL_MS = 5_000;
const LONG_SEC = 60;
const KIND = taskKind({ model: 'viduq3', duration: 5, resolution: '720p' });

type Variant = 'ours' | 'ours warm' | 'naive';

/** pending, progress in 10 % steps, completed at `sec`; honest estimate (as bench/poller.ts). */
function scriptFor(sec: number): Partial<TaskScript> {
  const d = sec * 1000;
  const timeline: TimelineStep[] = [{ at: 0, status: 'pending', progress: 0 }];
  for (let p = 10; p < 100; p += 10) timeline.push({ at: Math.round((d * p) / 100), status: 'processing', progress: p });
  timeline.push({ at: d, status: 'completed', progress: 100 });
  return { timeline, estimatedTime: sec, videoBytes: 1024 };
}

/** A fixed cap of `rps` per simulated second, FIFO, Retry-After closing it (main's gate) on a scaled clock. */
function fixedGate(rps: number, scale: number): RequestGate {
  const limiter = new RateLimiterMemory({ points: rps, duration: 1 / scale, keyPrefix: 'bench-budget' });
  const queue = new RateLimiterQueue(limiter, { maxQueueSize: 1e9 });
  return {
    acquire: async () => void (await queue.removeTokens(1, 'apimart')),
    limited: async (ms) => void (ms === undefined ? undefined : await limiter.block('apimart', Math.max(1, ms) / 1000 / scale)),
    rate: () => rps,
    waiting: () => 0,
  };
}

interface Trial {
  label: string;
  pollsPerJob: number;
  requests: number;
  limitedPct: number;
  lagP50: number;
  lagP99: number;
  lagMax: number;
  lagP99Long: number;
  queuedP99: number;
  undetected: number;
  simSec: number;
  peakRps: number;
  /** Polls asked for, per job, by class (each attempt of a poll retried inside the client counts once). */
  byClass: Record<RequestClass, number>;
}

async function trial(sc: Scenario, variant: Variant, scale: number, seed: number): Promise<Trial> {
  const rand = seeded(seed);
  const durations = Array.from({ length: sc.jobs }, () => sc.minSec + Math.floor(rand() * (sc.maxSec - sc.minSec + 1)));
  // Each task's script is picked by its job's index in the prompt: submits arrive in press order, not index order.
  const fake = await startFakeApimart({
    record: false,
    timeScale: scale,
    rateLimit: { rps: sc.providerRps },
    scriptFor: (body) => scriptFor(durations[Number(String((body as { prompt: string }).prompt).slice(6))]!),
  });
  const clock: Clock = scaledClock(scale);
  const logger = silentLogger();
  const gate = variant === 'naive' ? fixedGate(CAP_RPS, scale) : memoryGate(CAP_RPS, { clock, timeScale: scale, ...(ORDER ? { order: ORDER } : {}) });
  let peakRps = 0;
  const byClass: Record<RequestClass, number> = { landing: 0, early: 0, submit: 0, routine: 0 };
  const sampler = setInterval(() => (peakRps = Math.max(peakRps, gate.rate())), 10);
  const client = new ApimartClient({ baseUrl: fake.url, apiKey: fake.apiKey, gate, logger, sleep: (ms) => clock.sleep(ms) });
  const pressAt = Array.from({ length: sc.jobs }, () => rand() * SUBMIT_WINDOW_MS);
  const taskOf: string[] = new Array(sc.jobs);
  const queuedSim = new Float64Array(sc.jobs).fill(NaN);
  const seen = detections(sc.jobs);
  const { wall: detectedWall, detect, finished } = seen;
  const isEnd = (v: TaskView) => v.state === 'completed' || v.state === 'failed' || v.state === 'cancelled';
  const t0 = clock.now();
  const deadline = setTimeout(seen.finish, ((sc.maxSec * 3 * 1000) / scale) + 30_000);

  let startPolling: (i: number) => void;
  let stop: () => Promise<void>;
  if (variant !== 'naive') {
    const history = new TaskHistory();
    const past = seeded(seed + 1000);
    if (variant === 'ours warm') for (let i = 0; i < HISTORY.keep; i++) history.record(KIND, (sc.minSec + Math.floor(past() * (sc.maxSec - sc.minSec + 1))) * 1000);
    const poller = new Poller({
      getTask: (id, cls) => {
        byClass[cls]++;
        return client.getTask(id, cls);
      },
      logger,
      maxRps: CAP_RPS,
      budget: gate,
      history,
      clock,
      handler: {
        onTask: async (jobId, view) => (isEnd(view) ? (detect(Number(jobId)), 'done') : 'continue'),
        onError: async (_id, _err, n) => (n >= 25 ? 'done' : 'continue'),
      },
    });
    startPolling = (i) => poller.add({ jobId: String(i), taskId: taskOf[i]!, submittedAt: clock.now(), kind: KIND });
    stop = () => poller.stop();
  } else {
    let stopped = false;
    const loops: Promise<void>[] = [];
    startPolling = (i) => {
      loops.push(
        (async () => {
          while (!stopped) {
            await clock.sleep(NAIVE_INTERVAL_MS);
            if (stopped) return;
            try {
              if (isEnd(await client.getTask(taskOf[i]!))) return detect(i);
            } catch {
              // polled again in 5 s
            }
          }
        })(),
      );
    };
    stop = async () => {
      stopped = true;
      await Promise.allSettled(loops);
    };
  }

  for (let i = 0; i < sc.jobs; i++) {
    const idx = i;
    clock.setTimeout(() => {
      const pressed = clock.now();
      void client
        .submit({ model: 'viduq3', prompt: `bench ${idx}`, image_urls: ['http://127.0.0.1/x.png'], duration: 5, resolution: '720p', aspect_ratio: '16:9' }, { idempotencyKey: `job-${idx}` })
        .then((s) => {
          taskOf[idx] = s.taskId;
          queuedSim[idx] = clock.now() - pressed;
          startPolling(idx);
        })
        .catch(() => seen.skip());
    }, pressAt[idx]!);
  }
  await finished;
  clearTimeout(deadline);
  clearInterval(sampler);
  const simSec = (clock.now() - t0) / 1000;
  await stop();
  await client.close();

  const lags: number[] = [];
  const longLags: number[] = [];
  let undetected = 0;
  for (let i = 0; i < sc.jobs; i++) {
    const id = taskOf[i];
    const det = detectedWall[i]!;
    if (id === undefined || Number.isNaN(det)) {
      undetected++;
      continue;
    }
    const lag = (det - fake.completedAt(id)!) * scale;
    lags.push(lag);
    if (durations[i]! >= LONG_SEC) longLags.push(lag);
  }
  const requests = fake.polls() + fake.submitCount();
  const result: Trial = {
    label: `${sc.name} ${variant}`,
    pollsPerJob: fake.polls() / sc.jobs,
    requests,
    limitedPct: (100 * fake.rateLimited()) / requests,
    lagP50: percentile(sortedNumbers(lags), 50) / 1000,
    lagP99: percentile(sortedNumbers(lags), 99) / 1000,
    lagMax: percentile(sortedNumbers(lags), 100) / 1000,
    lagP99Long: percentile(sortedNumbers(longLags), 99) / 1000,
    queuedP99: percentile(sortedNumbers(Array.from(queuedSim).filter((x) => !Number.isNaN(x))), 99) / 1000,
    undetected,
    simSec,
    peakRps,
    byClass: { landing: byClass.landing / sc.jobs, early: byClass.early / sc.jobs, submit: 0, routine: byClass.routine / sc.jobs },
  };
  await fake.close();
  return result;
}

const which = argValue('scenario') ?? 'all';
const scaleArg = argValue('scale');
const seed = Number(argValue('seed') ?? '1');
const rows: BenchRow[] = [];
for (const sc of SCENARIOS.filter((s) => which === 'all' || s.name === which)) {
  const got: Record<Variant, Trial> = {} as Record<Variant, Trial>;
  for (const variant of ['ours', 'ours warm', 'naive'] as const) {
    const t = await trial(sc, variant, scaleArg ? Number(scaleArg) : sc.scale, seed);
    got[variant] = t;
    process.stderr.write(`budget: ${t.label} done (${t.simSec.toFixed(0)} sim s)\n`);
    rows.push({
      label: t.label,
      figures: {
        'polls/job': t.pollsPerJob,
        'requests': t.requests,
        '429 %': t.limitedPct,
        'lag p50 s': t.lagP50,
        'lag p99 s': t.lagP99,
        'lag max s': t.lagMax,
        [`lag p99 >=${LONG_SEC}s s`]: t.lagP99Long,
        'submit p99 s': t.queuedP99,
        undetected: t.undetected,
        'peak rate/s': t.peakRps,
        ...(variant === 'naive' ? {} : { 'early/job': t.byClass.early, 'landing/job': t.byClass.landing, 'routine/job': t.byClass.routine }),
      },
    });
  }
  rows.push({
    label: `${sc.name} naive/ours`,
    figures: { 'polls/job ratio': got.naive.pollsPerJob / got.ours.pollsPerJob, 'p99 lag ratio': got.naive.lagP99 / got.ours.lagP99 },
  });
  rows.push({
    label: `${sc.name} naive/warm`,
    figures: { 'polls/job ratio': got.naive.pollsPerJob / got['ours warm'].pollsPerJob, 'p99 lag ratio': got.naive.lagP99 / got['ours warm'].lagP99 },
  });
}
console.log(`budget benchmark: jobs submitted within ${SUBMIT_WINDOW_MS / 1000} s through the gate, fake APIMart rate-limited (S=${scaleArg ?? SCENARIOS.map((x) => `${x.scale} for ${x.name}`).join(', ')})`);
console.log(`  ours = src gate (AIMD from 5/s, ceiling ${CAP_RPS}/s, order ${(ORDER ?? ['default']).join('>')}) + Poller; naive = every job every ${NAIVE_INTERVAL_MS / 1000} s at a fixed cap of ${CAP_RPS}/s\n`);
printRows(rows);
emitResult({ bench: 'budget', params: { scenario: which, scale: scaleArg ?? 'per scenario', seed, cap: CAP_RPS, order: (ORDER ?? ['default']).join('>') }, rows });
