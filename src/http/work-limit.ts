// Bounded, fair concurrency for CPU- and memory-heavy work (password hashing, image processing): at most
// `concurrency` jobs run at once, a short queue waits its turn, and beyond it callers get 503 at once, so
// a flood of such requests cannot starve page rendering or exhaust memory on a small machine.
//
// Fairness, for work done on behalf of someone (a client address, an account): each job may name keys,
// and no key may have more than `maxPerKey` jobs running or waiting (beyond that: 429, not a queue slot),
// and waiting jobs are served round-robin between their first keys (their lanes). So one address flooding
// the queue holds at most `maxPerKey` of its slots, and a newcomer from elsewhere waits for at most one
// job of each other lane, never behind the whole flood.
import { ServiceUnavailable, TooManyRequests } from './errors.js';

export interface WorkLimitOptions {
  concurrency: number;
  maxWaiting: number;
  busyMessage: string;
  /** Jobs running or waiting per key; unlimited when absent. */
  maxPerKey?: number;
  /** The 429 message when a key is over maxPerKey. */
  tooManyMessage?: string;
}

const UNKEYED = '';

export class WorkLimit {
  private running = 0;
  private waiting = 0;
  /** Waiters per lane; a Map iterates in insertion order, and a served lane is moved to the end. */
  private readonly lanes = new Map<string, Array<() => void>>();
  private readonly perKey = new Map<string, number>();
  private readonly options: WorkLimitOptions;

  constructor(options: WorkLimitOptions);
  constructor(concurrency: number, maxWaiting: number, busyMessage: string);
  constructor(first: WorkLimitOptions | number, maxWaiting = 0, busyMessage = '') {
    this.options = typeof first === 'number' ? { concurrency: first, maxWaiting, busyMessage } : first;
  }

  private done = 0;

  /** Jobs running, waiting, and completed since start (for diagnostics and tests). */
  stats(): { running: number; waiting: number; completed: number } {
    return { running: this.running, waiting: this.waiting, completed: this.done };
  }

  async run<T>(work: () => Promise<T>, keys: readonly string[] = []): Promise<T> {
    const { concurrency, maxPerKey = Infinity } = this.options;
    if (keys.some((key) => (this.perKey.get(key) ?? 0) >= maxPerKey)) {
      throw new TooManyRequests(1, this.options.tooManyMessage);
    }
    if (this.running >= concurrency && this.waiting >= this.options.maxWaiting) throw new ServiceUnavailable(this.options.busyMessage);
    for (const key of keys) this.perKey.set(key, (this.perKey.get(key) ?? 0) + 1);
    try {
      if (this.running < concurrency) {
        this.running++;
      } else {
        // A finishing job hands its slot straight to the next waiter (running is not decremented in
        // between), so a newcomer cannot slip in while the waiter wakes and push the count past the bound.
        this.waiting++;
        await new Promise<void>((resolve) => this.enqueue(keys[0] ?? UNKEYED, resolve));
      }
      try {
        return await work();
      } finally {
        this.done++;
        this.handOver();
      }
    } finally {
      for (const key of keys) {
        const left = (this.perKey.get(key) ?? 1) - 1;
        if (left > 0) this.perKey.set(key, left);
        else this.perKey.delete(key);
      }
    }
  }

  private enqueue(lane: string, resolve: () => void): void {
    const queue = this.lanes.get(lane);
    if (queue) queue.push(resolve);
    else this.lanes.set(lane, [resolve]);
  }

  private handOver(): void {
    const next = this.lanes.entries().next();
    if (next.done) {
      this.running--;
      return;
    }
    const [lane, queue] = next.value;
    const resolve = queue.shift()!;
    // Round-robin: the lane just served goes to the back, behind every other lane that is waiting.
    this.lanes.delete(lane);
    if (queue.length) this.lanes.set(lane, queue);
    this.waiting--;
    resolve();
  }
}
