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

/** Texts appended to shared Buffers allocated outside the JavaScript heap, a chunk at a time. */
class TextArena {
  private chunk = Buffer.allocUnsafeSlow(0);
  private used = 0;

  put(text: string): Pick<SearchEntry, 'text' | 'start' | 'end'> {
    const bytes = Buffer.byteLength(text);
    if (bytes > this.chunk.length - this.used) {
      this.chunk = Buffer.allocUnsafeSlow(Math.max(ARENA_CHUNK, bytes));
      this.used = 0;
    }
    const start = this.used;
    this.used += this.chunk.write(text, start);
    return { text: this.chunk, start, end: this.used };
  }
}

interface SearchIndex {
  /** Newest first, ties by larger id first. */
  entries: SearchEntry[];
  byId: Map<string, SearchEntry>;
  /** Where patched posts' texts go. */
  arena: TextArena;
}

function entryOf(d: PostDoc, pool: Pool, arena: TextArena): SearchEntry | null {
  if (d.status !== 'published' || !d.publishedAt) return null;
  return { idHex: pool.id(d._id), at: d.publishedAt.getTime(), tags: pool.list(d.tags), ...arena.put(`${d.title}\n${d.bodyText}`.toLowerCase()) };
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
export async function searchIds(q: string, cursor: Cursor | null, limit: number, now = new Date()): Promise<string[]> {
  const needle = q.toLowerCase();
  const tagNeedle = slugify(q);
  if (!needle) return [];
  const bytes = Buffer.from(needle, 'utf8');
  const { entries } = (await searchIndex()).value;
  const nowMs = now.getTime();
  const found: string[] = [];
  for (let i = cursor ? firstAfter(entries, cursor) : 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.at > nowMs) continue;
    const hit = entry.text.subarray(entry.start, entry.end).indexOf(bytes) !== -1 || entry.tags.some((tag) => tag.includes(needle) || (tagNeedle !== '' && tag.includes(tagNeedle)));
    if (!hit) continue;
    found.push(entry.idHex);
    if (found.length >= limit) break;
  }
  return found;
}
