import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Semaphore } from '../src/util/semaphore';
import { KeyedMutex } from '../src/util/keyed-mutex';
import { downloadVideo } from '../src/jobs/download';
import { readHead } from '../src/validation/probe';

describe('Semaphore', () => {
  it('runs at most max tasks at once, in order, and never more after a handoff', async () => {
    const sem = new Semaphore(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    const task = (i: number) =>
      sem.run(async () => {
        active++;
        peak = Math.max(peak, active);
        order.push(i);
        await new Promise((r) => setTimeout(r, 5));
        active--;
      });
    await Promise.all([0, 1, 2, 3, 4, 5].map(task));
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('frees the slot when a task throws', async () => {
    const sem = new Semaphore(1);
    await expect(sem.run(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(await sem.run(async () => 42)).toBe(42);
  });
});

describe('KeyedMutex', () => {
  it('serialises per key and forgets idle keys', async () => {
    const m = new KeyedMutex();
    let value = 0;
    await Promise.all(Array.from({ length: 10 }, () => m.run('k', async () => {
      const v = value;
      await new Promise((r) => setTimeout(r, 1));
      value = v + 1;
    })));
    expect(value).toBe(10);
    await new Promise((r) => setTimeout(r, 1));
    expect(m.size).toBe(0);
  });
});

describe('downloadVideo', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = Buffer.alloc(1000, 7);
      if (req.url === '/exact') res.writeHead(200, { 'content-length': '1000' }).end(body);
      else if (req.url === '/chunked') {
        res.writeHead(200);
        res.write(body);
        res.end(body);
      } else if (req.url === '/short') {
        res.writeHead(200, { 'content-length': '2000' });
        res.write(body);
        res.destroy();
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('reads a file of declared length into one buffer', async () => {
    const got = await downloadVideo(`${base}/exact`, 1000);
    expect(got.ok && got.data.equals(Buffer.alloc(1000, 7))).toBe(true);
  });

  it('refuses by Content-Length, or while streaming when there is none', async () => {
    expect(await downloadVideo(`${base}/exact`, 999)).toEqual({ ok: false, reason: 'too_large', size: 1000 });
    expect(await downloadVideo(`${base}/chunked`, 1500)).toEqual({ ok: false, reason: 'too_large', size: undefined });
    const whole = await downloadVideo(`${base}/chunked`, 2000);
    expect(whole.ok && whole.data.length).toBe(2000);
  });

  it('reports a cut-short or missing file as failed', async () => {
    expect((await downloadVideo(`${base}/short`, 5000)).ok).toBe(false);
    expect(await downloadVideo(`${base}/gone`, 5000)).toEqual({ ok: false, reason: 'failed', detail: 'HTTP 404' });
  });
});

describe('readHead', () => {
  it('reads only the first bytes of a large image', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(3 * 1024 * 1024) });
      res.end(Buffer.alloc(3 * 1024 * 1024, 1));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const head = await readHead(`http://127.0.0.1:${(server.address() as { port: number }).port}/`, 64 * 1024);
      expect(head.length).toBe(64 * 1024);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
