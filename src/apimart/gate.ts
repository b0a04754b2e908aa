import { RateLimiterMemory, RateLimiterQueue, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * The cap on APIMart requests per second. Every request waits its turn here; a 429's Retry-After closes the
 * gate for everyone. With a Redis client the cap and the pause are shared by every process of the bot.
 */
export interface RequestGate {
  acquire(): Promise<void>;
  /** Nobody sends for `ms` (a provider's Retry-After). */
  pause(ms: number): Promise<void>;
}

function gateOver(limiter: RateLimiterAbstract, key: string): RequestGate {
  // RateLimiterQueue keeps waiters in FIFO order and re-tries after the limiter's msBeforeNext.
  const queue = new RateLimiterQueue(limiter);
  return {
    async acquire() {
      await queue.removeTokens(1, key);
    },
    async pause(ms) {
      await limiter.block(key, Math.max(1, Math.ceil(ms / 1000)));
    },
  };
}

export function memoryGate(maxRps: number): RequestGate {
  return gateOver(new RateLimiterMemory({ points: maxRps, duration: 1, keyPrefix: 'vidu-apimart' }), 'apimart');
}

/** `client` is a connected node-redis client (the one the store uses); processes sharing `key` share the cap. */
export function redisGate(maxRps: number, client: unknown, key = 'apimart'): RequestGate {
  return gateOver(new RateLimiterRedis({ storeClient: client, useRedisPackage: true, points: maxRps, duration: 1, keyPrefix: 'vidu-apimart' }), key);
}
