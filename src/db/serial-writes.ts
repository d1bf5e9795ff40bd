// Writes that must not interleave, queued per key within this process.
//
// MongoDB applies a conditional write (`findOneAndUpdate({_id, version})`) atomically, and so does Quire's
// own FerretDB build (engine.ts). A stock FerretDB 1.24 given through MONGODB_URI does not: it reads the
// matching documents and then writes them, so two concurrent writes that check the same condition can both
// pass (measured: four parallel conditional updates on one document all succeeded). Queuing the
// check-and-write per key here makes it atomic within one process on every engine; on an atomic engine the
// conditions in the queries also guard against writers in other processes.
export class SerialWrites {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `work` after every earlier call with the same key has finished. */
  async run<T>(key: unknown, work: () => Promise<T>): Promise<T> {
    const k = String(key);
    const previous = this.tails.get(k) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.catch(() => undefined);
    this.tails.set(k, tail);
    try {
      return await run;
    } finally {
      // The last one out removes the entry, so the map only holds keys being written right now.
      if (this.tails.get(k) === tail) this.tails.delete(k);
    }
  }
}
