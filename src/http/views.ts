// EJS with one shared layout: every `res.render(view, locals)` renders the page, then views/layout.ejs
// around it. Pages set `layout: false` to stand alone (XML, fragments). Templates only render what they
// are given: locals come from handlers and from `pageLocals` below, plus `fragment` (templates.ts).
// Templates are compiled by EJS and run by templates.ts, which binds their locals as plain variables
// instead of EJS's `with` scope (a list page renders about five times faster).
import { join } from 'node:path';
import type { Express, NextFunction, Request, Response } from 'express';
import { viewsDir } from '../paths.js';
import { asset } from './assets.js';
import { dateFormats, type DateFormats } from './format.js';
import { PageParts } from './page-parts.js';
import { Templates, type Locals } from './templates.js';

type Callback = (err: Error | null, html?: string) => void;
type EngineOptions = Locals & { layout?: string | false; cache?: boolean };

export function configureViews(app: Express): void {
  app.set('views', viewsDir);
  app.set('view engine', 'ejs');
  // With the view cache on (production) templates compile once, without EJS's line tracking; otherwise a
  // template recompiles when its file changes and errors name the template line.
  const cached = new Templates({ root: viewsDir, watch: false });
  const watched = new Templates({ root: viewsDir, watch: true });
  app.engine('ejs', (file: string, options: object, callback: Callback) => {
    // Express made `options` for this render alone (app.render merges app.locals, res.locals and the
    // handler's locals into a new object): it is the locals, with `fragment` and `body` added, not copied.
    const locals = options as EngineOptions;
    const layout = locals.layout;
    const cache = Boolean(locals.cache);
    const templates = cache ? cached : watched;
    // A page rendered for the page cache gets its fragments as markers of its parts (page-parts.ts).
    const parts = locals.pageParts;
    locals.fragment = parts instanceof PageParts ? templates.fragmentInto(parts) : templates.fragment;
    let html: string;
    try {
      const body = templates.get(file)(locals);
      if (layout === false) html = body;
      else {
        locals.body = body;
        html = templates.get(join(viewsDir, `${layout ?? 'layout'}.ejs`))(locals);
      }
    } catch (err) {
      return callback(err as Error);
    }
    callback(null, html);
  });
}

/**
 * What every page's layout needs from above this layer, handed in by createApp (http/ sits below the
 * domains and the site services, and imports neither): the site settings and the permission check.
 */
export interface PageContext<Site extends object = object> {
  siteUrl: string;
  /** The settings when they are in memory already (every request after the first), without waiting. */
  loadedSettings(): Site | undefined;
  getSettings(): Promise<Site>;
  /** What the layout shows when the settings cannot be read (the database is down). */
  defaultSettings: Site;
  can: (...args: never[]) => boolean;
}

/**
 * The date formats of the signed-in user's zone (loadUser put the user on res.locals), or of the site's
 * zone for everyone else: formatDate, formatDateTime, formatTime, and `dates` (with the zone's name and
 * label). Made once per zone (format.ts), only looked up here.
 */
function setDateFormats(res: Response): void {
  const dates = dateFormats(res.locals.currentUser?.timeZone || undefined);
  res.locals.dates = dates;
  res.locals.formatDate = dates.formatDate;
  res.locals.formatDateTime = dates.formatDateTime;
  res.locals.formatTime = dates.formatTime;
}

/** The date formats pageLocals chose for this request (the user's zone, or the site's), for handlers. */
export function datesOf(res: Response): DateFormats {
  return (res.locals.dates as DateFormats | undefined) ?? dateFormats();
}

/** Locals every page may use: the signed-in user, the permission check, the site settings, the path, the date formats. */
export function pageLocals(ctx: PageContext) {
  const fill = (req: Request, res: Response, site: object) => {
    res.locals.site = site;
    res.locals.siteUrl = ctx.siteUrl;
    res.locals.path = req.path;
    res.locals.can = ctx.can;
    res.locals.asset = asset;
    setDateFormats(res);
    res.locals.errors ??= {};
    res.locals.values ??= {};
  };
  // Synchronous once the settings are in memory: a promise per request is measurable on a cache miss.
  return (req: Request, res: Response, next: NextFunction): void => {
    const site = ctx.loadedSettings();
    if (site) {
      fill(req, res, site);
      return next();
    }
    ctx.getSettings().then((loaded) => {
      fill(req, res, loaded);
      next();
    }, next);
  };
}

/**
 * For the error page: an error may come before pageLocals ran (or from it, when the database is down),
 * so fill in what the layout needs without failing again.
 */
export async function ensureLayoutLocals(req: Request, res: Response, ctx: PageContext): Promise<void> {
  if (!res.locals.site) res.locals.site = await ctx.getSettings().catch(() => ctx.defaultSettings);
  res.locals.path ??= req.path;
  res.locals.can ??= ctx.can;
  res.locals.asset ??= asset;
  if (!res.locals.dates) setDateFormats(res);
  res.locals.currentUser ??= null;
  res.locals.flash ??= [];
  res.locals.errors ??= {};
  res.locals.values ??= {};
  res.locals.csrfToken ??= () => '';
}
