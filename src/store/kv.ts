import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Keyv from 'keyv';
import KeyvSqlite from '@keyv/sqlite';
import KeyvRedis, { createClient } from '@keyv/redis';

/**
 * The key-value store every record lives in (jobs, limits, usage). SQLite by default, Redis when several
 * processes share the work, an in-memory map for tests.
 */
export interface KV {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
  readonly kind: 'sqlite' | 'redis' | 'memory';
  /** The connected node-redis client when kind is redis, for what must be shared across processes. */
  readonly redis?: unknown;
}

function wrap(keyv: Keyv, kind: KV['kind'], close: () => Promise<void>, redis?: unknown): KV {
  return {
    kind,
    redis,
    get: async <T>(key: string) => (await keyv.get(key)) as T | undefined,
    set: async (key, value, ttlMs) => {
      await keyv.set(key, value, ttlMs);
    },
    delete: async (key) => {
      await keyv.delete(key);
    },
    close,
  };
}

export async function openStore(url: string): Promise<KV> {
  if (url === 'memory:') {
    const keyv = new Keyv({ namespace: 'vidu' });
    return wrap(keyv, 'memory', async () => undefined);
  }
  if (url.startsWith('sqlite://')) {
    const path = url.slice('sqlite://'.length);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const keyv = new Keyv({ store: new KeyvSqlite({ uri: url, busyTimeout: 5_000 }), namespace: 'vidu' });
    // A store that cannot be opened must stop the start, not fail the first user's command.
    await keyv.get('__probe__');
    return wrap(keyv, 'sqlite', () => keyv.disconnect());
  }
  const client = createClient({ url, socket: { connectTimeout: 5_000 } });
  await client.connect();
  const keyv = new Keyv({ store: new KeyvRedis(client as never, { throwOnConnectError: true }), namespace: 'vidu' });
  return wrap(keyv, 'redis', async () => {
    await keyv.disconnect().catch(() => undefined);
  }, client);
}
