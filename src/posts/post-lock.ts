// One write at a time per post, within this process.
//
// The lost-update guard is a conditional write (`findOneAndUpdate({_id, version})`), which MongoDB applies
// atomically. FerretDB 1.24 does not: it reads the matching documents and then writes them, so two
// concurrent saves from the same version can both match (measured: four parallel conditional updates on
// one document all succeeded). Quire runs as one process, so queuing writes per post here makes the
// check-and-write atomic on every engine; the condition in the query still guards against other writers.
const tails = new Map<string, Promise<unknown>>();

export async function withPostLock<T>(postId: unknown, work: () => Promise<T>): Promise<T> {
  const key = String(postId);
  const previous = tails.get(key) ?? Promise.resolve();
  const run = previous.then(work, work);
  const tail = run.catch(() => undefined);
  tails.set(key, tail);
  try {
    return await run;
  } finally {
    // The last one out removes the entry, so the map only holds posts being written right now.
    if (tails.get(key) === tail) tails.delete(key);
  }
}
