// Poller benchmark: N jobs in flight against the fake APIMart, our adaptive Poller vs a naive fixed-interval
// round-robin poller, under the same request cap. Time is compressed (see bench/README.md).
//
//   npx tsx bench/poller.ts [--sizes=1000,10000] [--scale=20] [--gate=window|fine] [--seed=1] [--max-wall=150]
//                           [--progress-step=10] [--poller-module=path/to/candidate-poller.ts]
//
// --poller-module runs a candidate scheduler in place of src/jobs/poller.ts (same exports and constructor), to
// compare a change before making it.
//
// The parent process hosts the fake APIMart and computes the figures; each variant runs in its own child
// process (role=client), so its RSS and CPU are the poller's and the HTTP client's alone, not the fake's.
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Agent, request } from 'undici';
import { RateLimiterMemory, RateLimiterQueue } from 'rate-limiter-flexible';
import { startFakeApimart, type TaskScript, type TimelineStep } from '../test/fakes/apimart';
import { ApimartClient, memoryGate } from '../src/apimart';
import type { RequestGate } from '../src/apimart/gate';
import type { TaskView } from '../src/apimart/parse';
import { Poller as SrcPoller } from '../src/jobs/poller';
import { scaledClock, type Clock } from '../src/util/clock';
import { argValue, detections, emitResult, forkTs, MB, percentile, printRows, sampleRss, seeded, silentLogger, sortedNumbers, type BenchRow } from './lib/common';

const SELF = fileURLToPath(import.meta.url);
/** The API's cap, in simulated requests per second. */
const CAP_RPS = 20;
const MIN_SEC = 20;
const MAX_SEC = 300;
/** Tasks at least this long (simulated s) are reported apart: their end is past the first-poll burst at 1k jobs. */
const LONG_SEC = 60;
/** The naive poller's interval (simulated) and both pollers' concurrency (the Poller's default for maxRps 20). */
const NAIVE_INTERVAL_MS = 5_000;
const IN_FLIGHT = Math.max(2, Math.ceil(CAP_RPS));

type Variant = 'ours' | 'naive';
type GateKind = 'window' | 'fine';

interface ClientResult {
  /** Wall ms at which each job's completion was seen (NaN: never). */
  detectedWall: Float64Array;
  calls: number;
  errors: number;
  startWall: number;
  endWall: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  rssBaseline: number;
  rssPeak: number;
}

type ToClient = { type: 'start'; taskIds: string[]; resumeWall: number };
type FromClient = { type: 'loaded' } | { type: 'result'; result: ClientResult };

/** The gate for a clock S times faster. 'window' (the default): the bot's own gate (src/apimart/gate.ts) on the
 * compressed clock, held at the cap (this bench has no provider limit to discover), so both variants get the
 * production gate's order and pacing; 'fine': a plain FIFO limiter of cap requests per 1/S real seconds. */
function gateFor(kind: GateKind, scale: number, clock: Clock): RequestGate {
  if (kind === 'window') return memoryGate(CAP_RPS, { startRps: CAP_RPS, clock, timeScale: scale });
  const limiter = new RateLimiterMemory({ points: CAP_RPS, duration: 1 / scale, keyPrefix: 'bench-apimart' });
  const queue = new RateLimiterQueue(limiter);
  return {
    acquire: async () => void (await queue.removeTokens(1, 'apimart')),
    limited: async (ms) => void (ms === undefined ? undefined : await limiter.block('apimart', Math.max(1, ms) / 1000 / scale)),
    rate: () => CAP_RPS,
    waiting: () => 0,
  };
}

/** pending for the first step, then progress in steps of `stepPct` %, completed at `sec` (all simulated); honest
 * estimate. A step's progress is reported until the next one, so it trails the true fraction by up to a step. */
function scriptFor(sec: number, stepPct: number): Partial<TaskScript> {
  const d = sec * 1000;
  const timeline: TimelineStep[] = [{ at: 0, status: 'pending', progress: 0 }];
  for (let p = stepPct; p < 100; p += stepPct) timeline.push({ at: Math.round((d * p) / 100), status: 'processing', progress: p });
  timeline.push({ at: d, status: 'completed', progress: 100 });
  return { timeline, estimatedTime: sec, videoBytes: 1024 };
}

// ---------------------------------------------------------------------------------------------------------
// client role: runs one variant, reports raw numbers
// ---------------------------------------------------------------------------------------------------------

async function clientMain(): Promise<void> {
  const variant = argValue('variant') as Variant;
  const scale = Number(argValue('scale'));
  const url = argValue('url')!;
  const apiKey = argValue('key')!;
  const gateKind = (argValue('gate') ?? 'window') as GateKind;
  const maxWallMs = Number(argValue('max-wall') ?? '150') * 1000;
  const pollerModule = argValue('poller-module');
  const Poller: typeof SrcPoller = pollerModule ? (await import(pathToFileURL(resolve(pollerModule)).href)).Poller : SrcPoller;
  const logger = silentLogger();
  const clock = scaledClock(scale);
  const client = new ApimartClient({ baseUrl: url, apiKey, gate: gateFor(gateKind, scale, clock), logger, sleep: (ms) => clock.sleep(ms) });
  let calls = 0;
  let errors = 0;
  const getTask = (id: string) => {
    calls++;
    return client.getTask(id);
  };
  const isEnd = (v: TaskView) => v.state === 'completed' || v.state === 'failed' || v.state === 'cancelled';

  const msg = await new Promise<ToClient>((ok) => {
    process.once('message', (m) => ok(m as ToClient));
    process.send!({ type: 'loaded' } satisfies FromClient);
  });
  const { taskIds } = msg;
  const n = taskIds.length;
  // Tasks were created at resumeWall (the fake's clock was frozen while they were submitted).
  const t0 = clock.now() - (Date.now() - msg.resumeWall) * scale;
  const seen = detections(n);
  const { wall: detectedWall, detect, finished } = seen;

  const rssBaseline = process.memoryUsage.rss();
  const rss = sampleRss(20);
  const cpu0 = process.cpuUsage();
  const startWall = Date.now();
  const deadline = setTimeout(seen.finish, maxWallMs);
  let stop: () => Promise<void>;

  if (variant === 'ours') {
    const poller = new Poller({
      getTask,
      logger,
      maxRps: CAP_RPS,
      clock,
      handler: {
        onTask: async (jobId, view) => {
          if (!isEnd(view)) return 'continue';
          detect(Number(jobId));
          return 'done';
        },
        onError: async (_jobId, _err, n) => {
          errors++;
          return n >= 25 ? 'done' : 'continue';
        },
      },
    });
    for (let i = 0; i < n; i++) poller.add({ jobId: String(i), taskId: taskIds[i]!, submittedAt: t0 });
    stop = () => poller.stop();
  } else {
    // Round-robin FIFO: each job polled NAIVE_INTERVAL_MS after its previous poll, or as soon as the cap lets.
    let stopped = false;
    const due = new Float64Array(n).fill(t0 + NAIVE_INTERVAL_MS);
    let queue: number[] = Array.from({ length: n }, (_, i) => i);
    let head = 0;
    const worker = async () => {
      while (!stopped && seen.remaining() > 0) {
        if (head >= queue.length) {
          await clock.sleep(100);
          continue;
        }
        const i = queue[head++]!;
        if (head > 65_536) {
          queue = queue.slice(head);
          head = 0;
        }
        const wait = due[i]! - clock.now();
        if (wait > 0) await clock.sleep(wait);
        if (stopped) return;
        try {
          const view = await getTask(taskIds[i]!);
          if (isEnd(view)) {
            detect(i);
            continue;
          }
        } catch {
          errors++;
        }
        due[i] = clock.now() + NAIVE_INTERVAL_MS;
        queue.push(i);
      }
    };
    const workers = Array.from({ length: IN_FLIGHT }, worker);
    stop = async () => {
      stopped = true;
      await Promise.allSettled(workers);
    };
  }

  await finished;
  const endWall = Date.now();
  const cpu = process.cpuUsage(cpu0);
  clearTimeout(deadline);
  const rssPeak = rss.stop();
  await stop();
  const result: ClientResult = { detectedWall, calls, errors, startWall, endWall, cpuUserUs: cpu.user, cpuSystemUs: cpu.system, rssBaseline, rssPeak };
  process.send!({ type: 'result', result } satisfies FromClient, () => {
    void client.close().finally(() => process.exit(0));
  });
}

// ---------------------------------------------------------------------------------------------------------
// parent role: fake APIMart, task setup, figures
// ---------------------------------------------------------------------------------------------------------

interface Trial {
  n: number;
  variant: Variant;
  scale: number;
  callsPerJob: number;
  httpPolls: number;
  clientCalls: number;
  errors: number;
  lagP50: number;
  lagP99: number;
  lagMax: number;
  /** p99 lag of the tasks of at least LONG_SEC: apart from the t=0 burst of first polls. */
  lagP99Long: number;
  undetected: number;
  rssPeakMb: number;
  rssBaselineMb: number;
  cpuPerSimMin: number;
  wallSec: number;
  simSec: number;
}

async function submitAll(url: string, apiKey: string, n: number): Promise<string[]> {
  const agent = new Agent({ connections: 64 });
  const ids: string[] = new Array(n);
  let next = 0;
  const one = async () => {
    for (let i = next++; i < n; i = next++) {
      const res = await request(`${url}/v1/videos/generations`, {
        method: 'POST',
        dispatcher: agent,
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'viduq3', prompt: 'bench', image_urls: ['http://127.0.0.1/x.png'], duration: 5, resolution: '720p', aspect_ratio: '16:9' }),
      });
      const body = (await res.body.json()) as { data: { task_id: string }[] };
      ids[i] = body.data[0]!.task_id;
    }
  };
  await Promise.all(Array.from({ length: 64 }, one));
  await agent.close();
  return ids;
}

async function trial(n: number, variant: Variant, scale: number, gate: GateKind, seed: number, maxWall: number, stepPct: number): Promise<Trial> {
  // The fake's clock stands still while the tasks are submitted, so every task starts at the same instant.
  let frozen: number | null = Date.now();
  let shift = 0;
  const fakeNow = () => frozen ?? Date.now() - shift;
  const fake = await startFakeApimart({ record: false, timeScale: scale, now: fakeNow });
  try {
    const rand = seeded(seed);
    for (let i = 0; i < n; i++) fake.nextTask(scriptFor(MIN_SEC + Math.floor(rand() * (MAX_SEC - MIN_SEC + 1)), stepPct));
    const taskIds = await submitAll(fake.url, fake.apiKey, n);

    const pollerModule = argValue('poller-module');
    const child = forkTs(SELF, [
      '--role=client',
      `--variant=${variant}`,
      `--scale=${scale}`,
      `--url=${fake.url}`,
      `--key=${fake.apiKey}`,
      `--gate=${gate}`,
      `--max-wall=${maxWall}`,
      ...(pollerModule ? [`--poller-module=${resolve(pollerModule)}`] : []),
    ]);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const next = () =>
      new Promise<FromClient>((ok, fail) => {
        child.once('message', (m) => ok(m as FromClient));
        void exited.then((code) => fail(new Error(`client exited (${code}) before answering`)));
      });
    await next(); // loaded
    const pollsBefore = fake.polls();
    const resumeWall = Date.now();
    shift = resumeWall - frozen;
    frozen = null;
    child.send({ type: 'start', taskIds, resumeWall } satisfies ToClient);
    const answer = await next();
    if (answer.type !== 'result') throw new Error('unexpected message from client');
    await exited;
    const r = answer.result;

    // Delivery lag in simulated ms: (detection on the fake's clock - the fake's completion time) * scale.
    const lags: number[] = [];
    const longLags: number[] = [];
    let undetected = 0;
    taskIds.forEach((id, i) => {
      const det = r.detectedWall[i]!;
      if (Number.isNaN(det)) return void undetected++;
      const completedAt = fake.completedAt(id)!;
      const lag = (det - shift - completedAt) * scale;
      lags.push(lag);
      if ((completedAt - fake.tasks.get(id)!.createdAt) * scale >= LONG_SEC * 1000) longLags.push(lag);
    });
    const sorted = sortedNumbers(lags);
    const simSec = ((r.endWall - r.startWall) * scale) / 1000;
    return {
      n,
      variant,
      scale,
      callsPerJob: (fake.polls() - pollsBefore) / n,
      httpPolls: fake.polls() - pollsBefore,
      clientCalls: r.calls,
      errors: r.errors,
      lagP50: percentile(sorted, 50) / 1000,
      lagP99: percentile(sorted, 99) / 1000,
      lagMax: percentile(sorted, 100) / 1000,
      lagP99Long: percentile(sortedNumbers(longLags), 99) / 1000,
      undetected,
      rssPeakMb: r.rssPeak / MB,
      rssBaselineMb: r.rssBaseline / MB,
      cpuPerSimMin: (r.cpuUserUs + r.cpuSystemUs) / 1e6 / (simSec / 60),
      wallSec: (r.endWall - r.startWall) / 1000,
      simSec,
    };
  } finally {
    await fake.close();
  }
}

const short = (n: number) => (n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n));

async function parentMain(): Promise<void> {
  const sizes = (argValue('sizes') ?? '1000,10000').split(',').map(Number);
  const scaleArg = argValue('scale');
  const scaleFor = (_n: number) => (scaleArg ? Number(scaleArg) : 20);
  const gate = (argValue('gate') ?? 'window') as GateKind;
  const seed = Number(argValue('seed') ?? '1');
  const maxWall = Number(argValue('max-wall') ?? '150');
  const stepPct = Number(argValue('progress-step') ?? '10');

  const rows: BenchRow[] = [];
  const trials: Trial[] = [];
  for (const n of sizes) {
    const scale = scaleFor(n);
    for (const variant of ['ours', 'naive'] as const) {
      const t = await trial(n, variant, scale, gate, seed, maxWall, stepPct);
      trials.push(t);
      process.stderr.write(`poller: ${short(n)} ${variant} done in ${t.wallSec.toFixed(1)} s wall (S=${scale})\n`);
      rows.push({
        label: `${short(n)} ${variant}`,
        figures: {
          'calls/job': t.callsPerJob,
          'lag p50 s': t.lagP50,
          'lag p99 s': t.lagP99,
          'lag max s': t.lagMax,
          [`lag p99 >=${LONG_SEC}s-tasks s`]: t.lagP99Long,
          undetected: t.undetected,
          'peak RSS MB': t.rssPeakMb,
          'CPU s/sim-min': t.cpuPerSimMin,
          'wall s': t.wallSec,
          'sim s': t.simSec,
        },
      });
    }
    const ours = trials.find((t) => t.n === n && t.variant === 'ours')!;
    const naive = trials.find((t) => t.n === n && t.variant === 'naive')!;
    rows.push({
      label: `${short(n)} naive/ours`,
      figures: { 'calls/job ratio': naive.callsPerJob / ours.callsPerJob, 'p99 lag ratio': naive.lagP99 / ours.lagP99 },
    });
  }

  const gateText =
    gate === 'window'
      ? `memoryGate(${CAP_RPS}) on the compressed clock, held at ${CAP_RPS}/s simulated (the bot's gate: classes, beat, batches)`
      : `${CAP_RPS} per 1/S s real window = ${CAP_RPS} per 1 s simulated window`;
  console.log(`poller benchmark: jobs in flight against the fake APIMart (record:false)`);
  console.log(`  time compression S = ${[...new Set(sizes.map(scaleFor))].join(', ')} (1 real s = S simulated s; figures in simulated time unless "wall")`);
  console.log(`  cap ${CAP_RPS} req/s simulated; gate ${gateText}; ${IN_FLIGHT} polls in flight max (both variants)`);
  console.log(`  task durations uniform ${MIN_SEC}-${MAX_SEC} s simulated (seed ${seed}), estimated_time = duration, progress in ${stepPct} % steps;`);
  console.log(`  all jobs submitted at t=0 (the fake's clock is frozen during the submits); naive = every job every ${NAIVE_INTERVAL_MS / 1000} s round-robin`);
  console.log(`  lag = detection - the fake's completion time; CPU and RSS are the polling child process only`);
  console.log(`  "ours" = ${argValue('poller-module') ?? 'src/jobs/poller.ts'}\n`);
  printRows(rows);
  const mismatched = trials.filter((t) => t.clientCalls !== t.httpPolls || t.errors > 0);
  for (const t of mismatched) console.log(`  note: ${short(t.n)} ${t.variant}: ${t.clientCalls} getTask calls, ${t.httpPolls} HTTP polls, ${t.errors} errors`);
  emitResult({ bench: 'poller', params: { sizes: sizes.join(','), scale: sizes.map(scaleFor).join(','), gate, seed, progressStep: stepPct, poller: argValue('poller-module') ?? 'src' }, rows });
}

if (argValue('role') === 'client') await clientMain();
else await parentMain();
