import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import sqlite3 from 'sqlite3';
import { guardStore, type RawStore } from '../src/store/guard';
import { StoreHealth, type StoreStatus } from '../src/store/health';
import { redactStoreUrl, StoreError } from '../src/store/errors';
import { openStore, SQLITE_BUSY_TIMEOUT_MS, STORE_CALL_TIMEOUT_MS } from '../src/store/kv';
import { startFailure } from '../src/boot';
import { healthReport } from '../src/ops/health';

const dir = mkdtempSync(join(tmpdir(), 'vidu-store-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const never = () => new Promise<never>(() => undefined);
function raw(over: Partial<RawStore> = {}): RawStore {
  const map = new Map<string, unknown>();
  return {
    get: async (k) => map.get(k),
    set: async (k, v) => void map.set(k, v),
    delete: async (k) => map.delete(k),
    ...over,
  };
}

describe('every store call succeeds or throws a StoreError', () => {
  it('a read that fails throws instead of answering "no record"', async () => {
    const kv = guardStore(raw({ get: async () => Promise.reject(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })) }), { kind: 'sqlite', timeoutMs: 1_000 });
    const err = await kv.get('limits:server:1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ op: 'get', kind: 'sqlite', key: 'limits:server:1', timedOut: false });
    expect((err as Error).message).toBe('sqlite store get of "limits:server:1" failed: SQLITE_BUSY: database is locked');
  });

  it('a write that fails throws, whether the driver throws or answers false', async () => {
    const throwing = guardStore(raw({ set: async () => Promise.reject(new Error('OOM command not allowed when used memory > maxmemory')) }), { kind: 'redis', timeoutMs: 1_000 });
    await expect(throwing.set('usage:dm:1', { v: 1 })).rejects.toMatchObject({ name: 'StoreError', op: 'set', detail: 'OOM command not allowed when used memory > maxmemory' });
    const swallowing = guardStore(raw({ set: async () => false }), { kind: 'sqlite', timeoutMs: 1_000 });
    await expect(swallowing.set('job:1', {})).rejects.toMatchObject({ name: 'StoreError', op: 'set' });
  });

  it('a call that does not answer fails after the bound, and says so', async () => {
    const kv = guardStore(raw({ get: never, set: never, delete: never }), { kind: 'redis', timeoutMs: 150 });
    for (const call of [() => kv.get('a'), () => kv.set('a', 1), () => kv.delete('a')]) {
      const started = Date.now();
      const err = await call().catch((e: unknown) => e);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(err).toMatchObject({ name: 'StoreError', timedOut: true, detail: 'no answer within 150 ms' });
    }
  });

  it('a driver that throws synchronously is a StoreError too, and a missing key on delete is not an error', async () => {
    const kv = guardStore(
      raw({
        get: () => {
          throw new TypeError('boom');
        },
        delete: async () => false,
      }),
      { kind: 'memory', timeoutMs: 100 },
    );
    await expect(kv.get('a')).rejects.toBeInstanceOf(StoreError);
    await expect(kv.delete('a')).resolves.toBeUndefined();
  });

  it('the call bound leaves room for SQLite to give up first, and fits in Discord’s 3 s', () => {
    expect(SQLITE_BUSY_TIMEOUT_MS).toBeLessThan(STORE_CALL_TIMEOUT_MS);
    expect(STORE_CALL_TIMEOUT_MS).toBeLessThan(3_000);
  });
});

describe('store health', () => {
  it('turns down on a failure and up on the next success, telling each change once', async () => {
    const changes: StoreStatus[] = [];
    const health = new StoreHealth('redis', () => 1_000, (s) => changes.push(s));
    let fail = true;
    const kv = guardStore(raw({ get: async () => (fail ? Promise.reject(new Error('The client is offline')) : 'v') }), { kind: 'redis', timeoutMs: 100, health });
    await kv.get('a').catch(() => undefined);
    await kv.get('a').catch(() => undefined);
    expect(health.status()).toEqual({ kind: 'redis', ok: false, since: 1_000, error: 'redis store get of "a" failed: The client is offline' });
    fail = false;
    await kv.get('a');
    expect(health.status()).toEqual({ kind: 'redis', ok: true });
    expect(changes.map((c) => c.ok)).toEqual([false, true]);
  });

  it('after a failed write, only a write proves the store is back (reads still work at maxmemory)', () => {
    const health = new StoreHealth('redis');
    health.failed('write', 'OOM');
    expect(health.pingWrites).toBe(true);
    health.succeeded('read');
    expect(health.status().ok).toBe(false);
    health.succeeded('write');
    expect(health.status().ok).toBe(true);
    expect(health.pingWrites).toBe(false);
  });
});

describe('opening a store that cannot be opened and written', () => {
  const refuse = async (url: string) => {
    const err = await openStore(url).then(
      async (kv) => {
        await kv.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ op: 'open' });
    return err as StoreError;
  };

  it('a directory', async () => {
    const d = join(dir, 'a-directory');
    mkdirSync(d);
    const err = await refuse(`sqlite://${d}`);
    expect(startFailure(err, 'http://discord')).toBe(`Could not open the store at STORE_URL=sqlite://${d} (sqlite): SQLITE_CANTOPEN: unable to open database file. Check STORE_URL in .env.`);
  });

  it('a file that is not a database', async () => {
    const f = join(dir, 'notes.txt');
    writeFileSync(f, 'these are my notes, not a database; '.repeat(40));
    const err = await refuse(`sqlite://${f}`);
    expect(err.detail).toBe('SQLITE_NOTADB: file is not a database');
  });

  it('a database locked by another connection', async () => {
    const f = join(dir, 'locked.sqlite');
    const other = new sqlite3.Database(f);
    await new Promise<void>((resolve, reject) => other.exec('CREATE TABLE t(x); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);', (e) => (e ? reject(e) : resolve())));
    try {
      const err = await refuse(`sqlite://${f}`);
      expect(err.detail).toContain('SQLITE_BUSY');
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('a Redis nobody answers at, without echoing its password, and without blaming Discord', async () => {
    const err = await refuse('redis://bot:hunter2@127.0.0.1:1');
    const line = startFailure(err, 'http://127.0.0.1:9/api');
    expect(line).toBe('Could not open the store at STORE_URL=redis://bot:***@127.0.0.1:1 (redis): connect ECONNREFUSED 127.0.0.1:1. Check STORE_URL in .env.');
    expect(line).not.toContain('hunter2');
  });

  it('redacts passwords in STORE_URL, leaves the rest as given', () => {
    expect(redactStoreUrl('rediss://:s3cret@cache.internal:6380/2')).toBe('rediss://:***@cache.internal:6380/2');
    expect(redactStoreUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactStoreUrl('sqlite://data/vidu-bot.sqlite')).toBe('sqlite://data/vidu-bot.sqlite');
    expect(redactStoreUrl('redis://a:b c@[bad')).toBe('redis://…');
  });
});

describe('/healthz', () => {
  const base = { ready: true, shards: [0], jobsInFlight: 2 };
  it('is 200 only when the gateway is ready and the store answers; a 503 names the store first', () => {
    expect(healthReport({ ...base, store: { kind: 'redis', ok: true } })).toEqual({ code: 200, body: { status: 'ok', ...base, store: { kind: 'redis', ok: true } } });
    expect(healthReport({ ...base, ready: false, store: { kind: 'sqlite', ok: true } })).toMatchObject({ code: 503, body: { status: 'starting' } });
    const down = healthReport({ ...base, ready: false, store: { kind: 'redis', ok: false, since: Date.UTC(2030, 0, 1), error: 'connection lost: Socket closed unexpectedly' } });
    expect(down).toEqual({
      code: 503,
      body: { status: 'store unavailable', ...base, ready: false, store: { kind: 'redis', ok: false, since: '2030-01-01T00:00:00.000Z', error: 'connection lost: Socket closed unexpectedly' } },
    });
  });
});
