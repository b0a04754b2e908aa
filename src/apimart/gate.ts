import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../log';
import { ClassQueue } from '../util/class-queue';
import { systemClock, type Clock } from '../util/clock';

/**
 * What a request is worth (docs/apimart.md, "Rate limit"): a landing poll (aimed at a task's expected end, or
 * past it) decides a finished video's lag; an early poll (a job's first) catches fast failures and learns
 * `estimated_time`; a submit decides when a waiting member sees "Queued"; a routine mid-task poll only
 * refreshes a percentage.
 */
export type RequestClass = 'landing' | 'early' | 'submit' | 'routine';

/**
 * The order the gate serves waiting requests in, first to last. Measured with bench/budget.ts (150 jobs within
 * 3 s, tasks of 20 to 90 s, APIMart allowing 10 requests/s; lag p99 with an empty / a warm task history):
 *   landing > early > submit > routine   0.35 s / 0.44 s
 *   landing > submit > early > routine   1.41 s / 10.0 s
 *   early > landing > submit > routine   1.86 s / 1.09 s
 * Landing polls first, because they alone decide a finished video's lag and there are few at any moment. Early
 * polls before submits: behind a rush of submits they come late, so the estimates that aim the landing polls
 * come late, and a first poll aimed from history is carried past the ends of the short tasks it should catch.
 * Early polls after landing ones: otherwise the rush's first polls hold back the first short tasks' landing polls
 * (issue 11's tail). Routine polls last: they only move a percentage. Within a class it is first come, first
 * served, and every STARVATION_EVERY-th turn goes to the oldest waiter of any class, so a flood of one class
 * delays the others by turns, never indefinitely.
 */
export const REQUEST_ORDER: readonly RequestClass[] = ['landing', 'early', 'submit', 'routine'];
export const STARVATION_EVERY = 5;

/**
 * Rate discovery (additive increase, multiplicative decrease). APIMart publishes no limit: start at a rate that
 * is safe, add 1 request/s for every second in which requests waited for the gate and no 429 came, multiply by
 * 0.7 on a 429 (at most once a second: the 429s of one burst are one signal), never above the ceiling
 * (APIMART_MAX_RPS) nor below the floor. For holdMs after a 429 the increase stops at holdShare of the rate that
 * met it: plain AIMD would climb back into the limit every few seconds of a rush (a sawtooth whose every tooth
 * costs 429s, each closing the gate for its Retry-After); bench/budget.ts measured 2 % of requests answered 429
 * without the hold and under 1 % with it (a rush of 150 jobs lasts about 45 s: one hold covers it).
 */
export const AIMD = { startRps: 5, increaseRps: 1, decreaseFactor: 0.7, floorRps: 1, stepMs: 1_000, holdMs: 60_000, holdShare: 0.9 } as const;

/** Every Redis call of the gate gives up after this long; the gate then paces on its local rate (and logs it). */
export const REDIS_BOUND_MS = 250;

export interface RateState {
  rps: number;
  /** When the rate last went up, and down (ms of the gate's clock). */
  increasedAt: number;
  decreasedAt: number;
  /** The rate a 429 last met (0: none yet). */
  limitedRps: number;
}

/** One AIMD step, pure; the Redis script (RATE_SCRIPT) is the same rule, run atomically in Redis. */
export function aimdStep(s: RateState, op: 'increase' | 'decrease', now: number, ceilingRps: number): RateState {
  const rps = Math.min(s.rps, ceilingRps);
  if (op === 'increase') {
    if (now - s.increasedAt < AIMD.stepMs || now - s.decreasedAt < AIMD.stepMs) return { ...s, rps };
    const top = now - s.decreasedAt < AIMD.holdMs ? Math.min(ceilingRps, s.limitedRps * AIMD.holdShare) : ceilingRps;
    return { ...s, rps: Math.max(rps, Math.min(top, rps + AIMD.increaseRps)), increasedAt: now };
  }
  if (now - s.decreasedAt < AIMD.stepMs) return { ...s, rps };
  return { rps: Math.max(AIMD.floorRps, rps * AIMD.decreaseFactor), increasedAt: now, decreasedAt: now, limitedRps: rps };
}

const RATE_SCRIPT = `
local h = redis.call('HMGET', KEYS[1], 'rps', 'inc', 'dec', 'lim')
local now, start, ceiling, step = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local rps, inc, dec, lim = tonumber(h[1]) or start, tonumber(h[2]) or -1e15, tonumber(h[3]) or -1e15, tonumber(h[4]) or 0
if rps > ceiling then rps = ceiling end
if ARGV[1] == 'increase' then
  if now - inc >= step and now - dec >= step then
    local top = ceiling
    if now - dec < tonumber(ARGV[9]) then top = math.min(ceiling, lim * tonumber(ARGV[10])) end
    rps = math.max(rps, math.min(top, rps + tonumber(ARGV[6]))); inc = now
  end
elseif ARGV[1] == 'decrease' then
  if now - dec >= step then lim = rps; rps = math.max(tonumber(ARGV[8]), rps * tonumber(ARGV[7])); dec = now; inc = now end
end
redis.call('HSET', KEYS[1], 'rps', tostring(rps), 'inc', tostring(inc), 'dec', tostring(dec), 'lim', tostring(lim))
redis.call('PEXPIRE', KEYS[1], 3600000)
return {tostring(rps), tostring(inc), tostring(dec), tostring(lim)}
`;

/**
 * A busy gate wakes at most this often and hands out the turns that came due meanwhile, by class: one timer per
 * request (every 50 ms at 20/s, every 2.5 ms on bench/'s compressed clock) cost more CPU than the polling it
 * paces (bench/poller.ts, 10,000 jobs on a 20x compressed clock: 0.53 CPU s per simulated minute, 0.37 with
 * these batches). A landing poll waits for the next wake at most, and goes first in it.
 */
const BATCH_MS = 250;

/**
 * A gate at its ceiling with more waiters than one BATCH_MS batch serves (a backlog) wakes once a second instead
 * and hands out the second's turns together, still in class order and within `rate` turns in any second
 * (windowFreeAt): its waiters wait for the rate whatever the batch, and the wake-ups and scattered HTTP
 * exchanges of short batches cost CPU. bench/poller.ts, 10,000 jobs on a 20x clock, median of 3 runs: 0.26 CPU s
 * per simulated minute, against 0.37-0.47 with 250 ms batches and 0.19-0.21 before the gate paced evenly (issue
 * 11: no worse than 0.23-0.26). The price there: each second's batch waits for the window after the previous
 * one, and a timer late by a real millisecond is 20 simulated ones, so that bench polls about 7 % slower (lag
 * p99 625 s instead of 570 s); in real time it is a millisecond a second. Only at the ceiling: a rate under it
 * is being discovered or was cut by a 429, and a provider's sliding window meets a full second's batch at once
 * with 429s (bench/budget.ts, 150 jobs against 10/s: 2.6 % of requests with these batches below the ceiling).
 * Such a batch hands out one turn less than the rate, keeping the last of the second's window for a landing
 * poll that comes meanwhile: it goes at once (without it, a landing poll behind a backlog would wait up to a
 * second), and the ceiling holds in every second (APIMART_MAX_RPS is never exceeded). A kept turn no landing
 * poll took by KEEP_MS into the second goes to the backlog then (one more wake a second), so the backlog loses
 * no throughput; a landing poll later in the second waits for the next batch, 250 ms at most, as with BATCH_MS.
 */
const FULL_BATCH_MS = 1_000;
const KEEP_MS = 750;

/** The limiter counts milli-requests: a request costs POINTS / rate, so one 1 s window holds `rate` requests. */
const POINTS = 1000;

/**
 * The budget of APIMart requests. Every request waits its turn here, by class (REQUEST_ORDER); turns come at
 * the current rate, learnt by AIMD under the ceiling; a 429's Retry-After closes the gate for everyone. With a
 * Redis client the cap, the pause and the rate are shared by every process of the bot.
 */
export interface RequestGate {
  acquire(cls?: RequestClass): Promise<void>;
  /** APIMart answered 429: slow down, and with a Retry-After nobody sends for that long. */
  limited(retryAfterMs: number | undefined): Promise<void>;
  /** The current rate, requests per second (the metric vidu_apimart_rate_rps). */
  rate(): number;
  /** Requests waiting for their turn in this process. */
  waiting(): number;
}

export interface GateOptions {
  clock?: Clock;
  logger?: Logger;
  /** Start rate (AIMD.startRps by default), capped by the ceiling. */
  startRps?: number;
  /** The order of classes; REQUEST_ORDER unless a benchmark compares another. */
  order?: readonly RequestClass[];
  /**
   * For benchmarks on a compressed clock (bench/README.md): the clock runs this many times faster than the wall
   * clock, and rate-limiter-flexible's windows, which are wall time, shrink by as much.
   */
  timeScale?: number;
}

interface Shared {
  client: RedisEval;
  key: string;
}

interface RedisEval {
  eval(script: string, opts: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

function bounded<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export class PriorityGate implements RequestGate {
  private readonly clock: Clock;
  private readonly scale: number;
  private readonly rank: Record<RequestClass, number>;
  private readonly queue: ClassQueue<() => void>;
  private state: RateState;
  private nextSlotAt = 0;
  private pausedUntil = 0;
  private pumping = false;
  private timer: { cancel(): void } | undefined;
  private timerAt = Infinity;
  private syncing = false;
  private degraded = false;
  /** When the last turns were given (a ring as long as the ceiling allows turns in a second). */
  private readonly sent: Float64Array;
  /** When the turns of the current second began (a full batch's second, FULL_BATCH_MS). */
  private batchAt = -Infinity;
  private sentCount = 0;
  /** Since when requests have waited for their turn without a break (undefined: the queue emptied). */
  private busySince: number | undefined;

  constructor(
    private readonly ceilingRps: number,
    private readonly limiter: RateLimiterAbstract,
    private readonly limiterKey: string,
    private readonly shared: Shared | undefined,
    private readonly opts: GateOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.scale = opts.timeScale ?? 1;
    const order = opts.order ?? REQUEST_ORDER;
    this.rank = Object.fromEntries(order.map((c, i) => [c, i])) as Record<RequestClass, number>;
    this.queue = new ClassQueue(order.length, STARVATION_EVERY);
    this.sent = new Float64Array(Math.max(1, Math.ceil(ceilingRps)));
    this.state = { rps: Math.min(ceilingRps, opts.startRps ?? AIMD.startRps), increasedAt: -Infinity, decreasedAt: -Infinity, limitedRps: 0 };
  }

  rate(): number {
    return this.state.rps;
  }

  waiting(): number {
    return this.queue.size;
  }

  acquire(cls: RequestClass = 'routine'): Promise<void> {
    return new Promise<void>((resolve) => {
      this.queue.push(this.rank[cls], resolve);
      void this.pump();
    });
  }

  async limited(retryAfterMs: number | undefined): Promise<void> {
    this.adjust('decrease');
    if (retryAfterMs === undefined) return;
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + retryAfterMs);
    try {
      await bounded(this.limiter.block(this.limiterKey, Math.max(1, retryAfterMs) / 1000 / this.scale), REDIS_BOUND_MS);
    } catch (err) {
      this.fault(err);
    }
  }

  /** Hands out the turns that are free, one at a time: the best waiter at the moment a turn is free gets it. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.size > 0) {
        const span = this.state.rps >= this.ceilingRps && this.queue.size > (this.state.rps * BATCH_MS) / 1000 ? FULL_BATCH_MS : BATCH_MS;
        const full = span === FULL_BATCH_MS;
        const landingNext = this.queue.nextClass() === 0;
        const keeping = full && !landingNext && this.clock.now() < this.batchAt + KEEP_MS;
        const blocked = (kept: number) => Math.max(this.nextSlotAt, this.pausedUntil, this.windowFreeAt(kept)) - this.clock.now();
        const wait = blocked(keeping ? 1 : 0);
        if (wait > 0) {
          // The turn kept for a landing poll goes to the backlog once none came for it by KEEP_MS into the second.
          const release = keeping && blocked(0) <= 0 ? this.batchAt + KEEP_MS - this.clock.now() : Infinity;
          // A backlog's batches keep to their second (batchAt), whatever woke the gate in between.
          const next = !full ? Math.max(wait, span) : landingNext ? Math.max(wait, BATCH_MS) : Math.max(wait, this.batchAt + FULL_BATCH_MS - this.clock.now());
          return this.wake(Math.min(next, release));
        }
        const denied = await this.take();
        if (denied > 0) return this.wake(denied);
        const now = this.clock.now();
        // Turns on a fixed beat, not `now + interval`: the turns that came due while the gate slept (a batch, or
        // a timer late by a millisecond) are handed out at the next wake, best waiters first, so the rate holds;
        // an idle gate catches up by one batch at most.
        const interval = 1000 / this.state.rps;
        this.nextSlotAt = Math.max(this.nextSlotAt, now - span - interval) + interval;
        this.sent[this.sentCount++ % this.sent.length] = now;
        if (now >= this.batchAt + FULL_BATCH_MS) this.batchAt = now;
        this.queue.shift()!();
        // Requests have waited a whole step: the rate is what holds them back, so try a little more. Not on
        // a short wait: a rate that rose while it was not used would send the next rush at a rate never tried.
        if (this.queue.size === 0) this.busySince = undefined;
        else if (this.busySince === undefined) this.busySince = now;
        else if (now - this.busySince >= AIMD.stepMs) {
          this.busySince = now;
          this.adjust('increase');
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * When one more turn keeps this process within `rate` turns in every second, as a provider's sliding window
   * counts them: the beat alone lets a late timer's batch and the next one land in one second (bench/budget.ts
   * measured 429s at 8 to 9 requests/s against a limit of 10 before this bound).
   */
  private windowFreeAt(kept: number): number {
    const n = Math.max(1, Math.floor(this.state.rps) - kept);
    if (this.sentCount < n) return 0;
    return this.sent[(this.sentCount - n) % this.sent.length]! + 1000;
  }

  private wake(ms: number): void {
    const at = this.clock.now() + ms;
    if (this.timer && this.timerAt <= at) return;
    this.timer?.cancel();
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      void this.pump();
    }, ms);
  }

  /** One turn from the shared cap: 0 when granted, else how long to wait (ms of the gate's clock). */
  private async take(): Promise<number> {
    try {
      const consumed = this.limiter.consume(this.limiterKey, Math.ceil(POINTS / this.state.rps));
      // Only Redis can hang; the memory limiter answers at once and needs no timer per request.
      await (this.shared ? bounded(consumed, REDIS_BOUND_MS) : consumed);
      this.recovered();
      return 0;
    } catch (err) {
      if (err instanceof RateLimiterRes) return Math.max(1, err.msBeforeNext * this.scale);
      // The shared cap cannot be asked: pace on the local rate alone rather than stop.
      this.fault(err);
      return 0;
    }
  }

  private adjust(op: 'increase' | 'decrease'): void {
    const now = this.clock.now();
    const local = aimdStep(this.state, op, now, this.ceilingRps);
    // Nothing to do yet (inside the step after the last change): no Redis call either.
    if (local.increasedAt === this.state.increasedAt && local.decreasedAt === this.state.decreasedAt) return;
    if (!this.shared || (op === 'increase' && this.syncing)) {
      if (!this.shared) this.state = local;
      return;
    }
    this.syncing = true;
    const { client, key } = this.shared;
    const args = [op, now, this.opts.startRps ?? AIMD.startRps, this.ceilingRps, AIMD.stepMs, AIMD.increaseRps, AIMD.decreaseFactor, AIMD.floorRps, AIMD.holdMs, AIMD.holdShare].map(String);
    void bounded(client.eval(RATE_SCRIPT, { keys: [key], arguments: args }), REDIS_BOUND_MS)
      .then((reply) => {
        const [rps, inc, dec, lim] = (reply as string[]).map(Number);
        this.state = { rps: Math.min(this.ceilingRps, rps!), increasedAt: inc!, decreasedAt: dec!, limitedRps: lim! };
        this.recovered();
      })
      .catch((err: unknown) => {
        this.fault(err);
        this.state = aimdStep(this.state, op, now, this.ceilingRps);
      })
      .finally(() => {
        this.syncing = false;
      });
  }

  private fault(err: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.opts.logger?.warn({ err: (err as Error).message }, 'request gate: Redis did not answer; pacing APIMart requests on this process’s own rate');
  }

  private recovered(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.opts.logger?.info('request gate: Redis answers again; the request budget is shared again');
  }
}

export function memoryGate(ceilingRps: number, opts: GateOptions = {}): PriorityGate {
  const limiter = new RateLimiterMemory({ points: POINTS, duration: 1 / (opts.timeScale ?? 1), keyPrefix: 'vidu-apimart' });
  return new PriorityGate(ceilingRps, limiter, 'apimart', undefined, opts);
}

/** `client` is a connected node-redis client (the one the store uses); processes sharing `key` share the budget. */
export function redisGate(ceilingRps: number, client: unknown, key = 'apimart', opts: GateOptions = {}): PriorityGate {
  const limiter = new RateLimiterRedis({ storeClient: client, useRedisPackage: true, points: POINTS, duration: 1, keyPrefix: 'vidu-apimart' });
  return new PriorityGate(ceilingRps, limiter, key, { client: client as RedisEval, key: `vidu-apimart:rate:${key}` }, opts);
}
