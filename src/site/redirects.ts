// Old permalinks of imported content: a GET or HEAD that no route answered is looked up in the redirects
// collection before the 404 page, and answered 301 with the new path. One indexed read per unknown path,
// and none at all while the site has no redirects (the usual case: a flag, re-read when content changes).
import type { RequestHandler } from 'express';
import { onContentChange } from '../http/content-version.js';
import { normalizeRedirectPath, Redirect } from './redirect.model.js';

export function oldPermalinks(): RequestHandler {
  let anyKnown: Promise<boolean> | null = null;
  onContentChange(() => {
    anyKnown = null;
  });
  return async (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    anyKnown ??= Redirect.exists({}).then((doc) => doc !== null);
    if (!(await anyKnown)) return next();
    const path = normalizeRedirectPath(req.path);
    const found = await Redirect.findOne({ path }, 'to').lean();
    if (!found) return next();
    res.redirect(301, found.to);
  };
}
