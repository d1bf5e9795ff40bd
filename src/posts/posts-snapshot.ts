// Values computed from a scan of the posts collection (the reading index, the search index), rebuilt
// lazily, so that readers never pay for a scan they do not need:
// - after a write through the Post model, the next reader starts a rebuild and waits for it up to
//   `waitMs`; past that the previous value serves (marked not fresh) while the scan finishes;
// - a value older than its maximum age is rebuilt in the background while it keeps serving, so writes
//   made by another process (a second instance, a script) show up too. The age grows with the cost of
//   the scan (20 times its duration, at least a minute), so a large collection on a slow engine is not
//   rescanned all the time.
// Only one scan per value runs at a time. warmPostsSnapshots() builds every value from ONE scan (at
// start-up: on FerretDB a scan of 100,000 posts takes about 20 s, whatever the fields asked for).
import type { Types } from 'mongoose';
import { onPostWrite, Post, type PostDoc } from './post.model.js';

export interface PostsSnapshot<T> {
  value: T;
  /** False when a write may be missing from `value`. */
  fresh: boolean;
}

/** Makes a value from the posts of a scan, given one at a time (the scan never holds them all at once). */
export interface PostsBuilder<T> {
  add(post: PostDoc, pool: Pool): void;
  finish(): T;
}

/** An id as 24 hex digits in one flat string (bson builds it by concatenation: a dozen objects per id). */
export function hexOf(id: Types.ObjectId | string): string {
  return typeof id === 'string' ? id : Buffer.from(id.id).toString('hex');
}

/**
 * One copy of each repeated value of a scan. What a large index costs the garbage collector is its number
 * of objects: at 100,000 posts, separate copies of the same author ids and tag lists (and ids built as
 * strings of concatenated pieces) were more than half of the heap's objects, and every full collection
 * walks them all.
 */
export class Pool {
  private readonly ids = new Map<string, string>();
  private readonly lists = new Map<string, string[]>();

  /** The id as flat hex, the same string for every post that names it. */
  id(id: Types.ObjectId | string): string {
    const hex = hexOf(id);
    let kept = this.ids.get(hex);
    if (kept === undefined) this.ids.set(hex, (kept = hex));
    return kept;
  }

  /** The same (frozen) array for every post with these strings in this order. */
  list(values: readonly string[]): readonly string[] {
    const key = values.join('\0');
    let kept = this.lists.get(key);
    if (!kept) this.lists.set(key, (kept = Object.freeze([...values]) as string[]));
    return kept;
  }
}

interface Scan {
  values: unknown[];
  posts: number;
  /** Writes seen when the scan started: later writes may be missing from it. */
  writes: number;
  at: number;
  ms: number;
}

interface Built<T> {
  value: T;
  writes: number;
  at: number;
  ms: number;
}

const MIN_AGE_MS = 60_000;
const AGE_PER_SCAN_MS = 20;
let lastScanMs = 0;

/**
 * How long a value read from the posts may be trusted without a write through this process telling
 * otherwise: what the indexes allow themselves (a minute, longer when a scan is slow). Memories of single
 * posts follow it, so that on a large site on a slow engine they are not re-read more often than the
 * lists are (on FerretDB at 100,000 posts one read by _id costs half a second of the engine's time).
 */
export function trustedAgeMs(): number {
  return Math.max(MIN_AGE_MS, AGE_PER_SCAN_MS * lastScanMs);
}

let writes = 0;
onPostWrite(() => {
  writes++;
});

/** Streams every post's `fields` through the builders; resolves with what each one made. */
async function scan(fields: string, builders: Array<PostsBuilder<unknown>>): Promise<Scan> {
  const seen = writes;
  const at = Date.now();
  let posts = 0;
  const pool = new Pool();
  for await (const post of Post.find({}, fields).lean<PostDoc>().cursor({ batchSize: 1000 })) {
    for (const builder of builders) builder.add(post as PostDoc, pool);
    posts++;
  }
  const ms = Date.now() - at;
  lastScanMs = ms;
  return { values: builders.map((b) => b.finish()), posts, writes: seen, at, ms };
}

interface Registered {
  fields: string[];
  /** A builder for a shared scan, or null when this value is being built already. */
  join(run: Promise<Scan>, slot: number): PostsBuilder<unknown> | null;
}

const registered: Registered[] = [];

/** A value built by `start()` from every post's `fields` (space-separated), kept as described above. */
export function postsSnapshot<T>(fields: string, start: () => PostsBuilder<T>, { waitMs = 1500 }: { waitMs?: number } = {}): () => Promise<PostsSnapshot<T>> {
  let current: Built<T> | null = null;
  let rebuilding: Promise<Built<T>> | null = null;

  function adopt(run: Promise<Scan>, slot: number): Promise<Built<T>> {
    const next = run.then((s) => {
      const built = { value: s.values[slot] as T, writes: s.writes, at: s.at, ms: s.ms };
      if (!current || current.writes <= built.writes) current = built;
      return built;
    });
    rebuilding = next;
    // A failed scan (database down) is retried by the next reader; the readers waiting get the error.
    void next
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        if (rebuilding === next) rebuilding = null;
      });
    return next;
  }

  const rebuild = () => rebuilding ?? adopt(scan(fields, [start()]), 0);
  registered.push({
    fields: fields.split(/\s+/).filter(Boolean),
    join: (run, slot) => {
      if (rebuilding) return null;
      adopt(run, slot);
      return start();
    },
  });

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

/** Builds every snapshot that is not being built already, from one scan; resolves with its size and time. */
export async function warmPostsSnapshots(): Promise<{ posts: number; ms: number }> {
  const fields = [...new Set(registered.flatMap((s) => s.fields))].join(' ');
  const builders: Array<PostsBuilder<unknown>> = [];
  let release!: (builders: Array<PostsBuilder<unknown>>) => void;
  // Each snapshot waits on the shared scan and takes its own slot of the result.
  const run = new Promise<Array<PostsBuilder<unknown>>>((resolve) => (release = resolve)).then((all) =>
    all.length > 0 ? scan(fields, all) : { values: [], posts: 0, writes, at: Date.now(), ms: 0 },
  );
  for (const snapshot of registered) {
    const builder = snapshot.join(run, builders.length);
    if (builder) builders.push(builder);
  }
  release(builders);
  const { posts, ms } = await run;
  return { posts, ms };
}
