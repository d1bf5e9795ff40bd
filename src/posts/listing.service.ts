// Lists of posts for people who manage them (the dashboard, /admin/posts): by status, optionally one
// author's, in keyset pages (a cursor names the last row shown, so a later page costs what the first does).
import mongoose from 'mongoose';
import type { Storage } from '../media/storage.js';
import type { DisplayStatus } from './post.model.js';
import { Post } from './post.model.js';
import { beyond, cursorOf, parseCursor } from './cursor.js';
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

interface Order {
  field: 'updatedAt' | 'publishedAt';
  direction: 1 | -1;
}

// Drafts by last change, scheduled posts soonest first, published posts newest first.
const ORDER: Record<DisplayStatus, Order> = {
  draft: { field: 'updatedAt', direction: -1 },
  scheduled: { field: 'publishedAt', direction: 1 },
  published: { field: 'publishedAt', direction: -1 },
};

export const MAX_LIST_LIMIT = 100;

export async function listPosts(filter: ListFilter, storage?: Storage, now = new Date()): Promise<PostList> {
  const limit = Math.min(Math.max(filter.limit ?? 20, 1), MAX_LIST_LIMIT);
  const order = ORDER[filter.status];
  const query: Record<string, unknown> = statusFilter(filter.status, now);
  if (filter.authorId) query.author = filter.authorId;
  const cursor = parseCursor(filter.after);
  if (cursor) query.$or = beyond(order.field, order.direction, cursor);
  const docs = await Post.find(query, CARD_FIELDS)
    .sort({ [order.field]: order.direction, _id: order.direction })
    .limit(limit + 1)
    .lean<CardSource[]>();
  const page = docs.slice(0, limit);
  const last = page[page.length - 1];
  return {
    posts: await toCards(page, storage, now),
    next: docs.length > limit && last ? cursorOf(last[order.field], last._id) : null,
  };
}

function statusFilter(status: DisplayStatus, now: Date): Record<string, unknown> {
  if (status === 'draft') return { status: 'draft' };
  return { status: 'published', publishedAt: mongoose.trusted(status === 'scheduled' ? { $gt: now } : { $lte: now }) };
}
