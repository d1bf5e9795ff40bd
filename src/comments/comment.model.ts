// Comments on published posts. The text is kept as written (for editing) and as HTML rendered once at save
// time (escaped, with http(s) links made clickable: see comment-text.ts), which is what pages show.
//
// `postAuthor` copies the post's author so "pending comments on my posts" is one indexed query (there is no
// $lookup on FerretDB); it is rewritten when a post changes hands (comment-lifecycle.ts). `author` becomes
// null when the commenter's account is deleted: the comment stays, shown as "deleted user".
import mongoose, { type InferSchemaType, type Types } from 'mongoose';
import { announceWrites } from '../db/announce-writes.js';

export const COMMENT_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type CommentStatus = (typeof COMMENT_STATUSES)[number];

export const COMMENT_MAX_LENGTH = 5000;
/** How long after writing a comment its author may still edit or delete it. */
export const EDIT_WINDOW_MS = 15 * 60_000;

const { ObjectId } = mongoose.Schema.Types;

const commentSchema = new mongoose.Schema(
  {
    post: { type: ObjectId, ref: 'Post', required: true },
    postAuthor: { type: ObjectId, ref: 'User', required: true },
    author: { type: ObjectId, ref: 'User', default: null },
    body: { type: String, required: true, maxlength: COMMENT_MAX_LENGTH },
    bodyHtml: { type: String, required: true },
    /** A hash of the normalized text, to refuse the same comment twice without reading every body. */
    fingerprint: { type: String, required: true },
    status: { type: String, enum: COMMENT_STATUSES, required: true },
    editedAt: { type: Date, default: null },
    /**
     * The top-level comment this one replies to (one level of replies: a reply to a reply is stored under
     * the same top-level comment); null for a top-level comment.
     */
    parent: { type: ObjectId, ref: 'Comment', default: null },
  },
  { timestamps: true, collection: 'comments', versionKey: false },
);

// A post's thread, oldest first, and its approved count.
commentSchema.index({ post: 1, status: 1, createdAt: 1, _id: 1 });
// The moderation queue: everyone's (editors, admins) and one author's posts.
commentSchema.index({ status: 1, createdAt: -1, _id: -1 });
commentSchema.index({ postAuthor: 1, status: 1, createdAt: -1, _id: -1 });
// Per-user limits (comments in the last minute), trust (approved count) and detaching a deleted user.
commentSchema.index({ author: 1, createdAt: -1 });
commentSchema.index({ author: 1, status: 1 });
// A top-level comment's replies (deleted with it).
commentSchema.index({ parent: 1 });
// Duplicates: the same text by the same person on the same post.
commentSchema.index({ author: 1, post: 1, fingerprint: 1 });

export type CommentDoc = InferSchemaType<typeof commentSchema> & { _id: Types.ObjectId; createdAt: Date; updatedAt: Date };
// Readers see approved comments: a new one shows once approved (that update is announced), and an
// edit shows when it changes the text of one already shown.
announceWrites(commentSchema, {
  topic: 'comments',
  publicPaths: ['status', 'body', 'bodyHtml', 'editedAt', 'post'],
  publicWhenInserted: (doc) => doc.status === 'approved',
});

export const Comment = mongoose.model('Comment', commentSchema, undefined, { overwriteModels: true });
