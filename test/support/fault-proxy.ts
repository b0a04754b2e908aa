import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 that a test puts between the bot and a server (Redis) and breaks on command:
 * what a flaky network or a restarting server does to a client, without touching the server itself, which
 * other suites may share.
 */
export interface FaultProxy {
  port: number;
  /** Resets every proxied connection at once; new ones are accepted (a network blip, a server restart). */
  drop(): void;
  /**
   * Holds every byte in both directions, new connections included, for `ms`: calls hang, nothing fails. With
   * `thenReset` the held bytes are dropped and every connection reset at the end: a hung link that finally
   * breaks, failing every call in flight at once.
   */
  stall(ms: number, opts?: { thenReset?: boolean }): void;
  /** Resets everything and refuses new connections for `ms`: the server is down. */
  outage(ms: number): void;
  /** Ends any stall or outage now (held bytes are passed on). */
  heal(): void;
  /** Connections accepted so far, refused ones included. */
  readonly accepted: number;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Chunks held during a stall, in arrival order, with the socket each is bound for. */
  held: [Socket, Buffer][];
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const pairs = new Set<Pair>();
  let stalled = false;
  let downUntil = 0;
  let accepted = 0;
  let healTimer: NodeJS.Timeout | undefined;
  let resetOnHeal = false;

  const release = () => {
    stalled = false;
    for (const p of pairs) {
      for (const [to, chunk] of p.held) if (!to.destroyed) to.write(chunk);
      p.held = [];
    }
  };
  const resetAll = () => {
    for (const p of [...pairs]) {
      p.client.resetAndDestroy();
      p.upstream.resetAndDestroy();
      pairs.delete(p);
    }
  };
  /** One timer for whichever fault ends last: a new stall or outage replaces the previous one's end. */
  const healIn = (ms: number) => {
    clearTimeout(healTimer);
    healTimer = setTimeout(heal, ms);
  };
  const heal = () => {
    clearTimeout(healTimer);
    healTimer = undefined;
    downUntil = 0;
    if (resetOnHeal) resetAll();
    resetOnHeal = false;
    release();
  };

  const server = createServer((client) => {
    accepted++;
    if (Date.now() < downUntil) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    const pair: Pair = { client, upstream, held: [] };
    pairs.add(pair);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (stalled) pair.held.push([to, chunk]);
        else to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });

  return {
    port: (server.address() as AddressInfo).port,
    get accepted() {
      return accepted;
    },
    drop: resetAll,
    stall(ms, opts = {}) {
      stalled = true;
      resetOnHeal ||= opts.thenReset === true;
      healIn(ms);
    },
    outage(ms) {
      downUntil = Date.now() + ms;
      resetAll();
      healIn(ms);
    },
    heal,
    async close() {
      heal();
      resetAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
