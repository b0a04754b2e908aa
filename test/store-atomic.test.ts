import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { atomicUpdater } from '../src/store/atomic';
import { openStore } from '../src/store/kv';
import { canSpawnRedis, ownRedis, redisAvailable, REDIS_TEST_URL } from './support/redis';
import { storeForSuite } from './support/store-suite';

const skipRedis = !(await redisAvailable());
const tmp = mkdtempSync(join(tmpdir(), 'vidu-atomic-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Unique per run: runs sharing the Redis never touch each other's records. */
const runId = `atomic-${Date.now()}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
let seq = 0;
const keyOf = (name: string) => `test:${runId}:${name}:${++seq}`;

const counter = (by = 1) => async (current: unknown) => ({ result: undefined, next: { n: ((current as { n?: number } | undefined)?.n ?? 0) + by } });

const stores = [
  { name: 'memory', url: () => 'memory:', skip: false },
  { name: 'sqlite', url: () => `sqlite://${join(tmp, 'atomic.sqlite')}`, skip: false },
  { name: 'redis', url: () => REDIS_TEST_URL, skip: skipRedis },
];

describe.each(stores)('atomic updates on $name', ({ url, skip }) => {
  const store = storeForSuite(url, skip);

  describe.skipIf(skip)('', () => {
    it('writes records that read back through kv.get, and reads what kv.set wrote', async () => {
      const update = atomicUpdater(store.kv);
      const key = keyOf('roundtrip');
      store.track(key);
      // Strings starting with ':' are the ones keyv's serializer escapes; a naive JSON codec would alter them.
      const value = { day: '2026-03-10', ids: [':colon', '::two', 'plain'], n: 3, none: null, nested: { a: [1, { b: ':x' }] } };
      await update(key, async () => ({ result: undefined, next: value }), 60_000);
      expect(await store.kv.get(key)).toEqual(value);

      await store.kv.set(key, { ...value, n: 4 }, 60_000);
      const seen = await update(key, async (current) => ({ result: current }), 60_000);
      expect(seen).toEqual({ ...value, n: 4 });
    });

    it('reads a missing record as undefined and stores nothing when the change says so', async () => {
      const update = atomicUpdater(store.kv);
      const key = keyOf('missing');
      store.track(key);
      expect(await update(key, async (current) => ({ result: current }), 60_000)).toBeUndefined();
      expect(await store.kv.get(key)).toBeUndefined();
    });

    it('lets a record expire after its TTL, as kv.set does', async () => {
      const update = atomicUpdater(store.kv);
      const key = keyOf('ttl');
      store.track(key);
      await update(key, counter(), 300);
      expect(await store.kv.get(key)).toEqual({ n: 1 });
      await sleep(450);
      expect(await store.kv.get(key)).toBeUndefined();
      // Expired reads as missing through the primitive as well: the count starts again.
      await update(key, counter(), 60_000);
      expect(await store.kv.get(key)).toEqual({ n: 1 });
    });

    it('loses no update when two updaters on the store race', async () => {
      const key = keyOf('race');
      store.track(key);
      const a = atomicUpdater(store.kv);
      const b = atomicUpdater(store.kv);
      await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b)(key, counter(), 60_000)));
      expect(await store.kv.get(key)).toEqual({ n: 40 });
    });

    it('writes nothing when the change throws', async () => {
      const update = atomicUpdater(store.kv);
      const key = keyOf('throws');
      store.track(key);
      await update(key, counter(), 60_000);
      await expect(update(key, async () => Promise.reject(new Error('refused')), 60_000)).rejects.toThrow('refused');
      expect(await store.kv.get(key)).toEqual({ n: 1 });
    });
  });
});

describe.skipIf(skipRedis)('atomic updates across Redis connections', () => {
  it('loses no update when two connections race read-modify-writes of one record', async () => {
    const [one, two] = await Promise.all([openStore(REDIS_TEST_URL), openStore(REDIS_TEST_URL)]);
    const key = keyOf('two-connections');
    try {
      const a = atomicUpdater(one);
      const b = atomicUpdater(two);
      // A change that takes a while (as a ledger's store lookups do) widens the window a lost update needs.
      const slow = async (current: unknown) => {
        await sleep(Math.random() * 3);
        return counter()(current);
      };
      await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b)(key, slow, 60_000)));
      expect(await one.get(key)).toEqual({ n: 60 });
    } finally {
      await one.delete(key);
      await Promise.all([one.close(), two.close()]);
    }
  });
});

const hasRedisServer = canSpawnRedis();
if (!hasRedisServer && process.env.CI) throw new Error('redis-server is not installed; .ci/run installs it');

describe.skipIf(!hasRedisServer)('atomic updates when Redis does not answer', () => {
  it('fails within its bound when Redis hangs, and works again once it answers', async () => {
    const { url, server } = await ownRedis();
    const kv = await openStore(url);
    try {
      const update = atomicUpdater(kv, { commandTimeoutMs: 500 });
      await update('k', counter(), 60_000);

      server.kill('SIGSTOP');
      const started = Date.now();
      // A StoreError like any other store call's, so the router says the store is down.
      await expect(update('k', counter(), 60_000)).rejects.toMatchObject({ name: 'StoreError', op: 'get', key: 'k', timedOut: true, detail: 'no answer to GET within 500 ms' });
      expect(Date.now() - started).toBeLessThan(2_000);

      server.kill('SIGCONT');
      await update('k', counter(), 60_000);
      expect(await kv.get('k')).toEqual({ n: 2 });
    } finally {
      server.kill('SIGKILL');
      await kv.close();
    }
  });

  it('fails within its bound when Redis is gone (the client queues commands while offline)', async () => {
    const { url, server } = await ownRedis();
    const kv = await openStore(url);
    try {
      const update = atomicUpdater(kv, { commandTimeoutMs: 500 });
      await update('k', counter(), 60_000);
      server.kill('SIGKILL');
      await new Promise((r) => server.once('exit', r));
      const started = Date.now();
      await expect(update('k', counter(), 60_000)).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      server.kill('SIGKILL');
      await kv.close();
    }
  });
});
