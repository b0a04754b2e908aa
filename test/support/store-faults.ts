import type { KV } from '../../src/store/kv';

/**
 * Store faults on demand, around any KV (the app takes it through AppOptions.wrapStore): a call whose key
 * (and, for writes, value) matches a rule fails the way a locked SQLite file or a Redis at maxmemory does, by
 * throwing, or is held back for a while.
 */
export interface StoreFault {
  op: 'get' | 'set' | 'delete';
  key: RegExp;
  /** For `set`: only values this accepts. */
  value?: (value: unknown) => boolean;
  /** How many matching calls it hits (default 1). */
  times?: number;
  /**
   * `throw` (default): nothing is done and the call throws. `throw-after`: the write lands, then the call throws
   * anyway (an answer lost after the store applied it). `delay`: the call waits `delayMs`, then runs normally.
   */
  kind?: 'throw' | 'throw-after' | 'delay';
  delayMs?: number;
}

export interface StoreFaults {
  add(fault: StoreFault): void;
  /** Drops the rules not used up, so a test's leftovers never hit the next one. */
  clear(): void;
  /** Calls the rules hit so far. */
  readonly hits: { op: StoreFault['op']; key: string; kind: NonNullable<StoreFault['kind']> }[];
  wrap(kv: KV): KV;
}

/** A state as stored in a job record, for rules on job writes. */
export const jobState = (state: string) => (value: unknown) => (value as { state?: string } | undefined)?.state === state;

export function storeFaults(): StoreFaults {
  const rules: (StoreFault & { left: number })[] = [];
  const hits: StoreFaults['hits'] = [];

  function take(op: StoreFault['op'], key: string, value?: unknown): StoreFault | undefined {
    const rule = rules.find((r) => r.left > 0 && r.op === op && r.key.test(key) && (!r.value || r.value(value)));
    if (!rule) return undefined;
    rule.left--;
    hits.push({ op, key, kind: rule.kind ?? 'throw' });
    return rule;
  }

  async function run<T>(op: StoreFault['op'], key: string, value: unknown, call: () => Promise<T>): Promise<T> {
    const fault = take(op, key, value);
    if (!fault) return call();
    const error = () => new Error(`injected store fault on ${op} ${key} (SQLITE_BUSY: database is locked)`);
    switch (fault.kind ?? 'throw') {
      case 'throw':
        throw error();
      case 'throw-after':
        await call();
        throw error();
      case 'delay':
        await new Promise((r) => setTimeout(r, fault.delayMs ?? 1_000));
        return call();
    }
  }

  return {
    hits,
    add: (fault) => void rules.push({ ...fault, left: fault.times ?? 1 }),
    clear: () => void rules.splice(0),
    wrap: (kv) => ({
      kind: kv.kind,
      redis: kv.redis,
      health: () => kv.health(),
      get: <T>(key: string) => run('get', key, undefined, () => kv.get<T>(key)),
      set: (key, value, ttlMs) => run('set', key, value, () => kv.set(key, value, ttlMs)),
      delete: (key) => run('delete', key, undefined, () => kv.delete(key)),
      close: () => kv.close(),
    }),
  };
}
