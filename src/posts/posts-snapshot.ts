// Values computed from a scan of the posts collection (the reading index, the search index), kept up to
// date lazily, so that readers never pay for a scan they do not need:
// - after writes that named the posts they changed (post.model.ts: nearly every write of the editor, here
//   or in another process through the change feed), the next reader re-reads those posts alone, by _id,
//   and the value is patched in place (a few milliseconds, whatever the size of the site);
// - after a write that did not (bulk writes, the seed, a change feed gap), the next reader starts a
//   rebuild from a scan and waits for it up to `waitMs`; past that the previous value serves (marked not
//   fresh) while the scan finishes;
// - a value older than its maximum age is rebuilt in the background while it keeps serving, so writes
//   made by another process (a second instance, a script) show up too. The age grows with the cost of
//   the scan (20 times its duration, at least a minute), so a large collection on a slow engine is not
//   rescanned all the time.
// Only one scan per value runs at a time. warmPostsSnapshots() builds every value from ONE scan (at
// start-up: on FerretDB a scan of 100,000 posts takes about 20 s, whatever the fields asked for).
//
// The index file (keepIndexFile): that shared scan also writes the posts it read, with every value's
// fields, to a file in DATA_DIR, stamped with where the change feed stood when the scan began. The next
// start reads the file instead of the database. When the stamp still matches (no process has written a
// post since) the values are fresh; otherwise they serve at once marked not fresh (a slug they do not
// know is looked up in the database) while a scan of the database runs in the background and replaces
// them (and the file). Writes outside Quire (no change feed) are not seen in the stamp: they show after
// the background rescan of old values, as before.
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import mongoose, { type Types } from 'mongoose';
import { POSTS_TOPIC, Post, type PostDoc } from './post.model.js';
import { onChange } from '../db/changes.js';

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

/** Changes a built value in place: the post `id` is now `post` (null: deleted), read with the value's fields. */
export type PostsPatcher<T> = (value: T, id: string, post: PostDoc | null, pool: Pool) => void;

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
  /** Read from an index file whose stamp no longer matches: to be replaced by a scan of the database. */
  stale?: boolean;
  posts: number;
  /** Writes seen when the scan started: later writes may be missing from it. */
  writes: number;
  at: number;
  ms: number;
}

interface Built<T> {
  value: T;
  stale?: boolean;
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

// Writes seen through the Post model (here, or delivered by the change feed), numbered. Those that named
// their posts are logged with their ids until every value has taken them in; `lastUnnamed` is the number
// of the latest write that did not, which no value built before it can catch up with but by a scan.
let writes = 0;
let lastUnnamed = 0;
const named: Array<{ seq: number; ids: readonly string[] }> = [];
/** Writes older than this are gone from `named` (dropped as taken in, or past MAX_LOGGED). */
let loggedFrom = 0;
const MAX_LOGGED = 10_000;
/** More changed posts than this since a value was built: a scan costs less than reading each one. */
const MAX_PATCH = 1_000;
onChange(({ ids }) => {
  writes++;
  if (ids === null) {
    lastUnnamed = writes;
    named.length = 0;
    loggedFrom = writes;
    return;
  }
  named.push({ seq: writes, ids });
  if (named.length > MAX_LOGGED) loggedFrom = named.shift()!.seq;
}, [POSTS_TOPIC]);

/** The posts written after write number `since`, or null when some of them are not known. */
function changedSince(since: number): Set<string> | null {
  if (since < lastUnnamed || since < loggedFrom) return null;
  const ids = new Set<string>();
  for (const write of named) {
    if (write.seq <= since) continue;
    for (const id of write.ids) ids.add(id);
    if (ids.size > MAX_PATCH) return null;
  }
  return ids;
}

/** Drops logged writes that every value has taken in. */
function forgetTakenIn(): void {
  let oldest = writes;
  for (const snapshot of registered) oldest = Math.min(oldest, snapshot.writes());
  while (named.length > 0 && named[0]!.seq <= oldest) loggedFrom = named.shift()!.seq;
}

/** Where the shared scan's posts are saved, and how the database's state of the posts is read. */
export interface IndexFile {
  path: string;
  /** Where the posts' change counters stand (ChangeFeed.stamp): equal stamps, no post written between. */
  stamp: () => Promise<string>;
}

let indexFile: IndexFile | null = null;

/** The index file of a database in DATA_DIR (one per database name: the bench seeds two on one engine). */
export function indexFilePath(dataDir: string, dbName: string): string {
  return join(dataDir, 'read-index', `${dbName.replace(/[^\w.-]/g, '_')}.ndjson`);
}

/** Saves the shared scan to `file` and starts from it (null: neither). */
export function keepIndexFile(file: IndexFile | null): void {
  indexFile = file;
}

interface FileHeader {
  version: 1;
  fields: string;
  stamp: string;
  posts: number;
  ms: number;
}

/** Streams every post's `fields` through the builders; resolves with what each one made. */
async function scan(fields: string, builders: Array<PostsBuilder<unknown>>, save: IndexFile | null = null): Promise<Scan> {
  const seen = writes;
  const at = Date.now();
  let posts = 0;
  const pool = new Pool();
  const stamp = save ? await save.stamp() : '';
  // One line per post, as read; the header goes last (a file cut short by a crash has none: never used).
  const tmp = save ? `${save.path}.${process.pid}.tmp` : '';
  if (save) mkdirSync(dirname(save.path), { recursive: true });
  const out = save ? createWriteStream(tmp) : null;
  try {
    for await (const post of Post.find({}, fields).lean<PostDoc>().cursor({ batchSize: 1000 })) {
      for (const builder of builders) builder.add(post as PostDoc, pool);
      posts++;
      if (out && !out.write(`${JSON.stringify(post)}\n`)) await once(out, 'drain');
    }
    const ms = Date.now() - at;
    if (out && save) {
      const header: FileHeader = { version: 1, fields, stamp, posts, ms };
      out.end(`${JSON.stringify(header)}\n`);
      await once(out, 'finish');
      renameSync(tmp, save.path);
    }
    lastScanMs = ms;
    return { values: builders.map((b) => b.finish()), posts, writes: seen, at, ms };
  } catch (err) {
    out?.destroy();
    if (tmp) rmSync(tmp, { force: true });
    throw err;
  }
}

/** The header of an index file (its last line), or null when there is no usable file. */
async function readHeader(path: string): Promise<FileHeader | null> {
  if (!existsSync(path)) return null;
  const { open } = await import('node:fs/promises');
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const tail = Buffer.alloc(Math.min(size, 64 * 1024));
    await file.read(tail, 0, tail.length, size - tail.length);
    const lines = tail.toString('utf8').trimEnd().split('\n');
    const header = JSON.parse(lines[lines.length - 1]!) as Partial<FileHeader>;
    return header.version === 1 && typeof header.stamp === 'string' ? (header as FileHeader) : null;
  } catch {
    return null;
  } finally {
    await file.close();
  }
}

/** The posts of an index file through the builders, as a scan of the database would give them. */
async function scanFile(path: string, header: FileHeader, stale: boolean, builders: Array<PostsBuilder<unknown>>): Promise<Scan> {
  const seen = writes;
  const at = Date.now();
  const pool = new Pool();
  let posts = 0;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (posts === header.posts) break; // the header line
    const post = JSON.parse(line) as Record<string, unknown>;
    // JSON has no dates: the two the indexes read are turned back into Dates (ids stay hex strings).
    if (post.publishedAt) post.publishedAt = new Date(post.publishedAt as string);
    post.updatedAt = new Date(post.updatedAt as string);
    for (const builder of builders) builder.add(post as unknown as PostDoc, pool);
    posts++;
  }
  // The age of the values is that of the scan the file was made from, so old values still get rescanned.
  return { values: builders.map((b) => b.finish()), posts, writes: seen, at, ms: header.ms, stale };
}

interface Registered {
  fields: string[];
  /** A builder for a shared scan, or null when this value is being built already. */
  join(run: Promise<Scan>, slot: number): PostsBuilder<unknown> | null;
  /** The writes the current value has taken in (all of them when there is none yet: nothing to keep). */
  writes(): number;
}

const registered: Registered[] = [];

/**
 * A value built by `start()` from every post's `fields` (space-separated) and changed in place by `patch`
 * for writes that name their posts, kept as described above.
 */
export function postsSnapshot<T>(
  fields: string,
  start: () => PostsBuilder<T>,
  patch: PostsPatcher<T>,
  { waitMs = 1500 }: { waitMs?: number } = {},
): () => Promise<PostsSnapshot<T>> {
  let current: Built<T> | null = null;
  let rebuilding: Promise<Built<T>> | null = null;

  /** Re-reads the posts written since `built` was, by _id, and patches it. */
  async function catchUp(built: Built<T>, ids: Set<string>): Promise<Built<T>> {
    const seen = writes;
    // One lookup by _id per post: the one query FerretDB 1.24 answers from an index (with Quire's patch).
    // An id that is no ObjectId names no post (a write by a malformed id matched nothing): were it
    // queried, its cast error would fail every catch-up after it.
    const posts = await Promise.all([...ids].map((id) => (mongoose.isValidObjectId(id) ? Post.findById(id, fields).lean<PostDoc>() : null)));
    const pool = new Pool();
    [...ids].forEach((id, i) => patch(built.value, id, posts[i] ?? null, pool));
    built.writes = Math.max(built.writes, seen);
    forgetTakenIn();
    return built;
  }

  function track(next: Promise<Built<T>>): Promise<Built<T>> {
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

  function adopt(run: Promise<Scan>, slot: number): Promise<Built<T>> {
    const next = run.then((s) => {
      const built: Built<T> = { value: s.values[slot] as T, writes: s.writes, at: s.at, ms: s.ms, stale: s.stale };
      if (!current || current.writes <= built.writes) current = built;
      forgetTakenIn();
      return built;
    });
    return track(next);
  }

  /** Brings the value up to date: by patching when the writes since it named their posts, else by a scan. */
  const rebuild = () => {
    if (rebuilding) return rebuilding;
    const ids = current ? changedSince(current.writes) : null;
    return current && ids ? track(catchUp(current, ids)) : adopt(scan(fields, [start()]), 0);
  };
  registered.push({
    fields: fields.split(/\s+/).filter(Boolean),
    join: (run, slot) => {
      if (rebuilding) return null;
      adopt(run, slot);
      return start();
    },
    writes: () => current?.writes ?? writes,
  });

  return async () => {
    if (!current) {
      const built = await rebuild();
      return { value: built.value, fresh: built.writes === writes && !built.stale };
    }
    const dirty = current.writes < writes;
    const old = Date.now() - current.at >= Math.max(MIN_AGE_MS, AGE_PER_SCAN_MS * current.ms);
    if (!dirty) {
      // A scan, not a patch: what it is for is writes made where no change feed reports them.
      if (old) void (rebuilding ?? adopt(scan(fields, [start()]), 0)).catch(() => undefined);
      return { value: current.value, fresh: !current.stale };
    }
    const previous = current;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), waitMs);
      timer.unref();
    });
    const built = await Promise.race([rebuild().catch(() => null), timeout]);
    clearTimeout(timer);
    return built ? { value: built.value, fresh: built.writes === writes && !built.stale } : { value: previous.value, fresh: false };
  };
}

/**
 * Builds every snapshot that is not being built already, from one scan (of the index file when there is
 * one, see above; `fromFile: false` to read the database); resolves with its size, time and whether it
 * came from the file, stale or not.
 */
export async function warmPostsSnapshots({ fromFile = true } = {}): Promise<{ posts: number; ms: number; file?: 'fresh' | 'stale' }> {
  const fields = [...new Set(registered.flatMap((s) => s.fields))].join(' ');
  const save = indexFile;
  const header = save && fromFile ? await readHeader(save.path) : null;
  const usable = header && header.fields === fields ? header : null;
  const stale = usable ? usable.stamp !== (await save!.stamp()) : false;
  const builders: Array<PostsBuilder<unknown>> = [];
  let release!: (builders: Array<PostsBuilder<unknown>>) => void;
  // Each snapshot waits on the shared scan and takes its own slot of the result.
  const run = new Promise<Array<PostsBuilder<unknown>>>((resolve) => (release = resolve)).then((all) => {
    if (all.length === 0) return { values: [], posts: 0, writes, at: Date.now(), ms: 0 };
    return usable && save ? scanFile(save.path, usable, stale, all) : scan(fields, all, save);
  });
  for (const snapshot of registered) {
    const builder = snapshot.join(run, builders.length);
    if (builder) builders.push(builder);
  }
  release(builders);
  const started = Date.now();
  const { posts } = await run;
  const ms = Date.now() - started;
  if (!usable) return { posts, ms };
  // A stale file serves now; the database's posts replace it when read (and are saved for the next start).
  // (On the next turn: the snapshots let go of the file's read only after this one's callbacks.)
  if (stale) setImmediate(() => void warmPostsSnapshots({ fromFile: false }).catch(() => undefined));
  return { posts, ms, file: stale ? 'stale' : 'fresh' };
}
