// Search over published posts, in memory: each post's title, tag slugs and plain text, lower-cased, newest
// first. A query is matched literally (a substring, case-insensitive) with no regular expression at all,
// so no input can be a pattern; the cost is proportional to the text read until a page is full.
//
// Why not the database: a case-insensitive substring cannot use an index on any engine, and FerretDB 1.24
// on SQLite decodes every document of the collection for it (about 20 s at 100,000 posts). Here it is a
// scan of memory instead (the plain text of the posts: about 57 MB at 100,000 generated posts), built by
// one read of the collection and patched after writes like the reading index (posts-snapshot.ts): a
// changed post's entry is taken out (found by binary search on its time and id) and put back in place.
//
// The text is kept as UTF-8 in a few large Buffers (TextArena), outside the JavaScript heap: 100,000
// strings on the heap made it larger, and V8 lets a heap grow in proportion to what it holds before it
// collects, so the resident size under load grew twice over. Lower-casing first and matching bytes
// gives the same answers as matching strings (UTF-8 is self-synchronising: a character's bytes never
// match in the middle of another's). A patched post's old text stays in its Buffer, unused, until the
// next full scan.
//
// A query is answered in one of two ways. Most words are rare: every Buffer is searched once for the
// query's bytes (native code, about 8 ms for 57 MB), each occurrence is mapped to the entry whose text holds
// it and the search goes on after that entry's text, and the entries found are ordered: no per-post work
// for the posts without it. A common word (in more than MATCH_CAP posts) instead walks the posts newest
// first and stops once enough are found, which such a word does quickly. (Walking every post for a rare
// word cost 40-100 ms a query at 100,000 posts.)
// Scheduled posts are in it and are skipped until their time; results are re-checked by whoever fetches
// them, so a post unpublished a moment ago is never shown.
import type { Cursor } from '../db/cursor.js';
import type { PostDoc } from './post.model.js';
import { postsSnapshot, type Pool, type PostsBuilder } from './posts-snapshot.js';
import { firstNotBefore } from './sorted.js';
import { slugify } from './slugs.js';

interface SearchEntry {
  /** The _id as hex: a string costs far less memory than an ObjectId, 100,000 times over. */
  idHex: string;
  at: number;
  tags: readonly string[];
  /** Title and plain text, lower-cased, as UTF-8: bytes `start` to `end` of `text`. */
  text: Buffer;
  start: number;
  end: number;
}

const ARENA_CHUNK = 4 * 1024 * 1024;

/** One Buffer of the arena: its bytes in use, and the entries whose texts it holds, in the order written. */
interface ArenaChunk {
  bytes: Buffer;
  used: number;
  entries: SearchEntry[];
}

/** Texts appended to shared Buffers allocated outside the JavaScript heap, a chunk at a time. */
class TextArena {
  readonly chunks: ArenaChunk[] = [];

  put(text: string): Pick<SearchEntry, 'text' | 'start' | 'end'> {
    const bytes = Buffer.byteLength(text);
    let chunk = this.chunks.at(-1);
    if (!chunk || bytes > chunk.bytes.length - chunk.used) {
      chunk = { bytes: Buffer.allocUnsafeSlow(Math.max(ARENA_CHUNK, bytes)), used: 0, entries: [] };
      this.chunks.push(chunk);
    }
    const start = chunk.used;
    chunk.used += chunk.bytes.write(text, start);
    return { text: chunk.bytes, start, end: chunk.used };
  }

  /** Records the entry whose text was the last one put (so an occurrence can be mapped back to it). */
  holds(entry: SearchEntry): void {
    this.chunks.at(-1)!.entries.push(entry);
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
  /** Where patched posts' texts go. */
  arena: TextArena;
}

function entryOf(d: PostDoc, pool: Pool, arena: TextArena): SearchEntry | null {
  if (d.status !== 'published' || !d.publishedAt) return null;
  const entry = { idHex: pool.id(d._id), at: d.publishedAt.getTime(), tags: pool.list(d.tags), ...arena.put(`${d.title}\n${d.bodyText}`.toLowerCase()) };
  arena.holds(entry);
  return entry;
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
      const entry = entryOf(d, pool, arena);
      if (entry) entries.push(entry);
    },
    finish: () => ({ entries: entries.sort(newestFirst), byId: new Map(entries.map((e) => [e.idHex, e])), arena }),
  };
}

/** Where `entry` is, or would go, in `entries`. */
function placeOf(entries: readonly SearchEntry[], entry: SearchEntry): number {
  return firstNotBefore(entries, (e) => newestFirst(e, entry) < 0);
}

/** Takes the post `id` out and puts `post` (null: deleted) back where it now belongs, if it is public. */
function patchSearch(index: SearchIndex, id: string, post: PostDoc | null, pool: Pool): void {
  const old = index.byId.get(id);
  if (old) {
    index.byId.delete(id);
    const i = placeOf(index.entries, old);
    if (index.entries[i] === old) index.entries.splice(i, 1);
  }
  const entry = post && entryOf(post, pool, index.arena);
  if (!entry) return;
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

/**
 * Ids of up to `limit` public posts whose title, tag slugs or text contain `q`, newest first, after
 * `cursor`. A query that reads as a tag name ("Difference Engine") also finds the slug it would have.
 */
export async function searchIds(q: string, cursor: Cursor | null, limit: number, now = new Date(), matchCap = MATCH_CAP): Promise<string[]> {
  const needle = q.toLowerCase();
  const tagNeedle = slugify(q);
  if (!needle) return [];
  const bytes = Buffer.from(needle, 'utf8');
  const index = (await searchIndex()).value;
  const { entries } = index;
  // Tag lists are shared between posts (one copy of each, posts-snapshot.ts): each list is tested once a query.
  const tagVerdicts = new Map<readonly string[], boolean>();
  const inTags = (entry: SearchEntry) => {
    let verdict = tagVerdicts.get(entry.tags);
    if (verdict === undefined) {
      verdict = entry.tags.some((tag) => tag.includes(needle) || (tagNeedle !== '' && tag.includes(tagNeedle)));
      tagVerdicts.set(entry.tags, verdict);
    }
    return verdict;
  };
  const textHolds = textMatches(index, bytes, matchCap);
  const hit = textHolds
    ? (entry: SearchEntry) => textHolds.has(entry) || inTags(entry)
    : (entry: SearchEntry) => entry.text.subarray(entry.start, entry.end).indexOf(bytes) !== -1 || inTags(entry);
  const nowMs = now.getTime();
  const found: string[] = [];
  for (let i = cursor ? firstAfter(entries, cursor) : 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.at > nowMs || !hit(entry)) continue;
    found.push(entry.idHex);
    if (found.length >= limit) break;
  }
  return found;
}

/**
 * The current entries whose text holds `bytes`, found from the occurrences in the arena's Buffers; or null
 * when more than MATCH_CAP texts hold it (a common word: the caller tests post by post).
 */
function textMatches(index: SearchIndex, bytes: Buffer, matchCap: number): Set<SearchEntry> | null {
  const matches = new Set<SearchEntry>();
  let texts = 0;
  for (const chunk of index.arena.chunks) {
    const text = chunk.bytes.subarray(0, chunk.used);
    let e = 0;
    let at = text.indexOf(bytes);
    while (at !== -1) {
      // Entries are in the order their texts were written: the one holding `at` is the last starting at or before it.
      while (e + 1 < chunk.entries.length && chunk.entries[e + 1]!.start <= at) e++;
      const entry = chunk.entries[e];
      if (entry && at + bytes.length <= entry.end) {
        if (++texts > matchCap) return null;
        // The post's current text only (a patched post's old one stays behind in its Buffer).
        if (index.byId.get(entry.idHex) === entry) matches.add(entry);
        // One occurrence is enough: go on after this text.
        at = text.indexOf(bytes, entry.end);
      } else {
        // Across two texts (or before the first): not a match; the next occurrence may be.
        at = text.indexOf(bytes, at + 1);
      }
    }
  }
  return matches;
}
