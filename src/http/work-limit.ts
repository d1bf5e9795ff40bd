// Bounded concurrency for CPU- and memory-heavy work (password hashing, image processing): at most
// `concurrency` jobs run at once, a short queue waits its turn, and beyond it callers get 503 at once,
// so a flood of such requests cannot starve page rendering or exhaust memory on a small machine.
import { ServiceUnavailable } from './errors.js';

export class WorkLimit {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly maxWaiting: number,
    private readonly busyMessage: string,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) {
      this.running++;
    } else {
      if (this.waiting.length >= this.maxWaiting) throw new ServiceUnavailable(this.busyMessage);
      // A finishing job hands its slot straight to the next waiter (running is not decremented in
      // between), so a newcomer cannot slip in while the waiter wakes and push the count past the bound.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
