// /admin/posts and /admin/media, for editors and admins: every post with filters and bulk publish,
// unpublish and delete (delete asks first); every image with the posts that use it. The actions go
// through the posts and media services, which check permissions, audit and signal content changes.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { currentUser, requireCan } from '../site/guards.js';
import { plural } from '../http/format.js';
import { checkedIds, inputOf, listQueryString, objectId, pageNumber, text, validate } from '../http/validate.js';
import { listMedia } from '../media/media-library.js';
import { deleteMedia, findManageable } from '../media/media.service.js';
import { contentUsing, usageSummary } from '../media/media-usage.js';
import type { MediaDoc } from '../media/media.model.js';
import { SLUG_PATTERN } from '../posts/slugs.js';
import { adminContext } from './admin-context.js';
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

  router.get('/posts', guard, validate(postListQuery, 'query'), async (_req, res) => {
    const query = inputOf(postListQuery, res);
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
  });

  router.post('/posts/bulk', guard, validate(bulkForm), async (req, res) => {
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
    const outcome = await applyBulk(adminContext(req), input.action, input.ids);
    const skipped = outcome.skipped ? ` (${plural(outcome.skipped, 'post was', 'posts were')} already ${input.action === 'delete' ? 'gone' : PAST[input.action]})` : '';
    res.flash(outcome.done ? 'success' : 'info', `${plural(outcome.done, 'post')} ${PAST[input.action]}${skipped}.`);
    res.redirect(303, backTo);
  });

  router.get('/media', guard, validate(mediaQuery, 'query'), async (req, res) => {
    const { before } = inputOf(mediaQuery, res);
    const library = await listMedia(currentUser(req), storage, { before });
    res.render('admin/media', {
      title: 'Media',
      library,
      olderUrl: library.olderCursor ? `/admin/media?before=${library.olderCursor}` : null,
      newestUrl: before ? '/admin/media' : null,
    });
  });

  const confirmDelete = async (res: Response, media: MediaDoc, status = 200) => {
    const usedIn = (await contentUsing([media._id])).get(String(media._id)) ?? [];
    res.status(status).render('admin/media-delete', {
      title: `Delete ${media.filename}`,
      media: { id: String(media._id), filename: media.filename, alt: media.alt },
      thumbUrl: storage.url([...media.variants].sort((a, b) => a.width - b.width)[0]?.key ?? media.originalKey),
      usedIn,
      usedInLabel: usageSummary(usedIn),
    });
  };

  const mediaId = (req: Request) => String(req.params.id);

  router.get('/media/:id/delete', guard, async (req, res) => {
    await confirmDelete(res, await findManageable(currentUser(req), mediaId(req)));
  });

  router.post('/media/:id/delete', guard, validate(mediaDeleteForm), async (req, res) => {
    const ctx = adminContext(req);
    const outcome = await deleteMedia(ctx.actor, mediaId(req), storage, { confirmed: inputOf(mediaDeleteForm, res).confirm === 'yes', ip: ctx.ip });
    // In use and not confirmed: nothing was deleted; ask, as the media library does, with a 409.
    if (!outcome.deleted) return confirmDelete(res, outcome.media, 409);
    res.flash('success', `Deleted “${outcome.filename}” and all its sizes.`);
    res.redirect(303, '/admin/media');
  });

  return router;
}
