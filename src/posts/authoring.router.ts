// Writing posts: the dashboard, the editor, preview, publishing, revisions and deletion. Mounted before
// the public router, so /posts/new is never read as a slug. Routes require `post:create` (readers 403,
// anonymous visitors to sign in); which post a user may touch is decided by the service. An edit over a
// newer version (409) shows both versions side by side (conflictPage below), declared in the route line.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { can } from '../site/permissions.js';
import { currentActor, currentUser, requireCan } from '../site/guards.js';
import { conflictPage } from '../http/conflicts.js';
import type { Conflict } from '../http/errors.js';
import { form, inputOf, paramsOf, queryOf, validate, validateParams, validateQuery } from '../http/validate.js';
import { displayStatus, type DisplayStatus } from './post.model.js';
import { editorLocals, editorValues } from './editor-view.js';
import { postComments } from './post-comments.js';
import { listPosts } from './listing.service.js';
import { renderBody } from './post-content.js';
import { editPostForm, newPostForm, previewForm, restoreForm, toPostInput } from './post-forms.js';
import { postSlugParams, revisionParams } from './post-params.js';
import { formatDate } from '../http/format.js';
import { datesOf } from '../http/views.js';
import { createPost, deletePost, editablePost, editablePostById, restoreRevision, setPublished, updatePost, usableCover } from './posts.service.js';
import { previewView } from './reading.service.js';
import { revisionDiff } from './revision-diff.js';

const dashboardQuery = z.object({
  status: z.enum(['draft', 'scheduled', 'published']).optional().catch(undefined),
  after: z.string().max(60).optional().catch(undefined),
});

/** Where publish and unpublish return to: the dashboard, or (by default) the post. */
const returnToForm = z.object({ from: z.enum(['dashboard', 'post']).optional().catch(undefined) });

const OVERVIEW_ROWS = 10;
const STATUS_PAGE_ROWS = 50;
const SECTIONS: { status: DisplayStatus; heading: string; empty: string }[] = [
  { status: 'draft', heading: 'Drafts', empty: 'No drafts.' },
  { status: 'scheduled', heading: 'Scheduled', empty: 'Nothing scheduled.' },
  { status: 'published', heading: 'Published', empty: 'Nothing published yet.' },
];

/** The 409 page: every field of both versions (the service's Conflict carries them), nothing lost. */
const showBothVersions = conflictPage('posts/conflict', (err: Conflict) => ({ title: 'Edit conflict', noindex: true, message: err.message, ...err.details.context }));

export function authoringRouter({ storage }: RouterDeps): Router {
  const router = Router();
  const guard = requireCan('post:create');
  const slug = validateParams(postSlugParams);

  router.get('/dashboard', guard, validateQuery(dashboardQuery), dashboard);
  router.get('/posts/new', guard, newPostEditor);
  router.post('/posts', guard, form('posts/editor', newEditor), validate(newPostForm), createFromForm);
  // Renders the form as it stands, saving nothing (the editor's Preview button posts here with formaction).
  router.post('/posts/preview', guard, form('posts/editor', newEditor), validate(previewForm), preview);
  router.get('/posts/:slug/edit', guard, slug, editPostEditor);
  router.post('/posts/:slug/edit', guard, slug, form('posts/editor', existingEditor), showBothVersions, validate(editPostForm), saveFromForm);
  router.post('/posts/:slug/publish', guard, slug, validate(returnToForm), publish);
  router.post('/posts/:slug/unpublish', guard, slug, validate(returnToForm), unpublish);
  // What changed since an earlier version, word by word, with a Restore button (the POST below).
  router.get('/posts/:slug/revisions/:id', guard, validateParams(revisionParams), showRevision);
  router.post('/posts/:slug/revisions/:id/restore', guard, validateParams(revisionParams), showBothVersions, validate(restoreForm), restore);
  router.get('/posts/:slug/delete', guard, slug, confirmDelete);
  router.post('/posts/:slug/delete', guard, slug, deleteFromForm);
  return router;

  async function newEditor(req: Request, res: Response) {
    return editorLocals(currentActor(req), null, storage, datesOf(res));
  }

  async function existingEditor(req: Request, res: Response) {
    const actor = currentActor(req);
    return editorLocals(actor, await editablePost(actor, paramsOf(postSlugParams, res).slug), storage, datesOf(res));
  }

  async function dashboard(req: Request, res: Response) {
    const actor = currentActor(req);
    const query = queryOf(dashboardQuery, res);
    // Editors and admins manage everyone's posts; authors see their own.
    const everyone = can(actor, 'post:edit', { ownerId: null });
    const authorId = everyone ? undefined : actor.id;
    const sections = query.status ? SECTIONS.filter((s) => s.status === query.status) : SECTIONS;
    const lists = await Promise.all(
      sections.map(async (s) => ({
        ...s,
        ...(await listPosts({ status: s.status, authorId, after: query.status ? query.after : undefined, limit: query.status ? STATUS_PAGE_ROWS : OVERVIEW_ROWS })),
      })),
    );
    res.set('Cache-Control', 'private, no-store');
    const pendingComments = await postComments().pendingFor(actor);
    res.render('posts/dashboard', { title: 'Dashboard', noindex: true, lists, single: Boolean(query.status), everyone, pendingComments });
  }

  async function newPostEditor(req: Request, res: Response) {
    res.render('posts/editor', { ...(await newEditor(req, res)), values: { tags: '', body: '', commentsEnabled: 'on' } });
  }

  async function createFromForm(req: Request, res: Response) {
    const post = await createPost(currentActor(req), toPostInput(inputOf(newPostForm, res), currentUser(req).timeZone), { ip: req.ip });
    res.flash('success', flashFor(displayStatus(post), 'created'));
    res.redirect(303, `/posts/${post.slug}/edit`);
  }

  async function preview(req: Request, res: Response) {
    const actor = currentActor(req);
    const input = inputOf(previewForm, res);
    let author = { id: actor.id, status: 'draft' as DisplayStatus, publishedAt: null as Date | null };
    const existing = input.postId ? await editablePostById(actor, input.postId).catch(() => null) : null;
    if (existing) {
      author = { id: String(existing.author), status: displayStatus(existing), publishedAt: existing.publishedAt ?? null };
    }
    // The same cover rule as saving: another user's image is refused (422), not shown.
    if (input.coverMediaId) await usableCover(actor, input.coverMediaId, existing);
    const body = await renderBody(input.body, input.excerpt);
    const post = await previewView({ ...body, title: input.title || 'Untitled', tags: input.tags, coverMediaId: input.coverMediaId, coverAlt: input.coverAlt }, author, storage);
    res.set('Cache-Control', 'private, no-store');
    res.render('posts/post', { title: `Preview: ${post.title}`, noindex: true, preview: true, post, formatDate });
  }

  async function editPostEditor(req: Request, res: Response) {
    const actor = currentActor(req);
    const post = await editablePost(actor, paramsOf(postSlugParams, res).slug);
    res.set('Cache-Control', 'private, no-store');
    res.render('posts/editor', { ...(await editorLocals(actor, post, storage, datesOf(res))), values: await editorValues(post, datesOf(res)) });
  }

  async function saveFromForm(req: Request, res: Response) {
    const input = inputOf(editPostForm, res);
    const post = await updatePost(currentActor(req), paramsOf(postSlugParams, res).slug, input.version, toPostInput(input, currentUser(req).timeZone), { ip: req.ip });
    // A draft that autosave already created is published from its edit page: still "Published."
    res.flash('success', input.intent === 'publish' ? 'Published.' : flashFor(displayStatus(post), 'saved'));
    res.redirect(303, `/posts/${post.slug}/edit`);
  }

  async function publish(req: Request, res: Response) {
    const actor = currentActor(req);
    const post = await setPublished(actor, (await editablePost(actor, paramsOf(postSlugParams, res).slug))._id, true, { ip: req.ip });
    res.flash('success', 'Published.');
    res.redirect(303, backTo(res, post.slug));
  }

  async function unpublish(req: Request, res: Response) {
    const actor = currentActor(req);
    const post = await setPublished(actor, (await editablePost(actor, paramsOf(postSlugParams, res).slug))._id, false, { ip: req.ip });
    res.flash('success', 'Moved back to drafts: readers no longer see it.');
    res.redirect(303, backTo(res, post.slug));
  }

  async function showRevision(req: Request, res: Response) {
    const { slug, id } = paramsOf(revisionParams, res);
    const diff = await revisionDiff(currentActor(req), slug, id);
    res.set('Cache-Control', 'private, no-store');
    res.render('posts/revision', { title: `Changes since ${datesOf(res).formatDateTime(diff.revision.at)}`, noindex: true, diff });
  }

  async function restore(req: Request, res: Response) {
    const { slug, id } = paramsOf(revisionParams, res);
    const post = await restoreRevision(currentActor(req), slug, id, inputOf(restoreForm, res).version, { ip: req.ip });
    res.flash('success', 'Revision restored. The version it replaced is kept in the list.');
    res.redirect(303, `/posts/${post.slug}/edit`);
  }

  async function confirmDelete(req: Request, res: Response) {
    const post = await editablePost(currentActor(req), paramsOf(postSlugParams, res).slug);
    res.set('Cache-Control', 'private, no-store');
    res.render('posts/delete', {
      title: `Delete “${post.title}”`,
      noindex: true,
      post: { slug: post.slug, title: post.title, status: displayStatus(post), updatedLabel: datesOf(res).formatDateTime(post.updatedAt) },
    });
  }

  async function deleteFromForm(req: Request, res: Response) {
    const actor = currentActor(req);
    const post = await editablePost(actor, paramsOf(postSlugParams, res).slug);
    await deletePost(actor, post._id, { ip: req.ip });
    res.flash('success', `Deleted “${post.title}”.`);
    res.redirect(303, '/dashboard');
  }
}

function flashFor(status: DisplayStatus, verb: 'created' | 'saved'): string {
  if (status === 'published') return verb === 'created' ? 'Published.' : 'Saved. The changes are live.';
  if (status === 'scheduled') return 'Saved. It will be published at the scheduled time.';
  return verb === 'created' ? 'Draft created.' : 'Draft saved.';
}

function backTo(res: Response, slug: string): string {
  return inputOf(returnToForm, res).from === 'dashboard' ? '/dashboard' : `/posts/${slug}`;
}
