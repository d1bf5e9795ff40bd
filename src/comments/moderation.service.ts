// Moderation: approving, rejecting and deleting comments, one at a time or in bulk, and the pending counts
// the dashboards show. The post's author, editors and admins moderate (`comment:moderate` on the post's
// author). Every decision is audited, and anything that changes what anonymous visitors see (a comment
// appearing or disappearing) is announced by the Comment model, so cached pages are rebuilt.
import mongoose, { type Types } from 'mongoose';
import { recordAudit, type RequestMeta } from '../site/audit.service.js';
import { can, type NamedActor } from '../site/permissions.js';
import { Forbidden, NotFound } from '../http/errors.js';
import { Comment, type CommentDoc, type CommentStatus } from './comment.model.js';
import { postById, postsByIds, type CommentablePost } from './comment-posts.js';
import { excerptOf } from './comment-text.js';
import { commentersByIds, commenterOf } from './comment-views.js';

export type Decision = 'approve' | 'reject';
const STATUS_FOR: Record<Decision, CommentStatus> = { approve: 'approved', reject: 'rejected' };

export interface ModerationTarget {
  comment: CommentDoc;
  /** Null when the post is gone (its comments are normally deleted with it). */
  post: CommentablePost | null;
}

/** Whether the actor moderates comments on a post by this author. */
export function moderates(actor: NamedActor | null | undefined, postAuthor: unknown): boolean {
  return can(actor, 'comment:moderate', { ownerId: postAuthor });
}

export async function findComment(id: string): Promise<ModerationTarget> {
  const comment = mongoose.isValidObjectId(id) ? await Comment.findById(id).lean<CommentDoc>() : null;
  if (!comment) throw new NotFound('That comment no longer exists.');
  return { comment, post: await postById(comment.post) };
}

/** The comment, if the actor may moderate it (404 when there is none, 403 when it is not on their post). */
export async function moderationTarget(actor: NamedActor, id: string): Promise<ModerationTarget> {
  const target = await findComment(id);
  assertModerates(actor, target);
  return target;
}

function assertModerates(actor: NamedActor, { comment, post }: ModerationTarget): void {
  if (!moderates(actor, post?.author ?? comment.postAuthor)) throw new Forbidden('Only the post’s author, editors and admins can moderate its comments.');
}

async function audit(actor: NamedActor, action: string, { comment, post }: ModerationTarget, detail: string, meta: RequestMeta): Promise<void> {
  const commenter = commenterOf(comment.author, await commentersByIds([comment.author]));
  await recordAudit({
    actor: { id: actor.id, displayName: actor.displayName },
    action,
    target: { type: 'comment', id: String(comment._id), label: `${commenter.displayName} on “${post?.title ?? 'a deleted post'}”` },
    detail: `${detail}: “${excerptOf(comment.body)}”`,
    ip: meta.ip,
  });
}

export interface ModerationOutcome {
  target: ModerationTarget;
  /** False when the comment already had the asked-for status. */
  changed: boolean;
}

/**
 * Approves or rejects a comment the actor may moderate. `seen` is the status the moderator's page showed:
 * the decision is made on that, so if the comment has moved since (another moderator decided first), it is
 * not applied over theirs and the outcome says what it is now. Without `seen`, the status just read.
 */
export async function decide(actor: NamedActor, id: string, decision: Decision, meta: RequestMeta = {}, seen?: CommentStatus): Promise<ModerationOutcome> {
  return applyDecision(actor, await moderationTarget(actor, id), decision, meta, seen);
}

async function applyDecision(actor: NamedActor, target: ModerationTarget, decision: Decision, meta: RequestMeta, seen?: CommentStatus): Promise<ModerationOutcome> {
  const status = STATUS_FOR[decision];
  const before = seen ?? target.comment.status;
  if (target.comment.status !== before || before === status) return { target, changed: false };
  // Conditional on the status it was decided on: of moderators deciding at once on what they all saw, one
  // write applies (and one who read the comment after it applied finds it moved, above).
  const result = await Comment.updateOne({ _id: target.comment._id, status: before }, { $set: { status } });
  if (result.modifiedCount === 0) {
    const now = await Comment.findById(target.comment._id, 'status').lean();
    return { target: { ...target, comment: { ...target.comment, status: now?.status ?? target.comment.status } }, changed: false };
  }
  await audit(actor, `comment.${decision}`, target, `${before} -> ${status}`, meta);
  return { target: { ...target, comment: { ...target.comment, status } }, changed: true };
}

/** Deletes a comment the actor may moderate, at any time (authors deleting their own go through comments.service). */
export async function deleteAsModerator(actor: NamedActor, target: ModerationTarget, meta: RequestMeta = {}): Promise<boolean> {
  assertModerates(actor, target);
  const result = await Comment.deleteOne({ _id: target.comment._id });
  if (result.deletedCount === 0) return false;
  // A top-level comment's replies go with it (they answer something nobody can read any more).
  await deleteRepliesTo(target.comment._id);
  await audit(actor, 'comment.delete', target, `was ${target.comment.status}`, meta);
  return true;
}

/** Deletes the replies to a comment; resolves with how many there were. */
export async function deleteRepliesTo(commentId: Types.ObjectId): Promise<number> {
  return (await Comment.deleteMany({ parent: commentId })).deletedCount;
}

/** Pending comments the actor moderates: on their own posts for authors, everywhere for editors and admins. */
export async function countPendingComments(actor: NamedActor | null): Promise<number> {
  const scope = moderationScope(actor);
  return scope ? Comment.countDocuments({ ...scope, status: 'pending' }) : 0;
}

/** The filter for the comments an actor moderates, or null when they moderate none. */
export function moderationScope(actor: NamedActor | null): Record<string, unknown> | null {
  if (!actor || !can(actor, 'comment:moderate')) return null;
  return can(actor, 'comment:moderate', { ownerId: null }) ? {} : { postAuthor: new mongoose.Types.ObjectId(actor.id) };
}

export const BULK_ACTIONS = ['approve', 'reject', 'delete'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];
export const BULK_MAX = 100;

/** The selected comments the actor may moderate (others and unknown ids are left out), oldest first. */
export async function bulkTargets(actor: NamedActor, ids: string[]): Promise<ModerationTarget[]> {
  const valid = ids.filter((id) => mongoose.isValidObjectId(id));
  if (valid.length === 0) return [];
  const comments = await Comment.find({ _id: mongoose.trusted({ $in: valid }) }).sort({ createdAt: 1, _id: 1 }).limit(BULK_MAX).lean<CommentDoc[]>();
  const posts = await postsByIds(comments.map((c) => c.post as Types.ObjectId));
  return comments
    .map((comment) => ({ comment, post: posts.get(String(comment.post)) ?? null }))
    .filter((target) => moderates(actor, target.post?.author ?? target.comment.postAuthor));
}

export interface BulkOutcome {
  done: number;
  /** Already in the asked-for state, decided otherwise or gone since the list was shown, or not the actor's to moderate. */
  skipped: number;
}

/**
 * `seen`: the status the moderator's list showed for each comment (by id); an approval or rejection is
 * decided on it, as `decide` does, so none is applied over another moderator's decision made since.
 */
export async function applyBulk(actor: NamedActor, action: BulkAction, ids: string[], meta: RequestMeta = {}, seen: Readonly<Record<string, CommentStatus>> = {}): Promise<BulkOutcome> {
  const targets = await bulkTargets(actor, ids);
  let done = 0;
  for (const target of targets) {
    const changed =
      action === 'delete' ? await deleteAsModerator(actor, target, meta) : (await applyDecision(actor, target, action, meta, seen[String(target.comment._id)])).changed;
    if (changed) done++;
  }
  return { done, skipped: ids.length - done };
}
