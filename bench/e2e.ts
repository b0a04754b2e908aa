// End to end in real time, through the real app and both fakes: delivery lag (task completed at the fake ->
// the reply edit carrying the video sent) for a batch of jobs, and API polls per job for one 60 s task.
// Real time, no compression: about 75 s.
import { performance } from 'node:perf_hooks';
import { emitResult, percentile, printRows, seeded, sortedNumbers, type BenchRow } from './lib/common';
import { startHarness } from '../test/support/harness';

const JOBS = 30;
const h = await startHarness({ env: { LOG_LEVEL: 'silent', APIMART_MAX_RPS: '5', DEFAULT_COOLDOWN: '0', DEFAULT_CONCURRENT: '100' } });
const rnd = seeded(7);
const started = performance.now();

function script(sec: number) {
  const d = sec * 1000;
  return {
    timeline: [
      { at: 0, status: 'pending', progress: 0 },
      { at: Math.round(d * 0.2), status: 'processing', progress: 20 },
      { at: Math.round(d * 0.6), status: 'processing', progress: 60 },
      { at: d, status: 'completed', progress: 100 },
    ],
    estimatedTime: sec,
    videoBytes: 256 * 1024,
  };
}

// One 60 s task, alone first: its polls are not shared with anything.
h.apimart.nextTask(script(60));
const lone = h.video();
// Then a batch of 20-40 s tasks submitted together, under the default cap of 5 requests per second.
const batch = Array.from({ length: JOBS }, () => {
  h.apimart.nextTask(script(20 + Math.round(rnd() * 20)));
  return h.video();
});

const all = [lone, ...batch];
const jobs = await Promise.all(all.map((s) => h.waitForState(s.id, 'delivered', 120_000)));
const lags: number[] = [];
for (const [i, sent] of all.entries()) {
  const job = jobs[i]!;
  const upload = h.discord.calls.find((c) => c.method === 'PATCH' && c.path.includes(sent.token) && c.files.length > 0);
  const completedAt = h.apimart.completedAt(job.taskId!);
  if (upload && completedAt) lags.push(upload.at - completedAt);
}
const sorted = sortedNumbers(lags);
const rows: BenchRow[] = [
  {
    label: `lag, ${JOBS + 1} jobs`,
    figures: { 'lag p50 ms': percentile(sorted, 50), 'lag p99 ms': percentile(sorted, 99), 'lag max ms': percentile(sorted, 100), delivered: lags.length },
  },
  { label: 'one 60 s task', figures: { 'API polls': h.apimart.polls(jobs[0]!.taskId!) } },
];
console.log(`e2e benchmark: real app + fakes, real time (${((performance.now() - started) / 1000).toFixed(0)} s); cap 5 req/s; 256 KiB videos`);
console.log('  lag = the fake Discord receiving the reply edit with the file - the task completing at the fake APIMart\n');
printRows(rows);
emitResult({ bench: 'e2e', params: { jobs: JOBS + 1 }, rows });
await h.close();
process.exit(0);
