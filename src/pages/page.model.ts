// Static pages (About, Contact, ...): written like posts (Markdown rendered and sanitized at save time,
// drafts, optimistic concurrency) but kept apart from them, in their own collection. A model of their own
// rather than a `kind` on Post, so that no reader-side query, read model or in-memory index of posts has
// to learn to leave them out (and the in-memory post index does not grow with them).
import mongoose, { type InferSchemaType, type Types } from 'mongoose';
import { announceWrites } from '../db/announce-writes.js';

export const PAGE_STATUSES = ['draft', 'published'] as const;
export type PageStatus = (typeof PAGE_STATUSES)[number];

const { ObjectId } = mongoose.Schema.Types;

const pageSchema = new mongoose.Schema(
  {
    title: { type: String, required: true, trim: true, maxlength: 200 },
    slug: { type: String, required: true, maxlength: 100 },
    bodyMarkdown: { type: String, default: '' },
    bodyHtml: { type: String, default: '' },
    bodyText: { type: String, default: '' },
    /** Library images the body shows (from their URLs, on every save): the media library counts them as in use. */
    mediaIds: { type: [{ type: ObjectId, ref: 'Media' }], default: [] },
    status: { type: String, enum: PAGE_STATUSES, default: 'draft', required: true },
    /** Who created the page (pages belong to the site: editors and admins manage every one). */
    author: { type: ObjectId, ref: 'User', required: true },
    lastEditorName: { type: String, default: '' },
    /** Optimistic-concurrency token: every write increments it; the edit form carries the one it loaded. */
    version: { type: Number, default: 1, required: true },
  },
  { timestamps: true, collection: 'pages', versionKey: false },
);

pageSchema.index({ slug: 1 }, { unique: true });
pageSchema.index({ mediaIds: 1 });

export type PageDoc = InferSchemaType<typeof pageSchema> & { _id: Types.ObjectId; createdAt: Date; updatedAt: Date };
// Published pages show at their address, in the sitemap and in the menu: every write is announced.
announceWrites(pageSchema, { topic: 'pages' });

export const Page = mongoose.model('Page', pageSchema, undefined, { overwriteModels: true });
