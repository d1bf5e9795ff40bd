// /feed.xml, /sitemap.xml and /robots.txt: mounted first, as they need neither a session nor a form.
import { Router } from 'express';
import type { RouterDeps } from '../router-deps.js';
import { getSettings } from '../site/settings.service.js';
import { renderFeed, renderRobots, renderSitemap } from './feeds.js';

export function feedsRouter({ config, storage }: RouterDeps): Router {
  const router = Router();
  const siteUrl = config.siteUrl.replace(/\/+$/, '');
  // Uploads served from elsewhere (a bucket or CDN: an absolute URL) count as this site's own images.
  const mediaUrl = storage.url('media/x');
  const mediaOrigins = /^https?:\/\//i.test(mediaUrl) ? [mediaUrl] : [];

  router.get('/feed.xml', async (_req, res) => {
    res.type('application/rss+xml; charset=utf-8').send(await renderFeed(siteUrl, await getSettings(), new Date(), mediaOrigins));
  });

  router.get('/sitemap.xml', async (_req, res) => {
    res.type('application/xml; charset=utf-8').send(await renderSitemap(siteUrl));
  });

  router.get('/robots.txt', (_req, res) => {
    res.type('text/plain; charset=utf-8').send(renderRobots(siteUrl));
  });

  return router;
}
