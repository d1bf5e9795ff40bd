// Posts. The body is kept three ways: the Markdown the author wrote, the sanitized HTML rendered from it
// at save time (what pages show), and plain text (for search and excerpts).
//
// Scheduling needs no cron process: a scheduled post is stored as `published` with `publishedAt` in the
// future, and every public query asks for `publishedAt <= now`, so the post appears by itself when its
// time comes. `displayStatus` tells the three apart for the UI.
import mongoose, { type InferSchemaType, type Types } from 'mongoose';
import { announceWrites } from '../db/announce-writes.js';

export const STORED_STATUSES = ['draft', 'published'] as const;
export type StoredStatus = (typeof STORED_STATUSES)[number];
export type DisplayStatus = 'draft' | 'scheduled' | 'published';

const { ObjectId } = mongoose.Schema.Types;

/** The change topic of post writes (src/db/changes.ts). */
export const POSTS_TOPIC = 'posts';

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

// Every write to posts through this model is announced on the change bus (topic `posts`, every field:
// drafts show on dashboards), wherever it is made: services, admin bulk actions, reassigning a deleted
// user's posts, the seed. The reading and search indexes re-read the posts a write names, or rescan when
// it names none (src/db/announce-writes.ts says when that is). A write that provably leaves a draft a
// draft (its filter requires `status: 'draft'`, as the editor's saves of drafts do) is announced as
// private: anonymous readers cannot see drafts, so the page cache keeps its pages.
announceWrites(postSchema, { topic: POSTS_TOPIC, privateWhile: { path: 'status', value: 'draft' } });

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
