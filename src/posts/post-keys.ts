// Page N of a public list without a growing skip. For each list (all posts, one tag, one author) Quire
// keeps in memory the sorted (publishedAt, _id) keys of its published posts, read with one query that
// projects only those fields from the {status, publishedAt, _id} indexes. Page N is then a slice of that
// array, and its posts are fetched by _id: the cost of page 500 is the cost of page 1.
//
// Scheduled posts are in the lists too (they are stored as published); a binary search skips the ones
// whose time has not come, so they appear by themselves. Any content change drops every list and the next
// request rebuilds the one it needs. (One process: with several, each keeps its own lists, and a change
// made by another process shows once its lists are rebuilt.)
import mongoose, { type Types } from 'mongoose';
import { onContentChange } from '../http/content-version.js';
import { Post } from './post.model.js';

export type ListScope = { kind: 'all' } | { kind: 'tag'; slug: string } | { kind: 'author'; id: string };

interface Key {
  at: number;
  id: Types.ObjectId;
}

const MAX_LISTS = 500;
const lists = new Map<string, Promise<Key[]>>();
onContentChange(() => lists.clear());

function scopeKey(scope: ListScope): string {
  return scope.kind === 'all' ? 'all' : `${scope.kind}:${scope.kind === 'tag' ? scope.slug : scope.id}`;
}

function scopeFilter(scope: ListScope): Record<string, unknown> {
  const filter: Record<string, unknown> = { status: 'published' };
  if (scope.kind === 'tag') filter.tags = scope.slug;
  if (scope.kind === 'author') filter.author = scope.id;
  return filter;
}

async function buildKeys(scope: ListScope): Promise<Key[]> {
  const docs = await Post.find(scopeFilter(scope), { publishedAt: 1 }).sort({ publishedAt: -1, _id: -1 }).lean();
  return docs.filter((d) => d.publishedAt).map((d) => ({ at: d.publishedAt!.getTime(), id: d._id }));
}

function keysOf(scope: ListScope): Promise<Key[]> {
  const key = scopeKey(scope);
  let list = lists.get(key);
  if (!list) {
    if (lists.size >= MAX_LISTS) lists.delete(lists.keys().next().value!);
    list = buildKeys(scope);
    lists.set(key, list);
    // A failed read is not remembered.
    list.catch(() => lists.get(key) === list && lists.delete(key));
  }
  return list;
}

/** Index of the first key at or before `now` (keys run newest first). */
function firstVisible(keys: Key[], now: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]!.at > now) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface PageOfIds {
  ids: Types.ObjectId[];
  page: number;
  pageCount: number;
  total: number;
}

/** The ids on page `page` of a list, or null when the page is past the end (page 1 always exists). */
export async function pageOfIds(scope: ListScope, page: number, perPage: number, now = new Date()): Promise<PageOfIds | null> {
  const keys = await keysOf(scope);
  const start = firstVisible(keys, now.getTime());
  const total = keys.length - start;
  const pageCount = Math.max(1, Math.ceil(total / perPage));
  if (page > pageCount) return null;
  const from = start + (page - 1) * perPage;
  return { ids: keys.slice(from, from + perPage).map((k) => k.id), page, pageCount, total };
}

/** Published posts by id, in the order given (ids from `pageOfIds`; the filter re-checks visibility). */
export async function postsInOrder<T extends { _id: Types.ObjectId }>(
  ids: Types.ObjectId[],
  find: (filter: Record<string, unknown>) => Promise<T[]>,
  now = new Date(),
): Promise<T[]> {
  if (ids.length === 0) return [];
  const docs = await find({ _id: mongoose.trusted({ $in: ids }), status: 'published', publishedAt: mongoose.trusted({ $lte: now }) });
  const byId = new Map(docs.map((d) => [String(d._id), d]));
  return ids.map((id) => byId.get(String(id))).filter((d): d is T => d !== undefined);
}
