// What a CDN in front of Quire may keep, and under which names it can be purged.
//
// An anonymous public page says `Cache-Control: public, max-age=0, s-maxage=N, stale-while-revalidate=M`
// (browsers check again every time; a shared cache keeps it N seconds, and M more while it refreshes; N
// and M are site settings) and lists its surrogate keys twice, in `Surrogate-Key` (Fastly, Varnish:
// space-separated) and `Cache-Tag` (Cloudflare: comma-separated): the key of every post it shows, of the
// tag, author or list it is, and `site`, which every page carries. On a change Quire purges exactly the
// keys that change names (site/cdn-purge.ts), `site` when it cannot tell.
//
// Personal responses never carry any of this: a request the page cache calls personal (http/personal.ts)
// gets `private, no-cache`, and a response marked personal while it renders loses these headers
// (markPersonal, and the error handler, call dropSharedCacheHeaders).
//
// cacheablePageHeaders() is the one function that computes them: the page cache stores and replays what
// it returned for the page (http/page-cache.ts), so hits and misses say the same.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isPersonalRequest, isPersonalResponse } from './personal.js';

export interface SharedCachePolicy {
  /** s-maxage: how long a shared cache may keep the page. */
  maxAgeSeconds: number;
  /** stale-while-revalidate: how long after that it may serve it while refreshing. */
  staleSeconds: number;
}

/** The key every cacheable page carries: purging it empties the CDN of Quire's pages. */
export const SITE_KEY = 'site';

/** Surrogate key names, one vocabulary for pages and purges. */
export const surrogateKey = {
  post: (id: string) => `post-${id}`,
  tag: (slug: string) => `tag-${slug}`,
  author: (id: string) => `author-${id}`,
  list: (name: 'home' | 'feed' | 'sitemap' | 'search') => `list-${name}`,
};

export const SHARED_CACHE_HEADERS = ['Cache-Control', 'Surrogate-Key', 'Cache-Tag'] as const;
export type SharedCacheHeaders = Record<(typeof SHARED_CACHE_HEADERS)[number], string>;

// Keys are ids and slugs (letters, digits, hyphens); anything else could split or end a header value.
const SAFE_KEY = /^[a-z0-9][a-z0-9_-]{0,127}$/i;
// CDNs bound the header (Cloudflare and Fastly: 16 KB); a page never lists more than this many keys.
const MAX_KEYS = 200;

/** The headers of an anonymous page that shows what `keys` name. */
export function cacheablePageHeaders(keys: Iterable<string>, policy: SharedCachePolicy): SharedCacheHeaders {
  // One pass (every anonymous page miss comes here): `site` first, then each safe key once, in order.
  const seen = new Set<string>([SITE_KEY]);
  let spaced = SITE_KEY;
  let commas = SITE_KEY;
  for (const key of keys) {
    if (seen.size >= MAX_KEYS) break;
    if (seen.has(key) || !SAFE_KEY.test(key)) continue;
    seen.add(key);
    spaced += ` ${key}`;
    commas += `,${key}`;
  }
  return {
    'Cache-Control': `public, max-age=0, s-maxage=${policy.maxAgeSeconds}, stale-while-revalidate=${policy.staleSeconds}`,
    'Surrogate-Key': spaced,
    'Cache-Tag': commas,
  };
}

/**
 * Declares a public page's surrogate keys. For an anonymous request: the shared-cache headers above. For
 * a personal one: `private, no-cache`, so that no shared cache ever keeps it.
 */
export function markCacheable(req: IncomingMessage, res: ServerResponse, keys: Iterable<string>, policy: SharedCachePolicy): void {
  if (res.headersSent) return;
  if (isPersonalRequest(req) || isPersonalResponse(res)) {
    if (!/\b(?:private|no-store)\b/i.test(String(res.getHeader('Cache-Control') ?? ''))) res.setHeader('Cache-Control', 'private, no-cache');
    return;
  }
  const headers = cacheablePageHeaders(keys, policy);
  res.setHeader('Cache-Control', headers['Cache-Control']);
  res.setHeader('Surrogate-Key', headers['Surrogate-Key']);
  res.setHeader('Cache-Tag', headers['Cache-Tag']);
}

/** Removes the surrogate keys from a response that turned out personal or failed. */
export function dropSharedCacheHeaders(res: ServerResponse): void {
  if (res.headersSent) return;
  res.removeHeader('Surrogate-Key');
  res.removeHeader('Cache-Tag');
}
