// Helpers shared by the benchmarks: percentiles, tables, a seeded PRNG, RSS sampling, the JSON line run-all reads.
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createLogger, type Logger } from '../../src/log';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** One figure set per row, e.g. row "1k ours" -> { "calls/job": 3.1, ... }. */
export interface BenchRow {
  label: string;
  figures: Record<string, number>;
}

export interface BenchResult {
  bench: string;
  params: Record<string, string | number>;
  rows: BenchRow[];
  notes?: string[];
}

/** The line run-all.ts looks for on stdout (printed only when BENCH_JSON=1). */
export const JSON_PREFIX = '@@bench-json ';

export function emitResult(result: BenchResult): void {
  if (process.env.BENCH_JSON === '1') process.stdout.write(`${JSON_PREFIX}${JSON.stringify(result)}\n`);
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function sortedNumbers(xs: Iterable<number>): Float64Array {
  return Float64Array.from(xs).sort();
}

export function fmt(n: number | undefined, digits = 2): string {
  if (n === undefined || Number.isNaN(n)) return '-';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  const abs = Math.abs(n);
  if (abs >= 1000) return n.toFixed(0);
  if (abs >= 100) return n.toFixed(Math.min(digits, 1));
  return n.toFixed(digits);
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** Prints a BenchResult's rows as one table (figures as columns). */
export function printRows(rows: BenchRow[]): void {
  const keys: string[] = [];
  for (const r of rows) for (const k of Object.keys(r.figures)) if (!keys.includes(k)) keys.push(k);
  console.log(table(['', ...keys], rows.map((r) => [r.label, ...keys.map((k) => (k in r.figures ? r.figures[k]! : '-'))])));
}

/** A seeded PRNG, so every run draws the same task durations. */
export { mulberry32 as seeded } from '../../test/support/random';

export const silentLogger = (): Logger => createLogger({ level: 'silent' });

export const MB = 1024 * 1024;

/** Samples process RSS on this thread's event loop (misses peaks while the loop is blocked). */
export function sampleRss(everyMs: number): { peak(): number; stop(): number } {
  let peak = process.memoryUsage.rss();
  const t = setInterval(() => {
    const r = process.memoryUsage.rss();
    if (r > peak) peak = r;
  }, everyMs);
  t.unref();
  return {
    peak: () => peak,
    stop: () => {
      clearInterval(t);
      peak = Math.max(peak, process.memoryUsage.rss());
      return peak;
    },
  };
}

/**
 * Samples process RSS from a worker thread, so samples keep coming while the main thread is busy (a
 * Buffer.concat of 25 MB, multipart encoding). RSS is per process, so the worker sees the main thread's memory.
 */
export async function startRssWorker(everyMs: number): Promise<{ reset(): Promise<number>; peak(): Promise<number>; stop(): Promise<void> }> {
  const code = `
    const { parentPort } = require('node:worker_threads');
    let peak = process.memoryUsage.rss();
    const t = setInterval(() => { const r = process.memoryUsage.rss(); if (r > peak) peak = r; }, ${everyMs});
    parentPort.on('message', (m) => {
      const r = process.memoryUsage.rss();
      if (r > peak) peak = r;
      if (m === 'reset') { const now = r; peak = now; parentPort.postMessage(now); }
      else if (m === 'peak') parentPort.postMessage(peak);
      else if (m === 'stop') { clearInterval(t); parentPort.close(); }
    });
  `;
  const w = new Worker(code, { eval: true });
  await new Promise<void>((ok, fail) => {
    w.once('online', () => ok());
    w.once('error', fail);
  });
  const ask = (m: string) =>
    new Promise<number>((ok) => {
      w.once('message', (v: number) => ok(v));
      w.postMessage(m);
    });
  return {
    reset: () => ask('reset'),
    peak: () => ask('peak'),
    stop: async () => {
      w.postMessage('stop');
      await w.terminate();
    },
  };
}

/** A full GC if it can be had without a command-line flag (it can: V8 flags set at runtime). */
export async function tryGc(): Promise<void> {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    return;
  }
  const v8 = await import('node:v8');
  const vm = await import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as (() => void) | undefined;
  if (gc) {
    (globalThis as { gc?: () => void }).gc = gc;
    gc();
  }
}

/** Forks this repository's TypeScript file with tsx, with an IPC channel. */
export function forkTs(file: string, args: string[]): ChildProcess {
  return fork(file, args, { cwd: ROOT, execArgv: ['--import', 'tsx', ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
}

export function argValue(name: string): string | undefined {
  const prefix = `--${name}=`;
  const hit = process.argv.find((a) => a.startsWith(prefix));
  return hit?.slice(prefix.length);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * When each of `n` tasks was seen to end (wall ms; NaN until then, or for one that never started), and a
 * promise settled once every task was seen or given up (`skip`), or `finish` is called (a deadline).
 */
export function detections(n: number) {
  const wall = new Float64Array(n).fill(NaN);
  let remaining = n;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const count = () => {
    if (--remaining === 0) finish();
  };
  return {
    wall,
    finished,
    finish: () => finish(),
    remaining: () => remaining,
    /** Task `i` was seen at its end now (a second sighting changes nothing). */
    detect(i: number) {
      if (!Number.isNaN(wall[i]!)) return;
      wall[i] = Date.now();
      count();
    },
    /** Task `i` will never be seen (its submit failed). */
    skip: count,
  };
}
