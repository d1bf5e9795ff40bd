// The read model for engines without usable indexes (read-model.ts): every question answered from the
// in-memory indexes (post-index.ts, search-index.ts) and posts kept by id (post-fetch.ts).
import mongoose from 'mongoose';
import { literalPattern } from '../db/literal-pattern.js';
import type { Cursor } from '../db/cursor.js';
import { Post } from './post.model.js';
import { everyEntry, findSlug, neighbourIds, pageOfIds, previousHolders, publicCountsOf, publicEntries, slugsLike, type IndexEntry } from './post-index.js';
import { readPost } from './post-fetch.js';
import { warmPostsSnapshots } from './posts-snapshot.js';
import type { ManagedPage, ManagedQuery, PostReadModel } from './read-model.js';
import { searchIds } from './search-index.js';

type Status = 'draft' | 'scheduled' | 'published';

function statusOf(entry: IndexEntry, now: number): Status {
  return entry.at === null ? 'draft' : entry.at > now ? 'scheduled' : 'published';
}

/** A row's place in its list: the time it is ordered by, and whether the order runs oldest first. */
function orderOf(query: ManagedQuery): { key: (e: IndexEntry) => number; ascending: boolean } {
  if (query.order === 'updated' || query.status === 'draft' || query.status === undefined) return { key: (e) => e.updatedAt, ascending: false };
  return { key: (e) => e.at!, ascending: query.status === 'scheduled' };
}

function isAfter(entry: IndexEntry, cursor: Cursor, key: (e: IndexEntry) => number, ascending: boolean): boolean {
  const k = key(entry);
  const at = cursor.at.getTime();
  const id = String(cursor.id);
  if (k !== at) return ascending ? k > at : k < at;
  return ascending ? entry.id > id : entry.id < id;
}

async function managed(query: ManagedQuery, now: Date): Promise<ManagedPage> {
  const t = now.getTime();
  const rows: IndexEntry[] = [];
  // Titles are not in the index (it stays small): a title search asks the database for the matching ids,
  // one read of the collection on FerretDB, paid only by a manager's search, never by a reader.
  const titled = query.q ? new Set((await Post.find({ title: literalPattern(query.q) }, '_id').lean()).map((d) => String(d._id))) : null;
  for (const entry of await everyEntry()) {
    if (titled && !titled.has(entry.id)) continue;
    if (query.status && statusOf(entry, t) !== query.status) continue;
    if (query.authorId && entry.author !== query.authorId) continue;
    if (query.tag && !entry.tags.includes(query.tag)) continue;
    rows.push(entry);
  }
  const { key, ascending } = orderOf(query);
  rows.sort((a, b) => (ascending ? key(a) - key(b) : key(b) - key(a)) || (ascending ? (a.id > b.id ? 1 : -1) : b.id > a.id ? 1 : -1));
  let start = query.offset ?? 0;
  if (query.after) {
    const after = query.after;
    start = rows.findIndex((e) => isAfter(e, after, key, ascending));
    if (start === -1) start = rows.length;
  }
  const slice = rows.slice(start, start + query.limit);
  const last = slice[slice.length - 1];
  return {
    ids: slice.map((e) => e.id),
    total: rows.length,
    next: last && rows.length > start + query.limit ? { at: new Date(key(last)), id: new mongoose.Types.ObjectId(last.id) } : null,
  };
}

export const memoryReadModel: PostReadModel = {
  kind: 'memory',
  page: (scope, page, perPage, now) => pageOfIds(scope, page, perPage, now),
  sitemap: async (limit, now) => (await publicEntries(now)).slice(0, limit).map(({ id, slug, updatedAt, author, tags }) => ({ id, slug, updatedAt, author, tags })),
  slug: (slug) => findSlug(slug),
  slugsLike: (base) => slugsLike(base),
  previousHolders: (slug, ownerId) => previousHolders(slug, ownerId),
  neighbours: (id, now) => neighbourIds(id, now),
  search: (q, cursor, limit, now, meter) => searchIds(q, cursor, limit, now, undefined, meter),
  post: (id) => readPost(id),
  publicCounts: (now) => publicCountsOf(now),
  managed,
  warm: () => warmPostsSnapshots(),
};
