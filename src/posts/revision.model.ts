// Earlier versions of a post's title and body: each save keeps the version it replaced, with who wrote
// that version and when. Only the newest REVISIONS_KEPT per post are kept.
import mongoose, { type InferSchemaType, type Types } from 'mongoose';

export const REVISIONS_KEPT = 50;

/** How long a run of autosaves by one user keeps adding to the same revision. */
export const AUTOSAVE_COALESCE_MS = 10 * 60_000;

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
    /**
     * Set when an autosave replaced this version: who autosaved, and when. The next autosaves by the same
     * user within AUTOSAVE_COALESCE_MS keep no revision of their own (revisions.service.ts), so a typing
     * session leaves one revision (the text before it), not one per pause.
     */
    autosaveBy: { type: mongoose.Schema.Types.ObjectId, ref: 'User' },
    recordedAt: { type: Date },
  },
  { collection: 'post_revisions', versionKey: false },
);

revisionSchema.index({ post: 1, at: -1, _id: -1 });

export type RevisionDoc = InferSchemaType<typeof revisionSchema> & { _id: Types.ObjectId };
export const PostRevision = mongoose.model('PostRevision', revisionSchema, undefined, { overwriteModels: true });
