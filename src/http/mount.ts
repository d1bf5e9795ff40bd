// Routers that serve a few top-level paths, entered only for those paths. Express otherwise enters every
// router for every request and walks its routes (measured at about a tenth of a page-cache miss on the
// home page, which would pass through six routers before the one that answers it).
//
// Each router is checked when it is mounted: a route outside the paths it was given would never be
// reached, so that is an error at start-up, not a silent 404.
import type { RequestHandler, Router } from 'express';
import { escapeRegExp } from '../db/literal-pattern.js';

interface Layer {
  route?: { path: unknown };
  rawPath?: unknown;
}

/** `router`, entered only for `paths` and what lies below them (`/posts` covers `/posts/x/edit`). */
export function under(paths: readonly string[], router: Router): RequestHandler {
  const pattern = new RegExp(`^(?:${paths.map(escapeRegExp).join('|')})(?:/|$)`);
  for (const layer of router.stack as Layer[]) {
    // Middleware of the router itself (`router.use(fn)`, path "/") runs for whatever enters it.
    const declared = layer.route ? [layer.route.path] : [layer.rawPath].flat().filter((path) => path !== '/');
    for (const path of declared) {
      if (typeof path === 'string' && !pattern.test(path)) throw new Error(`router path ${path} is outside ${paths.join(', ')}`);
    }
  }
  return (req, res, next) => (pattern.test(req.path) ? router(req, res, next) : next());
}

/**
 * Middleware run one after another as one Express layer. Express's router pays, for every layer a request
 * passes, a path match, a params step and a closure or two; the middleware that every request passes
 * (headers, cookies, session, CSRF, locals: about twenty layers before any router) cost a page-cache
 * miss more in that bookkeeping than in their own work. The sequence keeps what a layer guarantees: each
 * handler runs in order, `next(err)` (or a throw, or a rejected promise) skips the rest and goes on to
 * Express's error handling, and `next('route')` is a plain `next()`, as it is for any middleware layer.
 * Only plain middleware belongs here: no error handlers, nothing mounted under a path.
 */
export function sequence(handlers: ReadonlyArray<RequestHandler | undefined>): RequestHandler {
  const chain = handlers.filter((h): h is RequestHandler => h !== undefined);
  for (const handler of chain) if (handler.length > 3) throw new Error(`sequence() takes plain middleware, not an error handler (${handler.name})`);
  return (req, res, done) => {
    let at = 0;
    const next = (err?: unknown): void => {
      if (err && err !== 'route') return done(err);
      const handler = chain[at++];
      if (!handler) return done();
      try {
        const returned: unknown = handler(req, res, next);
        if (returned instanceof Promise) returned.then(undefined, (error: unknown) => next(error ?? new Error('Rejected promise')));
      } catch (error) {
        next(error);
      }
    };
    next();
  };
}
