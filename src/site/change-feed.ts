// The change feed: how one Quire process learns, within a second, of changes that another process on the
// same database made (N workers of `WEB_CONCURRENCY`, two separately started servers, a seed run into a
// running site), so its page cache, memos and reading indexes are never stale for long.
//
// Each process that changes something keeps one document of its own in `site_changes`: its id and one
// counter per signal ("content", "posts"), raised on every local change, with the last few changes'
// sequence numbers and what they named (the ids of the posts written, when the write knew them). Every
// process polls the small collection and delivers a signal locally as `remote` when another process's
// counter for it moved, with the ids of every change it missed; when some of those changes are no longer
// in the document (it fell more than RECENT_CHANGES behind) or named no ids, with `null`: "anything may
// have changed", and the listener starts over (the reading indexes rescan the posts).
// Each change also keeps its audience (src/db/changes.ts): a private one (an autosaved draft) is marked
// `private: true`, and the changes a poller missed are delivered as private only when every one of them
// is known and private; a gap, or a document written by an older version without the mark, is public.
// One writer per document is deliberate: the embedded engine (FerretDB) loses concurrent updates of ONE
// document, but nothing can be lost when no two processes ever write the same one. Change streams would
// push instead of poll, but neither FerretDB nor mongo-java-server has them; a poll of a handful of tiny
// documents every quarter of a second costs the database next to nothing.
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import type { ChangeAudience } from '../db/changes.js';
import type { Logger } from '../logger.js';

/** What a change names (post ids), or null when it may have touched anything of its kind. */
export type ChangedIds = readonly string[] | null;

/** A kind of change other processes must hear of: what this process does, delivered to the others. */
export interface SharedSignal {
  name: string;
  /** Subscribes to this process's own changes of this kind; returns the unsubscribe function. */
  onLocal(listener: (ids?: ChangedIds, audience?: ChangeAudience) => void): () => void;
  /** Tells this process's listeners of such changes made by other processes. */
  deliverRemote(ids: ChangedIds, audience: ChangeAudience): void;
}

/** One change: its number in the process's counter, what it named, and whether it was private. */
interface RecentChange {
  seq: number;
  ids: string[] | null;
  private?: true;
}

interface ProcessChanges {
  _id: string;
  counters: Record<string, number>;
  /** The last changes per signal, oldest first (absent in documents of older versions). */
  recent?: Record<string, RecentChange[]>;
  at: Date;
}

export interface ChangeFeedOptions {
  signals: SharedSignal[];
  logger: Logger;
  /** How often the other processes' changes are read. */
  pollMs?: number;
}

const COLLECTION = 'site_changes';
/** Changes per signal kept in a process's document: a poller further behind than this starts over. */
const RECENT_CHANGES = 50;
/** Ids per change kept; a change naming more is kept as "anything" (null). */
const IDS_PER_CHANGE = 20;
/** Documents of processes silent for this long are removed at start (stopped servers, old seed runs). */
const FORGET_AFTER_MS = 7 * 24 * 60 * 60 * 1000;

export class ChangeFeed {
  /** This process's document id: host-independent and unique per start. */
  readonly id = `${process.pid}-${randomBytes(6).toString('hex')}`;
  private readonly signals: SharedSignal[];
  private readonly logger: Logger;
  private readonly pollMs: number;
  private readonly counters: Record<string, number> = {};
  private readonly recent: Record<string, RecentChange[]> = {};
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
      this.recent[signal.name] = [];
      this.unsubscribe.push(signal.onLocal((ids, audience) => this.publish(signal.name, ids ?? null, audience ?? 'public')));
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

  /**
   * Where every process's count of `name` stands (this process's own changes published first), as one
   * string: two equal stamps mean no process changed anything of that kind in between (used to tell
   * whether a reading index saved to disk is still that of the database).
   */
  async stamp(name: string): Promise<string> {
    while (this.publishing) await this.publishing;
    const docs = await this.collection().find({}).toArray();
    const counts = docs.map((d) => [d._id, d.counters?.[name] ?? 0] as const).filter(([, n]) => n !== 0);
    return JSON.stringify(counts.sort(([a], [b]) => (a < b ? -1 : 1)));
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
    // Per signal that moved: the ids its missed changes named, or null when one of them is unknown; and
    // whether any of them was public (or unknown).
    const moved = new Map<string, Set<string> | null>();
    const publicMoves = new Set<string>();
    for (const doc of docs) {
      if (doc._id === this.id) continue;
      const before = this.seen.get(doc._id);
      this.seen.set(doc._id, { ...doc.counters });
      // At start every process's past is already in the database; afterwards a process seen for the
      // first time has changed something since our last poll.
      if (!this.primed) continue;
      for (const [name, count] of Object.entries(doc.counters ?? {})) {
        const from = before?.[name] ?? 0;
        if (count === from) continue;
        const missed = count > from ? missedChanges(doc.recent?.[name] ?? [], from, count) : null;
        const ids = missed?.ids ?? null;
        if (!missed || missed.audience === 'public') publicMoves.add(name);
        const sofar = moved.has(name) ? moved.get(name)! : new Set<string>();
        if (ids === null || sofar === null) moved.set(name, null);
        else moved.set(name, new Set([...sofar, ...ids]));
      }
    }
    this.primed = true;
    for (const signal of this.signals) {
      if (!moved.has(signal.name)) continue;
      const ids = moved.get(signal.name);
      signal.deliverRemote(ids ? [...ids] : null, publicMoves.has(signal.name) ? 'public' : 'private');
    }
  }

  /** Raises this process's counter for `name`; changes made while a write is out go in the next one. */
  private publish(name: string, ids: ChangedIds, audience: ChangeAudience): void {
    if (this.stopped) return;
    this.counters[name]! += 1;
    const recent = this.recent[name]!;
    recent.push({ seq: this.counters[name]!, ids: ids && ids.length <= IDS_PER_CHANGE ? [...ids] : null, ...(audience === 'private' ? { private: true as const } : {}) });
    if (recent.length > RECENT_CHANGES) recent.splice(0, recent.length - RECENT_CHANGES);
    this.pending.add(name);
    if (!this.publishing) this.publishing = this.flush();
  }

  private async flush(): Promise<void> {
    while (this.pending.size > 0) {
      this.pending = new Set();
      try {
        await this.collection().updateOne(
          { _id: this.id },
          { $set: { counters: { ...this.counters }, recent: structuredClone(this.recent), at: new Date() } },
          { upsert: true },
        );
      } catch (err) {
        this.logger.warn({ err }, 'change feed: could not publish a change; other processes learn of it at their next rebuild');
      }
    }
    this.publishing = null;
  }
}

/**
 * What a process's changes numbered from+1 to `to` named: their ids (null when one of them named none),
 * and `private` when every one of them was; or null when one is no longer in its document (the poller
 * fell behind: a gap, which counts as public and naming anything).
 */
function missedChanges(recent: RecentChange[], from: number, to: number): { ids: string[] | null; audience: ChangeAudience } | null {
  let ids: string[] | null = [];
  let audience: ChangeAudience = 'private';
  let expected = from + 1;
  for (const change of recent) {
    if (change.seq < expected) continue;
    if (change.seq > expected) return null;
    if (change.ids === null) ids = null;
    else ids?.push(...change.ids);
    if (change.private !== true) audience = 'public';
    expected++;
    if (expected > to) return { ids, audience };
  }
  return null;
}
