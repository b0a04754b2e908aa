import { describeCause, StoreError, withDeadline, type StoreKind, type StoreOp } from './errors';
import type { StoreHealth } from './health';

/** What a keyv instance offers, as far as the bot uses it. */
export interface RawStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown, ttlMs?: number): Promise<unknown>;
  delete(key: string): Promise<unknown>;
}

export interface GuardedCalls {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * Every call either succeeds or throws a StoreError, within `timeoutMs`. keyv must be built with
 * `throwOnErrors: true` for its errors to reach this far (keyv 5 swallows them otherwise: `get` answers
 * undefined, `set` answers false); a `set` that still answers false is taken as the failure it reports.
 * Each outcome is reported to `health`.
 */
export function guardStore(raw: RawStore, opts: { kind: StoreKind; timeoutMs: number; health?: StoreHealth | undefined }): GuardedCalls {
  const { kind, timeoutMs, health } = opts;
  async function call<T>(op: Exclude<StoreOp, 'open' | 'close'>, key: string, work: () => Promise<T>): Promise<T> {
    const access = op === 'get' ? 'read' : 'write';
    let result: T;
    try {
      result = await withDeadline(
        // Called inside the race so that a driver throwing synchronously is caught like any other failure.
        Promise.resolve().then(work),
        timeoutMs,
        () => new StoreError(op, kind, `no answer within ${timeoutMs} ms`, { key, timedOut: true }),
      );
    } catch (err) {
      const e = err instanceof StoreError ? err : new StoreError(op, kind, describeCause(err), { key, cause: err });
      health?.failed(access, e.message);
      throw e;
    }
    health?.succeeded(access);
    return result;
  }
  return {
    get: <T>(key: string) => call('get', key, async () => (await raw.get(key)) as T | undefined),
    set: (key, value, ttlMs) =>
      call('set', key, async () => {
        if ((await raw.set(key, value, ttlMs)) === false) throw new Error('the store reported the write as not done');
      }),
    // keyv answers false for a key that was not there: not a failure.
    delete: (key) =>
      call('delete', key, async () => {
        await raw.delete(key);
      }),
  };
}
