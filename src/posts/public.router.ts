// What readers see: the home page, posts, author and tag pages, and search. Every page gets a real title,
// a description and an absolute canonical URL; posts also get Open Graph and Twitter card tags.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { sharedCachePolicy, type SiteSettings } from '../site/settings.service.js';
import { markCacheable, surrogateKey } from '../http/cdn-headers.js';
import { NotFound } from '../http/errors.js';
import { form, pageNumber, paramsOf, pathSegment, queryOf, validateParams, validateQuery } from '../http/validate.js';
import { postSlugParams } from './post-params.js';
import { formatDate } from '../http/format.js';
import { postComments } from './post-comments.js';
import { highlight } from '../http/highlight.js';
import { TimeBudget, type TimeBudgetOptions, type WorkMeter } from '../http/time-budget.js';
import { clientAddressKey } from '../auth/attempt-limits.js';
import { authorIndex, authorPage, postForReader, publicPage, searchPosts, SEARCH_MAX_LENGTH, tagIndex, tagPage } from './reading.service.js';

const pageQuery = z.object({ page: pageNumber });
// Usernames and tag slugs are at most 60 characters: longer paths are not looked up (404).
const authorParams = z.object({ username: pathSegment(60) });
const tagParams = z.object({ slug: pathSegment(60) });
const tagsQuery = z.object({ sort: z.enum(['name', 'count']).catch('name') });
const searchQuery = z.object({
  q: z.string().trim().max(SEARCH_MAX_LENGTH, `Searches are limited to ${SEARCH_MAX_LENGTH} characters.`).optional().default(''),
  page: pageNumber,
  after: z.string().max(60).optional().catch(undefined),
});

/**
 * What searches may spend on this process's event loop (http/time-budget.ts). A search that takes under
 * 20 ms is free: nearly all of them, at any size (a rare word, a cached query). A phrase of common words at
 * 100,000 posts takes 50-150 ms: an address may spend 3 s of those in a burst and 3 s a minute after
 * that, about thirty such searches a minute; all addresses together 4 s in a burst and 300 ms a second
 * (under a third of the process) after that.
 */
export const SEARCH_BUDGET: TimeBudgetOptions = {
  freeMs: 20,
  perClient: { burstMs: 3_000, refillMsPerSecond: 50 },
  overall: { burstMs: 4_000, refillMsPerSecond: 300 },
  tooMuchMessage: 'You have run many slow searches in a short time. Please wait a minute and search again.',
  busyMessage: 'Search is busy right now. Please try again in a few seconds.',
};

/** The page numbers a pager shows: the first, the last, and two either side of the current one; null is a gap. */
export function pageNumbers(page: number, pageCount: number): Array<number | null> {
  const shown = [...new Set([1, page - 2, page - 1, page, page + 1, page + 2, pageCount])].filter((n) => n >= 1 && n <= pageCount).sort((a, b) => a - b);
  const out: Array<number | null> = [];
  for (const n of shown) {
    const previous = out[out.length - 1];
    if (typeof previous === 'number' && n - previous === 2) out.push(previous + 1);
    else if (typeof previous === 'number' && n - previous > 2) out.push(null);
    out.push(n);
  }
  return out;
}

/** Links to pages of a list: page 1 is the bare path. */
function pager(path: string, page: number, pageCount: number) {
  return { page, pageCount, numbers: pageNumbers(page, pageCount), href: (n: number) => (n === 1 ? path : `${path}?page=${n}`) };
}

export function publicRouter({ config, storage }: RouterDeps, searchBudget: TimeBudgetOptions = SEARCH_BUDGET): Router {
  const router = Router();
  const searches = new TimeBudget(searchBudget);
  const siteUrl = config.siteUrl.replace(/\/+$/, '');
  const perPage = (res: Response) => (res.locals.site as SiteSettings).postsPerPage;
  const canonical = (path: string, page = 1) => `${siteUrl}${page > 1 ? `${path}?page=${page}` : path}`;
  // The surrogate keys of a page: what it is, and every post it shows (a CDN purges it by any of them).
  const cacheable = (req: Request, res: Response, keys: string[], posts: Array<{ id: string }> = []) =>
    markCacheable(req, res, [...keys, ...posts.map((p) => surrogateKey.post(p.id))], sharedCachePolicy(res.locals.site as SiteSettings));

  router.get('/', validateQuery(pageQuery), home);
  router.get('/posts/:slug', validateParams(postSlugParams), showPost);
  router.get('/authors', authors);
  router.get('/tags', validateQuery(tagsQuery), tags);
  router.get('/authors/:username', validateParams(authorParams), validateQuery(pageQuery), showAuthor);
  router.get('/tags/:slug', validateParams(tagParams), validateQuery(pageQuery), showTag);
  router.get('/search', form('posts/search', searchLocals), validateQuery(searchQuery), search);
  return router;

  async function home(req: Request, res: Response) {
    const { page } = queryOf(pageQuery, res);
    const list = await publicPage({ kind: 'all' }, page, perPage(res), storage);
    if (!list) throw new NotFound();
    cacheable(req, res, [surrogateKey.list('home')], list.posts);
    res.render('posts/home', {
      title: page > 1 ? `Page ${page}` : undefined,
      canonical: canonical('/', page),
      list,
      pagination: pager('/', list.page, list.pageCount),
      formatDate,
    });
  }

  async function showPost(req: Request, res: Response) {
    const found = await postForReader(paramsOf(postSlugParams, res).slug, req.user, storage);
    if (!found) throw new NotFound();
    if (found.kind === 'moved') return res.redirect(301, `/posts/${found.slug}`);
    const post = found.post;
    const url = `${siteUrl}/posts/${post.slug}`;
    const live = post.status === 'published';
    // A draft or scheduled post is only ever rendered for someone who may edit it.
    if (!live) res.set('Cache-Control', 'private, no-store');
    else cacheable(req, res, [surrogateKey.post(post.id)]);
    res.render('posts/post', {
      title: post.title,
      description: post.excerpt,
      canonical: url,
      noindex: !live,
      meta: {
        type: 'article',
        title: post.title,
        description: post.excerpt,
        url,
        image: post.coverLargest ? absolute(siteUrl, post.coverLargest) : undefined,
        publishedTime: live && post.publishedAt ? post.publishedAt.toISOString() : undefined,
      },
      post,
      preview: false,
      formatDate,
      comments: live ? await postComments().threadFor(post.id, req.user ?? null) : null,
    });
  }

  async function authors(_req: Request, res: Response) {
    res.render('posts/authors', { title: 'Authors', description: `The people who write for ${(res.locals.site as SiteSettings).title}.`, canonical: canonical('/authors'), authors: await authorIndex() });
  }

  async function tags(_req: Request, res: Response) {
    const { sort } = queryOf(tagsQuery, res);
    res.render('posts/tags', { title: 'Tags', description: 'Every tag, with its number of posts.', canonical: canonical('/tags'), tags: await tagIndex(sort), sort });
  }

  async function showAuthor(req: Request, res: Response) {
    const { page } = queryOf(pageQuery, res);
    const found = await authorPage(paramsOf(authorParams, res).username, page, perPage(res), storage);
    if (!found) throw new NotFound();
    const path = found.author.url;
    cacheable(req, res, [surrogateKey.author(found.author.id)], found.list.posts);
    res.render('posts/author', {
      title: page > 1 ? `${found.author.displayName} · Page ${page}` : found.author.displayName,
      description: found.author.bio ? found.author.bio.slice(0, 200) : `Posts by ${found.author.displayName}.`,
      canonical: canonical(path, page),
      meta: { type: 'profile', title: found.author.displayName, description: found.author.bio.slice(0, 200) || `Posts by ${found.author.displayName}.`, url: canonical(path) },
      author: found.author,
      list: found.list,
      pagination: pager(path, found.list.page, found.list.pageCount),
      formatDate,
    });
  }

  async function showTag(req: Request, res: Response) {
    const { page } = queryOf(pageQuery, res);
    const found = await tagPage(paramsOf(tagParams, res).slug, page, perPage(res), storage);
    if (!found) throw new NotFound();
    const path = `/tags/${found.tag.slug}`;
    cacheable(req, res, [surrogateKey.tag(found.tag.slug)], found.list.posts);
    res.render('posts/tag', {
      title: page > 1 ? `${found.tag.name} · Page ${page}` : found.tag.name,
      description: `Posts tagged “${found.tag.name}”.`,
      canonical: canonical(path, page),
      tag: found.tag,
      list: found.list,
      pagination: pager(path, found.list.page, found.list.pageCount),
      formatDate,
    });
  }

  async function search(req: Request, res: Response) {
    const { q, page, after } = queryOf(searchQuery, res);
    let results = null;
    if (q) {
      // Charged for the time its searches took, whatever page it asked for (one past the last included).
      const client = clientAddressKey(req);
      searches.check(client);
      const meter: WorkMeter = { ms: 0 };
      try {
        results = await searchPosts(q, { page, after }, perPage(res), storage, { meter });
      } finally {
        searches.charge(client, meter.ms);
      }
      if (!results) throw new NotFound();
    }
    cacheable(req, res, [surrogateKey.list('search')], results?.posts);
    const base = `/search?q=${encodeURIComponent(q)}`;
    res.render('posts/search', {
      ...searchLocals(),
      title: q ? `Search: ${q}` : 'Search',
      q,
      results,
      // Numbered pages over the counted results; past them, keyset pages ("Older results").
      pagination: results?.page ? { ...pager(base, results.page, results.pageCount), href: (n: number) => (n === 1 ? base : `${base}&page=${n}`) } : null,
      nextHref: results?.next ? `${base}&after=${results.next}` : null,
      firstHref: after ? base : null,
      highlight,
      formatDate,
    });
  }

  function searchLocals() {
    // Result pages are endless variations of one page: keep them out of search engines.
    return { title: 'Search', description: 'Search the posts.', canonical: `${siteUrl}/search`, noindex: true, q: '', results: null, pagination: null, nextHref: null, firstHref: null, highlight, formatDate };
  }
}

function absolute(siteUrl: string, url: string): string {
  return /^https?:\/\//.test(url) ? url : `${siteUrl}${url.startsWith('/') ? '' : '/'}${url}`;
}
