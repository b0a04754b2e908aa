import { Socket } from 'node:net';

export const REDIS_TEST_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';

/**
 * Whether a Redis answers on 127.0.0.1:6379. In CI it must: .ci/run starts one, so a missing Redis fails the
 * run instead of skipping the tests that need it.
 */
export async function redisAvailable(): Promise<boolean> {
  const up = await new Promise<boolean>((resolve) => {
    const s = new Socket();
    s.setTimeout(1_000);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.connect(6379, '127.0.0.1');
  });
  if (!up && process.env.CI) throw new Error('Redis is not answering on 127.0.0.1:6379; .ci/run should have started it');
  return up;
}
