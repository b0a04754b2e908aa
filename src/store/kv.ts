import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Keyv from 'keyv';
import KeyvSqlite from '@keyv/sqlite';
import KeyvRedis, { createClient } from '@keyv/redis';
import { describeCause, redactStoreUrl, StoreError, withDeadline, type StoreKind } from './errors';
import { guardStore, type GuardedCalls } from './guard';
import { startPinging, StoreHealth, type StoreStatus } from './health';

export { StoreError } from './errors';
export type { StoreStatus } from './health';

/**
 * The key-value store every record lives in (jobs, limits, usage). SQLite by default, Redis when several
 * processes share the work, an in-memory map for tests. Every call succeeds or throws a StoreError within
 * STORE_CALL_TIMEOUT_MS.
 */
export interface KV extends GuardedCalls {
  close(): Promise<void>;
  readonly kind: StoreKind;
  /** Whether the store answers right now (calls and pings), for /healthz. */
  health(): StoreStatus;
  /** The connected node-redis client when kind is redis, for what must be shared across processes. */
  readonly redis?: unknown;
}

export interface OpenStoreOptions {
  /** Called when the store stops answering and when it answers again. */
  onHealthChange?: (status: StoreStatus) => void;
}

/**
 * The bound on every store call. A healthy store answers in milliseconds. A member waits on a few store calls
 * before their /video is answered, and a button reads its job before acknowledging the interaction, which
 * Discord allows 3 s for (docs/discord.md): a store call must fail well inside that.
 */
export const STORE_CALL_TIMEOUT_MS = 2_500;
/**
 * How long SQLite waits for another connection's lock before answering SQLITE_BUSY. Below
 * STORE_CALL_TIMEOUT_MS on purpose: SQLite's own error means the statement did not run, where our timeout
 * cannot tell whether it ran after all.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 2_000;
/** The first connection to Redis: node-redis bounds the TCP connect with it; our deadline adds 1 s for the handshake. */
const REDIS_CONNECT_TIMEOUT_MS = 5_000;
/** Reconnection attempts back off to this interval and then keep trying at it, for as long as it takes. */
const REDIS_RECONNECT_MAX_MS = 2_000;
/** An idle store is still checked this often, so /healthz sees an outage and the recovery within seconds. */
const STORE_PING_INTERVAL_MS = 5_000;
/** Closing waits this long for calls in flight; then the connection is dropped. */
const CLOSE_TIMEOUT_MS = 3_000;
const PING_KEY = 'store:ping';

/**
 * keyv options of every store. `throwOnErrors` (keyv 5.6, node_modules/keyv/dist/index.js, get/set/delete) makes a
 * failed call throw; without it `get` answers undefined and `set` false, with nothing thrown.
 */
const KEYV_OPTIONS = { namespace: 'vidu', throwOnErrors: true } as const;

/**
 * Opens the store and proves it can be written and read back. A store that cannot is refused here, with a
 * StoreError (op `open`) naming STORE_URL, so that the start stops instead of failing members' commands.
 */
export async function openStore(url: string, opts: OpenStoreOptions = {}): Promise<KV> {
  const kind: StoreKind = url === 'memory:' ? 'memory' : url.startsWith('sqlite://') ? 'sqlite' : 'redis';
  // Changes are told from the moment the store is open: a failing probe is the open's own error, said once.
  let open = false;
  const health = new StoreHealth(kind, Date.now, (status) => open && opts.onHealthChange?.(status));
  const opened = await connect(url, kind, health);
  const calls = guardStore(opened.keyv, { kind, timeoutMs: STORE_CALL_TIMEOUT_MS, health });

  try {
    await probe(calls);
  } catch (err) {
    await withDeadline(opened.close(), CLOSE_TIMEOUT_MS, () => new Error('close timed out')).catch(() => undefined);
    throw openError(url, kind, err);
  }

  open = true;
  const pinger = kind === 'memory' ? undefined : startPinging((write) => (write ? calls.set(PING_KEY, Date.now(), 60_000) : calls.get(PING_KEY)), health, STORE_PING_INTERVAL_MS);
  opened.onReady?.(() => pinger?.now());
  let closing: Promise<void> | undefined;
  return {
    ...calls,
    kind,
    redis: opened.redis,
    health: () => health.status(),
    close: () =>
      (closing ??= (async () => {
        pinger?.stop();
        try {
          await withDeadline(opened.close(), CLOSE_TIMEOUT_MS, () => new Error(`not closed within ${CLOSE_TIMEOUT_MS} ms`));
        } catch (err) {
          throw new StoreError('close', kind, describeCause(err), { cause: err });
        }
      })()),
  };
}

interface Opened {
  keyv: Keyv;
  close(): Promise<void>;
  redis?: unknown;
  /** Registers what to do when the driver reconnects by itself. */
  onReady?(fn: () => void): void;
}

async function connect(url: string, kind: StoreKind, health: StoreHealth): Promise<Opened> {
  if (kind === 'memory') return { keyv: new Keyv(KEYV_OPTIONS), close: async () => undefined };
  if (kind === 'sqlite') {
    const path = url.slice('sqlite://'.length);
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    } catch (err) {
      throw openError(url, kind, err);
    }
    // @keyv/sqlite 4 (node_modules/@keyv/sqlite/dist/index.js) opens the file and creates its table lazily, on
    // the first query; a failure there rejects every later query, which the probe in openStore turns into
    // the start failure. `busyTimeout` is passed to sqlite3's `configure('busyTimeout')`.
    const keyv = new Keyv({ ...KEYV_OPTIONS, store: new KeyvSqlite({ uri: url, busyTimeout: SQLITE_BUSY_TIMEOUT_MS }) });
    return { keyv, close: () => keyv.disconnect() };
  }

  let readyOnce = false;
  const onReady = new Set<() => void>();
  const client = createClient({
    url,
    // node-redis queues commands while disconnected and sends them on reconnection: during an outage every
    // store call would hang. Refused at once instead (ClientOfflineError), and the health turns down.
    disableOfflineQueue: true,
    // The default for every command of this client, the request gate's included (it shares the client).
    commandOptions: { timeout: STORE_CALL_TIMEOUT_MS },
    socket: {
      connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
      // Before the first connection, no retry: an unreachable STORE_URL stops the start with its own error.
      // After it, reconnect forever in the background, so the bot recovers by itself when Redis returns.
      reconnectStrategy: (retries) => (readyOnce ? Math.min(100 * 2 ** retries, REDIS_RECONNECT_MAX_MS) : false),
    },
  });
  // node-redis emits 'error' for every failed reconnection attempt; without a listener it would crash the process.
  client.on('error', (err: unknown) => {
    if (readyOnce) health.failed('connection', `connection lost: ${describeCause(err)}`);
  });
  client.on('ready', () => {
    readyOnce = true;
    for (const fn of onReady) fn();
  });
  try {
    await withDeadline(client.connect(), REDIS_CONNECT_TIMEOUT_MS + 1_000, () => new Error(`no connection within ${REDIS_CONNECT_TIMEOUT_MS} ms`));
  } catch (err) {
    try {
      client.destroy();
    } catch {
      // Already closed by the failed connect: nothing to release.
    }
    throw openError(url, kind, err);
  }
  // @keyv/redis 5 (node_modules/@keyv/redis/dist/index.js): `throwOnErrors` makes its get/set/delete rethrow the
  // client's errors instead of emitting them only; with a client that stays open while it reconnects, its
  // getClient() never tries to connect (or destroy) the shared client itself.
  const keyv = new Keyv({ ...KEYV_OPTIONS, store: new KeyvRedis(client as never, { throwOnConnectError: true, throwOnErrors: true }) });
  return {
    keyv,
    redis: client,
    onReady: (fn) => void onReady.add(fn),
    close: async () => {
      if (!client.isOpen) return;
      // close() waits for the replies of calls in flight, which never come from a Redis that is down.
      await withDeadline(client.close(), CLOSE_TIMEOUT_MS, () => new Error('close timed out')).catch(() => client.destroy());
    },
  };
}

/** Write, read back, delete: a store that opens but cannot be written (read-only file, Redis `noeviction` at its limit) fails here. */
async function probe(calls: GuardedCalls): Promise<void> {
  const key = `store:probe:${randomBytes(6).toString('hex')}`;
  const stamp = Date.now();
  await calls.set(key, stamp, 60_000);
  const back = await calls.get(key);
  if (back !== stamp) throw new Error('a value written could not be read back');
  await calls.delete(key);
}

function openError(url: string, kind: StoreKind, err: unknown): StoreError {
  const detail = err instanceof StoreError ? err.detail : describeCause(err);
  return new StoreError('open', kind, detail, { url: redactStoreUrl(url), cause: err });
}
