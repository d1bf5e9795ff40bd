// Search over published posts, in memory: each post's title, tag slugs and plain text, lower-cased, newest
// first. A query is matched literally (a substring, case-insensitive) with no regular expression at all,
// so no input can be a pattern; the cost is proportional to the text read until a page is full.
//
// Why not the database: a case-insensitive substring cannot use an index on any engine, and FerretDB 1.24
// on SQLite decodes every document of the collection for it (about 20 s at 100,000 posts). Here it is a
// scan of memory instead (the plain text of the posts: about 100 MB at 100,000 generated posts), built by
// one read of the collection and patched after writes like the reading index (posts-snapshot.ts): a
// changed post's entry is taken out (found by binary search on its time and id) and put back in place.
// Scheduled posts are in it and are skipped until their time; results are re-checked by whoever fetches
// them, so a post unpublished a moment ago is never shown.
import type { Cursor } from './cursor.js';
import type { PostDoc } from './post.model.js';
import { postsSnapshot, type Pool, type PostsBuilder } from './posts-snapshot.js';
import { slugify } from './slugs.js';

interface SearchEntry {
  /** The _id as hex: a string costs far less memory than an ObjectId, 100,000 times over. */
  idHex: string;
  at: number;
  tags: readonly string[];
  /** Title and plain text in one lower-cased string (one string per post, not two: see Pool). */
  text: string;
}

interface SearchIndex {
  /** Newest first, ties by larger id first. */
  entries: SearchEntry[];
  byId: Map<string, SearchEntry>;
}

function entryOf(d: PostDoc, pool: Pool): SearchEntry | null {
  if (d.status !== 'published' || !d.publishedAt) return null;
  return { idHex: pool.id(d._id), at: d.publishedAt.getTime(), tags: pool.list(d.tags), text: `${d.title}\n${d.bodyText}`.toLowerCase() };
}

function newestFirst(a: SearchEntry, b: SearchEntry): number {
  return b.at - a.at || (b.idHex > a.idHex ? 1 : b.idHex < a.idHex ? -1 : 0);
}

/** Builds the search index one post at a time, as the scan streams them. */
function searchBuilder(): PostsBuilder<SearchIndex> {
  const entries: SearchEntry[] = [];
  return {
    add(d, pool) {
      const entry = entryOf(d, pool);
      if (entry) entries.push(entry);
    },
    finish: () => ({ entries: entries.sort(newestFirst), byId: new Map(entries.map((e) => [e.idHex, e])) }),
  };
}

/** Where `entry` is, or would go, in `entries`. */
function placeOf(entries: readonly SearchEntry[], entry: SearchEntry): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (newestFirst(entries[mid]!, entry) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Takes the post `id` out and puts `post` (null: deleted) back where it now belongs, if it is public. */
function patchSearch(index: SearchIndex, id: string, post: PostDoc | null, pool: Pool): void {
  const old = index.byId.get(id);
  if (old) {
    index.byId.delete(id);
    const i = placeOf(index.entries, old);
    if (index.entries[i] === old) index.entries.splice(i, 1);
  }
  const entry = post && entryOf(post, pool);
  if (!entry) return;
  index.byId.set(id, entry);
  index.entries.splice(placeOf(index.entries, entry), 0, entry);
}

const searchIndex = postsSnapshot('title tags bodyText status publishedAt', searchBuilder, patchSearch);

/** Position of the first entry after `cursor` in the order newest first, ties by larger _id first. */
function firstAfter(entries: SearchEntry[], cursor: Cursor): number {
  const at = cursor.at.getTime();
  const hex = String(cursor.id);
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const e = entries[mid]!;
    if (e.at > at || (e.at === at && e.idHex >= hex)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Ids of up to `limit` public posts whose title, tag slugs or text contain `q`, newest first, after
 * `cursor`. A query that reads as a tag name ("Difference Engine") also finds the slug it would have.
 */
export async function searchIds(q: string, cursor: Cursor | null, limit: number, now = new Date()): Promise<string[]> {
  const needle = q.toLowerCase();
  const tagNeedle = slugify(q);
  if (!needle) return [];
  const { entries } = (await searchIndex()).value;
  const nowMs = now.getTime();
  const found: string[] = [];
  for (let i = cursor ? firstAfter(entries, cursor) : 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.at > nowMs) continue;
    const hit = entry.text.includes(needle) || entry.tags.some((tag) => tag.includes(needle) || (tagNeedle !== '' && tag.includes(tagNeedle)));
    if (!hit) continue;
    found.push(entry.idHex);
    if (found.length >= limit) break;
  }
  return found;
}
