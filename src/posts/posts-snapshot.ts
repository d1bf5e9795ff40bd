// A value computed from a scan of the posts collection (the reading index, the search index), rebuilt
// lazily, so that readers never pay for a scan they do not need:
// - after a write through the Post model, the next reader starts a rebuild and waits for it up to
//   `waitMs`; past that the previous value serves (marked not fresh) while the scan finishes;
// - a value older than its maximum age is rebuilt in the background while it keeps serving, so writes
//   made by another process (a second instance, a script) show up too. The age grows with the cost of
//   the scan (20 times its duration, at least a minute), so a large collection on a slow engine is not
//   rescanned all the time.
// Only one scan runs at a time.
import { onPostWrite } from './post.model.js';

export interface PostsSnapshot<T> {
  value: T;
  /** False when a write may be missing from `value`. */
  fresh: boolean;
}

interface Built<T> {
  value: T;
  /** Writes seen when its scan started: later writes may be missing from it. */
  writes: number;
  at: number;
  ms: number;
}

const MIN_AGE_MS = 60_000;
const AGE_PER_SCAN_MS = 20;

export function postsSnapshot<T>(build: () => Promise<T>, { waitMs = 1500 }: { waitMs?: number } = {}): () => Promise<PostsSnapshot<T>> {
  let writes = 0;
  let current: Built<T> | null = null;
  let rebuilding: Promise<Built<T>> | null = null;
  onPostWrite(() => {
    writes++;
  });

  function rebuild(): Promise<Built<T>> {
    if (rebuilding) return rebuilding;
    const seen = writes;
    const at = Date.now();
    const run = build().then((value) => {
      const built = { value, writes: seen, at, ms: Date.now() - at };
      if (!current || current.writes <= seen) current = built;
      return built;
    });
    rebuilding = run;
    // A failed scan (database down) is retried by the next reader; the readers waiting get the error.
    void run.then(
      () => undefined,
      () => undefined,
    ).finally(() => {
      if (rebuilding === run) rebuilding = null;
    });
    return run;
  }

  return async () => {
    if (!current) {
      const built = await rebuild();
      return { value: built.value, fresh: built.writes === writes };
    }
    const dirty = current.writes < writes;
    const old = Date.now() - current.at >= Math.max(MIN_AGE_MS, AGE_PER_SCAN_MS * current.ms);
    if (!dirty) {
      if (old) void rebuild().catch(() => undefined);
      return { value: current.value, fresh: true };
    }
    const previous = current;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), waitMs);
      timer.unref();
    });
    const built = await Promise.race([rebuild().catch(() => null), timeout]);
    clearTimeout(timer);
    return built ? { value: built.value, fresh: built.writes === writes } : { value: previous.value, fresh: false };
  };
}
