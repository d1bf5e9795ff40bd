// What the editor's script asks for while an author writes (JSON in, JSON out, CSRF header): the live
// preview and autosave. Every answer here is also reachable without JavaScript by the plain form
// (Preview and Save buttons, authoring.router.ts); these routes only spare the round trip of a page.
// Signed-in requests are bounded per user (http/user-limits.ts), which covers a script calling in a loop.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { RouterDeps } from '../router-deps.js';
import { currentActor, requireCan } from '../site/guards.js';
import { inputOf, paramsOf, validate, validateParams } from '../http/validate.js';
import { renderBody } from './post-content.js';
import { autosaveEditForm, autosaveNewForm, previewJson, toPostInput } from './post-forms.js';
import { postSlugParams } from './post-params.js';
import { createPost, updatePost, type PostRecord } from './posts.service.js';

/** JSON bodies only: the same path with a form body belongs to the page routes (`next('route')`). */
const jsonBody: RequestHandler = (req, _res, next) => next(req.is('application/json') ? undefined : 'route');

function saved(post: PostRecord) {
  return { id: String(post._id), slug: post.slug, version: post.version, editUrl: `/posts/${post.slug}/edit`, savedAt: post.updatedAt };
}

export function writingRouter(_deps: RouterDeps): Router {
  const router = Router();
  const guard = requireCan('post:create');

  router.post('/posts/preview', jsonBody, guard, validate(previewJson), livePreview);
  router.post('/posts/autosave', jsonBody, guard, validate(autosaveNewForm), autosaveNew);
  router.post('/posts/:slug/autosave', jsonBody, guard, validateParams(postSlugParams), validate(autosaveEditForm), autosaveExisting);
  return router;
}

// The same function that renders a body when it is saved (renderBody -> renderMarkdown: marked, the
// highlighter, the sanitizer's allowlist, library images at their size), so what the preview shows is
// what readers will get.
async function livePreview(_req: Request, res: Response) {
  const body = await renderBody(inputOf(previewJson, res).body, '');
  res.set('Cache-Control', 'private, no-store');
  res.json({ html: body.bodyHtml, words: body.bodyText ? body.bodyText.split(/\s+/).length : 0, readingMinutes: body.readingMinutes });
}

// The first autosave of a new post makes it a draft; the page then moves to that draft's edit URL.
async function autosaveNew(req: Request, res: Response) {
  const post = await createPost(currentActor(req), toPostInput(inputOf(autosaveNewForm, res)), { ip: req.ip });
  res.set('Cache-Control', 'private, no-store');
  res.status(201).json(saved(post));
}

// Through the normal save path: the version guard answers 409 (nothing written) when someone saved
// since the editor loaded, and only drafts are autosaved.
async function autosaveExisting(req: Request, res: Response) {
  const input = inputOf(autosaveEditForm, res);
  const post = await updatePost(currentActor(req), paramsOf(postSlugParams, res).slug, input.version, toPostInput(input), { ip: req.ip }, { autosave: true });
  res.set('Cache-Control', 'private, no-store');
  res.json(saved(post));
}
