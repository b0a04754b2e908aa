import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector, request, type Dispatcher } from 'undici';

/**
 * Fetches of URLs that came from outside (the provider's video link, a Discord attachment link) must never
 * reach this machine, its network or the cloud's metadata service: a hostile or broken answer could
 * otherwise make the bot read `http://169.254.169.254/latest/meta-data/…` and post what it got. The check
 * runs on the address the socket is actually opened to, not on the host name: a name can resolve anywhere.
 */

export type AddressKind = 'public' | 'unspecified' | 'loopback' | 'private' | 'link-local' | 'cgnat' | 'metadata' | 'multicast' | 'reserved' | 'invalid';

/**
 * Checked in this order, so a metadata address is named as such rather than as the link-local range it sits
 * in. Node's BlockList also matches IPv4-mapped IPv6 (`::ffff:127.0.0.1`, `::ffff:7f00:1`) against the IPv4
 * rules, so the mapped forms need no rules of their own.
 */
const RANGES: readonly (readonly [Exclude<AddressKind, 'public' | 'invalid'>, readonly (readonly [string, number])[]])[] = [
  // AWS/GCP/Azure/OpenStack (and AWS's IPv6 endpoint), AWS ECS task metadata, Alibaba Cloud.
  ['metadata', [['169.254.169.254', 32], ['169.254.170.2', 32], ['fd00:ec2::254', 128], ['100.100.100.200', 32]]],
  ['unspecified', [['0.0.0.0', 8], ['::', 128]]],
  ['loopback', [['127.0.0.0', 8], ['::1', 128]]],
  ['private', [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['fc00::', 7], ['fec0::', 10]]],
  ['link-local', [['169.254.0.0', 16], ['fe80::', 10]]],
  ['cgnat', [['100.64.0.0', 10]]],
  ['multicast', [['224.0.0.0', 4], ['ff00::', 8]]],
  // 240/4 holds the broadcast address; ::/96 is the deprecated IPv4-compatible form (`::7f00:1`).
  ['reserved', [['240.0.0.0', 4], ['::', 96]]],
];

const BLOCKS = RANGES.map(([kind, nets]) => {
  const list = new BlockList();
  for (const [net, prefix] of nets) list.addSubnet(net, prefix, isIP(net) === 6 ? 'ipv6' : 'ipv4');
  return [kind, list] as const;
});

/** What an IP address is, for deciding whether outside URLs may reach it. Pure. */
export function classifyAddress(address: string): AddressKind {
  const family = isIP(address);
  if (family === 0) return 'invalid';
  const type = family === 6 ? 'ipv6' : 'ipv4';
  for (const [kind, list] of BLOCKS) if (list.check(address, type)) return kind;
  return 'public';
}

/** An outside URL the guard would not fetch: its scheme, or the address its host is (or resolves to). */
export class RefusedAddressError extends Error {
  override readonly name = 'RefusedAddressError';
  readonly code = 'ERR_ADDRESS_REFUSED';
}

const refusal = (host: string, address: string, kind: AddressKind) =>
  new RefusedAddressError(`refused to connect to ${host}${address === host ? '' : `, which resolves to ${address}`} (${kind} address)`);

/**
 * A `lookup` for net.connect that fails when any address of the name is not public. Refusing the whole name
 * (rather than picking its public addresses) leaves no room for a name that flips between answers.
 */
export function refusingLookup(lookup: LookupFunction = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as { address: string; family: number }[];
      const bad = list.find((a) => classifyAddress(a.address) !== 'public');
      if (bad) return callback(refusal(hostname, bad.address, classifyAddress(bad.address)), '', 0);
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

export interface OutboundHttp {
  /** GET of an outside URL; rejects with RefusedAddressError for a non-http(s) URL or a refused address. */
  get(url: string, opts?: { signal?: AbortSignal; headersTimeout?: number; bodyTimeout?: number }): Promise<Dispatcher.ResponseData>;
  close(): Promise<void>;
}

export interface OutboundHttpOptions {
  /**
   * Hosts (`host[:port]`, as URL.host spells them) fetched without the address check: those of the
   * configured base URLs, which an operator chose, so fakes or a proxy on a private address keep working.
   */
  trustedHosts: readonly string[];
  /** Name resolution; tests inject one. */
  lookup?: LookupFunction;
}

/**
 * The one way outside URLs are fetched. An undici Agent whose connector (undici 7: `connect` as a function,
 * lib/dispatcher/client.js, is called with `{ host, hostname, protocol, port }` for every new socket) refuses
 * an IP literal that is not public before connecting, and otherwise opens the socket through undici's own
 * buildConnector (lib/core/connect.js) with a `lookup` that refuses non-public answers: buildConnector spreads
 * its options into net.connect/tls.connect, and net.connect resolves names only through that lookup (it skips
 * lookup for IP literals, hence the check before). So the address checked is the address connected to.
 * Redirects are not followed (undici's request follows none), so no second hop escapes the check.
 */
export function createOutboundHttp({ trustedHosts, lookup }: OutboundHttpOptions): OutboundHttp {
  const trusted = new Set(trustedHosts.map((h) => h.toLowerCase()));
  const direct = buildConnector({});
  const checked = buildConnector({ lookup: refusingLookup(lookup) });
  const agent = new Agent({
    connect: (opts, callback) => {
      if (opts.host !== undefined && trusted.has(opts.host.toLowerCase())) return direct(opts, callback);
      // undici hands IPv6 literals over without their brackets (lib/dispatcher/client.js, connect()).
      const kind = isIP(opts.hostname) ? classifyAddress(opts.hostname) : 'public';
      if (kind !== 'public') return callback(refusal(opts.hostname, opts.hostname, kind), null);
      return checked(opts, callback);
    },
  });
  return {
    async get(url, opts = {}) {
      const protocol = URL.canParse(url) ? new URL(url).protocol : undefined;
      if (protocol !== 'http:' && protocol !== 'https:') throw new RefusedAddressError(`refused to fetch a ${protocol ?? 'malformed'} URL; only http and https are fetched`);
      return request(url, { ...opts, dispatcher: agent });
    },
    close: () => agent.close(),
  };
}
