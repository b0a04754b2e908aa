/**
 * Time as the engine sees it. Production uses the wall clock; benchmarks run the same engine on a clock that
 * goes faster than real time (see bench/), so whole hours of polling fit in a minute.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/** A clock running `scale` times faster than the wall clock, starting now. */
export function scaledClock(scale: number): Clock {
  const origin = Date.now();
  const now = () => origin + (Date.now() - origin) * scale;
  return {
    now,
    setTimeout(fn, ms) {
      const t = setTimeout(fn, Math.max(0, ms / scale));
      return { cancel: () => clearTimeout(t) };
    },
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms / scale))),
  };
}
