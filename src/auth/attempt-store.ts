// Counters for attempt limits (sign-in failures, sign-ups, password changes) kept in the database, so
// that every Quire process on one database counts against the same limits and a lockout made through one
// process holds in all of them, and across restarts.
//
// Why rows and not counters: FerretDB 1.24 applies $inc and conditional updates without atomicity and
// loses them under concurrency (200 parallel $inc from one process gave 30), but it never loses an
// insert. So each attempt is a row {key, at}; an attempt is allowed when its row is among the first
// `limit` rows of its key in the window (oldest first, _id breaking ties), which every process computes
// the same way. A refused attempt deletes its row, and so does one whose answer turns out not to count
// (a successful sign-in): deletes by _id are never lost either.
//
// Reserve-then-count happens BEFORE the expensive work (hashing a password), so a burst of parallel
// guesses cannot slip through while the first ones are still being checked. Within a process the
// reservations of one key are made one at a time, so the count is exact; across processes, only attempts
// whose insert and count interleave in the same few milliseconds can exceed a limit, by at most their number.
import mongoose, { type Types } from 'mongoose';
import { SerialWrites } from '../db/serial-writes.js';
import { Attempt } from './attempt.model.js';

export interface AttemptWindow {
  windowMs: number;
  limit: number;
}

export type Reservation =
  | { allowed: true; release: () => Promise<void> }
  /** `busy`: refused because too many attempts of this key are already being counted in this process. */
  | { allowed: false; retryAfterSeconds: number; busy?: boolean };

/** Expired rows are deleted at most this often (by whichever reservation comes first after it). */
const PRUNE_EVERY_MS = 60_000;
/**
 * Reservations of one key waiting their turn in this process. Beyond it a flood from one address gets an
 * immediate "busy" instead of a growing queue of requests held open in memory.
 */
export const MAX_PENDING_PER_KEY = 8;

export class AttemptStore {
  private readonly serial = new SerialWrites();
  private readonly pending = new Map<string, number>();
  private lastPrune = 0;

  /**
   * Counts one attempt under `key` now. Allowed: the attempt stays counted until its window ends unless
   * `release()` is called. Refused: nothing is kept, and the answer says when a slot frees.
   */
  async reserve(key: string, window: AttemptWindow): Promise<Reservation> {
    const waiting = this.pending.get(key) ?? 0;
    if (waiting >= MAX_PENDING_PER_KEY) return { allowed: false, retryAfterSeconds: 1, busy: true };
    this.pending.set(key, waiting + 1);
    try {
      return await this.reserveInTurn(key, window);
    } finally {
      const left = (this.pending.get(key) ?? 1) - 1;
      if (left > 0) this.pending.set(key, left);
      else this.pending.delete(key);
    }
  }

  private reserveInTurn(key: string, window: AttemptWindow): Promise<Reservation> {
    return this.serial.run(key, async () => {
      const at = new Date();
      this.prune(at.getTime());
      const id = new mongoose.Types.ObjectId();
      await Attempt.create({ _id: id, key, at, expiresAt: new Date(at.getTime() + window.windowMs) });
      const first = await Attempt.find({ key, at: mongoose.trusted({ $gt: new Date(at.getTime() - window.windowMs) }) }, 'at')
        .sort({ at: 1, _id: 1 })
        .limit(window.limit)
        .lean<Array<{ _id: Types.ObjectId; at: Date }>>();
      if (first.some((row) => row._id.equals(id))) {
        // Released in the key's turn too, so a later reservation in this process counts after it.
        return { allowed: true, release: () => this.serial.run(key, async () => void (await Attempt.deleteOne({ _id: id }))) };
      }
      await Attempt.deleteOne({ _id: id });
      // A slot frees when the oldest attempt in the window leaves it.
      const oldest = first[0]?.at.getTime() ?? at.getTime();
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + window.windowMs - Date.now()) / 1000)) };
    });
  }

  // Rows whose window has ended are deleted in the background; a failed prune is tried again next time.
  private prune(now: number): void {
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    Attempt.deleteMany({ expiresAt: mongoose.trusted({ $lt: new Date(now) }) }).catch(() => {
      this.lastPrune = 0;
    });
  }
}
