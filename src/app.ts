// createApp(deps): the whole HTTP application (middleware, routers, error handler) without listening or
// connecting, so tests drive it through supertest and server.ts runs it. Reads like a table of contents.
import compression from 'compression';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import './wiring.js';
import { adminRouter } from './admin/admin.router.js';
import { authRouter } from './auth/auth.router.js';
import { passwordResetRouter } from './auth/password-reset.router.js';
import { emailVerificationRouter, verificationLocals } from './auth/email-verification.router.js';
import { invitationRouter } from './auth/invitation.router.js';
import { deriveKeys } from './auth/keys.js';
import { explainSuspension, loadUser, requireSetupComplete, requireStaffTwoFactor } from './auth/middleware.js';
import { twoFactorRouter } from './auth/two-factor.router.js';
import { commentsRouter } from './comments/comments.router.js';
import type { Config } from './config.js';
import type { RouterDeps } from './router-deps.js';
import { mountStaticAssets } from './http/assets.js';
import { csrfProtection } from './http/csrf.js';
import { can } from './site/permissions.js';
import { errorHandler, notFound } from './http/error-handler.js';
import { DEFAULT_SETTINGS, getSettings, loadedSettings } from './site/settings.service.js';
import { flashMessages } from './http/flash.js';
import { sequence, under } from './http/mount.js';
import { userLimits } from './http/user-limits.js';
import { PageCache } from './http/page-cache.js';
import type { TimeBudgetOptions } from './http/time-budget.js';
import { readCookies } from './http/personal.js';
import { requestLogger } from './http/request-log.js';
import { configureViews, pageLocals, type PageContext } from './http/views.js';
import type { Logger } from './logger.js';
import { createMailer, type Mailer } from './mail/mailer.js';
import { mediaRouter } from './media/media.router.js';
import { configuredStorage } from './media/storage-choice.js';
import type { Storage } from './media/storage.js';
import { navigationLocals, navigationRouter } from './pages/navigation.router.js';
import { pagesRouter } from './pages/pages.router.js';
import { authoringRouter } from './posts/authoring.router.js';
import { writingRouter } from './posts/writing.router.js';
import { feedsRouter } from './posts/feeds.router.js';
import { publicRouter } from './posts/public.router.js';
import { cdnPurgerFor } from './site/cdn-purge.js';
import { healthRouter } from './site/health.router.js';
import { oldPermalinks } from './site/redirects.js';
import { accountRouter } from './auth/account.router.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  /** Media storage; the one STORAGE chooses (local disk under UPLOAD_DIR by default) unless a test passes another. */
  storage?: Storage;
  /** Outgoing mail; from SMTP_URL (or the DATA_DIR outbox) unless a test passes another. */
  mailer?: Mailer;
  /** The anonymous page cache: on by default, off under NODE_ENV=test unless asked for. */
  pageCache?: boolean;
  /** Waits between retries of a CDN purge (site/cdn-purge.ts); tests shorten them. */
  purgeRetryDelaysMs?: number[];
  /** What searches may spend (posts/public.router.ts: SEARCH_BUDGET); tests make it small. */
  searchBudget?: TimeBudgetOptions;
}

// Public pages that anonymous visitors may be served from the page cache.
const PUBLIC_PAGES = /^\/(?:$|posts\/[^/]+\/?$|pages\/[^/]+\/?$|authors(?:\/|$)|tags(?:\/|$)|search\/?$|feed\.xml$|sitemap\.xml$|robots\.txt$)/;

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

/** The origin media is served from when it is not this site (an S3 bucket or a CDN in front of it). */
function mediaOrigins(storage: Storage): string[] {
  const sample = storage.url('media/x');
  return /^https?:\/\//i.test(sample) ? [new URL(sample).origin] : [];
}

export function createApp({ config, logger, storage, mailer, pageCache, purgeRetryDelaysMs, searchBudget }: AppDeps): Express {
  const app = express();
  const deps: RouterDeps = {
    config,
    logger,
    keys: deriveKeys(config.jwtSecret, config.previousJwtSecret),
    storage: storage ?? configuredStorage(config),
    mailer: mailer ?? createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, dataDir: config.dataDir, logger }),
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

  const securityHeaders = helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          // Media served from a bucket or CDN (S3_PUBLIC_URL) is allowed from that origin only.
          imgSrc: ["'self'", 'data:', ...mediaOrigins(deps.storage)],
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
  });
  // Request logs first, so that pages answered from the page cache are logged too. They are info-level:
  // below that level nothing is mounted, so a request pays nothing for them.
  const logRequests = logger.isLevelEnabled('info') ? requestLogger(logger) : undefined;
  // Cookies are parsed once, before the page cache, which decides "anonymous" from that same parse as the
  // session loader does (http/personal.ts).
  const cookies = readCookies(deps.keys.cookies);
  const compress = compression();
  let cacheMiddleware: RequestHandler | undefined;
  if (pageCache ?? config.env !== 'test') {
    // The cache compresses the pages it answers from its entries and runs `compress` for every other response.
    const cache = new PageCache({ paths: PUBLIC_PAGES, compress });
    cache.listen();
    app.locals.pageCache = cache;
    cacheMiddleware = cache.middleware();
    // Stored pages are answered before Express (with the headers the middleware above gave them when they
    // were rendered); the middleware still renders, stores and coalesces the misses.
    cache.inFrontOf(app, cookies.decide, logRequests);
  }
  // Content changes made here are purged from the CDN (CDN_PURGE_URL, Cloudflare), when one is configured.
  app.locals.cdnPurger = cdnPurgerFor(config.cdn, logger, purgeRetryDelaysMs)?.start();
  // What every request passes, in this order, as one layer (http/mount.ts: sequence).
  app.use(sequence([securityHeaders, logRequests, permissionsPolicy, cookies, cacheMiddleware ?? compress]));

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
  // The editor's preview and autosave send a whole post body as JSON (up to 200,000 characters, which is
  // more than 256 kB in most scripts other than Latin): the same 1 MB as the form.
  app.use(['/posts/preview', '/posts/autosave', '/posts/:slug/autosave'], express.json({ limit: '1mb' }));
  // The session, its limits, CSRF, flash and the locals of every page, in this order, as one layer.
  app.use(
    sequence([
      express.json({ limit: '256kb' }),
      loadUser(deps.keys.session, config.secureCookies),
      userLimits({ exempt: ['/signout', '/account/signout-everywhere'] }),
      csrfProtection({ key: deps.keys.csrf, secure: config.secureCookies, siteUrl: config.siteUrl }),
      flashMessages(config.secureCookies),
      explainSuspension,
      pageLocals(page),
      navigationLocals(),
      requireSetupComplete,
      requireStaffTwoFactor(async () => (await getSettings()).require2faForStaff),
      verificationLocals,
    ]),
  );

  // Each router is entered only for the paths it serves (src/http/mount.ts); order still decides between
  // routers that share a prefix (GET /posts/new is the editor, not a post called "new").
  app.use(
    sequence([
      under(['/feed.xml', '/sitemap.xml', '/robots.txt'], feedsRouter(deps)),
      under(['/signin/2fa', '/account/2fa'], twoFactorRouter(deps)),
      under(['/setup', '/signup', '/signin', '/signout'], authRouter(deps)),
      under(['/password'], passwordResetRouter(deps)),
      under(['/invite'], invitationRouter(deps)),
      under(['/verify-email'], emailVerificationRouter(deps)),
      under(['/account'], accountRouter(deps)),
      under(['/posts'], writingRouter(deps)),
      under(['/dashboard', '/posts'], authoringRouter(deps)),
      under(['/media'], mediaRouter(deps)),
      under(['/pages', '/admin/pages'], pagesRouter(deps)),
      under(['/admin/settings/navigation'], navigationRouter(deps)),
    ]),
  );
  app.use('/admin', adminRouter(deps));
  app.use(
    sequence([
      under(['/posts', '/comments', '/admin/comments'], commentsRouter(deps)),
      publicRouter(deps, searchBudget),
      // Imported sites' old addresses (WordPress, Ghost) answer 301 to where the content lives now.
      oldPermalinks(),
    ]),
  );

  app.use(notFound);
  app.use(errorHandler(logger, !config.isProduction, page));
  return app;
}
