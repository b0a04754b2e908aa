/**
 * Waiters in priority classes (0 first), first come first served within a class, and starvation-free: every
 * `oldestEvery`-th take goes to the oldest waiter whatever its class. Pure and O(1) per push and take (the
 * oldest is one of the class heads), so a queue of 10,000 costs no scan. Used by the request gate
 * (src/apimart/gate.ts) for its waiters and by the poller for its due polls.
 */
export class ClassQueue<T> {
  private readonly queues: Fifo<T>[];
  private seq = 0;
  private takes = 0;
  private count = 0;

  constructor(classes: number, private readonly oldestEvery = 5) {
    this.queues = Array.from({ length: classes }, () => new Fifo<T>());
  }

  get size(): number {
    return this.count;
  }

  /** The class the next shift() takes from (-1: empty). */
  nextClass(): number {
    if (this.count === 0) return -1;
    let pick = -1;
    if ((this.takes + 1) % this.oldestEvery === 0) {
      this.queues.forEach((q, i) => {
        if (q.size > 0 && (pick < 0 || q.headSeq() < this.queues[pick]!.headSeq())) pick = i;
      });
      return pick;
    }
    return this.queues.findIndex((q) => q.size > 0);
  }

  push(cls: number, value: T): void {
    this.queues[cls]!.push(value, this.seq++);
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    this.takes++;
    let pick: Fifo<T> | undefined;
    if (this.takes % this.oldestEvery === 0) {
      for (const q of this.queues) if (q.size > 0 && (!pick || q.headSeq() < pick.headSeq())) pick = q;
    } else {
      pick = this.queues.find((q) => q.size > 0);
    }
    this.count--;
    return pick!.shift();
  }
}

/**
 * An array queue with a moving head, compacted now and then: O(1) amortised, unlike Array.shift. Arrival numbers
 * sit in a parallel array of numbers, so a push allocates nothing (the poller pushes every due poll).
 */
class Fifo<T> {
  private values: (T | undefined)[] = [];
  private seqs: number[] = [];
  private head = 0;

  get size(): number {
    return this.values.length - this.head;
  }

  push(v: T, seq: number): void {
    this.values.push(v);
    this.seqs.push(seq);
  }

  headSeq(): number {
    return this.seqs[this.head]!;
  }

  shift(): T | undefined {
    if (this.head >= this.values.length) return undefined;
    const v = this.values[this.head];
    this.values[this.head++] = undefined;
    if (this.head === this.values.length) {
      // Empty: start over in place, no copy.
      this.values.length = 0;
      this.seqs.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.values.length) {
      this.values = this.values.slice(this.head);
      this.seqs = this.seqs.slice(this.head);
      this.head = 0;
    }
    return v;
  }
}
