// Revisions: the version each save replaced, newest first, capped per post.
import mongoose, { type Types } from 'mongoose';
import type { PostDoc } from './post.model.js';
import { PostRevision, REVISIONS_KEPT } from './revision.model.js';

export interface RevisionView {
  id: string;
  title: string;
  editorName: string;
  at: Date;
}

/** Keeps the title and body a save is about to replace, then drops what is past the cap. */
export async function recordRevision(previous: Pick<PostDoc, '_id' | 'title' | 'bodyMarkdown' | 'lastEditor' | 'lastEditorName' | 'updatedAt'>): Promise<void> {
  await PostRevision.create({
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
  return PostRevision.findOne({ _id: revisionId, post: postId }, 'title bodyMarkdown').lean();
}

export async function deleteRevisions(postId: Types.ObjectId): Promise<void> {
  await PostRevision.deleteMany({ post: postId });
}
