// End to end in real time, through the real app and both fakes: delivery lag (task completed at the fake ->
// the reply edit carrying the video sent) for a batch of jobs, and API polls per job for one 60 s task.
// Then variations:4 against single jobs of the same lengths. Real time, no compression: about 2 minutes.
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

// variations:4 against single jobs of the same lengths, side by side: 2 requests of 4 takes and 8 single jobs,
// each take and its single twin lasting 30 s ± 2 s (the same request with another seed takes about as long).
// Per task: API polls, and lag from the task's completion to the upload carrying its file. A take joins its
// card as it is made (docs/commands.md, variations), so its lag should be a single job's.
const REQUESTS = 2;
const durations = Array.from({ length: REQUESTS * 4 }, () => 28 + Math.round(rnd() * 4));
const singles = durations.map((sec) => {
  h.apimart.nextTask(script(sec));
  return h.video();
});
const grouped = Array.from({ length: REQUESTS }, (_, r) => {
  for (const sec of durations.slice(r * 4, r * 4 + 4)) h.apimart.nextTask(script(sec));
  return h.video({ variations: 4 });
});
await Promise.all(singles.map((s) => h.waitForState(s.id, 'delivered', 120_000)));
const deadline = Date.now() + 120_000;
const takesOf = (id: string) => [...h.jobs.values()].filter((j) => j.interactionId === id);
while (!grouped.every((g) => takesOf(g.id).length === 4 && takesOf(g.id).every((t) => t.state === 'delivered')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
function perTask(sent: { id: string; token: string }[], jobsOf: (id: string) => import('../src/jobs/record').Job[]): { polls: Float64Array; lags: Float64Array } {
  const polls: number[] = [];
  const lagsOf: number[] = [];
  for (const s of sent) {
    for (const job of jobsOf(s.id)) {
      const upload = h.discord.calls.find((c) => c.method === 'PATCH' && c.path.includes(s.token) && c.files.some((f) => f.filename === `vidu-${job.id}.mp4`));
      polls.push(h.apimart.polls(job.taskId!));
      const completedAt = h.apimart.completedAt(job.taskId!);
      if (upload && completedAt) lagsOf.push(upload.at - completedAt);
    }
  }
  return { polls: sortedNumbers(polls), lags: sortedNumbers(lagsOf) };
}
const singleFigures = perTask(singles, (id) => [...h.jobs.values()].filter((j) => j.interactionId === id));
const takeFigures = perTask(grouped, takesOf);
for (const [label, f] of [[`${REQUESTS * 4} single jobs, 28-32 s`, singleFigures], [`${REQUESTS} x variations:4, same lengths`, takeFigures]] as const) {
  rows.push({
    label,
    figures: {
      'polls/task p50': percentile(f.polls, 50),
      'polls/task max': percentile(f.polls, 100),
      'lag p50 ms': percentile(f.lags, 50),
      'lag max ms': percentile(f.lags, 100),
      delivered: f.lags.length,
    },
  });
}
console.log(`e2e benchmark: real app + fakes, real time (${((performance.now() - started) / 1000).toFixed(0)} s); cap 5 req/s; 256 KiB videos`);
console.log('  lag = the fake Discord receiving the reply edit with the file - the task completing at the fake APIMart\n');
printRows(rows);
emitResult({ bench: 'e2e', params: { jobs: JOBS + 1 }, rows });
await h.close();
process.exit(0);
