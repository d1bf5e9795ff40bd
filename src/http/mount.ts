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
