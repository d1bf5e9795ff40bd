// Revisions: the version each save replaced, newest first, capped per post.
import mongoose, { type Types } from 'mongoose';
import type { PostDoc } from './post.model.js';
import { AUTOSAVE_COALESCE_MS, PostRevision, REVISIONS_KEPT } from './revision.model.js';

export interface RevisionView {
  id: string;
  title: string;
  editorName: string;
  at: Date;
}

type Replaced = Pick<PostDoc, '_id' | 'title' | 'bodyMarkdown' | 'lastEditor' | 'lastEditorName' | 'updatedAt'>;

/**
 * Keeps the title and body a save is about to replace, then drops what is past the cap. An autosave
 * (`autosaveBy`, the user's id) keeps nothing when the text it replaces is that same user's own autosave
 * of the last AUTOSAVE_COALESCE_MS: the newest revision already holds the text from before they started.
 * Saves by anyone else, and every save from the form's buttons, always keep the version they replace.
 */
export async function recordRevision(previous: Replaced, { autosaveBy, now = new Date() }: { autosaveBy?: string; now?: Date } = {}): Promise<void> {
  if (autosaveBy && String(previous.lastEditor) === autosaveBy) {
    const newest = await PostRevision.findOne({ post: previous._id }, 'autosaveBy recordedAt').sort({ at: -1, _id: -1 }).lean();
    const sameRun = newest?.autosaveBy && String(newest.autosaveBy) === autosaveBy && newest.recordedAt && now.getTime() - newest.recordedAt.getTime() < AUTOSAVE_COALESCE_MS;
    if (sameRun) return;
  }
  await PostRevision.create({
    ...(autosaveBy ? { autosaveBy, recordedAt: now } : {}),
    post: previous._id,
    title: previous.title,
    bodyMarkdown: previous.bodyMarkdown,
    editor: previous.lastEditor ?? undefined,
    editorName: previous.lastEditorName || 'Unknown',
    at: previous.updatedAt,
  });
  // The skip is bounded by the cap: it reads at most REVISIONS_KEPT + a few index entries.
  const surplus = await PostRevision.find({ post: previous._id }, '_id').sort({ at: -1, _id: -1 }).skip(REVISIONS_KEPT).lean();
  if (surplus.length > 0) await PostRevision.deleteMany({ _id: mongoose.trusted({ $in: surplus.map((r) => r._id) }) });
}

export async function listRevisions(postId: Types.ObjectId): Promise<RevisionView[]> {
  const docs = await PostRevision.find({ post: postId }, 'title editorName at').sort({ at: -1, _id: -1 }).limit(REVISIONS_KEPT).lean();
  return docs.map((r) => ({ id: String(r._id), title: r.title, editorName: r.editorName, at: r.at }));
}

export async function findRevision(postId: Types.ObjectId, revisionId: string) {
  if (!mongoose.isValidObjectId(revisionId)) return null;
  return PostRevision.findOne({ _id: revisionId, post: postId }, 'title bodyMarkdown editorName at').lean();
}

export async function deleteRevisions(postId: Types.ObjectId): Promise<void> {
  await PostRevision.deleteMany({ post: postId });
}
