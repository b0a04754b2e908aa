// Runs every benchmark several times, each run in its own process, and prints min / median / max of every figure.
//
//   npm run bench [-- --runs=3 --only=poller,deferral --verbose]
//
// Each run is `node --import tsx bench/<name>.ts` with BENCH_JSON=1; the run's figures come back on one stdout
// line (see lib/common.ts emitResult). Extra arguments after `--args=` are passed to every benchmark.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { argValue, JSON_PREFIX, ROOT, table, type BenchResult } from './lib/common';

const BENCHES = [
  { name: 'poller', timeoutMs: 6 * 60_000 },
  { name: 'budget', timeoutMs: 5 * 60_000 },
  { name: 'deferral', timeoutMs: 4 * 60_000 },
  { name: 'delivery', timeoutMs: 2 * 60_000 },
  { name: 'e2e', timeoutMs: 3 * 60_000 },
];
const runs = Number(argValue('runs') ?? '3');
const only = argValue('only')?.split(',');
const verbose = process.argv.includes('--verbose');
const extra = argValue('args')?.split(' ').filter(Boolean) ?? [];

interface RunOutcome {
  result?: BenchResult;
  error?: string;
  wallSec: number;
}

function runOnce(name: string, timeoutMs: number): Promise<RunOutcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', `${name}.ts`), ...extra], {
      cwd: ROOT,
      env: { ...process.env, BENCH_JSON: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      if (verbose) process.stderr.write(c);
    });
    const timer = setTimeout(() => {
      err += `\n(killed after ${timeoutMs / 1000} s)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const wallSec = (Date.now() - started) / 1000;
      const line = out.split('\n').find((l) => l.startsWith(JSON_PREFIX));
      if (verbose) process.stdout.write(out.split('\n').filter((l) => !l.startsWith(JSON_PREFIX)).join('\n'));
      if (code !== 0 || !line) {
        resolve({ error: `exit ${code}; ${err.trim().split('\n').slice(-5).join(' | ')}`, wallSec });
        return;
      }
      resolve({ result: JSON.parse(line.slice(JSON_PREFIX.length)) as BenchResult, wallSec });
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

let failed = false;
for (const bench of BENCHES) {
  if (only && !only.includes(bench.name)) continue;
  const results: BenchResult[] = [];
  for (let k = 1; k <= runs; k++) {
    process.stderr.write(`${bench.name}: run ${k}/${runs}... `);
    const r = await runOnce(bench.name, bench.timeoutMs);
    process.stderr.write(r.result ? `${r.wallSec.toFixed(0)} s\n` : `FAILED (${r.error})\n`);
    if (r.result) results.push(r.result);
    else failed = true;
  }
  if (results.length === 0) continue;

  // Figures keyed by row label and name, in first-seen order.
  const keys: { label: string; figure: string }[] = [];
  const values = new Map<string, number[]>();
  for (const res of results) {
    for (const row of res.rows) {
      for (const [figure, v] of Object.entries(row.figures)) {
        const key = `${row.label}\u0000${figure}`;
        if (!values.has(key)) {
          values.set(key, []);
          keys.push({ label: row.label, figure });
        }
        values.get(key)!.push(v);
      }
    }
  }
  const params = Object.entries(results[0]!.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  console.log(`\n== ${bench.name} (${results.length} run${results.length === 1 ? '' : 's'}; ${params})`);
  let lastLabel = '';
  console.log(
    table(
      ['row', 'figure', 'min', 'median', 'max'],
      keys.map(({ label, figure }) => {
        const xs = values.get(`${label}\u0000${figure}`)!;
        const shown = label === lastLabel ? '' : label;
        lastLabel = label;
        return [shown, figure, Math.min(...xs), median(xs), Math.max(...xs)];
      }),
    ),
  );
}
if (failed) process.exitCode = 1;
