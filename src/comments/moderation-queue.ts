// The moderation queue at /admin/comments: the comments an actor moderates (everyone's for editors and
// admins, those on their own posts for authors), one status at a time. Pending comments are listed oldest
// first (first come, first reviewed); approved and rejected ones newest first. One indexed page query, one
// count per status, one query for the commenters and one for the posts.
import type { Types } from 'mongoose';
import type { NamedActor } from '../site/permissions.js';
import { Comment, COMMENT_STATUSES, type CommentDoc, type CommentStatus } from './comment.model.js';
import { postsByIds } from './comment-posts.js';
import { toCommentViews, type CommentView } from './comment-views.js';
import { bulkTargets, moderationScope } from './moderation.service.js';

export const QUEUE_PAGE_SIZE = 25;

export interface QueueRow extends CommentView {
  post: { title: string; url: string; live: boolean } | null;
}

export interface Queue {
  status: CommentStatus;
  rows: QueueRow[];
  counts: Record<CommentStatus, number>;
  /** Editors and admins see every post's comments; authors their own posts'. */
  everyone: boolean;
  page: number;
  pages: number;
}

export async function moderationQueue(actor: NamedActor, status: CommentStatus, requestedPage: number): Promise<Queue> {
  const scope = moderationScope(actor);
  if (!scope) throw new Error('moderationQueue needs a moderator (the route guards it)');
  const countList = await Promise.all(COMMENT_STATUSES.map((s) => Comment.countDocuments({ ...scope, status: s })));
  const counts = Object.fromEntries(COMMENT_STATUSES.map((s, i) => [s, countList[i] ?? 0])) as Record<CommentStatus, number>;
  const pages = Math.max(1, Math.ceil(counts[status] / QUEUE_PAGE_SIZE));
  const page = Math.min(requestedPage, pages);
  const order = status === 'pending' ? 1 : -1;
  const docs = await Comment.find({ ...scope, status }, 'post author status body bodyHtml createdAt editedAt')
    .sort({ createdAt: order, _id: order })
    .skip((page - 1) * QUEUE_PAGE_SIZE)
    .limit(QUEUE_PAGE_SIZE)
    .lean<CommentDoc[]>();
  const [views, posts] = await Promise.all([toCommentViews(docs), postsByIds(docs.map((d) => d.post as Types.ObjectId))]);
  const rows = views.map((view, i): QueueRow => {
    const post = posts.get(String(docs[i]!.post));
    return { ...view, post: post ? { title: post.title, url: `/posts/${post.slug}`, live: post.live } : null };
  });
  return { status, rows, counts, everyone: Object.keys(scope).length === 0, page, pages };
}

export interface ConfirmRow extends CommentView {
  postTitle: string;
}

/** What the bulk-delete confirmation lists: the selected comments the actor may moderate. */
export async function bulkConfirmation(actor: NamedActor, ids: string[]): Promise<ConfirmRow[]> {
  const targets = await bulkTargets(actor, ids);
  const views = await toCommentViews(targets.map((t) => t.comment));
  return views.map((view, i) => ({ ...view, postTitle: targets[i]!.post?.title ?? 'a deleted post' }));
}
