// Static pages: `GET /pages/:slug` for readers, and their management under /admin/pages for editors and
// admins (authors and readers 403, anonymous visitors to sign in). The service decides who may do what.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { currentUser, requireCan } from '../site/guards.js';
import { Conflict } from '../http/errors.js';
import { form, inputOf, requiredText, validate } from '../http/validate.js';
import { markdownBodyField, slugField } from '../posts/post-forms.js';
import { SLUG_MAX } from '../posts/slugs.js';
import { PAGE_STATUSES } from './page.model.js';
import { createPage, deletePage, editablePage, listPages, pageForReader, updatePage, type PageInput } from './pages.service.js';

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

const noStore = (_req: Request, res: Response, next: () => void) => {
  res.set('Cache-Control', 'no-store');
  res.locals.noindex = true;
  next();
};

export function pagesRouter(_deps: RouterDeps): Router {
  const router = Router();
  const guard = requireCan('page:manage');

  const editorFor = (page: { slug: string; status: string; version: number } | null) => ({
    title: page ? 'Edit page' : 'New page',
    page,
    action: page ? `/admin/pages/${page.slug}/edit` : '/admin/pages',
  });
  const existingEditor = async (req: Request) => {
    const page = await editablePage(currentUser(req), String(req.params.slug));
    return editorFor({ slug: page.slug, status: page.status, version: page.version });
  };

  router.get('/pages/:slug', async (req, res, next) => {
    const page = req.params.slug.length <= SLUG_MAX ? await pageForReader(req.params.slug, req.user ?? null) : null;
    // Not a page (any more): a renamed page's old address is answered by the redirects after the routes, else 404.
    if (!page) return next();
    // A draft is only ever rendered for someone who may edit it.
    if (page.status !== 'published') res.set('Cache-Control', 'private, no-store');
    res.render('pages/page', { title: page.title, canonical: `${res.locals.siteUrl.replace(/\/+$/, '')}${page.url}`, noindex: page.status !== 'published', page });
  });

  router.get('/admin/pages', noStore, guard, async (req, res) => {
    res.render('pages/list', { title: 'Pages', pages: await listPages(currentUser(req)) });
  });

  router.get('/admin/pages/new', noStore, guard, (_req, res) => {
    res.render('pages/editor', { ...editorFor(null), values: { body: '' } });
  });

  router.post('/admin/pages', noStore, guard, form('pages/editor', () => editorFor(null)), validate(newPageForm), async (req, res) => {
    const page = await createPage(currentUser(req), toInput(inputOf(newPageForm, res)), { ip: req.ip });
    res.flash('success', page.status === 'published' ? 'Page published.' : 'Draft page created.');
    res.redirect(303, `/admin/pages/${page.slug}/edit`);
  });

  router.get('/admin/pages/:slug/edit', noStore, guard, async (req, res) => {
    const page = await editablePage(currentUser(req), String(req.params.slug));
    res.render('pages/editor', {
      ...editorFor({ slug: page.slug, status: page.status, version: page.version }),
      values: { title: page.title, slug: page.slug, body: page.bodyMarkdown, version: String(page.version) },
    });
  });

  router.post('/admin/pages/:slug/edit', noStore, guard, form('pages/editor', existingEditor), validate(editPageForm), async (req, res) => {
    const input = inputOf(editPageForm, res);
    try {
      const page = await updatePage(currentUser(req), String(req.params.slug), input.version, toInput(input), { ip: req.ip });
      res.flash('success', page.status === 'published' ? 'Saved. The page is live.' : 'Draft saved.');
      res.redirect(303, `/admin/pages/${page.slug}/edit`);
    } catch (err) {
      if (!(err instanceof Conflict)) throw err;
      // The form again with what was typed, so nothing is lost; the version stays the old one, so saving
      // again cannot overwrite the other edit without reloading it first.
      res.status(409).render('pages/editor', { ...(await existingEditor(req)), values: req.body, errors: {}, formError: err.message });
    }
  });

  router.post('/admin/pages/:slug/delete', noStore, guard, async (req, res) => {
    const page = await deletePage(currentUser(req), String(req.params.slug), { ip: req.ip });
    res.flash('success', `Deleted the page “${page.title}”.`);
    res.redirect(303, '/admin/pages');
  });

  return router;
}
