// /admin/posts and /admin/media, for editors and admins: every post with filters and bulk publish,
// unpublish and delete (delete asks first); every image with the posts that use it. The actions go
// through the posts and media services, which check permissions, audit and signal content changes.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { actingContext, currentUser, requireCan } from '../site/guards.js';
import { plural } from '../http/format.js';
import { checkedIds, idParams, inputOf, listQueryString, objectId, pageNumber, paramsOf, queryOf, text, validate, validateParams, validateQuery } from '../http/validate.js';
import { listMedia } from '../media/media-library.js';
import { deleteMedia, findManageable } from '../media/media.service.js';
import { contentUsing, usageSummary } from '../media/media-usage.js';
import type { MediaDoc } from '../media/media.model.js';
import { SLUG_PATTERN } from '../posts/slugs.js';
import {
  applyBulk,
  BULK_ACTIONS,
  BULK_MAX,
  DISPLAY_STATUSES,
  listAdminPosts,
  postFilterOptions,
  postsForBulk,
  POSTS_PAGE_SIZE,
} from './content.service.js';

const postListQuery = z.object({
  status: z.enum(DISPLAY_STATUSES).optional().catch(undefined),
  author: objectId.optional().catch(undefined),
  tag: z.string().max(60).regex(SLUG_PATTERN).optional().catch(undefined),
  /** Title search: a literal substring (escaped before it becomes a pattern), '' for none. */
  q: text(100).optional().catch(undefined).transform((v) => v || undefined),
  page: pageNumber,
});

const bulkForm = z.object({
  action: z.enum(BULK_ACTIONS, { message: 'Choose an action.' }),
  ids: checkedIds(BULK_MAX, 'posts'),
  confirm: z.literal('yes').optional(),
  back: listQueryString,
});

const mediaQuery = z.object({ before: objectId.optional().catch(undefined) });
const mediaDeleteForm = z.object({ confirm: z.literal('yes').optional() });

function listUrl(query: z.infer<typeof postListQuery>, page: number): string {
  const params = new URLSearchParams();
  if (query.status) params.set('status', query.status);
  if (query.author) params.set('author', query.author);
  if (query.tag) params.set('tag', query.tag);
  if (query.q) params.set('q', query.q);
  if (page > 1) params.set('page', String(page));
  return params.size ? `?${params}` : '';
}

const PAST: Record<(typeof BULK_ACTIONS)[number], string> = { publish: 'published', unpublish: 'moved to drafts', delete: 'deleted' };

export function contentAdminRouter({ storage }: RouterDeps): Router {
  const router = Router();
  const guard = requireCan('content:admin');

  router.get('/posts', guard, validateQuery(postListQuery), postsPage);
  router.post('/posts/bulk', guard, validate(bulkForm), bulkAction);
  router.get('/media', guard, validateQuery(mediaQuery), mediaPage);
  router.get('/media/:id/delete', guard, validateParams(idParams), askToDeleteMedia);
  router.post('/media/:id/delete', guard, validateParams(idParams), validate(mediaDeleteForm), deleteMediaFromForm);
  return router;

  async function mediaPage(req: Request, res: Response) {
    const { before } = queryOf(mediaQuery, res);
    const library = await listMedia(currentUser(req), storage, { before });
    res.render('admin/media', {
      title: 'Media',
      library,
      olderUrl: library.olderCursor ? `/admin/media?before=${library.olderCursor}` : null,
      newestUrl: before ? '/admin/media' : null,
    });
  }

  async function confirmationPage(res: Response, media: MediaDoc, status = 200) {
    const usedIn = (await contentUsing([media._id])).get(String(media._id)) ?? [];
    res.status(status).render('admin/media-delete', {
      title: `Delete ${media.filename}`,
      media: { id: String(media._id), filename: media.filename, alt: media.alt },
      thumbUrl: storage.url([...media.variants].sort((a, b) => a.width - b.width)[0]?.key ?? media.originalKey),
      usedIn,
      usedInLabel: usageSummary(usedIn),
    });
  }

  async function askToDeleteMedia(req: Request, res: Response) {
    await confirmationPage(res, await findManageable(currentUser(req), paramsOf(idParams, res).id));
  }

  async function deleteMediaFromForm(req: Request, res: Response) {
    const ctx = actingContext(req);
    const outcome = await deleteMedia(ctx.actor, paramsOf(idParams, res).id, storage, { confirmed: inputOf(mediaDeleteForm, res).confirm === 'yes', ip: ctx.ip });
    // In use and not confirmed: nothing was deleted; ask, as the media library does, with a 409.
    if (!outcome.deleted) return confirmationPage(res, outcome.media, 409);
    res.flash('success', `Deleted “${outcome.filename}” and all its sizes.`);
    res.redirect(303, '/admin/media');
  }
}

async function postsPage(_req: Request, res: Response) {
  const query = queryOf(postListQuery, res);
  const [list, options] = await Promise.all([listAdminPosts(query), postFilterOptions()]);
  res.render('admin/posts', {
    title: 'Posts',
    query,
    list,
    options,
    statuses: DISPLAY_STATUSES,
    pageSize: POSTS_PAGE_SIZE,
    here: listUrl(query, list.page),
    prevUrl: list.page > 1 ? `/admin/posts${listUrl(query, list.page - 1)}` : null,
    nextUrl: list.page < list.pages ? `/admin/posts${listUrl(query, list.page + 1)}` : null,
  });
}

async function bulkAction(req: Request, res: Response) {
  const input = inputOf(bulkForm, res);
  const backTo = `/admin/posts${input.back ?? ''}`;
  if (input.ids.length === 0) {
    res.flash('warning', 'Select at least one post first.');
    return res.redirect(303, backTo);
  }
  // Deleting asks first: the same form again, listing what will go, with confirm=yes.
  if (input.action === 'delete' && input.confirm !== 'yes') {
    return res.render('admin/posts-bulk-confirm', {
      title: 'Delete posts',
      posts: await postsForBulk(input.ids),
      back: input.back ?? '',
    });
  }
  const outcome = await applyBulk(actingContext(req), input.action, input.ids);
  const skipped = outcome.skipped ? ` (${plural(outcome.skipped, 'post was', 'posts were')} already ${input.action === 'delete' ? 'gone' : PAST[input.action]})` : '';
  res.flash(outcome.done ? 'success' : 'info', `${plural(outcome.done, 'post')} ${PAST[input.action]}${skipped}.`);
  res.redirect(303, backTo);
}
