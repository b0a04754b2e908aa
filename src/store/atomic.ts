import { setTimeout as sleep } from 'node:timers/promises';
import Keyv from 'keyv';
import { z } from 'zod';
import { KeyedMutex } from '../util/keyed-mutex';
import type { KV } from './kv';
import { describeCause, StoreError } from './errors';

/**
 * One read-modify-write of one store record, atomic in the store itself when the store is shared.
 *
 * - Redis (several processes, `npm run start:sharded`, several machines): optimistic compare-and-set. Read the
 *   record, compute the change, then a Lua script writes it only if the record still holds the bytes we read;
 *   otherwise the change is computed again on the new value. Redis runs a script atomically, so no layout of
 *   processes or connections can apply two changes to the same starting value (docs/architecture.md, sharding:
 *   what several processes share is updated atomically in the store). A script, not WATCH/MULTI/EXEC: WATCH
 *   belongs to a connection, and the store's one node-redis connection is shared by every caller in the process,
 *   so one caller's EXEC would clear another's WATCH.
 * - SQLite and memory serve one process (start:sharded refuses SQLite; a memory store is the process's own), so
 *   a lock in that process is the whole story there.
 *
 * In both cases updates of one record are also queued in the process, per store: on Redis that keeps a
 * process's own callers from failing each other's compare-and-set, so conflicts only come from other processes.
 */
export interface Change<R> {
  /** What the update returns. */
  result: R;
  /** The record to store; absent: store nothing (the result was decided on the value read). */
  next?: unknown;
}

/**
 * `change` gets the record as `kv.get` would return it (undefined when missing) and may run more than once
 * (on Redis, after a conflict): it must not have effects beyond reads. Records it writes read back through
 * `kv.get`, and records `kv.set` wrote read back here.
 */
export type AtomicUpdate = <R>(key: string, change: (current: unknown) => Promise<Change<R>>, ttlMs: number) => Promise<R>;

export interface AtomicOptions {
  /** Bound on each Redis command; a store that does not answer is an error, never a wait (docs/architecture.md). */
  commandTimeoutMs?: number;
  /** Conflicts in a row before giving up; each one means another process changed the record meanwhile. */
  maxAttempts?: number;
}

/** The lock of one store object, shared by every updater made for it (two ledgers on one store included). */
const locks = new WeakMap<KV, KeyedMutex>();

export function atomicUpdater(kv: KV, opts: AtomicOptions = {}): AtomicUpdate {
  let lock = locks.get(kv);
  if (!lock) locks.set(kv, (lock = new KeyedMutex()));
  const queue = lock;
  if (kv.kind !== 'redis') {
    return (key, change, ttlMs) =>
      queue.run(key, async () => {
        const { result, next } = await change(await kv.get(key));
        if (next !== undefined) await kv.set(key, next, ttlMs);
        return result;
      });
  }
  const redis = new RedisCas(redisClientOf(kv), opts.commandTimeoutMs ?? 3_000, opts.maxAttempts ?? 25);
  return (key, change, ttlMs) => queue.run(key, () => redis.update(key, change, ttlMs));
}

/** What atomic.ts uses of the node-redis client kv.ts connected (`kv.redis`). */
interface RedisCommands {
  sendCommand(args: string[], options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

function redisClientOf(kv: KV): RedisCommands {
  const client = kv.redis as Partial<RedisCommands> | undefined;
  if (typeof client?.sendCommand !== 'function') throw new Error('STORE_URL is a Redis store, but the store has no node-redis client to update records atomically');
  return client as RedisCommands;
}

/**
 * How kv.ts's Keyv names and encodes a record in Redis, read from keyv 5.6 and @keyv/redis 5.1 (node_modules):
 * - Names: two prefixes stack. Keyv writes `${namespace}:${key}` (keyv dist/index.js `_getKeyPrefix`, which
 *   leaves a key that already starts with `${namespace}:` alone), and Keyv's constructor hands its namespace to
 *   the adapter (`this._store.namespace = this._namespace`), whose `createKeyPrefix` adds
 *   `${namespace}${keyPrefixSeparator}` with the default separator '::'. kv.ts opens Keyv with namespace 'vidu',
 *   so `usage:dm:1` lives at `vidu::vidu:usage:dm:1`.
 * - Values: Keyv stores the envelope `{ value, expires }`, `expires` = Date.now() + ttl, through its serializer
 *   (@keyv/serialize: JSON with strings starting with ':' escaped, Buffers as ':base64:'), and @keyv/redis writes
 *   it with `SET key value PX ttl`. On read Keyv treats an envelope past `expires` as missing.
 * test/store-atomic.test.ts reads back both ways, so a change to kv.ts or to keyv that breaks this fails there.
 */
const NAMESPACE = 'vidu';

function redisKeyOf(key: string): string {
  const keyvKey = key.startsWith(`${NAMESPACE}:`) ? key : `${NAMESPACE}:${key}`;
  return `${NAMESPACE}::${keyvKey}`;
}

/** keyv's own serializer, the one kv.ts's Keyv uses (it sets none); from a Keyv, since @keyv/serialize is keyv's dependency, not ours. */
const codec = new Keyv();
const envelopeSchema = z.object({ value: z.unknown(), expires: z.number().nullish() });

async function decode(raw: string): Promise<unknown> {
  const data = envelopeSchema.safeParse(await codec.deserializeData(raw));
  // As Keyv's get: an envelope it cannot use or past its expiry reads as missing.
  if (!data.success || (typeof data.data.expires === 'number' && Date.now() > data.data.expires)) return undefined;
  return data.data.value;
}

async function encode(value: unknown, ttlMs: number): Promise<string> {
  const raw = await codec.serializeData({ value, expires: Date.now() + ttlMs });
  if (typeof raw !== 'string') throw new Error('keyv serialised a record to something other than a string');
  return raw;
}

/**
 * Writes ARGV[3] with a TTL of ARGV[4] ms only if the record still is what was read: present with the bytes
 * ARGV[2] (ARGV[1] = '1'), or missing (ARGV[1] = '0'). 1 when written, 0 on a conflict.
 */
const COMPARE_AND_SET = `local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if cur ~= ARGV[2] then return 0 end
elseif cur then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
return 1`;

const getReply = z.string().nullable();
const casReply = z.union([z.literal(0), z.literal(1)]);

class RedisCas {
  constructor(
    private readonly client: RedisCommands,
    private readonly timeoutMs: number,
    private readonly maxAttempts: number,
  ) {}

  async update<R>(key: string, change: (current: unknown) => Promise<Change<R>>, ttlMs: number): Promise<R> {
    if (!(ttlMs > 0)) throw new Error(`atomic update of ${key} needs a positive TTL, got ${ttlMs}`);
    const redisKey = redisKeyOf(key);
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const raw = getReply.parse(await this.send(['GET', redisKey], key));
      const { result, next } = await change(raw === null ? undefined : await decode(raw));
      if (next === undefined) return result;
      const args = ['EVAL', COMPARE_AND_SET, '1', redisKey, raw === null ? '0' : '1', raw ?? '', await encode(next, ttlMs), String(ttlMs)];
      if (casReply.parse(await this.send(args, key)) === 1) return result;
      // Another process wrote first; wait a little, spread out, so the two do not collide again at once.
      await sleep(Math.random() * Math.min(100, 5 * 2 ** attempt));
    }
    throw new StoreError('set', 'redis', `the record kept changing under ${this.maxAttempts} attempts to update it; nothing was written`, { key });
  }

  /**
   * One command, bounded: node-redis queues commands while it is offline and never times out one it has sent,
   * so the deadline is ours. The abort signal drops a command still queued; one already sent may still run
   * after its deadline, so a timed-out write's outcome is unknown (the usage ledger counts such a reservation:
   * over-counting is recoverable, over-spending is not).
   */
  private async send(args: string[], key: string): Promise<unknown> {
    // A typed StoreError like every other store call's, so a command or button says the store is down (router).
    const op = args[0] === 'GET' ? 'get' : 'set';
    const signal = AbortSignal.timeout(this.timeoutMs);
    const deadline = new Promise<never>((_, reject) => {
      signal.addEventListener('abort', () => reject(new StoreError(op, 'redis', `no answer to ${args[0]} within ${this.timeoutMs} ms`, { key, timedOut: true })), { once: true });
    });
    const sent = this.client.sendCommand(args, { abortSignal: signal }).catch((err: unknown) => {
      throw err instanceof StoreError ? err : new StoreError(op, 'redis', describeCause(err), { key, cause: err });
    });
    return Promise.race([sent, deadline]);
  }
}
