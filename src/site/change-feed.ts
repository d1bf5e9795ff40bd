// The change feed: how one Quire process learns, within a second, of changes that another process on the
// same database made (N workers of `WEB_CONCURRENCY`, two separately started servers, a seed run into a
// running site), so its page cache, memos and reading indexes are never stale for long.
//
// Each process that changes something keeps one document of its own in `site_changes`: its id and one
// counter per signal ("content", "posts"), raised on every local change. Every process polls the small
// collection and delivers a signal locally as `remote` when another process's counter for it moved.
// One writer per document is deliberate: the embedded engine (FerretDB) loses concurrent updates of ONE
// document, but nothing can be lost when no two processes ever write the same one. Change streams would
// push instead of poll, but neither FerretDB nor mongo-java-server has them; a poll of a handful of tiny
// documents every quarter of a second costs the database next to nothing.
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import type { Logger } from '../logger.js';

/** A kind of change other processes must hear of: what this process does, delivered to the others. */
export interface SharedSignal {
  name: string;
  /** Subscribes to this process's own changes of this kind; returns the unsubscribe function. */
  onLocal(listener: () => void): () => void;
  /** Tells this process's listeners of such a change made by another process. */
  deliverRemote(): void;
}

interface ProcessChanges {
  _id: string;
  counters: Record<string, number>;
  at: Date;
}

export interface ChangeFeedOptions {
  signals: SharedSignal[];
  logger: Logger;
  /** How often the other processes' changes are read. */
  pollMs?: number;
}

const COLLECTION = 'site_changes';
/** Documents of processes silent for this long are removed at start (stopped servers, old seed runs). */
const FORGET_AFTER_MS = 7 * 24 * 60 * 60 * 1000;

export class ChangeFeed {
  /** This process's document id: host-independent and unique per start. */
  readonly id = `${process.pid}-${randomBytes(6).toString('hex')}`;
  private readonly signals: SharedSignal[];
  private readonly logger: Logger;
  private readonly pollMs: number;
  private readonly counters: Record<string, number> = {};
  private readonly seen = new Map<string, Record<string, number>>();
  private readonly unsubscribe: Array<() => unknown> = [];
  private pending = new Set<string>();
  private publishing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | null = null;
  private primed = false;
  private stopped = false;

  constructor({ signals, logger, pollMs = 250 }: ChangeFeedOptions) {
    this.signals = signals;
    this.logger = logger;
    this.pollMs = pollMs;
  }

  /** Subscribes to local changes, reads where the other processes stand, and starts polling. */
  async start(): Promise<void> {
    for (const signal of this.signals) {
      this.counters[signal.name] = 0;
      this.unsubscribe.push(signal.onLocal(() => this.publish(signal.name)));
    }
    await this.collection().deleteMany({ at: { $lt: new Date(Date.now() - FORGET_AFTER_MS) } }).catch(() => undefined);
    await this.poll();
    this.schedule();
  }

  /** Stops polling and waits for a publication in flight, so a change made just before stopping is out. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const off of this.unsubscribe.splice(0)) off();
    await this.polling;
    while (this.publishing) await this.publishing;
  }

  /** Reads the other processes' documents once and delivers what moved (exposed for tests). */
  poll(): Promise<void> {
    this.polling ??= this.readOthers().finally(() => (this.polling = null));
    return this.polling;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.poll().finally(() => this.schedule());
    }, this.pollMs);
    this.timer.unref();
  }

  private collection() {
    return mongoose.connection.collection<ProcessChanges>(COLLECTION);
  }

  private async readOthers(): Promise<void> {
    let docs: ProcessChanges[];
    try {
      docs = await this.collection().find({}).toArray();
    } catch (err) {
      // The database is down or restarting: nothing to deliver now, the next poll tries again.
      this.logger.debug({ err }, 'change feed: poll failed');
      return;
    }
    const moved = new Set<string>();
    for (const doc of docs) {
      if (doc._id === this.id) continue;
      const before = this.seen.get(doc._id);
      this.seen.set(doc._id, { ...doc.counters });
      // At start every process's past is already in the database; afterwards a process seen for the
      // first time has changed something since our last poll.
      if (!this.primed) continue;
      for (const [name, count] of Object.entries(doc.counters ?? {})) {
        if (count !== (before?.[name] ?? 0)) moved.add(name);
      }
    }
    this.primed = true;
    for (const signal of this.signals) {
      if (moved.has(signal.name)) signal.deliverRemote();
    }
  }

  /** Raises this process's counter for `name`; changes made while a write is out go in the next one. */
  private publish(name: string): void {
    if (this.stopped) return;
    this.counters[name]! += 1;
    this.pending.add(name);
    if (!this.publishing) this.publishing = this.flush();
  }

  private async flush(): Promise<void> {
    while (this.pending.size > 0) {
      this.pending = new Set();
      try {
        await this.collection().updateOne(
          { _id: this.id },
          { $set: { counters: { ...this.counters }, at: new Date() } },
          { upsert: true },
        );
      } catch (err) {
        this.logger.warn({ err }, 'change feed: could not publish a change; other processes learn of it at their next rebuild');
      }
    }
    this.publishing = null;
  }
}
