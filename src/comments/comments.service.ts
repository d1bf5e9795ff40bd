// Writing and reading comments: the thread under a post, a new comment (held for review unless its author
// is trusted), and an author editing or deleting their own comment within EDIT_WINDOW_MS of writing it.
// Services decide (open or closed, trusted or not, in time or not) and throw AppErrors; the router only
// translates.
import mongoose, { type Types } from 'mongoose';
import type { RequestMeta } from '../site/audit.service.js';
import { atLeast, can, type NamedActor } from '../site/permissions.js';
import { memoByKey } from '../http/content-memo.js';
import { Forbidden, invalidField, NotFound } from '../http/errors.js';
import { Comment, COMMENT_MAX_LENGTH, EDIT_WINDOW_MS, type CommentDoc, type CommentStatus } from './comment.model.js';
import { checkAfterWrite, checkBeforeWrite, oneAtATime } from './comment-limits.js';
import { closedReason, postById, postBySlug, type ClosedReason, type CommentablePost } from './comment-posts.js';
import { fingerprintOf, normalizeBody, renderCommentBody } from './comment-text.js';
import { toCommentViews, type CommentView } from './comment-views.js';
import { deleteAsModerator, deleteRepliesTo, findComment, moderates } from './moderation.service.js';

/** Approved comments that make a commenter trusted: their next comments appear without review. */
export const TRUSTED_AFTER = 3;
/** At most this many comments are shown under a post. */
export const THREAD_LIMIT = 500;

export interface ThreadComment extends CommentView {
  own: boolean;
  /** Replies to this top-level comment, oldest first (always empty on a reply: one level). */
  replies: ThreadComment[];
  /** The viewer may answer it: a top-level, approved comment, comments open, the viewer may comment. */
  canReply: boolean;
  /** The text as written, for the edit form (own comments still in their edit window only). */
  body: string | null;
  canEdit: boolean;
  canDelete: boolean;
  editableUntil: Date | null;
}

export interface Thread {
  slug: string;
  /** Approved comments that everyone sees (replies under a comment not approved are not): what the heading counts. */
  count: number;
  comments: ThreadComment[];
  truncated: boolean;
  closed: ClosedReason | null;
  /** The viewer approves, rejects and deletes comments on this post. */
  canModerate: boolean;
  canComment: boolean;
  maxLength: number;
}

/**
 * The comments under a published post as `viewer` sees them: approved ones for everyone, the viewer's own
 * pending ones, and every pending one for the post's moderators. Null for posts that are not public.
 */
const THREAD_FIELDS = 'author status body bodyHtml createdAt editedAt parent';

async function threadOf(visible: Record<string, unknown>, postId: Types.ObjectId): Promise<{ docs: CommentDoc[]; count: number }> {
  const [docs, count] = await Promise.all([
    Comment.find(visible, THREAD_FIELDS).sort({ createdAt: 1, _id: 1 }).limit(THREAD_LIMIT + 1).lean<CommentDoc[]>(),
    Comment.countDocuments({ post: postId, status: 'approved' }),
  ]);
  return { docs, count };
}

// What anonymous visitors see under a post changes only when an approved comment does, and every such
// write is announced by the Comment model: their threads are kept in memory until then.
const publicThreads = memoByKey(async (postIds) => {
  const threads = await Promise.all(postIds.map((id) => threadOf({ post: new mongoose.Types.ObjectId(id), status: 'approved' }, new mongoose.Types.ObjectId(id))));
  return new Map(postIds.map((id, i) => [id, threads[i]!]));
});

async function publicThread(postId: Types.ObjectId): Promise<{ docs: CommentDoc[]; count: number }> {
  return (await publicThreads([String(postId)])).get(String(postId))!;
}

export async function commentsForPost(postId: string, viewer: NamedActor | null, now = new Date()): Promise<Thread | null> {
  const post = await postById(postId, now);
  if (!post?.live) return null;
  const canModerate = moderates(viewer, post.author);
  const visible: Record<string, unknown> = canModerate
    ? { post: post._id, status: mongoose.trusted({ $in: ['approved', 'pending'] }) }
    : viewer
      ? { post: post._id, $or: [{ status: 'approved' }, { status: 'pending', author: new mongoose.Types.ObjectId(viewer.id) }] }
      : { post: post._id, status: 'approved' };
  const [{ docs, count }, closed] = await Promise.all([
    viewer || canModerate ? threadOf(visible, post._id) : publicThread(post._id),
    closedReason(post),
  ]);
  const shown = docs.slice(0, THREAD_LIMIT);
  const views = await toCommentViews(shown);
  const mayComment = !closed && can(viewer, 'comment:create');
  const flat = views.map((view, i): ThreadComment & { parent: string | null } => {
    const doc = shown[i]!;
    const own = Boolean(viewer && doc.author && String(doc.author) === viewer.id);
    const editableUntil = own ? new Date(doc.createdAt.getTime() + EDIT_WINDOW_MS) : null;
    const inWindow = Boolean(editableUntil && editableUntil > now);
    return {
      ...view,
      own,
      parent: doc.parent ? String(doc.parent) : null,
      replies: [],
      canReply: !doc.parent && doc.status === 'approved' && mayComment,
      body: inWindow ? doc.body : null,
      canEdit: inWindow && !closed,
      canDelete: inWindow || canModerate,
      editableUntil: inWindow ? editableUntil : null,
    };
  });
  // Replies under their top-level comment; a reply whose comment this viewer cannot see is not shown.
  const topLevel = new Map(flat.filter((c) => !c.parent).map((c) => [c.id, c]));
  for (const c of flat) if (c.parent) topLevel.get(c.parent)?.replies.push(c);
  const comments = [...topLevel.values()];
  const truncated = docs.length > THREAD_LIMIT;
  // The count is what every visitor sees: approved comments, and approved replies to approved ones.
  const seen = comments.reduce((n, c) => (c.status === 'approved' ? n + 1 + c.replies.filter((r) => r.status === 'approved').length : n), 0);
  return {
    slug: post.slug,
    count: truncated ? count : seen,
    comments,
    truncated,
    closed,
    canModerate,
    canComment: mayComment,
    maxLength: COMMENT_MAX_LENGTH,
  };
}

function checkedBody(text: string): string {
  const body = normalizeBody(text);
  if (!body) throw invalidField('body', 'Write something first.');
  if (body.length > COMMENT_MAX_LENGTH) throw invalidField('body', `Comments are limited to ${COMMENT_MAX_LENGTH.toLocaleString('en-US')} characters.`);
  return body;
}

const CLOSED_MESSAGE: Record<ClosedReason, string> = {
  site: 'Comments are closed on this site.',
  post: 'Comments are closed on this post.',
};

/** The published post at `slug`, open for comments (404 when not public, 403 when closed). */
async function openPost(slug: string, now: Date): Promise<CommentablePost> {
  const post = await postBySlug(slug, now);
  if (!post?.live) throw new NotFound();
  await assertOpen(post);
  return post;
}

async function assertOpen(post: CommentablePost): Promise<void> {
  const closed = await closedReason(post);
  if (closed) throw new Forbidden(CLOSED_MESSAGE[closed]);
}

/** Authors, editors and admins, and readers with TRUSTED_AFTER approved comments (not counting `except`). */
async function isTrusted(actor: NamedActor, except?: Types.ObjectId): Promise<boolean> {
  if (atLeast(actor.role, 'author')) return true;
  const approved = await Comment.find(
    { author: new mongoose.Types.ObjectId(actor.id), status: 'approved', ...(except ? { _id: mongoose.trusted({ $ne: except }) } : {}) },
    '_id',
  )
    .limit(TRUSTED_AFTER)
    .lean();
  return approved.length >= TRUSTED_AFTER;
}

export interface Written {
  id: string;
  slug: string;
  status: CommentStatus;
}

/**
 * The top-level comment a reply to `parentId` is stored under: the comment itself, or the one it replies to
 * (one level of replies). Only approved comments on this post can be answered (404 otherwise: a pending or
 * rejected comment is not there for the replier).
 */
async function replyTarget(parentId: string, postId: Types.ObjectId): Promise<Types.ObjectId> {
  const answered = mongoose.isValidObjectId(parentId) ? await Comment.findById(parentId, 'post status parent').lean<CommentDoc>() : null;
  if (!answered || String(answered.post) !== String(postId) || answered.status !== 'approved') throw new NotFound('That comment cannot be answered.');
  if (!answered.parent) return answered._id;
  const top = await Comment.findById(answered.parent, 'post status').lean<CommentDoc>();
  if (!top || top.status !== 'approved') throw new NotFound('That comment cannot be answered.');
  return top._id;
}

export async function postComment(actor: NamedActor, slug: string, text: string, now = new Date(), parentId?: string): Promise<Written> {
  if (!can(actor, 'comment:create')) throw new Forbidden();
  const post = await openPost(slug, now);
  const parent = parentId ? await replyTarget(parentId, post._id) : null;
  const body = checkedBody(text);
  const key = { author: new mongoose.Types.ObjectId(actor.id), post: post._id, fingerprint: fingerprintOf(body) };
  const status: CommentStatus = (await isTrusted(actor)) ? 'approved' : 'pending';
  const created = await oneAtATime(actor.id, async () => {
    await checkBeforeWrite(key);
    const doc = await Comment.create({ ...key, postAuthor: post.author, body, bodyHtml: renderCommentBody(body), status, parent });
    await checkAfterWrite(key, doc._id);
    return doc;
  });
  return { id: String(created._id), slug: post.slug, status };
}

/** The actor's own comment, still within its edit window. */
async function ownRecentComment(actor: NamedActor, id: string, now: Date): Promise<CommentDoc> {
  const { comment } = await findComment(id);
  if (!comment.author || String(comment.author) !== actor.id) throw new Forbidden('You can only change your own comments.');
  if (now.getTime() - comment.createdAt.getTime() > EDIT_WINDOW_MS) {
    throw new Forbidden('Comments can only be changed within 15 minutes of posting.');
  }
  return comment;
}

export interface Edited extends Written {
  /** An approved comment by someone not yet trusted goes back to review when edited. */
  heldForReview: boolean;
}

export async function editOwnComment(actor: NamedActor, id: string, text: string, now = new Date()): Promise<Edited> {
  const comment = await ownRecentComment(actor, id, now);
  if (comment.status === 'rejected') throw new Forbidden('This comment was not approved and cannot be edited.');
  const post = await postById(comment.post, now);
  if (!post?.live) throw new NotFound();
  await assertOpen(post);
  const body = checkedBody(text);
  const unchanged = { id, slug: post.slug, status: comment.status, heldForReview: false };
  if (body === comment.body) return unchanged;
  // Otherwise an approved comment could be turned into spam after review.
  const status: CommentStatus = comment.status === 'approved' && !(await isTrusted(actor, comment._id)) ? 'pending' : comment.status;
  await Comment.updateOne(
    { _id: comment._id },
    { $set: { body, bodyHtml: renderCommentBody(body), fingerprint: fingerprintOf(body), editedAt: now, status } },
  );
  return { ...unchanged, status, heldForReview: status !== comment.status };
}

export interface Deleted {
  /** Where the comment was: the post page to go back to, when the post still exists. */
  slug: string | null;
  asModerator: boolean;
}

/**
 * Moderators of the post delete any comment on it at any time (audited); authors delete their own within
 * the edit window (not audited: it is their own words, gone before anyone had to act on them).
 */
export async function deleteComment(actor: NamedActor, id: string, meta: RequestMeta = {}, now = new Date()): Promise<Deleted> {
  const target = await findComment(id);
  const slug = target.post?.slug ?? null;
  if (moderates(actor, target.post?.author ?? target.comment.postAuthor)) {
    await deleteAsModerator(actor, target, meta);
    return { slug, asModerator: true };
  }
  const comment = await ownRecentComment(actor, id, now);
  await Comment.deleteOne({ _id: comment._id });
  await deleteRepliesTo(comment._id);
  return { slug, asModerator: false };
}
