// Earlier versions of a post's title and body: each save keeps the version it replaced, with who wrote
// that version and when. Only the newest REVISIONS_KEPT per post are kept.
import mongoose, { type InferSchemaType, type Types } from 'mongoose';

export const REVISIONS_KEPT = 50;

const revisionSchema = new mongoose.Schema(
  {
    post: { type: mongoose.Schema.Types.ObjectId, ref: 'Post', required: true },
    title: { type: String, required: true },
    bodyMarkdown: { type: String, default: '' },
    /** Who saved this version (absent for versions saved by scripts). */
    editor: { type: mongoose.Schema.Types.ObjectId, ref: 'User' },
    /** Kept so the list still reads after the user is deleted. */
    editorName: { type: String, default: '' },
    /** When this version was saved. */
    at: { type: Date, required: true },
  },
  { collection: 'post_revisions', versionKey: false },
);

revisionSchema.index({ post: 1, at: -1, _id: -1 });

export type RevisionDoc = InferSchemaType<typeof revisionSchema> & { _id: Types.ObjectId };
export const PostRevision = mongoose.model('PostRevision', revisionSchema, undefined, { overwriteModels: true });
