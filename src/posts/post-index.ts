// An in-memory index of every post's address and place in the public lists, so that reading pages cost
// lookups by _id only: page N of the home, tag and author lists (no skip, whatever the depth), a post's
// slug or old slug, its neighbours, the feed and the sitemap.
//
// Why in memory: FerretDB 1.24 on SQLite (the embedded engine on Quire's machines) pushes only `_id`
// equality down to SQLite; every other filter, sort or `$in` decodes and scans the whole collection in
// FerretDB (measured at 3,000 posts: ~1 s for a sorted first page or a slug lookup, ~25 ms for a lookup
// by _id). On MongoDB the same plan is index point lookups.
//
// One scan, projecting the few fields below, builds the whole index. A write that names its posts (an
// edit, a publication, a new or deleted post, here or in another process) is patched in: the next reader
// re-reads those posts by _id, and each one's entry is taken out of every list (found by binary search
// on its place: publish time, then id) and put back where it now belongs. Any other write through the
// Post model (bulk writes, the seed) marks it stale; the next reader starts a rebuild and waits for it up
// to REBUILD_WAIT_MS. With a large collection on a slow engine the previous index keeps serving
// meanwhile: a change then shows a few seconds late, and a page never stalls for the length of a scan.
// Lookups re-check each fetched post, so a stale entry can hide a post for those seconds but never show
// one that is not public (posts-snapshot.ts).
import type { Types } from 'mongoose';
import type { PostDoc } from './post.model.js';
import { hexOf, postsSnapshot, type Pool, type PostsBuilder } from './posts-snapshot.js';
import { firstNotBefore } from './sorted.js';
import type { ListScope, PageOfIds, PublicCounts, SlugMatch } from './read-model.js';

// Entries hold plain values (hex ids, times in ms, shared tag lists): few objects per post, for the sake of
// the garbage collector at 100,000 posts (see Pool in posts-snapshot.ts).
export interface IndexEntry {
  /** The post's _id as hex. */
  id: string;
  slug: string;
  /** Publish time in ms for published (and scheduled) posts; null for drafts. */
  at: number | null;
  /** Last change, in ms. */
  updatedAt: number;
  /** The author's _id as hex. */
  author: string;
  tags: readonly string[];
  /** The post's earlier slugs (the same empty list for most posts). */
  previousSlugs: readonly string[];
}

interface Snapshot {
  /** Published and scheduled posts, newest first (ties: larger _id first). */
  published: IndexEntry[];
  byTag: Map<string, IndexEntry[]>;
  byAuthor: Map<string, IndexEntry[]>;
  /** Every post (drafts too) by hex id. */
  byId: Map<string, IndexEntry>;
  bySlug: Map<string, IndexEntry>;
  byOldSlug: Map<string, IndexEntry>;
}

const REBUILD_WAIT_MS = 1500;

/** Builds the index one post at a time, as the scan streams them. */
function indexBuilder(): PostsBuilder<Snapshot> {
  const snapshot: Snapshot = { published: [], byTag: new Map(), byAuthor: new Map(), byId: new Map(), bySlug: new Map(), byOldSlug: new Map() };
  const published: IndexEntry[] = [];
  return {
    add(d, pool) {
      const entry = entryOf(d, pool);
      addAddresses(snapshot, entry);
      if (entry.at !== null) published.push(entry);
    },
    finish() {
      published.sort(newestFirst);
      for (const entry of published) {
        snapshot.published.push(entry);
        push(snapshot.byAuthor, entry.author, entry);
        for (const tag of entry.tags) push(snapshot.byTag, tag, entry);
      }
      return snapshot;
    },
  };
}

function entryOf(d: PostDoc, pool: Pool): IndexEntry {
  const isPublished = d.status === 'published' && d.publishedAt;
  return {
    id: pool.id(d._id),
    slug: d.slug,
    at: isPublished ? d.publishedAt!.getTime() : null,
    updatedAt: d.updatedAt.getTime(),
    author: pool.id(d.author),
    tags: pool.list(d.tags),
    previousSlugs: pool.list(d.previousSlugs),
  };
}

/** The lists' order: newest first, ties by larger id first. */
function newestFirst(a: IndexEntry, b: IndexEntry): number {
  return b.at! - a.at! || (b.id > a.id ? 1 : b.id < a.id ? -1 : 0);
}

function addAddresses(snapshot: Snapshot, entry: IndexEntry): void {
  snapshot.byId.set(entry.id, entry);
  snapshot.bySlug.set(entry.slug, entry);
  for (const old of entry.previousSlugs) snapshot.byOldSlug.set(old, entry);
}

/** Where `entry` is, or would go, in a list in the lists' order. */
function placeOf(list: readonly IndexEntry[], entry: IndexEntry): number {
  return firstNotBefore(list, (e) => newestFirst(e, entry) < 0);
}

function insertSorted(list: IndexEntry[], entry: IndexEntry): void {
  list.splice(placeOf(list, entry), 0, entry);
}

function removeSorted(list: IndexEntry[], entry: IndexEntry): void {
  const i = placeOf(list, entry);
  if (list[i] === entry) list.splice(i, 1);
}

function inList(map: Map<string, IndexEntry[]>, key: string, entry: IndexEntry, add: boolean): void {
  const list = map.get(key);
  if (add) {
    if (list) insertSorted(list, entry);
    else map.set(key, [entry]);
  } else if (list) {
    removeSorted(list, entry);
    if (list.length === 0) map.delete(key);
  }
}

/** Takes the post `id` out of the index and puts `post` (its current state; null: deleted) back in. */
function patchIndex(snapshot: Snapshot, id: string, post: PostDoc | null, pool: Pool): void {
  const old = snapshot.byId.get(id);
  if (old) {
    snapshot.byId.delete(id);
    if (snapshot.bySlug.get(old.slug) === old) snapshot.bySlug.delete(old.slug);
    for (const slug of old.previousSlugs) if (snapshot.byOldSlug.get(slug) === old) snapshot.byOldSlug.delete(slug);
    if (old.at !== null) {
      removeSorted(snapshot.published, old);
      inList(snapshot.byAuthor, old.author, old, false);
      for (const tag of old.tags) inList(snapshot.byTag, tag, old, false);
    }
  }
  if (!post) return;
  const entry = entryOf(post, pool);
  addAddresses(snapshot, entry);
  if (entry.at !== null) {
    insertSorted(snapshot.published, entry);
    inList(snapshot.byAuthor, entry.author, entry, true);
    for (const tag of entry.tags) inList(snapshot.byTag, tag, entry, true);
  }
}

function push(map: Map<string, IndexEntry[]>, key: string, entry: IndexEntry): void {
  const list = map.get(key);
  if (list) list.push(entry);
  else map.set(key, [entry]);
}

/** The index, rebuilt first if posts changed (waiting a bounded time when an older one can serve). */
const currentIndex = postsSnapshot('slug previousSlugs status publishedAt updatedAt author tags', indexBuilder, patchIndex, { waitMs: REBUILD_WAIT_MS });

function listOf(index: Snapshot, scope: ListScope): IndexEntry[] {
  if (scope.kind === 'all') return index.published;
  return (scope.kind === 'tag' ? index.byTag.get(scope.slug) : index.byAuthor.get(scope.id)) ?? [];
}

/** Index of the first entry published at or before `now` (lists run newest first). */
function firstVisible(list: IndexEntry[], now: number): number {
  return firstNotBefore(list, (e) => e.at! > now);
}

/** The ids on page `page` of a public list, or null when the page is past the end (page 1 always exists). */
export async function pageOfIds(scope: ListScope, page: number, perPage: number, now = new Date()): Promise<PageOfIds | null> {
  const list = listOf((await currentIndex()).value, scope);
  const start = firstVisible(list, now.getTime());
  const total = list.length - start;
  const pageCount = Math.max(1, Math.ceil(total / perPage));
  if (page > pageCount) return null;
  const from = start + (page - 1) * perPage;
  return { ids: list.slice(from, from + perPage).map((e) => e.id), page, pageCount, total };
}

/** Every public post (for the sitemap): ids, slugs, last changes, tags and authors. */
export async function publicEntries(now = new Date()): Promise<IndexEntry[]> {
  const list = (await currentIndex()).value.published;
  return list.slice(firstVisible(list, now.getTime()));
}

/**
 * The post a slug names now (moved: false) or named before (moved: true), or null when no post has it.
 * 'unknown' when the index may be behind, so the caller asks the database.
 */
export async function findSlug(slug: string): Promise<SlugMatch> {
  const { value: index, fresh } = await currentIndex();
  const entry = index.bySlug.get(slug);
  if (entry) return { id: entry.id, moved: false };
  const old = index.byOldSlug.get(slug);
  if (old) return { id: old.id, moved: true };
  return fresh ? null : 'unknown';
}

/** Slugs in use that are `base` or `base-<n>` (one pass over the slugs in memory: milliseconds at 100,000). */
export async function slugsLike(base: string): Promise<Set<string>> {
  const { value: index } = await currentIndex();
  const found = new Set<string>();
  const prefix = `${base}-`;
  for (const slug of index.bySlug.keys()) {
    if (slug === base || (slug.startsWith(prefix) && /^\d+$/.test(slug.slice(prefix.length)))) found.add(slug);
  }
  return found;
}

/** The post (other than `ownerId`) that redirects from `slug`, as the index knows it. */
export async function previousHolders(slug: string, ownerId: string): Promise<string[]> {
  const { value: index } = await currentIndex();
  const holder = index.byOldSlug.get(slug);
  return holder && holder.id !== ownerId ? [holder.id] : [];
}

/** The next newer and next older public posts around a published post. */
export async function neighbourIds(postId: Types.ObjectId | string, now = new Date()): Promise<{ newer: string | null; older: string | null }> {
  const { value: index } = await currentIndex();
  const entry = index.byId.get(hexOf(postId));
  if (!entry || entry.at === null) return { newer: null, older: null };
  const i = placeOf(index.published, entry);
  if (index.published[i] !== entry) return { newer: null, older: null };
  const newer = index.published[i - 1];
  const older = index.published[i + 1];
  return { newer: newer && newer.at! <= now.getTime() ? newer.id : null, older: older ? older.id : null };
}

/** How many public posts each tag and each author (hex id) has at `now` (the /tags and /authors pages). */
export async function publicCountsOf(now = new Date()): Promise<PublicCounts> {
  const index = (await currentIndex()).value;
  const t = now.getTime();
  const count = (map: Map<string, IndexEntry[]>) => {
    const counts = new Map<string, number>();
    for (const [key, list] of map) {
      const visible = list.length - firstVisible(list, t);
      if (visible > 0) counts.set(key, visible);
    }
    return counts;
  };
  return { tags: count(index.byTag), authors: count(index.byAuthor) };
}

/** Every post's entry (drafts too), for the managed lists. */
export async function everyEntry(): Promise<Iterable<IndexEntry>> {
  return (await currentIndex()).value.byId.values();
}
