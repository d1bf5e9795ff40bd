// What the editor's script asks for while an author writes (JSON in, JSON out, CSRF header): the live
// preview and autosave. Every answer here is also reachable without JavaScript by the plain form
// (Preview and Save buttons, authoring.router.ts); these routes only spare the round trip of a page.
// Signed-in requests are bounded per user (http/user-limits.ts), which covers a script calling in a loop.
import { Router, type Request, type RequestHandler } from 'express';
import type { RouterDeps } from '../router-deps.js';
import type { NamedActor } from '../site/permissions.js';
import { currentUser, requireCan } from '../site/guards.js';
import { inputOf, validate } from '../http/validate.js';
import { renderBody } from './post-content.js';
import { autosaveEditForm, autosaveNewForm, previewJson, toPostInput } from './post-forms.js';
import { createPost, updatePost, type PostRecord } from './posts.service.js';

function actorOf(req: Request): NamedActor {
  const user = currentUser(req);
  return { id: user.id, role: user.role, displayName: user.displayName };
}

/** JSON bodies only: the same path with a form body belongs to the page routes (`next('route')`). */
const jsonBody: RequestHandler = (req, _res, next) => next(req.is('application/json') ? undefined : 'route');

function saved(post: PostRecord) {
  return { id: String(post._id), slug: post.slug, version: post.version, editUrl: `/posts/${post.slug}/edit`, savedAt: post.updatedAt };
}

export function writingRouter(_deps: RouterDeps): Router {
  const router = Router();
  const guard = requireCan('post:create');

  // The same function that renders a body when it is saved (renderBody -> renderMarkdown: marked, the
  // highlighter, the sanitizer's allowlist, library images at their size), so what the preview shows is
  // what readers will get.
  router.post('/posts/preview', jsonBody, guard, validate(previewJson), async (req, res) => {
    const body = await renderBody(inputOf(previewJson, res).body, '');
    res.set('Cache-Control', 'private, no-store');
    res.json({ html: body.bodyHtml, words: body.bodyText ? body.bodyText.split(/\s+/).length : 0, readingMinutes: body.readingMinutes });
  });

  // The first autosave of a new post makes it a draft; the page then moves to that draft's edit URL.
  router.post('/posts/autosave', jsonBody, guard, validate(autosaveNewForm), async (req, res) => {
    const post = await createPost(actorOf(req), toPostInput(inputOf(autosaveNewForm, res)), { ip: req.ip });
    res.set('Cache-Control', 'private, no-store');
    res.status(201).json(saved(post));
  });

  // Through the normal save path: the version guard answers 409 (nothing written) when someone saved
  // since the editor loaded, and only drafts are autosaved.
  router.post('/posts/:slug/autosave', jsonBody, guard, validate(autosaveEditForm), async (req, res) => {
    const input = inputOf(autosaveEditForm, res);
    const post = await updatePost(actorOf(req), String(req.params.slug), input.version, toPostInput(input), { ip: req.ip }, { autosave: true });
    res.set('Cache-Control', 'private, no-store');
    res.json(saved(post));
  });

  return router;
}
