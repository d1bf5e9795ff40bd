// createApp(deps): the whole HTTP application (middleware, routers, error handler) without listening or
// connecting, so tests drive it through supertest and server.ts runs it. Reads like a table of contents.
import compression from 'compression';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { adminRouter } from './admin/admin.router.js';
import { authRouter } from './auth/auth.router.js';
import { deriveKeys } from './auth/keys.js';
import { loadUser, requireSetupComplete } from './auth/middleware.js';
import { commentsRouter } from './comments/comments.router.js';
import type { Config } from './config.js';
import type { RouterDeps } from './router-deps.js';
import { mountStaticAssets } from './http/assets.js';
import { csrfProtection } from './http/csrf.js';
import { can } from './auth/permissions.js';
import { errorHandler, notFound } from './http/error-handler.js';
import { DEFAULT_SETTINGS, getSettings, loadedSettings } from './site/settings.service.js';
import { flashMessages } from './http/flash.js';
import { under } from './http/mount.js';
import { userLimits } from './http/user-limits.js';
import { PageCache } from './http/page-cache.js';
import { readCookies } from './http/personal.js';
import { requestLogger } from './http/request-log.js';
import { configureViews, pageLocals, type PageContext } from './http/views.js';
import type { Logger } from './logger.js';
import { mediaRouter } from './media/media.router.js';
import { LocalDiskStorage, type Storage } from './media/storage.js';
import { authoringRouter } from './posts/authoring.router.js';
import { feedsRouter } from './posts/feeds.router.js';
import { publicRouter } from './posts/public.router.js';
import { healthRouter } from './site/health.router.js';
import { oldPermalinks } from './site/redirects.js';
import { accountRouter } from './users/account.router.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  /** Media storage; local disk under UPLOAD_DIR unless a test or deployment passes another. */
  storage?: Storage;
  /** The anonymous page cache: on by default, off under NODE_ENV=test unless asked for. */
  pageCache?: boolean;
}

// Public pages that anonymous visitors may be served from the page cache.
const PUBLIC_PAGES = /^\/(?:$|posts\/[^/]+\/?$|authors\/|tags\/|search\/?$|feed\.xml$|sitemap\.xml$|robots\.txt$)/;

// Powerful browser features Quire never uses are switched off for its pages and anything they embed
// (a sanitized post body included); interest-cohort and browsing-topics opt out of ad-interest tracking.
const PERMISSIONS_POLICY = [
  'accelerometer=()',
  'ambient-light-sensor=()',
  'autoplay=()',
  'browsing-topics=()',
  'camera=()',
  'display-capture=()',
  'geolocation=()',
  'gyroscope=()',
  'hid=()',
  'interest-cohort=()',
  'magnetometer=()',
  'microphone=()',
  'midi=()',
  'payment=()',
  'serial=()',
  'usb=()',
  'xr-spatial-tracking=()',
].join(', ');

const permissionsPolicy: RequestHandler = (_req, res, next) => {
  res.setHeader('Permissions-Policy', PERMISSIONS_POLICY);
  next();
};


export function createApp({ config, logger, storage, pageCache }: AppDeps): Express {
  const app = express();
  const deps: RouterDeps = {
    config,
    logger,
    keys: deriveKeys(config.jwtSecret),
    storage: storage ?? new LocalDiskStorage(config.uploadDir, '/uploads'),
  };

  // Express's own fallbacks (finalhandler, when the error page itself fails) print stacks unless its env is
  // production: take it from the config, not from whatever NODE_ENV the process happens to have.
  app.set('env', config.env);
  // What every page's layout needs from the site settings and the permission table (http/views.ts).
  const page: PageContext = { siteUrl: config.siteUrl, loadedSettings, getSettings, defaultSettings: DEFAULT_SETTINGS, can };
  app.set('trust proxy', config.trustProxy);
  app.set('etag', 'strong');
  configureViews(app);
  if (config.isProduction) app.enable('view cache');

  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          ...(config.siteUrl.startsWith('https://') ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      strictTransportSecurity: config.siteUrl.startsWith('https://'),
      // same-origin, not no-referrer: under no-referrer browsers send `Origin: null` with this site's own
      // form posts, and the CSRF check could not tell them from a sandboxed attacker's. Other sites still
      // get no Referer (query strings may carry a CSRF token or search terms).
      referrerPolicy: { policy: 'same-origin' },
      // DENY says what frame-ancestors 'none' says, for browsers that only know the older header
      // (helmet's default SAMEORIGIN would contradict the CSP).
      xFrameOptions: { action: 'deny' },
    }),
  );
  // Request logs first, so that pages answered from the page cache are logged too. They are info-level:
  // below that level nothing is mounted, so a request pays nothing for them.
  if (logger.isLevelEnabled('info')) app.use(requestLogger(logger));
  app.use(permissionsPolicy);
  // Cookies are parsed once, before the page cache, which decides "anonymous" from that same parse as the
  // session loader does (http/personal.ts).
  app.use(readCookies(deps.keys.cookies));
  if (pageCache ?? config.env !== 'test') {
    const cache = new PageCache({ paths: PUBLIC_PAGES });
    cache.listen();
    app.locals.pageCache = cache;
    app.use(cache.middleware());
  }
  app.use(compression());

  // Static files: no session, no database.
  mountStaticAssets(app);
  app.use(
    '/uploads',
    express.static(config.uploadDir, {
      index: false,
      dotfiles: 'deny',
      immutable: true,
      maxAge: '365d',
      // Names come from ids, content is re-encoded by sharp; nosniff keeps it an image in every browser.
      setHeaders: (res) => res.set('X-Content-Type-Options', 'nosniff'),
    }),
  );
  app.use(under(['/healthz'], healthRouter()));

  // Bodies: flat urlencoded forms (no nested objects from `a[b]=c`), small JSON for scripts.
  // 1 MB: a post body of 200,000 characters (the editor's limit) can encode to more than 256 kB.
  app.use(express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 200 }));
  app.use(express.json({ limit: '256kb' }));
  app.use(loadUser(deps.keys.session, config.secureCookies));
  app.use(userLimits({ exempt: ['/signout', '/account/signout-everywhere'] }));
  app.use(csrfProtection({ key: deps.keys.csrf, secure: config.secureCookies, siteUrl: config.siteUrl }));
  app.use(flashMessages(config.secureCookies));
  app.use(pageLocals(page));
  app.use(requireSetupComplete);

  // Each router is entered only for the paths it serves (src/http/mount.ts); order still decides between
  // routers that share a prefix (GET /posts/new is the editor, not a post called "new").
  app.use(under(['/feed.xml', '/sitemap.xml', '/robots.txt'], feedsRouter(deps)));
  app.use(under(['/setup', '/signup', '/signin', '/signout'], authRouter(deps)));
  app.use(under(['/account'], accountRouter(deps)));
  app.use(under(['/dashboard', '/posts'], authoringRouter(deps)));
  app.use(under(['/media'], mediaRouter(deps)));
  app.use('/admin', adminRouter(deps));
  app.use(under(['/posts', '/comments', '/admin/comments'], commentsRouter(deps)));
  app.use(publicRouter(deps));
  // Imported sites' old addresses (WordPress, Ghost) answer 301 to where the content lives now.
  app.use(oldPermalinks());

  app.use(notFound);
  app.use(errorHandler(logger, !config.isProduction, page));
  return app;
}
