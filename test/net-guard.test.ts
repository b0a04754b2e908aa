import { createServer, type RequestListener, type Server } from 'node:http';
import type { LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyAddress, createOutboundHttp, refusingLookup, RefusedAddressError, type AddressKind } from '../src/util/net-guard';

describe('classifyAddress', () => {
  it.each<[string, AddressKind]>([
    ['8.8.8.8', 'public'],
    ['162.159.128.233', 'public'],
    ['2606:4700::6810:85e5', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.0.0.2', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.1', 'public'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    // IPv4-mapped IPv6, dotted and hex: the IPv4 rule applies.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:2', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    // The deprecated IPv4-compatible form.
    ['::7f00:1', 'reserved'],
    ['localhost', 'invalid'],
    ['', 'invalid'],
    ['999.1.1.1', 'invalid'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });
});

/** A resolver that answers from a table, as DNS would for a name an attacker controls. */
const fakeDns =
  (table: Record<string, { address: string; family: number }[]>): LookupFunction =>
  (hostname, _options, callback) => {
    const answers = table[hostname];
    if (!answers) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
    (callback as (err: null, addresses: { address: string; family: number }[]) => void)(null, answers);
  };

describe('refusingLookup', () => {
  const lookup = refusingLookup(
    fakeDns({
      'public.example': [{ address: '93.184.215.14', family: 4 }],
      'inside.example': [{ address: '10.0.0.7', family: 4 }],
      'mixed.example': [{ address: '93.184.215.14', family: 4 }, { address: '::ffff:169.254.169.254', family: 6 }],
    }),
  );
  const resolve = (name: string, all: boolean) =>
    new Promise<unknown>((ok, fail) => lookup(name, { all }, (err, address, family) => (err ? fail(err) : ok(all ? address : [address, family]))));

  it('passes public answers through in the shape asked for', async () => {
    expect(await resolve('public.example', false)).toEqual(['93.184.215.14', 4]);
    expect(await resolve('public.example', true)).toEqual([{ address: '93.184.215.14', family: 4 }]);
  });

  it('refuses a name when any of its answers is not public', async () => {
    await expect(resolve('inside.example', true)).rejects.toThrow('refused to connect to inside.example, which resolves to 10.0.0.7 (private address)');
    await expect(resolve('mixed.example', false)).rejects.toBeInstanceOf(RefusedAddressError);
  });

  it('passes resolver errors through', async () => {
    await expect(resolve('nowhere.example', false)).rejects.toThrow('ENOTFOUND');
  });
});

describe('createOutboundHttp', () => {
  const hits: string[] = [];
  const listen = async (host: string, handler: RequestListener = (req, res) => (hits.push(`${host}${req.url}`), res.end('secret'))) => {
    const server = createServer(handler);
    await new Promise<void>((r) => server.listen(0, host, r));
    return { server, port: (server.address() as { port: number }).port };
  };
  let trusted: { server: Server; port: number };
  let outside: { server: Server; port: number };
  let otherPort: { server: Server; port: number };
  let http: ReturnType<typeof createOutboundHttp>;
  beforeAll(async () => {
    // 127.0.0.2 is loopback too, but not the configured host: what a hostile provider URL would point at.
    outside = await listen('127.0.0.2');
    otherPort = await listen('127.0.0.1');
    trusted = await listen('127.0.0.1', (req, res) => {
      if (req.url === '/redirect') res.writeHead(302, { location: `http://127.0.0.2:${outside.port}/latest/meta-data/` }).end();
      else res.end('trusted');
    });
    http = createOutboundHttp({
      trustedHosts: [`127.0.0.1:${trusted.port}`],
      lookup: fakeDns({ 'video.example': [{ address: '127.0.0.2', family: 4 }] }),
    });
  });
  afterAll(async () => {
    await http.close();
    for (const s of [trusted, outside, otherPort]) await new Promise<void>((r) => s.server.close(() => r()));
  });

  it('fetches from a configured host, loopback or not', async () => {
    const res = await http.get(`http://127.0.0.1:${trusted.port}/x`);
    expect(await res.body.text()).toBe('trusted');
  });

  it.each([
    ['an IP literal', (p: number) => `http://127.0.0.2:${p}/latest/meta-data/`, 'refused to connect to 127.0.0.2 (loopback address)'],
    ['an IPv4-mapped IPv6 literal', (p: number) => `http://[::ffff:127.0.0.2]:${p}/`, 'refused to connect to ::ffff:7f00:2 (loopback address)'],
    ['a name resolving to loopback', (p: number) => `http://video.example:${p}/`, 'refused to connect to video.example, which resolves to 127.0.0.2 (loopback address)'],
  ])('refuses %s, and never connects', async (_what, url, message) => {
    await expect(http.get(url(outside.port))).rejects.toThrow(message);
    expect(hits).toEqual([]);
  });

  it('refuses the configured host on another port', async () => {
    await expect(http.get(`http://127.0.0.1:${otherPort.port}/`)).rejects.toBeInstanceOf(RefusedAddressError);
    expect(hits).toEqual([]);
  });

  it('refuses schemes other than http and https', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://8.8.8.8/x', 'data:text/plain,hi', 'not a url']) {
      await expect(http.get(url)).rejects.toBeInstanceOf(RefusedAddressError);
    }
  });

  it('does not follow a redirect, so a trusted host cannot bounce the fetch inside', async () => {
    const res = await http.get(`http://127.0.0.1:${trusted.port}/redirect`);
    expect(res.statusCode).toBe(302);
    await res.body.dump();
    expect(hits).toEqual([]);
  });
});
