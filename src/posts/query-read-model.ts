// The read model for engines with indexes (read-model.ts): each question is one or two indexed queries
// (post.model.ts declares an index for every list's filter and order), nothing is kept per process, so
// any number of processes read the same current data with nothing to rebuild or keep in step.
import mongoose from 'mongoose';
import { escapeRegExp, literalPattern } from '../db/literal-pattern.js';
import { beyond, type Cursor } from '../db/cursor.js';
import { Post, publicFilter, STORED_STATUSES } from './post.model.js';
import { READ_FIELDS, type ListScope, type ManagedQuery, type PostReadModel, type ReadDoc } from './read-model.js';
import { slugify } from './slugs.js';

type Filter = Record<string, unknown>;
type Sort = Record<string, 1 | -1>;

const NEWEST_FIRST: Sort = { publishedAt: -1, _id: -1 };

function scopeFilter(scope: ListScope, now: Date): Filter {
  const filter: Filter = publicFilter(now);
  if (scope.kind === 'tag') filter.tags = scope.slug;
  if (scope.kind === 'author') filter.author = scope.id;
  return filter;
}

/** Both conditions (for filters that already use `$or`). */
function both(a: Filter, b: Filter): Filter {
  return { $and: [a, b] };
}

function hex(ids: Array<{ _id: unknown }>): string[] {
  return ids.map((d) => String(d._id));
}

/** The stored filter and order of a managed list. */
function managedPlan(query: ManagedQuery, now: Date): { filter: Filter; field: 'updatedAt' | 'publishedAt'; direction: 1 | -1 } {
  let filter: Filter;
  switch (query.status) {
    case 'draft':
      filter = { status: 'draft' };
      break;
    case 'published':
      filter = publicFilter(now);
      break;
    case 'scheduled':
      filter = { status: 'published', publishedAt: mongoose.trusted({ $gt: now }) };
      break;
    default:
      filter = { status: mongoose.trusted({ $in: [...STORED_STATUSES] }) };
  }
  if (query.authorId) filter.author = query.authorId;
  if (query.tag) filter.tags = query.tag;
  if (query.q) filter.title = literalPattern(query.q);
  if (query.order === 'updated' || query.status === 'draft' || query.status === undefined) return { filter, field: 'updatedAt', direction: -1 };
  return { filter, field: 'publishedAt', direction: query.status === 'scheduled' ? 1 : -1 };
}

export const queryReadModel: PostReadModel = {
  kind: 'query',

  async page(scope, page, perPage, now) {
    const filter = scopeFilter(scope, now);
    const total = await Post.countDocuments(filter);
    const pageCount = Math.max(1, Math.ceil(total / perPage));
    if (page > pageCount) return null;
    const rows = await Post.find(filter, '_id').sort(NEWEST_FIRST).skip((page - 1) * perPage).limit(perPage).lean();
    return { ids: hex(rows), page, pageCount, total };
  },

  async sitemap(limit, now) {
    const rows = await Post.find(publicFilter(now), 'slug updatedAt author tags').sort(NEWEST_FIRST).limit(limit).lean();
    return rows.map((r) => ({ id: String(r._id), slug: r.slug, updatedAt: r.updatedAt.getTime(), author: String(r.author), tags: r.tags }));
  },

  async slug(slug) {
    const current = await Post.findOne({ slug }, '_id').lean();
    if (current) return { id: String(current._id), moved: false };
    const old = await Post.findOne({ previousSlugs: slug }, '_id').lean();
    return old ? { id: String(old._id), moved: true } : null;
  },

  async slugsLike(base) {
    const rows = await Post.find({ slug: new RegExp(`^${escapeRegExp(base)}(?:-\\d+)?$`) }, 'slug').lean();
    return new Set(rows.map((r) => r.slug));
  },

  async previousHolders(slug, ownerId) {
    const rows = await Post.find({ previousSlugs: slug, _id: mongoose.trusted({ $ne: new mongoose.Types.ObjectId(ownerId) }) }, '_id').lean();
    return hex(rows);
  },

  async neighbours(id, now) {
    const post = await Post.findById(id, 'status publishedAt').lean();
    if (!post || post.status !== 'published' || !post.publishedAt || post.publishedAt > now) return { newer: null, older: null };
    const cursor: Cursor = { at: post.publishedAt, id: post._id };
    const [newer, older] = await Promise.all([
      Post.findOne(both(publicFilter(now), { $or: beyond('publishedAt', 1, cursor) }), '_id').sort({ publishedAt: 1, _id: 1 }).lean(),
      Post.findOne(both(publicFilter(now), { $or: beyond('publishedAt', -1, cursor) }), '_id').sort(NEWEST_FIRST).lean(),
    ]);
    return { newer: newer ? String(newer._id) : null, older: older ? String(older._id) : null };
  },

  async search(q, cursor, limit, now, meter) {
    if (!q) return [];
    const started = performance.now();
    // Literal, case-insensitive substrings: no input is ever a pattern (literalPattern escapes it).
    const text = literalPattern(q);
    const tagNeedle = slugify(q);
    const matches: Filter[] = [{ title: text }, { bodyText: text }, { tags: text }];
    if (tagNeedle) matches.push({ tags: literalPattern(tagNeedle) });
    let filter = both(publicFilter(now), { $or: matches });
    if (cursor) filter = both(filter, { $or: beyond('publishedAt', -1, cursor) });
    const found = await Post.find(filter, '_id').sort(NEWEST_FIRST).limit(limit).lean();
    // The query's time, waiting included: what the database spent on a regular expression over the text.
    if (meter) meter.ms += performance.now() - started;
    return hex(found);
  },

  post(id) {
    return Post.findById(id, READ_FIELDS).lean<ReadDoc>().exec();
  },

  async publicCounts(now) {
    // Two grouped scans of the public posts (their filter is indexed); no $facet, which FerretDB lacks.
    const [tags, authors] = await Promise.all([
      Post.aggregate<{ _id: string; n: number }>([{ $match: publicFilter(now) }, { $unwind: '$tags' }, { $group: { _id: '$tags', n: { $sum: 1 } } }]),
      Post.aggregate<{ _id: unknown; n: number }>([{ $match: publicFilter(now) }, { $group: { _id: '$author', n: { $sum: 1 } } }]),
    ]);
    return { tags: new Map(tags.map((t) => [t._id, t.n])), authors: new Map(authors.map((a) => [String(a._id), a.n])) };
  },

  async managed(query, now) {
    const { filter, field, direction } = managedPlan(query, now);
    const sort: Sort = { [field]: direction, _id: direction };
    const find = query.after ? both(filter, { $or: beyond(field, direction, query.after) }) : filter;
    const [total, rows] = await Promise.all([
      Post.countDocuments(filter),
      Post.find(find, `_id ${field}`).sort(sort).skip(query.after ? 0 : (query.offset ?? 0)).limit(query.limit + 1).lean(),
    ]);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1] as { _id: mongoose.Types.ObjectId; updatedAt?: Date; publishedAt?: Date | null } | undefined;
    const lastAt = last ? (field === 'updatedAt' ? last.updatedAt : last.publishedAt) : null;
    return { ids: hex(page), total, next: rows.length > query.limit && last && lastAt ? { at: lastAt, id: last._id } : null };
  },

  async warm() {
    return { posts: 0, ms: 0 };
  },
};
