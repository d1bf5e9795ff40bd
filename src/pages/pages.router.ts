// Static pages: `GET /pages/:slug` for readers, and their management under /admin/pages for editors and
// admins (authors and readers 403, anonymous visitors to sign in). The service decides who may do what.
// An edit over a newer version (409) shows the form again with what was typed (declared in the route line).
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { currentUser, requireCan } from '../site/guards.js';
import { conflictPage } from '../http/conflicts.js';
import { form, inputOf, paramsOf, pathSegment, requiredText, validate, validateParams } from '../http/validate.js';
import { markdownBodyField, slugField } from '../posts/post-forms.js';
import { SLUG_MAX } from '../posts/slugs.js';
import { PAGE_STATUSES } from './page.model.js';
import { createPage, deletePage, editablePage, listPages, pageForReader, updatePage, type PageInput } from './pages.service.js';
import { noStoreNoIndex } from '../http/no-store.js';

export const PAGE_BODY_MAX = 200_000;

const fields = {
  title: requiredText(200, 'Title'),
  slug: slugField('about or contact-us'),
  body: markdownBodyField(PAGE_BODY_MAX),
  /** Which button was pressed: keep the page a draft, or publish it. */
  status: z.enum(PAGE_STATUSES).optional().default('draft'),
};
const newPageForm = z.object(fields);
const editPageForm = z.object({ ...fields, version: z.coerce.number({ error: 'This form is missing its version: reload the editor.' }).int().min(1) });

function toInput(input: z.infer<typeof newPageForm>): PageInput {
  return { title: input.title, slug: input.slug, bodyMarkdown: input.body, status: input.status };
}

/** `/pages/:slug` and `/admin/pages/:slug/...`: no page has a longer slug (404). */
const pageParams = z.object({ slug: pathSegment(SLUG_MAX) });

function editorFor(page: { slug: string; status: string; version: number } | null) {
  return {
    title: page ? 'Edit page' : 'New page',
    page,
    action: page ? `/admin/pages/${page.slug}/edit` : '/admin/pages',
  };
}

async function existingEditor(req: Request, res: Response) {
  const page = await editablePage(currentUser(req), paramsOf(pageParams, res).slug);
  return editorFor({ slug: page.slug, status: page.status, version: page.version });
}

// An edit over a newer version: the form again with what was typed, so nothing is lost; the version stays
// the old one, so saving again cannot overwrite the other edit without reloading it first.
const keepTypedOnConflict = conflictPage('pages/editor', async (err, req, res) => ({ ...(await existingEditor(req, res)), values: req.body, errors: {}, formError: err.message }));

export function pagesRouter(_deps: RouterDeps): Router {
  const router = Router();
  const guard = requireCan('page:manage');
  const slug = validateParams(pageParams);

  router.get('/pages/:slug', slug, showPage);
  router.get('/admin/pages', noStoreNoIndex, guard, listPagesPage);
  router.get('/admin/pages/new', noStoreNoIndex, guard, newPageEditor);
  router.post('/admin/pages', noStoreNoIndex, guard, form('pages/editor', () => editorFor(null)), validate(newPageForm), createFromForm);
  router.get('/admin/pages/:slug/edit', noStoreNoIndex, guard, slug, editPageEditor);
  router.post('/admin/pages/:slug/edit', noStoreNoIndex, guard, slug, form('pages/editor', existingEditor), keepTypedOnConflict, validate(editPageForm), saveFromForm);
  router.post('/admin/pages/:slug/delete', noStoreNoIndex, guard, slug, deleteFromForm);
  return router;
}

async function showPage(req: Request, res: Response, next: NextFunction) {
  const page = await pageForReader(paramsOf(pageParams, res).slug, req.user ?? null);
  // Not a page (any more): a renamed page's old address is answered by the redirects after the routes, else 404.
  if (!page) return next();
  // A draft is only ever rendered for someone who may edit it.
  if (page.status !== 'published') res.set('Cache-Control', 'private, no-store');
  res.render('pages/page', { title: page.title, canonical: `${res.locals.siteUrl.replace(/\/+$/, '')}${page.url}`, noindex: page.status !== 'published', page });
}

async function listPagesPage(req: Request, res: Response) {
  res.render('pages/list', { title: 'Pages', pages: await listPages(currentUser(req)) });
}

function newPageEditor(_req: Request, res: Response) {
  res.render('pages/editor', { ...editorFor(null), values: { body: '' } });
}

async function createFromForm(req: Request, res: Response) {
  const page = await createPage(currentUser(req), toInput(inputOf(newPageForm, res)), { ip: req.ip });
  res.flash('success', page.status === 'published' ? 'Page published.' : 'Draft page created.');
  res.redirect(303, `/admin/pages/${page.slug}/edit`);
}

async function editPageEditor(req: Request, res: Response) {
  const page = await editablePage(currentUser(req), paramsOf(pageParams, res).slug);
  res.render('pages/editor', {
    ...editorFor({ slug: page.slug, status: page.status, version: page.version }),
    values: { title: page.title, slug: page.slug, body: page.bodyMarkdown, version: String(page.version) },
  });
}

async function saveFromForm(req: Request, res: Response) {
  const input = inputOf(editPageForm, res);
  const page = await updatePage(currentUser(req), paramsOf(pageParams, res).slug, input.version, toInput(input), { ip: req.ip });
  res.flash('success', page.status === 'published' ? 'Saved. The page is live.' : 'Draft saved.');
  res.redirect(303, `/admin/pages/${page.slug}/edit`);
}

async function deleteFromForm(req: Request, res: Response) {
  const page = await deletePage(currentUser(req), paramsOf(pageParams, res).slug, { ip: req.ip });
  res.flash('success', `Deleted the page “${page.title}”.`);
  res.redirect(303, '/admin/pages');
}
