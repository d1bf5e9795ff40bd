// Time budgets for work that runs on the event loop and whose cost is known only once it is done: a search
// that walks the text of many posts (src/posts/search-index.ts) takes a millisecond for most queries and
// a hundred for a phrase of common words at 100,000 posts, and nothing tells them apart before it runs.
// So the work is measured, and each client address, and all clients together, may spend only so much of
// it: a token bucket of milliseconds each, refilled at a steady rate. Work under `freeMs` is not counted,
// so ordinary use (and a load test of ordinary searches) never meets a limit; a client that has spent
// its budget gets 429 with Retry-After until it refills, and when everyone together has spent theirs,
// everyone gets 503 for this kind of work (pages already in the page cache, and other pages, are
// unaffected). A check happens before the work and the charge after it, so one request may overdraw a
// bucket: the next ones wait until it is positive again.
import { ServiceUnavailable, TooManyRequests } from './errors.js';

/** Milliseconds a piece of work spent, added to by whoever measures it. */
export interface WorkMeter {
  ms: number;
}

export interface BucketOptions {
  /** How many milliseconds of counted work may be spent at once (a full bucket). */
  burstMs: number;
  /** How many milliseconds of counted work the bucket gains back per second. */
  refillMsPerSecond: number;
}

export interface TimeBudgetOptions {
  /** Work that took less than this many milliseconds is not counted. */
  freeMs: number;
  perClient: BucketOptions;
  overall: BucketOptions;
  /** What the 429 and the 503 say. */
  tooMuchMessage: string;
  busyMessage: string;
  /** Clients remembered at most (those whose bucket is full again are forgotten first). */
  maxClients?: number;
  /** The clock (tests move it). */
  now?: () => number;
}

class Bucket {
  level: number;
  private updated: number;

  constructor(
    private readonly options: BucketOptions,
    now: number,
  ) {
    this.level = options.burstMs;
    this.updated = now;
  }

  /** The level now, after refilling since the last look. */
  refill(now: number): number {
    this.level = Math.min(this.options.burstMs, this.level + ((now - this.updated) / 1000) * this.options.refillMsPerSecond);
    this.updated = now;
    return this.level;
  }

  /** Whole seconds until the bucket is above zero again. */
  secondsToPositive(): number {
    return Math.max(1, Math.ceil(-this.level / this.options.refillMsPerSecond) + 1);
  }

  get full(): boolean {
    return this.level >= this.options.burstMs;
  }
}

export class TimeBudget {
  private readonly clients = new Map<string, Bucket>();
  private readonly overall: Bucket;
  private readonly now: () => number;
  private readonly maxClients: number;

  constructor(private readonly options: TimeBudgetOptions) {
    this.now = options.now ?? Date.now;
    this.maxClients = options.maxClients ?? 10_000;
    this.overall = new Bucket(options.overall, this.now());
  }

  /** Throws 429 if `client` has spent its budget, 503 if all clients together have. */
  check(client: string): void {
    const now = this.now();
    const own = this.clients.get(client);
    if (own && own.refill(now) <= 0) throw new TooManyRequests(own.secondsToPositive(), this.options.tooMuchMessage);
    if (this.overall.refill(now) <= 0) throw new ServiceUnavailable(this.options.busyMessage, this.overall.secondsToPositive());
  }

  /** Charges `client` (and everyone) for work that took `ms`, if it is counted at all. */
  charge(client: string, ms: number): void {
    if (!(ms >= this.options.freeMs)) return;
    const now = this.now();
    let own = this.clients.get(client);
    if (!own) {
      if (this.clients.size >= this.maxClients) this.forgetOne(now);
      own = new Bucket(this.options.perClient, now);
      this.clients.set(client, own);
    }
    own.refill(now);
    own.level -= ms;
    this.overall.refill(now);
    this.overall.level -= ms;
  }

  /** Makes room: a client whose bucket is full again, else the one remembered longest. */
  private forgetOne(now: number): void {
    for (const [client, bucket] of this.clients) {
      bucket.refill(now);
      if (bucket.full) {
        this.clients.delete(client);
        return;
      }
    }
    this.clients.delete(this.clients.keys().next().value!);
  }
}
