// Writing posts: the dashboard, the editor, preview, publishing, revisions and deletion. Mounted before
// the public router, so /posts/new is never read as a slug. Routes require `post:create` (readers 403,
// anonymous visitors to sign in); which post a user may touch is decided by the service.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { can, type NamedActor } from '../site/permissions.js';
import { currentUser, requireCan } from '../site/guards.js';
import { Conflict } from '../http/errors.js';
import { form, inputOf, parse, validate } from '../http/validate.js';
import { displayStatus, type DisplayStatus } from './post.model.js';
import { editorLocals, editorValues } from './editor-view.js';
import { postComments } from './post-comments.js';
import { listPosts } from './listing.service.js';
import { renderBody } from './post-content.js';
import { editPostForm, newPostForm, previewForm, restoreForm, toPostInput } from './post-forms.js';
import { formatDate } from '../http/format.js';
import { datesOf } from '../http/views.js';
import { createPost, deletePost, editablePost, editablePostById, restoreRevision, setPublished, updatePost, usableCover } from './posts.service.js';
import { previewView } from './reading.service.js';
import { revisionDiff } from './revision-diff.js';

const dashboardQuery = z.object({
  status: z.enum(['draft', 'scheduled', 'published']).optional().catch(undefined),
  after: z.string().max(60).optional().catch(undefined),
});

const returnTo = z.object({ from: z.enum(['dashboard', 'post']).optional().catch(undefined) });

const OVERVIEW_ROWS = 10;
const STATUS_PAGE_ROWS = 50;
const SECTIONS: { status: DisplayStatus; heading: string; empty: string }[] = [
  { status: 'draft', heading: 'Drafts', empty: 'No drafts.' },
  { status: 'scheduled', heading: 'Scheduled', empty: 'Nothing scheduled.' },
  { status: 'published', heading: 'Published', empty: 'Nothing published yet.' },
];

function actorOf(req: Request): NamedActor {
  const user = currentUser(req);
  return { id: user.id, role: user.role, displayName: user.displayName };
}

export function authoringRouter({ storage }: RouterDeps): Router {
  const router = Router();
  const guard = requireCan('post:create');

  const newEditor = async (req: Request, res: Response) => editorLocals(actorOf(req), null, storage, datesOf(res));
  const existingEditor = async (req: Request, res: Response) => {
    const actor = actorOf(req);
    return editorLocals(actor, await editablePost(actor, String(slugOf(req))), storage, datesOf(res));
  };

  router.get('/dashboard', guard, async (req, res) => {
    const actor = actorOf(req);
    const query = parse(dashboardQuery, req.query);
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
  });

  router.get('/posts/new', guard, async (req, res) => {
    res.render('posts/editor', { ...(await newEditor(req, res)), values: { tags: '', body: '', commentsEnabled: 'on' } });
  });

  router.post('/posts', guard, form('posts/editor', newEditor), validate(newPostForm), async (req, res) => {
    const post = await createPost(actorOf(req), toPostInput(inputOf(newPostForm, res), currentUser(req).timeZone), { ip: req.ip });
    res.flash('success', flashFor(displayStatus(post), 'created'));
    res.redirect(303, `/posts/${post.slug}/edit`);
  });

  // Renders the form as it stands, saving nothing (the editor's Preview button posts here with formaction).
  router.post('/posts/preview', guard, form('posts/editor', newEditor), validate(previewForm), async (req, res) => {
    const actor = actorOf(req);
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
  });

  router.get('/posts/:slug/edit', guard, async (req, res) => {
    const actor = actorOf(req);
    const post = await editablePost(actor, slugOf(req));
    res.set('Cache-Control', 'private, no-store');
    res.render('posts/editor', { ...(await editorLocals(actor, post, storage, datesOf(res))), values: await editorValues(post, datesOf(res)) });
  });

  router.post('/posts/:slug/edit', guard, form('posts/editor', existingEditor), validate(editPostForm), async (req, res) => {
    const input = inputOf(editPostForm, res);
    try {
      const post = await updatePost(actorOf(req), slugOf(req), input.version, toPostInput(input, currentUser(req).timeZone), { ip: req.ip });
      // A draft that autosave already created is published from its edit page: still "Published."
      res.flash('success', input.intent === 'publish' ? 'Published.' : flashFor(displayStatus(post), 'saved'));
      res.redirect(303, `/posts/${post.slug}/edit`);
    } catch (err) {
      if (!(err instanceof Conflict)) throw err;
      renderConflict(res, err);
    }
  });

  router.post('/posts/:slug/publish', guard, async (req, res) => {
    const actor = actorOf(req);
    const post = await setPublished(actor, (await editablePost(actor, slugOf(req)))._id, true, { ip: req.ip });
    res.flash('success', 'Published.');
    res.redirect(303, backTo(req, post.slug));
  });

  router.post('/posts/:slug/unpublish', guard, async (req, res) => {
    const actor = actorOf(req);
    const post = await setPublished(actor, (await editablePost(actor, slugOf(req)))._id, false, { ip: req.ip });
    res.flash('success', 'Moved back to drafts: readers no longer see it.');
    res.redirect(303, backTo(req, post.slug));
  });

  // What changed since an earlier version, word by word, with a Restore button (the POST below).
  router.get('/posts/:slug/revisions/:id', guard, async (req, res) => {
    const diff = await revisionDiff(actorOf(req), slugOf(req), String(req.params.id));
    res.set('Cache-Control', 'private, no-store');
    res.render('posts/revision', { title: `Changes since ${datesOf(res).formatDateTime(diff.revision.at)}`, noindex: true, diff });
  });

  router.post('/posts/:slug/revisions/:id/restore', guard, validate(restoreForm), async (req, res) => {
    try {
      const post = await restoreRevision(actorOf(req), slugOf(req), String(req.params.id), inputOf(restoreForm, res).version, { ip: req.ip });
      res.flash('success', 'Revision restored. The version it replaced is kept in the list.');
      res.redirect(303, `/posts/${post.slug}/edit`);
    } catch (err) {
      if (!(err instanceof Conflict)) throw err;
      renderConflict(res, err);
    }
  });

  router.get('/posts/:slug/delete', guard, async (req, res) => {
    const post = await editablePost(actorOf(req), slugOf(req));
    res.set('Cache-Control', 'private, no-store');
    res.render('posts/delete', {
      title: `Delete “${post.title}”`,
      noindex: true,
      post: { slug: post.slug, title: post.title, status: displayStatus(post), updatedLabel: datesOf(res).formatDateTime(post.updatedAt) },
    });
  });

  router.post('/posts/:slug/delete', guard, async (req, res) => {
    const actor = actorOf(req);
    const post = await editablePost(actor, slugOf(req));
    await deletePost(actor, post._id, { ip: req.ip });
    res.flash('success', `Deleted “${post.title}”.`);
    res.redirect(303, '/dashboard');
  });

  return router;
}

function flashFor(status: DisplayStatus, verb: 'created' | 'saved'): string {
  if (status === 'published') return verb === 'created' ? 'Published.' : 'Saved. The changes are live.';
  if (status === 'scheduled') return 'Saved. It will be published at the scheduled time.';
  return verb === 'created' ? 'Draft created.' : 'Draft saved.';
}

function backTo(req: Request, slug: string): string {
  return parse(returnTo, req.body ?? {}).from === 'dashboard' ? '/dashboard' : `/posts/${slug}`;
}

function renderConflict(res: Response, err: Conflict): void {
  res.set('Cache-Control', 'no-store');
  res.status(409).render('posts/conflict', { title: 'Edit conflict', noindex: true, message: err.message, ...err.details.context });
}

function slugOf(req: Request): string {
  return String(req.params.slug);
}
