// /feed.xml, /sitemap.xml and /robots.txt: mounted first, as they need neither a session nor a form.
import { Router } from 'express';
import type { RouterDeps } from '../app.js';
import { getSettings } from '../admin/settings.service.js';
import { renderFeed, renderRobots, renderSitemap } from './feeds.js';

export function feedsRouter({ config }: RouterDeps): Router {
  const router = Router();
  const siteUrl = config.siteUrl.replace(/\/+$/, '');

  router.get('/feed.xml', async (_req, res) => {
    res.type('application/rss+xml; charset=utf-8').send(await renderFeed(siteUrl, await getSettings()));
  });

  router.get('/sitemap.xml', async (_req, res) => {
    res.type('application/xml; charset=utf-8').send(await renderSitemap(siteUrl));
  });

  router.get('/robots.txt', (_req, res) => {
    res.type('text/plain; charset=utf-8').send(renderRobots(siteUrl));
  });

  return router;
}
