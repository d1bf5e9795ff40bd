// Search over published posts, without the database: each post's title, tag slugs and plain text, lower-cased, newest
// first. A query is matched literally (a substring, case-insensitive) with no regular expression at all,
// so no input can be a pattern; the cost is proportional to the text read until a page is full.
//
// Why not the database: a case-insensitive substring cannot use an index on any engine, and FerretDB 1.24
// on SQLite decodes every document of the collection for it (about 20 s at 100,000 posts). Here it is a
// scan of the plain text of the posts instead (about 57 MB at 100,000 generated posts, in a file: below),
// built by one read of the collection and patched after writes like the reading index (posts-snapshot.ts):
// a changed post's entry is taken out (found by binary search on its time and id) and put back in place.
//
// The text is kept as UTF-8 (TextArena), not as strings: 100,000 strings on the heap made it larger, and
// V8 lets a heap grow in proportion to what it holds before it collects, so the resident size under load
// grew twice over. Nor is it kept in the process's memory: texts are appended to a chunk (4 MB) in memory,
// and each full chunk is written to a file of the index's own (DATA_DIR/read-index, os.tmpdir() when
// not set; unlinked as soon as it is opened, so nothing is left behind, even by a crash) and read back with
// positional reads. The kernel's page cache holds those bytes: shared, reclaimable, and not in the
// process's resident size; only the chunk being filled (and a scratch Buffer for reading) stays in memory.
// At 100,000 posts (57 MB of text), 10 s after the first search: arrayBuffers 117 MB before, 64-69 MB
// now; VmRSS 327-334 MB before, 296-314 MB now (304-311 and 256-278 MB after a full garbage collection:
// the rest is garbage on the heap, collected later when less memory is held outside it).
// Limits: a search reads the file, from the page cache normally (a text checked on its own is a system
// call, about 2 microseconds; a search of the whole text reads 57 MB, about 8 ms more), but from the disk
// once the kernel has evicted those pages: a few ms more, on the event loop. Disk space: the text's size
// for each index, freed when the index is garbage-collected (a full build makes a new index and file; the
// old one's file is closed only then, as a search in flight may still read it). A file that cannot be
// made or written (a read-only or full disk) leaves the chunks in memory, as they were before.
// Lower-casing first and matching bytes gives the same answers as matching strings (UTF-8 is
// self-synchronising: a character's bytes never match in the middle of another's). A patched post's old
// text stays in its chunk, unused, until the next full scan.
//
// A query is answered in one of three ways. Once the word index is built (word-index.ts: in the
// background, at the first search), a query with a word in it is narrowed to the texts holding a word that
// fits it; those are read in the order of their serials (newest first), each checked for the query's
// bytes (not needed for a one-word query), until the page is full: at 100,000 posts a few milliseconds,
// where scanning the text took 20-70 ms of CPU a query. A query whose every word is in more than a quarter
// of the posts walks the posts newest first, checking each text, and soon fills the page. Otherwise (no
// word in the query, a tag that matches, or the word index not built yet): most words are rare, so the
// whole text is searched once for the query's bytes (read from the file a run of texts at a time, then
// native code: about 8 ms to read 57 MB and as much to search it), each occurrence is mapped to the
// entry whose text holds it and the search goes on after that entry's text, and the entries found are
// ordered; a common word (in more than MATCH_CAP posts) instead walks the posts newest first and stops
// once enough are found, which such a word does quickly.
// The counted results (the first page's query, which every page of results asks) are cached for the
// last CACHED_QUERIES queries, exactly: per index, version and range of times with the same public posts.
// Scheduled posts are in it and are skipped until their time; results are re-checked by whoever fetches
// them, so a post unpublished a moment ago is never shown.
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cursor } from '../db/cursor.js';
import type { WorkMeter } from '../http/time-budget.js';
import type { PostDoc } from './post.model.js';
import { postsSnapshot, type Pool, type PostsBuilder } from './posts-snapshot.js';
import { firstNotBefore } from './sorted.js';
import { slugify } from './slugs.js';
import { WordIndex } from './word-index.js';

interface SearchEntry {
  /** The _id as hex: a string costs far less memory than an ObjectId, 100,000 times over. */
  idHex: string;
  at: number;
  tags: readonly string[];
  /** Title and plain text, lower-cased, as UTF-8: bytes `start` to `end` of `chunk` (read through the arena). */
  chunk: ArenaChunk;
  start: number;
  end: number;
  /**
   * Its number in the word index: its place newest first at the build, so that candidates in the order of
   * their serials are newest first; a patched post's new entry gets the next free one (after all those).
   */
  serial: number;
  /** Taken out by a patch (the post changed: its new entry, if any, is another one). */
  gone: boolean;
}

const ARENA_CHUNK = 4 * 1024 * 1024;
let chunkSize = ARENA_CHUNK;

/**
 * For tests: chunks of `bytes` (so that a few dozen small posts fill several), for indexes built after,
 * and whole-text searches reading `run` bytes at a time (TEXT_RUN, below).
 */
export function arenaChunkForTests(bytes = ARENA_CHUNK, run = TEXT_RUN): void {
  chunkSize = bytes;
  textRun = run;
}

let textDir: string | null = null;

/** Where the arenas' files are made (created if missing), for indexes built after; null: os.tmpdir(). */
export function keepSearchTextIn(dir: string | null): void {
  textDir = dir;
}

/** Texts of the arena, in the order written: in memory while being filled, then (normally) in the file. */
interface ArenaChunk {
  /** Its bytes while it is the chunk being filled, or for good if the file could not take them; else null. */
  bytes: Buffer | null;
  /** Where its bytes are in the arena's file, once written there. */
  offset: number;
  used: number;
  entries: SearchEntry[];
}

// Scratch space for reading texts back from the files, shared by every arena: each read is used before
// the next one, all on the event loop (nothing is awaited between reading bytes and matching them).
let entryScratch = Buffer.allocUnsafeSlow(16 * 1024);
let runScratch: Buffer | null = null;

/**
 * A search of the whole text reads it this much at a time: into a Buffer that stays in the CPU's cache,
 * which the kernel fills three to four times faster than a larger one (measured here: 57 MB read in 4 MB
 * pieces took 25-36 ms, in 256 KB pieces 7-9 ms). Runs end between texts, where no match can be cut in two
 * (a match across two texts is none).
 */
const TEXT_RUN = 256 * 1024;
let textRun = TEXT_RUN;

// An arena's file is closed when the arena is collected, never before: an old index (replaced by a full
// build) may still be read by a search or a word index build in flight, and every read goes through the
// arena, which holds it in memory until then. Its disk space is freed at the close (it has no name).
const closeWhenCollected = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // Nothing to do: the descriptor is gone either way.
  }
});

/**
 * Texts appended to a chunk in memory; each full chunk is written to a file of the arena's own (opened
 * and unlinked at once: nothing is left behind, even by a crash) and read back with positional reads.
 * The file is made when the first chunk is full: a site with less text than a chunk never has one.
 */
class TextArena {
  readonly chunks: ArenaChunk[] = [];
  /** The file (undefined: not opened yet; null: it could not be, and chunks stay in memory). */
  private fd: number | null | undefined;
  /** False once a write failed (a full disk): later chunks stay in memory, the ones written are read on. */
  private writable = true;
  private fileEnd = 0;

  put(text: string): Pick<SearchEntry, 'chunk' | 'start' | 'end'> {
    const bytes = Buffer.byteLength(text);
    let chunk = this.chunks.at(-1);
    if (!chunk?.bytes || bytes > chunk.bytes.length - chunk.used) {
      // The full chunk's Buffer, once in the file, is the next chunk's (one chunk in memory, whatever the size).
      const spare = chunk ? this.write(chunk) : null;
      const size = Math.max(chunkSize, bytes);
      chunk = { bytes: spare?.length === size ? spare : Buffer.allocUnsafeSlow(size), offset: -1, used: 0, entries: [] };
      this.chunks.push(chunk);
    }
    const start = chunk.used;
    chunk.used += chunk.bytes!.write(text, start);
    return { chunk, start, end: chunk.used };
  }

  /** Records the entry whose text was the last one put (so an occurrence can be mapped back to it). */
  holds(entry: SearchEntry): void {
    this.chunks.at(-1)!.entries.push(entry);
  }

  /** `entry`'s text as UTF-8: a view, valid until the next read of an entry (from any arena). */
  bytesOf(entry: SearchEntry): Buffer {
    const { chunk, start, end } = entry;
    if (chunk.bytes) return chunk.bytes.subarray(start, end);
    if (entryScratch.length < end - start) entryScratch = Buffer.allocUnsafeSlow(Math.max(end - start, entryScratch.length * 2));
    return this.read(entryScratch, end - start, chunk.offset + start);
  }

  /**
   * The texts of `chunk` in runs of whole texts: entries `first` to `last` - 1, whose bytes are `text`
   * from the chunk's byte `from` (a view, valid until the next run is read, from any arena). A chunk in
   * memory is one run; one in the file is read a run of up to TEXT_RUN bytes at a time (or one text, if larger).
   */
  *runs(chunk: ArenaChunk): Generator<{ first: number; last: number; from: number; text: Buffer }> {
    const { entries } = chunk;
    if (chunk.bytes) {
      yield { first: 0, last: entries.length, from: 0, text: chunk.bytes.subarray(0, chunk.used) };
      return;
    }
    for (let first = 0; first < entries.length; ) {
      const from = entries[first]!.start;
      let last = first + 1;
      while (last < entries.length && entries[last]!.end - from <= textRun) last++;
      const length = entries[last - 1]!.end - from;
      if (!runScratch || runScratch.length < length) runScratch = Buffer.allocUnsafeSlow(Math.max(length, textRun));
      yield { first, last, from, text: this.read(runScratch, length, chunk.offset + from) };
      first = last;
    }
  }

  private read(into: Buffer, length: number, position: number): Buffer {
    // The file has no name, so nothing else writes to it: a short read is a fault of this code or of the disk.
    const got = readSync(this.fd!, into, 0, length, position);
    if (got !== length) throw new Error(`search text file: ${got} of ${length} bytes read at ${position}`);
    return into.subarray(0, length);
  }

  /** Writes the full `chunk` to the file; its Buffer, if the file took it (else it stays the chunk's). */
  private write(chunk: ArenaChunk): Buffer | null {
    if (this.fd === undefined) this.fd = this.open();
    if (this.fd === null || !this.writable || !chunk.bytes) return null;
    try {
      if (writeSync(this.fd, chunk.bytes, 0, chunk.used, this.fileEnd) !== chunk.used) throw new Error('short write');
    } catch {
      // A full or failing disk: searching goes on with this chunk and the later ones in memory.
      this.writable = false;
      return null;
    }
    const { bytes } = chunk;
    chunk.offset = this.fileEnd;
    chunk.bytes = null;
    this.fileEnd += chunk.used;
    return bytes;
  }

  /** A new file, already unlinked; null if it cannot be made (then the arena stays in memory, as it was). */
  private open(): number | null {
    const dir = textDir ?? tmpdir();
    const path = join(dir, `search-text-${process.pid}-${randomBytes(8).toString('hex')}`);
    let fd: number;
    try {
      mkdirSync(dir, { recursive: true });
      // 'x': never an existing file (nor a link planted under the name, in a shared directory such as /tmp).
      fd = openSync(path, 'wx+', 0o600);
    } catch {
      return null;
    }
    try {
      unlinkSync(path);
    } catch {
      // A file that would outlive the process is not worth it: memory, as before.
      closeSync(fd);
      return null;
    }
    closeWhenCollected.register(this, fd);
    return fd;
  }
}

/**
 * More matching posts than this and the query walks the posts instead: a word in that many of them fills
 * the counted results (SEARCH_COUNT_CAP) within the newest few thousand.
 */
const MATCH_CAP = 8192;

interface SearchIndex {
  /** Newest first, ties by larger id first. */
  entries: SearchEntry[];
  byId: Map<string, SearchEntry>;
  /** Every entry ever made for this index, by serial (patched-out ones stay: their serials may be in `words`). */
  bySerial: SearchEntry[];
  /** Serials below this are in newest-first order (the build's); the ones above, patched entries, are not. */
  ordered: number;
  /** The distinct tag lists of the entries: a query tests each once, to know whether any post matches by tag. */
  tagLists: Set<readonly string[]>;
  /** Narrows a query to candidate texts (word-index.ts); built in the background at the first search. */
  words: WordIndex;
  /** The word index's build, once started. */
  wordsBuilt: Promise<void> | null;
  /** Counts the patches: a cached result is for one version of the index. */
  version: number;
  /**
   * The counted results of recent queries, least recently used first (see `searchIds`). Kept on the index,
   * so that a full build starts with none and an old index is not held in memory by its cached results.
   */
  cached: Map<string, CachedIds>;
  /** Where patched posts' texts go. */
  arena: TextArena;
}

function entryOf(d: PostDoc, pool: Pool, arena: TextArena, serial: number): { entry: SearchEntry; text: string } | null {
  if (d.status !== 'published' || !d.publishedAt) return null;
  const text = `${d.title}\n${d.bodyText}`.toLowerCase();
  const { chunk, start, end } = arena.put(text);
  // Every field in one literal, none added later: V8 keeps them all in the object itself (a spread, or
  // a field added afterwards, gave each of 100,000 entries a second, out-of-object property array).
  const entry: SearchEntry = { idHex: pool.id(d._id), at: d.publishedAt.getTime(), tags: pool.list(d.tags), chunk, start, end, serial, gone: false };
  arena.holds(entry);
  return { entry, text };
}

function newestFirst(a: SearchEntry, b: SearchEntry): number {
  return b.at - a.at || (b.idHex > a.idHex ? 1 : b.idHex < a.idHex ? -1 : 0);
}

/** Builds the search index one post at a time, as the scan streams them. */
function searchBuilder(): PostsBuilder<SearchIndex> {
  const entries: SearchEntry[] = [];
  const arena = new TextArena();
  return {
    add(d, pool) {
      // Numbered once sorted (finish).
      const made = entryOf(d, pool, arena, 0);
      if (made) entries.push(made.entry);
    },
    finish: () => ({
      entries: entries.sort(newestFirst),
      byId: new Map(entries.map((e) => [e.idHex, e])),
      bySerial: entries.map((e, i) => ((e.serial = i), e)),
      ordered: entries.length,
      tagLists: new Set(entries.map((e) => e.tags)),
      words: new WordIndex(),
      wordsBuilt: null,
      version: 0,
      cached: new Map(),
      arena,
    }),
  };
}

/** Where `entry` is, or would go, in `entries`. */
function placeOf(entries: readonly SearchEntry[], entry: SearchEntry): number {
  return firstNotBefore(entries, (e) => newestFirst(e, entry) < 0);
}

/** Takes the post `id` out and puts `post` (null: deleted) back where it now belongs, if it is public. */
function patchSearch(index: SearchIndex, id: string, post: PostDoc | null, pool: Pool): void {
  index.version++;
  const old = index.byId.get(id);
  if (old) {
    old.gone = true;
    index.byId.delete(id);
    const i = placeOf(index.entries, old);
    if (index.entries[i] === old) index.entries.splice(i, 1);
  }
  const made = post && entryOf(post, pool, index.arena, index.bySerial.length);
  if (!made) return;
  const { entry } = made;
  index.bySerial.push(entry);
  index.words.add(entry.serial, made.text);
  index.tagLists.add(entry.tags);
  index.byId.set(id, entry);
  index.entries.splice(placeOf(index.entries, entry), 0, entry);
}

const searchIndex = postsSnapshot('title tags bodyText status publishedAt', searchBuilder, patchSearch);

/** Position of the first entry after `cursor` in the order newest first, ties by larger _id first. */
function firstAfter(entries: SearchEntry[], cursor: Cursor): number {
  const at = cursor.at.getTime();
  const hex = String(cursor.id);
  return firstNotBefore(entries, (e) => e.at > at || (e.at === at && e.idHex >= hex));
}

/** Posts a query of common words checks one by one before it searches the whole text instead. */
const WALK_FIRST = 8192;

/** Counted results kept per index (the first page's query, cursor null): see `searchIds`. */
const CACHED_QUERIES = 64;

interface CachedIds {
  version: number;
  /** The results hold while `now` is in [from, until): no post's time passes between (a scheduled one). */
  from: number;
  until: number;
  ids: string[];
}

// A cached result is for one version of its index (a patch bumps the version; a full build makes a new
// index, with no cached results) and for the times at which the same posts are public, so a cached answer
// is exactly the one a new search would give. Bounded: at most CACHED_QUERIES lists of at most
// SEARCH_COUNT_CAP + 1 ids (shared strings), about 8 KB each.

/** The range of times around `nowMs` at which the same entries of `entries` are public. */
function publicWindow(entries: readonly SearchEntry[], nowMs: number): { from: number; until: number } {
  const i = firstNotBefore(entries, (e) => e.at > nowMs);
  return { from: i < entries.length ? entries[i]!.at : -Infinity, until: i > 0 ? entries[i - 1]!.at : Infinity };
}

/** Builds the index's word index once, in the background (queries scan the text until it is ready). */
function startWords(index: SearchIndex): Promise<void> {
  if (!index.wordsBuilt) {
    const { bySerial } = index;
    const textOf = (serial: number) => index.arena.bytesOf(bySerial[serial]!).toString('utf8');
    // A build that failed (out of memory) leaves the index not ready: queries go on scanning the text.
    const textBytes = bySerial.reduce((sum, e) => sum + e.end - e.start, 0);
    index.wordsBuilt = index.words.build(bySerial.length, textOf, { textBytes }).catch(() => undefined);
  }
  return index.wordsBuilt;
}

/** For tests: the current search index's word index, once built. */
export async function searchWords(): Promise<WordIndex> {
  const index = (await searchIndex()).value;
  await startWords(index);
  return index.words;
}

/** For tests: the current search index's chunks, in the order written: whether each is in memory, its texts' ids. */
export async function searchTextChunks(): Promise<Array<{ inMemory: boolean; ids: string[] }>> {
  const index = (await searchIndex()).value;
  return index.arena.chunks.map((chunk) => ({ inMemory: chunk.bytes !== null, ids: chunk.entries.map((e) => e.idHex) }));
}

/**
 * Ids of up to `limit` public posts whose title, tag slugs or text contain `q`, newest first, after
 * `cursor`. A query that reads as a tag name ("Difference Engine") also finds the slug it would have.
 */
export async function searchIds(q: string, cursor: Cursor | null, limit: number, now = new Date(), matchCap = MATCH_CAP, meter?: WorkMeter): Promise<string[]> {
  if (!q.toLowerCase()) return [];
  const index = (await searchIndex()).value;
  void startWords(index);
  const nowMs = now.getTime();
  // Only the first page's query is cached: it is the one every page of results asks (to count them).
  if (cursor || matchCap !== MATCH_CAP) return metered(meter, () => findIds(index, q, cursor, limit, nowMs, matchCap));
  const key = `${limit}\0${q}`;
  const { cached } = index;
  const hit = cached.get(key);
  if (hit && hit.version === index.version && hit.from <= nowMs && nowMs < hit.until) {
    cached.delete(key);
    cached.set(key, hit);
    return hit.ids;
  }
  const ids = metered(meter, () => findIds(index, q, null, limit, nowMs, matchCap));
  cached.delete(key);
  cached.set(key, { version: index.version, ...publicWindow(index.entries, nowMs), ids });
  if (cached.size > CACHED_QUERIES) cached.delete(cached.keys().next().value!);
  return ids;
}

/** What `find` returns; the time it took (it runs on the event loop, all at once) added to `meter`. */
function metered<T>(meter: WorkMeter | undefined, find: () => T): T {
  if (!meter) return find();
  const started = performance.now();
  try {
    return find();
  } finally {
    meter.ms += performance.now() - started;
  }
}

function findIds(index: SearchIndex, q: string, cursor: Cursor | null, limit: number, nowMs: number, matchCap: number): string[] {
  const needle = q.toLowerCase();
  const tagNeedle = slugify(q);
  const bytes = Buffer.from(needle, 'utf8');
  const { entries } = index;
  const tagHit = (tags: readonly string[]) => tags.some((tag) => tag.includes(needle) || (tagNeedle !== '' && tag.includes(tagNeedle)));
  const textHas = (entry: SearchEntry) => index.arena.bytesOf(entry).indexOf(bytes) !== -1;
  const isAfter = cursor ? afterCursor(cursor) : () => true;
  // Tag lists are shared between posts (one copy of each, posts-snapshot.ts): each is tested once a query.
  const tagLists = [...index.tagLists].filter(tagHit);
  // (Tests pass a smaller `matchCap` to make words count as common.)
  const candidates = tagLists.length === 0 ? index.words.candidates(needle, Math.max(matchCap, entries.length >>> 2)) : null;
  if (candidates && candidates !== 'many') {
    // No post matches by tag: the candidates alone, in the order of their serials (newest first up to
    // `ordered`, then the patched entries, in any order), each checked for the query's bytes.
    const serials = Uint32Array.from(candidates.serials).sort();
    // A query of one word is in every text its candidates came from: no need to look.
    const check = candidates.sure ? () => true : textHas;
    const current = (entry: SearchEntry) => !entry.gone && entry.at <= nowMs && isAfter(entry) && check(entry);
    const found: SearchEntry[] = [];
    let i = 0;
    for (; i < serials.length && serials[i]! < index.ordered && found.length < limit; i++) {
      const entry = index.bySerial[serials[i]!]!;
      // The post's current entry only (a patched post's old one stays behind, with its serial).
      if ((i === 0 || serials[i - 1] !== serials[i]) && current(entry)) found.push(entry);
    }
    // The patched entries' serials are the last ones: a binary search finds where they start.
    let lo = i;
    let hi = serials.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (serials[mid]! < index.ordered) lo = mid + 1;
      else hi = mid;
    }
    for (const serial of new Set(serials.subarray(lo))) {
      const entry = index.bySerial[serial]!;
      if (current(entry)) found.push(entry);
    }
    return found
      .sort(newestFirst)
      .slice(0, limit)
      .map((e) => e.idHex);
  }
  const tagged = new Set(tagLists);
  // Every word of the query is in many posts: walking the posts newest first, checking each text, usually
  // fills the page soon; the whole text is searched (textMatches) only if WALK_FIRST posts did not (a rare
  // phrase of common words), or at once when the word index could not tell.
  let textHolds = candidates === 'many' ? undefined : textMatches(index, bytes, matchCap);
  let walked = 0;
  const found: string[] = [];
  for (let i = cursor ? firstAfter(entries, cursor) : 0; i < entries.length; i++) {
    if (textHolds === undefined && ++walked > WALK_FIRST) textHolds = textMatches(index, bytes, matchCap);
    const entry = entries[i]!;
    if (entry.at > nowMs) continue;
    if (!(tagged.has(entry.tags) || (textHolds ? textHolds.has(entry) : textHas(entry)))) continue;
    found.push(entry.idHex);
    if (found.length >= limit) break;
  }
  return found;
}

/** Whether an entry comes after `cursor` in the order newest first, ties by larger _id first. */
function afterCursor(cursor: Cursor): (e: SearchEntry) => boolean {
  const at = cursor.at.getTime();
  const hex = String(cursor.id);
  return (e) => e.at < at || (e.at === at && e.idHex < hex);
}

/**
 * The current entries whose text holds `bytes`, found from the occurrences in the arena's chunks; or null
 * when more than MATCH_CAP texts hold it (a common word: the caller tests post by post).
 */
function textMatches(index: SearchIndex, bytes: Buffer, matchCap: number): Set<SearchEntry> | null {
  const matches = new Set<SearchEntry>();
  let texts = 0;
  for (const chunk of index.arena.chunks) {
    const { entries } = chunk;
    for (const { first, last, from, text } of index.arena.runs(chunk)) {
      let e = first;
      let at = text.indexOf(bytes);
      while (at !== -1) {
        // Entries are in the order their texts were written: the one holding `at` is the last starting at or before it.
        while (e + 1 < last && entries[e + 1]!.start - from <= at) e++;
        const entry = entries[e];
        if (entry && at + bytes.length <= entry.end - from) {
          if (++texts > matchCap) return null;
          // The post's current text only (a patched post's old one stays behind in its chunk).
          if (index.byId.get(entry.idHex) === entry) matches.add(entry);
          // One occurrence is enough: go on after this text.
          at = text.indexOf(bytes, entry.end - from);
        } else {
          // Across two texts (or before the first): not a match; the next occurrence may be.
          at = text.indexOf(bytes, at + 1);
        }
      }
    }
  }
  return matches;
}
