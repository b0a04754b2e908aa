/**
 * Waiters in priority classes (0 first), first come first served within a class, and starvation-free: every
 * `oldestEvery`-th take goes to the oldest waiter whatever its class. Pure and O(1) per push and take (the
 * oldest is one of the class heads), so a queue of 10,000 costs no scan. Used by the request gate
 * (src/apimart/gate.ts) for its waiters and by the poller for its due polls.
 */
export class ClassQueue<T> {
  private readonly queues: Fifo<{ seq: number; value: T }>[];
  private seq = 0;
  private takes = 0;
  private count = 0;

  constructor(classes: number, private readonly oldestEvery = 5) {
    this.queues = Array.from({ length: classes }, () => new Fifo());
  }

  get size(): number {
    return this.count;
  }

  /** Waiters in class `cls` right now. */
  sizeOf(cls: number): number {
    return this.queues[cls]!.size;
  }

  push(cls: number, value: T): void {
    this.queues[cls]!.push({ seq: this.seq++, value });
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    this.takes++;
    let pick: Fifo<{ seq: number; value: T }> | undefined;
    if (this.takes % this.oldestEvery === 0) {
      for (const q of this.queues) if (q.size > 0 && (!pick || q.peek()!.seq < pick.peek()!.seq)) pick = q;
    } else {
      pick = this.queues.find((q) => q.size > 0);
    }
    this.count--;
    return pick!.shift()!.value;
  }
}

/** An array queue with a moving head, compacted now and then: O(1) amortised, unlike Array.shift. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(v: T): void {
    this.items.push(v);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const v = this.items[this.head]!;
    this.items[this.head++] = undefined as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }
}
