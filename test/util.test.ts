import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Semaphore } from '../src/util/semaphore';
import { KeyedMutex } from '../src/util/keyed-mutex';
import { downloadVideo } from '../src/jobs/download';
import { createReadHead } from '../src/validation/probe';
import { createOutboundHttp, RefusedAddressError, type OutboundHttp } from '../src/util/net-guard';

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

/** Bytes that start like an MP4 (an `ftyp` box), as the provider's files do. */
const mp4Like = (size: number) => {
  const b = Buffer.alloc(size, 7);
  b.write('\0\0\0\x20ftypisom', 0, 'latin1');
  return b;
};

describe('downloadVideo', () => {
  let server: Server;
  let base: string;
  let http: OutboundHttp;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = mp4Like(1000);
      if (req.url === '/exact') res.writeHead(200, { 'content-length': '1000' }).end(body);
      else if (req.url === '/chunked') {
        res.writeHead(200);
        res.write(body);
        res.end(Buffer.alloc(1000, 7));
      } else if (req.url === '/short') {
        res.writeHead(200, { 'content-length': '2000' });
        res.write(body);
        res.destroy();
      } else if (req.url === '/html') {
        res.writeHead(200, { 'content-type': 'text/html' });
        // The page goes on for a while: the download must stop at its first bytes, not read it all.
        res.write('<!DOCTYPE html><html><body>Access denied');
        const more = setInterval(() => res.write('.'.repeat(1000)), 20);
        res.on('close', () => clearInterval(more));
      } else if (req.url === '/tiny') res.writeHead(200, { 'content-type': 'video/mp4' }).end('ftyp');
      else if (req.url === '/drip') {
        res.writeHead(200, { 'content-type': 'image/png' });
        // One byte every 250 ms: each within the idle timeout, never ending.
        const drip = setInterval(() => res.write(Buffer.from([0])), 250);
        res.on('close', () => clearInterval(drip));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    http = createOutboundHttp({ trustedHosts: [new URL(base).host] });
  });
  afterAll(async () => {
    await http.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('reads a file of declared length into one buffer', async () => {
    const got = await downloadVideo(`${base}/exact`, 1000, { http });
    expect(got.ok && got.data.equals(mp4Like(1000))).toBe(true);
  });

  it('refuses by Content-Length, or while streaming when there is none', async () => {
    expect(await downloadVideo(`${base}/exact`, 999, { http })).toEqual({ ok: false, reason: 'too_large', size: 1000 });
    expect(await downloadVideo(`${base}/chunked`, 1500, { http })).toEqual({ ok: false, reason: 'too_large', size: undefined });
    const whole = await downloadVideo(`${base}/chunked`, 2000, { http });
    expect(whole.ok && whole.data.length).toBe(2000);
  });

  it('reports a cut-short or missing file as failed', async () => {
    expect((await downloadVideo(`${base}/short`, 5000, { http })).ok).toBe(false);
    expect(await downloadVideo(`${base}/gone`, 5000, { http })).toEqual({ ok: false, reason: 'failed', detail: 'HTTP 404' });
  });

  it('refuses bytes that are not an MP4 as soon as they start, saying what they were', async () => {
    const started = Date.now();
    expect(await downloadVideo(`${base}/html`, 25 * 1024 * 1024, { http })).toEqual({
      ok: false,
      reason: 'failed',
      detail: 'not an MP4 (Content-Type text/html, starts with "<!DOCTYP")',
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await downloadVideo(`${base}/tiny`, 5000, { http })).toMatchObject({ ok: false, reason: 'failed', detail: expect.stringContaining('not an MP4') });
  });

  it('refuses a link the address guard refuses, as refused rather than failed', async () => {
    const port = new URL(base).port;
    expect(await downloadVideo(`http://127.0.0.2:${port}/exact`, 5000, { http })).toEqual({ ok: false, reason: 'refused', detail: 'refused to connect to 127.0.0.2 (loopback address)' });
    expect(await downloadVideo('file:///etc/passwd', 5000, { http })).toMatchObject({ ok: false, reason: 'refused' });
  });

  describe('createReadHead', () => {
    it('reads only the first bytes of a large image', async () => {
      const big = createServer((_req, res) => {
        res.writeHead(200, { 'content-length': String(3 * 1024 * 1024) });
        res.end(Buffer.alloc(3 * 1024 * 1024, 1));
      });
      await new Promise<void>((r) => big.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(big.address() as { port: number }).port}/`;
      const own = createOutboundHttp({ trustedHosts: [new URL(url).host] });
      try {
        const head = await createReadHead(own)(url, 64 * 1024);
        expect(head.length).toBe(64 * 1024);
      } finally {
        await own.close();
        big.closeAllConnections();
        await new Promise<void>((r) => big.close(() => r()));
      }
    });

    it('gives up on a server that drips bytes, at its overall deadline', async () => {
      const started = Date.now();
      await expect(createReadHead(http, 1_500)(`${base}/drip`, 1024 * 1024)).rejects.toThrow();
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(1_400);
      expect(took).toBeLessThan(3_000);
    });

    it('refuses an address the guard refuses', async () => {
      const port = new URL(base).port;
      await expect(createReadHead(http)(`http://127.0.0.2:${port}/exact`, 1024)).rejects.toBeInstanceOf(RefusedAddressError);
    });
  });
});
