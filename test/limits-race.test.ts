import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageLedger, type LimitValues } from '../src/limits';
import { openStore, type KV } from '../src/store/kv';
import { redisAvailable, REDIS_TEST_URL } from './support/redis';

/*
 * Limits hold whatever the process layout: two ledgers (two shards, two machines) on one store race for the
 * same member's record, and no limit passes twice. The 'dm' scope is the record every shard writes.
 */

const skipRedis = !(await redisAvailable());
const tmp = mkdtempSync(join(tmpdir(), 'vidu-race-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Numeric like a snowflake and unique per run, so runs sharing the Redis never share a record. */
const runId = `${Date.now()}${process.pid}${Math.floor(Math.random() * 1000)}`;
let seq = 0;
const uid = () => `${runId}${++seq}`;

const open: LimitValues = { dailyVideos: 100, dailySeconds: 10_000, concurrent: 100, cooldown: 0 };
/** The races every layout must get right: how many of `perLedger` reservations from each of two ledgers pass. */
const races = [
  { name: 'a limit of 1 video', eff: { ...open, dailyVideos: 1 }, seconds: 5, perLedger: 10, passes: 1 },
  { name: 'a daily_seconds limit one video fits', eff: { ...open, dailySeconds: 10 }, seconds: 8, perLedger: 10, passes: 1 },
  { name: 'a limit of 10 videos', eff: { ...open, dailyVideos: 10 }, seconds: 5, perLedger: 20, passes: 10 },
];

/** Two ledgers as two processes would hold them: on one store object (SQLite, memory), or two connections (Redis). */
const layouts = [
  { name: 'memory, two ledgers on one store', skip: false, open: async () => shared(await openStore('memory:')) },
  { name: 'SQLite, two ledgers on one store', skip: false, open: async () => shared(await openStore(`sqlite://${join(tmp, 'race.sqlite')}`)) },
  {
    name: 'Redis, two ledgers on two connections',
    skip: skipRedis,
    open: async () => {
      const [a, b] = await Promise.all([openStore(REDIS_TEST_URL), openStore(REDIS_TEST_URL)]);
      return { stores: [a, b] as const, close: async () => void (await Promise.all([a.close(), b.close()])) };
    },
  },
];

function shared(kv: KV) {
  return { stores: [kv, kv] as const, close: () => kv.close() };
}

describe.each(layouts)('limits on $name', ({ skip, open: openLayout }) => {
  let layout: Awaited<ReturnType<typeof openLayout>>;
  const keys: string[] = [];
  beforeAll(async () => {
    if (!skip) layout = await openLayout();
  });
  afterAll(async () => {
    if (!layout) return;
    await Promise.all(keys.map((k) => layout.stores[0].delete(k)));
    await layout.close();
  });
  const ledgers = () => layout.stores.map((kv) => new UsageLedger(kv)) as [UsageLedger, UsageLedger];

  describe.skipIf(skip)('', () => {
    it.each(races)('lets exactly the allowed reservations through $name, in the dm scope', async ({ eff, seconds, perLedger, passes }) => {
      const [a, b] = ledgers();
      const user = uid();
      keys.push(a.usageKey('dm', user));
      const results = await Promise.all(
        Array.from({ length: 2 * perLedger }, (_, i) => (i % 2 ? a : b).reserve('dm', user, eff, `job${i}`, seconds)),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(passes);
      const usage = await a.get('dm', user);
      expect(usage).toMatchObject({ videos: passes, seconds: passes * seconds });
      expect(usage.active).toHaveLength(passes);
    });

    it('settles every job once when both ledgers commit and release at the same time', async () => {
      const [a, b] = ledgers();
      const user = uid();
      keys.push(a.usageKey('dm', user));
      const ids = Array.from({ length: 20 }, (_, i) => `job${i}`);
      const reservations = await Promise.all(ids.map((id, i) => (i % 2 ? a : b).reserve('dm', user, open, id, 5)));
      // Even ids finished (committed), odd ones failed (released); each is settled twice, once by each ledger.
      await Promise.all(
        reservations.flatMap((r, i) => {
          if (!r.ok) throw new Error('expected a reservation');
          return [a, b].map((l) => (i % 2 ? l.release(r.reservation, ids[i]!) : l.commit(r.reservation, ids[i]!)));
        }),
      );
      expect(await a.get('dm', user)).toMatchObject({ videos: 10, seconds: 50, active: [] });
    });
  });
});

const ROOT = resolve(import.meta.dirname, '..');
const TSX_LOADER = pathToFileURL(resolve(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/** test/support/ledger-process.ts in a process of its own; `round` sends it one round and resolves with its answer. */
function ledgerProcess(): { ready: Promise<void>; round(r: object): Promise<boolean[]>; end(): Promise<void>; child: ChildProcess } {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, resolve(ROOT, 'test/support/ledger-process.ts')], {
    env: { PATH: process.env.PATH ?? '', STORE_URL: REDIS_TEST_URL },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const line = await lines.next();
    if (line.done) throw new Error(`ledger process ended; stderr:\n${stderr}`);
    return line.value;
  };
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    ready: next().then((l) => void expect(l).toBe('ready')),
    async round(r) {
      child.stdin!.write(`${JSON.stringify(r)}\n`);
      return JSON.parse(await next()) as boolean[];
    },
    async end() {
      child.stdin!.end();
      await exited;
    },
  };
}

describe.skipIf(skipRedis)('limits across two OS processes on one Redis', () => {
  let kv: KV;
  let procs: ReturnType<typeof ledgerProcess>[] = [];
  const keys: string[] = [];
  beforeAll(async () => {
    kv = await openStore(REDIS_TEST_URL);
    procs = [ledgerProcess(), ledgerProcess()];
    await Promise.all(procs.map((p) => p.ready));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.end()));
    if (!kv) return;
    await Promise.all(keys.map((k) => kv.delete(k)));
    await kv.close();
  });

  it.each(races)('lets exactly the allowed reservations through $name, in the dm scope', async ({ eff, seconds, perLedger, passes }) => {
    const user = uid();
    const ledger = new UsageLedger(kv);
    keys.push(ledger.usageKey('dm', user));
    const answers = await Promise.all(
      procs.map((p, n) => p.round({ scope: 'dm', user, eff, seconds, ids: Array.from({ length: perLedger }, (_, i) => `p${n}job${i}`) })),
    );
    expect(answers.flat().filter(Boolean)).toHaveLength(passes);
    expect(await ledger.get('dm', user)).toMatchObject({ videos: passes, seconds: passes * seconds });
  });
});
