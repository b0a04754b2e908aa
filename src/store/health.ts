import type { StoreKind } from './errors';

export type StoreStatus = { kind: StoreKind; ok: true } | { kind: StoreKind; ok: false; since: number; error: string };

/**
 * Whether the store answers, from the outcome of every call (and of the pings below). One failure marks it
 * down and one success marks it up again, with one exception: while the last failure was a write, a read
 * that succeeds proves nothing (Redis at `maxmemory` with `noeviction` still answers reads), so only a
 * write clears it. Pure state; the caller reports outcomes and decides what to do with the changes.
 */
export class StoreHealth {
  private down: { since: number; error: string; write: boolean } | undefined;

  constructor(
    readonly kind: StoreKind,
    private readonly now: () => number = Date.now,
    private readonly onChange?: (status: StoreStatus) => void,
  ) {}

  succeeded(op: 'read' | 'write'): void {
    if (!this.down || (this.down.write && op === 'read')) return;
    this.down = undefined;
    this.onChange?.(this.status());
  }

  /** `op` is what failed; `connection` for the driver reporting a lost connection on its own. */
  failed(op: 'read' | 'write' | 'connection', error: string): void {
    const wasUp = !this.down;
    this.down = { since: this.down?.since ?? this.now(), error, write: op === 'write' || (this.down?.write ?? false) };
    if (wasUp) this.onChange?.(this.status());
  }

  /** What a ping should try to clear the current failure: a write after a failed write, else a read. */
  get pingWrites(): boolean {
    return this.down?.write ?? false;
  }

  status(): StoreStatus {
    return this.down ? { kind: this.kind, ok: false, since: this.down.since, error: this.down.error } : { kind: this.kind, ok: true };
  }
}

/**
 * Checks the store every `intervalMs` even when nothing else uses it, so that an outage and the recovery both
 * show in /healthz within seconds. One call at a time (the next is scheduled when the last has settled): a
 * store that hangs costs one pending ping, not a pile of them.
 */
export function startPinging(ping: (write: boolean) => Promise<unknown>, health: StoreHealth, intervalMs: number): { now(): void; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let stopped = false;
  const schedule = (ms: number) => {
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(tick, ms);
    // A ping must never be what keeps the process alive.
    timer.unref();
  };
  const tick = () => {
    if (running || stopped) return;
    running = true;
    // The outcome reaches `health` through the guarded call itself; nothing to do with it here.
    void ping(health.pingWrites)
      .catch(() => undefined)
      .finally(() => {
        running = false;
        schedule(intervalMs);
      });
  };
  schedule(intervalMs);
  return {
    now: () => {
      if (!running) schedule(0);
    },
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
