// The "render" ceiling of npm run bench (scripts/bench-baselines.mjs): a bare Express route that renders
// Quire's home page (template and layout) from data read once at start-up. It reads that data with the
// same functions GET / uses and passes the same locals, so the difference between it and the real GET /
// is everything except rendering: middleware, session, database and caching.
import type { Express } from 'express';
import { getSettings } from '../site/settings.service.js';
import { can } from '../site/permissions.js';
import { ensureDevelopmentSecret, loadConfig } from '../config.js';
import { connectDatabase } from '../db/connect.js';
import { asset } from '../http/assets.js';
import { configureViews } from '../http/views.js';
import { createLogger } from '../logger.js';
import { LocalDiskStorage } from '../media/storage.js';
import { formatDate } from '../http/format.js';
import { publicPage } from '../posts/reading.service.js';

export async function renderHomeBaseline(app: Express): Promise<void> {
  ensureDevelopmentSecret();
  const config = loadConfig();
  const logger = createLogger({ ...config, logLevel: 'warn' });
  await connectDatabase(config, logger);
  const storage = new LocalDiskStorage(config.uploadDir, '/uploads');
  const site = await getSettings();
  const list = await publicPage({ kind: 'all' }, 1, site.postsPerPage, storage);
  if (!list) throw new Error('the home page has no posts: seed the database first');
  const siteUrl = config.siteUrl.replace(/\/+$/, '');

  const locals = {
    // What GET / passes...
    title: undefined,
    canonical: `${siteUrl}/`,
    list,
    pagination: { page: list.page, pageCount: list.pageCount, href: (n: number) => (n === 1 ? '/' : `/?page=${n}`) },
    formatDate,
    // ...and what the middleware gives every anonymous page.
    site,
    siteUrl,
    currentUser: null,
    can,
    asset,
    path: '/',
    flash: [],
    errors: {},
    values: {},
    csrfToken: () => '',
  };

  configureViews(app);
  app.enable('view cache');
  app.get('/', (_req, res) => {
    res.render('posts/home', locals);
  });
}
