// Lists of posts for people who manage them: the dashboard (by status, optionally one author's, in keyset
// pages: a cursor names the last row shown) and /admin/posts (every post, filters, numbered pages). Both
// ask the one read model (read-model.ts) for the rows' ids, in the same way, and fetch the rows by id.
import mongoose from 'mongoose';
import type { Storage } from '../media/storage.js';
import { cursorOf, parseCursor, type Cursor } from '../db/cursor.js';
import { displayStatus, Post, type DisplayStatus, type PostDoc } from './post.model.js';
import { CARD_FIELDS, toCards, type CardSource, type PostCard } from './post-views.js';
import { readModel } from './read-model-choice.js';
import type { ManagedQuery } from './read-model.js';

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

type Managed = Pick<PostDoc, '_id' | 'status' | 'publishedAt'>;

/** A page of a managed list: the rows (with `fields`) in list order, how many match in all, the next cursor. */
export async function managedPosts<T extends Managed>(query: ManagedQuery, fields: string, now = new Date()): Promise<{ docs: T[]; total: number; next: Cursor | null }> {
  const model = readModel();
  const page = await model.managed(query, now);
  const projection = `${fields} status publishedAt`;
  // Where the in-memory model serves (FerretDB 1.24), `$in` reads and decodes the whole collection (about
  // 0.2 ms a post, for each of the dashboard's lists), while a lookup by _id alone uses its index: one per row.
  const found = page.ids.length === 0
    ? []
    : model.kind === 'memory'
      ? (await Promise.all(page.ids.map((id) => Post.findById(id, projection).lean<T>()))).filter((d): d is NonNullable<typeof d> => d !== null)
      : await Post.find({ _id: mongoose.trusted({ $in: page.ids }) }, projection).lean<T[]>();
  const byId = new Map(found.map((d) => [String(d._id), d]));
  // The read model may be a moment behind a write: keep only rows that still have the status asked for.
  const docs = page.ids
    .map((id) => byId.get(id))
    .filter((d): d is T => d !== undefined && (query.status === undefined || displayStatus(d, now) === query.status));
  return { docs, total: page.total, next: page.next };
}

/** The dashboard's list of one status. */
export async function listPosts(filter: ListFilter, storage?: Storage, now = new Date()): Promise<PostList> {
  const limit = Math.min(Math.max(filter.limit ?? 20, 1), MAX_LIST_LIMIT);
  const { docs, next } = await managedPosts<CardSource>(
    { status: filter.status, authorId: filter.authorId, order: 'status', after: parseCursor(filter.after), limit },
    CARD_FIELDS,
    now,
  );
  return { posts: await toCards(docs, storage, now), next: next ? cursorOf(next.at, next.id) : null };
}
