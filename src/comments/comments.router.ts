// Comments over HTTP: writing under a post, editing and deleting one's own, moderating (approve, reject,
// delete) from the post page or the queue at /admin/comments, and bulk actions there (delete asks first).
// Mounted before the public router; every POST is CSRF-checked globally and answered 303 with a message.
// The /admin/comments paths are written out in full here because the admin router belongs to another domain.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { RouterDeps } from '../router-deps.js';
import { requireVerifiedEmail } from '../auth/email-verification.router.js';
import { currentActor, requireAuth, requireCan } from '../site/guards.js';
import { NotFound } from '../http/errors.js';
import { form, idParams, inputOf, paramsOf, queryOf, validate, validateParams, validateQuery } from '../http/validate.js';
import { formatDate, plural } from '../http/format.js';
import { postForReader } from '../posts/reading.service.js';
import { postSlugParams } from '../posts/post-params.js';
import type { Storage } from '../media/storage.js';
import { bulkForm, commentForm, moderationForm, queueQuery } from './comment-forms.js';
import { commentsForPost, deleteComment, editOwnComment, postComment } from './comments.service.js';
import { bulkConfirmation, moderationQueue, QUEUE_PAGE_SIZE } from './moderation-queue.js';
import { applyBulk, decide, findComment, type BulkAction } from './moderation.service.js';
import { noStoreNoIndex } from '../http/no-store.js';

const DONE: Record<BulkAction, string> = { approve: 'approved', reject: 'rejected', delete: 'deleted' };

/** Anonymous visitors are sent to sign in, and then back to the post's comments (not to this POST URL). */
const signInToComment: RequestHandler = (req, res, next) => {
  if (req.user) return next();
  res.redirect(303, `/signin?next=${encodeURIComponent(`/posts/${paramsOf(postSlugParams, res).slug}#comments`)}`);
};

/** The post page again, for a comment form with errors (422): the same page, with the input kept. */
async function postPage(req: Request, slug: string, storage: Storage, editing: string | null = null) {
  const found = await postForReader(slug, req.user, storage);
  if (found?.kind !== 'post') throw new NotFound();
  return {
    title: found.post.title,
    noindex: true,
    post: found.post,
    preview: false,
    formatDate,
    comments: await commentsForPost(found.post.id, req.user),
    editingComment: editing,
  };
}

export function commentsRouter({ storage }: RouterDeps): Router {
  const router = Router();
  const moderator = requireCan('comment:moderate');
  const id = validateParams(idParams);

  router.post('/posts/:slug/comments', validateParams(postSlugParams), signInToComment, requireVerifiedEmail, form('posts/post', newCommentPage), validate(commentForm), writeComment);
  router.post('/comments/:id/edit', requireAuth, id, requireVerifiedEmail, form('posts/post', editCommentPage), validate(commentForm), editComment);
  router.post('/comments/:id/delete', requireAuth, id, validate(moderationForm), removeComment);
  router.post('/comments/:id/approve', requireAuth, id, validate(moderationForm), decideComment('approve'));
  router.post('/comments/:id/reject', requireAuth, id, validate(moderationForm), decideComment('reject'));
  router.get('/admin/comments', noStoreNoIndex, moderator, validateQuery(queueQuery), queuePage);
  router.post('/admin/comments/bulk', noStoreNoIndex, moderator, validate(bulkForm), bulkAction);
  return router;

  function newCommentPage(req: Request, res: Response) {
    return postPage(req, paramsOf(postSlugParams, res).slug, storage);
  }

  async function editCommentPage(req: Request, res: Response) {
    const commentId = paramsOf(idParams, res).id;
    const { post } = await findComment(commentId);
    if (!post) throw new NotFound();
    return postPage(req, post.slug, storage, commentId);
  }
}

async function writeComment(req: Request, res: Response) {
  const input = inputOf(commentForm, res);
  const written = await postComment(currentActor(req), paramsOf(postSlugParams, res).slug, input.body, undefined, input.parent);
  // Shown beside the new comment, where the redirect's fragment scrolls to (not at the top of the page).
  res.flash(
    'success',
    written.status === 'approved' ? 'Your comment is published.' : 'Thanks! Your comment is awaiting review: only you can see it until a moderator approves it.',
    `comment-${written.id}`,
  );
  res.redirect(303, `/posts/${written.slug}#comment-${written.id}`);
}

async function editComment(req: Request, res: Response) {
  const edited = await editOwnComment(currentActor(req), paramsOf(idParams, res).id, inputOf(commentForm, res).body);
  res.flash(edited.heldForReview ? 'info' : 'success', edited.heldForReview ? 'Comment updated. It is awaiting review again.' : 'Comment updated.');
  res.redirect(303, `/posts/${edited.slug}#comment-${edited.id}`);
}

async function removeComment(req: Request, res: Response) {
  const deleted = await deleteComment(currentActor(req), paramsOf(idParams, res).id, { ip: req.ip });
  res.flash('success', 'Comment deleted.');
  const fallback = deleted.slug ? `/posts/${deleted.slug}#comments` : deleted.asModerator ? '/admin/comments' : '/';
  res.redirect(303, inputOf(moderationForm, res).back ?? fallback);
}

/** Approve or reject one comment, from the post page or the queue. */
function decideComment(decision: 'approve' | 'reject') {
  return async function decideOne(req: Request, res: Response) {
    const form = inputOf(moderationForm, res);
    const outcome = await decide(currentActor(req), paramsOf(idParams, res).id, decision, { ip: req.ip }, form.seen);
    const { comment, post } = outcome.target;
    const past = decision === 'approve' ? 'approved' : 'rejected';
    const message = outcome.changed
      ? `Comment ${past}.`
      : comment.status === past
        ? `That comment was already ${past}.`
        : `Someone decided first: that comment is now ${comment.status}. Nothing was changed.`;
    res.flash(outcome.changed ? 'success' : 'info', message);
    const fallback = post ? `/posts/${post.slug}#${decision === 'approve' ? `comment-${String(comment._id)}` : 'comments'}` : '/admin/comments';
    res.redirect(303, form.back ?? fallback);
  };
}

async function queuePage(req: Request, res: Response) {
  const query = queryOf(queueQuery, res);
  const queue = await moderationQueue(currentActor(req), query.status ?? 'pending', query.page);
  const urlFor = (page: number) => {
    const params = new URLSearchParams();
    if (queue.status !== 'pending') params.set('status', queue.status);
    if (page > 1) params.set('page', String(page));
    return `/admin/comments${params.size ? `?${params}` : ''}`;
  };
  res.render('comments/queue', {
    title: 'Comments',
    queue,
    pageSize: QUEUE_PAGE_SIZE,
    here: urlFor(queue.page),
    prevUrl: queue.page > 1 ? urlFor(queue.page - 1) : null,
    nextUrl: queue.page < queue.pages ? urlFor(queue.page + 1) : null,
  });
}

async function bulkAction(req: Request, res: Response) {
  const input = inputOf(bulkForm, res);
  const backTo = input.back ?? '/admin/comments';
  if (input.ids.length === 0) {
    res.flash('warning', 'Select at least one comment first.');
    return res.redirect(303, backTo);
  }
  // Deleting asks first: the same form again, listing what will go, with confirm=yes.
  if (input.action === 'delete' && input.confirm !== 'yes') {
    return res.render('comments/bulk-confirm', { title: 'Delete comments', rows: await bulkConfirmation(currentActor(req), input.ids), back: backTo });
  }
  const outcome = await applyBulk(currentActor(req), input.action, input.ids, { ip: req.ip }, input.seen);
  const skipped = outcome.skipped
    ? ` (${plural(outcome.skipped, 'comment was', 'comments were')} skipped: already ${DONE[input.action]}, decided by someone else since, gone, or not yours to moderate)`
    : '';
  res.flash(outcome.done ? 'success' : 'info', `${plural(outcome.done, 'comment')} ${DONE[input.action]}${skipped}.`);
  res.redirect(303, backTo);
}
