// Lists of posts for people who manage them (the dashboard, and /admin pages that want them): by status,
// optionally one author's, in keyset pages (a cursor names the last row shown, so a later page costs what
// the first does). Rows come from the reading index (post-index.ts) and are fetched by _id.
import type { Storage } from '../media/storage.js';
import { cursorOf, parseCursor } from './cursor.js';
import { displayStatus, Post, type DisplayStatus } from './post.model.js';
import { entriesByStatus, type IndexEntry } from './post-index.js';
import { CARD_FIELDS, toCards, type CardSource, type PostCard } from './post-views.js';

export interface ListFilter {
  status: DisplayStatus;
  /** Only this author's posts (authors see their own; editors and admins may leave it out). */
  authorId?: string | undefined;
  /** From a previous page's `next`. */
  after?: string | undefined;
  limit?: number | undefined;
}

export interface PostList {
  posts: PostCard[];
  /** Cursor for the following page, or null on the last page. */
  next: string | null;
}

export const MAX_LIST_LIMIT = 100;

/** The date a status is ordered by: last change for drafts, publish time otherwise. */
function keyOf(status: DisplayStatus, entry: IndexEntry): number {
  return status === 'draft' ? entry.updatedAt : entry.at!;
}

export async function listPosts(filter: ListFilter, storage?: Storage, now = new Date()): Promise<PostList> {
  const limit = Math.min(Math.max(filter.limit ?? 20, 1), MAX_LIST_LIMIT);
  const entries = await entriesByStatus(filter.status, filter.authorId, now);
  const cursor = parseCursor(filter.after);
  let start = 0;
  if (cursor) {
    // Entries run in list order; the page starts after the one the cursor names (or where it would be).
    const ascending = filter.status === 'scheduled';
    const at = cursor.at.getTime();
    const id = String(cursor.id);
    start = entries.findIndex((e) => {
      const k = keyOf(filter.status, e);
      if (k !== at) return ascending ? k > at : k < at;
      return ascending ? e.id > id : e.id < id;
    });
    if (start === -1) start = entries.length;
  }
  const slice = entries.slice(start, start + limit);
  const docs = await Promise.all(slice.map((e) => Post.findById(e.id, CARD_FIELDS).lean<CardSource>()));
  // The index may be a moment behind a write: keep only rows that still have this status.
  const rows = docs.filter((d): d is CardSource => d !== null && displayStatus(d, now) === filter.status);
  const last = slice[slice.length - 1];
  return {
    posts: await toCards(rows, storage, now),
    next: entries.length > start + limit && last ? cursorOf(new Date(keyOf(filter.status, last)), last.id) : null,
  };
}
