import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '@keyv/redis';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AIMD, aimdStep, PriorityGate, REDIS_BOUND_MS, type RateState, type RequestClass } from '../src/apimart/gate';
import type { Clock } from '../src/util/clock';
import type { Logger } from '../src/log';
import { capturedLogger } from './support/log-capture';
import { redisAvailable } from './support/redis';

/** A clock that moves only when told to; its timers run as it passes them. */
function manualClock(): Clock & { advance(ms: number): Promise<void> } {
  let now = 0;
  let timers: { at: number; fn: () => void }[] = [];
  const settle = () => new Promise<void>((r) => setImmediate(r));
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const t = { at: now + Math.max(0, ms), fn };
      timers.push(t);
      return { cancel: () => void (timers = timers.filter((x) => x !== t)) };
    },
    sleep(ms) {
      return new Promise<void>((r) => this.setTimeout(r, ms));
    },
    async advance(ms) {
      const end = now + ms;
      await settle();
      for (;;) {
        const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        now = Math.max(now, due.at);
        due.fn();
        await settle();
      }
      now = end;
      await settle();
    },
  };
}

/** A shared cap that never says no (nor pauses in wall time): these tests are about the gate's own turns and rate. */
class OpenLimiter extends RateLimiterMemory {
  constructor() {
    super({ points: 1e9, duration: 1 });
  }
  override block() {
    return Promise.resolve(new RateLimiterRes());
  }
}
const openLimiter = () => new OpenLimiter();

function gate(ceiling: number, clock: Clock, opts: { startRps?: number; shared?: { client: unknown; key: string }; logger?: Logger } = {}) {
  return new PriorityGate(ceiling, openLimiter(), 'test', opts.shared as never, { clock, startRps: opts.startRps, logger: opts.logger });
}

/** Queues requests and records the order (and time) in which they are let through. */
function recorder(g: PriorityGate, clock: Clock) {
  const order: { name: string; at: number }[] = [];
  return {
    order,
    ask(name: string, cls: RequestClass) {
      void g.acquire(cls).then(() => order.push({ name, at: clock.now() }));
    },
  };
}

describe('request gate: order', () => {
  it('serves landing polls, then early polls, then submits, then routine polls, first come first served within a class, and every 5th turn to the oldest', async () => {
    const clock = manualClock();
    const g = gate(1, clock, { startRps: 1 });
    const r = recorder(g, clock);
    r.ask('routine', 'routine');
    for (let i = 1; i <= 5; i++) r.ask(`submit${i}`, 'submit');
    r.ask('early', 'early');
    r.ask('landing', 'landing');
    await clock.advance(10_000);
    expect(r.order.map((x) => x.name)).toEqual(['landing', 'early', 'submit1', 'submit2', 'routine', 'submit3', 'submit4', 'submit5']);
    // One turn per second at 1 request/s.
    expect(r.order.map((x) => x.at)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000]);
  });

  it('lets a landing poll through within one turn of a rush of 100 submits and first polls', async () => {
    const clock = manualClock();
    const g = gate(5, clock, { startRps: 5 });
    const r = recorder(g, clock);
    for (let i = 0; i < 50; i++) {
      r.ask(`submit${i}`, 'submit');
      r.ask(`early${i}`, 'early');
    }
    await clock.advance(1_030);
    const askedAt = clock.now();
    r.ask('landing', 'landing');
    await clock.advance(2_000);
    const landing = r.order.find((x) => x.name === 'landing')!;
    const turnMs = 1000 / g.rate();
    // The turn in progress, then at most one more (a starvation turn for the oldest waiter).
    expect(landing.at - askedAt).toBeLessThanOrEqual(2 * turnMs);
    // And no submit went before an early poll except on the oldest-waiter turns.
    const before = r.order.slice(0, r.order.indexOf(landing));
    expect(before.filter((x) => x.name.startsWith('submit')).length).toBeLessThanOrEqual(Math.ceil(before.length / 5));
  });
});

describe('request gate: batches of a saturated gate', () => {
  it('hands out a second of turns at once, in class order (every 5th to the oldest), never more than the rate in a second', async () => {
    const clock = manualClock();
    let timers = 0;
    const counted: Clock = { ...clock, setTimeout: (fn, ms) => (timers++, clock.setTimeout(fn, ms)) };
    const g = gate(10, counted, { startRps: 10 });
    const r = recorder(g, clock);
    for (const [prefix, cls] of [['r', 'routine'], ['s', 'submit'], ['e', 'early']] as const) for (let i = 0; i < 12; i++) r.ask(`${prefix}${i}`, cls);
    await clock.advance(2_000);
    const at = (t: number) => r.order.filter((x) => x.at === t).map((x) => x.name);
    expect(at(0)).toEqual(['e0']);
    // One turn of each second kept for a landing poll that may come (9 of the 10 at once), and given to the
    // backlog 750 ms into the second when none came.
    expect(at(1000)).toEqual(['e1', 'e2', 'e3', 'r0', 'e4', 'e5', 'e6', 'e7', 'r1']);
    expect(at(1750)).toEqual(['e8']);
    expect(at(2000)).toEqual(['e9', 'e10', 'e11', 'r2', 's0', 's1', 's2', 's3']);
    expect(r.order).toHaveLength(19);
    // Two wakes a second (the batch and the kept turn), not one per turn nor one per 250 ms.
    expect(timers).toBeLessThanOrEqual(5);
  });

  it('lets a landing poll that comes meanwhile go at once, on the turn each second keeps for one, never over the rate', async () => {
    const clock = manualClock();
    const g = gate(10, clock, { startRps: 10 });
    const r = recorder(g, clock);
    for (let i = 0; i < 40; i++) r.ask(`e${i}`, 'early');
    await clock.advance(1_300);
    r.ask('landing', 'landing');
    await clock.advance(1);
    expect(r.order.find((x) => x.name === 'landing')?.at).toBe(1300);
    await clock.advance(5_000);
    const times = r.order.map((x) => x.at);
    // In any second: at most the rate.
    for (let i = 0; i + 10 < times.length; i++) expect(times[i + 10]! - times[i]!).toBeGreaterThanOrEqual(1000);
    // And the backlog still went: all 40 and the landing poll within the 6.3 s.
    expect(times).toHaveLength(41);
  });
});

describe('request gate: rate discovery (AIMD)', () => {
  const fresh: RateState = { rps: 5, increasedAt: -Infinity, decreasedAt: -Infinity, limitedRps: 0 };

  it('adds one request/s per second, multiplies by 0.7 on a 429 at most once a second, stays under the ceiling', () => {
    let s = aimdStep(fresh, 'increase', 0, 20);
    expect(s.rps).toBe(6);
    expect(aimdStep(s, 'increase', 500, 20).rps).toBe(6);
    s = aimdStep(s, 'increase', 1_000, 20);
    expect(s.rps).toBe(7);
    s = aimdStep(s, 'decrease', 1_200, 20);
    expect(s.rps).toBeCloseTo(4.9);
    expect(aimdStep(s, 'decrease', 1_500, 20).rps).toBeCloseTo(4.9);
    // No increase within a second of the 429, then none past 90 % of the rate it met while the hold lasts.
    expect(aimdStep(s, 'increase', 2_000, 20).rps).toBeCloseTo(4.9);
    for (let t = 2_200; t < 1_200 + AIMD.holdMs; t += 1_000) s = aimdStep(s, 'increase', t, 20);
    expect(s.rps).toBeCloseTo(7 * AIMD.holdShare);
    for (let t = 1_200 + AIMD.holdMs; t < 200_000; t += 1_000) s = aimdStep(s, 'increase', t, 20);
    expect(s.rps).toBe(20);
    expect(aimdStep({ ...fresh, rps: 1 }, 'decrease', 0, 20).rps).toBe(AIMD.floorRps);
  });

  it('speeds up while requests wait, never past the ceiling, and slows down and pauses on a 429', async () => {
    const clock = manualClock();
    const g = gate(8, clock);
    expect(g.rate()).toBe(5);
    const r = recorder(g, clock);
    for (let i = 0; i < 200; i++) r.ask(`p${i}`, 'routine');
    await clock.advance(2_500);
    expect(g.rate()).toBeGreaterThan(5);
    await clock.advance(10_000);
    expect(g.rate()).toBe(8);
    const before = r.order.length;
    await g.limited(2_000);
    expect(g.rate()).toBeCloseTo(8 * 0.7);
    await clock.advance(1_900);
    expect(r.order.length).toBe(before);
    await clock.advance(1_000);
    expect(r.order.length).toBeGreaterThan(before);
  });

  it('goes no faster than it is used: a rate that was not needed does not grow', async () => {
    const clock = manualClock();
    const g = gate(20, clock);
    // One request every 300 ms never waits for its turn at 5/s.
    for (let i = 0; i < 30; i++) {
      void g.acquire('routine');
      await clock.advance(300);
    }
    expect(g.rate()).toBe(5);
  });
});

describe('request gate: shared through Redis', () => {
  // A database of this suite's own (docs: tests use 7 and 12), and keys of its own, removed afterwards.
  const url = 'redis://127.0.0.1:6379/9';
  const key = `vidu-apimart:rate:gate-test-${process.pid}-${Date.now()}`;
  const clients: { isOpen: boolean; quit(): Promise<unknown>; del(k: string): Promise<unknown> }[] = [];
  afterAll(async () => {
    const open = clients.filter((c) => c.isOpen);
    await open[0]?.del(key);
    await Promise.all(open.map((c) => c.quit()));
  });

  it('two gates share one rate: a 429 seen by one slows the other', async (t) => {
    if (!(await redisAvailable())) t.skip();
    const a = createClient({ url });
    const b = createClient({ url });
    clients.push(a, b);
    await Promise.all([a.connect(), b.connect()]);
    const clock = manualClock();
    const gateA = gate(20, clock, { shared: { client: a, key } });
    const gateB = gate(20, clock, { shared: { client: b, key } });
    await gateA.limited(undefined);
    await until(() => gateA.rate() < 5);
    expect(gateA.rate()).toBeCloseTo(3.5);
    // B has not heard of it yet; its own 429 a second later starts from the shared rate, not from its 5.
    expect(gateB.rate()).toBe(5);
    await clock.advance(1_000);
    await gateB.limited(undefined);
    await until(() => gateB.rate() < 5);
    expect(gateB.rate()).toBeCloseTo(3.5 * 0.7);
    expect(Number(await a.hGet(key, 'rps'))).toBeCloseTo(3.5 * 0.7);
  });

  it('paces on its own rate and says so when Redis does not answer within the bound', async () => {
    const logs = capturedLogger();
    const clock = manualClock();
    const silent = { eval: () => new Promise<never>(() => {}) };
    const g = gate(20, clock, { shared: { client: silent, key }, logger: logs.logger });
    await g.limited(undefined);
    await new Promise((r) => setTimeout(r, REDIS_BOUND_MS + 100));
    expect(g.rate()).toBeCloseTo(3.5);
    expect(logs.lines.filter((l) => l.includes('Redis did not answer'))).toHaveLength(1);
  });
});

async function until(cond: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
