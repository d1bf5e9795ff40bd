// /feed.xml, /sitemap.xml and /robots.txt: mounted first, as they need neither a session nor a form.
import { Router, type Request, type Response } from 'express';
import type { RouterDeps } from '../router-deps.js';
import { markCacheable, surrogateKey } from '../http/cdn-headers.js';
import { getSettings, sharedCachePolicy } from '../site/settings.service.js';
import { renderFeed, renderRobots, renderSitemap } from './feeds.js';

export function feedsRouter({ config, storage }: RouterDeps): Router {
  const router = Router();
  const siteUrl = config.siteUrl.replace(/\/+$/, '');
  // Uploads served from elsewhere (a bucket or CDN: an absolute URL) count as this site's own images.
  const mediaUrl = storage.url('media/x');
  const mediaOrigins = /^https?:\/\//i.test(mediaUrl) ? [mediaUrl] : [];

  router.get('/feed.xml', feed);
  router.get('/sitemap.xml', sitemap);
  router.get('/robots.txt', robots);
  return router;

  async function feed(req: Request, res: Response) {
    const site = await getSettings();
    const body = await renderFeed(siteUrl, site, new Date(), mediaOrigins);
    markCacheable(req, res, [surrogateKey.list('feed')], sharedCachePolicy(site));
    res.type('application/rss+xml; charset=utf-8').send(body);
  }

  async function sitemap(req: Request, res: Response) {
    const body = await renderSitemap(siteUrl);
    markCacheable(req, res, [surrogateKey.list('sitemap')], sharedCachePolicy(await getSettings()));
    res.type('application/xml; charset=utf-8').send(body);
  }

  async function robots(req: Request, res: Response) {
    markCacheable(req, res, [], sharedCachePolicy(await getSettings()));
    res.type('text/plain; charset=utf-8').send(renderRobots(siteUrl));
  }
}
