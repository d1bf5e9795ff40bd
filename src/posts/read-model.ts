// The read model: the one seam through which everything readers and managers see of posts is read (public
// lists, slugs, neighbours, the feed and sitemap, search, posts by id, and the lists of the dashboard and
// /admin/posts). Two implementations answer the same questions:
// - `memory` (memory-read-model.ts): indexes built from one scan of the posts and kept in memory, for
//   engines that cannot answer anything but a lookup by _id without reading the whole table (FerretDB
//   1.24 on SQLite: ~8 s per sorted query at 100,000 posts);
// - `query` (query-read-model.ts): indexed queries, for engines that have indexes (MongoDB), with no
//   per-process state to rebuild or to keep in step with other processes.
// Which one runs is chosen at start from what the database is (or READ_MODEL), and logged.
import type { Types } from 'mongoose';
import type { Cursor } from '../db/cursor.js';
import type { WorkMeter } from '../http/time-budget.js';
import type { DisplayStatus, PostDoc } from './post.model.js';

export type ReadModelKind = 'memory' | 'query';

export type ListScope = { kind: 'all' } | { kind: 'tag'; slug: string } | { kind: 'author'; id: string };

export interface PageOfIds {
  /** Hex ids. */
  ids: string[];
  page: number;
  pageCount: number;
  total: number;
}

/** A public post's place for the sitemap. */
export interface SitemapEntry {
  id: string;
  slug: string;
  /** Last change, in ms. */
  updatedAt: number;
  /** The author's _id as hex. */
  author: string;
  tags: readonly string[];
}

/** Public posts per tag slug and per author (hex id); keys without public posts are absent. */
export interface PublicCounts {
  tags: Map<string, number>;
  authors: Map<string, number>;
}

export type SlugMatch = { id: string; moved: boolean } | null | 'unknown';

/** The lists of people who manage posts: the dashboard (one status, its own order) and /admin/posts. */
export interface ManagedQuery {
  /** One status as the UI shows it, or every post. */
  status?: DisplayStatus | undefined;
  authorId?: string | undefined;
  tag?: string | undefined;
  /** Only posts whose title contains this, literally and case-insensitively (never a pattern). */
  q?: string | undefined;
  /**
   * 'updated': most recently changed first (the admin list); 'status': the status's own order (drafts by
   * last change, scheduled soonest first, published newest first; needs `status`).
   */
  order: 'updated' | 'status';
  /** Rows after this one (keyset pages), or `offset` rows skipped (numbered pages). */
  after?: Cursor | null | undefined;
  offset?: number | undefined;
  limit: number;
}

export interface ManagedPage {
  ids: string[];
  /** Rows matching the query in all. */
  total: number;
  /** The cursor of the last row when more follow. */
  next: Cursor | null;
}

/** A post as readers are shown it (public fields only). */
export type ReadDoc = Pick<PostDoc, '_id' | 'status' | 'publishedAt' | 'bodyHtml' | 'previousSlugs'> & Record<string, unknown>;

export interface PostReadModel {
  readonly kind: ReadModelKind;
  /** Page `page` of a public list, or null past the end (page 1 always exists). */
  page(scope: ListScope, page: number, perPage: number, now: Date): Promise<PageOfIds | null>;
  /** Every public post for the sitemap, newest first, at most `limit`. */
  sitemap(limit: number, now: Date): Promise<SitemapEntry[]>;
  /** The post a slug names now (moved: false) or named before (moved: true); 'unknown' when the model may be behind. */
  slug(slug: string): Promise<SlugMatch>;
  /**
   * Slugs in use (by any post, drafts too) that are `base` or `base-<n>`, for choosing a free one when a post
   * is saved. The unique index on slugs has the last word: a model that is a moment behind costs a retry.
   */
  slugsLike(base: string): Promise<Set<string>>;
  /** Posts other than `ownerId` that still redirect from `slug` (their previous slugs hold it). */
  previousHolders(slug: string, ownerId: string): Promise<string[]>;
  /** The next newer and next older public posts around a published one. */
  neighbours(id: Types.ObjectId | string, now: Date): Promise<{ newer: string | null; older: string | null }>;
  /**
   * Ids of public posts whose title, tags or text contain `q` literally, newest first, after `cursor`.
   * Adds to `meter` the milliseconds the search itself took (the walk of the text, or the query).
   */
  search(q: string, cursor: Cursor | null, limit: number, now: Date, meter?: WorkMeter): Promise<string[]>;
  /** One post's public fields. */
  post(id: Types.ObjectId | string): Promise<ReadDoc | null>;
  /** How many public posts each tag and each author has (the /tags and /authors pages). */
  publicCounts(now: Date): Promise<PublicCounts>;
  /** A page of a managed list. */
  managed(query: ManagedQuery, now: Date): Promise<ManagedPage>;
  /** Builds what the model keeps ahead of the first reader; resolves with its size and time. */
  warm(): Promise<{ posts: number; ms: number; file?: 'fresh' | 'stale' }>;
}

/** The fields of a post readers may be shown (and the read model hands out). */
export const READ_FIELDS = 'title slug excerpt status publishedAt updatedAt readingMinutes coverMediaId coverAlt author tags bodyHtml previousSlugs commentsEnabled';
