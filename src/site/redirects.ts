// Old permalinks of imported content: a GET or HEAD that no route answered is looked up in the redirects
// collection before the 404 page, and answered 301 with the new path. One indexed read per unknown path,
// and none at all while the site has no redirects (the usual case: a flag, re-read when the redirects change).
import type { RequestHandler } from 'express';
import { onChange } from '../db/changes.js';
import { normalizeRedirectPath, Redirect, REDIRECTS_TOPIC } from './redirect.model.js';

export function oldPermalinks(): RequestHandler {
  let anyKnown: Promise<boolean> | null = null;
  onChange(() => {
    anyKnown = null;
  }, [REDIRECTS_TOPIC]);
  return async (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    let found: { to: string } | null = null;
    try {
      anyKnown ??= Redirect.exists({}).then((doc) => doc !== null);
      if (await anyKnown) found = await Redirect.findOne({ path: normalizeRedirectPath(req.path) }, 'to').lean();
    } catch {
      // The database is away: an unknown path is still a 404 (not an error page), and the next request asks again.
      anyKnown = null;
    }
    if (!found) return next();
    res.redirect(301, found.to);
  };
}
