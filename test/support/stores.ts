import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe } from 'vitest';
import { ownRedis } from './redis';
import { startHarness, type Harness } from './harness';

/** The two stores an end-to-end suite runs on (docs/architecture.md): SQLite by default, Redis for several processes. */
export const STORES = [
  { name: 'SQLite', redis: false },
  { name: 'Redis', redis: true },
] as const;

/**
 * The harness on SQLite, or on a redis-server of the suite's own (nothing shared with other suites, nothing
 * left to clean); `stop` closes both.
 */
export async function harnessOn(redis: boolean, opts: Parameters<typeof startHarness>[0] = {}): Promise<{ h: Harness; stop: () => Promise<void> }> {
  let server: ChildProcess | undefined;
  let storeUrl: string | undefined;
  if (redis) ({ server, url: storeUrl } = await ownRedis());
  const h = await startHarness({ ...opts, ...(storeUrl ? { storeUrl } : {}) });
  return {
    h,
    stop: async () => {
      await h.close();
      server?.kill();
    },
  };
}

/**
 * `suite` once on each store, with the harness (harnessOn) started before its tests, handed to `started`, and
 * closed after them (which also fails the suite on any request body Discord's spec refuses, harness.ts).
 */
export function describeOnStores(opts: Parameters<typeof startHarness>[0], started: (h: Harness) => void, suite: () => void): void {
  describe.each(STORES)('on $name', ({ redis }) => {
    let stop: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      const on = await harnessOn(redis, opts);
      stop = on.stop;
      started(on.h);
    });
    afterAll(async () => {
      await stop?.();
    });
    suite();
  });
}
