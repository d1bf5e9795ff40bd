// EJS with one shared layout: every `res.render(view, locals)` renders the page, then views/layout.ejs
// around it. Pages set `layout: false` to stand alone (XML, fragments). Templates only render what they
// are given: locals come from handlers and from `pageLocals` below.
// Includes are written from the views root (`include('/partials/image', ...)`): EJS resolves those
// directly, while a relative include costs a file-system existence check on every call (measured at
// about a tenth of a page-cache miss on the home page).
import { join } from 'node:path';
import ejs from 'ejs';
import type { Express, NextFunction, Request, Response } from 'express';
import { can } from '../auth/permissions.js';
import { viewsDir } from '../paths.js';
import { asset } from './assets.js';
import { DEFAULT_SETTINGS, getSettings } from '../admin/settings.service.js';

type Callback = (err: Error | null, html?: string) => void;
type EngineOptions = Record<string, unknown> & { layout?: string | false; cache?: boolean };

export function configureViews(app: Express): void {
  app.set('views', viewsDir);
  app.set('view engine', 'ejs');
  app.engine('ejs', (file: string, options: object, callback: Callback) => {
    const opts = options as EngineOptions;
    // With the view cache on (production), templates compile once and without EJS's line tracking,
    // which roughly halves render time; development keeps line numbers in template errors.
    const cache = Boolean(opts.cache);
    const ejsOptions = { cache, compileDebug: !cache, filename: file, root: viewsDir, rmWhitespace: false };
    ejs.renderFile(file, opts, ejsOptions, (err, body) => {
      if (err) return callback(err);
      if (opts.layout === false) return callback(null, body);
      const layout = join(viewsDir, `${opts.layout ?? 'layout'}.ejs`);
      ejs.renderFile(layout, { ...opts, body }, { ...ejsOptions, filename: layout }, callback);
    });
  });
}

/** Locals every page may use: the signed-in user, the permission check, the site settings, the path. */
export function pageLocals(siteUrl: string) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    res.locals.site = await getSettings();
    res.locals.siteUrl = siteUrl;
    res.locals.path = req.path;
    res.locals.can = can;
    res.locals.asset = asset;
    res.locals.errors ??= {};
    res.locals.values ??= {};
    next();
  };
}

/**
 * For the error page: an error may come before pageLocals ran (or from it, when the database is down),
 * so fill in what the layout needs without failing again.
 */
export async function ensureLayoutLocals(req: Request, res: Response): Promise<void> {
  if (!res.locals.site) res.locals.site = await getSettings().catch(() => DEFAULT_SETTINGS);
  res.locals.path ??= req.path;
  res.locals.can ??= can;
  res.locals.asset ??= asset;
  res.locals.currentUser ??= null;
  res.locals.flash ??= [];
  res.locals.errors ??= {};
  res.locals.values ??= {};
  res.locals.csrfToken ??= () => '';
}
