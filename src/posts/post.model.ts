// Posts. The body is kept three ways: the Markdown the author wrote, the sanitized HTML rendered from it
// at save time (what pages show), and plain text (for search and excerpts).
//
// Scheduling needs no cron process: a scheduled post is stored as `published` with `publishedAt` in the
// future, and every public query asks for `publishedAt <= now`, so the post appears by itself when its
// time comes. `displayStatus` tells the three apart for the UI.
import mongoose, { type InferSchemaType, type Types } from 'mongoose';
import type { ChangeOrigin } from '../http/content-version.js';

export const STORED_STATUSES = ['draft', 'published'] as const;
export type StoredStatus = (typeof STORED_STATUSES)[number];
export type DisplayStatus = 'draft' | 'scheduled' | 'published';

const { ObjectId } = mongoose.Schema.Types;

const postSchema = new mongoose.Schema(
  {
    title: { type: String, required: true, trim: true, maxlength: 200 },
    slug: { type: String, required: true, maxlength: 100 },
    /** Slugs this post had before; GET /posts/<old> answers 301 to the current one. */
    previousSlugs: { type: [String], default: [] },
    bodyMarkdown: { type: String, default: '' },
    bodyHtml: { type: String, default: '' },
    bodyText: { type: String, default: '' },
    excerpt: { type: String, default: '', maxlength: 400 },
    /** True when the author wrote the excerpt; otherwise it is taken from the body on every save. */
    customExcerpt: { type: Boolean, default: false },
    coverMediaId: { type: ObjectId, ref: 'Media' },
    coverAlt: { type: String, default: '', maxlength: 300 },
    /** Library images the body shows (the media library reads this and coverMediaId). */
    mediaIds: { type: [{ type: ObjectId, ref: 'Media' }], default: [] },
    /** Tag slugs; display names live in the tags collection. */
    tags: { type: [String], default: [] },
    author: { type: ObjectId, ref: 'User', required: true },
    status: { type: String, enum: STORED_STATUSES, default: 'draft', required: true },
    publishedAt: { type: Date, default: null },
    readingMinutes: { type: Number, default: 1 },
    /** Optimistic-concurrency token: every write increments it; the edit form carries the one it loaded. */
    version: { type: Number, default: 1, required: true },
    /** Who saved the current title and body (revisions keep this for earlier versions). */
    lastEditor: { type: ObjectId, ref: 'User' },
    lastEditorName: { type: String, default: '' },
    /** Readers may comment (when comments are also on site-wide); approved comments stay visible when off. */
    commentsEnabled: { type: Boolean, default: true },
  },
  { timestamps: true, collection: 'posts', versionKey: false },
);

postSchema.index({ slug: 1 }, { unique: true });
postSchema.index({ previousSlugs: 1 });
// Public lists, newest first, with _id breaking ties (home, feed, sitemap, search, key lists).
postSchema.index({ status: 1, publishedAt: -1, _id: -1 });
postSchema.index({ author: 1, status: 1, publishedAt: -1, _id: -1 });
postSchema.index({ tags: 1, status: 1, publishedAt: -1, _id: -1 });
// Dashboard drafts, most recently touched first.
postSchema.index({ status: 1, updatedAt: -1, _id: -1 });
postSchema.index({ author: 1, status: 1, updatedAt: -1, _id: -1 });
// "Where is this image used" for the media library.
postSchema.index({ coverMediaId: 1 });
postSchema.index({ mediaIds: 1 });

// Every write to posts through this model tells the listeners (the reading and search indexes, posts kept
// by id), so that writes made elsewhere (admin bulk actions, reassigning a deleted user's posts, the seed)
// count too. A write says which posts it changed when its filter or documents name them (a lone `_id` or
// `_id: {$in}`, a saved or deleted document, an insert of a few), so that the indexes re-read those posts
// alone; any other write (updateMany on another field, a large insertMany, bulkWrite) says `null`:
// "possibly every post", and the indexes are rebuilt from a scan. Writes made by another Quire process
// arrive through the change feed as `remote` ones, with the ids that process learnt (postsSignal).
export type PostWriteListener = (origin: ChangeOrigin, ids: readonly string[] | null) => void;

const writeListeners = new Set<PostWriteListener>();

/** Ids a write names, up to this many; more count as "possibly every post" (a rescan is cheaper). */
export const MAX_NAMED_POSTS = 500;

/** Calls `listener` after every write to the posts collection made through the Post model, here or elsewhere. */
export function onPostWrite(listener: PostWriteListener): () => void {
  writeListeners.add(listener);
  return () => writeListeners.delete(listener);
}

function postsWritten(origin: ChangeOrigin, ids: readonly string[] | null): void {
  const named = ids && ids.length <= MAX_NAMED_POSTS ? ids : null;
  for (const listener of writeListeners) listener(origin, named);
}

/** Post writes as a signal the change feed shares between processes (src/site/change-feed.ts). */
export const postsSignal = {
  name: 'posts',
  onLocal: (listener: (ids: readonly string[] | null) => void) => onPostWrite((origin, ids) => origin === 'local' && listener(ids)),
  deliverRemote: (ids: readonly string[] | null) => postsWritten('remote', ids),
};

/** The ids an `_id` condition names: a value, `{$eq}` or `{$in}`; null for anything else. */
function idsOfCondition(condition: unknown): string[] | null {
  if (condition === undefined || condition === null) return null;
  if (typeof condition === 'string' || condition instanceof mongoose.Types.ObjectId) return [String(condition)];
  if (typeof condition !== 'object') return null;
  const ops = Object.keys(condition);
  if (ops.length !== 1) return null;
  const value = (condition as Record<string, unknown>)[ops[0]!];
  if (ops[0] === '$eq') return idsOfCondition(value);
  if (ops[0] === '$in' && Array.isArray(value)) {
    const ids = value.map((v) => idsOfCondition(v));
    return ids.every((i) => i !== null) ? ids.flat() : null;
  }
  return null;
}

postSchema.post(
  ['updateOne', 'updateMany', 'replaceOne', 'findOneAndUpdate', 'findOneAndReplace', 'findOneAndDelete', 'deleteOne', 'deleteMany'],
  { document: false, query: true },
  function (this: mongoose.Query<unknown, unknown>, res: unknown) {
    // The filter's `_id` names every post the write can have touched (other conditions only narrow it);
    // a findOneAnd* without one returns the document it changed.
    let ids = idsOfCondition(this.getFilter()._id);
    if (!ids && res && typeof res === 'object' && '_id' in res) ids = idsOfCondition((res as { _id: unknown })._id);
    postsWritten('local', ids);
  },
);
postSchema.post(['save', 'deleteOne', 'updateOne'], { document: true, query: false }, function (this: { _id: unknown }) {
  postsWritten('local', idsOfCondition(this._id));
});
postSchema.post('insertMany', (docs: unknown) => {
  const ids = Array.isArray(docs) ? docs.map((d: { _id?: unknown } | null) => idsOfCondition(d?._id)) : [null];
  postsWritten('local', ids.every((i) => i !== null) ? ids.flat() : null);
});
postSchema.post('bulkWrite', () => postsWritten('local', null));

export type PostDoc = InferSchemaType<typeof postSchema> & { _id: Types.ObjectId; createdAt: Date; updatedAt: Date };
export const Post = mongoose.model('Post', postSchema, undefined, { overwriteModels: true });

/** Draft, scheduled (published with a future time) or published, as the UI shows it. */
export function displayStatus(post: Pick<PostDoc, 'status' | 'publishedAt'>, now = new Date()): DisplayStatus {
  if (post.status !== 'published') return 'draft';
  return post.publishedAt && post.publishedAt.getTime() > now.getTime() ? 'scheduled' : 'published';
}

/** The filter for what anonymous visitors may see at `now`. */
export function publicFilter(now = new Date()) {
  return { status: 'published' as const, publishedAt: mongoose.trusted({ $lte: now }) };
}
