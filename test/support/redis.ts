import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, Socket } from 'node:net';
import { createInterface } from 'node:readline';

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

/** Whether this machine can start a redis-server of its own (CI can: .ci/run installs it). */
export function canSpawnRedis(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}


async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * A Redis of one test alone, so it can be paused, killed or emptied without touching the shared one (which other
 * test runs on this machine may be using at the same time). Ready once it says
 * so itself: a port found free may be taken by another test's server before redis-server binds it, and then
 * this one exits and the next port is tried.
 */
export async function ownRedis(): Promise<{ url: string; server: ChildProcess }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const ready = await new Promise<boolean>((resolve) => {
      const lines = createInterface({ input: server.stdout! });
      lines.on('line', (line) => line.includes('Ready to accept connections') && resolve(true));
      server.once('exit', () => resolve(false));
    });
    if (ready) return { url: `redis://127.0.0.1:${port}`, server };
  }
  throw new Error('redis-server did not start on any of 5 free ports');
}
